//! Process memory hygiene for the large stages. glibc's allocator keeps freed small blocks
//! (a million post texts, a million vocabulary strings) as holes in its heaps that still count
//! as resident, and by default serves mid-sized vectors from those heaps too, where they
//! fragment them further. Training asks for large vectors to be mapped on their own (so that
//! freeing them returns the memory) and trims the heaps between stages. Elsewhere these are
//! no-ops: they change how much memory stays resident, never a result.

/// Serve allocations of 256 KiB and more from their own mappings.
pub fn map_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
    }
}

/// Hand memory freed by the previous stage back to the system.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

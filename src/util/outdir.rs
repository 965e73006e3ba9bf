//! Where outputs go, written so that a reader, a kill or a full disk never sees half of them.
//!
//! A folder of outputs (`coordination --out`, `evaluate --report`, `tune --report`) is one set:
//! [`Staging`] writes its files into a hidden folder beside it (`.NAME.tmp-PID-RANDOM`, same
//! parent, so the same file system), fsyncs them, and swaps the whole folder in (Linux:
//! `renameat2(RENAME_EXCHANGE)`, one atomic step; elsewhere, or where the file system lacks it:
//! the old folder is renamed aside, the new one renamed in, the old one removed). A reader sees
//! the old set or the new one; two runs into one folder leave one run's complete set.
//!
//! Files in the folder that the command does not write are kept: they are hard-linked into the
//! new folder before the swap (symbolic links are copied as links), so they keep their contents
//! and identity. A folder holding a subfolder or anything but files is refused, and so is the
//! current folder (or one above it): a swap would move them from under their users.
//!
//! Nothing is left behind: the hidden folder is removed when writing fails, on SIGINT, SIGTERM
//! and SIGHUP, and a later run into the same folder removes those of runs that were killed
//! (SIGKILL, power loss) — only the files of the set and links to files still in the folder
//! are removed; anything else is moved back into the folder, never deleted.
//!
//! A single file ([`file_target`], used by `model::write_atomic`) is written through symbolic
//! links (the link's target is replaced, in its own folder, as `cp` does); a FIFO, a character
//! device (`/dev/null`) or an open file of the process (`/dev/stdout`) is written into
//! directly, never replaced; a FIFO that nothing reads, a block device or a socket is refused.
//!
//! For tests only, `TROLLWATCH_FAULT` injects faults into folder sets, comma-separated:
//! `outdir-fail-write=N` (the Nth file fails with "no space left on device"),
//! `outdir-pause-ms=N` (sleep after the first file is written), `outdir-no-exchange` (use the
//! portable swap).

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Symbolic links followed before a path counts as a loop (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Swap attempts when other runs keep replacing the folder at the same time.
const MAX_ATTEMPTS: usize = 50;

/// The folder of `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn loop_error() -> std::io::Error {
    #[cfg(unix)]
    {
        std::io::Error::from_raw_os_error(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        std::io::Error::other("too many levels of symbolic links")
    }
}

/// `path` with symbolic links in its last component followed (each relative to its own
/// folder), as far as they exist: the path that is really written. A loop is an error. The
/// kernel's links under `/proc` are not followed (they name open files, not paths).
pub fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() && !is_magic(&p) => {
                let to = std::fs::read_link(&p)?;
                p = if to.is_absolute() {
                    to
                } else {
                    parent_of(&p).join(to)
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(loop_error())
}

/// What a file that is neither a regular file nor a folder is, for messages; `None` for
/// regular files and folders.
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() || ft.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// How a single output file is written.
#[derive(Debug, PartialEq, Eq)]
pub enum FileTarget {
    /// A regular file (or none yet) at this path, links followed: replaced atomically.
    Replace(PathBuf),
    /// A FIFO or a character device: written into directly.
    Direct(PathBuf),
}

/// Where an output file given as `path` is written, or why it cannot be.
pub fn file_target(path: &Path) -> Result<FileTarget> {
    let shown = path.display().to_string();
    // The kernel's view first: it follows `/dev/stdout` and `/proc/self/fd/N` to the pipe,
    // terminal or file they stand for.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::bad_input(shown, "is a folder; give a file path"));
        }
        Ok(m) if !m.is_file() => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt;
                if m.file_type().is_fifo() || m.file_type().is_char_device() {
                    return Ok(FileTarget::Direct(path.to_path_buf()));
                }
            }
            return Err(Error::bad_input(
                shown,
                format!(
                    "is {}; give the path of a file",
                    special_kind(&m).unwrap_or("not a regular file")
                ),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(shown, e)),
    }
    let real = resolve_links(path).map_err(|e| Error::io(&shown, e))?;
    if is_magic(&real) {
        // An open file of this process (`/dev/stdout` redirected to a file): appended to.
        return Ok(FileTarget::Direct(path.to_path_buf()));
    }
    Ok(FileTarget::Replace(real))
}

/// Paths of the kernel's process views, whose "links" are open files, not names to replace.
fn is_magic(p: &Path) -> bool {
    p.starts_with("/proc") || p.starts_with("/dev/fd")
}

/// Writes `bytes` into a FIFO, a device or an open file of this process as it is: never
/// created, never replaced, appended to. A FIFO that nothing reads is refused at once instead
/// of waiting for a reader forever.
pub fn write_direct(real: &Path, shown: &str, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut f = match options.open(real) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(Error::bad_input(
                shown,
                "is a FIFO (named pipe) that nothing reads; start its reader first",
            ))
        }
        Err(e) => return Err(Error::io(shown, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let fd = f.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns; failure only leaves it nonblocking.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .map_err(|e| Error::io(shown, e))
}

// ---------------------------------------------------------------------------------------------
// Folder sets

/// Faults injected by tests through `TROLLWATCH_FAULT`.
#[derive(Debug, Default, Clone, Copy)]
struct Faults {
    fail_write: Option<usize>,
    pause_ms: Option<u64>,
    no_exchange: bool,
}

impl Faults {
    fn from_env() -> Faults {
        let mut f = Faults::default();
        let Ok(spec) = std::env::var("TROLLWATCH_FAULT") else {
            return f;
        };
        for item in spec.split(',').map(str::trim) {
            if let Some(n) = item.strip_prefix("outdir-fail-write=") {
                f.fail_write = n.parse().ok();
            } else if let Some(n) = item.strip_prefix("outdir-pause-ms=") {
                f.pause_ms = n.parse().ok();
            } else if item == "outdir-no-exchange" {
                f.no_exchange = true;
            }
        }
        f
    }
}

/// The folder a folder output given as `dir` replaces (links followed), after checking that it
/// can be: not a file, not the current folder or one above it, holding files only.
fn folder_target(dir: &Path) -> Result<PathBuf> {
    let shown = dir.display().to_string();
    let mut real = resolve_links(dir).map_err(|e| Error::io(&shown, e))?;
    if real.file_name().is_none() {
        real = std::fs::canonicalize(&real).map_err(|e| Error::io(&shown, e))?;
        if real.file_name().is_none() {
            return Err(Error::bad_input(
                shown,
                "is the root folder; give a folder for the output files",
            ));
        }
    }
    let meta = match std::fs::metadata(&real) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(real),
        Err(e) => return Err(Error::io(shown, e)),
    };
    if !meta.is_dir() {
        return Err(Error::bad_input(
            shown,
            "is not a folder; give a folder for the output files",
        ));
    }
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    if let (Ok(cwd), Ok(canon)) = (cwd, std::fs::canonicalize(&real)) {
        if cwd.starts_with(&canon) {
            return Err(Error::bad_input(
                shown,
                "is the current folder or holds it; the output folder is replaced as a whole, \
                 so give a folder of its own (e.g. out/)",
            ));
        }
    }
    let mut odd: Vec<(String, &'static str)> = Vec::new();
    for entry in std::fs::read_dir(&real).map_err(|e| Error::io(&shown, e))? {
        let entry = entry.map_err(|e| Error::io(&shown, e))?;
        let ft = entry.file_type().map_err(|e| Error::io(&shown, e))?;
        if ft.is_dir() {
            odd.push((entry.file_name().to_string_lossy().into_owned(), "a folder"));
        } else if !ft.is_file() && !ft.is_symlink() {
            let meta = entry.metadata().map_err(|e| Error::io(&shown, e))?;
            let kind = special_kind(&meta).unwrap_or("not a regular file");
            odd.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
    }
    odd.sort();
    if let Some((name, kind)) = odd.first() {
        return Err(Error::bad_input(
            shown,
            format!(
                "holds {name:?}, {kind}{}; the output folder is replaced as a whole and only \
                 files in it are kept, so give a new or empty folder, or move it out",
                if odd.len() > 1 {
                    format!(" (and {} more)", odd.len() - 1)
                } else {
                    String::new()
                }
            ),
        ));
    }
    Ok(real)
}

/// Checks, before any work, that a folder output can be written and swapped in.
pub fn check_dir(dir: &Path) -> Result<()> {
    folder_target(dir).map(|_| ())
}

/// Checks, before any work, that a file output can be written (see [`file_target`]).
pub fn check_file(path: &Path) -> Result<()> {
    file_target(path).map(|_| ())
}

/// A hidden name beside `target`: `.NAME.KIND-PID-RANDOM`.
fn hidden(parent: &Path, name: &OsStr, kind: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let random = nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9);
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{kind}-{}-{random:08x}", std::process::id()));
    parent.join(s)
}

fn is_set_name(names: &[String], name: &OsStr) -> bool {
    names.iter().any(|n| OsStr::new(n) == name)
}

/// Whether two entries are the same file (hard links of one inode).
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        a.is_file() && b.is_file() && a.len() == b.len() && a.modified().ok() == b.modified().ok()
    }
}

/// Whether two entries are symbolic links to the same path (carried links are copies).
fn same_link(a: &std::fs::Metadata, b: &std::fs::Metadata, pa: &Path, pb: &Path) -> bool {
    a.file_type().is_symlink()
        && b.file_type().is_symlink()
        && matches!((std::fs::read_link(pa), std::fs::read_link(pb)), (Ok(x), Ok(y)) if x == y)
}

fn exists_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::DirectoryNotEmpty
    )
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(from.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Whether a `renameat2` failure means the flag is not supported here.
#[cfg(target_os = "linux")]
fn unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP)
    )
}

/// Renames `from` to `to` unless `to` exists (then an `AlreadyExists` error, or
/// `DirectoryNotEmpty` where only plain `rename` is available).
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    match renameat2(from, to, libc::RENAME_NOREPLACE) {
        Err(e) if unsupported(&e) => {}
        other => return other,
    }
    std::fs::rename(from, to)
}

/// Swaps two folders in one step, where the platform can.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        renameat2(a, b, libc::RENAME_EXCHANGE)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

fn exchange_unsupported(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        unsupported(e)
    }
    #[cfg(not(target_os = "linux"))]
    {
        e.kind() == std::io::ErrorKind::Unsupported
    }
}

/// Links the files of `from` that are not in the set into `to` (symbolic links as links).
fn carry(from: &Path, to: &Path, names: &[String], shown: &str) -> Result<()> {
    let io = |e| Error::io(shown, e);
    for entry in std::fs::read_dir(from).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let dest = to.join(&name);
        if is_set_name(names, &name) || std::fs::symlink_metadata(&dest).is_ok() {
            continue;
        }
        let ft = entry.file_type().map_err(io)?;
        if ft.is_symlink() {
            let link = std::fs::read_link(entry.path()).map_err(io)?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &dest).map_err(io)?;
            #[cfg(not(unix))]
            std::fs::copy(entry.path(), &dest).map_err(io)?;
        } else if ft.is_file() {
            std::fs::hard_link(entry.path(), &dest).map_err(io)?;
        } else {
            return Err(Error::bad_input(
                shown,
                format!(
                    "holds {:?}, which is not a file; the output folder is replaced as a whole \
                     and only files in it are kept, so give a new or empty folder",
                    name.to_string_lossy()
                ),
            ));
        }
    }
    Ok(())
}

/// Empties a folder that is no longer the output (the old set, or a killed run's): the set's
/// files are removed, and so are entries that are the same file as the one of that name in
/// `target`; anything else is moved into `target` when the name is free there. The folder is
/// removed when that leaves it empty; otherwise it is kept and named in the error.
fn drain(old: &Path, target: &Path, names: &[String]) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(old) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let from = entry.path();
        if is_set_name(names, &name) {
            let _ = std::fs::remove_file(&from);
            continue;
        }
        let to = target.join(&name);
        match (
            std::fs::symlink_metadata(&from),
            std::fs::symlink_metadata(&to),
        ) {
            (Ok(a), Ok(b)) if same_file(&a, &b) || same_link(&a, &b, &from, &to) => {
                let _ = std::fs::remove_file(&from);
            }
            (Ok(_), Err(e)) if e.kind() == std::io::ErrorKind::NotFound && target.is_dir() => {
                let _ = std::fs::rename(&from, &to);
            }
            _ => {}
        }
    }
    match std::fs::remove_dir(old) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) => Err(std::io::Error::other(format!(
            "the new files are in place, but {} keeps files that were added to the folder while \
             they were written; look there",
            old.display()
        ))),
    }
}

/// Whether the process `pid` is gone (so its hidden folders are leftovers).
#[cfg(unix)]
fn is_dead(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks whether the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Removes the hidden folders that killed runs left beside `target` (see [`drain`]); a backup
/// of a portable swap killed half-way, with `target` gone, is renamed back first.
fn clean_stale(parent: &Path, name: &OsStr, target: &Path, names: &[String]) {
    #[cfg(unix)]
    {
        let Ok(rd) = std::fs::read_dir(parent) else {
            return;
        };
        let base = name.to_string_lossy();
        let (tmp_prefix, old_prefix) = (format!(".{base}.tmp-"), format!(".{base}.old-"));
        let mut stale: Vec<(bool, PathBuf)> = Vec::new();
        for entry in rd.flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            let (is_old, rest) = if let Some(r) = file.strip_prefix(&old_prefix) {
                (true, r)
            } else if let Some(r) = file.strip_prefix(&tmp_prefix) {
                (false, r)
            } else {
                continue;
            };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id() && is_dead(pid) {
                stale.push((is_old, entry.path()));
            }
        }
        // Backups first: one may have to become the folder again.
        stale.sort_by_key(|(is_old, _)| !is_old);
        for (is_old, path) in stale {
            if is_old
                && std::fs::symlink_metadata(target)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                && std::fs::rename(&path, target).is_ok()
            {
                continue;
            }
            let _ = drain(&path, target, names);
        }
    }
    #[cfg(not(unix))]
    let _ = (parent, name, target, names);
}

/// Removal of the hidden folder when the process is ended by SIGINT, SIGTERM or SIGHUP: the
/// handler unlinks the set's files and the folder (both async-signal-safe), then ends the
/// process with the same signal. It is installed only where the signal has its default action.
#[cfg(unix)]
mod on_signal {
    use std::ffi::CString;
    use std::sync::atomic::{AtomicPtr, Ordering};

    pub struct Cleanup {
        pub files: Vec<CString>,
        pub dir: CString,
    }

    static SLOT: AtomicPtr<Cleanup> = AtomicPtr::new(std::ptr::null_mut());
    static INSTALL: std::sync::Once = std::sync::Once::new();

    extern "C" fn handler(sig: libc::c_int) {
        let p = SLOT.swap(std::ptr::null_mut(), Ordering::SeqCst);
        // SAFETY: `p` came from `Box::into_raw` and the swap made this handler its only owner;
        // it is never freed (the process ends). unlink, rmdir, nanosleep, signal and raise
        // are async-signal-safe.
        unsafe {
            if !p.is_null() {
                // Other threads may still create files of the set: try again for up to 1 s.
                for _ in 0..100 {
                    for f in &(*p).files {
                        libc::unlink(f.as_ptr());
                    }
                    // Gone already (renamed into place, or drained): nothing to wait for.
                    // Reading errno is async-signal-safe.
                    if libc::rmdir((*p).dir.as_ptr()) == 0
                        || std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT)
                    {
                        break;
                    }
                    let pause = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 10_000_000,
                    };
                    libc::nanosleep(&pause, std::ptr::null_mut());
                }
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    fn install() {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: sigaction with zeroed, then filled structures; the handler is an
            // `extern "C" fn(c_int)`.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction != libc::SIG_DFL
                {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = handler as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut new.sa_mask);
                new.sa_flags = libc::SA_RESTART;
                libc::sigaction(sig, &new, std::ptr::null_mut());
            }
        }
    }

    /// Registers a cleanup; returns its token for [`clear`] (0 when another one is registered).
    pub fn set(c: Cleanup) -> usize {
        INSTALL.call_once(install);
        let p = Box::into_raw(Box::new(c));
        match SLOT.compare_exchange(std::ptr::null_mut(), p, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => p as usize,
            Err(_) => {
                // SAFETY: `p` was never shared.
                drop(unsafe { Box::from_raw(p) });
                0
            }
        }
    }

    /// Unregisters the cleanup of `token`, unless a signal already took it.
    pub fn clear(token: usize) {
        if token == 0 {
            return;
        }
        let p = token as *mut Cleanup;
        if SLOT
            .compare_exchange(p, std::ptr::null_mut(), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // SAFETY: the exchange took the pointer back from the slot; no one else has it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Where one output file's bytes go, a batch at a time: a file being written (a failed write
/// is an error naming it) or memory.
pub struct Sink<'a> {
    w: &'a mut dyn Write,
    shown: &'a str,
}

impl<'a> Sink<'a> {
    /// Bytes go to `w`; `shown` names it in errors.
    pub fn new(w: &'a mut dyn Write, shown: &'a str) -> Self {
        Sink { w, shown }
    }

    /// Appends `bytes`.
    pub fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .map_err(|e| Error::io(self.shown, e))
    }
}

/// A set of files written into a hidden folder beside the output folder, then swapped in as a
/// whole by [`Staging::commit`]. Dropped without a commit (an error), it removes its folder.
pub struct Staging {
    /// The folder as the user gave it, for messages.
    shown: PathBuf,
    /// The folder replaced (links followed).
    target: PathBuf,
    parent: PathBuf,
    name: OsString,
    tmp: PathBuf,
    names: Vec<String>,
    written: AtomicUsize,
    faults: Faults,
    /// `tmp` still holds the new set (not swapped in): removed on drop.
    pending: bool,
    signal_token: usize,
}

impl Staging {
    /// Starts a set of the files `names` for the folder `dir` (created with its parents if
    /// missing), after removing leftovers of killed runs into it.
    pub fn new(dir: &Path, names: &[impl AsRef<str>]) -> Result<Staging> {
        let shown = dir.display().to_string();
        let target = folder_target(dir)?;
        let parent = parent_of(&target);
        let name = target
            .file_name()
            .map(OsStr::to_os_string)
            .ok_or_else(|| Error::bad_input(&shown, "is not a folder path"))?;
        let names: Vec<String> = names.iter().map(|n| n.as_ref().to_string()).collect();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&shown, e))?;
        clean_stale(&parent, &name, &target, &names);
        let tmp = loop {
            let tmp = hidden(&parent, &name, "tmp");
            match std::fs::create_dir(&tmp) {
                Ok(()) => break tmp,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(shown, e)),
            }
        };
        let mut staging = Staging {
            shown: dir.to_path_buf(),
            target,
            parent,
            name,
            tmp,
            names,
            written: AtomicUsize::new(0),
            faults: Faults::from_env(),
            pending: true,
            signal_token: 0,
        };
        staging.register();
        Ok(staging)
    }

    #[cfg(unix)]
    fn register(&mut self) {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).ok();
        let files: Option<Vec<_>> = self.names.iter().map(|n| c(&self.tmp.join(n))).collect();
        if let (Some(files), Some(dir)) = (files, c(&self.tmp)) {
            self.signal_token = on_signal::set(on_signal::Cleanup { files, dir });
        }
    }

    #[cfg(not(unix))]
    fn register(&mut self) {}

    fn unregister(&mut self) {
        #[cfg(unix)]
        on_signal::clear(self.signal_token);
        self.signal_token = 0;
    }

    /// Writes one file of the set (may be called from several threads at once).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        self.write_with(name, |sink| sink.put(bytes))
    }

    /// Writes one file of the set as `fill` gives its bytes, a batch at a time (may be called
    /// from several threads at once): the whole file is never held in memory.
    pub fn write_with(&self, name: &str, fill: impl FnOnce(&mut Sink) -> Result<()>) -> Result<()> {
        debug_assert!(
            self.names.iter().any(|n| n == name),
            "{name} not in the set"
        );
        let shown = self.shown.join(name).display().to_string();
        let n = self.written.fetch_add(1, Ordering::SeqCst) + 1;
        if self.faults.fail_write == Some(n) {
            #[cfg(unix)]
            let e = std::io::Error::from_raw_os_error(libc::ENOSPC);
            #[cfg(not(unix))]
            let e = std::io::Error::other("no space left on device");
            return Err(Error::io(shown, e));
        }
        let path = self.tmp.join(name);
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&shown, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut Sink::new(&mut w, &shown))?;
        (|| -> std::io::Result<()> {
            let file = w
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            file.sync_all()
        })()
        .map_err(|e| Error::io(&shown, e))?;
        if n == 1 {
            if let Some(ms) = self.faults.pause_ms {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
        }
        Ok(())
    }

    /// Swaps the written set in: the folder then holds exactly the new set and the other files
    /// it held before. On error the folder is as it was.
    pub fn commit(mut self) -> Result<()> {
        let shown = self.shown.display().to_string();
        let io = |e| Error::io(&shown, e);
        sync_dir(&self.tmp);
        let mut use_exchange = !self.faults.no_exchange;
        let mut olds: Vec<PathBuf> = Vec::new();
        for _ in 0..MAX_ATTEMPTS {
            let meta = match std::fs::symlink_metadata(&self.target) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    match rename_noreplace(&self.tmp, &self.target) {
                        Ok(()) => {
                            self.pending = false;
                            break;
                        }
                        Err(e) if exists_error(&e) => continue,
                        Err(e) => return Err(io(e)),
                    }
                }
                Err(e) => return Err(io(e)),
            };
            if !meta.is_dir() {
                return Err(Error::bad_input(
                    &shown,
                    "was replaced by something that is not a folder while the files were written",
                ));
            }
            carry(&self.target, &self.tmp, &self.names, &shown)?;
            let _ = std::fs::set_permissions(&self.tmp, meta.permissions());
            if use_exchange {
                match exchange(&self.tmp, &self.target) {
                    Ok(()) => {
                        // The hidden name now holds the old set.
                        olds.push(self.tmp.clone());
                        self.pending = false;
                        break;
                    }
                    Err(e) if exchange_unsupported(&e) => use_exchange = false,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(e)),
                }
            }
            // Portable: old aside, new in. A signal between the two renames must not remove
            // the new set; a later run renames the backup back if the folder is missing.
            self.unregister();
            let backup = hidden(&self.parent, &self.name, "old");
            match std::fs::rename(&self.target, &backup) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(e)),
            }
            match std::fs::rename(&self.tmp, &self.target) {
                Ok(()) => {
                    olds.push(backup);
                    self.pending = false;
                    break;
                }
                Err(e) => {
                    if std::fs::rename(&backup, &self.target).is_err() {
                        olds.push(backup);
                    }
                    if !exists_error(&e) {
                        return Err(io(e));
                    }
                }
            }
        }
        if self.pending {
            return Err(io(std::io::Error::other(
                "other processes kept replacing the folder; the new files were not written",
            )));
        }
        // After an exchange the hidden folder holds the old set under the same names: a signal
        // while it is synced and drained still removes it, so the cleanup stays until then.
        sync_dir(&self.parent);
        let drained = olds
            .into_iter()
            .try_for_each(|old| drain(&old, &self.target, &self.names).map_err(io));
        self.unregister();
        drained
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.unregister();
        if self.pending {
            // Only the new set and links to files that are still in the folder.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_replaces_the_old_and_keeps_other_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        for (content, extra) in [("one", false), ("two", true)] {
            if extra {
                std::fs::write(out.join("notes.txt"), "mine").unwrap();
            }
            let s = Staging::new(&out, &["a.csv", "b.csv"]).unwrap();
            s.write("a.csv", content.as_bytes()).unwrap();
            s.write("b.csv", content.as_bytes()).unwrap();
            s.commit().unwrap();
            assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), content);
        }
        assert_eq!(listing(&out), ["a.csv", "b.csv", "notes.txt"]);
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(listing(root.path()), ["out"]);
    }

    #[test]
    fn a_dropped_set_leaves_the_folder_alone() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        let s = Staging::new(&out, &["a.csv"]).unwrap();
        s.write("a.csv", b"new").unwrap();
        drop(s);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        assert_eq!(listing(root.path()), ["out"]);
    }

    /// A file written batch by batch holds the batches in order, past the writer's buffer; a
    /// fill that fails part way is an error naming the file, and the old set stays as it was.
    #[test]
    fn a_file_written_in_batches_is_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let batch = |i: usize| vec![b'a' + (i % 26) as u8; 300_000 + i];
        let want: Vec<u8> = (0..8).flat_map(batch).collect();
        let s = Staging::new(&out, &["big.csv"]).unwrap();
        s.write_with("big.csv", |sink| {
            (0..8).try_for_each(|i| sink.put(&batch(i)))
        })
        .unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(out.join("big.csv")).unwrap(), want);

        let s = Staging::new(&out, &["big.csv"]).unwrap();
        let e = s
            .write_with("big.csv", |sink| {
                sink.put(b"partial")?;
                Err(Error::io("big.csv", std::io::Error::other("disk full")))
            })
            .unwrap_err();
        assert!(e.to_string().contains("big.csv"), "{e}");
        drop(s);
        assert_eq!(std::fs::read(out.join("big.csv")).unwrap(), want);
        assert_eq!(listing(root.path()), ["out"]);
    }
    #[cfg(unix)]
    #[test]
    fn leftovers_of_killed_runs_are_removed_or_restored_never_lost() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        // A portable swap killed between its two renames: the folder is missing, its backup
        // holds the old set and a file of the user's.
        let backup = root.path().join(format!(".out.old-{dead}-0"));
        std::fs::create_dir(&backup).unwrap();
        std::fs::write(backup.join("a.csv"), "old").unwrap();
        std::fs::write(backup.join("notes.txt"), "mine").unwrap();
        // A staging folder killed before its swap: part of a set, a link to the user's file,
        // and a file found nowhere else.
        let tmp = root.path().join(format!(".out.tmp-{dead}-1"));
        std::fs::create_dir(&tmp).unwrap();
        std::fs::write(tmp.join("a.csv"), "half").unwrap();
        std::fs::hard_link(backup.join("notes.txt"), tmp.join("notes.txt")).unwrap();
        std::fs::write(tmp.join("unique.txt"), "only here").unwrap();
        // A live process's staging folder is left alone.
        let live = root.path().join(format!(
            ".out.tmp-{}-2",
            std::os::unix::process::parent_id()
        ));
        std::fs::create_dir(&live).unwrap();
        drop(Staging::new(&out, &["a.csv"]).unwrap());
        assert_eq!(listing(&out), ["a.csv", "notes.txt", "unique.txt"]);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        let live_name = live.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(listing(root.path()), [live_name, "out".to_string()]);
    }

    #[test]
    fn links_are_followed_and_loops_refused() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("b", &a).unwrap();
            assert_eq!(resolve_links(&a).unwrap(), root.path().join("b"));
            std::os::unix::fs::symlink("a", &b).unwrap();
            let e = resolve_links(&a).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
        }
        let _ = (a, b);
    }
}

//! Files written so that readers see the old file or the new one, never a torn one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a torn
/// one: the bytes go to a temporary file in the same folder, are fsynced, and the file is
/// renamed over the target. On Linux the temporary file is anonymous (`O_TMPFILE`) until it
/// is complete, so a process killed while writing (SIGKILL, Ctrl-C) leaves nothing behind; it
/// gets a name only for the instant between `linkat` and `rename`.
///
/// A symbolic link is followed (its target is replaced, in the target's folder); a FIFO or a
/// character device is written into directly (see [`crate::util::outdir::file_target`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display().to_string();
    let path = &match crate::util::outdir::file_target(path)? {
        crate::util::outdir::FileTarget::Replace(p) => p,
        crate::util::outdir::FileTarget::Direct(p) => {
            return crate::util::outdir::write_direct(&p, &shown, bytes)
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::bad_input(&shown, "is not a file path"))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        match anonymous_file(&dir) {
            Some(mut f) => {
                f.write_all(bytes)?;
                f.sync_all()?;
                link_anonymous(&f, &tmp)?;
            }
            None => {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
        }
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(shown, e));
    }
    Ok(())
}

/// An unnamed file in `dir`, where the platform and file system support it.
#[cfg(target_os = "linux")]
fn anonymous_file(dir: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .mode(0o644)
        .open(dir)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn anonymous_file(_dir: &Path) -> Option<std::fs::File> {
    None
}

/// Gives an `O_TMPFILE` file the name `to`.
#[cfg(target_os = "linux")]
fn link_anonymous(f: &std::fs::File, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", f.as_raw_fd()))?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn link_anonymous(_f: &std::fs::File, _to: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.model");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(target_os = "linux")]
        assert!(
            anonymous_file(dir.path()).is_some(),
            "O_TMPFILE unavailable here: the kill test would not prove much"
        );
        let err = write_atomic(&dir.path().join("missing/m.model"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing/m.model"), "{err}");
    }
}

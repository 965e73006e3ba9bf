//! The library's typed errors. Every variant that comes from a file names the file, and where
//! it comes from one row, the line and the field; `exit_code` separates bad input (2) from
//! internal failures (1). Binaries wrap these in `anyhow` and print them; nothing here prints.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened, read or written. The io error is part of the message
    /// and not a `source()`, so that a message printed with its causes says it once.
    #[error("{path}: {err}{}", io_hint(err))]
    Io { path: String, err: std::io::Error },
    /// One row of an input file is unusable.
    #[error("{path}, line {line}: {problem}{hint}")]
    BadRow {
        path: String,
        line: u64,
        problem: String,
        /// How to get past it, starting with "; " (or empty).
        hint: String,
    },
    /// The input as a whole is unusable (missing column, wrong labels, no rows ...).
    #[error("{path}: {problem}")]
    BadInput { path: String, problem: String },
    /// A setting the user typed is out of range; raised before any data is read.
    #[error("invalid {name} = {value}: {reason}")]
    Param {
        name: &'static str,
        value: String,
        reason: String,
    },
    /// A model file that cannot be used: wrong format, newer version, corrupt.
    #[error("{path}: {problem}")]
    Model { path: PathBuf, problem: String },
    /// The optimizer failed (not a non-converged run: that is reported, not an error).
    #[error("training failed: {0}")]
    Training(String),
}

/// A value from a file as a message shows it: quoted, and cut after 60 characters so that a
/// huge field cannot flood the terminal.
pub fn shown(value: &str) -> String {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
        None => format!("{value:?}"),
    }
}

/// How to get past an io error the user can fix, starting with "; " (or empty).
fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            "; check the path (a relative path starts at the current folder)"
        }
        std::io::ErrorKind::PermissionDenied => {
            "; check the permissions of the file and of the folders above it"
        }
        std::io::ErrorKind::NotADirectory => "; a folder in the path is a file",
        std::io::ErrorKind::IsADirectory => "; give the path of a file, not of a folder",
        _ if is_link_loop(e) => "; a symbolic link in the path leads back to itself",
        _ => "",
    }
}

/// Whether an io error is a loop of symbolic links (ELOOP; its `ErrorKind` is not stable).
fn is_link_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        e.to_string().contains("symbolic links")
    }
}

impl Error {
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            err: source,
        }
    }

    pub fn param(name: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        Error::Param {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    pub fn bad_input(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::BadInput {
            path: path.into(),
            problem: problem.into(),
        }
    }

    pub fn model(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// The same error, told of the input it concerns: a stage that sees posts but not their
    /// file (the vectorizer says "training data") is named by the caller that knows it, with
    /// `prefix` (e.g. "fold 2: ") before the problem.
    pub fn for_input(self, path: &str, prefix: &str) -> Self {
        match self {
            Error::BadInput { problem, .. } => Error::BadInput {
                path: path.to_string(),
                problem: format!("{prefix}{problem}"),
            },
            other => other,
        }
    }

    /// Exit status for a command that ends with this error: 2 for anything the user can fix
    /// in their input or options, 1 for failures of the machine or of trollwatch itself.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { err, .. } => match err.kind() {
                std::io::ErrorKind::NotFound
                | std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::IsADirectory
                | std::io::ErrorKind::NotADirectory
                | std::io::ErrorKind::InvalidFilename => 2,
                _ if is_link_loop(err) => 2,
                _ => 1,
            },
            Error::BadRow { .. } | Error::BadInput { .. } | Error::Param { .. } => 2,
            Error::Model { .. } => 2,
            Error::Training(_) => 1,
        }
    }

    /// True when the error is a closed pipe on output (`trollwatch score | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { err, .. } if err.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

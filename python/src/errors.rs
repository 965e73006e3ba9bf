//! The library's errors as the package's exceptions (classes defined in
//! `trollwatch/errors.py`, so that they can also derive from `ValueError` or `OSError`): the
//! message is the library's, which names the file, line and field; the exception also
//! carries them as attributes (`path`, `line`, `option`) where the error has them.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use trollwatch::Error;

/// The package's exception class `name` with `message`.
fn raise(name: &str, message: String) -> PyErr {
    Python::attach(|py| {
        match py
            .import("trollwatch.errors")
            .and_then(|m| m.getattr(name))
            .and_then(|cls| cls.call1((message.clone(),)))
        {
            Ok(exc) => PyErr::from_value(exc),
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// A `ParameterError` of the binding's own (an option the command line's parser refused).
pub fn parameter_error(message: &str) -> PyErr {
    raise("ParameterError", message.to_string())
}

/// A library error as the exception of its kind.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| {
        let message = e.to_string();
        let name = match &e {
            Error::Io { .. } => "FileError",
            Error::BadRow { .. } | Error::BadInput { .. } => "InputError",
            Error::Param { .. } => "ParameterError",
            Error::Model { .. } => "ModelFileError",
            Error::Training(_) => "TrainingError",
        };
        let made = (|| -> PyResult<Bound<'_, PyAny>> {
            let cls = py.import("trollwatch.errors")?.getattr(name)?;
            let exc = cls.call1((message.clone(),))?;
            match &e {
                Error::Io { path, .. } | Error::BadInput { path, .. } => {
                    exc.setattr("path", path)?;
                }
                Error::BadRow { path, line, .. } => {
                    exc.setattr("path", path)?;
                    exc.setattr("line", line)?;
                }
                Error::Param { name, .. } => exc.setattr("option", name)?,
                Error::Model { path, .. } => exc.setattr("path", path.display().to_string())?,
                Error::Training(_) => {}
            }
            Ok(exc)
        })();
        match made {
            Ok(exc) => PyErr::from_value(exc),
            // The package's own module is missing or broken: still raise, with the message.
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// An error of a command run from Python: the library's typed error when it is one, else a
/// `TrollwatchError` with the whole chain of causes.
pub fn from_anyhow(e: anyhow::Error) -> PyErr {
    match e.downcast::<Error>() {
        Ok(e) => to_py(e),
        Err(e) => raise("TrollwatchError", format!("{e:#}")),
    }
}

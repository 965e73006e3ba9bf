//! Texts handed in from Python: an Arrow string array (zero-copy: the library reads the
//! strings where Arrow keeps them), chunks of one, or any sequence of `str` (copied, as a
//! Python string must be re-encoded to be read as UTF-8 under the stable ABI). Missing values
//! (`None`, NaN, Arrow nulls) are kept as rows without a text.

use arrow::array::{Array, ArrayData, LargeStringArray, StringArray, StringViewArray};
use arrow::datatypes::DataType;
use arrow::pyarrow::FromPyArrow;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

/// A column of texts, some missing.
pub enum Texts {
    /// Arrow string arrays, one per chunk, in order.
    Arrow(Vec<Chunk>),
    Owned(Vec<Option<String>>),
}

/// One chunk of an Arrow string column.
pub enum Chunk {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
}

impl Chunk {
    fn from_data(data: ArrayData) -> PyResult<Chunk> {
        match data.data_type() {
            DataType::Utf8 => Ok(Chunk::Utf8(StringArray::from(data))),
            DataType::LargeUtf8 => Ok(Chunk::Large(LargeStringArray::from(data))),
            DataType::Utf8View => Ok(Chunk::View(StringViewArray::from(data))),
            DataType::Dictionary(_, value)
                if matches!(
                    **value,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let array = arrow::array::make_array(data);
                let plain = arrow::compute::cast(&array, &DataType::LargeUtf8)
                    .map_err(|e| PyTypeError::new_err(e.to_string()))?;
                Ok(Chunk::Large(LargeStringArray::from(plain.to_data())))
            }
            other => Err(PyTypeError::new_err(format!(
                "the texts are an Arrow array of type {other}; give strings (utf8, \
                 large_utf8 or string_view)"
            ))),
        }
    }

    fn push_strs<'a>(&'a self, out: &mut Vec<Option<&'a str>>) {
        fn each<'a, A: Array>(
            a: &'a A,
            get: impl Fn(usize) -> &'a str,
            out: &mut Vec<Option<&'a str>>,
        ) {
            out.extend((0..a.len()).map(|i| (!a.is_null(i)).then(|| get(i))));
        }
        match self {
            Chunk::Utf8(a) => each(a, |i| a.value(i), out),
            Chunk::Large(a) => each(a, |i| a.value(i), out),
            Chunk::View(a) => each(a, |i| a.value(i), out),
        }
    }
}

impl Texts {
    /// Reads texts from a Python value: an Arrow array (anything with `__arrow_c_array__`),
    /// a pyarrow `ChunkedArray`, or an iterable of `str` (`None` or NaN for a missing text).
    pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Texts> {
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "give a list (or array) of texts, not one str: a str would be read as one \
                 text per character",
            ));
        }
        if obj.hasattr("__arrow_c_array__")? {
            let data = ArrayData::from_pyarrow_bound(obj)?;
            return Ok(Texts::Arrow(vec![Chunk::from_data(data)?]));
        }
        if obj.hasattr("chunks")? && obj.hasattr("__arrow_c_stream__")? {
            let mut chunks = Vec::new();
            for chunk in obj.getattr("chunks")?.try_iter()? {
                chunks.push(Chunk::from_data(ArrayData::from_pyarrow_bound(&chunk?)?)?);
            }
            return Ok(Texts::Arrow(chunks));
        }
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let item = item?;
            if item.is_none() {
                out.push(None);
            } else if let Ok(s) = item.cast::<PyString>() {
                out.push(Some(s.to_cow()?.into_owned()));
            } else if item.cast::<PyFloat>().is_ok_and(|f| f.value().is_nan()) {
                out.push(None);
            } else {
                return Err(PyTypeError::new_err(format!(
                    "text {i} is a {}, not a str",
                    item.get_type().name()?
                )));
            }
        }
        Ok(Texts::Owned(out))
    }

    /// Calls `f` with every row's text (`None`: missing).
    pub fn with_strs<R>(&self, f: impl FnOnce(&[Option<&str>]) -> R) -> R {
        match self {
            Texts::Owned(v) => {
                let rows: Vec<Option<&str>> = v.iter().map(Option::as_deref).collect();
                f(&rows)
            }
            Texts::Arrow(chunks) => {
                let mut rows = Vec::new();
                for c in chunks {
                    c.push_strs(&mut rows);
                }
                f(&rows)
            }
        }
    }
}

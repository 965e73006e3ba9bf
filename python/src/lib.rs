//! The native part of the `trollwatch` Python package: a thin edge over the trollwatch
//! library. It converts Python and Arrow values to the library's types and back, releases the
//! GIL while the library works, and turns the library's typed errors into the package's
//! exception classes (defined in `trollwatch/errors.py`). It computes nothing of its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::pyarrow::ToPyArrow;
use arrow::record_batch::RecordBatch;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sha2::{Digest, Sha256};
use trollwatch::{Error, ScoreOptions, Scored};

mod commands;
mod errors;
mod texts;

use errors::to_py;
use texts::Texts;

/// A trained model, loaded once and shared by every call (and thread) that scores with it.
#[pyclass(module = "trollwatch._trollwatch", name = "Model", frozen)]
struct PyModel {
    model: Arc<trollwatch::Model>,
    /// SHA-256 of the model file's bytes, hex.
    sha256: String,
    /// Where it was loaded from, if from a file.
    path: Option<PathBuf>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The scoring options, checked as the command line checks them.
fn score_options(threshold: Option<f64>, prior: Option<f64>) -> PyResult<ScoreOptions> {
    if let Some(t) = threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(to_py(Error::param(
                "threshold",
                t.to_string(),
                "a probability threshold is between 0 and 1",
            )));
        }
    }
    if let Some(p) = prior {
        if !(p > 0.0 && p < 1.0) {
            return Err(to_py(Error::param(
                "prior",
                p.to_string(),
                "a prior is a share of posts strictly between 0 and 1",
            )));
        }
    }
    Ok(ScoreOptions { threshold, prior })
}

impl PyModel {
    /// A model fitted in this process (its SHA-256 is that of the bytes it would be saved as).
    fn trained(model: trollwatch::Model) -> PyResult<PyModel> {
        let bytes = model.to_bytes().map_err(to_py)?;
        Ok(PyModel::from_model(model, sha256_hex(&bytes), None))
    }

    fn from_model(model: trollwatch::Model, sha256: String, path: Option<PathBuf>) -> PyModel {
        PyModel {
            model: Arc::new(model),
            sha256,
            path,
        }
    }

    /// Refuses a model whose features need more than the text of each post.
    fn check_text_only(&self) -> PyResult<()> {
        match self.model.needs_batch_columns() {
            Some(cols) => Err(to_py(Error::model(
                self.path.as_deref().unwrap_or(Path::new("<model>")),
                format!(
                    "has coordination features, which need the columns {} of a whole batch; \
                     score it with `trollwatch score --input FILE`",
                    cols.join(", ")
                ),
            ))),
            None => Ok(()),
        }
    }

    /// Scores the texts with the GIL released; `None` rows (missing texts) get no score.
    fn score_rows(
        &self,
        py: Python<'_>,
        texts: &Texts,
        opts: ScoreOptions,
        explain: usize,
    ) -> PyResult<Vec<Option<Scored>>> {
        self.check_text_only()?;
        let model = &self.model;
        Ok(py.detach(|| texts.with_strs(|rows| score_present(model, rows, opts, explain))))
    }
}

/// Scores the present rows in one parallel batch and puts the results back in row order.
fn score_present(
    model: &trollwatch::Model,
    rows: &[Option<&str>],
    opts: ScoreOptions,
    explain: usize,
) -> Vec<Option<Scored>> {
    let present: Vec<&str> = rows.iter().filter_map(|r| *r).collect();
    let mut scored = model.score_batch(&present, opts, explain).into_iter();
    rows.iter().map(|r| r.and_then(|_| scored.next())).collect()
}

#[pymethods]
impl PyModel {
    /// Loads a model file written by `trollwatch train` (any format version this build reads).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyModel> {
        let (model, sha) = py
            .detach(|| -> trollwatch::Result<_> {
                let model = trollwatch::Model::load(&path)?;
                let bytes =
                    std::fs::read(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
                Ok((model, sha256_hex(&bytes)))
            })
            .map_err(to_py)?;
        Ok(PyModel::from_model(model, sha, Some(path)))
    }

    /// A model from the bytes of a model file (as `to_bytes` gives them).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<PyModel> {
        let model = py
            .detach(|| trollwatch::Model::from_bytes(data, Path::new("<bytes>")))
            .map_err(to_py)?;
        Ok(PyModel::from_model(model, sha256_hex(data), None))
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.model.to_bytes()).map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file to `path` (atomically: a reader never sees half a file).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.model.save(&path)).map_err(to_py)
    }

    /// SHA-256 of the model file, hex.
    #[getter]
    fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The file this model was loaded from, if any.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// The model file format version.
    #[getter]
    fn format_version(&self) -> u32 {
        self.model.meta.file_version()
    }

    /// The classes, in the order of `predict_proba` columns: `[negative, positive]` for a
    /// two-class model.
    #[getter]
    fn classes(&self) -> Vec<String> {
        match self.model.class_names() {
            Some(names) => names.to_vec(),
            None => vec![
                self.model.meta.labels.negative.clone(),
                self.model.meta.labels.positive.clone(),
            ],
        }
    }

    /// Whether the model has two classes, one of them the troll class it scores.
    #[getter]
    fn is_binary(&self) -> bool {
        self.model.meta.is_binary()
    }

    /// The column the model was trained on for texts, and for labels.
    #[getter]
    fn text_column(&self) -> String {
        self.model.meta.input.text_col.clone()
    }

    #[getter]
    fn label_column(&self) -> String {
        self.model.meta.input.label_col.clone()
    }

    /// The probability a two-class model flags at with no threshold given (at the model's
    /// prior, or at `prior`).
    #[pyo3(signature = (prior=None))]
    fn threshold(&self, prior: Option<f64>) -> PyResult<f64> {
        let opts = score_options(None, prior)?;
        Ok(self.model.effective_threshold(&opts))
    }

    /// Everything the model file says about itself (training data, options, fit,
    /// calibration, cross-validation), as JSON.
    fn metadata_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.model.meta).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The troll class's probability of each text (NaN where the post has no known term and
    /// so no score), as a float64 array. Texts: a list of str, a NumPy array of str, or an
    /// Arrow string array (pyarrow, polars, ... through the Arrow PyCapsule interface).
    #[pyo3(signature = (texts, threshold=None, prior=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threshold: Option<f64>,
        prior: Option<f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        if !self.model.meta.is_binary() {
            return Err(PyValueError::new_err(
                "score() is for two-class models: a multi-class model has no single troll \
                 score; use predict_proba() or score_arrow()",
            ));
        }
        let opts = score_options(threshold, prior)?;
        let texts = Texts::extract(texts)?;
        let rows = self.score_rows(py, &texts, opts, 0)?;
        let out: Vec<f64> = rows
            .iter()
            .map(|s| s.as_ref().and_then(Scored::score).unwrap_or(f64::NAN))
            .collect();
        Ok(out.into_pyarray(py))
    }

    /// Each class's probability of each text, one row per text in `classes` order (NaN rows
    /// for posts with no score).
    #[pyo3(signature = (texts, prior=None))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        prior: Option<f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let opts = score_options(None, prior)?;
        let texts = Texts::extract(texts)?;
        let rows = self.score_rows(py, &texts, opts, 0)?;
        let k = self.classes().len();
        let mut flat = Vec::with_capacity(rows.len() * k);
        for s in &rows {
            match s.as_ref().and_then(|s| s.probabilities.as_ref()) {
                Some(p) => flat.extend_from_slice(p),
                None => flat.extend(std::iter::repeat_n(f64::NAN, k)),
            }
        }
        let array = numpy::ndarray::Array2::from_shape_vec((rows.len(), k), flat)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// The class given to each text (its name), as the command line labels it: of two
    /// classes the troll class when flagged, else the other; empty where there is no score.
    #[pyo3(signature = (texts, threshold=None, prior=None))]
    fn predict(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        threshold: Option<f64>,
        prior: Option<f64>,
    ) -> PyResult<Vec<String>> {
        let opts = score_options(threshold, prior)?;
        let texts = Texts::extract(texts)?;
        let rows = self.score_rows(py, &texts, opts, 0)?;
        Ok(rows
            .iter()
            .map(|s| {
                s.as_ref()
                    .map_or("", |s| self.model.label_of(s))
                    .to_string()
            })
            .collect())
    }

    /// Scores the texts into an Arrow record batch, one row per text, with the fields of
    /// `trollwatch score --format jsonl`: `score` (null without a score), `label`, `flagged`,
    /// `known_terms`, and with `explain` > 0 an `explanation` of the terms that moved the
    /// score most. A multi-class model gives `label`, `probability`, one `p_<class>` column per
    /// class and `known_terms`.
    #[pyo3(signature = (texts, threshold=None, prior=None, explain=0))]
    fn score_arrow<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threshold: Option<f64>,
        prior: Option<f64>,
        explain: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = score_options(threshold, prior)?;
        let texts = Texts::extract(texts)?;
        let rows = self.score_rows(py, &texts, opts, explain)?;
        let batch = py
            .detach(|| self.result_batch(&rows, explain))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        batch.to_pyarrow(py)
    }

    fn __repr__(&self) -> String {
        let what = match self.model.class_names() {
            Some(names) => format!("{} classes", names.len()),
            None => format!(
                "{:?} vs {:?}",
                self.model.meta.labels.positive, self.model.meta.labels.negative
            ),
        };
        format!(
            "trollwatch.Model({what}, {} terms, format {}, sha256 {}…)",
            self.model.vectorizer.n_features(),
            self.model.meta.file_version(),
            &self.sha256[..12.min(self.sha256.len())]
        )
    }
}

impl PyModel {
    fn result_batch(
        &self,
        rows: &[Option<Scored>],
        explain: usize,
    ) -> arrow::error::Result<RecordBatch> {
        let model = &self.model;
        let label: StringArray = rows
            .iter()
            .map(|s| Some(s.as_ref().map_or("", |s| model.label_of(s))))
            .collect();
        let known: UInt32Array = rows
            .iter()
            .map(|s| Some(s.as_ref().map_or(0, |s| s.known_terms)))
            .collect();
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        let mut push = |name: &str, dtype: DataType, nullable: bool, a: ArrayRef| {
            fields.push(Field::new(name, dtype, nullable));
            columns.push(a);
        };
        match model.class_names() {
            None => {
                let score: Float64Array = rows
                    .iter()
                    .map(|s| s.as_ref().and_then(Scored::score))
                    .collect();
                let flagged: BooleanArray = rows
                    .iter()
                    .map(|s| Some(s.as_ref().is_some_and(Scored::positive)))
                    .collect();
                push("score", DataType::Float64, true, Arc::new(score));
                push("label", DataType::Utf8, false, Arc::new(label));
                push("flagged", DataType::Boolean, false, Arc::new(flagged));
            }
            Some(names) => {
                let probability: Float64Array = rows
                    .iter()
                    .map(|s| s.as_ref().and_then(Scored::probability))
                    .collect();
                push("label", DataType::Utf8, false, Arc::new(label));
                push(
                    "probability",
                    DataType::Float64,
                    true,
                    Arc::new(probability),
                );
                for (c, name) in names.iter().enumerate() {
                    let p: Float64Array = rows
                        .iter()
                        .map(|s| {
                            s.as_ref()
                                .and_then(|s| s.probabilities.as_ref())
                                .map(|p| p[c])
                        })
                        .collect();
                    push(&format!("p_{name}"), DataType::Float64, true, Arc::new(p));
                }
            }
        }
        push("known_terms", DataType::UInt32, false, Arc::new(known));
        if explain > 0 {
            let text: StringArray = rows
                .iter()
                .map(|s| Some(s.as_ref().map(Scored::explanation).unwrap_or_default()))
                .collect();
            push("explanation", DataType::Utf8, false, Arc::new(text));
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
    }
}

/// The library version this module was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _trollwatch(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModel>()?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(commands::train, m)?)?;
    m.add_function(wrap_pyfunction!(commands::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(commands::coordination, m)?)?;
    Ok(())
}

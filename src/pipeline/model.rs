//! The model file: one file that holds everything needed to score a post — format name and
//! version, the tokenizer and vectorizer configuration, the vocabulary (columns by falling document frequency), IDF, weights,
//! intercept, label names, training options, a summary of the training data, and a SHA-256 of
//! its own bytes. Configuration is saved, not behaviour: loading rebuilds the same analyzer.
//!
//! Layout (little-endian): `TROLLWATCH-MODEL` (16 bytes), format version (u32), metadata length
//! (u64) and metadata (JSON), term count (u64), the terms' text (u64 length + UTF-8, terms one
//! after another), each term's end offset (u32 × terms), the lookup table (u64 slot count +
//! u64 × slots; see [`crate::text::vocab`]), IDF (f64 × terms), weights (f64 × terms), SHA-256 of
//! everything before it (32 bytes). Loading is reading: no hash map is rebuilt from text.
//! A multi-class model (format version 3; binary models are still written and read as
//! version 2) lists its classes and how it was fitted in the metadata (`classes`), holds K
//! weights per term, term-major (f64 × terms × classes), and then its K intercepts (f64; in
//! binary, not JSON, so that a loaded model scores bit for bit as the one that was saved).
//! Files are written atomically: a temporary file beside the target, fsync, rename.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::learn::head::LinearHead;
use crate::learn::logistic::Strategy;
use crate::learn::logistic::{FitReport, LinearModel, LogisticParams};
use crate::text::dataset::{DroppedClass, SkipReport};
use crate::text::tokenize::{Analyzer, TokenizerConfig};
use crate::text::vectorize::{FitStats, Vectorizer, VectorizerConfig};
use crate::text::vocab::Vocabulary;

pub const MAGIC: &[u8; 16] = b"TROLLWATCH-MODEL";
pub const FORMAT_NAME: &str = "trollwatch-model";
/// The format text-only binary models are written in (and the oldest this reads).
pub const FORMAT_VERSION: u32 = 2;
/// The format of models with more than version 2 holds — multi-class models (their classes,
/// K weights per term and K intercepts), coordination feature columns (their weights after
/// the terms'), an account model — and the newest this build reads.
pub const MULTICLASS_FORMAT_VERSION: u32 = 3;
/// The format of binary models that carry a calibration (`calibration` in the metadata: the
/// map from decision value to probability, the prior, the threshold chosen for a target
/// false-positive rate, the per-source table) and the newest this build reads. The arrays are
/// laid out as in version 2 or 3; only the metadata says more, and an older trollwatch, which
/// would score without the calibration, refuses the file.
pub const CALIBRATED_FORMAT_VERSION: u32 = 4;

/// The two classes: `positive` is the troll class, scored as the probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    pub negative: String,
    pub positive: String,
}

/// Where the labels and texts came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumns {
    pub text_col: String,
    pub label_col: String,
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File name of the training data (without its folder), or `-` for stdin.
    pub source: String,
    pub rows: u64,
    pub negatives: u64,
    pub positives: u64,
    pub skipped: SkipReport,
    /// Questionable rows read (repeated ids or texts, texts under two labels, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// SHA-256 of the decoded training input.
    pub input_sha256: String,
    /// UTC date of training (`SOURCE_DATE_EPOCH` when set, for reproducible files).
    pub trained_on: String,
    pub trollwatch_version: String,
}

/// Everything in the model file but the large arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: String,
    pub format_version: u32,
    pub labels: Labels,
    /// Posts scoring at or above this are given the positive label.
    pub threshold: f64,
    pub intercept: f64,
    pub n_features: usize,
    pub tokenizer: TokenizerConfig,
    pub vectorizer: VectorizerConfig,
    pub logistic: LogisticParams,
    pub input: InputColumns,
    pub data: DataSummary,
    pub fit: FitReport,
    pub features: FitStats,
    /// Cross-validation run at training time (`train --cv`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvSummary>,
    /// Coordination features (`--features text,coordination`): how to compute them. Their
    /// weights follow the terms' in the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordination: Option<crate::pipeline::features::CoordinationSpec>,
    /// Account model (`train --account-model`), used by `score --by author`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_model: Option<crate::pipeline::account::AccountModel>,
    /// Column naming the account, for account-level scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_col: Option<String>,
    /// The classes of a multi-class model (format 3); absent for a binary one, whose
    /// `labels`, `threshold` and `intercept` are the ones used. A multi-class model leaves
    /// `labels` empty and `intercept` 0, and counts rows per class here, not in
    /// `data.positives`/`negatives`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<ClassesMeta>,
    /// A binary model's calibration and threshold, from out-of-fold scores (format 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationMeta>,
}

/// How a binary model's decision values become probabilities and flags, and what held-out
/// folds said about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationMeta {
    /// The map from decision value to probability; `None`: the model's own sigmoid.
    pub map: Option<crate::learn::calibration::Calibrator>,
    /// Share of positives among the out-of-fold rows the map was fitted on: the prior its
    /// probabilities hold.
    pub fitted_prior: f64,
    /// The prior scores are reported at unless `score --prior` says otherwise: the expected
    /// share of the positive class in the posts being scored.
    pub prior: f64,
    /// The threshold chosen on the out-of-fold scores for a target false-positive rate (on
    /// the decision scale), with the rates it reached there; `None`: `threshold` is used.
    pub threshold: Option<crate::learn::heldout::ThresholdChoice>,
    /// A post with fewer known terms than this gets no score and is not flagged.
    pub min_known_terms: u32,
    /// The folds the out-of-fold scores came from.
    pub folds: usize,
    pub group_by: String,
    pub seed: u64,
    /// Out-of-fold ROC-AUC, and per source: rows, false-positive rate and recall at the
    /// threshold (chosen on these same scores, so slightly flattering).
    pub oof_roc_auc: Option<f64>,
    pub sources: Vec<crate::learn::heldout::SourceRow>,
    /// What the calibration step had to work around (e.g. a class split by row).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ModelMeta {
    /// A two-class model with a positive (troll) class, not one of K classes.
    pub fn is_binary(&self) -> bool {
        self.classes.is_none()
    }

    /// Dense feature columns after the vocabulary's.
    pub fn dense_width(&self) -> usize {
        self.coordination.as_ref().map_or(0, |c| c.width())
    }

    /// The format version this model is written with: 2 unless it needs version 3's parts.
    pub fn file_version(&self) -> u32 {
        if self.calibration.is_some() {
            CALIBRATED_FORMAT_VERSION
        } else if !self.is_binary() || self.coordination.is_some() || self.account_model.is_some() {
            MULTICLASS_FORMAT_VERSION
        } else {
            FORMAT_VERSION
        }
    }
}

/// A multi-class model's classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassesMeta {
    /// Class names, in the order of the weights.
    pub names: Vec<String>,
    /// Training rows per class.
    pub counts: Vec<u64>,
    pub strategy: Strategy,
    /// Label values that are not classes of the model, with their rows.
    #[serde(default)]
    pub dropped: Vec<DroppedClass>,
}

/// What cross-validation said about these options before the final fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    pub folds: usize,
    pub group_by: Option<String>,
    pub seed: u64,
    /// Mean ± sd per metric over the folds.
    pub summary: Vec<crate::learn::metrics::MetricSummary>,
    /// Threshold that maximized F1 over the out-of-fold predictions.
    pub best_f1_threshold: Option<f64>,
}

/// A loaded (or freshly trained) model.
pub struct Model {
    pub meta: ModelMeta,
    pub analyzer: Analyzer,
    pub vectorizer: Vectorizer,
    /// The linear head: one column for two classes, K for K classes.
    pub head: LinearHead,
}

impl Model {
    /// A model of `head`'s classes: for a multi-class head, `meta.classes` names them; for
    /// a two-class one, `meta.labels` does and `meta.intercept` is the head's intercept.
    pub fn new(meta: ModelMeta, vectorizer: Vectorizer, head: LinearHead) -> Model {
        Model {
            analyzer: Analyzer::new(meta.tokenizer.clone()),
            meta,
            vectorizer,
            head,
        }
    }

    /// The class names of a multi-class model; `None` for a binary one.
    pub fn class_names(&self) -> Option<&[String]> {
        self.meta.classes.as_ref().map(|c| &c.names[..])
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut meta_fields = self.meta.clone();
        meta_fields.format_version = self.meta.file_version();
        let meta = serde_json::to_vec(&meta_fields)
            .map_err(|e| Error::Training(format!("cannot encode model metadata: {e}")))?;
        let (text, ends, slots) = self.vectorizer.vocabulary.parts();
        let n = ends.len();
        let version = self.meta.file_version();
        let weights = &self.head.weights;
        // A two-class model's intercept is in its metadata; K classes' follow the weights.
        let intercepts: &[f64] = if self.head.is_binary() {
            &[]
        } else {
            &self.head.intercepts
        };
        let size = 16
            + 4
            + 8
            + meta.len()
            + 8
            + 8
            + text.len()
            + 4 * n
            + 8
            + 8 * slots.len()
            + 8 * n
            + 8 * weights.len()
            + 8 * intercepts.len()
            + 32;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&(n as u64).to_le_bytes());
        out.extend_from_slice(&(text.len() as u64).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        for e in ends {
            out.extend_from_slice(&e.to_le_bytes());
        }
        out.extend_from_slice(&(slots.len() as u64).to_le_bytes());
        for s in slots {
            out.extend_from_slice(&s.to_le_bytes());
        }
        for v in &self.vectorizer.idf {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in weights {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in intercepts {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        Ok(out)
    }

    /// Writes the model atomically to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::util::atomic::write_atomic(path, &self.to_bytes()?)
    }

    pub fn load(path: &Path) -> Result<Model> {
        use std::io::Read;
        let io = |e| {
            if path.is_dir() {
                Error::model(path, "is a directory, not a model file")
            } else {
                Error::io(path.display().to_string(), e)
            }
        };
        // By its metadata first: opening a FIFO would wait for a writer forever.
        let meta = std::fs::metadata(path).map_err(io)?;
        if let Some(kind) = crate::util::outdir::special_kind(&meta) {
            return Err(Error::model(
                path,
                format!("is {kind}, not a model file; give the path of a model file"),
            ));
        }
        let mut file = std::fs::File::open(path).map_err(io)?;
        // The magic first: a data file given for the model (`-m posts.csv`) is refused before
        // gigabytes of it are read into memory.
        let mut bytes = Vec::with_capacity(MAGIC.len());
        Read::by_ref(&mut file)
            .take(MAGIC.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() == MAGIC.len() && &bytes[..] == MAGIC {
            file.read_to_end(&mut bytes).map_err(io)?;
        }
        Model::from_bytes(&bytes, path)
    }

    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
        let bad = |problem: String| Error::model(path, problem);
        let version = check_header(bytes, path)?;
        let body = &bytes[..bytes.len() - 32];
        let mut r = Cursor {
            bytes: body,
            pos: 20,
        };
        let meta_len =
            r.u64()
                .ok_or_else(|| bad("is truncated in its metadata".into()))? as usize;
        let meta_bytes = r
            .take(meta_len)
            .ok_or_else(|| bad("is truncated in its metadata".into()))?;
        let meta: ModelMeta = serde_json::from_slice(meta_bytes)
            .map_err(|e| bad(format!("has unreadable metadata: {e}")))?;
        let n_classes = check_meta(&meta, version, path)?;
        let (vocabulary, idf) = read_vocabulary(&mut r, &meta, path)?;
        let (weights, intercepts) = read_weights(&mut r, &meta, n_classes, &idf, path)?;
        let vectorizer = Vectorizer::new(meta.vectorizer.clone(), vocabulary, idf)?;
        let head = match &meta.classes {
            Some(c) => LinearHead::classes(n_classes, weights, intercepts, c.strategy),
            None => LinearHead::binary(LinearModel {
                weights,
                intercept: meta.intercept,
            }),
        };
        Ok(Model::new(meta, vectorizer, head))
    }
}

/// The magic bytes, a format version this build reads, and the checksum; the version.
fn check_header(bytes: &[u8], path: &Path) -> Result<u32> {
    let bad = |problem: String| Error::model(path, problem);
    if bytes.is_empty() {
        return Err(bad("is empty, not a trollwatch model".into()));
    }
    if bytes.len() < 16 || &bytes[..16] != MAGIC {
        let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(16)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        return Err(bad(format!(
            "is not a trollwatch model file (it starts with {shown:?}, not \"TROLLWATCH-MODEL\")"
        )));
    }
    if bytes.len() < 16 + 4 {
        return Err(bad("is truncated: it ends inside the header".into()));
    }
    let version = u32::from_le_bytes(bytes[16..20].try_into().unwrap_or_default());
    if version > CALIBRATED_FORMAT_VERSION {
        return Err(bad(format!(
            "uses model format version {version}, newer than this trollwatch ({}) reads \
             (format version {CALIBRATED_FORMAT_VERSION}); upgrade trollwatch",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if version < FORMAT_VERSION {
        return Err(bad(format!(
            "uses model format version {version}, which this trollwatch no longer reads; retrain the model"
        )));
    }
    if bytes.len() < 20 + 8 + 32 {
        return Err(bad("is truncated: it ends inside the header".into()));
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(bad(
            "is corrupt: its checksum does not match its content (truncated or modified)".into(),
        ));
    }
    Ok(version)
}

/// Metadata a scorer would act on, checked so that a model that loads scores sanely; the
/// number of weight columns (1 for two classes).
fn check_meta(meta: &ModelMeta, version: u32, path: &Path) -> Result<usize> {
    let bad = |problem: String| Error::model(path, problem);
    if meta.format != FORMAT_NAME {
        return Err(bad(format!(
            "names format {:?}, not {FORMAT_NAME:?}",
            meta.format
        )));
    }
    // Settings a scorer would act on: checked here, so a model that loads scores sanely.
    meta.vectorizer.check().map_err(|e| {
        bad(format!(
            "is inconsistent: its vectorizer settings are invalid ({e})"
        ))
    })?;
    if !meta.is_binary() && meta.coordination.is_some() {
        return Err(bad(
            "is inconsistent: a multi-class model with coordination features".into(),
        ));
    }
    let expected = meta.file_version();
    if version != expected || meta.format_version != version {
        let what = if meta.calibration.is_some() {
            "a calibration"
        } else if !meta.is_binary() {
            "a class list"
        } else if meta.coordination.is_some() || meta.account_model.is_some() {
            "coordination features or an account model"
        } else {
            "a text-only binary model"
        };
        return Err(bad(format!(
            "is inconsistent: its header says format version {version} (metadata {}), but \
             it holds {what}, which is format version {expected}",
            meta.format_version
        )));
    }
    let n_classes = match &meta.classes {
        None => 1,
        Some(c) => {
            let k = c.names.len();
            if k < 2 || c.counts.len() != k {
                return Err(bad(format!(
                    "is inconsistent: {k} classes with {} row counts",
                    c.counts.len()
                )));
            }
            if (1..k).any(|i| c.names[..i].contains(&c.names[i])) {
                return Err(bad("is inconsistent: a class is named twice".into()));
            }
            k
        }
    };
    if let Some(c) = &meta.calibration {
        let ok = |p: f64| p > 0.0 && p < 1.0;
        if !meta.is_binary() || !ok(c.prior) || !ok(c.fitted_prior) {
            return Err(bad(format!(
                "is inconsistent: a calibration with prior {} (fitted at {}){}",
                c.prior,
                c.fitted_prior,
                if !meta.is_binary() {
                    " on a multi-class model"
                } else {
                    ""
                }
            )));
        }
    }
    if !(0.0..=1.0).contains(&meta.threshold) || !meta.intercept.is_finite() {
        return Err(bad(format!(
            "is inconsistent: threshold {} or intercept {} out of range",
            meta.threshold, meta.intercept
        )));
    }
    Ok(n_classes)
}

/// The vocabulary and its IDF values.
fn read_vocabulary(
    r: &mut Cursor,
    meta: &ModelMeta,
    path: &Path,
) -> Result<(Vocabulary, Vec<f64>)> {
    let bad = |problem: String| Error::model(path, problem);
    let body_len = r.bytes.len();
    let n = r
        .u64()
        .ok_or_else(|| bad("is truncated in its vocabulary".into()))?;
    // Every term takes at least 20 bytes (its length, IDF and weight), so a count the file
    // cannot hold is refused before anything is allocated for it.
    let room = (body_len - r.pos) as u64 / 20;
    if n > room {
        return Err(bad(format!(
            "is inconsistent: it claims {n} terms, but its remaining {} bytes hold at most {room}",
            body_len - r.pos
        )));
    }
    let n = n as usize;
    if n != meta.n_features {
        return Err(bad(format!(
            "is inconsistent: {n} terms, but its metadata says {}",
            meta.n_features
        )));
    }
    let text_len = r
        .u64()
        .ok_or_else(|| bad("is truncated in its vocabulary".into()))? as usize;
    let text = r
        .take(text_len)
        .ok_or_else(|| bad("is truncated in its vocabulary".into()))?;
    let text = String::from_utf8(text.to_vec()).map_err(|e| {
        bad(format!(
            "has a vocabulary that is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let ends = r
        .u32s(n)
        .ok_or_else(|| bad("is truncated in its vocabulary".into()))?;
    let m = r
        .u64()
        .ok_or_else(|| bad("is truncated in its vocabulary table".into()))? as usize;
    let slots = r
        .u64s(m)
        .ok_or_else(|| bad("is truncated in its vocabulary table".into()))?;
    let vocabulary = Vocabulary::from_parts(text, ends, slots)
        .map_err(|e| bad(format!("is inconsistent: {e}")))?;
    let idf = r
        .f64s(n)
        .ok_or_else(|| bad("is truncated in its IDF values".into()))?;
    Ok((vocabulary, idf))
}

/// The weights (terms × classes, then the dense columns) and, for K classes, the intercepts;
/// every one finite, and nothing after them.
fn read_weights(
    r: &mut Cursor,
    meta: &ModelMeta,
    n_classes: usize,
    idf: &[f64],
    path: &Path,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let bad = |problem: String| Error::model(path, problem);
    let n = meta.n_features;
    if let Some(spec) = &meta.coordination {
        spec.params().map_err(|e| {
            bad(format!(
                "is inconsistent: its coordination settings are invalid ({e})"
            ))
        })?;
    }
    if let Some(am) = &meta.account_model {
        am.check(meta.coordination.is_some())
            .map_err(|e| bad(format!("is inconsistent: {e}")))?;
    }
    let dense = meta.dense_width();
    let weights = n
        .checked_mul(n_classes)
        .and_then(|m| m.checked_add(dense))
        .and_then(|m| r.f64s(m))
        .ok_or_else(|| bad("is truncated in its weights".into()))?;
    if let Some(k) = idf.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "is inconsistent: IDF value {k} is not a finite number"
        )));
    }
    if let Some(k) = weights.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "is inconsistent: weight {} is not a finite number",
            k / n_classes
        )));
    }
    let intercepts = match &meta.classes {
        Some(_) => {
            let b = r
                .f64s(n_classes)
                .ok_or_else(|| bad("is truncated in its intercepts".into()))?;
            if let Some(v) = b.iter().find(|v| !v.is_finite()) {
                return Err(bad(format!("is inconsistent: intercept {v} is not finite")));
            }
            b
        }
        None => Vec::new(),
    };
    if r.pos != r.bytes.len() {
        return Err(bad(format!(
            "has {} unexpected bytes after the weights",
            r.bytes.len() - r.pos
        )));
    }
    Ok((weights, intercepts))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// `n` little-endian values of `N` bytes each, decoded by `from`.
    fn array<const N: usize, T>(&mut self, n: usize, from: fn([u8; N]) -> T) -> Option<Vec<T>> {
        let raw = self.take(n.checked_mul(N)?)?;
        Some(
            raw.chunks_exact(N)
                .map(|c| from(c.try_into().unwrap_or([0; N])))
                .collect(),
        )
    }

    fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
        self.array(n, u32::from_le_bytes)
    }

    fn u64s(&mut self, n: usize) -> Option<Vec<u64>> {
        self.array(n, u64::from_le_bytes)
    }

    fn f64s(&mut self, n: usize) -> Option<Vec<f64>> {
        self.array(n, f64::from_le_bytes)
    }
}

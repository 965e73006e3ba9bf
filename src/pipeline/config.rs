//! The settings of a training run ([`TrainConfig`], [`CalibrationSettings`]) and the checks
//! and row weights that training and cross-validation share.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::logistic::{self, LogisticParams};
use crate::pipeline::features::{CoordinationSpec, Dense};
use crate::text::tokenize::TokenizerConfig;
use crate::text::vectorize::VectorizerConfig;

/// Every setting of a training run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub tokenizer: TokenizerConfig,
    pub vectorizer: VectorizerConfig,
    pub logistic: LogisticParams,
    /// Decision threshold stored in the model. Default 0.5.
    pub threshold: Option<f64>,
    /// Coordination features beside the text (`--features text,coordination`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordination: Option<CoordinationSpec>,
}

impl TrainConfig {
    /// Checks every setting before any data is read.
    pub fn check(&self) -> Result<()> {
        self.vectorizer.check()?;
        self.logistic.check()?;
        if let Some(c) = &self.coordination {
            c.params()?;
        }
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(Error::param("threshold", t, "must be in [0, 1]"));
            }
        }
        Ok(())
    }
}

/// How `train` calibrates a binary model on out-of-fold scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSettings {
    pub method: crate::learn::heldout::Method,
    /// Choose the threshold for this false-positive rate (averaged over the negatives'
    /// sources); `None`: keep the configured threshold.
    pub target_fpr: Option<f64>,
    pub folds: usize,
    /// Rows are grouped by this (`author,source`: the author, else the source).
    pub group_by: Option<String>,
    pub seed: u64,
    /// Prior scores are reported at.
    pub prior: f64,
    pub min_known_terms: u32,
}

impl CalibrationSettings {
    pub fn check(&self) -> Result<()> {
        if self.folds < 2 || self.folds > 20 {
            return Err(Error::param(
                "calibration-folds",
                self.folds,
                "must be in 2..=20",
            ));
        }
        if !(self.prior > 0.0 && self.prior < 1.0) {
            return Err(Error::param("prior", self.prior, "must be in (0, 1)"));
        }
        if let Some(t) = self.target_fpr {
            if !(0.0..1.0).contains(&t) {
                return Err(Error::param("target-fpr", t, "must be in [0, 1)"));
            }
        }
        Ok(())
    }
}

/// Checks that `dense` is there exactly when the configuration wants coordination features,
/// with one row per post and the columns the settings name.
pub fn check_dense(config: &TrainConfig, dense: Option<&Dense>, rows: usize) -> Result<()> {
    match (&config.coordination, dense) {
        (None, None) => Ok(()),
        (Some(spec), Some(d)) if d.names == spec.names() && d.rows() == rows => Ok(()),
        (Some(spec), Some(d)) => Err(Error::Training(format!(
            "coordination features {:?} for {} rows do not match the settings ({:?}) and the \
             {rows} rows",
            d.names,
            d.rows(),
            spec.names()
        ))),
        (Some(_), None) => Err(Error::Training(
            "coordination features were asked for but not computed".into(),
        )),
        (None, Some(_)) => Err(Error::Training(
            "dense features were given without coordination settings".into(),
        )),
    }
}

/// Row weights for the fit: `None` unless the class weighting is by source, then
/// [`logistic::source_weights`] over `rows` (all rows when `None`) with `sources[row]` each
/// row's source. `y` holds the labels of those rows.
pub fn row_weights(
    y: &[bool],
    sources: &[u32],
    rows: Option<&[usize]>,
    params: &LogisticParams,
) -> Result<Option<Vec<f64>>> {
    if params.class_weight != logistic::ClassWeight::Source {
        return Ok(None);
    }
    let picked: Vec<u32> = match rows {
        Some(r) if sources.len() >= r.iter().max().map_or(0, |m| m + 1) => {
            r.iter().map(|&i| sources[i]).collect()
        }
        None if sources.len() == y.len() => sources.to_vec(),
        _ => {
            return Err(Error::Training(
                "--class-weight source needs each row's source, which was not read".into(),
            ))
        }
    };
    Ok(Some(logistic::source_weights(y, &picked)))
}

/// The file name of an input path (without its folder), as summaries record it; several
/// inputs joined with ` + ` keep that join.
pub fn source_name(path: &str) -> String {
    path.split(" + ")
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map_or_else(|| p.to_string(), |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

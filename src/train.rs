//! The training pipeline: labeled posts → analyzer → TF-IDF → logistic regression → a
//! [`Model`] with its metadata. Reading the file and writing the model are the caller's.

use serde::{Deserialize, Serialize};

use crate::dataset::Labeled;
use crate::error::{Error, Result};
use crate::logistic::{self, LogisticParams};
use crate::model::{self, DataSummary, InputColumns, Labels, Model, ModelMeta};
use crate::progress::Progress;
use crate::tokenize::{Analyzer, TokenizerConfig};
use crate::vectorize::{Vectorizer, VectorizerConfig};

/// Every setting of a training run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub tokenizer: TokenizerConfig,
    pub vectorizer: VectorizerConfig,
    pub logistic: LogisticParams,
    /// Decision threshold stored in the model. Default 0.5.
    pub threshold: Option<f64>,
}

impl TrainConfig {
    /// Checks every setting before any data is read.
    pub fn check(&self) -> Result<()> {
        self.vectorizer.check()?;
        self.logistic.check()?;
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(Error::param("threshold", t, "must be in [0, 1]"));
            }
        }
        Ok(())
    }
}

/// Seconds spent in each stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub vectorize_s: f64,
    pub fit_s: f64,
}

/// Fits the whole pipeline on `data`. `source` names the input in the model's summary.
pub fn train(
    data: &Labeled,
    source: &str,
    input: InputColumns,
    config: &TrainConfig,
    progress: &Progress,
) -> Result<(Model, Timings)> {
    config.check()?;
    let analyzer = Analyzer::new(config.tokenizer.clone());
    let t0 = std::time::Instant::now();
    let (vectorizer, x, features) =
        Vectorizer::fit_transform(config.vectorizer.clone(), &analyzer, &data.texts, progress)?;
    let vectorize_s = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let (linear, fit) = logistic::fit(&x, &data.labels, &config.logistic, progress)?;
    let fit_s = t1.elapsed().as_secs_f64();
    drop(x);
    let [negatives, positives] = data.class_counts();
    let meta = ModelMeta {
        format: model::FORMAT_NAME.into(),
        format_version: model::FORMAT_VERSION,
        labels: Labels {
            negative: data.label_names[0].clone(),
            positive: data.label_names[1].clone(),
        },
        threshold: config.threshold.unwrap_or(0.5),
        intercept: linear.intercept,
        n_features: vectorizer.n_features(),
        tokenizer: config.tokenizer.clone(),
        vectorizer: config.vectorizer.clone(),
        logistic: config.logistic.clone(),
        input,
        data: DataSummary {
            source: source_name(source),
            rows: data.len() as u64,
            negatives,
            positives,
            skipped: data.skipped.clone(),
            input_sha256: data.checksum.clone(),
            trained_on: model::training_date(),
            trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        },
        fit,
        features,
        cv: None,
    };
    Ok((
        Model {
            meta,
            analyzer,
            vectorizer,
            linear,
        },
        Timings { vectorize_s, fit_s },
    ))
}

/// The file name of an input path (without its folder), as summaries record it.
pub fn source_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

//! Binary classification metrics computed from scores and labels: ranking (ROC-AUC with ties
//! counted as half, average precision), probability quality (log-loss, Brier, calibration),
//! and decisions at a threshold (confusion matrix, accuracy, precision, recall, F1, MCC), plus
//! the curves and threshold advice an analyst reads. Positive = the troll class (`true`).
//! It owns the arithmetic only; folds, models and reports live elsewhere.

use serde::{Deserialize, Serialize};

/// A metric that cannot be computed on these rows (e.g. ROC-AUC with one class present).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error("{metric} needs both classes, but only {present} rows of one class are present")]
    SingleClass { metric: &'static str, present: usize },
    #[error("{metric} needs at least one row")]
    Empty { metric: &'static str },
    #[error("{metric}: scores and labels differ in length ({scores} vs {labels})")]
    Length { metric: &'static str, scores: usize, labels: usize },
}

/// Counts at a threshold (predicted positive when score >= threshold).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// Every per-fold metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub mcc: f64,
    pub threshold: f64,
    pub confusion: Confusion,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    pub fpr: f64,
    pub tpr: f64,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    pub recall: f64,
    pub precision: f64,
    pub threshold: f64,
}

/// One bin of predicted probability: its range, how many rows fell in it, their mean
/// prediction and the observed share of positives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Score histogram per class over equal-width bins of [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreHistogram {
    pub edges: Vec<f64>,
    pub positives: Vec<u64>,
    pub negatives: Vec<u64>,
}

/// Threshold advice from a set of scored rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdAdvice {
    /// Threshold that maximizes F1, and the precision, recall and F1 there.
    pub best_f1_threshold: f64,
    pub best_f1: f64,
    pub best_f1_precision: f64,
    pub best_f1_recall: f64,
    /// The lowest threshold whose precision reaches the target, with the recall it gives
    /// (None when no threshold reaches it).
    pub target_precision: Option<TargetPrecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetPrecision {
    pub target: f64,
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
}

/// Recall within one category of positives (e.g. one troll type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryRecall {
    pub category: String,
    pub positives: u64,
    pub detected: u64,
    pub recall: f64,
}

/// Mean and sample standard deviation (n - 1) of a metric across folds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

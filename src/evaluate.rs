//! Cross-validation: folds (stratified, grouped, or by time), the whole pipeline fitted on
//! each fold's training part only, out-of-fold scores, metrics per fold and aggregated.
//! The report's data types are here; rendering them is `report`'s job.

use serde::{Deserialize, Serialize};

use crate::dataset::SkipReport;
use crate::logistic::FitReport;
use crate::metrics::{
    BinaryMetrics, CalibrationBin, CategoryRecall, MeanSd, PrPoint, RocPoint, ScoreHistogram, ThresholdAdvice,
};
use crate::train::TrainConfig;

/// How rows are split into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitKind {
    /// Stratified k-fold, shuffled with the seed (grouped when `group_by` is set).
    Stratified,
    /// Rolling origin on a time column: fold i tests block i + 1 and trains on all before it.
    Time,
}

/// Every option of an evaluation, as the report records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    pub folds: usize,
    pub split: SplitKind,
    pub group_by: Option<String>,
    pub time_col: Option<String>,
    pub repeats: usize,
    pub seed: u64,
    pub target_precision: Option<f64>,
    pub category_col: Option<String>,
    /// The decision threshold used for the threshold metrics.
    pub threshold: f64,
    pub train: TrainConfig,
}

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalData {
    pub source: String,
    pub rows: u64,
    pub positives: u64,
    pub negatives: u64,
    /// Label names: [negative, positive].
    pub labels: [String; 2],
    /// Distinct groups when grouping.
    pub groups: Option<u64>,
    pub skipped: SkipReport,
    pub input_sha256: String,
}

/// One fold of one repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    pub repeat: usize,
    pub fold: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub test_positives: usize,
    /// Distinct groups in the test part, when grouping.
    pub test_groups: Option<usize>,
    /// First and last time value of the test part, for time splits.
    pub test_time_range: Option<(String, String)>,
    /// None when the test part holds one class only (see `note`).
    pub metrics: Option<BinaryMetrics>,
    pub note: Option<String>,
    /// Curves, at most a few hundred points each.
    pub roc: Vec<RocPoint>,
    pub pr: Vec<PrPoint>,
    pub category_recall: Vec<CategoryRecall>,
    pub fit: FitReport,
    pub n_features: usize,
    pub train_seconds: f64,
}

/// A metric's name and its mean ± sd over the folds that have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub metric: String,
    #[serde(flatten)]
    pub stat: MeanSd,
}

/// Metrics over all out-of-fold predictions together (for repeats: the first repeat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pooled {
    pub metrics: BinaryMetrics,
    pub advice: ThresholdAdvice,
    pub calibration: Vec<CalibrationBin>,
    pub histogram: ScoreHistogram,
    pub category_recall: Vec<CategoryRecall>,
}

/// A whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub trollwatch_version: String,
    pub options: EvalOptions,
    pub data: EvalData,
    pub folds: Vec<FoldReport>,
    /// Mean ± sd per metric, in a fixed order: roc_auc, pr_auc, log_loss, brier, accuracy,
    /// precision, recall, f1, mcc.
    pub summary: Vec<MetricSummary>,
    /// Mean ROC curve: mean TPR over folds at 101 evenly spaced FPR values.
    pub mean_roc: Vec<RocPoint>,
    pub pooled: Option<Pooled>,
    pub elapsed_seconds: f64,
}

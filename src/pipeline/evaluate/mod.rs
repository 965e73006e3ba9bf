//! Cross-validation: folds (stratified, grouped, or by time), the whole pipeline fitted on
//! each fold's training part only, out-of-fold predictions, metrics per fold and aggregated.
//! One report type for two classes and for K: the sections a task does not have are absent
//! (two classes add curves, threshold advice, recall per category and the per-source checks;
//! K classes add the per-class table, the confusion matrix and the majority-class baseline).
//! The fold loops are in [`two`] and [`classes`]; rendering the report is `report`'s job.

mod classes;
mod two;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::logistic::{FitReport, Strategy};
use crate::learn::metrics::{
    BinaryMetrics, CalibrationBin, CategoryRecall, MetricSummary, PrPoint, RocPoint,
    ScoreHistogram, ThresholdAdvice,
};
use crate::learn::multiclass_metrics::{Baseline, MultiMetrics};
use crate::pipeline::folds::{EvalOptions, RowInfo};
use crate::text::dataset::{DroppedClass, Labeled, SkipReport};
use crate::util::progress::Progress;

pub use two::heldout_checks;

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "wire::EvalData", from = "wire::EvalData")]
pub struct EvalData {
    pub source: String,
    pub rows: u64,
    /// Class names in model order; for two classes `[negative, positive]`.
    pub classes: Vec<String>,
    /// Rows per class, in `classes` order.
    pub counts: Vec<u64>,
    /// For two classes, the index of the positive class (1); `None` for K classes.
    pub positive: Option<usize>,
    /// Label values left out (K classes), with their rows.
    pub dropped: Vec<DroppedClass>,
    pub read: ReadSummary,
}

impl EvalData {
    /// Rows of the positive class (two classes; 0 for K).
    pub fn positives(&self) -> u64 {
        self.positive.map_or(0, |p| self.counts[p])
    }

    /// Rows of the negative class (two classes; 0 for K).
    pub fn negatives(&self) -> u64 {
        self.positive.map_or(0, |p| self.counts[1 - p])
    }

    /// `[negative, positive]` names of a two-class set (empty names for K classes).
    pub fn labels(&self) -> [String; 2] {
        match self.positive {
            Some(p) => [self.classes[1 - p].clone(), self.classes[p].clone()],
            None => [String::new(), String::new()],
        }
    }
}

/// The report files keep the fields each task has always written: `positives`, `negatives`
/// and `labels` for two classes; `classes`, `counts` and `dropped` for K.
mod wire {
    use super::*;

    #[derive(Serialize, Deserialize)]
    pub struct EvalData {
        source: String,
        rows: u64,
        #[serde(flatten)]
        classes: Classes,
        #[serde(flatten)]
        read: ReadSummary,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Classes {
        Two {
            positives: u64,
            negatives: u64,
            labels: [String; 2],
        },
        Many {
            classes: Vec<String>,
            counts: Vec<u64>,
            dropped: Vec<DroppedClass>,
        },
    }

    impl From<super::EvalData> for EvalData {
        fn from(d: super::EvalData) -> Self {
            let classes = match d.positive {
                Some(_) => Classes::Two {
                    positives: d.positives(),
                    negatives: d.negatives(),
                    labels: d.labels(),
                },
                None => Classes::Many {
                    classes: d.classes,
                    counts: d.counts,
                    dropped: d.dropped,
                },
            };
            EvalData {
                source: d.source,
                rows: d.rows,
                classes,
                read: d.read,
            }
        }
    }

    impl From<EvalData> for super::EvalData {
        fn from(w: EvalData) -> Self {
            let (classes, counts, positive, dropped) = match w.classes {
                Classes::Two {
                    positives,
                    negatives,
                    labels: [neg, pos],
                } => (
                    vec![neg, pos],
                    vec![negatives, positives],
                    Some(1),
                    Vec::new(),
                ),
                Classes::Many {
                    classes,
                    counts,
                    dropped,
                } => (classes, counts, None, dropped),
            };
            super::EvalData {
                source: w.source,
                rows: w.rows,
                classes,
                counts,
                positive,
                dropped,
                read: w.read,
            }
        }
    }
}

impl ReadSummary {
    /// The summary of `data` split into `groups` groups, with `untested` rows no fold tested.
    pub fn of(data: &Labeled, groups: Option<u64>, warnings: Vec<String>, untested: u64) -> Self {
        ReadSummary {
            groups,
            skipped: data.skipped.clone(),
            warnings,
            untested,
            input_sha256: data.checksum.clone(),
        }
    }
}

/// What reading and splitting the rows found, in every evaluation's data summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadSummary {
    /// Distinct groups when grouping.
    pub groups: Option<u64>,
    pub skipped: SkipReport,
    /// Questionable rows read (repeated ids or texts, texts under two labels, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Rows no fold tested: their texts also lie in other folds (they only train).
    #[serde(default)]
    pub untested: u64,
    pub input_sha256: String,
}

/// One fold's metrics: a two-class or a K-class set of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FoldMetrics {
    Two(BinaryMetrics),
    Classes(MultiMetrics),
}

impl FoldMetrics {
    /// A metric by its name in the task's list ([`crate::learn::metrics::METRIC_NAMES`] or
    /// [`crate::learn::multiclass_metrics::METRIC_NAMES`]).
    pub fn get(&self, name: &str) -> Option<f64> {
        match self {
            FoldMetrics::Two(m) => m.get(name),
            FoldMetrics::Classes(m) => m.get(name),
        }
    }
}

/// A two-class fold's curves and recall per category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FoldCurves {
    /// At most a few hundred points each.
    pub roc: Vec<RocPoint>,
    pub pr: Vec<PrPoint>,
    pub category_recall: Vec<CategoryRecall>,
}

/// One fold of one repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    pub repeat: usize,
    pub fold: usize,
    pub n_train: usize,
    pub n_test: usize,
    /// Positives among the test rows (two classes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_positives: Option<usize>,
    /// Distinct groups in the test part, when grouping.
    pub test_groups: Option<usize>,
    /// First and last time value of the test part, for time splits.
    pub test_time_range: Option<(String, String)>,
    /// None when the fold has no metrics (see `note`).
    pub metrics: Option<FoldMetrics>,
    pub note: Option<String>,
    /// Two classes: curves and recall per category.
    #[serde(flatten)]
    pub curves: Option<FoldCurves>,
    /// None when the fold could not be fitted.
    pub fit: Option<FitReport>,
    pub n_features: usize,
}

impl FoldReport {
    /// The fold's place and sizes, with nothing else yet: what every fold's report starts
    /// from.
    fn of_run(run: &crate::pipeline::folds::FoldRun) -> FoldReport {
        FoldReport {
            repeat: run.repeat,
            fold: run.fold,
            n_train: run.train.len(),
            n_test: run.test.len(),
            test_positives: None,
            test_groups: None,
            test_time_range: None,
            metrics: None,
            note: None,
            curves: None,
            fit: None,
            n_features: 0,
        }
    }

    /// The two-class metrics, if this fold has them.
    pub fn two(&self) -> Option<&BinaryMetrics> {
        match &self.metrics {
            Some(FoldMetrics::Two(m)) => Some(m),
            _ => None,
        }
    }

    /// The K-class metrics, if this fold has them.
    pub fn classes(&self) -> Option<&MultiMetrics> {
        match &self.metrics {
            Some(FoldMetrics::Classes(m)) => Some(m),
            _ => None,
        }
    }

    /// The fold's curves and recall per category (empty for K classes).
    pub fn curves(&self) -> &FoldCurves {
        static NONE: FoldCurves = FoldCurves {
            roc: Vec::new(),
            pr: Vec::new(),
            category_recall: Vec::new(),
        };
        self.curves.as_ref().unwrap_or(&NONE)
    }
}

/// Two classes: metrics over all out-of-fold predictions together (for repeats: the first
/// repeat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pooled {
    pub metrics: BinaryMetrics,
    pub advice: ThresholdAdvice,
    pub calibration: Vec<CalibrationBin>,
    pub histogram: ScoreHistogram,
    pub category_recall: Vec<CategoryRecall>,
}

/// The pooled out-of-fold metrics of either task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PooledMetrics {
    Two(Box<Pooled>),
    Classes(MultiMetrics),
}

/// A whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub trollwatch_version: String,
    /// K classes: how the classes were fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    pub options: EvalOptions,
    pub data: EvalData,
    pub folds: Vec<FoldReport>,
    /// Mean ± sd per metric over the folds that have metrics, in the task's metric order:
    /// roc_auc, pr_auc, log_loss, brier, accuracy, precision, recall, f1, mcc for two
    /// classes; accuracy, macro_f1, weighted_f1, log_loss for K.
    pub summary: Vec<MetricSummary>,
    /// Two classes: mean ROC curve, the mean TPR over folds at 101 evenly spaced FPR values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_roc: Option<Vec<RocPoint>>,
    /// Over the first repeat's out-of-fold predictions.
    pub pooled: Option<PooledMetrics>,
    /// K classes: always guessing the most frequent class, over the same rows as `pooled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Two classes: per-source flags at the threshold, calibration before and after (first
    /// repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heldout: Option<HeldOut>,
}

impl EvalReport {
    /// Whether this is a two-class evaluation.
    pub fn is_binary(&self) -> bool {
        self.data.positive.is_some()
    }

    /// The two-class pooled metrics, if any.
    pub fn pooled_two(&self) -> Option<&Pooled> {
        match &self.pooled {
            Some(PooledMetrics::Two(p)) => Some(p.as_ref()),
            _ => None,
        }
    }

    /// The K-class pooled metrics, if any.
    pub fn pooled_classes(&self) -> Option<&MultiMetrics> {
        match &self.pooled {
            Some(PooledMetrics::Classes(p)) => Some(p),
            _ => None,
        }
    }

    /// The mean ROC curve (two classes; empty for K).
    pub fn mean_roc(&self) -> &[RocPoint] {
        self.mean_roc.as_deref().unwrap_or(&[])
    }
}

/// What the first repeat's out-of-fold scores say per source and about calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// How rows were flagged: `target FPR 0.05 (threshold chosen on the other folds)` or
    /// `threshold 0.5`.
    pub flagged_at: String,
    /// Each source's rows, false-positive rate and recall at that threshold, and for a
    /// source of negatives only, the ROC-AUC of all positives against its negatives.
    pub sources: Vec<crate::learn::heldout::SourceRow>,
    pub source_auc: Vec<Option<f64>>,
    /// Mean of the sources' false-positive rates, the worst source's, and its name.
    pub mean_fpr: Option<f64>,
    pub worst_fpr: Option<f64>,
    pub worst_source: Option<String>,
    /// Share of all positives flagged.
    pub recall: Option<f64>,
    /// Mean over the negatives' sources of their ROC-AUC against all positives.
    pub mean_source_auc: Option<f64>,
    /// The threshold chosen on all out-of-fold scores together (what `train` would store).
    pub threshold: Option<crate::learn::heldout::ThresholdChoice>,
    pub calibration: Option<crate::learn::heldout::CalibrationCheck>,
}

/// Wall-clock times of an evaluation. They are kept out of [`EvalReport`] so that the report
/// files are the same bytes for the same inputs and seed; the command prints them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalTimings {
    pub elapsed_seconds: f64,
    /// Fitting and scoring time of each fold, in the order of `EvalReport::folds`.
    pub fold_seconds: Vec<f64>,
}

/// One out-of-fold prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OofRow {
    pub row: usize,
    pub repeat: usize,
    pub fold: usize,
    /// Two classes: the positive class's probability. K classes: the predicted class's.
    pub score: f64,
    /// K classes: every class's probability, in class order (empty for two classes).
    pub probabilities: Vec<f64>,
}

/// log(p / (1 − p)), ±∞ at 0 and 1.
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Runs the cross-validation of a two-class or a K-class set. Inside every fold the
/// vocabulary, IDF and model are fitted on that fold's training rows only.
pub fn evaluate(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<(EvalReport, Vec<OofRow>, EvalTimings)> {
    opts.check()?;
    let started = std::time::Instant::now();
    let k = opts.folds;
    let counts = data.classes.counts();
    if data.is_binary() {
        let (negatives, positives) = (counts[0], counts[1]);
        if (positives as usize) < k || (negatives as usize) < k {
            return Err(Error::bad_input(
                source,
                format!("{k} folds need at least {k} rows of each class; found {positives} positive and {negatives} negative"),
            ));
        }
    } else if let Some(c) = counts.iter().position(|&c| (c as usize) < k) {
        return Err(Error::bad_input(
            source,
            format!(
                "{k} folds need at least {k} rows of each class; class {} has {} \
                 (drop rare classes with --min-class-count {k})",
                crate::error::shown(&data.classes.names[c]),
                counts[c]
            ),
        ));
    }
    let run = if data.is_binary() {
        two::evaluate(data, info, opts, source, progress)?
    } else {
        classes::evaluate(data, info, opts, source, progress)?
    };
    let names: &[&str] = if data.is_binary() {
        &crate::learn::metrics::METRIC_NAMES
    } else {
        &crate::learn::multiclass_metrics::METRIC_NAMES
    };
    let summary = names
        .iter()
        .map(|name| {
            let values: Vec<f64> = run
                .folds
                .iter()
                .filter_map(|f| f.metrics.as_ref().and_then(|m| m.get(name)))
                .collect();
            MetricSummary {
                metric: name.to_string(),
                stat: crate::learn::metrics::mean_sd(&values),
            }
        })
        .collect();
    let report = EvalReport {
        trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        strategy: (!data.is_binary()).then_some(opts.train.logistic.multiclass),
        options: opts.clone(),
        data: EvalData {
            source: crate::pipeline::config::source_name(source),
            rows: data.len() as u64,
            classes: data.classes.names.clone(),
            counts,
            positive: data.positive.map(|p| p as usize),
            dropped: data.classes.dropped.clone(),
            read: ReadSummary::of(data, run.n_groups, run.warnings, run.untested),
        },
        folds: run.folds,
        summary,
        mean_roc: run.mean_roc,
        pooled: run.pooled,
        baseline: run.baseline,
        heldout: run.heldout,
    };
    let timings = EvalTimings {
        elapsed_seconds: started.elapsed().as_secs_f64(),
        fold_seconds: run.fold_seconds,
    };
    Ok((report, run.oof, timings))
}

/// What a task's fold loop gives the report.
struct Run {
    folds: Vec<FoldReport>,
    oof: Vec<OofRow>,
    fold_seconds: Vec<f64>,
    n_groups: Option<u64>,
    untested: u64,
    warnings: Vec<String>,
    mean_roc: Option<Vec<RocPoint>>,
    pooled: Option<PooledMetrics>,
    baseline: Option<Baseline>,
    heldout: Option<HeldOut>,
}

/// The out-of-fold predictions as CSV: `id,label,score,fold,repeat` for two classes;
/// `id,label,predicted,probability,p_<class>…,fold,repeat` for K.
pub fn oof_csv(data: &Labeled, oof: &[OofRow]) -> Result<Vec<u8>> {
    let names = &data.classes.names;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = vec!["id".into(), "label".into()];
    if data.is_binary() {
        head.push("score".into());
    } else {
        head.extend(["predicted".into(), "probability".into()]);
        head.extend(names.iter().map(|n| format!("p_{n}")));
    }
    head.extend(["fold".into(), "repeat".into()]);
    let csv_error = |e: csv::Error| Error::io("out-of-fold predictions", std::io::Error::other(e));
    w.write_record(&head).map_err(csv_error)?;
    for o in oof {
        let mut rec = vec![
            data.ids[o.row].clone(),
            names[data.classes.of_row[o.row] as usize].clone(),
        ];
        if data.is_binary() {
            rec.push(format!("{:.6}", o.score));
        } else {
            let best = crate::learn::multiclass_metrics::argmax(&o.probabilities);
            rec.extend([names[best].clone(), format!("{:.6}", o.probabilities[best])]);
            rec.extend(o.probabilities.iter().map(|p| format!("{p:.6}")));
        }
        rec.extend([(o.fold + 1).to_string(), (o.repeat + 1).to_string()]);
        w.write_record(&rec).map_err(csv_error)?;
    }
    w.into_inner()
        .map_err(|e| Error::io("out-of-fold predictions", e.into_error()))
}

//! Cross-validation: folds (stratified, grouped, or by time), the whole pipeline fitted on
//! each fold's training part only, out-of-fold scores, metrics per fold and aggregated.
//! The report's data types are here; rendering them is `report`'s job.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::logistic::{self, FitReport};
use crate::learn::metrics::{
    self, BinaryMetrics, CalibrationBin, CategoryRecall, MetricSummary, PrPoint, RocPoint,
    ScoreHistogram, ThresholdAdvice,
};
use crate::pipeline::folds::{
    describe_test, plan_folds_for_texts, run_folds, tokenize_all, EvalOptions, OofRow, RowInfo,
    SplitKind, Target,
};
use crate::text::dataset::{Labeled, SkipReport};
use crate::util::progress::Progress;

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalData {
    pub source: String,
    pub rows: u64,
    pub positives: u64,
    pub negatives: u64,
    /// Label names: [negative, positive].
    pub labels: [String; 2],
    #[serde(flatten)]
    pub read: ReadSummary,
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
    /// Per-source flags at the threshold, calibration before and after (first repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heldout: Option<HeldOut>,
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

/// The held-out checks over the first repeat's out-of-fold decisions (`fold_of_row`:
/// `usize::MAX` for rows no fold scored).
pub fn heldout_checks(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    decision: &[f64],
    fold_of_row: &[usize],
) -> Result<Option<HeldOut>> {
    use crate::learn::heldout;
    if info.sources.len() != decision.len() || opts.split == SplitKind::Time {
        return Ok(None);
    }
    let folds = opts.folds;
    let labels = &data.labels();
    let fixed = logit(opts.threshold);
    let flags = heldout::cross_flags(
        decision,
        labels,
        &info.sources,
        fold_of_row,
        folds,
        opts.target_fpr,
        fixed,
    );
    let sources = heldout::source_table(&flags, labels, &info.sources, &info.source_names);
    // Each negatives-only source against all positives: how well it is told apart.
    let pos: Vec<f64> = (0..decision.len())
        .filter(|&i| labels[i] && fold_of_row[i] != usize::MAX)
        .map(|i| decision[i])
        .collect();
    let source_auc: Vec<Option<f64>> = sources
        .iter()
        .map(|r| {
            if r.positives > 0 || r.negatives == 0 || pos.is_empty() {
                return None;
            }
            let id = info.source_names.iter().position(|n| *n == r.source)? as u32;
            let mut s = pos.clone();
            let mut l = vec![true; s.len()];
            for i in 0..decision.len() {
                if info.sources[i] == id && !labels[i] && fold_of_row[i] != usize::MAX {
                    s.push(decision[i]);
                    l.push(false);
                }
            }
            metrics::roc_auc(&s, &l).ok()
        })
        .collect();
    let aucs: Vec<f64> = source_auc.iter().flatten().copied().collect();
    let fprs: Vec<f64> = sources.iter().filter_map(|r| r.fpr).collect();
    let worst = heldout::worst_source(&sources);
    let (tp, p) = sources
        .iter()
        .fold((0, 0), |(a, b), r| (a + r.caught, b + r.positives));
    let scored: Vec<usize> = (0..decision.len())
        .filter(|&i| fold_of_row[i] != usize::MAX)
        .collect();
    let d: Vec<f64> = scored.iter().map(|&i| decision[i]).collect();
    let l: Vec<bool> = scored.iter().map(|&i| labels[i]).collect();
    let s: Vec<u32> = scored.iter().map(|&i| info.sources[i]).collect();
    let threshold = opts
        .target_fpr
        .and_then(|t| heldout::threshold_for_fpr(&d, &l, &s, t));
    let calibration = match opts.calibration {
        heldout::Method::None => None,
        m => {
            let quality = |at_prior: bool| -> Result<Option<heldout::ScoreQuality>> {
                let p = heldout::cross_fit(m, decision, labels, fold_of_row, folds, at_prior)?;
                let p: Vec<f64> = scored.iter().map(|&i| p[i]).collect();
                Ok(heldout::ScoreQuality::of(&p, &l))
            };
            let b: Vec<f64> = d.iter().map(|&z| logistic::sigmoid(z)).collect();
            match (heldout::ScoreQuality::of(&b, &l), quality(false)?) {
                (Some(before), Some(after)) => Some(heldout::CalibrationCheck {
                    method: m,
                    before,
                    after,
                    after_at_prior: quality(true)?,
                }),
                _ => None,
            }
        }
    };
    Ok(Some(HeldOut {
        flagged_at: match opts.target_fpr {
            Some(t) => {
                format!("target FPR {t} (each fold at the threshold chosen on the other folds)")
            }
            None => format!("threshold {}", opts.threshold),
        },
        mean_fpr: (!fprs.is_empty()).then(|| fprs.iter().sum::<f64>() / fprs.len() as f64),
        worst_fpr: worst.map(|w| w.1),
        worst_source: worst.map(|w| w.0.to_string()),
        recall: (p > 0).then(|| tp as f64 / p as f64),
        mean_source_auc: (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64),
        sources,
        source_auc,
        threshold,
        calibration,
    }))
}

/// log(p / (1 − p)), ±∞ at 0 and 1.
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Runs the cross-validation. Inside every fold the vocabulary, IDF and model are fitted on
/// that fold's training rows only.
pub fn evaluate(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<(EvalReport, Vec<OofRow>, EvalTimings)> {
    opts.check()?;
    let started = std::time::Instant::now();
    let n = data.len();
    let k = opts.folds;
    let [negatives, positives] = data.class_counts();
    if (positives as usize) < k || (negatives as usize) < k {
        return Err(Error::bad_input(
            source,
            format!("{k} folds need at least {k} rows of each class; found {positives} positive and {negatives} negative"),
        ));
    }
    crate::pipeline::config::check_dense(&opts.train, info.dense.as_ref(), n)?;
    let corpus = tokenize_all(&data.texts, &opts.train, source, progress)?;

    let (plans, n_groups, untested) =
        plan_folds_for_texts(&data.classes.of_row, 2, info, &data.texts, opts, source)?;
    let mut warnings = data.warnings.clone();
    if untested > 0 {
        warnings.push(format!(
            "{source}: {untested} rows were not tested: their texts also lie in other folds \
             (shared by groups that could not all join one fold), so they only train"
        ));
    }

    let mut decision = vec![f64::NAN; n];
    let mut fold_of_row = vec![usize::MAX; n];
    let mut folds = Vec::with_capacity(plans.len());
    let mut oof = Vec::new();
    let mut curves = Vec::new();
    let labels = data.labels();
    let target = Target::Binary(&labels);
    let fold_seconds = run_folds(
        &corpus,
        target,
        info,
        opts,
        &plans,
        source,
        progress,
        |run| {
            let ff = match run.outcome {
                Ok(ff) => ff,
                Err(note) => {
                    folds.push(FoldReport {
                        repeat: run.repeat,
                        fold: run.fold,
                        n_train: run.train.len(),
                        n_test: run.test.len(),
                        test_positives: run.test.iter().filter(|&&i| data.is_positive(i)).count(),
                        test_groups: None,
                        test_time_range: None,
                        metrics: None,
                        note: Some(note),
                        roc: Vec::new(),
                        pr: Vec::new(),
                        category_recall: Vec::new(),
                        fit: logistic::FitReport {
                            iterations: 0,
                            evaluations: 0,
                            final_loss: 0.0,
                            converged: false,
                            termination: "not fitted".into(),
                            initial_gradient_norm: 0.0,
                            final_gradient_norm: 0.0,
                        },
                        n_features: 0,
                    });
                    return Ok(());
                }
            };
            let fit = ff.fit;
            let scores: Vec<f64> = ff.outputs.iter().map(|&z| logistic::sigmoid(z)).collect();
            if run.repeat == 0 {
                for (&row, &z) in run.test.iter().zip(&ff.outputs) {
                    decision[row] = z;
                    fold_of_row[row] = run.fold;
                }
            }
            let labels: Vec<bool> = run.test.iter().map(|&i| data.is_positive(i)).collect();
            let (metrics, note, roc, pr) =
                match metrics::binary_metrics(&scores, &labels, opts.threshold) {
                    Ok(m) => (
                        Some(m),
                        None,
                        metrics::roc_curve(&scores, &labels, 200).unwrap_or_default(),
                        metrics::pr_curve(&scores, &labels, 200).unwrap_or_default(),
                    ),
                    Err(e) => (
                        None,
                        Some(format!("fold {}: {e}", run.fold + 1)),
                        Vec::new(),
                        Vec::new(),
                    ),
                };
            if !roc.is_empty() {
                curves.push(roc.clone());
            }
            let category_recall = match &info.categories {
                Some(c) => {
                    let cats: Vec<String> = run.test.iter().map(|&i| c[i].clone()).collect();
                    metrics::category_recall(&scores, &labels, &cats, opts.threshold)
                }
                None => Vec::new(),
            };
            let (test_groups, test_time_range) = describe_test(info, opts, run.test);
            folds.push(FoldReport {
                repeat: run.repeat,
                fold: run.fold,
                n_train: run.train.len(),
                n_test: run.test.len(),
                test_positives: labels.iter().filter(|&&l| l).count(),
                test_groups,
                test_time_range,
                metrics,
                note,
                roc,
                pr,
                category_recall,
                fit,
                n_features: ff.n_features,
            });
            for (&row, &score) in run.test.iter().zip(&scores) {
                oof.push(OofRow {
                    row,
                    repeat: run.repeat,
                    fold: run.fold,
                    score,
                });
            }
            Ok(())
        },
    )?;

    let summary = metrics::METRIC_NAMES
        .iter()
        .map(|name| {
            let values: Vec<f64> = folds
                .iter()
                .filter_map(|f| f.metrics.as_ref().and_then(|m| m.get(name)))
                .collect();
            MetricSummary {
                metric: name.to_string(),
                stat: metrics::mean_sd(&values),
            }
        })
        .collect();
    let mean_roc = if curves.is_empty() {
        Vec::new()
    } else {
        metrics::mean_roc(&curves, 101)
    };

    // Pooled: the first repeat's out-of-fold predictions.
    let first: Vec<&OofRow> = oof.iter().filter(|o| o.repeat == 0).collect();
    let ps: Vec<f64> = first.iter().map(|o| o.score).collect();
    let pl: Vec<bool> = first.iter().map(|o| data.is_positive(o.row)).collect();
    let pooled = match (
        metrics::binary_metrics(&ps, &pl, opts.threshold),
        metrics::threshold_advice(&ps, &pl, opts.target_precision),
    ) {
        (Ok(m), Ok(advice)) => Some(Pooled {
            metrics: m,
            advice,
            calibration: metrics::calibration(&ps, &pl, 10),
            histogram: metrics::histogram(&ps, &pl, 20),
            category_recall: match &info.categories {
                Some(c) => {
                    let cats: Vec<String> = first.iter().map(|o| c[o.row].clone()).collect();
                    metrics::category_recall(&ps, &pl, &cats, opts.threshold)
                }
                None => Vec::new(),
            },
        }),
        _ => None,
    };
    let heldout = heldout_checks(data, info, opts, &decision, &fold_of_row)?;
    let report = EvalReport {
        trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        options: opts.clone(),
        data: EvalData {
            source: crate::pipeline::config::source_name(source),
            rows: n as u64,
            positives,
            negatives,
            labels: data.label_names().map(str::to_string),
            read: ReadSummary::of(data, n_groups, warnings, untested),
        },
        folds,
        summary,
        mean_roc,
        pooled,
        heldout,
    };
    let timings = EvalTimings {
        elapsed_seconds: started.elapsed().as_secs_f64(),
        fold_seconds,
    };
    Ok((report, oof, timings))
}

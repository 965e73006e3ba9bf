//! Cross-validation of a multi-class model: the same folds as binary evaluation (stratified
//! by class, grouped by a column, or by time), the whole pipeline fitted on each fold's
//! training part only, out-of-fold class probabilities, and multi-class metrics per fold,
//! their mean ± sd, pooled over the folds, and the majority-class baseline.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::logistic::FitReport;
use crate::learn::logistic::Strategy;
use crate::learn::metrics::MetricSummary;
use crate::learn::multiclass_metrics::{self as metrics, Baseline, MultiMetrics};
use crate::pipeline::evaluate::{EvalTimings, ReadSummary};
use crate::pipeline::folds::{
    describe_test, plan_folds_for_texts, run_folds, tokenize_all, EvalOptions, RowInfo, Target,
};
use crate::text::dataset::{Classes, DroppedClass, Labeled};
use crate::util::progress::Progress;

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiEvalData {
    pub source: String,
    pub rows: u64,
    pub classes: Vec<String>,
    /// Rows per class.
    pub counts: Vec<u64>,
    /// Label values left out, with their rows.
    pub dropped: Vec<DroppedClass>,
    #[serde(flatten)]
    pub read: ReadSummary,
}

/// One fold of one repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiFoldReport {
    pub repeat: usize,
    pub fold: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub test_groups: Option<usize>,
    pub test_time_range: Option<(String, String)>,
    /// None when the fold could not be fitted (see `note`).
    pub metrics: Option<MultiMetrics>,
    pub note: Option<String>,
    pub fit: Option<FitReport>,
    pub n_features: usize,
}

/// A whole multi-class evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiEvalReport {
    pub trollwatch_version: String,
    pub strategy: Strategy,
    pub options: EvalOptions,
    pub data: MultiEvalData,
    pub folds: Vec<MultiFoldReport>,
    /// Mean ± sd over the fitted folds: accuracy, macro_f1, weighted_f1, log_loss.
    pub summary: Vec<MetricSummary>,
    /// Over all out-of-fold predictions of the first repeat.
    pub pooled: Option<MultiMetrics>,
    /// Always guessing the most frequent class, over the same rows as `pooled`.
    pub baseline: Option<Baseline>,
}

/// One out-of-fold prediction: the row's class probabilities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiOofRow {
    pub row: usize,
    pub repeat: usize,
    pub fold: usize,
    pub probabilities: Vec<f64>,
}

/// Runs the cross-validation of a multi-class set (`data.classes` must be set). Inside every
/// fold the vocabulary, IDF and model are fitted on that fold's training rows only.
pub fn evaluate(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<(MultiEvalReport, Vec<MultiOofRow>, EvalTimings)> {
    opts.check()?;
    let classes: &Classes = &data.classes;
    let strategy = opts.train.logistic.multiclass;
    let started = std::time::Instant::now();
    let n = data.len();
    let k = opts.folds;
    let kc = classes.names.len();
    let y = &classes.of_row;
    let counts = classes.counts();
    if let Some(c) = counts.iter().position(|&c| (c as usize) < k) {
        return Err(Error::bad_input(
            source,
            format!(
                "{k} folds need at least {k} rows of each class; class {} has {} \
                 (drop rare classes with --min-class-count {k})",
                crate::error::shown(&classes.names[c]),
                counts[c]
            ),
        ));
    }
    let corpus = tokenize_all(&data.texts, &opts.train, source, progress)?;

    let (plans, n_groups, untested) = plan_folds_for_texts(y, kc, info, &data.texts, opts, source)?;

    let mut folds = Vec::with_capacity(plans.len());
    let mut oof = Vec::new();
    let target = Target::Classes {
        of_row: y,
        names: &classes.names,
    };
    let fold_seconds = run_folds(
        &corpus,
        target,
        info,
        opts,
        &plans,
        source,
        progress,
        |run| {
            let (test_groups, test_time_range) = describe_test(info, opts, run.test);
            let ff = match run.outcome {
                Ok(ff) => ff,
                Err(note) => {
                    folds.push(MultiFoldReport {
                        repeat: run.repeat,
                        fold: run.fold,
                        n_train: run.train.len(),
                        n_test: run.test.len(),
                        test_groups,
                        test_time_range,
                        metrics: None,
                        note: Some(note),
                        fit: None,
                        n_features: 0,
                    });
                    return Ok(());
                }
            };
            let probs = ff.outputs;
            let truth: Vec<u32> = run.test.iter().map(|&i| y[i]).collect();
            folds.push(MultiFoldReport {
                repeat: run.repeat,
                fold: run.fold,
                n_train: run.train.len(),
                n_test: run.test.len(),
                test_groups,
                test_time_range,
                metrics: Some(metrics::from_probabilities(&probs, &truth, &classes.names)),
                note: None,
                fit: Some(ff.fit),
                n_features: ff.n_features,
            });
            for (&row, p) in run.test.iter().zip(probs.chunks(kc)) {
                oof.push(MultiOofRow {
                    row,
                    repeat: run.repeat,
                    fold: run.fold,
                    probabilities: p.to_vec(),
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
                stat: crate::learn::metrics::mean_sd(&values),
            }
        })
        .collect();
    let first: Vec<&MultiOofRow> = oof.iter().filter(|o| o.repeat == 0).collect();
    let (pooled, baseline) = if first.is_empty() {
        (None, None)
    } else {
        let probs: Vec<f64> = first
            .iter()
            .flat_map(|o| o.probabilities.iter().copied())
            .collect();
        let truth: Vec<u32> = first.iter().map(|o| y[o.row]).collect();
        (
            Some(metrics::from_probabilities(&probs, &truth, &classes.names)),
            Some(metrics::majority_baseline(&truth, &classes.names)),
        )
    };
    let report = MultiEvalReport {
        trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        strategy,
        options: opts.clone(),
        data: MultiEvalData {
            source: crate::pipeline::config::source_name(source),
            rows: n as u64,
            classes: classes.names.clone(),
            counts,
            dropped: classes.dropped.clone(),
            read: ReadSummary::of(data, n_groups, data.warnings.clone(), untested),
        },
        folds,
        summary,
        pooled,
        baseline,
    };
    let timings = EvalTimings {
        elapsed_seconds: started.elapsed().as_secs_f64(),
        fold_seconds,
    };
    Ok((report, oof, timings))
}

#[cfg(test)]
mod tests {
    use crate::pipeline::folds::grouped_folds;

    #[test]
    fn grouped_folds_keep_groups_whole_and_classes_spread() {
        let mut classes = Vec::new();
        let mut groups = Vec::new();
        for a in 0..60u32 {
            for _ in 0..(2 + a % 5) {
                classes.push(a % 3);
                groups.push(format!("author{a}"));
            }
        }
        let (fold, n_groups) = grouped_folds(&classes, 3, &groups, 5, 1);
        assert_eq!(n_groups, 60);
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for (i, g) in groups.iter().enumerate() {
            assert_eq!(
                *seen.entry(g).or_insert(fold[i]),
                fold[i],
                "{g} spans folds"
            );
        }
        for f in 0..5 {
            for c in 0..3 {
                let n = (0..classes.len())
                    .filter(|&i| fold[i] == f && classes[i] == c)
                    .count();
                assert!(n > 0, "fold {f} has no rows of class {c}");
            }
        }
    }
}

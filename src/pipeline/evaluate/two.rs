//! The two-class fold loop and the per-source checks over its out-of-fold decisions.

use super::{FoldCurves, FoldMetrics, FoldReport, HeldOut, OofRow, Pooled, PooledMetrics, Run};
use crate::error::Result;
use crate::learn::{logistic, metrics};
use crate::pipeline::evaluate::logit;
use crate::pipeline::folds::{
    describe_test, plan_folds_for_texts, run_folds, tokenize_all, EvalOptions, RowInfo, SplitKind,
    Target,
};
use crate::text::dataset::Labeled;
use crate::util::progress::Progress;

/// The two-class fold loop: out-of-fold scores, metrics and curves per fold, the pooled
/// metrics with threshold advice, and the per-source checks.
pub(super) fn evaluate(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<Run> {
    let n = data.len();
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
            let base = FoldReport::of_run(&run);
            let ff = match run.outcome {
                Ok(ff) => ff,
                Err(note) => {
                    folds.push(FoldReport {
                        test_positives: Some(
                            run.test.iter().filter(|&&i| data.is_positive(i)).count(),
                        ),
                        note: Some(note),
                        curves: Some(FoldCurves::default()),
                        ..base
                    });
                    return Ok(());
                }
            };
            if run.repeat == 0 {
                for (&row, &z) in run.test.iter().zip(&ff.outputs) {
                    decision[row] = z;
                    fold_of_row[row] = run.fold;
                }
            }
            let scores: Vec<f64> = ff.outputs.iter().map(|&z| logistic::sigmoid(z)).collect();
            let fitted = FoldReport {
                fit: Some(ff.fit),
                n_features: ff.n_features,
                ..base
            };
            let fold = fitted_fold(fitted, run.test, &scores, data, info, opts);
            if let Some(c) = fold.curves.as_ref().filter(|c| !c.roc.is_empty()) {
                curves.push(c.roc.clone());
            }
            folds.push(fold);
            for (&row, &score) in run.test.iter().zip(&scores) {
                oof.push(OofRow {
                    row,
                    repeat: run.repeat,
                    fold: run.fold,
                    score,
                    probabilities: Vec::new(),
                });
            }
            Ok(())
        },
    )?;

    let mean_roc = if curves.is_empty() {
        Vec::new()
    } else {
        metrics::mean_roc(&curves, 101)
    };

    let pooled = pooled(&oof, data, info, opts);
    let heldout = heldout_checks(data, info, opts, &decision, &fold_of_row)?;
    Ok(Run {
        folds,
        oof,
        fold_seconds,
        n_groups,
        untested,
        warnings,
        mean_roc: Some(mean_roc),
        pooled: pooled.map(|p| PooledMetrics::Two(Box::new(p))),
        baseline: None,
        heldout,
    })
}

/// The report of a fitted fold from its test rows' scores.
fn fitted_fold(
    base: FoldReport,
    test: &[usize],
    scores: &[f64],
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
) -> FoldReport {
    let labels: Vec<bool> = test.iter().map(|&i| data.is_positive(i)).collect();
    let (metrics, note, roc, pr) = match metrics::binary_metrics(scores, &labels, opts.threshold) {
        Ok(m) => (
            Some(m),
            None,
            metrics::roc_curve(scores, &labels, 200).unwrap_or_default(),
            metrics::pr_curve(scores, &labels, 200).unwrap_or_default(),
        ),
        Err(e) => (
            None,
            Some(format!("fold {}: {e}", base.fold + 1)),
            Vec::new(),
            Vec::new(),
        ),
    };
    let category_recall = match &info.categories {
        Some(c) => {
            let cats: Vec<String> = test.iter().map(|&i| c[i].clone()).collect();
            metrics::category_recall(scores, &labels, &cats, opts.threshold)
        }
        None => Vec::new(),
    };
    let (test_groups, test_time_range) = describe_test(info, opts, test);
    FoldReport {
        test_positives: Some(labels.iter().filter(|&&l| l).count()),
        test_groups,
        test_time_range,
        metrics: metrics.map(FoldMetrics::Two),
        note,
        curves: Some(FoldCurves {
            roc,
            pr,
            category_recall,
        }),
        ..base
    }
}

/// Metrics over the first repeat's out-of-fold predictions together, with threshold advice;
/// `None` unless they hold both classes.
fn pooled(oof: &[OofRow], data: &Labeled, info: &RowInfo, opts: &EvalOptions) -> Option<Pooled> {
    let first: Vec<&OofRow> = oof.iter().filter(|o| o.repeat == 0).collect();
    let ps: Vec<f64> = first.iter().map(|o| o.score).collect();
    let pl: Vec<bool> = first.iter().map(|o| data.is_positive(o.row)).collect();
    match (
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
    }
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

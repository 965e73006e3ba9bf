//! The K-class fold loop: the same folds as for two classes (stratified by class, grouped by
//! a column, or by time), out-of-fold class probabilities, K-class metrics per fold, pooled
//! over the folds, and the majority-class baseline.

use super::{FoldMetrics, FoldReport, OofRow, PooledMetrics, Run};
use crate::error::Result;
use crate::learn::multiclass_metrics as metrics;
use crate::pipeline::folds::{
    describe_test, plan_folds_for_texts, run_folds, tokenize_all, EvalOptions, RowInfo, Target,
};
use crate::text::dataset::Labeled;
use crate::util::progress::Progress;

/// The K-class fold loop (`data` has K classes).
pub(super) fn evaluate(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<Run> {
    let classes = &data.classes;
    let kc = classes.names.len();
    let y = &classes.of_row;
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
            let base = FoldReport {
                test_groups,
                test_time_range,
                ..FoldReport::of_run(&run)
            };
            let ff = match run.outcome {
                Ok(ff) => ff,
                Err(note) => {
                    folds.push(FoldReport {
                        note: Some(note),
                        ..base
                    });
                    return Ok(());
                }
            };
            let probs = ff.outputs;
            let truth: Vec<u32> = run.test.iter().map(|&i| y[i]).collect();
            folds.push(FoldReport {
                metrics: Some(FoldMetrics::Classes(metrics::from_probabilities(
                    &probs,
                    &truth,
                    &classes.names,
                ))),
                fit: Some(ff.fit),
                n_features: ff.n_features,
                ..base
            });
            for (&row, p) in run.test.iter().zip(probs.chunks(kc)) {
                oof.push(OofRow {
                    row,
                    repeat: run.repeat,
                    fold: run.fold,
                    score: p[metrics::argmax(p)],
                    probabilities: p.to_vec(),
                });
            }
            Ok(())
        },
    )?;

    let first: Vec<&OofRow> = oof.iter().filter(|o| o.repeat == 0).collect();
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
    Ok(Run {
        folds,
        oof,
        fold_seconds,
        n_groups,
        untested,
        warnings: data.warnings.clone(),
        mean_roc: None,
        pooled: pooled.map(PooledMetrics::Classes),
        baseline,
        heldout: None,
    })
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

//! Cross-validation of a multi-class model: the same folds as binary evaluation (stratified
//! by class, grouped by a column, or by time), the whole pipeline fitted on each fold's
//! training part only, out-of-fold class probabilities, and multi-class metrics per fold,
//! their mean ± sd, pooled over the folds, and the majority-class baseline.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::fit::{self, Strategy};
use super::metrics::{self, Baseline, MultiMetrics};
use crate::dataset::{Classes, DroppedClass, Labeled, SkipReport};
use crate::error::{Error, Result};
use crate::evaluate::{time_blocks, EvalOptions, EvalTimings, MetricSummary, RowInfo, SplitKind};
use crate::logistic::FitReport;
use crate::progress::Progress;
use crate::rng::SplitMix64;
use crate::tokenize::Analyzer;
use crate::vectorize::Corpus;

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
    pub groups: Option<u64>,
    pub skipped: SkipReport,
    pub input_sha256: String,
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

/// Stratified k-fold over K classes: each class shuffled and dealt round-robin, continuing
/// where the previous class stopped. On two classes it deals exactly as
/// [`crate::evaluate::stratified_folds`].
pub fn stratified_folds(classes: &[u32], n_classes: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    let mut fold = vec![0; classes.len()];
    let mut start = 0;
    for class in 0..n_classes as u32 {
        let mut idx: Vec<usize> = (0..classes.len())
            .filter(|&i| classes[i] == class)
            .collect();
        rng.shuffle(&mut idx);
        for (n, &i) in idx.iter().enumerate() {
            fold[i] = (start + n) % k;
        }
        start = (start + idx.len()) % k;
    }
    fold
}

/// Stratified group k-fold over K classes, as scikit-learn's
/// `StratifiedGroupKFold(shuffle=True)`: groups shuffled, then sorted by the spread (standard
/// deviation) of their class counts, largest first, each put in the fold that keeps the
/// folds' class shares most even (ties: the smaller fold). On two classes it assigns exactly
/// as [`crate::evaluate::grouped_folds`]. Returns each row's fold and the number of groups.
pub fn grouped_folds(
    classes: &[u32],
    n_classes: usize,
    groups: &[String],
    k: usize,
    seed: u64,
) -> (Vec<usize>, usize) {
    let kc = n_classes;
    let mut ids: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut group_of = Vec::with_capacity(classes.len());
    let mut counts: Vec<Vec<u64>> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let id = if g.is_empty() {
            counts.push(vec![0; kc]);
            counts.len() - 1
        } else {
            *ids.entry(g.as_str()).or_insert_with(|| {
                counts.push(vec![0; kc]);
                counts.len() - 1
            })
        };
        counts[id][classes[i] as usize] += 1;
        group_of.push(id);
    }
    let n_groups = counts.len();
    let mut class_total = vec![0u64; kc];
    for &c in classes {
        class_total[c as usize] += 1;
    }
    let class_total: Vec<f64> = class_total.iter().map(|&c| c.max(1) as f64).collect();
    let std_of = |xs: &[f64]| {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64).sqrt()
    };
    let spread: Vec<f64> = counts
        .iter()
        .map(|c| std_of(&c.iter().map(|&v| v as f64).collect::<Vec<_>>()))
        .collect();
    let mut order: Vec<usize> = (0..n_groups).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    order.sort_by(|&a, &b| spread[b].total_cmp(&spread[a]));
    let mut per_fold = vec![vec![0u64; kc]; k];
    let mut fold_of_group = vec![0usize; n_groups];
    let mut shares = vec![0.0; k];
    for &g in &order {
        let mut best = (f64::INFINITY, u64::MAX, 0usize);
        for f in 0..k {
            for c in 0..kc {
                per_fold[f][c] += counts[g][c];
            }
            let mut eval = 0.0;
            for c in 0..kc {
                for (s, p) in shares.iter_mut().zip(&per_fold) {
                    *s = p[c] as f64 / class_total[c];
                }
                eval += std_of(&shares);
            }
            eval /= kc as f64;
            for c in 0..kc {
                per_fold[f][c] -= counts[g][c];
            }
            let samples: u64 = per_fold[f].iter().sum();
            let close = (eval - best.0).abs() <= 1e-9 * best.0.abs().max(1e-12);
            if eval < best.0 && !close || close && samples < best.1 {
                best = (eval, samples, f);
            }
        }
        let f = best.2;
        for c in 0..kc {
            per_fold[f][c] += counts[g][c];
        }
        fold_of_group[g] = f;
    }
    (
        group_of.iter().map(|&g| fold_of_group[g]).collect(),
        n_groups,
    )
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
    let classes: &Classes = data
        .classes
        .as_ref()
        .ok_or_else(|| Error::Training("a multi-class evaluation needs classes".into()))?;
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
    let analyzer = Analyzer::new(opts.train.tokenizer.clone());
    let vcfg = opts.train.vectorizer.clone();
    vcfg.check()?;
    let corpus = Corpus::build(
        &analyzer,
        &data.texts,
        vcfg.ngram_min,
        vcfg.ngram_max,
        vcfg.max_vocabulary,
        progress,
    )
    .map_err(|e| e.for_input(source, ""))?;

    let mut plans: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = Vec::new();
    let mut n_groups = None;
    match opts.split {
        SplitKind::Time => {
            let times = info.times.as_ref().ok_or_else(|| {
                Error::param("time-col", "(none)", "a time split needs --time-col")
            })?;
            let blocks = time_blocks(times, k);
            for f in 0..k {
                let train: Vec<usize> = (0..n).filter(|&i| blocks[i] <= f).collect();
                let test: Vec<usize> = (0..n).filter(|&i| blocks[i] == f + 1).collect();
                plans.push((0, f, train, test));
            }
        }
        SplitKind::Stratified => {
            for r in 0..opts.repeats {
                let seed = opts.seed.wrapping_add(r as u64 * 0x9E37_79B9);
                let fold = match (&opts.group_by, &info.groups) {
                    (Some(_), Some(groups)) => {
                        let (fold, g) = grouped_folds(y, kc, groups, k, seed);
                        n_groups = Some(g as u64);
                        if g < k {
                            return Err(Error::bad_input(
                                source,
                                format!("{k} folds need at least {k} groups; found {g}"),
                            ));
                        }
                        fold
                    }
                    (Some(col), None) => {
                        return Err(Error::param(
                            "group-by",
                            col,
                            "the group column was not read",
                        ));
                    }
                    _ => stratified_folds(y, kc, k, seed),
                };
                for f in 0..k {
                    let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
                    let test: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
                    plans.push((r, f, train, test));
                }
            }
        }
    }

    let bar = progress.bar(plans.len() as u64, "folds");
    let mut folds = Vec::with_capacity(plans.len());
    let mut fold_seconds = Vec::with_capacity(plans.len());
    let mut oof = Vec::new();
    for (repeat, fold, train, test) in &plans {
        let t0 = std::time::Instant::now();
        bar.set_message(format!("fold {}/{}", fold + 1, k));
        let ytrain: Vec<u32> = train.iter().map(|&i| y[i]).collect();
        let mut present = vec![false; kc];
        ytrain.iter().for_each(|&c| present[c as usize] = true);
        let missing: Vec<&str> = (0..kc)
            .filter(|&c| !present[c])
            .map(|c| classes.names[c].as_str())
            .collect();
        let test_groups = info
            .groups
            .as_ref()
            .filter(|_| opts.group_by.is_some())
            .map(|g| {
                let mut s: Vec<&str> = test
                    .iter()
                    .map(|&i| g[i].as_str())
                    .filter(|s| !s.is_empty())
                    .collect();
                s.sort_unstable();
                s.dedup();
                s.len() + test.iter().filter(|&&i| g[i].is_empty()).count()
            });
        let test_time_range = info
            .times
            .as_ref()
            .filter(|_| opts.split == SplitKind::Time)
            .and_then(|t| {
                let lo = test.iter().map(|&i| t[i]).min()?;
                let hi = test.iter().map(|&i| t[i]).max()?;
                Some((crate::timeparse::format(lo), crate::timeparse::format(hi)))
            });
        if !missing.is_empty() || test.is_empty() {
            let why = if test.is_empty() {
                "its test part is empty".to_string()
            } else {
                format!("its training part has no rows of {}", missing.join(", "))
            };
            folds.push(MultiFoldReport {
                repeat: *repeat,
                fold: *fold,
                n_train: train.len(),
                n_test: test.len(),
                test_groups,
                test_time_range,
                metrics: None,
                note: Some(format!("fold {} not fitted: {why}", fold + 1)),
                fit: None,
                n_features: 0,
            });
            fold_seconds.push(0.0);
            bar.inc(1);
            continue;
        }
        let (vectorizer, x, _, map) = corpus.fit(vcfg.clone(), train).map_err(|e| {
            e.for_input(
                source,
                &format!("fold {} of repeat {}: ", fold + 1, repeat + 1),
            )
        })?;
        let (model, fit) = fit::fit(
            &x,
            &ytrain,
            kc,
            &opts.train.logistic,
            strategy,
            &Progress::hidden(),
        )?;
        drop(x);
        let xt = corpus.matrix(test, &map, &vectorizer);
        let probs: Vec<f64> = (0..xt.n_rows())
            .into_par_iter()
            .flat_map_iter(|i| {
                let (idx, val) = xt.row(i);
                let mut p = vec![0.0; kc];
                model.probabilities(idx, val, &mut p);
                p
            })
            .collect();
        let truth: Vec<u32> = test.iter().map(|&i| y[i]).collect();
        fold_seconds.push(t0.elapsed().as_secs_f64());
        folds.push(MultiFoldReport {
            repeat: *repeat,
            fold: *fold,
            n_train: train.len(),
            n_test: test.len(),
            test_groups,
            test_time_range,
            metrics: Some(metrics::from_probabilities(&probs, &truth, &classes.names)),
            note: None,
            fit: Some(fit),
            n_features: vectorizer.n_features(),
        });
        for (&row, p) in test.iter().zip(probs.chunks(kc)) {
            oof.push(MultiOofRow {
                row,
                repeat: *repeat,
                fold: *fold,
                probabilities: p.to_vec(),
            });
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let summary = metrics::METRIC_NAMES
        .iter()
        .map(|name| {
            let values: Vec<f64> = folds
                .iter()
                .filter_map(|f| f.metrics.as_ref().and_then(|m| m.get(name)))
                .collect();
            MetricSummary {
                metric: name.to_string(),
                stat: crate::metrics::mean_sd(&values),
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
            source: crate::train::source_name(source),
            rows: n as u64,
            classes: classes.names.clone(),
            counts,
            dropped: classes.dropped.clone(),
            groups: n_groups,
            skipped: data.skipped.clone(),
            input_sha256: data.checksum.clone(),
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
    use super::*;

    /// On two classes the K-class folds are the binary folds, so grouping and stratification
    /// work as for binary models.
    #[test]
    fn two_classes_fold_as_binary() {
        let mut s = SplitMix64::new(7);
        let labels: Vec<bool> = (0..300).map(|_| s.next_f64() < 0.3).collect();
        let groups: Vec<String> = (0..300)
            .map(|i| {
                if i % 5 == 0 {
                    String::new()
                } else {
                    format!("g{}", (i * 7919) % 41)
                }
            })
            .collect();
        let codes: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
        assert_eq!(
            stratified_folds(&codes, 2, 5, 3),
            crate::evaluate::stratified_folds(&labels, 5, 3)
        );
        assert_eq!(
            grouped_folds(&codes, 2, &groups, 5, 3),
            crate::evaluate::grouped_folds(&labels, &groups, 5, 3)
        );
    }

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

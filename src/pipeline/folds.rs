//! The fold loop every cross-validation shares: how rows are split (stratified, grouped, by
//! time; identical texts kept together), each fold's pipeline fitted on its training part
//! only, and the out-of-fold scores.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::head::LinearHead;
use crate::learn::logistic;
use crate::pipeline::config::TrainConfig;
use crate::text::dataset::Labeled;
use crate::text::tokenize::Analyzer;
use crate::text::vectorize::Corpus;
use crate::util::progress::Progress;
use crate::util::rng::SplitMix64;

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
    /// Held-out checks: each fold's rows flagged at the threshold chosen on the other folds'
    /// out-of-fold scores for this false-positive rate (averaged over the negatives'
    /// sources); `None`: at `threshold`.
    #[serde(default)]
    pub target_fpr: Option<f64>,
    /// How the held-out check calibrates probabilities (cross-fitted).
    #[serde(default)]
    pub calibration: crate::learn::heldout::Method,
    pub train: TrainConfig,
}

/// Per-row columns besides text and label that an evaluation may use.
#[derive(Debug, Default)]
pub struct RowInfo {
    /// Group of each row (empty = a group of its own).
    pub groups: Option<Vec<String>>,
    /// Unix seconds of each row.
    pub times: Option<Vec<i64>>,
    /// Category of each row, for per-category recall.
    pub categories: Option<Vec<String>>,
    /// Coordination features of each row, when the training settings ask for them.
    pub dense: Option<crate::pipeline::features::Dense>,
    /// Each row's source (an index into `source_names`): its `--source-col` value, else its
    /// file's name. Empty when not read.
    pub sources: Vec<u32>,
    pub source_names: Vec<String>,
    /// Rows whose texts are the same ([`crate::text::dataset::rowcheck::same_text`]: each row's text
    /// cluster, empty when every text is distinct), kept in one fold by stratified splits.
    /// `None`: not computed yet ([`RowInfo::find_same_text`]).
    pub same_text: Option<Vec<u32>>,
    /// The coordination analysis behind `dense` (kept for account-level statistics).
    pub coordination: Option<(
        crate::coordination::input::Posts,
        crate::coordination::graph::Graph,
    )>,
}

impl RowInfo {
    /// Fills [`RowInfo::same_text`] from the texts, unless it is known already.
    pub fn find_same_text(&mut self, texts: &[String]) {
        if self.same_text.is_none() {
            self.same_text = Some(crate::text::dataset::rowcheck::same_text(texts));
        }
    }
}

/// Groups that keep identical texts together: rows are joined when they share a group value
/// (`groups`, an empty value being a row's own group) or a text cluster (`same_text`), and
/// each row is labelled by the first row of its joined set. A text joins two sets only while
/// the joined set holds at most 1/(2k) of each class's rows (`classes`, below `n_classes`),
/// so that texts many accounts share (a class of spam accounts posting the same lines) cannot
/// chain a class into one fold; copies left in different sets are kept out of the test parts
/// by [`drop_straddling_copies`]. When no text joins two groups the partition, and so the
/// folds, are what `groups` alone gives.
pub fn join_same_text(
    groups: Option<&[String]>,
    same_text: &[u32],
    classes: &[u32],
    n_classes: usize,
    k: usize,
) -> Vec<String> {
    let n = same_text.len();
    let kc = n_classes.max(1);
    let mut total = vec![0usize; kc];
    for &c in classes.iter().take(n) {
        total[c as usize] += 1;
    }
    let cap: Vec<usize> = total.iter().map(|&t| (t / (2 * k.max(1))).max(1)).collect();
    let mut parent: Vec<usize> = (0..n).collect();
    // Rows of each class in each set, kept at the set's root.
    let mut count = vec![0usize; n * kc];
    for i in 0..n {
        count[i * kc + classes.get(i).map_or(0, |&c| c as usize)] = 1;
    }
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // The smaller index is the root, so a set's root is its first row.
    let mut union = |parent: &mut [usize], a: usize, b: usize, capped: bool| {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra == rb {
            return;
        }
        if capped && (0..kc).any(|c| count[ra * kc + c] + count[rb * kc + c] > cap[c]) {
            return;
        }
        let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[child] = root;
        for c in 0..kc {
            count[root * kc + c] += count[child * kc + c];
        }
    };
    if let Some(groups) = groups {
        let mut first: std::collections::HashMap<&str, usize> = Default::default();
        for (i, g) in groups.iter().enumerate().take(n) {
            if !g.is_empty() {
                let f = *first.entry(g.as_str()).or_insert(i);
                union(&mut parent, f, i, false);
            }
        }
    }
    let mut first_of_text: std::collections::HashMap<u32, usize> = Default::default();
    for (i, &t) in same_text.iter().enumerate() {
        let f = *first_of_text.entry(t).or_insert(i);
        union(&mut parent, f, i, true);
    }
    (0..n)
        .map(|i| format!("r{}", find(&mut parent, i)))
        .collect()
}

/// Takes out of every test part the rows whose text also lies in another fold (a text
/// [`join_same_text`] could not keep in one group): such a row would be tested on a copy of
/// itself seen in training. It stays in the training parts. Returns how many rows that was.
pub fn drop_straddling_copies(
    fold: &[usize],
    same_text: &[u32],
    tests: &mut [Vec<usize>],
) -> usize {
    let clusters = same_text.iter().map(|&t| t as usize + 1).max().unwrap_or(0);
    let mut first_fold = vec![usize::MAX; clusters];
    let mut spans = vec![false; clusters];
    for (i, &t) in same_text.iter().enumerate() {
        let t = t as usize;
        if first_fold[t] == usize::MAX {
            first_fold[t] = fold[i];
        } else if first_fold[t] != fold[i] {
            spans[t] = true;
        }
    }
    let mut dropped = 0;
    for test in tests.iter_mut() {
        let before = test.len();
        test.retain(|&i| !spans[same_text[i] as usize]);
        dropped += before - test.len();
    }
    dropped
}

impl EvalOptions {
    /// Plain stratified folds (grouped by `group_by` when given), one repeat, no time or
    /// category column: what `train --cv` and the account model's out-of-fold scores use.
    pub fn stratified(
        folds: usize,
        group_by: Option<String>,
        seed: u64,
        threshold: f64,
        train: TrainConfig,
    ) -> EvalOptions {
        EvalOptions {
            folds,
            split: SplitKind::Stratified,
            group_by,
            time_col: None,
            repeats: 1,
            seed,
            target_precision: None,
            category_col: None,
            threshold,
            target_fpr: None,
            calibration: crate::learn::heldout::Method::None,
            train,
        }
    }

    pub fn check(&self) -> Result<()> {
        self.train.check()?;
        if self.folds < 2 || self.folds > 100 {
            return Err(Error::param("folds", self.folds, "must be in 2..=100"));
        }
        if self.repeats == 0 || self.repeats > 100 {
            return Err(Error::param("repeats", self.repeats, "must be in 1..=100"));
        }
        if let Some(p) = self.target_precision {
            if !(p > 0.0 && p <= 1.0) {
                return Err(Error::param("target-precision", p, "must be in (0, 1]"));
            }
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::param(
                "threshold",
                self.threshold,
                "must be in [0, 1]",
            ));
        }
        if let Some(t) = self.target_fpr {
            if !(0.0..1.0).contains(&t) {
                return Err(Error::param("target-fpr", t, "must be in [0, 1)"));
            }
        }
        if self.split == SplitKind::Time && self.group_by.is_some() {
            return Err(Error::param(
                "group-by",
                "(set)",
                "cannot be combined with --split time",
            ));
        }
        if self.split == SplitKind::Time && self.repeats > 1 {
            return Err(Error::param(
                "repeats",
                self.repeats,
                "a time split has one order: use --repeats 1",
            ));
        }
        Ok(())
    }
}

/// Stratified k-fold over the classes (`classes[i]` is row i's class, below `n_classes`): each
/// class shuffled and dealt round-robin, continuing where the previous class stopped, so
/// every fold holds each class in proportion and fold sizes stay even. Returns each row's fold.
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
/// folds' class shares most even (ties: the smaller fold). A group never spans two folds; an
/// empty group value is a group of its own row. Returns each row's fold and the number of
/// groups.
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

/// Rolling origin on time: rows sorted by time are cut into `k + 1` blocks; fold f tests
/// block f + 1 and trains on blocks 0..=f. Returns each row's block.
pub fn time_blocks(times: &[i64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| (times[i], i));
    let n = times.len();
    let mut block = vec![0; n];
    for (pos, &i) in order.iter().enumerate() {
        block[i] = pos * (k + 1) / n.max(1);
    }
    block
}

/// One fold of a plan: (repeat, fold, training rows, test rows).
pub type FoldPlan = (usize, usize, Vec<usize>, Vec<usize>);

/// The folds of an evaluation over rows of classes `classes` (below `n_classes`): rolling
/// origin on time, or stratified (grouped by `info.groups` when `opts.group_by` is set),
/// repeated with new shuffles. Returns the plan and, when grouped, the number of groups.
pub fn plan_folds(
    classes: &[u32],
    n_classes: usize,
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
) -> Result<(Vec<FoldPlan>, Option<u64>)> {
    let same = info.same_text.as_deref().unwrap_or(&[]);
    plan_folds_with(classes, n_classes, info, same, opts, source)
}

/// [`plan_folds`] over a set whose texts are at hand: the text clusters are `info`'s, or found
/// from `texts` when it holds none. Also returns how many rows the first repeat of a
/// stratified split leaves untested (copies of texts that lie in other folds).
pub fn plan_folds_for_texts(
    classes: &[u32],
    n_classes: usize,
    info: &RowInfo,
    texts: &[String],
    opts: &EvalOptions,
    source: &str,
) -> Result<(Vec<FoldPlan>, Option<u64>, u64)> {
    let found;
    let same = match &info.same_text {
        Some(s) => s.as_slice(),
        None => {
            found = crate::text::dataset::rowcheck::same_text(texts);
            &found
        }
    };
    let (plans, n_groups) = plan_folds_with(classes, n_classes, info, same, opts, source)?;
    let untested = if opts.split == SplitKind::Stratified {
        let tested: usize = plans.iter().filter(|p| p.0 == 0).map(|p| p.3.len()).sum();
        (classes.len() - tested) as u64
    } else {
        0
    };
    Ok((plans, n_groups, untested))
}

/// [`plan_folds`] with the text clusters given (`same_text`, empty: every text distinct).
fn plan_folds_with(
    classes: &[u32],
    n_classes: usize,
    info: &RowInfo,
    same_text: &[u32],
    opts: &EvalOptions,
    source: &str,
) -> Result<(Vec<FoldPlan>, Option<u64>)> {
    let n = classes.len();
    let k = opts.folds;
    let mut plans: Vec<FoldPlan> = Vec::new();
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
            // Identical texts stay in one fold: they join their groups, or, ungrouped, the
            // folds are dealt over distinct texts (a text's rows go with its first row).
            let same_text = Some(same_text).filter(|s| s.len() == n);
            let joined: Option<Vec<String>> = match (&opts.group_by, &info.groups, same_text) {
                (Some(_), Some(groups), Some(same)) if !same.is_empty() => {
                    Some(join_same_text(Some(groups), same, classes, n_classes, k))
                }
                _ => None,
            };
            let firsts: Option<(Vec<usize>, Vec<usize>)> = match (&opts.group_by, same_text) {
                (None, Some(same)) => {
                    let mut first_of: Vec<usize> = Vec::new();
                    let mut cluster_of = Vec::with_capacity(n);
                    for (i, &t) in same.iter().enumerate() {
                        if t as usize == first_of.len() {
                            first_of.push(i);
                        }
                        cluster_of.push(t as usize);
                    }
                    Some((first_of, cluster_of))
                }
                _ => None,
            };
            for r in 0..opts.repeats {
                let seed = opts.seed.wrapping_add(r as u64 * 0x9E37_79B9);
                let fold = match (&opts.group_by, &info.groups) {
                    (Some(_), Some(groups)) => {
                        let groups = joined.as_deref().unwrap_or(groups);
                        let (fold, g) = grouped_folds(classes, n_classes, groups, k, seed);
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
                    _ => match &firsts {
                        Some((first_of, cluster_of)) => {
                            let first_classes: Vec<u32> =
                                first_of.iter().map(|&i| classes[i]).collect();
                            let by_text = stratified_folds(&first_classes, n_classes, k, seed);
                            cluster_of.iter().map(|&c| by_text[c]).collect()
                        }
                        None => stratified_folds(classes, n_classes, k, seed),
                    },
                };
                let mut tests: Vec<Vec<usize>> = (0..k)
                    .map(|f| (0..n).filter(|&i| fold[i] == f).collect())
                    .collect();
                if let Some(same) = same_text.filter(|s| !s.is_empty() && joined.is_some()) {
                    drop_straddling_copies(&fold, same, &mut tests);
                }
                for (f, test) in tests.into_iter().enumerate() {
                    let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
                    plans.push((r, f, train, test));
                }
            }
        }
    }
    Ok((plans, n_groups))
}

/// What a fold's test part covers, for its report: how many groups (when grouped; an empty
/// group value counts as a group of its own row) and, for a time split, its first and last
/// time.
pub fn describe_test(
    info: &RowInfo,
    opts: &EvalOptions,
    test: &[usize],
) -> (Option<usize>, Option<(String, String)>) {
    let groups = info
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
    let time_range = info
        .times
        .as_ref()
        .filter(|_| opts.split == SplitKind::Time)
        .and_then(|t| {
            let lo = test.iter().map(|&i| t[i]).min()?;
            let hi = test.iter().map(|&i| t[i]).max()?;
            Some((crate::util::time::format(lo), crate::util::time::format(hi)))
        });
    (groups, time_range)
}

/// Every post tokenized once, for all folds: each fold fits its vocabulary and IDF on its own
/// training rows of this corpus.
pub fn tokenize_all(
    texts: &[String],
    train: &TrainConfig,
    source: &str,
    progress: &Progress,
) -> Result<Corpus> {
    let vcfg = &train.vectorizer;
    vcfg.check()?;
    Corpus::build(
        &Analyzer::new(train.tokenizer.clone()),
        texts,
        vcfg.ngram_min,
        vcfg.ngram_max,
        vcfg.max_vocabulary,
        progress,
    )
    .map_err(|e| e.for_input(source, ""))
}

/// Fits the classifier on `x`, whose rows are the rows `train` of the data set (in that
/// order), with source-balanced weights when `params` asks for them.
pub fn fit_rows(
    x: &crate::util::sparse::Csr,
    labels: &[bool],
    train: &[usize],
    info: &RowInfo,
    params: &crate::learn::logistic::LogisticParams,
) -> Result<(logistic::LinearModel, logistic::FitReport)> {
    let y: Vec<bool> = train.iter().map(|&i| labels[i]).collect();
    let weights = crate::pipeline::config::row_weights(&y, &info.sources, Some(train), params)?;
    logistic::fit_weighted(x, &y, weights.as_deref(), params, &Progress::hidden())
}

/// The labels a fold loop fits: two classes (one sigmoid column, fitted with row weights
/// when the class weighting is by source) or K classes (softmax or one-vs-rest).
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Binary(&'a [bool]),
    Classes {
        of_row: &'a [u32],
        names: &'a [String],
    },
}

impl Target<'_> {
    /// Why a fold whose training part holds the rows `train` cannot be fitted: some class
    /// has no row there.
    fn unfit(&self, train: &[usize]) -> Option<String> {
        match *self {
            Target::Binary(labels) => {
                let pos = train.iter().filter(|&&i| labels[i]).count();
                (pos == 0 || pos == train.len()).then(|| {
                    format!(
                        "its training part holds only one class ({} rows)",
                        train.len()
                    )
                })
            }
            Target::Classes { of_row, names } => {
                let mut present = vec![false; names.len()];
                train
                    .iter()
                    .for_each(|&i| present[of_row[i] as usize] = true);
                let missing: Vec<&str> = (0..names.len())
                    .filter(|&c| !present[c])
                    .map(|c| names[c].as_str())
                    .collect();
                (!missing.is_empty())
                    .then(|| format!("its training part has no rows of {}", missing.join(", ")))
            }
        }
    }
}

/// One fold's fit and its test rows' outputs: for two classes one decision value (log-odds)
/// per row, for K classes the K class probabilities per row, row after row.
pub struct FoldFit {
    pub outputs: Vec<f64>,
    pub fit: logistic::FitReport,
    pub n_features: usize,
}

/// Fits vocabulary, IDF and weights on the `train` rows of `corpus` (with their coordination
/// features and, under source balancing, their sources' weights) and scores the `test` rows.
/// `what` prefixes messages (e.g. `fold 2 of repeat 1: `).
#[allow(clippy::too_many_arguments)]
pub fn fit_fold(
    corpus: &Corpus,
    target: Target<'_>,
    info: &RowInfo,
    config: &TrainConfig,
    train: &[usize],
    test: &[usize],
    source: &str,
    what: &str,
) -> Result<FoldFit> {
    let (vectorizer, mut x, _, map) = corpus
        .fit(config.vectorizer.clone(), train)
        .map_err(|e| e.for_input(source, what))?;
    if let Some(d) = &info.dense {
        d.append_to(&mut x, train);
    }
    let (head, fit) = match target {
        Target::Binary(labels) => {
            let (linear, fit) = fit_rows(&x, labels, train, info, &config.logistic)?;
            (LinearHead::binary(linear), fit)
        }
        Target::Classes { of_row, names } => {
            let y: Vec<u32> = train.iter().map(|&i| of_row[i]).collect();
            crate::learn::multiclass::fit(
                &x,
                &y,
                names.len(),
                &config.logistic,
                config.logistic.multiclass,
                &Progress::hidden(),
            )?
        }
    };
    drop(x);
    let mut xt = corpus.matrix(test, &map, &vectorizer);
    if let Some(d) = &info.dense {
        d.append_to(&mut xt, test);
    }
    let outputs: Vec<f64> = if head.is_binary() {
        (0..xt.n_rows())
            .into_par_iter()
            .map(|i| {
                let (idx, val) = xt.row(i);
                head.decision(idx, val)
            })
            .collect()
    } else {
        (0..xt.n_rows())
            .into_par_iter()
            .flat_map_iter(|i| {
                let (idx, val) = xt.row(i);
                let mut p = vec![0.0; head.n_classes];
                head.probabilities(idx, val, &mut p);
                p
            })
            .collect()
    };
    Ok(FoldFit {
        outputs,
        fit,
        n_features: vectorizer.n_features(),
    })
}

/// One fold as [`run_folds`] hands it over.
pub struct FoldRun<'a> {
    pub repeat: usize,
    pub fold: usize,
    pub train: &'a [usize],
    pub test: &'a [usize],
    /// The fit, or why the fold was not fitted (`fold N not fitted: …`).
    pub outcome: std::result::Result<FoldFit, String>,
}

/// The fold loop every cross-validation runs: for each planned fold, in order, the pipeline
/// fitted on its training rows and its test rows scored ([`fit_fold`]), or the reason it
/// could not be, handed to `each`; with a progress bar. Returns each fold's seconds.
#[allow(clippy::too_many_arguments)]
pub fn run_folds(
    corpus: &Corpus,
    target: Target<'_>,
    info: &RowInfo,
    opts: &EvalOptions,
    plans: &[FoldPlan],
    source: &str,
    progress: &Progress,
    mut each: impl FnMut(FoldRun<'_>) -> Result<()>,
) -> Result<Vec<f64>> {
    let bar = progress.bar(plans.len() as u64, "folds");
    let mut fold_seconds = Vec::with_capacity(plans.len());
    for (repeat, fold, train, test) in plans {
        let t0 = std::time::Instant::now();
        bar.set_message(format!("fold {}/{}", fold + 1, opts.folds));
        let why = if test.is_empty() {
            Some("its test part is empty".to_string())
        } else {
            target.unfit(train)
        };
        let outcome = match why {
            Some(why) => Err(format!("fold {} not fitted: {why}", fold + 1)),
            None => Ok(fit_fold(
                corpus,
                target,
                info,
                &opts.train,
                train,
                test,
                source,
                &format!("fold {} of repeat {}: ", fold + 1, repeat + 1),
            )?),
        };
        let seconds = if outcome.is_ok() {
            t0.elapsed().as_secs_f64()
        } else {
            0.0
        };
        fold_seconds.push(seconds);
        each(FoldRun {
            repeat: *repeat,
            fold: *fold,
            train,
            test,
            outcome,
        })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(fold_seconds)
}

/// Out-of-fold decision values over the first repeat of `opts`' folds, and each row's fold
/// (`usize::MAX` for a row no fold tested), with every fold fitted on its training rows of
/// the matrix `x` (all rows, vectorized once: the folds share its vocabulary and IDF, which
/// use no labels). Every fold must hold both classes in training.
pub fn out_of_fold(
    labels: &[bool],
    info: &RowInfo,
    x: &crate::util::sparse::Csr,
    opts: &EvalOptions,
    source: &str,
    progress: &Progress,
) -> Result<(Vec<f64>, Vec<usize>)> {
    let n = labels.len();
    let (plans, _) = first_repeat_plans(labels, info, opts, source)?;
    let bar = progress.bar(plans.len() as u64, "out-of-fold fits");
    let mut decision = vec![f64::NAN; n];
    let mut fold_of_row = vec![usize::MAX; n];
    for (_, fold, train, test) in &plans {
        bar.set_message(format!("fold {}/{}", fold + 1, opts.folds));
        let xf = x.select_rows(train);
        let (linear, _) = fit_rows(&xf, labels, train, info, &opts.train.logistic)?;
        drop(xf);
        let z: Vec<f64> = test
            .par_iter()
            .map(|&i| {
                let (idx, val) = x.row(i);
                linear.decision(idx, val)
            })
            .collect();
        for (&row, z) in test.iter().zip(z) {
            decision[row] = z;
            fold_of_row[row] = *fold;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((decision, fold_of_row))
}

/// The first repeat's folds of a two-class set, each checked to train on both classes, and
/// the number of groups when grouped.
pub fn first_repeat_plans(
    labels: &[bool],
    info: &RowInfo,
    opts: &EvalOptions,
    source: &str,
) -> Result<(Vec<FoldPlan>, Option<u64>)> {
    let codes: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
    let (plans, n_groups) = plan_folds(&codes, 2, info, opts, source)?;
    let plans: Vec<FoldPlan> = plans.into_iter().filter(|p| p.0 == 0).collect();
    for (_, f, train, _) in &plans {
        let pos = train.iter().filter(|&&i| labels[i]).count();
        if pos == 0 || pos == train.len() {
            return Err(Error::bad_input(
                source,
                format!(
                    "fold {} trains on one class only: give more groups of each class, or \
                     fewer folds",
                    f + 1
                ),
            ));
        }
    }
    Ok((plans, n_groups))
}

/// [`split_thin_groups`] on `info.groups` (when grouped), with a note for each class it
/// split: `class "1" has fewer than 3 groups by author: its rows are split by row`.
pub fn split_thin_classes(
    info: &mut RowInfo,
    data: &Labeled,
    k: usize,
    group_by: &str,
) -> Vec<String> {
    let Some(g) = info.groups.as_mut() else {
        return Vec::new();
    };
    split_thin_groups(g, &data.classes.of_row, data.classes.names.len(), k)
        .iter()
        .zip(&data.classes.names)
        .filter(|(thin, _)| **thin)
        .map(|(_, name)| {
            format!(
                "class {name:?} has fewer than {k} groups by {group_by}: its rows are split by row"
            )
        })
        .collect()
}

/// Splits the rows of a class with fewer than `k` groups into groups of one row each (an
/// empty group value), so that grouped folds can still hold that class in every fold.
/// `classes` is each row's class, of `n_classes`. Returns, per class, whether that happened.
pub fn split_thin_groups(
    groups: &mut [String],
    classes: &[u32],
    n_classes: usize,
    k: usize,
) -> Vec<bool> {
    let mut seen: Vec<std::collections::HashSet<&str>> = vec![Default::default(); n_classes];
    let mut singles = vec![0usize; n_classes];
    for (g, &c) in groups.iter().zip(classes) {
        if g.is_empty() {
            singles[c as usize] += 1;
        } else {
            seen[c as usize].insert(g.as_str());
        }
    }
    let thinned: Vec<bool> = (0..n_classes)
        .map(|c| seen[c].len() + singles[c] < k && seen[c].len() + singles[c] > 0)
        .collect();
    for (g, &c) in groups.iter_mut().zip(classes) {
        if thinned[c as usize] {
            g.clear();
        }
    }
    thinned
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fold is fitted only when every class has a training row; the note says which are
    /// missing, in the words the reports have always used.
    #[test]
    fn a_fold_without_a_class_in_training_is_not_fitted() {
        let labels = [true, false, true, true];
        let bin = Target::Binary(&labels);
        assert_eq!(bin.unfit(&[0, 1]), None);
        assert_eq!(
            bin.unfit(&[0, 2, 3]).as_deref(),
            Some("its training part holds only one class (3 rows)")
        );
        let names = ["a".to_string(), "b".to_string(), "c".to_string()];
        let of_row = [0, 1, 2, 0];
        let k = Target::Classes {
            of_row: &of_row,
            names: &names,
        };
        assert_eq!(k.unfit(&[0, 1, 2]), None);
        assert_eq!(
            k.unfit(&[0, 3]).as_deref(),
            Some("its training part has no rows of b, c")
        );
    }

    #[test]
    fn stratified_folds_keep_class_shares() {
        let labels: Vec<bool> = (0..103).map(|i| i % 4 == 0).collect();
        let codes: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
        let fold = stratified_folds(&codes, 2, 5, 1);
        for f in 0..5 {
            let n = fold.iter().filter(|&&x| x == f).count();
            let pos = (0..103).filter(|&i| fold[i] == f && labels[i]).count();
            assert!((20..=21).contains(&n), "fold {f} has {n} rows");
            assert!((5..=6).contains(&pos), "fold {f} has {pos} positives");
        }
        assert_eq!(fold, stratified_folds(&codes, 2, 5, 1));
        assert_ne!(fold, stratified_folds(&codes, 2, 5, 2));
    }

    #[test]
    fn grouped_folds_never_split_a_group() {
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        for a in 0..40 {
            for _ in 0..(1 + a % 7) {
                labels.push(true);
                groups.push(format!("author{a}"));
            }
        }
        for _ in 0..150 {
            labels.push(false);
            groups.push(String::new());
        }
        let codes: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
        let (fold, n_groups) = grouped_folds(&codes, 2, &groups, 5, 3);
        assert_eq!(n_groups, 40 + 150);
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for (i, g) in groups.iter().enumerate() {
            if !g.is_empty() {
                let f = *seen.entry(g).or_insert(fold[i]);
                assert_eq!(f, fold[i], "{g} spans two folds");
            }
        }
        for f in 0..5 {
            let pos = (0..labels.len())
                .filter(|&i| fold[i] == f && labels[i])
                .count();
            let neg = (0..labels.len())
                .filter(|&i| fold[i] == f && !labels[i])
                .count();
            assert!(
                pos >= 25 && neg == 30,
                "fold {f}: {pos} positives, {neg} negatives"
            );
        }
    }

    #[test]
    fn identical_texts_join_their_groups_and_leave_other_folds_as_they_were() {
        // Authors a0..a19; a text shared by a3 and a12 (and a row without an author).
        let mut groups: Vec<String> = (0..100).map(|i| format!("a{}", i % 20)).collect();
        groups[99] = String::new();
        let mut same: Vec<u32> = (0..100).collect();
        same[57] = 3; // row 57 (a17) repeats row 3 (a3)
        same[99] = 12; // the author-less row repeats row 12 (a12)
                       // Renumber the clusters in order of first appearance, as `same_text` does.
        let mut ids: std::collections::HashMap<u32, u32> = Default::default();
        let same: Vec<u32> = same
            .iter()
            .map(|&t| {
                let next = ids.len() as u32;
                *ids.entry(t).or_insert(next)
            })
            .collect();
        let classes: Vec<u32> = (0..100).map(|i| u32::from(i % 2 == 0)).collect();
        let joined = join_same_text(Some(&groups), &same, &classes, 2, 1);
        let set = |i: usize| joined[i].clone();
        assert_eq!(set(3), set(57));
        assert_eq!(set(3), set(17)); // a17 joins a3 through row 57
        assert_eq!(set(12), set(99));
        assert_ne!(set(3), set(12));
        assert_eq!(set(3), "r3");
        // A text every author of a class posts cannot chain the class into one set: a set
        // holds at most 1/(2k) of a class's rows; the copies left apart are not tested.
        let spam_groups: Vec<String> = (0..200).map(|i| format!("s{}", i / 10)).collect();
        let spam_classes: Vec<u32> = (0..200).map(|i| u32::from(i < 100)).collect();
        let spam_text: Vec<u32> = (0..200)
            .map(|i| if i % 10 == 0 { 0 } else { i as u32 })
            .collect();
        let ids: Vec<u32> = {
            let mut m: std::collections::HashMap<u32, u32> = Default::default();
            spam_text
                .iter()
                .map(|&t| {
                    let next = m.len() as u32;
                    *m.entry(t).or_insert(next)
                })
                .collect()
        };
        let sets = join_same_text(Some(&spam_groups), &ids, &spam_classes, 2, 5);
        let distinct: std::collections::HashSet<&String> = sets.iter().collect();
        // Only the first author of each class joins (10 + 10 rows of two classes).
        assert_eq!(distinct.len(), 19);
        assert_eq!(sets[0], sets[100]);
        let fold: Vec<usize> = (0..200).map(|i| (i / 10) % 5).collect();
        let mut tests: Vec<Vec<usize>> = (0..5)
            .map(|f| (0..200).filter(|&i| fold[i] == f).collect())
            .collect();
        assert_eq!(drop_straddling_copies(&fold, &ids, &mut tests), 20);
        assert!(tests.iter().flatten().all(|&i| i % 10 != 0));
        // Without shared texts the partition is the groups': the same folds as before.
        let plain: Vec<u32> = (0..100).collect();
        let codes: Vec<u32> = (0..100).map(|i| u32::from(i % 3 == 0)).collect();
        let untouched = join_same_text(Some(&groups), &plain, &codes, 2, 5);
        assert_eq!(
            grouped_folds(&codes, 2, &untouched, 5, 9).0,
            grouped_folds(&codes, 2, &groups, 5, 9).0
        );
        // Ungrouped folds over texts: copies go with their first row, and without copies the
        // folds are the stratified ones.
        let mut info = RowInfo::default();
        let texts: Vec<String> = (0..60)
            .map(|i| format!("Text {}", if i >= 40 { i - 40 } else { i }))
            .collect();
        info.find_same_text(&texts);
        let opts = EvalOptions::stratified(5, None, 4, 0.5, Default::default());
        let codes: Vec<u32> = (0..60).map(|i| u32::from(i % 2 == 0)).collect();
        let (plans, _) = plan_folds(&codes, 2, &info, &opts, "x").unwrap();
        let mut fold_of = vec![usize::MAX; 60];
        for (_, f, _, test) in &plans {
            for &i in test {
                fold_of[i] = *f;
            }
        }
        for i in 40..60 {
            assert_eq!(fold_of[i], fold_of[i - 40], "row {i}");
        }
        let distinct = RowInfo {
            same_text: Some(Vec::new()),
            ..RowInfo::default()
        };
        let (plans, _) = plan_folds(&codes, 2, &distinct, &opts, "x").unwrap();
        let fold = stratified_folds(&codes, 2, 5, 4);
        for (_, f, _, test) in &plans {
            assert!(test.iter().all(|&i| fold[i] == *f));
        }
    }

    #[test]
    fn time_blocks_are_contiguous_in_time() {
        let times: Vec<i64> = (0..12).map(|i| (i * 7919) % 12).collect();
        let blocks = time_blocks(&times, 3);
        for i in 0..12 {
            for j in 0..12 {
                if times[i] < times[j] {
                    assert!(blocks[i] <= blocks[j]);
                }
            }
        }
        assert_eq!(
            (0..4)
                .map(|b| blocks.iter().filter(|&&x| x == b).count())
                .collect::<Vec<_>>(),
            [3, 3, 3, 3]
        );
    }
}

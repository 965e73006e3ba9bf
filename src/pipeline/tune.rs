//! Model selection: a grid of settings (C, n-gram range, term cap, class weighting), each
//! scored on the same grouped folds (by source, by author or both), chosen by how it does on
//! the groups it never saw. Posts are tokenized once per n-gram range and every fold's
//! vocabulary is fitted once per term cap; only the classifier is fitted per setting.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::logistic::ClassWeight;
use crate::pipeline::config::TrainConfig;
use crate::pipeline::evaluate;
use crate::pipeline::folds::{EvalOptions, RowInfo};
use crate::text::dataset::Labeled;
use crate::util::progress::Progress;

/// What the grid is chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Mean over the negatives' sources of the ROC-AUC of all positives against that
    /// source's negatives: ranking that holds on every held-out source, none drowned by size.
    #[default]
    MeanSourceAuc,
    /// Share of positives flagged at the threshold that reaches the target false-positive
    /// rate (averaged over sources; each fold at the threshold chosen on the other folds).
    Recall,
    /// Pooled out-of-fold ROC-AUC.
    RocAuc,
}

impl Criterion {
    pub fn parse(s: &str) -> Option<Criterion> {
        match s {
            "mean-source-auc" => Some(Criterion::MeanSourceAuc),
            "recall" | "recall-at-fpr" => Some(Criterion::Recall),
            "roc-auc" => Some(Criterion::RocAuc),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Criterion::MeanSourceAuc => "mean-source-auc",
            Criterion::Recall => "recall",
            Criterion::RocAuc => "roc-auc",
        }
    }
}

/// The values searched; every combination is one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub c: Vec<f64>,
    pub ngrams: Vec<(usize, usize)>,
    /// `None`: no cap.
    pub max_features: Vec<Option<usize>>,
    pub class_weight: Vec<ClassWeight>,
}

impl Grid {
    pub fn len(&self) -> usize {
        self.c.len() * self.ngrams.len() * self.max_features.len() * self.class_weight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn check(&self) -> Result<()> {
        if self.is_empty() {
            return Err(Error::param("grid", "(empty)", "every list needs a value"));
        }
        if let Some(&c) = self.c.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
            return Err(Error::param("c", c, "must be a positive number"));
        }
        if self.len() > 500 {
            return Err(Error::param(
                "grid",
                self.len(),
                "more than 500 settings; search a coarser grid first",
            ));
        }
        Ok(())
    }
}

/// One setting of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub c: f64,
    pub ngrams: (usize, usize),
    pub max_features: Option<usize>,
    pub class_weight: ClassWeight,
}

impl Setting {
    /// `base` with this setting's values.
    pub fn apply(&self, base: &TrainConfig) -> TrainConfig {
        let mut t = base.clone();
        t.logistic.alpha = 1.0 / self.c;
        t.logistic.class_weight = self.class_weight;
        t.vectorizer.ngram_min = self.ngrams.0;
        t.vectorizer.ngram_max = self.ngrams.1;
        t.vectorizer.max_features = self.max_features;
        t
    }

    pub fn describe(&self) -> String {
        format!(
            "C {} · n-grams {}-{} · cap {} · weights {}",
            self.c,
            self.ngrams.0,
            self.ngrams.1,
            self.max_features
                .map_or("none".to_string(), |n| n.to_string()),
            self.class_weight.name()
        )
    }
}

/// How one setting did on the held-out folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingResult {
    pub setting: Setting,
    pub roc_auc: Option<f64>,
    pub mean_source_auc: Option<f64>,
    pub worst_source_auc: Option<f64>,
    /// At the target FPR (each fold's threshold chosen on the other folds).
    pub recall: Option<f64>,
    pub mean_fpr: Option<f64>,
    pub worst_fpr: Option<f64>,
    pub worst_source: Option<String>,
    /// The criterion's value.
    pub score: Option<f64>,
    /// Mean L-BFGS iterations per fold, and whether every fold converged.
    pub iterations: f64,
    pub converged: bool,
}

/// A whole search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    pub trollwatch_version: String,
    pub source: String,
    pub rows: u64,
    pub positives: u64,
    pub negatives: u64,
    pub folds: usize,
    pub group_by: Option<String>,
    pub groups: Option<u64>,
    pub seed: u64,
    pub target_fpr: f64,
    pub criterion: Criterion,
    pub grid: Grid,
    /// In grid order: n-grams, cap, class weight, then C.
    pub results: Vec<SettingResult>,
    /// Index into `results` of the chosen setting.
    pub best: Option<usize>,
}

/// Wall-clock time of a search (kept out of the report, so that it is the same bytes for the
/// same inputs).
#[derive(Debug, Clone, Default)]
pub struct TuneTimings {
    pub elapsed_seconds: f64,
    pub fits: usize,
}

/// Runs the grid over `opts`' folds (first repeat; `opts.train` holds the other settings).
#[allow(clippy::too_many_arguments)]
pub fn tune(
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    grid: &Grid,
    criterion: Criterion,
    target_fpr: f64,
    source: &str,
    progress: &Progress,
) -> Result<(TuneReport, TuneTimings)> {
    opts.check()?;
    grid.check()?;
    if !data.is_binary() {
        return Err(Error::param(
            "tune",
            "multi-class",
            "the search is for two-class models",
        ));
    }
    let started = std::time::Instant::now();
    let n = data.len();
    let labels = &data.labels();
    let (plans, n_groups) = crate::pipeline::folds::first_repeat_plans(labels, info, opts, source)?;
    let settings = grid.settings();
    let mut fold_of_row = vec![usize::MAX; n];
    for (_, f, _, test) in &plans {
        for &i in test {
            fold_of_row[i] = *f;
        }
    }
    let search = Search {
        data,
        info,
        labels,
        opts,
        grid,
        settings: &settings,
        plans: &plans,
        source,
    };
    let fits = search.fit_all(progress)?;
    let held_out = HeldOut {
        data,
        info,
        labels,
        opts,
        fold_of_row: &fold_of_row,
        criterion,
        target_fpr,
    };
    let mut results = Vec::with_capacity(settings.len());
    for (k, s) in settings.into_iter().enumerate() {
        let iterations = fits.iterations[k] as f64 / plans.len().max(1) as f64;
        results.push(held_out.result(s, &fits.decision[k], iterations, fits.converged[k])?);
    }
    let best = best_setting(&results);
    let [negatives, positives] = data.class_counts();
    Ok((
        TuneReport {
            trollwatch_version: env!("CARGO_PKG_VERSION").into(),
            source: crate::pipeline::config::source_name(source),
            rows: n as u64,
            positives,
            negatives,
            folds: opts.folds,
            group_by: opts.group_by.clone(),
            groups: n_groups,
            seed: opts.seed,
            target_fpr,
            criterion,
            grid: grid.clone(),
            results,
            best,
        },
        TuneTimings {
            elapsed_seconds: started.elapsed().as_secs_f64(),
            fits: fits.fits,
        },
    ))
}

/// The grid's settings in grid order: n-grams, cap, class weight, then C.
impl Grid {
    fn settings(&self) -> Vec<Setting> {
        let mut settings: Vec<Setting> = Vec::with_capacity(self.len());
        for &ngrams in &self.ngrams {
            for &max_features in &self.max_features {
                for &class_weight in &self.class_weight {
                    for &c in &self.c {
                        settings.push(Setting {
                            c,
                            ngrams,
                            max_features,
                            class_weight,
                        });
                    }
                }
            }
        }
        settings
    }
}

/// What the search fits over.
struct Search<'a> {
    data: &'a Labeled,
    info: &'a RowInfo,
    labels: &'a [bool],
    opts: &'a EvalOptions,
    grid: &'a Grid,
    settings: &'a [Setting],
    plans: &'a [crate::pipeline::folds::FoldPlan],
    source: &'a str,
}

/// Every setting's out-of-fold decision values and fit statistics.
struct GridFits {
    /// Per setting, per row (NaN where a row is in no test fold).
    decision: Vec<Vec<f64>>,
    /// Per setting, iterations summed over the folds.
    iterations: Vec<u64>,
    converged: Vec<bool>,
    fits: usize,
}

impl Search<'_> {
    /// Fits every setting on every fold: the posts are tokenized once per n-gram range and
    /// vectorized once per fold and term cap, then each setting of that range and cap fitted.
    fn fit_all(&self, progress: &Progress) -> Result<GridFits> {
        let Search {
            data,
            info,
            labels,
            opts,
            grid,
            settings,
            plans,
            source,
        } = *self;
        let n = data.len();
        let mut decision = vec![vec![f64::NAN; n]; settings.len()];
        let mut iterations = vec![0u64; settings.len()];
        let mut converged = vec![true; settings.len()];
        let bar = progress.bar((settings.len() * plans.len()) as u64, "tuning");
        let mut fits = 0;
        for &ngrams in &grid.ngrams {
            let mut cfg = opts.train.clone();
            cfg.vectorizer.ngram_min = ngrams.0;
            cfg.vectorizer.ngram_max = ngrams.1;
            let corpus = crate::pipeline::folds::tokenize_all(
                &data.texts,
                &cfg,
                source,
                &Progress::hidden(),
            )?;
            for (_, fold, train, test) in plans {
                for &cap in &grid.max_features {
                    cfg.vectorizer.max_features = cap;
                    let (vectorizer, mut x, _, map) = corpus
                        .fit(cfg.vectorizer.clone(), train)
                        .map_err(|e| e.for_input(source, &format!("fold {}: ", fold + 1)))?;
                    if let Some(d) = &info.dense {
                        d.append_to(&mut x, train);
                    }
                    let mut xt = corpus.matrix(test, &map, &vectorizer);
                    if let Some(d) = &info.dense {
                        d.append_to(&mut xt, test);
                    }
                    for (k, s) in settings.iter().enumerate() {
                        if s.ngrams != ngrams || s.max_features != cap {
                            continue;
                        }
                        bar.set_message(format!("fold {} · {}", fold + 1, s.describe()));
                        let params = s.apply(&cfg).logistic;
                        let (linear, fit) =
                            crate::pipeline::folds::fit_rows(&x, labels, train, info, &params)?;
                        iterations[k] += fit.iterations;
                        converged[k] &= fit.converged;
                        for (r, &row) in test.iter().enumerate() {
                            let (idx, val) = xt.row(r);
                            decision[k][row] = linear.decision(idx, val);
                        }
                        fits += 1;
                        bar.inc(1);
                    }
                }
            }
        }
        bar.finish_and_clear();
        Ok(GridFits {
            decision,
            iterations,
            converged,
            fits,
        })
    }
}

/// What a setting's out-of-fold decision values are judged on.
struct HeldOut<'a> {
    data: &'a Labeled,
    info: &'a RowInfo,
    labels: &'a [bool],
    opts: &'a EvalOptions,
    /// Per row, its test fold (`usize::MAX`: none).
    fold_of_row: &'a [usize],
    criterion: Criterion,
    target_fpr: f64,
}

impl HeldOut<'_> {
    /// A setting's held-out figures and score, with its fit statistics (mean iterations per
    /// fold, whether every fold converged).
    fn result(
        &self,
        s: Setting,
        decision: &[f64],
        iterations: f64,
        converged: bool,
    ) -> Result<SettingResult> {
        let HeldOut {
            data,
            info,
            labels,
            opts,
            fold_of_row,
            criterion,
            target_fpr,
        } = *self;
        let n = data.len();
        let mut o = opts.clone();
        o.target_fpr = Some(target_fpr);
        o.calibration = crate::learn::heldout::Method::None;
        let h = evaluate::heldout_checks(data, info, &o, decision, fold_of_row)?;
        let scored: Vec<usize> = (0..n).filter(|&i| fold_of_row[i] != usize::MAX).collect();
        let d: Vec<f64> = scored.iter().map(|&i| decision[i]).collect();
        let l: Vec<bool> = scored.iter().map(|&i| labels[i]).collect();
        let roc_auc = crate::learn::metrics::roc_auc(&d, &l).ok();
        let (mean_source_auc, worst_source_auc, recall, mean_fpr, worst_fpr, worst_source) =
            match &h {
                Some(h) => (
                    h.mean_source_auc,
                    h.source_auc.iter().flatten().copied().reduce(f64::min),
                    h.recall,
                    h.mean_fpr,
                    h.worst_fpr,
                    h.worst_source.clone(),
                ),
                None => (None, None, None, None, None, None),
            };
        let score = match criterion {
            Criterion::MeanSourceAuc => mean_source_auc.or(roc_auc),
            Criterion::Recall => recall,
            Criterion::RocAuc => roc_auc,
        };
        Ok(SettingResult {
            setting: s,
            roc_auc,
            mean_source_auc,
            worst_source_auc,
            recall,
            mean_fpr,
            worst_fpr,
            worst_source,
            score,
            iterations,
            converged,
        })
    }
}

/// The best score; ties go to the earlier setting (smaller C within a series).
fn best_setting(results: &[SettingResult]) -> Option<usize> {
    results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.score.filter(|s| s.is_finite()).map(|s| (i, s)))
        .fold(None, |b: Option<(usize, f64)>, (i, s)| match b {
            Some((_, bs)) if bs >= s => b,
            _ => Some((i, s)),
        })
        .map(|b| b.0)
}

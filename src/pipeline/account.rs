//! Account-level scores: each account's post scores aggregated (mean, max, share over the
//! threshold), its coordination statistics when the batch was analysed for them, and an
//! account model — a logistic regression on these few dense features, fitted with
//! linfa-logistic — that turns them into one probability per account.

use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::coordination::graph::Graph;
use crate::coordination::input::Posts;
use crate::error::{Error, Result};

/// Coordination statistics of one account over the batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordStats {
    /// Posts with a coordinated partner of any kind.
    pub coordinated_posts: u32,
    pub share_coordinated: f64,
    /// Accounts it shares an edge with.
    pub degree: u32,
    /// Largest weight of its edges.
    pub max_edge_weight: u32,
    /// Its cluster (0 = none) and the cluster's size.
    pub cluster: u32,
    pub cluster_size: u32,
}

/// One account of a scored batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountScore {
    pub account: String,
    pub posts: u32,
    pub mean_score: f64,
    /// The mean score shrunk toward the batch's mean post score μ as if the account had
    /// `m` more posts at μ: (Σ scores + m·μ) / (posts + m) (see [`shrink`]); the mean score
    /// until then.
    pub shrunk_score: f64,
    pub max_score: f64,
    /// Share of its posts scoring at or above the threshold.
    pub share_flagged: f64,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub coordination: Option<CoordStats>,
    /// The account model's probability, when the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_score: Option<f64>,
}

impl AccountScore {
    /// The account model's inputs: mean, max, share flagged, ln(1 + posts), and with
    /// coordination the share coordinated, ln(1 + degree), ln(1 + largest edge weight).
    pub fn features(&self) -> Vec<f64> {
        let mut f = vec![
            self.mean_score,
            self.max_score,
            self.share_flagged,
            f64::from(self.posts).ln_1p(),
        ];
        if let Some(c) = &self.coordination {
            f.extend([
                c.share_coordinated,
                f64::from(c.degree).ln_1p(),
                f64::from(c.max_edge_weight).ln_1p(),
            ]);
        }
        f
    }
}

/// Names of [`AccountScore::features`].
pub fn feature_names(coordination: bool) -> Vec<String> {
    let mut n = vec!["mean_score", "max_score", "share_flagged", "log_posts"];
    if coordination {
        n.extend(["share_coordinated", "log_degree", "log_max_edge_weight"]);
    }
    n.into_iter().map(String::from).collect()
}

/// Aggregates post scores by account, accounts sorted by name. Rows whose account is empty
/// are left out (they are no account). With `coordination` (an analysis of the same accounts),
/// each account gets its coordination statistics.
pub fn aggregate(
    authors: &[&str],
    scores: &[f64],
    threshold: f64,
    coordination: Option<(&Posts, &Graph)>,
) -> Vec<AccountScore> {
    let mut agg = Aggregator::default();
    for (a, &s) in authors.iter().zip(scores) {
        agg.add(a, s, threshold);
    }
    agg.finish(coordination)
}

/// Running per-account sums of post scores, fed post by post in input order: memory grows
/// with the accounts, not the posts. [`Aggregator::finish`] gives what [`aggregate`] gives
/// for the same posts.
#[derive(Debug, Default)]
pub struct Aggregator {
    accounts: std::collections::HashMap<String, Running>,
    unnamed: u64,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    posts: u32,
    sum: f64,
    max: f64,
    flagged: u32,
}

impl Aggregator {
    /// Adds one scored post of `author` (an empty name is counted, not aggregated); a post
    /// is flagged at `score >= threshold`.
    pub fn add(&mut self, author: &str, score: f64, threshold: f64) {
        if author.is_empty() {
            self.unnamed += 1;
            return;
        }
        let r = match self.accounts.get_mut(author) {
            Some(r) => r,
            None => self.accounts.entry(author.to_string()).or_insert(Running {
                posts: 0,
                sum: 0.0,
                max: f64::NEG_INFINITY,
                flagged: 0,
            }),
        };
        r.posts += 1;
        r.sum += score;
        r.max = r.max.max(score);
        r.flagged += u32::from(score >= threshold);
    }

    /// Posts added without an account.
    pub fn unnamed(&self) -> u64 {
        self.unnamed
    }

    /// The accounts, sorted by name; with `coordination`, each account's statistics there
    /// (found by name; none when the analysis lacks the account).
    pub fn finish(self, coordination: Option<(&Posts, &Graph)>) -> Vec<AccountScore> {
        let cluster_sizes: Vec<u32> = coordination
            .map(|(_, g)| g.clusters.iter().map(|c| c.accounts.len() as u32).collect())
            .unwrap_or_default();
        let mut accounts: Vec<(String, Running)> = self.accounts.into_iter().collect();
        accounts.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        accounts
            .into_iter()
            .map(|(account, r)| {
                let n = f64::from(r.posts);
                let coord = coordination.map(|(posts, g)| {
                    let st = posts
                        .author_names
                        .binary_search(&account)
                        .ok()
                        .map(|i| g.accounts[i].clone())
                        .unwrap_or_default();
                    CoordStats {
                        coordinated_posts: st.coordinated_posts,
                        share_coordinated: f64::from(st.coordinated_posts)
                            / f64::from(st.posts.max(1)),
                        degree: st.degree,
                        max_edge_weight: st.max_weight,
                        cluster: st.cluster,
                        cluster_size: match st.cluster {
                            0 => 0,
                            c => cluster_sizes[c as usize - 1],
                        },
                    }
                });
                AccountScore {
                    account,
                    posts: r.posts,
                    mean_score: r.sum / n,
                    shrunk_score: r.sum / n,
                    max_score: r.max,
                    share_flagged: f64::from(r.flagged) / n,
                    coordination: coord,
                    account_score: None,
                }
            })
            .collect()
    }
}

/// Sets every account's shrunk score: its mean post score pulled toward the mean of all the
/// posts, μ, as if it had `m` more posts scoring μ, so that an account of one post at 1.0
/// does not outrank one of a hundred at 0.99 (with m = 5 and μ = 0.5: 0.58 against 0.97).
/// `m = 0` leaves the mean.
pub fn shrink(accounts: &mut [AccountScore], m: f64) {
    let posts: f64 = accounts.iter().map(|a| f64::from(a.posts)).sum();
    if posts == 0.0 {
        return;
    }
    let mu = accounts
        .iter()
        .map(|a| a.mean_score * f64::from(a.posts))
        .sum::<f64>()
        / posts;
    for a in accounts {
        let n = f64::from(a.posts);
        a.shrunk_score = (a.mean_score * n + m * mu) / (n + m);
    }
}

/// A logistic regression over [`AccountScore::features`], stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountModel {
    pub features: Vec<String>,
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// L2 penalty it was fitted with.
    pub alpha: f64,
    /// Training accounts: how many, how many positive (the majority of their posts are).
    pub accounts: u64,
    pub positives: u64,
    /// Folds (grouped by account) that produced the out-of-fold post scores it learned from.
    pub folds: usize,
    /// ROC-AUC on its training accounts, of the account model and of the mean post score alone.
    pub train_auc: f64,
    pub mean_score_auc: f64,
    /// Account-level ROC-AUC and PR-AUC (average precision) of the account model scored out
    /// of fold (`folds` folds of accounts, stratified, each scored by a model fitted on the
    /// others), and the PR-AUC of the mean post score alone: the honest figures, which
    /// `train_auc` is not. Absent in models written before they were measured, or when a
    /// fold could not be fitted (too few accounts of a class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oof: Option<AccountMetrics>,
}

/// Out-of-fold account-level metrics of an account model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AccountMetrics {
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub mean_score_pr_auc: f64,
}

impl AccountModel {
    pub fn probability(&self, features: &[f64]) -> f64 {
        let z = self.intercept
            + self
                .weights
                .iter()
                .zip(features)
                .map(|(w, x)| w * x)
                .sum::<f64>();
        crate::learn::logistic::sigmoid(z)
    }

    /// Checks that the stored model fits the features it will be given.
    pub fn check(&self, coordination: bool) -> std::result::Result<(), String> {
        let want = feature_names(coordination);
        if self.features != want || self.weights.len() != want.len() {
            return Err(format!(
                "its account model expects features {:?}, but the post model gives {:?}",
                self.features, want
            ));
        }
        if !self.intercept.is_finite() || self.weights.iter().any(|w| !w.is_finite()) {
            return Err("its account model has a weight that is not a finite number".into());
        }
        Ok(())
    }
}

/// Fits the account model with linfa-logistic. `accounts` hold out-of-fold post scores;
/// `positive[i]` says whether account i is a positive (a majority of positive posts).
pub fn fit(
    accounts: &[AccountScore],
    positive: &[bool],
    alpha: f64,
    folds: usize,
) -> Result<AccountModel> {
    let pos = positive.iter().filter(|&&p| p).count();
    if pos == 0 || pos == positive.len() {
        return Err(Error::Training(format!(
            "the account model needs accounts of both classes; the {} accounts with a name are \
             all {}",
            positive.len(),
            if pos == 0 { "negative" } else { "positive" }
        )));
    }
    let coordination = accounts.first().is_some_and(|a| a.coordination.is_some());
    let names = feature_names(coordination);
    let features: Vec<Vec<f64>> = accounts.iter().map(|a| a.features()).collect();
    let all: Vec<usize> = (0..accounts.len()).collect();
    let (weights, intercept) = fit_rows(&features, positive, &all, alpha)?;
    let model = AccountModel {
        features: names,
        weights,
        intercept,
        alpha,
        accounts: accounts.len() as u64,
        positives: pos as u64,
        folds,
        train_auc: 0.0,
        mean_score_auc: 0.0,
        oof: None,
    };
    let probs: Vec<f64> = features.iter().map(|f| model.probability(f)).collect();
    let means: Vec<f64> = accounts.iter().map(|a| a.mean_score).collect();
    let auc = |s: &[f64]| crate::learn::metrics::roc_auc(s, positive).unwrap_or(f64::NAN);
    let oof = out_of_fold(&features, positive, folds, alpha).map(|scores| AccountMetrics {
        roc_auc: auc(&scores),
        pr_auc: crate::learn::metrics::average_precision(&scores, positive).unwrap_or(f64::NAN),
        mean_score_pr_auc: crate::learn::metrics::average_precision(&means, positive)
            .unwrap_or(f64::NAN),
    });
    Ok(AccountModel {
        train_auc: auc(&probs),
        mean_score_auc: auc(&means),
        oof,
        ..model
    })
}

/// The logistic regression of the accounts `rows` (linfa-logistic): its weights and
/// intercept toward the positive class.
fn fit_rows(
    features: &[Vec<f64>],
    positive: &[bool],
    rows: &[usize],
    alpha: f64,
) -> Result<(Vec<f64>, f64)> {
    let width = features.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|&i| features[i].iter().copied())
        .collect();
    let x = Array2::from_shape_vec((rows.len(), width), flat)
        .map_err(|e| Error::Training(format!("account features: {e}")))?;
    let targets: Array1<&str> = rows
        .iter()
        .map(|&i| if positive[i] { "pos" } else { "neg" })
        .collect();
    let ds = Dataset::new(x, targets);
    let fitted = linfa_logistic::LogisticRegression::default()
        .alpha(alpha)
        .gradient_tolerance(1e-8)
        .max_iterations(1000)
        .fit(&ds)
        .map_err(|e| Error::Training(format!("fitting the account model: {e}")))?;
    // linfa-logistic's positive class is the more frequent one, whatever its name.
    let sign = if fitted.labels().pos.class == "pos" {
        1.0
    } else {
        -1.0
    };
    Ok((
        fitted.params().iter().map(|w| sign * w).collect(),
        sign * fitted.intercept(),
    ))
}

/// Each account's probability from an account model fitted without its fold: `folds` folds
/// stratified by class (the i-th account of a class, in name order, in fold i mod folds).
/// `None` when a fold's training part lacks a class or a fit fails.
fn out_of_fold(
    features: &[Vec<f64>],
    positive: &[bool],
    folds: usize,
    alpha: f64,
) -> Option<Vec<f64>> {
    let folds = folds.max(2);
    let mut fold_of = vec![0usize; positive.len()];
    let mut seen = [0usize; 2];
    for (i, &p) in positive.iter().enumerate() {
        fold_of[i] = seen[usize::from(p)] % folds;
        seen[usize::from(p)] += 1;
    }
    let mut scores = vec![f64::NAN; positive.len()];
    for f in 0..folds {
        let train: Vec<usize> = (0..positive.len()).filter(|&i| fold_of[i] != f).collect();
        let pos = train.iter().filter(|&&i| positive[i]).count();
        if pos == 0 || pos == train.len() {
            return None;
        }
        let (weights, intercept) = fit_rows(features, positive, &train, alpha).ok()?;
        for i in (0..positive.len()).filter(|&i| fold_of[i] == f) {
            let z: f64 = intercept
                + weights
                    .iter()
                    .zip(&features[i])
                    .map(|(w, x)| w * x)
                    .sum::<f64>();
            scores[i] = crate::learn::logistic::sigmoid(z);
        }
    }
    Some(scores)
}

/// Fits the account model of a labeled file: out-of-fold post scores from `folds` folds
/// grouped by account (`info.groups`, the author column), aggregated per account with the
/// coordination statistics of `info.coordination` when there are any, then [`fit`]. Rows
/// without an account are left out; an account is positive when most of its posts are.
pub fn fit_out_of_fold(
    data: &crate::text::dataset::Labeled,
    info: &crate::pipeline::folds::RowInfo,
    config: &crate::pipeline::config::TrainConfig,
    folds: usize,
    seed: u64,
    source: &str,
    progress: &crate::util::progress::Progress,
) -> Result<AccountModel> {
    use crate::pipeline::folds::EvalOptions;
    let authors = info
        .groups
        .as_ref()
        .ok_or_else(|| Error::param("author-col", "(none)", "the account column was not read"))?;
    let opts = EvalOptions::stratified(
        folds,
        Some("account".into()),
        seed,
        config.threshold.unwrap_or(0.5),
        config.clone(),
    );
    let (_, oof, _) = crate::pipeline::evaluate::evaluate(data, info, &opts, source, progress)?;
    let mut scores = vec![f64::NAN; data.len()];
    for o in &oof {
        scores[o.row] = o.score;
    }
    // Rows a fold could not score (a fold with one class) are left out with the unnamed.
    let names: Vec<&str> = authors
        .iter()
        .zip(&scores)
        .map(|(a, s)| if s.is_nan() { "" } else { a.as_str() })
        .collect();
    let accounts = aggregate(
        &names,
        &scores,
        opts.threshold,
        info.coordination.as_ref().map(|(p, g)| (p, g)),
    );
    // Positive share per account, in the same (name) order.
    let mut order: Vec<usize> = (0..names.len()).filter(|&i| !names[i].is_empty()).collect();
    order.sort_by(|&a, &b| names[a].cmp(names[b]).then(a.cmp(&b)));
    let positive: Vec<bool> = order
        .chunk_by(|&a, &b| names[a] == names[b])
        .map(|g| 2 * g.iter().filter(|&&i| data.is_positive(i)).count() > g.len())
        .collect();
    fit(&accounts, &positive, ACCOUNT_ALPHA, folds)
}

/// L2 penalty of the account model: a handful of features over hundreds of accounts or more.
pub const ACCOUNT_ALPHA: f64 = 1.0;

#[cfg(test)]
mod tests {
    #[test]
    fn shrinking_pulls_few_posts_toward_the_batch_mean() {
        let row = |account: &str, posts: u32, mean: f64| super::AccountScore {
            account: account.into(),
            posts,
            mean_score: mean,
            shrunk_score: mean,
            max_score: mean,
            share_flagged: 0.0,
            coordination: None,
            account_score: None,
        };
        // μ = (1.0 + 106 · 0.99 + 93 · 0.2) / 200.
        let mut a = vec![
            row("one", 1, 1.0),
            row("many", 106, 0.99),
            row("rest", 93, 0.2),
        ];
        let mu = (1.0 + 106.0 * 0.99 + 93.0 * 0.2) / 200.0;
        super::shrink(&mut a, 5.0);
        assert!((a[0].shrunk_score - (1.0 + 5.0 * mu) / 6.0).abs() < 1e-12);
        assert!((a[1].shrunk_score - (106.0 * 0.99 + 5.0 * mu) / 111.0).abs() < 1e-12);
        assert!(a[1].shrunk_score > a[0].shrunk_score);
        super::shrink(&mut a, 0.0);
        assert_eq!(a[0].shrunk_score, 1.0);
    }

    use super::*;

    #[test]
    fn account_model_round_trips_exactly_through_json() {
        let m = AccountModel {
            features: feature_names(true),
            weights: vec![
                0.1 + 0.2,
                -1.0 / 3.0,
                2.0_f64.sqrt(),
                1e-300,
                5e-324,
                -0.0,
                7.0,
            ],
            intercept: std::f64::consts::PI * 1e10,
            alpha: 1.0,
            accounts: 3,
            positives: 1,
            folds: 5,
            train_auc: 0.987654321012345,
            mean_score_auc: 2.0 / 3.0,
            oof: Some(AccountMetrics {
                roc_auc: 0.1 + 0.7,
                pr_auc: 1.0 / 7.0,
                mean_score_pr_auc: 0.3,
            }),
        };
        let back: AccountModel = serde_json::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        for (a, b) in back.weights.iter().zip(&m.weights) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn aggregates_by_account() {
        let authors = ["b", "a", "", "b", "a", "b"];
        let scores = [0.9, 0.2, 0.99, 0.7, 0.4, 0.2];
        let acc = aggregate(&authors, &scores, 0.5, None);
        assert_eq!(acc.len(), 2);
        assert_eq!(acc[0].account, "a");
        assert_eq!(acc[0].posts, 2);
        assert!((acc[0].mean_score - 0.3).abs() < 1e-12);
        assert_eq!(acc[0].max_score, 0.4);
        assert_eq!(acc[0].share_flagged, 0.0);
        assert_eq!(acc[1].account, "b");
        assert_eq!(acc[1].posts, 3);
        assert!((acc[1].share_flagged - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(acc[1].features().len(), 4);
    }

    #[test]
    fn account_model_separates_and_keeps_the_sign() {
        // Positive accounts have high scores: the model must rank them first, whichever class
        // linfa takes for its "positive" (here the negatives are the majority).
        let mut accounts = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60 {
            let p = i % 3 == 0;
            let m = if p { 0.6 } else { 0.3 } + (i % 7) as f64 * 0.03;
            accounts.push(AccountScore {
                account: format!("u{i}"),
                posts: 5 + (i % 4) as u32,
                mean_score: m,
                shrunk_score: m,
                max_score: (m + 0.2).min(1.0),
                share_flagged: if p { 0.6 } else { 0.2 },
                coordination: None,
                account_score: None,
            });
            labels.push(p);
        }
        let m = fit(&accounts, &labels, 0.1, 5).unwrap();
        assert_eq!(m.positives, 20);
        assert!(m.train_auc > 0.95, "{m:?}");
        // Out of fold, scored by models that never saw the account: still separable here.
        let oof = m
            .oof
            .expect("five folds of 12 accounts each hold both classes");
        assert!(oof.roc_auc > 0.9 && oof.pr_auc > 0.8, "{oof:?}");
        // Labels unrelated to the features: out of fold, about chance; training is flattered.
        let noise: Vec<bool> = (0..60).map(|i| (i * 7 + 3) % 5 < 2).collect();
        let n = fit(&accounts, &noise, 0.1, 5).unwrap();
        let o = n.oof.expect("both classes in every fold");
        assert!(
            o.roc_auc < 0.7 && o.roc_auc < n.train_auc,
            "{o:?} vs train {}",
            n.train_auc
        );
        // A fold without positives in its training part gives no out-of-fold figures.
        let mut one = vec![false; 60];
        one[0] = true;
        assert!(fit(&accounts, &one, 0.1, 5).unwrap().oof.is_none());
        let hi = m.probability(&accounts[0].features());
        let lo = m.probability(&accounts[1].features());
        assert!(hi > 0.5 && lo < 0.5, "{hi} {lo}");
        assert!(m.check(false).is_ok());
        assert!(m.check(true).is_err());
        assert!(fit(&accounts, &[false; 60], 0.1, 5).is_err());
    }
}

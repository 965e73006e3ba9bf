//! Binary classification metrics computed from scores and labels: ranking (ROC-AUC with ties
//! counted as half, average precision), probability quality (log-loss, Brier, calibration),
//! and decisions at a threshold (confusion matrix, accuracy, precision, recall, F1, MCC), plus
//! the curves and threshold advice an analyst reads. Positive = the troll class (`true`).
//! It owns the arithmetic only; folds, models and reports live elsewhere.

use serde::{Deserialize, Serialize};

/// A metric that cannot be computed on these rows (e.g. ROC-AUC with one class present).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error("{metric} needs both classes (positive and negative), but all {present} rows belong to one class")]
    SingleClass {
        metric: &'static str,
        present: usize,
    },
    #[error("{metric} needs at least one row")]
    Empty { metric: &'static str },
    #[error("{metric}: scores and labels differ in length ({scores} vs {labels})")]
    Length {
        metric: &'static str,
        scores: usize,
        labels: usize,
    },
}

/// Counts at a threshold (predicted positive when score >= threshold).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// Every per-fold metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub mcc: f64,
    pub threshold: f64,
    pub confusion: Confusion,
}

/// The per-fold metrics by name, in the order reports list them.
pub const METRIC_NAMES: [&str; 9] = [
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "mcc",
];

impl BinaryMetrics {
    /// A metric by its name in `METRIC_NAMES`.
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "roc_auc" => self.roc_auc,
            "pr_auc" => self.pr_auc,
            "log_loss" => self.log_loss,
            "brier" => self.brier,
            "accuracy" => self.accuracy,
            "precision" => self.precision,
            "recall" => self.recall,
            "f1" => self.f1,
            "mcc" => self.mcc,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    pub fpr: f64,
    pub tpr: f64,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    pub recall: f64,
    pub precision: f64,
    pub threshold: f64,
}

/// One bin of predicted probability: its range, how many rows fell in it, their mean
/// prediction and the observed share of positives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Score histogram per class over equal-width bins of [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreHistogram {
    pub edges: Vec<f64>,
    pub positives: Vec<u64>,
    pub negatives: Vec<u64>,
}

/// Threshold advice from a set of scored rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdAdvice {
    /// Threshold that maximizes F1, and the precision, recall and F1 there.
    pub best_f1_threshold: f64,
    pub best_f1: f64,
    pub best_f1_precision: f64,
    pub best_f1_recall: f64,
    /// The lowest threshold whose precision reaches the target, with the recall it gives
    /// (None when no threshold reaches it).
    pub target_precision: Option<TargetPrecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetPrecision {
    pub target: f64,
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
}

/// Recall within one category of positives (e.g. one troll type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryRecall {
    pub category: String,
    pub positives: u64,
    pub detected: u64,
    pub recall: f64,
}

/// Mean and sample standard deviation (n - 1) of a metric across folds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

// ---------------------------------------------------------------------------------------------
// Conventions shared by every function below:
//
// * `labels[i] == true` is the positive (troll) class; `scores[i]` is its predicted
//   probability. A row is predicted positive when `score >= threshold`.
// * Precision, recall, F1 and MCC whose denominator is zero are 0.0 (scikit-learn's
//   `zero_division=0`); so is accuracy of an empty confusion matrix.
// * Everything that ranks rows sorts once (O(n log n)) and then walks groups of tied scores, so
//   tied scores always form one threshold and the result does not depend on row order (up to
//   the last bits of the compensated sums in log-loss and Brier).
// * Scores are expected to be finite. A NaN score is never predicted positive and ranks below
//   every number; -0.0 ties with 0.0.
// ---------------------------------------------------------------------------------------------

/// Clipping of probabilities in [`log_loss`]: p is clamped to `[EPS, 1 - EPS]`.
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Metric name used in errors from functions that need both classes and refuse one-class input.
const RANKING: &str = "ROC-AUC";

fn check_rows(metric: &'static str, scores: &[f64], labels: &[bool]) -> Result<(), MetricError> {
    if scores.len() != labels.len() {
        return Err(MetricError::Length {
            metric,
            scores: scores.len(),
            labels: labels.len(),
        });
    }
    if scores.is_empty() {
        return Err(MetricError::Empty { metric });
    }
    Ok(())
}

/// Counts of (positives, negatives); `Err(SingleClass)` unless both are present.
fn check_both_classes(metric: &'static str, labels: &[bool]) -> Result<(u64, u64), MetricError> {
    let pos = labels.iter().filter(|&&l| l).count() as u64;
    let neg = labels.len() as u64 - pos;
    if pos == 0 || neg == 0 {
        return Err(MetricError::SingleClass {
            metric,
            present: labels.len(),
        });
    }
    Ok((pos, neg))
}

/// The key rows are ranked by: NaN ranks lowest, -0.0 is 0.0, so `==` on keys is a total
/// equivalence that agrees with `total_cmp`.
fn rank_key(s: f64) -> f64 {
    if s.is_nan() {
        f64::NEG_INFINITY
    } else if s == 0.0 {
        0.0
    } else {
        s
    }
}

/// One group of rows sharing a score.
#[derive(Debug, Clone, Copy)]
struct Tie {
    score: f64,
    pos: u64,
    neg: u64,
}

/// Groups of tied scores, highest score first. The only sort in this module.
fn ties_descending(scores: &[f64], labels: &[bool]) -> Vec<Tie> {
    let mut rows: Vec<(f64, bool)> = scores
        .iter()
        .zip(labels)
        .map(|(&s, &l)| (rank_key(s), l))
        .collect();
    rows.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let mut ties: Vec<Tie> = Vec::new();
    for (score, label) in rows {
        let tie = match ties.last_mut() {
            Some(t) if t.score == score => t,
            _ => {
                ties.push(Tie {
                    score,
                    pos: 0,
                    neg: 0,
                });
                ties.last_mut().expect("just pushed")
            }
        };
        if label {
            tie.pos += 1;
        } else {
            tie.neg += 1;
        }
    }
    ties
}

/// Compensated (Neumaier) summation, so means over millions of rows keep their digits.
#[derive(Default)]
struct Sum {
    sum: f64,
    comp: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn total(&self) -> f64 {
        self.sum + self.comp
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Counts at `threshold` (predicted positive when `score >= threshold`; a NaN score or a NaN
/// threshold predicts negative). `Err` on a length mismatch or no rows.
pub fn confusion(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<Confusion, MetricError> {
    check_rows("confusion matrix", scores, labels)?;
    Ok(confusion_unchecked(scores, labels, threshold))
}

fn confusion_unchecked(scores: &[f64], labels: &[bool], threshold: f64) -> Confusion {
    let mut c = Confusion::default();
    for (&s, &l) in scores.iter().zip(labels) {
        match (s >= threshold, l) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    c
}

impl Confusion {
    /// All rows.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// (tp + tn) / all rows; 0.0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// tp / (tp + fp): the share of flagged rows that are positive; 0.0 when nothing is flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn): the share of positives that are flagged; 0.0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall, computed as 2tp / (2tp + fp + fn); 0.0 when tp = 0.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// Matthews correlation coefficient
    /// (tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)), with the numerator exact in
    /// 128-bit integers and the denominator in f64 (no overflow); 0.0 when any factor of the
    /// denominator is zero (as scikit-learn).
    pub fn mcc(&self) -> f64 {
        let num = (self.tp as u128 * self.tn as u128) as i128
            - (self.fp as u128 * self.fn_ as u128) as i128;
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let den = ((tp + fp) * (tp + fn_)).sqrt() * ((tn + fp) * (tn + fn_)).sqrt();
        if den == 0.0 {
            0.0
        } else {
            (num as f64 / den).clamp(-1.0, 1.0)
        }
    }
}

/// ROC-AUC as the Mann–Whitney statistic: the share of (positive, negative) pairs in which the
/// positive scores higher, a tie counting as half. Exact pair counts (128-bit).
/// `Err(SingleClass)` unless both classes are present.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    check_rows(RANKING, scores, labels)?;
    let (pos, neg) = check_both_classes(RANKING, labels)?;
    Ok(auc_from_ties(&ties_descending(scores, labels), pos, neg))
}

fn auc_from_ties(ties: &[Tie], pos: u64, neg: u64) -> f64 {
    // Twice the number of won pairs, so half-counted ties stay integers.
    let mut twice: u128 = 0;
    let mut neg_above: u64 = 0;
    for t in ties {
        let neg_below = neg - neg_above - t.neg;
        twice += 2 * t.pos as u128 * neg_below as u128 + t.pos as u128 * t.neg as u128;
        neg_above += t.neg;
    }
    twice as f64 / (2 * pos as u128 * neg as u128) as f64
}

/// Average precision (PR-AUC) as scikit-learn defines it: AP = Σ (R_n − R_{n−1}) · P_n over
/// the distinct score thresholds in descending order (tied scores form one threshold), with
/// R_0 = 0. `Err(SingleClass)` unless both classes are present.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    const M: &str = "average precision";
    check_rows(M, scores, labels)?;
    let (pos, _) = check_both_classes(M, labels)?;
    Ok(ap_from_ties(&ties_descending(scores, labels), pos))
}

fn ap_from_ties(ties: &[Tie], pos: u64) -> f64 {
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut ap = Sum::default();
    for t in ties {
        tp += t.pos;
        fp += t.neg;
        if t.pos > 0 {
            ap.add(ratio(t.pos, pos) * ratio(tp, tp + fp));
        }
    }
    ap.total()
}

/// Mean binary cross-entropy −[y·ln p + (1−y)·ln(1−p)], with p clipped to
/// `[LOG_LOSS_EPS, 1 − LOG_LOSS_EPS]`. Defined for one class too; `Err` on no rows or a
/// length mismatch. A NaN score makes the result NaN.
pub fn log_loss(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    check_rows("log-loss", scores, labels)?;
    Ok(log_loss_unchecked(scores, labels))
}

fn log_loss_unchecked(scores: &[f64], labels: &[bool]) -> f64 {
    let mut sum = Sum::default();
    for (&s, &l) in scores.iter().zip(labels) {
        let p = s.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        sum.add(if l { -p.ln() } else { -(-p).ln_1p() });
    }
    sum.total() / scores.len() as f64
}

/// Brier score: mean of (p − y)² with y = 1 for positives, 0 for negatives (no clipping).
/// Defined for one class too; `Err` on no rows or a length mismatch.
pub fn brier(scores: &[f64], labels: &[bool]) -> Result<f64, MetricError> {
    check_rows("Brier score", scores, labels)?;
    Ok(brier_unchecked(scores, labels))
}

fn brier_unchecked(scores: &[f64], labels: &[bool]) -> f64 {
    let mut sum = Sum::default();
    for (&s, &l) in scores.iter().zip(labels) {
        let d = s - if l { 1.0 } else { 0.0 };
        sum.add(d * d);
    }
    sum.total() / scores.len() as f64
}

/// Every metric of one set of rows, with the decision metrics at `threshold`.
/// `Err(SingleClass)` when only one class is present (ROC-AUC and PR-AUC are undefined then),
/// `Err(Empty)` / `Err(Length)` as the other functions.
pub fn binary_metrics(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> Result<BinaryMetrics, MetricError> {
    check_rows(RANKING, scores, labels)?;
    let (pos, neg) = check_both_classes(RANKING, labels)?;
    let ties = ties_descending(scores, labels);
    let confusion = confusion_unchecked(scores, labels, threshold);
    Ok(BinaryMetrics {
        roc_auc: auc_from_ties(&ties, pos, neg),
        pr_auc: ap_from_ties(&ties, pos),
        log_loss: log_loss_unchecked(scores, labels),
        brier: brier_unchecked(scores, labels),
        accuracy: confusion.accuracy(),
        precision: confusion.precision(),
        recall: confusion.recall(),
        f1: confusion.f1(),
        mcc: confusion.mcc(),
        threshold,
        confusion,
    })
}

/// Keeps at most `max_points` of `points` (values below 2 count as 2), evenly spaced by index
/// and always including the first and the last, so a monotone curve stays monotone.
fn thin<T: Copy>(points: Vec<T>, max_points: usize) -> Vec<T> {
    let m = max_points.max(2);
    let len = points.len();
    if len <= m {
        return points;
    }
    let span = (len - 1) as u128;
    let steps = (m - 1) as u128;
    // Step span/steps > 1, so the rounded indices are strictly increasing.
    (0..m as u128)
        .map(|k| points[((k * span + steps / 2) / steps) as usize])
        .collect()
}

/// ROC curve: (fpr, tpr) at each distinct score threshold, descending, from (0, 0) to (1, 1).
/// The first point (0, 0) stands for "above every score" (scikit-learn uses +inf there); its
/// threshold is recorded as 1.0 to stay JSON-safe. The last point is at the lowest score, where
/// every row is flagged: (1, 1). With more than `max_points` points the curve is thinned evenly
/// (first and last always kept). `Err(SingleClass)` unless both classes are present.
pub fn roc_curve(
    scores: &[f64],
    labels: &[bool],
    max_points: usize,
) -> Result<Vec<RocPoint>, MetricError> {
    const M: &str = "ROC curve";
    check_rows(M, scores, labels)?;
    let (pos, neg) = check_both_classes(M, labels)?;
    let ties = ties_descending(scores, labels);
    let mut points = Vec::with_capacity(ties.len() + 1);
    points.push(RocPoint {
        fpr: 0.0,
        tpr: 0.0,
        threshold: 1.0,
    });
    let (mut tp, mut fp) = (0u64, 0u64);
    for t in &ties {
        tp += t.pos;
        fp += t.neg;
        points.push(RocPoint {
            fpr: ratio(fp, neg),
            tpr: ratio(tp, pos),
            threshold: t.score,
        });
    }
    Ok(thin(points, max_points))
}

/// Precision–recall curve: one point per distinct score threshold, thresholds descending, so
/// recall is non-decreasing; no artificial (recall 0, precision 1) point is added. Thinned like
/// [`roc_curve`]. `Err(SingleClass)` unless both classes are present.
pub fn pr_curve(
    scores: &[f64],
    labels: &[bool],
    max_points: usize,
) -> Result<Vec<PrPoint>, MetricError> {
    const M: &str = "PR curve";
    check_rows(M, scores, labels)?;
    let (pos, _) = check_both_classes(M, labels)?;
    let ties = ties_descending(scores, labels);
    let (mut tp, mut fp) = (0u64, 0u64);
    let points = ties
        .iter()
        .map(|t| {
            tp += t.pos;
            fp += t.neg;
            PrPoint {
                recall: ratio(tp, pos),
                precision: ratio(tp, tp + fp),
                threshold: t.score,
            }
        })
        .collect();
    Ok(thin(points, max_points))
}

/// Threshold advice over the distinct score values (threshold = that score, rows with
/// `score >= threshold` flagged):
/// * the threshold with the best F1 (ties between thresholds go to the higher threshold; F1s
///   are compared exactly as fractions);
/// * with `target_precision = Some(t)`, the LOWEST threshold whose precision is >= t (the most
///   recall at that precision; precision need not be monotone in the threshold), or `None`
///   when no threshold reaches t (always `None` for a NaN target).
///
/// `Err(SingleClass)` unless both classes are present.
pub fn threshold_advice(
    scores: &[f64],
    labels: &[bool],
    target_precision: Option<f64>,
) -> Result<ThresholdAdvice, MetricError> {
    const M: &str = "threshold advice";
    check_rows(M, scores, labels)?;
    let (pos, neg) = check_both_classes(M, labels)?;
    let ties = ties_descending(scores, labels);
    let at = |tp: u64, fp: u64| Confusion {
        tp,
        fp,
        tn: neg - fp,
        fn_: pos - tp,
    };
    // (threshold, tp, fp)
    let mut best: Option<(f64, u64, u64)> = None;
    let mut hit: Option<(f64, u64, u64)> = None;
    let (mut tp, mut fp) = (0u64, 0u64);
    for t in &ties {
        tp += t.pos;
        fp += t.neg;
        // F1 = 2tp / (tp + fp + pos); strictly better only, so the higher threshold wins ties.
        let better = match best {
            None => true,
            Some((_, btp, bfp)) => {
                tp as u128 * (btp + bfp + pos) as u128 > btp as u128 * (tp + fp + pos) as u128
            }
        };
        if better {
            best = Some((t.score, tp, fp));
        }
        if let Some(target) = target_precision {
            if at(tp, fp).precision() >= target {
                hit = Some((t.score, tp, fp));
            }
        }
    }
    let (threshold, btp, bfp) = best.expect("both classes present, so at least one threshold");
    let c = at(btp, bfp);
    Ok(ThresholdAdvice {
        best_f1_threshold: threshold,
        best_f1: c.f1(),
        best_f1_precision: c.precision(),
        best_f1_recall: c.recall(),
        target_precision: target_precision
            .zip(hit)
            .map(|(target, (threshold, tp, fp))| {
                let c = at(tp, fp);
                TargetPrecision {
                    target,
                    threshold,
                    precision: c.precision(),
                    recall: c.recall(),
                }
            }),
    })
}

/// Left edge of bin `i` of `bins` equal-width bins of [0, 1].
fn edge(i: usize, bins: usize) -> f64 {
    i as f64 / bins as f64
}

/// Bin of `s` among `bins` equal-width bins of [0, 1]: bin i holds `edge(i) <= s < edge(i+1)`,
/// the last bin also holds 1.0; scores below 0 go to the first bin, above 1 to the last,
/// NaN to none.
fn bin_of(s: f64, bins: usize) -> Option<usize> {
    if s.is_nan() {
        return None;
    }
    let f = (s * bins as f64).floor();
    let mut i = if f <= 0.0 {
        0
    } else if f >= bins as f64 {
        bins - 1
    } else {
        f as usize
    };
    // Agree exactly with the edges as reported, whatever the rounding of s * bins.
    if i > 0 && s < edge(i, bins) {
        i -= 1;
    } else if i + 1 < bins && s >= edge(i + 1, bins) {
        i += 1;
    }
    Some(i)
}

/// Reliability diagram over `bins` equal-width bins of [0, 1] (0 counts as 1): bin i covers
/// `[i/bins, (i+1)/bins)`, the last bin includes 1.0. Every bin is returned; an empty bin has
/// `count = 0` and `mean_predicted = observed_rate = 0.0` (not NaN, to stay JSON-safe; renderers
/// skip count-0 bins). Rows pair up to the shorter of `scores` and `labels`; NaN scores are
/// skipped, scores outside [0, 1] go to the end bins.
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut acc: Vec<(u64, u64, Sum)> = (0..bins).map(|_| (0, 0, Sum::default())).collect();
    for (&s, &l) in scores.iter().zip(labels) {
        if let Some(i) = bin_of(s, bins) {
            let a = &mut acc[i];
            a.0 += 1;
            a.1 += u64::from(l);
            a.2.add(s);
        }
    }
    acc.iter()
        .enumerate()
        .map(|(i, (count, pos, sum))| CalibrationBin {
            lo: edge(i, bins),
            hi: edge(i + 1, bins),
            count: *count,
            mean_predicted: if *count == 0 {
                0.0
            } else {
                sum.total() / *count as f64
            },
            observed_rate: ratio(*pos, *count),
        })
        .collect()
}

/// Score histogram per class over `bins` equal-width bins of [0, 1] (0 counts as 1), binned as
/// [`calibration`]; `edges` has `bins + 1` entries from 0.0 to 1.0.
pub fn histogram(scores: &[f64], labels: &[bool], bins: usize) -> ScoreHistogram {
    let bins = bins.max(1);
    let mut h = ScoreHistogram {
        edges: (0..=bins).map(|i| edge(i, bins)).collect(),
        positives: vec![0; bins],
        negatives: vec![0; bins],
    };
    for (&s, &l) in scores.iter().zip(labels) {
        if let Some(i) = bin_of(s, bins) {
            if l {
                h.positives[i] += 1;
            } else {
                h.negatives[i] += 1;
            }
        }
    }
    h
}

/// Recall per category of positives at `threshold`: negatives are ignored, so a category with
/// no positives does not appear. Sorted by category name; the empty name (sorted first) is shown
/// as "(none)". Rows pair up to the shortest of the three slices.
pub fn category_recall(
    scores: &[f64],
    labels: &[bool],
    categories: &[String],
    threshold: f64,
) -> Vec<CategoryRecall> {
    let mut by: std::collections::BTreeMap<&str, (u64, u64)> = std::collections::BTreeMap::new();
    for ((&s, &l), c) in scores.iter().zip(labels).zip(categories) {
        if l {
            let e = by.entry(c.as_str()).or_default();
            e.0 += 1;
            e.1 += u64::from(s >= threshold);
        }
    }
    by.into_iter()
        .map(|(c, (positives, detected))| CategoryRecall {
            category: if c.is_empty() {
                "(none)".to_string()
            } else {
                c.to_string()
            },
            positives,
            detected,
            recall: ratio(detected, positives),
        })
        .collect()
}

/// Mean and sample standard deviation (n − 1 denominator) of `values`; sd = 0 for one value,
/// and all zeros (n = 0) for none.
pub fn mean_sd(values: &[f64]) -> MeanSd {
    let n = values.len();
    if n == 0 {
        return MeanSd::default();
    }
    let mut sum = Sum::default();
    values.iter().for_each(|&v| sum.add(v));
    let mean = sum.total() / n as f64;
    let sd = if n == 1 {
        0.0
    } else {
        let mut sq = Sum::default();
        values.iter().for_each(|&v| sq.add((v - mean) * (v - mean)));
        (sq.total() / (n - 1) as f64).sqrt()
    };
    MeanSd { mean, sd, n }
}

/// `np.interp(x, fpr, tpr)` for one curve sorted by fpr: at a run of equal fpr values it takes
/// the last point (the highest tpr); left of the curve the first tpr, right of it the last.
fn interp(x: f64, curve: &[RocPoint]) -> f64 {
    let j = curve.partition_point(|p| p.fpr <= x);
    if j == 0 {
        return curve[0].tpr;
    }
    let j = j - 1;
    let a = curve[j];
    if j + 1 == curve.len() || a.fpr == x {
        return a.tpr;
    }
    let b = curve[j + 1];
    a.tpr + (b.tpr - a.tpr) * (x - a.fpr) / (b.fpr - a.fpr)
}

/// Mean ROC curve across folds, as scikit-learn's cross-validated ROC example: each curve is
/// linearly interpolated (`np.interp` on fpr → tpr) at `grid` evenly spaced fpr values of
/// [0, 1] (values below 2 count as 2), each interpolated curve is pinned to tpr 0 at fpr 0, the
/// tprs are averaged, and the mean is pinned to tpr 1 at fpr 1. Empty curves are skipped; no
/// curves give an empty result. `threshold` is 0.0 on every point (it has no meaning here and
/// NaN is not JSON-safe).
pub fn mean_roc(curves: &[Vec<RocPoint>], grid: usize) -> Vec<RocPoint> {
    let curves: Vec<&Vec<RocPoint>> = curves.iter().filter(|c| !c.is_empty()).collect();
    if curves.is_empty() {
        return Vec::new();
    }
    let grid = grid.max(2);
    let mut points: Vec<RocPoint> = (0..grid)
        .map(|k| {
            let fpr = edge(k, grid - 1);
            let tpr = if k == 0 {
                0.0
            } else {
                let mut sum = Sum::default();
                curves.iter().for_each(|c| sum.add(interp(fpr, c)));
                sum.total() / curves.len() as f64
            };
            RocPoint {
                fpr,
                tpr,
                threshold: 0.0,
            }
        })
        .collect();
    if let Some(last) = points.last_mut() {
        last.tpr = 1.0;
    }
    points
}

/// A metric's name and its mean ± sd over the folds that have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub metric: String,
    #[serde(flatten)]
    pub stat: MeanSd,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rng::SplitMix64;

    const T: bool = true;
    const F: bool = false;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {{
            let (a, b): (f64, f64) = ($a, $b);
            assert!(close(a, b), "{} = {a} but expected {b}", stringify!($a));
        }};
    }

    // Example 1: no ties. P = 3 (0.9, 0.7, 0.6), N = 3 (0.8, 0.5, 0.4).
    const S1: [f64; 6] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const L1: [bool; 6] = [T, F, T, T, F, F];

    // Example 2: ties. P = 2 (0.8, 0.5), N = 3 (0.8, 0.5, 0.2).
    const S2: [f64; 5] = [0.8, 0.8, 0.5, 0.5, 0.2];
    const L2: [bool; 5] = [T, F, T, F, F];

    /// Pseudo-random rows with many ties: scores on a grid of 11 values, positives skewed high.
    fn random_rows(seed: u64, n: usize) -> (Vec<f64>, Vec<bool>) {
        let mut r = SplitMix64::new(seed);
        let mut scores = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let s = r.below(11) as f64 / 10.0;
            // P(positive) grows with the score: 0.1 .. 0.7.
            let label = r.below(100) < 10 + (60.0 * s) as usize;
            scores.push(s);
            labels.push(label);
        }
        (scores, labels)
    }

    fn distinct_desc(scores: &[f64]) -> Vec<f64> {
        let mut d = scores.to_vec();
        d.sort_by(|a, b| b.partial_cmp(a).unwrap());
        d.dedup();
        d
    }

    /// (tp, fp, P, N) at a threshold, by a plain loop.
    fn counts_at(scores: &[f64], labels: &[bool], t: f64) -> (u64, u64, u64, u64) {
        let (mut tp, mut fp, mut p, mut n) = (0, 0, 0, 0);
        for i in 0..scores.len() {
            if labels[i] {
                p += 1;
                if scores[i] >= t {
                    tp += 1;
                }
            } else {
                n += 1;
                if scores[i] >= t {
                    fp += 1;
                }
            }
        }
        (tp, fp, p, n)
    }

    fn brute_auc(scores: &[f64], labels: &[bool]) -> f64 {
        let (mut won, mut pairs) = (0.0, 0.0);
        for i in 0..scores.len() {
            for j in 0..scores.len() {
                if labels[i] && !labels[j] {
                    pairs += 1.0;
                    if scores[i] > scores[j] {
                        won += 1.0;
                    } else if scores[i] == scores[j] {
                        won += 0.5;
                    }
                }
            }
        }
        won / pairs
    }

    fn brute_ap(scores: &[f64], labels: &[bool]) -> f64 {
        let mut ap = 0.0;
        let mut prev_recall = 0.0;
        for t in distinct_desc(scores) {
            let (tp, fp, p, _) = counts_at(scores, labels, t);
            let recall = tp as f64 / p as f64;
            let precision = tp as f64 / (tp + fp) as f64;
            ap += (recall - prev_recall) * precision;
            prev_recall = recall;
        }
        ap
    }

    // ---- confusion and the metrics derived from it ----

    #[test]
    fn confusion_by_hand() {
        // Threshold 0.55 flags 0.9 (T), 0.8 (F), 0.7 (T), 0.6 (T): tp 3, fp 1; unflagged
        // 0.5 (F), 0.4 (F): tn 2, fn 0.
        let c = confusion(&S1, &L1, 0.55).unwrap();
        assert_eq!(
            c,
            Confusion {
                tp: 3,
                fp: 1,
                tn: 2,
                fn_: 0
            }
        );
        // Exactly at a score: 0.7 >= 0.7 is flagged: tp 2 (0.9, 0.7), fp 1, tn 2, fn 1 (0.6).
        let c = confusion(&S1, &L1, 0.7).unwrap();
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 2,
                fn_: 1
            }
        );
        assert_eq!(c.total(), 6);
    }

    #[test]
    fn precision_and_recall_are_not_swapped() {
        // tp 3, fp 1, fn 0: precision = 3 / (3 + 1) = 0.75, recall = 3 / (3 + 0) = 1.
        let c = Confusion {
            tp: 3,
            fp: 1,
            tn: 2,
            fn_: 0,
        };
        assert_close!(c.precision(), 0.75);
        assert_close!(c.recall(), 1.0);
        // Accuracy (3 + 2) / 6; F1 = 2·3 / (2·3 + 1 + 0) = 6/7 = 2·0.75·1 / 1.75.
        assert_close!(c.accuracy(), 5.0 / 6.0);
        assert_close!(c.f1(), 6.0 / 7.0);
        // MCC = (3·2 − 1·0) / sqrt(4·3·3·2) = 6 / sqrt(72) = 1/√2.
        assert_close!(c.mcc(), std::f64::consts::FRAC_1_SQRT_2);
    }

    #[test]
    fn mcc_known_value() {
        // tp 6, fp 2, tn 3, fn 1: numerator 6·3 − 2·1 = 16;
        // denominator sqrt((6+2)(6+1)(3+2)(3+1)) = sqrt(8·7·5·4) = sqrt(1120) ≈ 33.4664;
        // MCC = 16 / 33.4664 ≈ 0.478091.
        let c = Confusion {
            tp: 6,
            fp: 2,
            tn: 3,
            fn_: 1,
        };
        assert_close!(c.mcc(), 16.0 / 1120f64.sqrt());
        assert!((c.mcc() - 0.478091).abs() < 1e-6);
        // Precision 6/8, recall 6/7, accuracy 9/12, F1 = 12 / (12 + 2 + 1) = 0.8.
        assert_close!(c.precision(), 0.75);
        assert_close!(c.recall(), 6.0 / 7.0);
        assert_close!(c.accuracy(), 0.75);
        assert_close!(c.f1(), 0.8);
        // Perfect and inverted predictions.
        assert_close!(
            Confusion {
                tp: 5,
                fp: 0,
                tn: 7,
                fn_: 0
            }
            .mcc(),
            1.0
        );
        assert_close!(
            Confusion {
                tp: 0,
                fp: 7,
                tn: 0,
                fn_: 5
            }
            .mcc(),
            -1.0
        );
    }

    #[test]
    fn mcc_does_not_overflow() {
        // Products of counts overflow u64 here; the value is the same as at 1/1e9 of the scale.
        let big = 1_000_000_000_000u64;
        let c = Confusion {
            tp: 6 * big,
            fp: 2 * big,
            tn: 3 * big,
            fn_: big,
        };
        assert_close!(c.mcc(), 16.0 / 1120f64.sqrt());
    }

    #[test]
    fn zero_denominators_are_zero() {
        // Nothing flagged: precision 0/0 → 0; recall 0/3 = 0; F1 0; MCC denominator 0 → 0.
        let c = Confusion {
            tp: 0,
            fp: 0,
            tn: 5,
            fn_: 3,
        };
        assert_eq!(
            (c.precision(), c.recall(), c.f1(), c.mcc()),
            (0.0, 0.0, 0.0, 0.0)
        );
        // No positives: recall 0/0 → 0; precision 0/2 = 0.
        let c = Confusion {
            tp: 0,
            fp: 2,
            tn: 3,
            fn_: 0,
        };
        assert_eq!(
            (c.precision(), c.recall(), c.f1(), c.mcc()),
            (0.0, 0.0, 0.0, 0.0)
        );
        // Empty matrix.
        let c = Confusion::default();
        assert_eq!(
            (c.accuracy(), c.precision(), c.recall(), c.f1(), c.mcc()),
            (0.0, 0.0, 0.0, 0.0, 0.0)
        );
        // Everything flagged, all positive: precision 1, recall 1, but MCC 0 (tn + fp = 0).
        let c = Confusion {
            tp: 4,
            fp: 0,
            tn: 0,
            fn_: 0,
        };
        assert_eq!(
            (c.precision(), c.recall(), c.f1(), c.mcc()),
            (1.0, 1.0, 1.0, 0.0)
        );
    }

    #[test]
    fn confusion_matches_a_loop() {
        for seed in 1..4 {
            let (s, l) = random_rows(seed, 300);
            for t in [0.0, 0.3, 0.5, 0.55, 1.0, 1.5] {
                let (tp, fp, p, n) = counts_at(&s, &l, t);
                let c = confusion(&s, &l, t).unwrap();
                assert_eq!(
                    c,
                    Confusion {
                        tp,
                        fp,
                        tn: n - fp,
                        fn_: p - tp
                    },
                    "seed {seed} threshold {t}"
                );
            }
        }
    }

    // ---- ranking ----

    #[test]
    fn roc_auc_by_hand() {
        // Example 1: positive 0.9 beats all 3 negatives, 0.7 beats 0.5 and 0.4, 0.6 beats
        // 0.5 and 0.4: 3 + 2 + 2 = 7 of 9 pairs.
        assert_close!(roc_auc(&S1, &L1).unwrap(), 7.0 / 9.0);
        // Example 2: positive 0.8 vs negatives 0.8 / 0.5 / 0.2 = ½ + 1 + 1 = 2.5; positive 0.5
        // vs 0.8 / 0.5 / 0.2 = 0 + ½ + 1 = 1.5; (2.5 + 1.5) / 6 = 2/3.
        assert_close!(roc_auc(&S2, &L2).unwrap(), 2.0 / 3.0);
    }

    #[test]
    fn average_precision_by_hand() {
        // Example 1, thresholds descending:
        //   0.9: tp 1 fp 0, R 1/3, P 1    → (1/3 − 0)·1     = 1/3
        //   0.8: tp 1 fp 1, R 1/3         → 0
        //   0.7: tp 2 fp 1, R 2/3, P 2/3  → (1/3)·(2/3)     = 2/9
        //   0.6: tp 3 fp 1, R 1,   P 3/4  → (1/3)·(3/4)     = 1/4
        //   0.5, 0.4: R stays 1           → 0
        // AP = 12/36 + 8/36 + 9/36 = 29/36.
        assert_close!(average_precision(&S1, &L1).unwrap(), 29.0 / 36.0);
        // Example 2: 0.8 (tied pair) → tp 1 fp 1, R ½, P ½ → ¼; 0.5 → tp 2 fp 2, R 1, P ½ → ¼;
        // 0.2 → 0. AP = ½. (Breaking the tie positive-first would give ½·1 + ½·(2/3) = 5/6.)
        assert_close!(average_precision(&S2, &L2).unwrap(), 0.5);
    }

    #[test]
    fn perfect_inverted_and_constant_rankings() {
        let labels = [T, T, T, F, F];
        let perfect = [0.9, 0.8, 0.7, 0.2, 0.1];
        assert_eq!(roc_auc(&perfect, &labels).unwrap(), 1.0);
        assert_close!(average_precision(&perfect, &labels).unwrap(), 1.0);
        let inverted = [0.1, 0.2, 0.3, 0.8, 0.9];
        assert_eq!(roc_auc(&inverted, &labels).unwrap(), 0.0);
        // Inverted AP: positives come at ranks 3, 4, 5: (1/3)(1/3) + (1/3)(2/4) + (1/3)(3/5).
        assert_close!(
            average_precision(&inverted, &labels).unwrap(),
            (1.0 / 3.0 + 0.5 + 0.6) / 3.0
        );
        let constant = [0.4; 5];
        assert_eq!(roc_auc(&constant, &labels).unwrap(), 0.5);
        // One threshold: recall 0 → 1 at precision 3/5 (the prevalence).
        assert_close!(average_precision(&constant, &labels).unwrap(), 0.6);
    }

    #[test]
    fn ranking_matches_brute_force() {
        for seed in 1..6 {
            let (s, l) = random_rows(seed, 400);
            assert_close!(roc_auc(&s, &l).unwrap(), brute_auc(&s, &l));
            assert_close!(average_precision(&s, &l).unwrap(), brute_ap(&s, &l));
        }
    }

    #[test]
    fn row_order_does_not_matter() {
        let (s, l) = random_rows(9, 500);
        let mut idx: Vec<usize> = (0..s.len()).collect();
        SplitMix64::new(3).shuffle(&mut idx);
        let s2: Vec<f64> = idx.iter().map(|&i| s[i]).collect();
        let l2: Vec<bool> = idx.iter().map(|&i| l[i]).collect();
        let (a, b) = (
            binary_metrics(&s, &l, 0.5).unwrap(),
            binary_metrics(&s2, &l2, 0.5).unwrap(),
        );
        assert_eq!(
            (a.roc_auc, a.pr_auc, a.confusion),
            (b.roc_auc, b.pr_auc, b.confusion)
        );
        assert_close!(a.log_loss, b.log_loss);
        assert_eq!(
            roc_curve(&s, &l, 1000).unwrap(),
            roc_curve(&s2, &l2, 1000).unwrap()
        );
        assert_eq!(pr_curve(&s, &l, 7).unwrap(), pr_curve(&s2, &l2, 7).unwrap());
        assert_eq!(
            threshold_advice(&s, &l, Some(0.5)).unwrap(),
            threshold_advice(&s2, &l2, Some(0.5)).unwrap()
        );
    }

    #[test]
    fn many_rows_all_tied() {
        // 200 000 rows, one score: AUC ½ exactly, AP = prevalence (one threshold).
        let n = 200_000;
        let scores = vec![0.3; n];
        let labels: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
        assert_eq!(roc_auc(&scores, &labels).unwrap(), 0.5);
        assert_close!(average_precision(&scores, &labels).unwrap(), 0.25);
    }

    #[test]
    fn negative_zero_ties_with_zero_and_nan_ranks_lowest() {
        // -0.0 and 0.0 are one tie: positive 0.0 vs negative -0.0 counts ½.
        assert_eq!(roc_auc(&[0.0, -0.0], &[T, F]).unwrap(), 0.5);
        // A NaN score is never flagged and ranks below everything.
        assert_eq!(roc_auc(&[f64::NAN, 0.1], &[F, T]).unwrap(), 1.0);
        assert_eq!(confusion(&[f64::NAN], &[T], 0.0).unwrap().fn_, 1);
    }

    // ---- errors ----

    #[test]
    fn single_class_is_an_error_that_says_so() {
        let s = [0.2, 0.7, 0.9];
        for labels in [[T, T, T], [F, F, F]] {
            let e = roc_auc(&s, &labels).unwrap_err();
            assert_eq!(
                e,
                MetricError::SingleClass {
                    metric: "ROC-AUC",
                    present: 3
                }
            );
            let msg = binary_metrics(&s, &labels, 0.5).unwrap_err().to_string();
            assert!(
                msg.contains("both classes")
                    && msg.contains("positive")
                    && msg.contains("negative"),
                "{msg}"
            );
            assert!(msg.contains("all 3 rows"), "{msg}");
            for r in [
                average_precision(&s, &labels).map(|_| ()),
                roc_curve(&s, &labels, 10).map(|_| ()),
                pr_curve(&s, &labels, 10).map(|_| ()),
                threshold_advice(&s, &labels, None).map(|_| ()),
            ] {
                assert!(
                    matches!(r, Err(MetricError::SingleClass { present: 3, .. })),
                    "{r:?}"
                );
            }
        }
        // Log-loss, Brier and the confusion matrix are defined for one class.
        assert_close!(brier(&[1.0, 0.5], &[T, T]).unwrap(), 0.125);
        assert!(log_loss(&s, &[T, T, T]).is_ok());
        assert!(confusion(&s, &[T, T, T], 0.5).is_ok());
    }

    #[test]
    fn empty_and_length_mismatch_are_errors() {
        let empty: [f64; 0] = [];
        for r in [
            roc_auc(&empty, &[]),
            average_precision(&empty, &[]),
            log_loss(&empty, &[]),
            brier(&empty, &[]),
        ] {
            assert!(matches!(r, Err(MetricError::Empty { .. })), "{r:?}");
        }
        assert!(matches!(
            confusion(&empty, &[], 0.5),
            Err(MetricError::Empty { .. })
        ));
        assert!(matches!(
            binary_metrics(&empty, &[], 0.5),
            Err(MetricError::Empty { .. })
        ));
        assert!(matches!(
            roc_curve(&empty, &[], 5),
            Err(MetricError::Empty { .. })
        ));
        assert!(matches!(
            pr_curve(&empty, &[], 5),
            Err(MetricError::Empty { .. })
        ));
        assert!(matches!(
            threshold_advice(&empty, &[], None),
            Err(MetricError::Empty { .. })
        ));
        let e = roc_auc(&[0.1, 0.2], &[T]).unwrap_err();
        assert_eq!(
            e,
            MetricError::Length {
                metric: "ROC-AUC",
                scores: 2,
                labels: 1
            }
        );
        assert!(matches!(
            brier(&[0.1], &[T, F]),
            Err(MetricError::Length {
                scores: 1,
                labels: 2,
                ..
            })
        ));
        assert!(matches!(
            confusion(&[0.1], &[T, F], 0.5),
            Err(MetricError::Length { .. })
        ));
    }

    // ---- probabilities ----

    #[test]
    fn log_loss_and_brier_by_hand() {
        // −(ln 0.8 + ln(1 − 0.3)) / 2 = (0.223144 + 0.356675) / 2 ≈ 0.289909.
        let ll = log_loss(&[0.8, 0.3], &[T, F]).unwrap();
        assert_close!(ll, -(0.8f64.ln() + 0.7f64.ln()) / 2.0);
        assert!((ll - 0.289909).abs() < 1e-6);
        // ((0.8 − 1)² + (0.3 − 0)²) / 2 = (0.04 + 0.09) / 2 = 0.065.
        assert_close!(brier(&[0.8, 0.3], &[T, F]).unwrap(), 0.065);
        // Clipping: p = 0 for a positive costs −ln(1e-15) ≈ 34.5388, not infinity; p = 1 for a
        // negative the same (1 − (1 − 1e-15) ≈ 1e-15 up to rounding).
        assert_close!(log_loss(&[0.0], &[T]).unwrap(), -(1e-15f64).ln());
        assert!((log_loss(&[1.0], &[F]).unwrap() - 34.5388).abs() < 1e-3);
        assert!(log_loss(&[1.0, 0.0], &[T, F]).unwrap() < 1e-14);
    }

    #[test]
    fn log_loss_and_brier_match_brute_force() {
        let (s, l) = random_rows(5, 300);
        // Keep away from the clip: map the grid into [0.05, 0.95].
        let s: Vec<f64> = s.iter().map(|x| 0.05 + 0.9 * x).collect();
        let n = s.len() as f64;
        let ll: f64 = s
            .iter()
            .zip(&l)
            .map(|(&p, &y)| -(if y { p } else { 1.0 - p }).ln())
            .sum::<f64>()
            / n;
        let br: f64 = s
            .iter()
            .zip(&l)
            .map(|(&p, &y)| (if y { 1.0 - p } else { p }).powi(2))
            .sum::<f64>()
            / n;
        assert_close!(log_loss(&s, &l).unwrap(), ll);
        assert_close!(brier(&s, &l).unwrap(), br);
    }

    #[test]
    fn binary_metrics_by_hand() {
        let m = binary_metrics(&S1, &L1, 0.55).unwrap();
        assert_close!(m.roc_auc, 7.0 / 9.0);
        assert_close!(m.pr_auc, 29.0 / 36.0);
        assert_eq!(
            m.confusion,
            Confusion {
                tp: 3,
                fp: 1,
                tn: 2,
                fn_: 0
            }
        );
        assert_eq!(m.threshold, 0.55);
        assert_close!(m.precision, 0.75);
        assert_close!(m.recall, 1.0);
        assert_close!(m.accuracy, 5.0 / 6.0);
        assert_close!(m.f1, 6.0 / 7.0);
        assert_close!(m.mcc, std::f64::consts::FRAC_1_SQRT_2);
        // Brier: (0.1² + 0.8² + 0.3² + 0.4² + 0.5² + 0.4²) / 6 = (0.01 + 0.64 + 0.09 + 0.16 + 0.25
        // + 0.16) / 6 = 1.31 / 6.
        assert_close!(m.brier, 1.31 / 6.0);
        let ll =
            -(0.9f64.ln() + 0.2f64.ln() + 0.7f64.ln() + 0.6f64.ln() + 0.5f64.ln() + 0.6f64.ln())
                / 6.0;
        assert_close!(m.log_loss, ll);
    }

    // ---- curves ----

    #[test]
    fn roc_curve_by_hand() {
        // Example 2 (P 2, N 3): start (0, 0); ≥ 0.8 flags tp 1 fp 1 → (1/3, ½); ≥ 0.5 → tp 2 fp 2
        // → (2/3, 1); ≥ 0.2 → (1, 1).
        let c = roc_curve(&S2, &L2, 100).unwrap();
        let want = [
            (0.0, 0.0, 1.0),
            (1.0 / 3.0, 0.5, 0.8),
            (2.0 / 3.0, 1.0, 0.5),
            (1.0, 1.0, 0.2),
        ];
        assert_eq!(c.len(), want.len());
        for (p, (fpr, tpr, t)) in c.iter().zip(want) {
            assert_close!(p.fpr, fpr);
            assert_close!(p.tpr, tpr);
            assert_eq!(p.threshold, t);
        }
    }

    #[test]
    fn pr_curve_by_hand() {
        // Example 1 (P 3): ≥0.9 tp1 fp0; ≥0.8 tp1 fp1; ≥0.7 tp2 fp1; ≥0.6 tp3 fp1; ≥0.5 tp3 fp2;
        // ≥0.4 tp3 fp3.
        let c = pr_curve(&S1, &L1, 100).unwrap();
        let want = [
            (1.0 / 3.0, 1.0, 0.9),
            (1.0 / 3.0, 0.5, 0.8),
            (2.0 / 3.0, 2.0 / 3.0, 0.7),
            (1.0, 0.75, 0.6),
            (1.0, 0.6, 0.5),
            (1.0, 0.5, 0.4),
        ];
        assert_eq!(c.len(), want.len());
        for (p, (r, pr, t)) in c.iter().zip(want) {
            assert_close!(p.recall, r);
            assert_close!(p.precision, pr);
            assert_eq!(p.threshold, t);
        }
    }

    #[test]
    fn curves_match_brute_force_and_thin_monotonically() {
        let (s, l) = random_rows(11, 300);
        let d = distinct_desc(&s);
        let roc = roc_curve(&s, &l, usize::MAX).unwrap();
        let pr = pr_curve(&s, &l, usize::MAX).unwrap();
        assert_eq!(roc.len(), d.len() + 1);
        assert_eq!(pr.len(), d.len());
        for (k, &t) in d.iter().enumerate() {
            let (tp, fp, p, n) = counts_at(&s, &l, t);
            assert_eq!(roc[k + 1].threshold, t);
            assert_close!(roc[k + 1].fpr, fp as f64 / n as f64);
            assert_close!(roc[k + 1].tpr, tp as f64 / p as f64);
            assert_eq!(pr[k].threshold, t);
            assert_close!(pr[k].recall, tp as f64 / p as f64);
            assert_close!(pr[k].precision, tp as f64 / (tp + fp) as f64);
        }
        assert_eq!(
            (roc.last().unwrap().fpr, roc.last().unwrap().tpr),
            (1.0, 1.0)
        );

        // Thinning: 1000 rows with distinct scores → 1001 ROC points, thinned to 50.
        let mut r = SplitMix64::new(2);
        let s: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
        let l: Vec<bool> = s
            .iter()
            .map(|&x| r.below(1000) < (x * 1000.0) as usize)
            .collect();
        let full = roc_curve(&s, &l, usize::MAX).unwrap();
        let thin = roc_curve(&s, &l, 50).unwrap();
        assert_eq!(full.len(), 1001);
        assert_eq!(thin.len(), 50);
        assert_eq!(thin[0], full[0]);
        assert_eq!(thin.last(), full.last());
        assert!(thin.iter().all(|p| full.contains(p)));
        assert!(thin.windows(2).all(|w| w[0].fpr <= w[1].fpr
            && w[0].tpr <= w[1].tpr
            && w[0].threshold > w[1].threshold));
        // Evenly: consecutive kept points are about 1000/49 ≈ 20.4 original points apart.
        let pos: Vec<usize> = thin
            .iter()
            .map(|p| full.iter().position(|q| q == p).unwrap())
            .collect();
        assert!(
            pos.windows(2).all(|w| (20..=21).contains(&(w[1] - w[0]))),
            "{pos:?}"
        );
        // Index k of 50 is round(k · 1000 / 49).
        assert_eq!(&pos[..4], &[0, 20, 41, 61]);
        let pr_thin = pr_curve(&s, &l, 10).unwrap();
        assert_eq!(pr_thin.len(), 10);
        assert!(pr_thin.windows(2).all(|w| w[0].recall <= w[1].recall));
        // Below 2 points means 2: first and last.
        assert_eq!(roc_curve(&s, &l, 0).unwrap(), vec![full[0], full[1000]]);
    }

    // ---- threshold advice ----

    #[test]
    fn threshold_advice_by_hand() {
        // Example 1 (P 3), F1 = 2tp / (tp + fp + 3) and precision at each threshold:
        //   0.9: tp1 fp0 → F1 2/4 = 0.5,   P 1
        //   0.8: tp1 fp1 → F1 2/5 = 0.4,   P 1/2
        //   0.7: tp2 fp1 → F1 4/6 ≈ 0.667, P 2/3
        //   0.6: tp3 fp1 → F1 6/7 ≈ 0.857, P 3/4   ← best F1
        //   0.5: tp3 fp2 → F1 6/8 = 0.75,  P 3/5
        //   0.4: tp3 fp3 → F1 6/9 ≈ 0.667, P 1/2
        let a = threshold_advice(&S1, &L1, Some(0.7)).unwrap();
        assert_eq!(a.best_f1_threshold, 0.6);
        assert_close!(a.best_f1, 6.0 / 7.0);
        assert_close!(a.best_f1_precision, 0.75);
        assert_close!(a.best_f1_recall, 1.0);
        // Precision ≥ 0.7 at 0.9 and 0.6 (not 0.7, whose 2/3 < 0.7): the lowest is 0.6.
        let t = a.target_precision.unwrap();
        assert_eq!((t.target, t.threshold), (0.7, 0.6));
        assert_close!(t.precision, 0.75);
        assert_close!(t.recall, 1.0);
        // Precision ≥ 0.9 only at 0.9: recall 1/3. Exactly 0.75 counts as reached.
        let t = threshold_advice(&S1, &L1, Some(0.9))
            .unwrap()
            .target_precision
            .unwrap();
        assert_eq!(t.threshold, 0.9);
        assert_close!(t.recall, 1.0 / 3.0);
        let t = threshold_advice(&S1, &L1, Some(0.75))
            .unwrap()
            .target_precision
            .unwrap();
        assert_eq!(t.threshold, 0.6);
        // Unreachable or not asked.
        assert_eq!(
            threshold_advice(&S1, &L1, Some(1.01))
                .unwrap()
                .target_precision,
            None
        );
        assert_eq!(
            threshold_advice(&S1, &L1, None).unwrap().target_precision,
            None
        );
    }

    #[test]
    fn threshold_advice_breaks_f1_ties_upward() {
        // P 2: ≥0.9 tp1 fp0 → F1 2/3; ≥0.7 → 2/4; ≥0.6 → 2/5; ≥0.5 tp2 fp2 → 4/6 = 2/3 (tie).
        let a = threshold_advice(&[0.9, 0.7, 0.6, 0.5], &[T, F, F, T], None).unwrap();
        assert_eq!(a.best_f1_threshold, 0.9);
        assert_close!(a.best_f1, 2.0 / 3.0);
        assert_close!(a.best_f1_precision, 1.0);
        assert_close!(a.best_f1_recall, 0.5);
    }

    #[test]
    fn threshold_advice_matches_brute_force() {
        for seed in 20..25 {
            let (s, l) = random_rows(seed, 300);
            let d = distinct_desc(&s);
            let stats: Vec<(f64, f64, f64, f64)> = d
                .iter()
                .map(|&t| {
                    let (tp, fp, p, _) = counts_at(&s, &l, t);
                    let prec = if tp + fp == 0 {
                        0.0
                    } else {
                        tp as f64 / (tp + fp) as f64
                    };
                    let rec = tp as f64 / p as f64;
                    let f1 = if prec + rec == 0.0 {
                        0.0
                    } else {
                        2.0 * prec * rec / (prec + rec)
                    };
                    (t, prec, rec, f1)
                })
                .collect();
            let best = stats.iter().map(|x| x.3).fold(0.0, f64::max);
            // Highest threshold within rounding of the best F1.
            let want = stats.iter().find(|x| x.3 >= best - 1e-12).unwrap();
            let target = 0.45;
            let want_target = stats.iter().rev().find(|x| x.1 >= target);
            let a = threshold_advice(&s, &l, Some(target)).unwrap();
            assert_eq!(a.best_f1_threshold, want.0, "seed {seed}");
            assert_close!(a.best_f1, want.3);
            assert_close!(a.best_f1_precision, want.1);
            assert_close!(a.best_f1_recall, want.2);
            let got = a.target_precision.map(|t| (t.threshold, t.recall));
            assert_eq!(got, want_target.map(|x| (x.0, x.2)), "seed {seed}");
        }
    }

    // ---- calibration and histogram ----

    #[test]
    fn calibration_by_hand() {
        // 5 bins: [0, .2) [.2, .4) [.4, .6) [.6, .8) [.8, 1].
        //   bin 0: 0.1 (F)             → count 1, mean 0.1,                observed 0
        //   bin 1: 0.2 (T), 0.3 (F)    → count 2, mean 0.25,               observed ½
        //   bin 2: none                → count 0, mean 0, observed 0
        //   bin 3: 0.6 (T), 0.75 (F)   → count 2, mean 0.675,              observed ½
        //   bin 4: 1.0 (T)             → count 1, mean 1.0,                observed 1
        let s = [0.1, 0.2, 0.3, 0.6, 1.0, 0.75];
        let l = [F, T, F, T, T, F];
        let c = calibration(&s, &l, 5);
        let want = [
            (1, 0.1, 0.0),
            (2, 0.25, 0.5),
            (0, 0.0, 0.0),
            (2, 0.675, 0.5),
            (1, 1.0, 1.0),
        ];
        assert_eq!(c.len(), 5);
        for (i, (b, (count, mean, obs))) in c.iter().zip(want).enumerate() {
            assert_close!(b.lo, i as f64 / 5.0);
            assert_close!(b.hi, (i + 1) as f64 / 5.0);
            assert_eq!(b.count, count, "bin {i}");
            assert_close!(b.mean_predicted, mean);
            assert_close!(b.observed_rate, obs);
        }
        assert_eq!((c[0].lo, c[4].hi), (0.0, 1.0));

        let h = histogram(&s, &l, 5);
        assert_eq!(h.edges.len(), 6);
        assert_eq!((h.edges[0], h.edges[5]), (0.0, 1.0));
        assert_eq!(h.positives, vec![0, 1, 0, 1, 1]);
        assert_eq!(h.negatives, vec![1, 1, 0, 1, 0]);
    }

    #[test]
    fn bins_agree_with_their_edges() {
        // Every score k/1000 lands in the bin whose reported edges contain it, for awkward bin
        // counts; out-of-range scores go to the end bins; NaN is skipped.
        for bins in [3, 7, 10, 20, 49] {
            let s: Vec<f64> = (0..=1000).map(|k| k as f64 / 1000.0).collect();
            let l = vec![T; s.len()];
            let c = calibration(&s, &l, bins);
            for b in &c {
                let want = s
                    .iter()
                    .filter(|&&x| x >= b.lo && (x < b.hi || (b.hi == 1.0 && x <= 1.0)))
                    .count();
                assert_eq!(b.count, want as u64, "bins {bins}, [{}, {})", b.lo, b.hi);
            }
            let h = histogram(&s, &l, bins);
            assert_eq!(h.positives, c.iter().map(|b| b.count).collect::<Vec<_>>());
        }
        // Where s * bins rounds across an edge: 0.29 * 100 = 28.999999999999996 but 0.29 is
        // the edge 29/100, so bin 29; the float just below 0.9 times 10 rounds to 9.0 but lies
        // below the edge 9/10, so bin 8.
        let c = calibration(&[0.29], &[T], 100);
        assert_eq!(c[29].count, 1);
        let below = f64::from_bits(0.9f64.to_bits() - 1);
        assert!(below < 0.9 && (below * 10.0).floor() == 9.0);
        let h = histogram(&[below], &[T], 10);
        assert_eq!(h.positives[8], 1);
        let h = histogram(&[-0.5, 1.5, f64::NAN], &[T, F, T], 4);
        assert_eq!(h.positives, vec![1, 0, 0, 0]);
        assert_eq!(h.negatives, vec![0, 0, 0, 1]);
    }

    // ---- category recall, mean/sd, mean ROC ----

    #[test]
    fn category_recall_by_hand() {
        // Positives at threshold 0.5: "b" 0.9 and 0.8 both flagged → 2/2; "a" 0.2 missed → 0/1
        // (the negative "a" at 0.1 is ignored); "" 0.7 flagged → 1/1. Negative-only "c" absent.
        let s = [0.9, 0.2, 0.7, 0.1, 0.8, 0.95];
        let l = [T, T, T, F, T, F];
        let cats: Vec<String> = ["b", "a", "", "a", "b", "c"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let r = category_recall(&s, &l, &cats, 0.5);
        let got: Vec<(&str, u64, u64, f64)> = r
            .iter()
            .map(|c| (c.category.as_str(), c.positives, c.detected, c.recall))
            .collect();
        assert_eq!(
            got,
            vec![("(none)", 1, 1, 1.0), ("a", 1, 0, 0.0), ("b", 2, 2, 1.0)]
        );
    }

    #[test]
    fn mean_sd_by_hand() {
        // [1, 2, 3, 4]: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 3;
        // sd = sqrt(5/3) ≈ 1.290994.
        let m = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        assert_close!(m.mean, 2.5);
        assert_close!(m.sd, (5.0f64 / 3.0).sqrt());
        assert_eq!(m.n, 4);
        assert_eq!(
            mean_sd(&[0.7]),
            MeanSd {
                mean: 0.7,
                sd: 0.0,
                n: 1
            }
        );
        assert_eq!(
            mean_sd(&[]),
            MeanSd {
                mean: 0.0,
                sd: 0.0,
                n: 0
            }
        );
    }

    #[test]
    fn mean_roc_by_hand() {
        let p = |fpr, tpr| RocPoint {
            fpr,
            tpr,
            threshold: 0.5,
        };
        // A: (0,0) (0,½) (½,1) (1,1). B: the diagonal (0,0) (1,1). Grid of 5: 0, ¼, ½, ¾, 1.
        //   A: 0 → pinned 0; ¼ → halfway from (0,½) to (½,1) = ¾; ½ → 1; ¾ → 1; 1 → 1.
        //   B: 0, ¼, ½, ¾, 1.
        //   mean: 0, ½, ¾, ⅞, 1.
        let a = vec![p(0.0, 0.0), p(0.0, 0.5), p(0.5, 1.0), p(1.0, 1.0)];
        let b = vec![p(0.0, 0.0), p(1.0, 1.0)];
        let m = mean_roc(&[a.clone(), b, Vec::new()], 5);
        let want = [
            (0.0, 0.0),
            (0.25, 0.5),
            (0.5, 0.75),
            (0.75, 0.875),
            (1.0, 1.0),
        ];
        assert_eq!(m.len(), 5);
        for (q, (fpr, tpr)) in m.iter().zip(want) {
            assert_close!(q.fpr, fpr);
            assert_close!(q.tpr, tpr);
            assert_eq!(q.threshold, 0.0);
        }
        // At a vertical run (A at fpr 0: tpr 0 then ½) np.interp takes the top point.
        assert_close!(interp(0.0, &a), 0.5);
        assert_close!(interp(0.5, &a), 1.0);
        assert!(mean_roc(&[], 5).is_empty());
    }

    #[test]
    fn mean_roc_of_identical_curves_is_that_curve() {
        let (s, l) = random_rows(4, 300);
        let c = roc_curve(&s, &l, 1000).unwrap();
        let m = mean_roc(&[c.clone(), c.clone(), c.clone()], 101);
        assert_eq!(m.len(), 101);
        for q in &m[1..100] {
            assert_close!(q.tpr, interp(q.fpr, &c));
            assert!((0.0..=1.0).contains(&q.tpr));
        }
        assert!(m
            .windows(2)
            .all(|w| w[0].fpr < w[1].fpr && w[0].tpr <= w[1].tpr));
    }
}

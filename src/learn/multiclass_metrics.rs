//! Multi-class metrics from class probabilities: accuracy, per-class precision, recall and F1
//! with support, macro and weighted F1, log-loss and the confusion matrix; and the
//! majority-class baseline. Definitions are scikit-learn's (`classification_report`,
//! `log_loss`), with `zero_division=0` and probabilities clipped to [1e-15, 1].

use serde::{Deserialize, Serialize};

/// One class's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Rows of this class.
    pub support: u64,
}

/// Scores of K-class predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiMetrics {
    pub accuracy: f64,
    /// Unweighted mean of the classes' F1 (every class of the model counts).
    pub macro_f1: f64,
    /// Mean of the classes' F1 weighted by support.
    pub weighted_f1: f64,
    /// Mean −ln p(true class); `None` for predictions without probabilities (a baseline).
    pub log_loss: Option<f64>,
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[t][p]`: rows of true class t predicted as p.
    pub confusion: Vec<Vec<u64>>,
}

/// The names of the summary metrics, in report order.
pub const METRIC_NAMES: [&str; 4] = ["accuracy", "macro_f1", "weighted_f1", "log_loss"];

impl MultiMetrics {
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "accuracy" => Some(self.accuracy),
            "macro_f1" => Some(self.macro_f1),
            "weighted_f1" => Some(self.weighted_f1),
            "log_loss" => self.log_loss,
            _ => None,
        }
    }
}

/// Metrics of predicted classes `pred` against `truth` (both indices into `names`), with the
/// log-loss when `probs` (K per row, row-major) is given.
pub fn from_predictions(
    pred: &[u32],
    truth: &[u32],
    probs: Option<&[f64]>,
    names: &[String],
) -> MultiMetrics {
    let k = names.len();
    let mut confusion = vec![vec![0u64; k]; k];
    for (&p, &t) in pred.iter().zip(truth) {
        confusion[t as usize][p as usize] += 1;
    }
    let n = truth.len() as u64;
    let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
    let div = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassMetrics> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let predicted: u64 = (0..k).map(|t| confusion[t][c]).sum();
            let support: u64 = confusion[c].iter().sum();
            let precision = div(tp, predicted);
            let recall = div(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassMetrics {
                class: names[c].clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let macro_f1 = per_class.iter().map(|m| m.f1).sum::<f64>() / k.max(1) as f64;
    let weighted_f1 = if n == 0 {
        0.0
    } else {
        per_class
            .iter()
            .map(|m| m.f1 * m.support as f64)
            .sum::<f64>()
            / n as f64
    };
    let log_loss = probs.map(|p| {
        let total: f64 = truth
            .iter()
            .enumerate()
            .map(|(i, &t)| -p[i * k + t as usize].clamp(1e-15, 1.0).ln())
            .sum();
        total / n.max(1) as f64
    });
    MultiMetrics {
        accuracy: div(correct, n),
        macro_f1,
        weighted_f1,
        log_loss,
        per_class,
        confusion,
    }
}

/// Metrics of class probabilities (K per row, row-major): the predicted class is the most
/// probable one.
pub fn from_probabilities(probs: &[f64], truth: &[u32], names: &[String]) -> MultiMetrics {
    let k = names.len();
    let pred: Vec<u32> = probs.chunks(k).map(|p| argmax(p) as u32).collect();
    from_predictions(&pred, truth, Some(probs), names)
}

/// What always guessing the most frequent class scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub majority_class: String,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
}

/// The majority-class guess (the most frequent class of `truth`; ties: the first) scored on
/// `truth`.
pub fn majority_baseline(truth: &[u32], names: &[String]) -> Baseline {
    let mut counts = vec![0u64; names.len()];
    for &t in truth {
        counts[t as usize] += 1;
    }
    let mut best = 0;
    for (c, &n) in counts.iter().enumerate() {
        if n > counts[best] {
            best = c;
        }
    }
    let pred = vec![best as u32; truth.len()];
    let m = from_predictions(&pred, truth, None, names);
    Baseline {
        majority_class: names.get(best).cloned().unwrap_or_default(),
        accuracy: m.accuracy,
        macro_f1: m.macro_f1,
        weighted_f1: m.weighted_f1,
    }
}

/// The index of the largest value (the first of equals).
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    /// Worked by hand (and as scikit-learn's classification_report gives them):
    /// truth a a a b b c, predicted a a b b c c.
    /// confusion: a → [2 1 0], b → [0 1 1], c → [0 0 1]
    /// precision a 2/2, b 1/2, c 1/2; recall a 2/3, b 1/2, c 1/1
    /// F1 a 0.8, b 0.5, c 2/3; macro (0.8 + 0.5 + 2/3)/3; weighted (3·0.8 + 2·0.5 + 2/3)/6.
    #[test]
    fn hand_worked_example() {
        let truth = [0u32, 0, 0, 1, 1, 2];
        let pred = [0u32, 0, 1, 1, 2, 2];
        let m = from_predictions(&pred, &truth, None, &names());
        assert_eq!(
            m.confusion,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        close(m.accuracy, 4.0 / 6.0);
        close(m.per_class[0].precision, 1.0);
        close(m.per_class[0].recall, 2.0 / 3.0);
        close(m.per_class[0].f1, 0.8);
        close(m.per_class[1].f1, 0.5);
        close(m.per_class[2].precision, 0.5);
        close(m.per_class[2].f1, 2.0 / 3.0);
        assert_eq!(
            m.per_class.iter().map(|c| c.support).collect::<Vec<_>>(),
            [3, 2, 1]
        );
        close(m.macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0);
        close(m.weighted_f1, (3.0 * 0.8 + 2.0 * 0.5 + 2.0 / 3.0) / 6.0);
        assert_eq!(m.log_loss, None);
    }

    /// log-loss of two rows: −(ln 0.7 + ln 0.2)/2; the second row is predicted as class a.
    #[test]
    fn log_loss_and_argmax() {
        let probs = [0.7, 0.2, 0.1, 0.5, 0.2, 0.3];
        let m = from_probabilities(&probs, &[0, 1], &names());
        close(m.log_loss.unwrap(), -(0.7f64.ln() + 0.2f64.ln()) / 2.0);
        assert_eq!(m.confusion[1], vec![1, 0, 0]);
        close(m.accuracy, 0.5);
        // A zero probability for the true class is clipped, not infinite.
        let m = from_probabilities(&[1.0, 0.0, 0.0], &[1], &names());
        close(m.log_loss.unwrap(), -(1e-15f64).ln());
    }

    /// Never-predicted and absent classes score 0 (zero_division=0) and still count in the
    /// macro mean.
    #[test]
    fn zero_division_and_majority_baseline() {
        let truth = [0u32, 0, 0, 1];
        let b = majority_baseline(&truth, &names());
        assert_eq!(b.majority_class, "a");
        close(b.accuracy, 0.75);
        // F1 of a = 2·0.75·1/(1.75) = 6/7; b and c score 0.
        close(b.macro_f1, (6.0 / 7.0) / 3.0);
        close(b.weighted_f1, 3.0 * (6.0 / 7.0) / 4.0);
    }
}

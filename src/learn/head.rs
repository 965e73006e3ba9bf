//! The linear head every model ends in: the decision values of a TF-IDF row and the class
//! probabilities they give. Two classes are one column, the positive class's log-odds,
//! turned into probabilities by the sigmoid (the fast binary solver of [`super::logistic`]
//! fits it); K classes are K columns, by softmax or one-vs-rest sigmoids normalised to sum to
//! one ([`super::multiclass`] fits them).

use serde::{Deserialize, Serialize};

use super::logistic::{sigmoid, LinearModel, Strategy};

/// How decision values become class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// Two classes: one column z, P(positive) = σ(z).
    Sigmoid,
    /// K columns, softmax.
    Softmax,
    /// K columns, σ of each, normalised to sum to one.
    Ovr,
}

impl From<Strategy> for Link {
    fn from(s: Strategy) -> Link {
        match s {
            Strategy::Softmax => Link::Softmax,
            Strategy::Ovr => Link::Ovr,
        }
    }
}

/// The fitted linear functions of a model: `columns()` decision values `z = x·W + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearHead {
    /// Classes scored: 2 for a sigmoid head.
    pub n_classes: usize,
    /// Term-major: term j's weight for column c is `weights[j · columns + c]` (for a sigmoid
    /// head, one weight per term).
    pub weights: Vec<f64>,
    /// One per column.
    pub intercepts: Vec<f64>,
    pub link: Link,
}

impl LinearHead {
    /// The head of a two-class model: the positive class's log-odds.
    pub fn binary(m: LinearModel) -> LinearHead {
        LinearHead {
            n_classes: 2,
            weights: m.weights,
            intercepts: vec![m.intercept],
            link: Link::Sigmoid,
        }
    }

    /// The head of a K-class model fitted with `strategy`.
    pub fn classes(
        n_classes: usize,
        weights: Vec<f64>,
        intercepts: Vec<f64>,
        strategy: Strategy,
    ) -> LinearHead {
        LinearHead {
            n_classes,
            weights,
            intercepts,
            link: strategy.into(),
        }
    }

    /// Decision columns: 1 for a sigmoid head, else the number of classes.
    pub fn columns(&self) -> usize {
        match self.link {
            Link::Sigmoid => 1,
            Link::Softmax | Link::Ovr => self.n_classes,
        }
    }

    pub fn is_binary(&self) -> bool {
        self.link == Link::Sigmoid
    }

    /// The multi-class strategy, `None` for a sigmoid head.
    pub fn strategy(&self) -> Option<Strategy> {
        match self.link {
            Link::Sigmoid => None,
            Link::Softmax => Some(Strategy::Softmax),
            Link::Ovr => Some(Strategy::Ovr),
        }
    }

    /// The first column's intercept (a sigmoid head's only one).
    pub fn intercept(&self) -> f64 {
        self.intercepts.first().copied().unwrap_or(0.0)
    }

    /// A sigmoid head's decision value (the positive class's log-odds).
    pub fn decision(&self, idx: &[u32], val: &[f32]) -> f64 {
        self.intercept() + crate::util::sparse::dot(idx, val, &self.weights)
    }

    /// The decision values of every column, into `z` (`columns()` long).
    pub fn decisions(&self, idx: &[u32], val: &[f32], z: &mut [f64]) {
        logits(idx, val, &self.weights, &self.intercepts, z);
    }

    /// The class probabilities (they sum to one), into `p` (`n_classes` long; for a sigmoid
    /// head, the negative class first).
    pub fn probabilities(&self, idx: &[u32], val: &[f32], p: &mut [f64]) {
        match self.link {
            Link::Sigmoid => {
                let q = sigmoid(self.decision(idx, val));
                p[0] = 1.0 - q;
                p[1] = q;
            }
            Link::Softmax => {
                self.decisions(idx, val, p);
                softmax_in_place(p);
            }
            Link::Ovr => {
                self.decisions(idx, val, p);
                for v in p.iter_mut() {
                    *v = sigmoid(*v);
                }
                let total: f64 = p.iter().sum();
                if total > 0.0 {
                    p.iter_mut().for_each(|v| *v /= total);
                } else {
                    let k = p.len() as f64;
                    p.iter_mut().for_each(|v| *v = 1.0 / k);
                }
            }
        }
    }

    /// Term j's weights, one per column.
    pub fn term(&self, j: usize) -> &[f64] {
        let c = self.columns();
        &self.weights[j * c..(j + 1) * c]
    }
}

/// `z = b + Σⱼ xⱼ·W[j]` with `W` term-major (`z.len()` columns).
pub fn logits(idx: &[u32], val: &[f32], w: &[f64], b: &[f64], z: &mut [f64]) {
    let k = z.len();
    z.copy_from_slice(b);
    for (&j, &v) in idx.iter().zip(val) {
        let row = &w[j as usize * k..j as usize * k + k];
        let v = v as f64;
        for (zc, wc) in z.iter_mut().zip(row) {
            *zc += v * wc;
        }
    }
}

/// Replaces `z` by softmax(z); returns log Σ exp(z) (computed stably).
pub fn softmax_in_place(z: &mut [f64]) -> f64 {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
    max + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sigmoid head and a two-column softmax head with the difference of its columns give
    /// the same probabilities: the binary head is the K = 2 case.
    #[test]
    fn sigmoid_head_is_the_two_class_softmax() {
        let bin = LinearHead::binary(LinearModel {
            weights: vec![0.5, -1.25, 2.0],
            intercept: 0.3,
        });
        let soft = LinearHead::classes(
            2,
            vec![0.0, 0.5, 0.0, -1.25, 0.0, 2.0],
            vec![0.0, 0.3],
            Strategy::Softmax,
        );
        let (idx, val) = ([0u32, 2], [0.6f32, 0.8]);
        let (mut p, mut q) = ([0.0; 2], [0.0; 2]);
        bin.probabilities(&idx, &val, &mut p);
        soft.probabilities(&idx, &val, &mut q);
        assert!(
            (p[1] - q[1]).abs() < 1e-12 && (p[0] - q[0]).abs() < 1e-12,
            "{p:?} {q:?}"
        );
        assert!((p[1] - sigmoid(bin.decision(&idx, &val))).abs() < 1e-15);
        assert_eq!(bin.columns(), 1);
        assert_eq!(soft.columns(), 2);
        assert_eq!(bin.term(2), &[2.0]);
        assert_eq!(soft.term(1), &[0.0, -1.25]);
        assert_eq!(bin.strategy(), None);
        assert_eq!(soft.strategy(), Some(Strategy::Softmax));
    }

    #[test]
    fn ovr_probabilities_sum_to_one() {
        let h = LinearHead::classes(3, vec![1.0, -1.0, 0.5], vec![0.0, 0.2, -0.2], Strategy::Ovr);
        let mut p = [0.0; 3];
        h.probabilities(&[0], &[1.0], &mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
        assert!(p[0] > p[2] && p[2] > p[1], "{p:?}");
    }
}

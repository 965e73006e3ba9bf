//! Probability calibration of a binary model's decision values: Platt scaling (a logistic
//! curve in the decision value, as scikit-learn's `CalibratedClassifierCV(method="sigmoid")`
//! fits it), isotonic regression (a non-decreasing map, as scikit-learn's
//! `IsotonicRegression(out_of_bounds="clip")`), and Bayes' rule for a new prior. Which scores
//! the maps are fitted on (out-of-fold ones) is the caller's business.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `p = 1 / (1 + exp(a·f + b))` for decision value `f` (scikit-learn's convention: a useful
/// map has `a < 0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    pub fn log_odds(&self, f: f64) -> f64 {
        -(self.a * f + self.b)
    }

    pub fn probability(&self, f: f64) -> f64 {
        crate::logistic::sigmoid(self.log_odds(f))
    }
}

fn check_scores(decision: &[f64], labels: &[bool]) -> Result<(f64, f64)> {
    if decision.len() != labels.len() {
        return Err(Error::Training(format!(
            "calibration: {} scores for {} labels",
            decision.len(),
            labels.len()
        )));
    }
    if let Some(bad) = decision.iter().find(|v| !v.is_finite()) {
        return Err(Error::Training(format!(
            "calibration: a decision value is {bad}"
        )));
    }
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let neg = labels.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return Err(Error::Training(
            "calibration needs scores of both classes".into(),
        ));
    }
    Ok((pos, neg))
}

/// Platt scaling fitted as scikit-learn's `_sigmoid_calibration` does (without sample
/// weights): targets smoothed by Platt's prior, `(N₊ + 1)/(N₊ + 2)` for positives and
/// `1/(N₋ + 2)` for negatives, and the cross-entropy minimized over `(a, b)`. Newton's method
/// with a backtracking line search finds the minimum to machine precision (Lin, Lin and
/// Weng's note on Platt's outputs); the smoothed targets keep it finite on separable scores.
pub fn fit_platt(decision: &[f64], labels: &[bool]) -> Result<Platt> {
    let (pos, neg) = check_scores(decision, labels)?;
    let hi = (pos + 1.0) / (pos + 2.0);
    let lo = 1.0 / (neg + 2.0);
    let target = |l: bool| if l { hi } else { lo };
    // Loss of (a, b): Σ t·log(1 + e^{-z}) + (1 − t)·log(1 + e^{z}) with z = −(a f + b).
    let loss = |a: f64, b: f64| -> f64 {
        decision
            .iter()
            .zip(labels)
            .map(|(&f, &l)| {
                let z = -(a * f + b);
                let t = target(l);
                // log(1 + e^{-z}) and log(1 + e^{z}), both stable.
                let sp = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
                t * sp(-z) + (1.0 - t) * sp(z)
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((neg + 1.0) / (pos + 1.0)).ln());
    let mut f_cur = loss(a, b);
    for _ in 0..200 {
        // Gradient and Hessian in (a, b); ∂z/∂a = −f, ∂z/∂b = −1.
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&f, &l) in decision.iter().zip(labels) {
            let p = crate::logistic::sigmoid(-(a * f + b));
            let r = target(l) - p; // ∂loss/∂z = p − t, so ∂loss/∂a = (t − p)·f
            ga += r * f;
            gb += r;
            let w = p * (1.0 - p);
            haa += w * f * f;
            hab += w * f;
            hbb += w;
        }
        // A touch of ridge keeps the step defined when every score is equal.
        let (haa, hbb) = (haa + 1e-12, hbb + 1e-12);
        let det = haa * hbb - hab * hab;
        let (da, db) = if det > 0.0 {
            (-(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det)
        } else {
            (-ga, -gb)
        };
        if (ga * ga + gb * gb).sqrt() < 1e-12 * (1.0 + f_cur.abs()) {
            break;
        }
        let mut step = 1.0;
        let slope = ga * da + gb * db;
        let mut moved = false;
        while step > 1e-12 {
            let (na, nb) = (a + step * da, b + step * db);
            let f_new = loss(na, nb);
            if f_new <= f_cur + 1e-4 * step * slope {
                moved = (na - a).abs() + (nb - b).abs() > 0.0;
                a = na;
                b = nb;
                f_cur = f_new;
                break;
            }
            step /= 2.0;
        }
        if !moved
            || (step * da).abs() < 1e-14 * (1.0 + a.abs())
                && (step * db).abs() < 1e-14 * (1.0 + b.abs())
        {
            break;
        }
    }
    if !(a.is_finite() && b.is_finite()) {
        return Err(Error::Training("Platt scaling diverged".into()));
    }
    Ok(Platt { a, b })
}

/// A non-decreasing map from decision value to probability: linear between breakpoints,
/// constant outside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Isotonic {
    pub fn probability(&self, f: f64) -> f64 {
        let (x, y) = (&self.x, &self.y);
        match x.len() {
            0 => 0.5,
            1 => y[0],
            n => {
                if f <= x[0] {
                    return y[0];
                }
                if f >= x[n - 1] {
                    return y[n - 1];
                }
                // The first breakpoint above f.
                let i = x.partition_point(|&v| v <= f);
                let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
                y0 + (y1 - y0) * (f - x0) / (x1 - x0)
            }
        }
    }
}

/// Isotonic regression of the labels on the decision values, as scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)`: equal values merged (their
/// labels averaged), pool-adjacent-violators, and only the ends of each flat run kept (the
/// interpolation between the points left is the same).
pub fn fit_isotonic(decision: &[f64], labels: &[bool]) -> Result<Isotonic> {
    check_scores(decision, labels)?;
    let mut order: Vec<usize> = (0..decision.len()).collect();
    order.sort_by(|&i, &j| decision[i].total_cmp(&decision[j]));
    // Blocks of (value, mean label, weight), merged while they violate the order.
    let mut xs: Vec<f64> = Vec::new();
    let mut sums: Vec<(f64, f64)> = Vec::new(); // (label sum, count) per distinct value
    for &i in &order {
        let l = f64::from(u8::from(labels[i]));
        if xs.last() == Some(&decision[i]) {
            if let Some(s) = sums.last_mut() {
                s.0 += l;
                s.1 += 1.0;
            }
        } else {
            xs.push(decision[i]);
            sums.push((l, 1.0));
        }
    }
    // PAV over the distinct values: each block holds (sum, weight, first index, last index).
    let mut blocks: Vec<(f64, f64, usize, usize)> = Vec::with_capacity(xs.len());
    for (k, &(s, w)) in sums.iter().enumerate() {
        blocks.push((s, w, k, k));
        while blocks.len() > 1 {
            let n = blocks.len();
            let (s1, w1, _, _) = blocks[n - 1];
            let (s0, w0, a0, _) = blocks[n - 2];
            if s0 / w0 >= s1 / w1 {
                blocks[n - 2] = (s0 + s1, w0 + w1, a0, blocks[n - 1].3);
                blocks.pop();
            } else {
                break;
            }
        }
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for &(s, w, first, last) in &blocks {
        let v = (s / w).clamp(0.0, 1.0);
        x.push(xs[first]);
        y.push(v);
        if last != first {
            x.push(xs[last]);
            y.push(v);
        }
    }
    Ok(Isotonic { x, y })
}

/// A fitted calibration map, as the model file stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Calibrator {
    Platt(Platt),
    Isotonic(Isotonic),
}

impl Calibrator {
    pub fn probability(&self, f: f64) -> f64 {
        match self {
            Calibrator::Platt(p) => p.probability(f),
            Calibrator::Isotonic(i) => i.probability(f),
        }
    }
}

/// log(p / (1 − p)).
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Bayes' rule on the odds: a probability calibrated where the positive share was `from`,
/// restated for a population where it is `to`: logit(p') = logit(p) − logit(from) +
/// logit(to). A probability of exactly 0 or 1 stays so.
pub fn shift_prior(p: f64, from: f64, to: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 || from == to {
        return p;
    }
    crate::logistic::sigmoid(logit(p) - logit(from) + logit(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The score sets of `benches/calibration_oracle.py`, rebuilt bit for bit.
    fn score_set(seed: u64, n: usize, spread: f64) -> (Vec<f64>, Vec<bool>) {
        let mut r = crate::rng::SplitMix64::new(seed);
        let (mut d, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let v = (r.next_f64() * 512.0).floor() / 64.0 - 4.0;
            let p = 1.0 / (1.0 + (-(spread * v - 0.3)).exp());
            y.push(r.next_f64() < p);
            d.push(v);
        }
        (d, y)
    }

    #[test]
    fn platt_agrees_with_scikit_learn() {
        // Printed by benches/calibration_oracle.py (scikit-learn 1.9.1,
        // CalibratedClassifierCV(method="sigmoid") on a frozen estimator).
        for (seed, n, spread, positives, a, b) in [
            (7, 2000, 1.1, 930, -1.141575124850658, 0.28233925071965454),
            (8, 600, 6.0, 308, -4.056356577666825, 0.29316791136669296),
        ] {
            let (d, y) = score_set(seed, n, spread);
            assert_eq!(
                y.iter().filter(|&&l| l).count(),
                positives,
                "not the same set"
            );
            let p = fit_platt(&d, &y).unwrap();
            assert!(
                (p.a - a).abs() < 1e-4 && (p.b - b).abs() < 1e-4,
                "seed {seed}: ours {p:?}, scikit-learn a {a} b {b}"
            );
            // Ours is the exact minimum: scikit-learn's stops at a gradient tolerance.
            assert!((p.a - a).abs() < 1e-5 && (p.b - b).abs() < 1e-5, "{p:?}");
        }
    }

    #[test]
    fn isotonic_agrees_with_scikit_learn() {
        let (d, y) = score_set(7, 2000, 1.1);
        let iso = fit_isotonic(&d, &y).unwrap();
        let probes = [
            -5.0, -4.0, -3.1, -2.0, -1.5, -0.77, -0.5, 0.0, 0.013, 0.25, 0.5, 1.0, 1.9, 2.5, 3.2,
            3.99, 5.0,
        ];
        let want = [
            0.0,
            0.0,
            0.007194244604316547,
            0.10033444816053512,
            0.10033444816053512,
            0.17757009345794392,
            0.3333333333333333,
            0.43478260869565216,
            0.43478260869565216,
            0.43478260869565216,
            0.5777777777777777,
            0.7263157894736842,
            0.9072847682119205,
            0.9645390070921985,
            0.9645390070921985,
            1.0,
            1.0,
        ];
        for (f, w) in probes.iter().zip(want) {
            let got = iso.probability(*f);
            assert!((got - w).abs() < 1e-9, "at {f}: {got} vs scikit-learn {w}");
        }
        for pair in iso.y.windows(2) {
            assert!(pair[0] <= pair[1]);
        }
        assert!(iso.x.len() < 200, "{} breakpoints kept", iso.x.len());
    }

    #[test]
    fn prior_shift_by_hand() {
        // p = 0.8 at prior ½ is odds 4; at prior 0.1 the odds are 4 · (1/9) = 4/9: p' = 4/13.
        assert!((shift_prior(0.8, 0.5, 0.1) - 4.0 / 13.0).abs() < 1e-12);
        // From a training share of 0.75 (odds 3) to ½: odds 4 / 3.
        assert!((shift_prior(0.8, 0.75, 0.5) - 4.0 / 7.0).abs() < 1e-12);
        for p in [0.01, 0.3, 0.5, 0.97] {
            let there = shift_prior(p, 0.76, 0.02);
            assert!((shift_prior(there, 0.02, 0.76) - p).abs() < 1e-12);
            assert_eq!(shift_prior(p, 0.4, 0.4), p);
        }
        assert_eq!(shift_prior(0.0, 0.5, 0.1), 0.0);
        assert_eq!(shift_prior(1.0, 0.5, 0.1), 1.0);
    }

    #[test]
    fn refuses_one_class_and_non_finite_scores_and_stays_finite_when_separable() {
        assert!(fit_platt(&[0.1, 0.2], &[true, true]).is_err());
        assert!(fit_platt(&[0.1, f64::NAN], &[true, false]).is_err());
        assert!(fit_isotonic(&[0.1, 0.2], &[false, false]).is_err());
        let d: Vec<f64> = (0..100).map(|i| i as f64 - 50.0).collect();
        let y: Vec<bool> = d.iter().map(|&v| v > 0.0).collect();
        let p = fit_platt(&d, &y).unwrap();
        assert!(p.a.is_finite() && p.b.is_finite() && p.a < 0.0, "{p:?}");
        assert!(p.probability(40.0) > 0.9 && p.probability(-40.0) < 0.1);
    }
}

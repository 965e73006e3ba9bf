//! Probability calibration, fitted to agree with scikit-learn: for a binary model's decision
//! values, Platt scaling (a logistic curve in the decision value, as
//! `CalibratedClassifierCV(method="sigmoid")` fits it) and isotonic regression (a
//! non-decreasing map, as `IsotonicRegression(out_of_bounds="clip")`), with Bayes' rule to
//! restate a probability for a new prior; for a K-class model's logits, temperature scaling.
//! Pure arithmetic: which scores the maps are fitted on (out-of-fold ones) is the caller's
//! business, and so is storing them.

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
        crate::learn::logistic::sigmoid(self.log_odds(f))
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
/// `1/(N₋ + 2)` for negatives, and the cross-entropy minimized over `(a, b)`. scikit-learn stops
/// L-BFGS at a gradient tolerance; this runs Newton's method with a backtracking line search
/// (Lin, Lin and Weng's note on Platt's outputs) to the exact minimum, which the smoothed
/// targets keep finite even on separable scores.
///
/// When every score is equal, every `(a, b)` with the same `a·f + b` fits equally well; the
/// one returned is the one scikit-learn's optimizer reaches.
pub fn fit_platt(decision: &[f64], labels: &[bool]) -> Result<Platt> {
    let (pos, neg) = check_scores(decision, labels)?;
    let hi = (pos + 1.0) / (pos + 2.0);
    let lo = 1.0 / (neg + 2.0);
    // scikit-learn's starting point, which only matters when the minimum is not unique.
    let b0 = ((neg + 1.0) / (pos + 1.0)).ln();
    let first = decision[0];
    if decision.iter().all(|&f| f == first) {
        return Ok(platt_constant(first, pos, neg, b0));
    }
    // Standardized scores make the Hessian well conditioned whatever the scale and offset of
    // the decision values, and change nothing else: Newton's method is affine-invariant.
    // Dividing by the largest magnitude first keeps huge scores finite.
    let n = decision.len() as f64;
    let m = decision.iter().fold(0.0f64, |m, f| m.max(f.abs()));
    let mean = decision.iter().map(|&f| f / m).sum::<f64>() / n;
    let sd = (decision
        .iter()
        .map(|&f| (f / m - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    if sd.is_nan() || sd <= 0.0 {
        // Distinct scores whose spread is lost below the resolution of their scale.
        return Ok(platt_constant(first, pos, neg, b0));
    }
    let x: Vec<f64> = decision.iter().map(|&f| (f / m - mean) / sd).collect();
    let t: Vec<f64> = labels.iter().map(|&l| if l { hi } else { lo }).collect();
    let at = |a: f64, b: f64| PlattPoint::new(&x, &t, a, b);

    let mut cur = at(0.0, b0);
    for _ in 0..MAX_NEWTON {
        let (d, dec) = cur.newton();
        if dec.is_nan() || dec <= 0.0 {
            break;
        }
        // Near the minimum the predicted decrease (half the decrement) is below what a sum of
        // n losses resolves; there Newton's full step is trusted and judged by whether the
        // decrement keeps falling, which stops it where rounding stalls the iteration.
        let trusted = dec <= QUADRATIC * cur.loss;
        let mut step = 1.0;
        let next = loop {
            let trial = at(cur.a + step * d[0], cur.b + step * d[1]);
            if trusted || trial.loss <= cur.loss - ARMIJO * step * dec {
                break Some(trial);
            }
            step *= 0.5;
            if step < 1e-30 {
                break None;
            }
        };
        let Some(next) = next else { break };
        if trusted && next.newton().1.partial_cmp(&dec) != Some(std::cmp::Ordering::Less) {
            break;
        }
        cur = next;
    }
    let a = cur.a / (m * sd);
    let b = cur.b - cur.a * mean / sd;
    if !(a.is_finite() && b.is_finite()) {
        return Err(Error::Training("Platt scaling diverged".into()));
    }
    Ok(Platt { a, b })
}

/// Newton iterations at most: a guard, far above what the fit needs.
const MAX_NEWTON: usize = 200;
/// Sufficient decrease of the backtracking line search, as a share of the predicted one.
const ARMIJO: f64 = 1e-4;
/// Newton decrement, relative to the loss, below which the loss no longer arbitrates steps.
/// Far above the rounding of a compensated sum (~1e-16), far below any real progress.
const QUADRATIC: f64 = 1e-10;

/// Platt's loss at one `(a, b)` on standardized scores, with its gradient and Hessian.
struct PlattPoint {
    a: f64,
    b: f64,
    loss: f64,
    g: [f64; 2],
    /// `[∂²/∂a², ∂²/∂a∂b, ∂²/∂b²]`.
    h: [f64; 3],
}

impl PlattPoint {
    fn new(x: &[f64], t: &[f64], a: f64, b: f64) -> PlattPoint {
        let mut loss = Neumaier::default();
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &t) in x.iter().zip(t) {
            // u = a x + b and p = 1/(1 + e^u): the loss is t·log(1 + e^u) + (1 − t)·log(1 + e^−u)
            // and its derivative in u is t − p; one exponential serves both, on either sign.
            let u = a * x + b;
            let e = (-u.abs()).exp();
            let p = if u >= 0.0 {
                e / (1.0 + e)
            } else {
                1.0 / (1.0 + e)
            };
            loss.add(e.ln_1p() + t * u.max(0.0) + (1.0 - t) * (-u).max(0.0));
            let r = t - p;
            ga += r * x;
            gb += r;
            let w = p * (1.0 - p);
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        PlattPoint {
            a,
            b,
            loss: loss.sum(),
            g: [ga, gb],
            h: [haa, hab, hbb],
        }
    }

    /// The Newton direction and the decrement `−g·d` (twice the decrease it predicts). Where
    /// the Hessian is singular (every score saturated but one value) steepest descent stands in.
    fn newton(&self) -> ([f64; 2], f64) {
        let [ga, gb] = self.g;
        let [haa, hab, hbb] = self.h;
        let det = haa * hbb - hab * hab;
        let d = if det > 0.0 && det.is_finite() {
            [-(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det]
        } else {
            [-ga, -gb]
        };
        (d, -(ga * d[0] + gb * d[1]))
    }
}

/// Compensated summation: the loss of a million points must resolve changes far below the
/// rounding of a naive running sum.
#[derive(Default)]
struct Neumaier {
    sum: f64,
    carry: f64,
}

impl Neumaier {
    fn add(&mut self, v: f64) {
        let s = self.sum + v;
        self.carry += if self.sum.abs() >= v.abs() {
            (self.sum - s) + v
        } else {
            (v - s) + self.sum
        };
        self.sum = s;
    }

    fn sum(&self) -> f64 {
        self.sum + self.carry
    }
}

/// Platt's fit when every score is `f`. Only `a·f + b` is determined: it is minus the log-odds
/// of the mean smoothed target. scikit-learn starts at `(0, b0)` and every gradient it sees points
/// along `(F, 1)`, with `F = f`, or `f/|f|` where it rescales scores of magnitude 30 or more;
/// so it ends on that line, and so does this.
fn platt_constant(f: f64, pos: f64, neg: f64, b0: f64) -> Platt {
    let n = pos + neg;
    // Mean target and its complement, each summed from exact shares.
    let p = (pos * (pos + 1.0) / (pos + 2.0) + neg / (neg + 2.0)) / n;
    let q = (pos / (pos + 2.0) + neg * (neg + 1.0) / (neg + 2.0)) / n;
    let target = (q / p).ln();
    let (big, scale) = if f.abs() >= 30.0 {
        (f.signum(), f.abs())
    } else {
        (f, 1.0)
    };
    let s = (target - b0) / (1.0 + big * big);
    Platt {
        a: big * s / scale,
        b: b0 + s,
    }
}

/// A non-decreasing map from decision value to probability: linear between breakpoints,
/// constant outside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Isotonic {
    /// A NaN score gives NaN. A map read from a damaged file (unsorted, or `x` and `y` of
    /// different lengths) gives some value rather than a panic.
    pub fn probability(&self, f: f64) -> f64 {
        let n = self.x.len().min(self.y.len());
        let (x, y) = (&self.x[..n], &self.y[..n]);
        if f.is_nan() {
            return f;
        }
        match n {
            0 => 0.5,
            1 => y[0],
            _ => {
                if f <= x[0] {
                    return y[0];
                }
                if f >= x[n - 1] {
                    return y[n - 1];
                }
                // The first breakpoint above f.
                let i = x.partition_point(|&v| v <= f).clamp(1, n - 1);
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
    // scikit-learn averages the labels of equal values before pooling; exact label sums keep
    // equal means equal, so pooling merges the blocks it should.
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
    crate::learn::logistic::sigmoid(logit(p) - logit(from) + logit(to))
}

/// Temperature scaling of a K-class model: the `T > 0` that minimizes the mean negative
/// log-likelihood of `softmax(z / T)` over rows of `logits` (row-major, `k` per row) whose true
/// classes are `classes`, as scikit-learn's `CalibratedClassifierCV(method="temperature")`.
///
/// The search runs on β = 1/T, where the loss (a log-sum-exp minus a linear term) is convex:
/// its derivative, the mean over rows of E_softmax(z) − z_true, rises from β = 0 to β = ∞, so
/// Newton's method, kept inside a bracket that bisection shrinks when a step leaves it, finds
/// its one root to rounding. No such root (an error) when the logits do not favour the true
/// classes on average (the best T is infinite) or when every row already ranks its true
/// class strictly first (the loss falls toward 0 as T → 0).
pub fn fit_temperature(logits: &[f64], k: usize, classes: &[u32]) -> Result<f64> {
    check_temperature_input(logits, k, classes)?;
    // Rows shifted so that their top logit is 0: the softmax is unchanged and no exponential
    // overflows, at any β.
    let mut shifted = logits.to_vec();
    for row in shifted.chunks_exact_mut(k) {
        let top = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.iter_mut().for_each(|v| *v -= top);
    }
    let loss = TemperatureLoss {
        shifted: &shifted,
        k,
        classes,
    };
    loss.check_root_exists()?;
    let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
    let mut beta = 1.0f64;
    for _ in 0..MAX_TEMPERATURE_STEPS {
        let (g, h) = loss.slope(beta);
        if g == 0.0 {
            return Ok(1.0 / beta);
        }
        if g < 0.0 {
            lo = beta;
        } else {
            hi = beta;
        }
        let newton = beta - g / h;
        let next = if h > 0.0 && newton > lo && newton < hi {
            newton
        } else if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * beta
        };
        if !next.is_finite() {
            break;
        }
        // Newton converges quadratically, so a step this small leaves an error far smaller;
        // the bracket test ends the rare case where rounding in the derivative stalls it.
        let done = (next - beta).abs() <= 1e-14 * beta || hi.is_finite() && hi - lo <= 1e-14 * hi;
        beta = next;
        if done {
            return Ok(1.0 / beta);
        }
    }
    Err(Error::Training(
        "temperature scaling: the search for the temperature did not converge".into(),
    ))
}

/// The shapes and values [`fit_temperature`] needs: two classes or more, whole rows, class
/// indices in range, finite logits.
fn check_temperature_input(logits: &[f64], k: usize, classes: &[u32]) -> Result<()> {
    if k < 2 {
        return Err(Error::Training(format!(
            "temperature scaling needs two classes or more, not {k}"
        )));
    }
    if classes.is_empty() || classes.len().checked_mul(k) != Some(logits.len()) {
        return Err(Error::Training(format!(
            "temperature scaling: {} logits are not {} rows of {k}",
            logits.len(),
            classes.len()
        )));
    }
    if let Some(c) = classes.iter().find(|&&c| c as usize >= k) {
        return Err(Error::Training(format!(
            "temperature scaling: class {c} of {k} classes"
        )));
    }
    if let Some(bad) = logits.iter().find(|v| !v.is_finite()) {
        return Err(Error::Training(format!(
            "temperature scaling: a logit is {bad}"
        )));
    }
    Ok(())
}

/// The mean negative log-likelihood of `softmax(β · z)` as a function of β, over rows whose
/// top logit has been shifted to 0.
struct TemperatureLoss<'a> {
    shifted: &'a [f64],
    k: usize,
    classes: &'a [u32],
}

impl TemperatureLoss<'_> {
    fn truth(&self, i: usize, row: &[f64]) -> f64 {
        row[self.classes[i] as usize]
    }

    /// An error unless the derivative changes sign somewhere in β > 0.
    fn check_root_exists(&self) -> Result<()> {
        let (k, n) = (self.k, self.classes.len() as f64);
        // The derivative at β = 0 (a uniform softmax) and in the limit β → ∞ (all mass on the
        // top logit, which is 0 after the shift).
        let at_zero = self
            .shifted
            .chunks_exact(k)
            .enumerate()
            .map(|(i, row)| row.iter().sum::<f64>() / k as f64 - self.truth(i, row))
            .sum::<f64>()
            / n;
        if at_zero.is_nan() || at_zero >= 0.0 {
            return Err(Error::Training(
                "temperature scaling: the logits do not favour the true classes, so no finite \
                 temperature minimizes the loss"
                    .into(),
            ));
        }
        // As β → ∞ the softmax settles on each row's top logits, so the derivative tends to the
        // mean of (top − true): positive, leaving a root, only if some row ranks its true class
        // below its top.
        if self
            .shifted
            .chunks_exact(k)
            .enumerate()
            .all(|(i, row)| self.truth(i, row) == 0.0)
        {
            return Err(Error::Training(
                "temperature scaling: every row ranks its true class first (or tied first), so \
                 the loss keeps falling as the temperature goes to 0"
                    .into(),
            ));
        }
        Ok(())
    }

    /// First and second derivative of the mean loss in β.
    fn slope(&self, beta: f64) -> (f64, f64) {
        let (mut g, mut h) = (0.0, 0.0);
        for (i, row) in self.shifted.chunks_exact(self.k).enumerate() {
            let (mut z, mut sz) = (0.0, 0.0);
            for &v in row {
                let w = (beta * v).exp();
                z += w;
                sz += w * v;
            }
            let mean = sz / z;
            let var = row
                .iter()
                .map(|&v| (beta * v).exp() * (v - mean) * (v - mean))
                .sum::<f64>()
                / z;
            g += mean - self.truth(i, row);
            h += var;
        }
        let n = self.classes.len() as f64;
        (g / n, h / n)
    }
}

/// Steps of the temperature search at most: Newton needs about ten, and bisection halves
/// even a bracket of [0, 2^1000] to 1e-14 of its size within this many.
const MAX_TEMPERATURE_STEPS: usize = 2500;

/// `softmax(logits / t)` of one row, for `t > 0` and finite logits.
pub fn softmax_with_temperature(logits: &[f64], t: f64) -> Vec<f64> {
    // Shifted by the top logit so that no exponential overflows.
    let top = logits.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let e: Vec<f64> = logits.iter().map(|&z| ((z - top) / t).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The score sets of `benches/calibration_oracle.py`, rebuilt bit for bit.
    fn score_set(seed: u64, n: usize, spread: f64) -> (Vec<f64>, Vec<bool>) {
        let mut r = crate::util::rng::SplitMix64::new(seed);
        let (mut d, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let v = (r.next_f64() * 512.0).floor() / 64.0 - 4.0;
            let p = 1.0 / (1.0 + (-(spread * v - 0.3)).exp());
            y.push(r.next_f64() < p);
            d.push(v);
        }
        (d, y)
    }

    /// The 3-class logit set of `benches/calibration_oracle.py`, rebuilt bit for bit.
    fn logit_set(seed: u64, n: usize) -> (Vec<f64>, Vec<u32>) {
        let mut r = crate::util::rng::SplitMix64::new(seed);
        let (mut z, mut c) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let cls = (r.next_f64() * 3.0) as u32;
            for j in 0..3 {
                let noise = r.next_f64() + r.next_f64() + r.next_f64() - 1.5;
                let hit = if j == cls { 1.0 } else { 0.0 };
                z.push(4.0 * (hit + 1.5 * noise));
            }
            c.push(cls);
        }
        (z, c)
    }

    fn rel(x: f64, y: f64) -> f64 {
        (x - y).abs() / y.abs()
    }

    #[test]
    fn platt_agrees_with_scikit_learn() {
        // Printed by benches/calibration_oracle.py (scikit-learn 1.9.1): a and b from
        // CalibratedClassifierCV(method="sigmoid") on a frozen estimator, then the exact
        // minimum of the same loss (Newton in long double), which scikit-learn's gradient
        // tolerance stops short of by ~1e-8.
        let sets = [
            // (seed, n, spread, scale, positives, sklearn a, b, exact a, b)
            (
                7,
                2000,
                1.1,
                1.0,
                930,
                [-1.141575124850658, 0.28233925071965454],
                [-1.14157512607911, 0.28233924931937915],
            ),
            (
                8,
                600,
                6.0,
                1.0,
                308,
                [-4.056356577666825, 0.29316791136669296],
                [-4.056356627552684, 0.29316794456409917],
            ),
            (
                7,
                2000,
                1.1,
                100.0,
                930,
                [-0.011415751261240037, 0.28233924901265584],
                [-0.0114157512607911, 0.28233924931937915],
            ),
        ];
        for (seed, n, spread, scale, positives, sk, exact) in sets {
            let (d, y) = score_set(seed, n, spread);
            let d: Vec<f64> = d.iter().map(|v| v * scale).collect();
            assert_eq!(
                y.iter().filter(|&&l| l).count(),
                positives,
                "not the same set"
            );
            let p = fit_platt(&d, &y).unwrap();
            assert!(
                (p.a - sk[0]).abs() < 1e-4 * scale.recip() && (p.b - sk[1]).abs() < 1e-4,
                "seed {seed} scale {scale}: ours {p:?}, scikit-learn {sk:?}"
            );
            assert!(
                rel(p.a, exact[0]) < 1e-12 && rel(p.b, exact[1]) < 1e-12,
                "seed {seed} scale {scale}: ours {p:?}, exact {exact:?}"
            );
        }
    }

    #[test]
    fn platt_on_equal_scores_lands_where_scikit_learn_does() {
        // benches/calibration_oracle.py, "constant": ten equal scores, three positives.
        let y = [
            true, true, true, false, false, false, false, false, false, false,
        ];
        for (f, a, b) in [
            (0.7, 0.03328802373791982, 0.7407015001855448),
            (50.0, 0.0007085593649321238, 0.7285751488065515),
        ] {
            let p = fit_platt(&[f; 10], &y).unwrap();
            assert!(
                (p.a - a).abs() < 1e-7 && (p.b - b).abs() < 1e-7,
                "{f}: {p:?}"
            );
            // Whatever the split between a and b, the probability is the mean smoothed target.
            let mean_target = (3.0 * 0.8 + 7.0 / 9.0) / 10.0;
            assert!((p.probability(f) - mean_target).abs() < 1e-14);
        }
    }

    #[test]
    fn platt_on_a_million_points_reaches_the_minimum() {
        let (d, y) = score_set(9, 1_000_000, 2.0);
        let p = fit_platt(&d, &y).unwrap();
        assert_eq!(p, fit_platt(&d, &y).unwrap(), "not deterministic");
        // At the minimum the gradient vanishes: Σ (t − p) and Σ (t − p)·f, each a sum of a
        // million terms of size ~0.5, are zero up to rounding.
        let pos = y.iter().filter(|&&l| l).count() as f64;
        let neg = y.len() as f64 - pos;
        let (mut gb, mut ga) = (0.0, 0.0);
        for (&f, &l) in d.iter().zip(&y) {
            let t = if l {
                (pos + 1.0) / (pos + 2.0)
            } else {
                1.0 / (neg + 2.0)
            };
            let r = t - p.probability(f);
            gb += r;
            ga += r * f;
        }
        assert!(gb.abs() < 1e-7 && ga.abs() < 1e-7, "gradient {ga} {gb}");
        assert!(
            (p.a + 2.0).abs() < 0.02 && (p.b - 0.3).abs() < 0.02,
            "{p:?}"
        );
    }

    #[test]
    fn isotonic_agrees_with_scikit_learn() {
        let (d, y) = score_set(7, 2000, 1.1);
        let iso = fit_isotonic(&d, &y).unwrap();
        // Printed by benches/calibration_oracle.py (scikit-learn 1.9.1,
        // IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)).
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
        // scikit-learn keeps 50 of the 512 distinct values.
        assert_eq!(iso.x.len(), 50);
        assert_eq!(iso.y.len(), 50);
    }

    #[test]
    fn isotonic_is_non_decreasing_and_within_zero_and_one() {
        for (seed, n, spread) in [(3, 500, 0.4), (4, 3000, 3.0), (5, 40, 1.0)] {
            let (d, y) = score_set(seed, n, spread);
            let iso = fit_isotonic(&d, &y).unwrap();
            let mut last = 0.0;
            for i in 0..=1200 {
                let f = -6.0 + i as f64 / 100.0;
                let p = iso.probability(f);
                assert!((0.0..=1.0).contains(&p), "{p} at {f}");
                assert!(p >= last, "falls from {last} to {p} at {f}");
                last = p;
            }
            assert!(iso.x.windows(2).all(|w| w[0] < w[1]));
        }
        let iso = fit_isotonic(&[0.0, 1.0], &[false, true]).unwrap();
        assert!(iso.probability(f64::NAN).is_nan());
        assert_eq!(iso.probability(0.25), 0.25);
    }

    #[test]
    fn prior_shift_by_hand() {
        // p = 0.8 at prior ½ is odds 4; at prior 0.1 the odds are 4 · (1/9) = 4/9: p' = 4/13.
        assert!((shift_prior(0.8, 0.5, 0.1) - 4.0 / 13.0).abs() < 1e-12);
        // From a training share of 0.75 (odds 3) to ½: odds 4 / 3.
        assert!((shift_prior(0.8, 0.75, 0.5) - 4.0 / 7.0).abs() < 1e-12);
        assert!((logit(0.8) - 4f64.ln()).abs() < 1e-15);
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
        assert!(fit_platt(&[0.1, f64::INFINITY], &[true, false]).is_err());
        assert!(fit_platt(&[0.1], &[true, false]).is_err());
        assert!(fit_platt(&[], &[]).is_err());
        assert!(fit_isotonic(&[0.1, 0.2], &[false, false]).is_err());
        let d: Vec<f64> = (0..100).map(|i| i as f64 - 50.0).collect();
        let y: Vec<bool> = d.iter().map(|&v| v > 0.0).collect();
        for scale in [1.0, 1e-200, 1e200] {
            let d: Vec<f64> = d.iter().map(|v| v * scale).collect();
            let p = fit_platt(&d, &y).unwrap();
            assert!(p.a.is_finite() && p.b.is_finite() && p.a < 0.0, "{p:?}");
            assert!(p.probability(40.0 * scale) > 0.9 && p.probability(-40.0 * scale) < 0.1);
            // Far apart classes: the fit matches the smoothed targets, 51/52 and 1/52.
            assert!((p.probability(d[99]) - 51.0 / 52.0).abs() < 0.02, "{p:?}");
        }
    }

    #[test]
    fn temperature_agrees_with_scikit_learn() {
        let (z, c) = logit_set(11, 1500);
        let t = fit_temperature(&z, 3, &c).unwrap();
        // Printed by benches/calibration_oracle.py: scikit-learn 1.9.1's _TemperatureScaling,
        // scipy's minimize_scalar on log T, and the root of the loss's derivative in 1/T.
        let (sklearn, minimize_scalar, root) =
            (2.1472646717166857, 2.147264625503957, 2.1472646249725122);
        assert!(
            rel(t, sklearn) < 1e-4 && rel(t, minimize_scalar) < 1e-4,
            "{t}"
        );
        assert!(rel(t, root) < 1e-12, "{t} vs {root}");
        // Scaling every logit scales the temperature.
        let z3: Vec<f64> = z.iter().map(|v| v * 3.0).collect();
        assert!(rel(fit_temperature(&z3, 3, &c).unwrap(), 3.0 * t) < 1e-12);
    }

    #[test]
    fn temperature_refuses_what_has_no_minimum() {
        let z = [2.0, 0.0, 1.0, 0.5];
        assert!(fit_temperature(&z, 1, &[0, 0, 0, 0]).is_err());
        assert!(fit_temperature(&z, 2, &[0]).is_err());
        assert!(fit_temperature(&z, 2, &[0, 2]).is_err());
        assert!(fit_temperature(&[f64::NAN, 0.0, 1.0, 0.5], 2, &[0, 0]).is_err());
        assert!(fit_temperature(&[], 2, &[]).is_err());
        // True classes always on top (once tied): the loss falls all the way to T → 0.
        assert!(fit_temperature(&z, 2, &[0, 0]).is_err());
        assert!(fit_temperature(&[1.0, 1.0, 1.0, 0.5], 2, &[0, 0]).is_err());
        // Logits that favour the wrong class: the best T is infinite.
        assert!(fit_temperature(&z, 2, &[1, 1]).is_err());
        // One row right by 2, one wrong by 1: the loss log(1 + e^(−2β)) + log(1 + e^β) has
        // derivative 1/(1 + e^(−β)) − 2/(1 + e^(2β)), zero where u = e^β solves u³ − u − 2 = 0
        // (Cardano: u = ∛(1 + √(26/27)) + ∛(1 − √(26/27)) ≈ 1.5214).
        let t = fit_temperature(&[2.0, 0.0, 0.0, 1.0], 2, &[0, 0]).unwrap();
        let r = (26.0f64 / 27.0).sqrt();
        let u = (1.0 + r).cbrt() + (1.0 - r).cbrt();
        assert!(rel(t, 1.0 / u.ln()) < 1e-13, "{t} vs {}", 1.0 / u.ln());
    }

    #[test]
    fn softmax_with_temperature_by_hand() {
        let z = [0.0, 2f64.ln(), 3f64.ln()];
        let p = softmax_with_temperature(&z, 1.0);
        for (got, want) in p.iter().zip([1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0]) {
            assert!((got - want).abs() < 1e-15);
        }
        // At T = 2 the weights are square roots.
        let p = softmax_with_temperature(&z, 2.0);
        let s = 1.0 + 2f64.sqrt() + 3f64.sqrt();
        for (got, want) in p.iter().zip([1.0 / s, 2f64.sqrt() / s, 3f64.sqrt() / s]) {
            assert!((got - want).abs() < 1e-15);
        }
        // Huge logits do not overflow.
        let p = softmax_with_temperature(&[1000.0, 1000.0], 0.5);
        assert_eq!(p, vec![0.5, 0.5]);
    }
}

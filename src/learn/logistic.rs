//! L2-regularized binary logistic regression on a sparse matrix. It minimizes the objective
//! linfa-logistic minimizes, `Σ sᵢ·log(1 + exp(−yᵢ·zᵢ)) + α/2·‖w‖²` with `zᵢ = xᵢ·w + b`,
//! `yᵢ ∈ {−1, +1}`, the intercept `b` unpenalized and `sᵢ` the class weight (1 unless
//! balanced), with L-BFGS (`learn::lbfgs`; linfa-logistic uses argmin's, whose working
//! memory on a 700k-column problem exceeds the data's). The solver sees the objective divided
//! by the number of rows (same minimizer), in variables rescaled by the diagonal of the Hessian
//! at zero (a diagonal preconditioner: 44 L-BFGS iterations instead of 361 on the 721k-post
//! benchmark), and stops when the gradient norm falls below `tol` times its norm at the start:
//! a rule that scales with the data, where a fixed absolute tolerance on a summed loss is never
//! reached on large sets. Loss and gradient come from one pass over the rows (Xᵀr scattered
//! while the row is in cache; no transposed copy). It owns fitting and the fitted linear
//! function; features and files live elsewhere.

use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::lbfgs::{self, Objective};
use crate::util::progress::Progress;
use crate::util::sparse::Csr;

/// How a multi-class model is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// One multinomial (softmax) logistic regression over all classes.
    #[default]
    Softmax,
    /// One binary logistic regression per class against all others.
    Ovr,
}

impl Strategy {
    pub fn is_softmax(&self) -> bool {
        *self == Strategy::Softmax
    }

    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Softmax => "softmax",
            Strategy::Ovr => "ovr",
        }
    }
}

/// How the two classes are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every post counts once.
    None,
    /// Each class counts as much in total: weight n / (2 · n_class).
    Balanced,
    /// As `Balanced`, and within its class each source (file, or `--source-col` value) counts
    /// as much as every other: weight n / (2 · S_class · n_source), with S_class the sources
    /// of that class. A large generic source then does not drown a small one of the same
    /// class. The caller computes the weights ([`source_weights`]).
    Source,
}

impl ClassWeight {
    /// The name the command line and reports use.
    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::None => "none",
            ClassWeight::Balanced => "balanced",
            ClassWeight::Source => "source",
        }
    }
}

/// Training settings (checked with [`LogisticParams::check`] before any data is read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// L2 penalty α (= 1 / C). Default 0.25 (C = 4).
    pub alpha: f64,
    /// Default `Balanced`: which class is more frequent in training data is an accident of
    /// collection, and balanced weights make 0.5 a balanced operating point.
    pub class_weight: ClassWeight,
    /// Most L-BFGS iterations. Default 1000.
    pub max_iter: u64,
    /// Stop when ‖∇‖ < tol · ‖∇ at the start‖, both in the solver's rescaled variables.
    /// Default 1e-3.
    pub tol: f64,
    /// L-BFGS history length. Default 10 (as linfa-logistic).
    pub memory: usize,
    /// How a model with more than two classes is fitted (not used by binary models, and
    /// not written for them). Default softmax.
    #[serde(default, skip_serializing_if = "Strategy::is_softmax")]
    pub multiclass: Strategy,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            alpha: 0.25,
            class_weight: ClassWeight::Balanced,
            max_iter: 1000,
            tol: 1e-3,
            memory: 10,
            multiclass: Strategy::Softmax,
        }
    }
}

impl LogisticParams {
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::param(
                "alpha",
                self.alpha,
                "must be a positive number (alpha = 1/C)",
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max-iter", 0, "must be at least 1"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0 && self.tol < 1.0) {
            return Err(Error::param("tol", self.tol, "must be in (0, 1)"));
        }
        if self.memory == 0 || self.memory > 100 {
            return Err(Error::param("memory", self.memory, "must be in 1..=100"));
        }
        Ok(())
    }
}

/// The fitted linear function `z = x·w + b`; the positive-class probability is σ(z).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub weights: Vec<f64>,
    pub intercept: f64,
}

impl LinearModel {
    pub fn decision(&self, idx: &[u32], val: &[f32]) -> f64 {
        self.intercept + crate::util::sparse::dot(idx, val, &self.weights)
    }

    pub fn probability(&self, idx: &[u32], val: &[f32]) -> f64 {
        sigmoid(self.decision(idx, val))
    }
}

/// How the optimization went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub iterations: u64,
    /// Evaluations of X·w (each cost or gradient at a new point).
    pub evaluations: u64,
    /// The objective at the solution, summed over rows (as linfa-logistic reports it).
    pub final_loss: f64,
    pub converged: bool,
    pub termination: String,
    /// ‖∇‖ of the per-row objective at the start and at the solution.
    pub initial_gradient_norm: f64,
    pub final_gradient_norm: f64,
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Row partitions of the fused loss-and-gradient pass. Fixed, not the thread count, so that
/// the sums, and the model, are the same at any thread count.
const PARTS: usize = 4;
/// Columns per task when the partitions' gradients are added.
pub(crate) const BLOCK: usize = 8192;

/// What the binary and the softmax problems share in their fused loss-and-gradient pass: the
/// rows cut into [`PARTS`] partitions of about equal non-zeros, a gradient buffer per
/// partition and the `w` buffer, kept between evaluations.
pub(crate) struct Partitions {
    /// Rows `bounds[p]..bounds[p + 1]` form partition `p`.
    pub bounds: Vec<usize>,
    buffers: Mutex<(Vec<Vec<f64>>, Vec<f64>)>,
}

impl Partitions {
    pub fn new(x: &Csr) -> Partitions {
        let target = x.nnz() / PARTS + 1;
        let mut bounds = vec![0];
        for i in 0..x.n_rows() {
            if x.indptr[i + 1] >= target * bounds.len() && bounds.len() < PARTS {
                bounds.push(i + 1);
            }
        }
        bounds.push(x.n_rows());
        Partitions {
            bounds,
            buffers: Mutex::new((Vec::new(), Vec::new())),
        }
    }

    /// The rows of partition `p`.
    pub fn rows(&self, p: usize) -> std::ops::Range<usize> {
        self.bounds[p]..self.bounds[p + 1]
    }

    /// One buffer per partition, from earlier evaluations where there are (the caller clears
    /// and sizes them, in parallel).
    pub fn take_pool(&self) -> Vec<Vec<f64>> {
        let mut pool = self
            .buffers
            .lock()
            .map(|mut b| std::mem::take(&mut b.0))
            .unwrap_or_default();
        pool.resize_with(self.bounds.len() - 1, Vec::new);
        pool
    }

    /// The partitions' buffers added in partition order (parallel over blocks of `len`
    /// entries); the buffers are kept for the next evaluation.
    pub fn sum(&self, pool: Vec<Vec<f64>>, len: usize) -> Vec<f64> {
        let mut out = vec![0.0; len];
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, chunk)| {
                let base = b * BLOCK;
                for g in &pool {
                    for (o, v) in chunk.iter_mut().zip(&g[base..]) {
                        *o += v;
                    }
                }
            });
        if let Ok(mut b) = self.buffers.lock() {
            b.0 = pool;
        }
        out
    }

    /// An L-BFGS evaluation in the solver's variables `v`, with `w = v ∘ scale`:
    /// `loss_grad(w)`, its gradient mapped back to `v` in `g`.
    pub fn eval_scaled(
        &self,
        v: &[f64],
        g: &mut [f64],
        scale: &[f64],
        loss_grad: impl FnOnce(&[f64]) -> (f64, Vec<f64>),
    ) -> f64 {
        let mut w = self
            .buffers
            .lock()
            .map(|mut b| std::mem::take(&mut b.1))
            .unwrap_or_default();
        w.clear();
        w.extend(v.iter().zip(scale).map(|(a, b)| a * b));
        let (f, gw) = loss_grad(&w);
        for ((o, gj), sj) in g.iter_mut().zip(&gw).zip(scale) {
            *o = gj * sj;
        }
        if let Ok(mut b) = self.buffers.lock() {
            b.1 = w;
        }
        f
    }
}

struct Problem<'a> {
    x: &'a Csr,
    /// Row i's label is `y[i]` (true: +1) and its weight `row_weight[i]` when given, else
    /// `weight[y[i] as usize]`.
    y: &'a [bool],
    weight: [f64; 2],
    row_weight: Option<&'a [f64]>,
    alpha: f64,
    n: f64,
    parts: Partitions,
    /// The solver works on `v` with `w = v ∘ scale`: `scale_j = 1/√h_j`, `h_j` the Hessian's
    /// diagonal at w = 0. TF-IDF columns differ in curvature by orders of magnitude (a term in
    /// two posts against one in half of them); rescaled, L-BFGS needs several times fewer
    /// iterations. The minimizer in `w` is the same.
    scale: Vec<f64>,
}

impl<'a> Problem<'a> {
    fn new(
        x: &'a Csr,
        y: &'a [bool],
        class_weight: ClassWeight,
        row_weight: Option<&'a [f64]>,
        alpha: f64,
        precondition: bool,
    ) -> Problem<'a> {
        let n = y.len() as f64;
        let d = x.n_cols;
        let mut p = Problem {
            x,
            y,
            weight: class_weights(y, class_weight),
            row_weight,
            alpha,
            n,
            parts: Partitions::new(x),
            scale: vec![1.0; d + 1],
        };
        if precondition {
            // h_j = (α + ¼ Σ sᵢ xᵢⱼ²) / n: the curvature at w = 0, where every σ(1 − σ) is ¼.
            let (mut h, total) = p.scatter(|i, _| (0.25 * p.s(i), p.s(i)), true);
            for hj in &mut h[..d] {
                *hj = (*hj + alpha) / n;
            }
            h[d] = 0.25 * total / n;
            p.scale = h.iter().map(|v| 1.0 / v.sqrt()).collect();
        }
        p
    }

    fn s(&self, i: usize) -> f64 {
        match self.row_weight {
            Some(w) => w[i],
            None => self.weight[usize::from(self.y[i])],
        }
    }

    /// With `(cᵢ, eᵢ) = coef(i, row i)`: `Σᵢ cᵢ·xᵢ` (or `Σᵢ cᵢ·xᵢ²` with `squared`) with `Σᵢ cᵢ` as
    /// its last entry, and `Σᵢ eᵢ`. One pass over the rows, each partition into its own
    /// buffer; partitions are added in order.
    fn scatter(
        &self,
        coef: impl Fn(usize, (&[u32], &[f32])) -> (f64, f64) + Sync,
        squared: bool,
    ) -> (Vec<f64>, f64) {
        let d = self.x.n_cols;
        let mut pool = self.parts.take_pool();
        let extras: Vec<f64> = pool
            .par_iter_mut()
            .enumerate()
            .map(|(p, g)| {
                g.clear();
                g.resize(d + 1, 0.0);
                let (mut total, mut extra) = (0.0, 0.0);
                for i in self.parts.rows(p) {
                    let row = self.x.row(i);
                    let (c, e) = coef(i, row);
                    total += c;
                    extra += e;
                    let (idx, val) = row;
                    if squared {
                        for (&j, &v) in idx.iter().zip(val) {
                            g[j as usize] += c * (v as f64) * (v as f64);
                        }
                    } else {
                        for (&j, &v) in idx.iter().zip(val) {
                            g[j as usize] += c * v as f64;
                        }
                    }
                }
                g[d] = total;
                extra
            })
            .collect();
        (self.parts.sum(pool, d + 1), extras.iter().sum())
    }

    /// The per-row objective at `(w, b)` (`w_b` holds `b` last) and its gradient.
    fn loss_grad(&self, w_b: &[f64]) -> (f64, Vec<f64>) {
        let d = self.x.n_cols;
        let (w, b) = (&w_b[..d], w_b[d]);
        // Row i's loss term and its derivative rᵢ = ∂/∂zᵢ come from one exp and one log; the
        // gradient's Xᵀr is added while the row is still in cache.
        let (mut g, data) = self.scatter(
            |i, (idx, val)| {
                let y = if self.y[i] { 1.0 } else { -1.0 };
                let s = self.s(i);
                let z = crate::util::sparse::dot(idx, val, w) + b;
                let m = y * z;
                let e = (-m.abs()).exp();
                let loss = s * (e.ln_1p() + (-m).max(0.0));
                // σ(−m) = 1 / (1 + exp(m))
                let sig = if m >= 0.0 {
                    e / (1.0 + e)
                } else {
                    1.0 / (1.0 + e)
                };
                (-s * y * sig, loss)
            },
            false,
        );
        for (gj, wj) in g[..d].iter_mut().zip(w) {
            *gj = (*gj + self.alpha * wj) / self.n;
        }
        g[d] /= self.n;
        let reg = 0.5 * self.alpha * w.iter().map(|v| v * v).sum::<f64>();
        ((data + reg) / self.n, g)
    }
}

impl Objective for Problem<'_> {
    /// In the solver's variables `v` (`w = v ∘ scale`).
    fn eval(&self, v: &[f64], g: &mut [f64]) -> f64 {
        self.parts
            .eval_scaled(v, g, &self.scale, |w| self.loss_grad(w))
    }
}

/// Weights of the [negative, positive] class under `class_weight`.
pub fn class_weights(y: &[bool], class_weight: ClassWeight) -> [f64; 2] {
    match class_weight {
        ClassWeight::None => [1.0, 1.0],
        ClassWeight::Balanced | ClassWeight::Source => {
            let n = y.len() as f64;
            let pos = y.iter().filter(|&&v| v).count() as f64;
            let neg = n - pos;
            [n / (2.0 * neg.max(1.0)), n / (2.0 * pos.max(1.0))]
        }
    }
}

/// Row weights under [`ClassWeight::Source`]: `source[i]` is row i's source (any ids), `y[i]`
/// its class. Each class totals n/2, and within a class each source totals an equal share
/// of it: n / (2 · S_class · n_(class, source)).
pub fn source_weights(y: &[bool], source: &[u32]) -> Vec<f64> {
    let n = y.len() as f64;
    let mut counts: std::collections::HashMap<(bool, u32), u64> = Default::default();
    for (&c, &s) in y.iter().zip(source) {
        *counts.entry((c, s)).or_default() += 1;
    }
    let mut sources = [0u64; 2];
    for &(c, _) in counts.keys() {
        sources[usize::from(c)] += 1;
    }
    y.iter()
        .zip(source)
        .map(|(&c, &s)| {
            let k = sources[usize::from(c)] as f64;
            n / (2.0 * k * counts[&(c, s)] as f64)
        })
        .collect()
}

/// Fits the model; `y[i]` is true for the positive class.
pub fn fit(
    x: &Csr,
    y: &[bool],
    params: &LogisticParams,
    progress: &Progress,
) -> Result<(LinearModel, FitReport)> {
    fit_weighted(x, y, None, params, progress)
}

/// As [`fit`], with a weight per row (it replaces the class weights; required for
/// [`ClassWeight::Source`], whose weights come from [`source_weights`]).
pub fn fit_weighted(
    x: &Csr,
    y: &[bool],
    row_weight: Option<&[f64]>,
    params: &LogisticParams,
    progress: &Progress,
) -> Result<(LinearModel, FitReport)> {
    params.check()?;
    if x.n_rows() != y.len() {
        return Err(Error::Training(format!(
            "{} rows but {} labels",
            x.n_rows(),
            y.len()
        )));
    }
    match row_weight {
        Some(w) if w.len() != y.len() || w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) => {
            return Err(Error::Training(format!(
                "{} row weights for {} rows, or a weight that is not a finite number >= 0",
                w.len(),
                y.len()
            )));
        }
        None if params.class_weight == ClassWeight::Source => {
            return Err(Error::Training(
                "source-balanced weights need each row's source".into(),
            ));
        }
        _ => {}
    }
    let pos = y.iter().filter(|&&v| v).count();
    if pos == 0 || pos == y.len() {
        return Err(Error::Training(
            "the training rows hold only one class".into(),
        ));
    }
    let d = x.n_cols;
    let problem = Problem::new(x, y, params.class_weight, row_weight, params.alpha, true);
    let opts = lbfgs::Options {
        memory: params.memory,
        max_iter: params.max_iter,
        tol: params.tol,
    };
    let bar = progress.bar(params.max_iter, "fitting");
    let out = lbfgs::minimize(&problem, vec![0.0; d + 1], &opts, |iter, value| {
        bar.set_position(iter);
        bar.set_message(format!("fitting (loss/row {value:.5})"));
    });
    bar.finish_and_clear();
    let w: Vec<f64> = out
        .x
        .iter()
        .zip(&problem.scale)
        .map(|(v, s)| v * s)
        .collect();
    let (cost, g) = problem.loss_grad(&w);
    let (_, g0) = problem.loss_grad(&vec![0.0; d + 1]);
    if !cost.is_finite() || w.iter().any(|v| !v.is_finite()) {
        return Err(Error::Training(
            "the optimization diverged (non-finite loss)".into(),
        ));
    }
    let report = FitReport {
        iterations: out.iterations,
        evaluations: out.evaluations,
        final_loss: cost * problem.n,
        converged: out.termination == lbfgs::Termination::Converged,
        termination: out.termination.text().to_string(),
        initial_gradient_norm: l2(&g0),
        final_gradient_norm: l2(&g),
    };
    Ok((
        LinearModel {
            weights: w[..d].to_vec(),
            intercept: w[d],
        },
        report,
    ))
}

fn l2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use ndarray::{Array1, Array2, Axis};

    /// A deterministic pseudo-random stream, values in [0, 1).
    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = crate::util::rng::SplitMix64::new(seed);
        move || s.next_f64()
    }

    /// Dense data with values exactly representable in f32 (what the sparse matrix stores),
    /// about half of them zero, labels from a noisy linear rule.
    fn data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<bool>) {
        let mut r = rng(seed);
        let x = Array2::from_shape_fn((n, d), |_| {
            if r() < 0.5 {
                0.0
            } else {
                ((r() * 2.0 - 1.0) as f32) as f64
            }
        });
        let truth: Vec<f64> = (0..d)
            .map(|j| if j % 2 == 0 { 1.5 } else { -1.0 })
            .collect();
        let y = x
            .axis_iter(Axis(0))
            .map(|row| {
                let z: f64 = row.iter().zip(&truth).map(|(a, b)| a * b).sum::<f64>() + 0.3;
                r() < sigmoid(z)
            })
            .collect();
        (x, y)
    }

    #[test]
    fn agrees_with_linfa_logistic() {
        for (seed, alpha) in [(1u64, 1.0), (2, 0.1), (3, 5.0)] {
            let (x, y) = data(300, 8, seed);
            let params = LogisticParams {
                alpha,
                class_weight: ClassWeight::None,
                tol: 1e-12,
                max_iter: 2000,
                ..LogisticParams::default()
            };
            let (ours, report) =
                fit(&Csr::from_dense(x.view()), &y, &params, &Progress::hidden()).unwrap();
            assert!(report.converged, "{report:?}");
            // linfa's positive class is the more frequent one; name them so "true" is positive
            // and map signs accordingly.
            let targets: Array1<&str> = y.iter().map(|&v| if v { "pos" } else { "neg" }).collect();
            let ds = Dataset::new(x.clone(), targets);
            let theirs = linfa_logistic::LogisticRegression::default()
                .alpha(alpha)
                .gradient_tolerance(1e-10)
                .max_iterations(5000)
                .fit(&ds)
                .unwrap();
            let sign = if theirs.labels().pos.class == "pos" {
                1.0
            } else {
                -1.0
            };
            let max_dw = ours
                .weights
                .iter()
                .zip(theirs.params().iter())
                .map(|(a, b)| (a - sign * b).abs())
                .fold((ours.intercept - sign * theirs.intercept()).abs(), f64::max);
            assert!(
                max_dw < 1e-6,
                "seed {seed} alpha {alpha}: max |dw| = {max_dw:e}"
            );
            let preds = theirs.predict(&x);
            for (i, row) in x.axis_iter(Axis(0)).enumerate() {
                let row = Csr::from_dense(row.insert_axis(Axis(0)));
                let p = ours.probability(row.row(0).0, row.row(0).1);
                assert_eq!(p >= 0.5, preds[i] == "pos", "row {i}: p = {p}");
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = data(60, 5, 9);
        let csr = Csr::from_dense(x.view());
        for cw in [ClassWeight::None, ClassWeight::Balanced] {
            // Plain and rescaled (the solver's variables): both gradients must be right.
            for precondition in [false, true] {
                let p = Problem::new(&csr, &y, cw, None, 0.7, precondition);
                let mut r = rng(5);
                let v: Vec<f64> = (0..6).map(|_| r() * 2.0 - 1.0).collect();
                let mut g = vec![0.0; 6];
                p.eval(&v, &mut g);
                let mut scratch = vec![0.0; 6];
                for j in 0..6 {
                    let h = 1e-6;
                    let (mut a, mut b) = (v.clone(), v.clone());
                    a[j] += h;
                    b[j] -= h;
                    let fd = (p.eval(&a, &mut scratch) - p.eval(&b, &mut scratch)) / (2.0 * h);
                    assert!(
                        (fd - g[j]).abs() < 1e-7,
                        "{cw:?} precondition {precondition} coordinate {j}: analytic {} vs numeric {fd}",
                        g[j]
                    );
                }
            }
        }
    }

    #[test]
    fn balanced_weights_sum_to_rows() {
        let y = [true, true, true, false];
        let [neg, pos] = class_weights(&y, ClassWeight::Balanced);
        // Three positives and one negative: each class totals n/2 = 2.
        assert!((3.0 * pos - 2.0).abs() < 1e-12);
        assert!((neg - 2.0).abs() < 1e-12);
    }

    #[test]
    fn source_weights_by_hand() {
        // Positives: one source of 2 rows. Negatives: source 7 with 3 rows, source 9 with 1.
        // n = 6: each class totals 3; the negatives' two sources 1.5 each.
        let y = [true, true, false, false, false, false];
        let s = [1, 1, 7, 7, 7, 9];
        let w = source_weights(&y, &s);
        let want = [1.5, 1.5, 0.5, 0.5, 0.5, 1.5];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{w:?}");
        }
    }

    #[test]
    fn row_weights_equal_to_class_weights_give_the_same_fit() {
        let (x, y) = data(120, 4, 3);
        let csr = Csr::from_dense(x.view());
        let params = LogisticParams {
            tol: 1e-10,
            ..LogisticParams::default()
        };
        let (a, _) = fit(&csr, &y, &params, &Progress::hidden()).unwrap();
        let cw = class_weights(&y, ClassWeight::Balanced);
        let w: Vec<f64> = y.iter().map(|&c| cw[usize::from(c)]).collect();
        let (b, _) = fit_weighted(&csr, &y, Some(&w), &params, &Progress::hidden()).unwrap();
        assert_eq!(a, b);
        // One source per class: source balancing is class balancing.
        let src: Vec<u32> = y.iter().map(|&c| u32::from(c)).collect();
        let sw = source_weights(&y, &src);
        for (p, q) in sw.iter().zip(&w) {
            assert!((p - q).abs() < 1e-12);
        }
        let err = fit(
            &csr,
            &y,
            &LogisticParams {
                class_weight: ClassWeight::Source,
                ..params
            },
            &Progress::hidden(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("source"), "{err}");
    }

    #[test]
    fn refuses_bad_params_and_one_class() {
        let bad = LogisticParams {
            alpha: -1.0,
            ..LogisticParams::default()
        };
        assert!(bad.check().unwrap_err().to_string().contains("alpha"));
        let (x, _) = data(10, 3, 1);
        let err = fit(
            &Csr::from_dense(x.view()),
            &[true; 10],
            &LogisticParams::default(),
            &Progress::hidden(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("only one class"));
    }
}

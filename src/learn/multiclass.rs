//! Fitting a multi-class model on the sparse TF-IDF matrix: multinomial (softmax) logistic
//! regression, or one binary model per class (one-vs-rest).
//!
//! The multinomial objective is linfa-logistic's `MultiLogisticRegression`'s,
//! `−Σᵢ sᵢ·log softmax(zᵢ)[yᵢ] + α/2·Σₖ‖wₖ‖²` with `zᵢₖ = xᵢ·wₖ + bₖ`, intercepts unpenalized
//! and `sᵢ` the class weight (1 unless balanced), minimized with our own L-BFGS
//! ([`crate::learn::lbfgs`], where linfa uses argmin's) exactly as the binary problem in
//! [`crate::learn::logistic`] is: divided by the number of rows, in variables rescaled by the diagonal
//! of the Hessian at zero, stopping when ‖∇‖ falls below `tol` times its initial norm. The
//! logits of all classes come from one pass over a row (the weights are stored term-major, so
//! a term's K weights are adjacent), and the gradient is scattered while the row is in cache;
//! rows are split into a fixed number of partitions whose gradients are added in order, so
//! the model is the same at any thread count. One-vs-rest fits [`crate::learn::logistic::fit`] once
//! per class and normalizes the K sigmoid probabilities to sum to one (as scikit-learn does).

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::learn::head::{logits, softmax_in_place, LinearHead};
use crate::learn::lbfgs::{self, Objective};
use crate::learn::logistic::{
    self, ClassWeight, FitReport, LogisticParams, Partitions, Strategy, BLOCK,
};
use crate::util::progress::Progress;
use crate::util::sparse::Csr;

/// Weights of each class under `class_weight`: balanced gives class c the weight
/// n / (K · n_c), so that every class counts as much in total.
pub fn class_weights(y: &[u32], n_classes: usize, class_weight: ClassWeight) -> Vec<f64> {
    match class_weight {
        ClassWeight::None => vec![1.0; n_classes],
        ClassWeight::Balanced | ClassWeight::Source => {
            let mut counts = vec![0u64; n_classes];
            for &c in y {
                counts[c as usize] += 1;
            }
            let n = y.len() as f64;
            counts
                .iter()
                .map(|&c| n / (n_classes as f64 * (c.max(1)) as f64))
                .collect()
        }
    }
}

/// The multinomial problem in the solver's variables: `W` term-major (d · K values) followed
/// by the K intercepts, all rescaled by `scale`.
struct Softmax<'a> {
    x: &'a Csr,
    y: &'a [u32],
    k: usize,
    /// Weight of each class.
    weight: Vec<f64>,
    alpha: f64,
    n: f64,
    parts: Partitions,
    /// `w = v ∘ scale`, `scale = 1/√h` with `h` the Hessian's diagonal at zero, where every
    /// pₖ(1 − pₖ) is (K − 1)/K²: the same preconditioner as the binary problem's.
    scale: Vec<f64>,
}

impl<'a> Softmax<'a> {
    fn new(
        x: &'a Csr,
        y: &'a [u32],
        k: usize,
        class_weight: ClassWeight,
        alpha: f64,
        precondition: bool,
    ) -> Softmax<'a> {
        let d = x.n_cols;
        let mut p = Softmax {
            x,
            y,
            k,
            weight: class_weights(y, k, class_weight),
            alpha,
            n: y.len() as f64,
            parts: Partitions::new(x),
            scale: vec![1.0; (d + 1) * k],
        };
        if precondition {
            // Σᵢ sᵢ·xᵢⱼ² per column (and Σᵢ sᵢ last), partitions added in order.
            let parts: Vec<Vec<f64>> = (0..p.parts.bounds.len() - 1)
                .into_par_iter()
                .map(|part| {
                    let mut h = vec![0.0; d + 1];
                    for i in p.parts.rows(part) {
                        let s = p.weight[p.y[i] as usize];
                        let (idx, val) = x.row(i);
                        for (&j, &v) in idx.iter().zip(val) {
                            h[j as usize] += s * (v as f64) * (v as f64);
                        }
                        h[d] += s;
                    }
                    h
                })
                .collect();
            let mut h = vec![0.0; d + 1];
            for part in &parts {
                for (a, b) in h.iter_mut().zip(part) {
                    *a += b;
                }
            }
            let curv = (k as f64 - 1.0) / (k as f64 * k as f64);
            let n = p.n;
            for (j, hj) in h.iter().enumerate() {
                let reg = if j < d { alpha } else { 0.0 };
                let hv = (curv * hj + reg) / n;
                let s = if hv > 0.0 { 1.0 / hv.sqrt() } else { 1.0 };
                p.scale[j * k..(j + 1) * k].fill(s);
            }
        }
        p
    }

    /// The per-row objective at `w` (W term-major, then the intercepts) and its gradient.
    fn loss_grad(&self, w: &[f64]) -> (f64, Vec<f64>) {
        let (d, k) = (self.x.n_cols, self.k);
        let len = (d + 1) * k;
        let (wm, b) = w.split_at(d * k);
        let mut pool = self.parts.take_pool();
        let losses: Vec<f64> = pool
            .par_iter_mut()
            .enumerate()
            .map(|(part, g)| {
                g.clear();
                g.resize(len, 0.0);
                let mut z = vec![0.0; k];
                let mut loss = 0.0;
                for i in self.parts.rows(part) {
                    let (idx, val) = self.x.row(i);
                    logits(idx, val, wm, b, &mut z);
                    let c = self.y[i] as usize;
                    let s = self.weight[c];
                    let zc = z[c];
                    let lse = softmax_in_place(&mut z);
                    loss += s * (lse - zc);
                    // z now holds the probabilities; rₖ = s·(pₖ − [k = yᵢ]).
                    z[c] -= 1.0;
                    z.iter_mut().for_each(|r| *r *= s);
                    for (&j, &v) in idx.iter().zip(val) {
                        let v = v as f64;
                        let gj = &mut g[j as usize * k..j as usize * k + k];
                        for (gc, r) in gj.iter_mut().zip(&z) {
                            *gc += v * r;
                        }
                    }
                    for (gc, r) in g[d * k..].iter_mut().zip(&z) {
                        *gc += r;
                    }
                }
                loss
            })
            .collect();
        let mut out = self.parts.sum(pool, len);
        let (alpha, n) = (self.alpha, self.n);
        out[..d * k]
            .par_chunks_mut(BLOCK)
            .zip(wm.par_chunks(BLOCK))
            .for_each(|(g, w)| {
                for (gj, wj) in g.iter_mut().zip(w) {
                    *gj = (*gj + alpha * wj) / n;
                }
            });
        out[d * k..].iter_mut().for_each(|g| *g /= n);
        let reg: f64 = wm
            .par_chunks(BLOCK)
            .map(|c| c.iter().map(|v| v * v).sum::<f64>())
            .collect::<Vec<f64>>()
            .iter()
            .sum::<f64>()
            * 0.5
            * alpha;
        ((losses.iter().sum::<f64>() + reg) / n, out)
    }
}

impl Objective for Softmax<'_> {
    fn eval(&self, v: &[f64], g: &mut [f64]) -> f64 {
        self.parts
            .eval_scaled(v, g, &self.scale, |w| self.loss_grad(w))
    }
}

fn l2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Fits a K-class model; `y[i] < n_classes` is row i's class, and every class must occur.
pub fn fit(
    x: &Csr,
    y: &[u32],
    n_classes: usize,
    params: &LogisticParams,
    strategy: Strategy,
    progress: &Progress,
) -> Result<(LinearHead, FitReport)> {
    params.check()?;
    if x.n_rows() != y.len() {
        return Err(Error::Training(format!(
            "{} rows but {} labels",
            x.n_rows(),
            y.len()
        )));
    }
    if n_classes < 2 {
        return Err(Error::Training("a model needs at least two classes".into()));
    }
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        match counts.get_mut(c as usize) {
            Some(n) => *n += 1,
            None => {
                return Err(Error::Training(format!(
                    "class index {c} out of range for {n_classes} classes"
                )))
            }
        }
    }
    if let Some(c) = counts.iter().position(|&n| n == 0) {
        return Err(Error::Training(format!(
            "class {} has no training rows",
            c + 1
        )));
    }
    match strategy {
        Strategy::Softmax => fit_softmax(x, y, n_classes, params, progress),
        Strategy::Ovr => fit_ovr(x, y, n_classes, params, progress),
    }
}

fn fit_softmax(
    x: &Csr,
    y: &[u32],
    k: usize,
    params: &LogisticParams,
    progress: &Progress,
) -> Result<(LinearHead, FitReport)> {
    let d = x.n_cols;
    let problem = Softmax::new(x, y, k, params.class_weight, params.alpha, true);
    let opts = lbfgs::Options {
        memory: params.memory,
        max_iter: params.max_iter,
        tol: params.tol,
    };
    let bar = progress.bar(params.max_iter, "fitting");
    let out = lbfgs::minimize(&problem, vec![0.0; (d + 1) * k], &opts, |iter, value| {
        bar.set_position(iter);
        bar.set_message(format!("fitting {k} classes (loss/row {value:.5})"));
    });
    bar.finish_and_clear();
    let w: Vec<f64> = out
        .x
        .iter()
        .zip(&problem.scale)
        .map(|(v, s)| v * s)
        .collect();
    let (cost, g) = problem.loss_grad(&w);
    if !cost.is_finite() || w.iter().any(|v| !v.is_finite()) {
        return Err(Error::Training(
            "the optimization diverged (non-finite loss)".into(),
        ));
    }
    let (_, g0) = problem.loss_grad(&vec![0.0; (d + 1) * k]);
    let report = FitReport {
        iterations: out.iterations,
        evaluations: out.evaluations,
        final_loss: cost * problem.n,
        converged: out.termination == lbfgs::Termination::Converged,
        termination: out.termination.text().to_string(),
        initial_gradient_norm: l2(&g0),
        final_gradient_norm: l2(&g),
    };
    let mut weights = w;
    let intercepts = weights.split_off(d * k);
    Ok((
        LinearHead::classes(k, weights, intercepts, Strategy::Softmax),
        report,
    ))
}

fn fit_ovr(
    x: &Csr,
    y: &[u32],
    k: usize,
    params: &LogisticParams,
    progress: &Progress,
) -> Result<(LinearHead, FitReport)> {
    let d = x.n_cols;
    let mut weights = vec![0.0; d * k];
    let mut intercepts = vec![0.0; k];
    let mut report = FitReport {
        iterations: 0,
        evaluations: 0,
        final_loss: 0.0,
        converged: true,
        termination: lbfgs::Termination::Converged.text().to_string(),
        initial_gradient_norm: 0.0,
        final_gradient_norm: 0.0,
    };
    let (mut g0, mut g1) = (0.0, 0.0);
    for c in 0..k {
        let yc: Vec<bool> = y.iter().map(|&v| v as usize == c).collect();
        let (linear, fit) = logistic::fit(x, &yc, params, progress)?;
        for (j, w) in linear.weights.iter().enumerate() {
            weights[j * k + c] = *w;
        }
        intercepts[c] = linear.intercept;
        report.iterations += fit.iterations;
        report.evaluations += fit.evaluations;
        report.final_loss += fit.final_loss;
        if !fit.converged && report.converged {
            report.converged = false;
            report.termination = fit.termination.clone();
        }
        g0 += fit.initial_gradient_norm.powi(2);
        g1 += fit.final_gradient_norm.powi(2);
    }
    report.initial_gradient_norm = g0.sqrt();
    report.final_gradient_norm = g1.sqrt();
    Ok((
        LinearHead::classes(k, weights, intercepts, Strategy::Ovr),
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use ndarray::{Array1, Array2, Axis};

    /// Dense data with values exactly representable in f32, about half zero, and classes drawn
    /// from a softmax of a fixed linear rule.
    fn data(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f64>, Vec<u32>) {
        let mut s = crate::util::rng::SplitMix64::new(seed);
        let mut r = move || s.next_f64();
        let x = Array2::from_shape_fn((n, d), |_| {
            if r() < 0.5 {
                0.0
            } else {
                ((r() * 2.0 - 1.0) as f32) as f64
            }
        });
        let y = x
            .axis_iter(Axis(0))
            .map(|row| {
                let mut z: Vec<f64> = (0..k)
                    .map(|c| {
                        row.iter()
                            .enumerate()
                            .map(|(j, v)| v * (((j * 7 + c * 3) % 5) as f64 - 2.0))
                            .sum::<f64>()
                            + 0.2 * c as f64
                    })
                    .collect();
                softmax_in_place(&mut z);
                let u = r();
                let mut acc = 0.0;
                z.iter()
                    .position(|p| {
                        acc += p;
                        u < acc
                    })
                    .unwrap_or(k - 1) as u32
            })
            .collect();
        (x, y)
    }

    #[test]
    fn agrees_with_linfa_multi_logistic_regression() {
        for (seed, alpha, k) in [(1u64, 1.0, 3usize), (2, 0.1, 4), (3, 5.0, 3)] {
            let (x, y) = data(240, 6, k, seed);
            let params = LogisticParams {
                alpha,
                class_weight: ClassWeight::None,
                tol: 1e-12,
                max_iter: 3000,
                ..LogisticParams::default()
            };
            let (ours, report) = fit(
                &Csr::from_dense(x.view()),
                &y,
                k,
                &params,
                Strategy::Softmax,
                &Progress::hidden(),
            )
            .unwrap();
            assert!(report.final_gradient_norm < 1e-8, "{report:?}");
            // linfa sorts its classes; names "c0".."c3" sort as our indices do.
            let targets: Array1<String> = y.iter().map(|c| format!("c{c}")).collect();
            let ds = Dataset::new(x.clone(), targets);
            let theirs = linfa_logistic::MultiLogisticRegression::default()
                .alpha(alpha)
                .gradient_tolerance(1e-10)
                .max_iterations(5000)
                .fit(&ds)
                .unwrap();
            let names: Vec<String> = (0..k).map(|c| format!("c{c}")).collect();
            assert_eq!(theirs.classes(), &names[..]);
            let (tw, tb) = (theirs.params(), theirs.intercept());
            let mut max_dw = 0.0f64;
            for j in 0..6 {
                for c in 0..k {
                    max_dw = max_dw.max((ours.term(j)[c] - tw[[j, c]]).abs());
                }
            }
            // Intercepts are determined up to a common shift (softmax ignores it): compare
            // them centered.
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let tb: Vec<f64> = tb.to_vec();
            let (mo, mt) = (mean(&ours.intercepts), mean(&tb));
            for (a, b) in ours.intercepts.iter().zip(&tb) {
                max_dw = max_dw.max(((a - mo) - (b - mt)).abs());
            }
            assert!(
                max_dw < 1e-6,
                "seed {seed} alpha {alpha} k {k}: max |dw| = {max_dw:e}"
            );
            let preds = theirs.predict(&x);
            let probs = theirs.predict_probabilities(&x);
            let mut p = vec![0.0; k];
            for (i, row) in x.axis_iter(Axis(0)).enumerate() {
                let row = Csr::from_dense(row.insert_axis(Axis(0)));
                ours.probabilities(row.row(0).0, row.row(0).1, &mut p);
                let best = (0..k).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
                assert_eq!(names[best], preds[i], "row {i}: {p:?}");
                for c in 0..k {
                    assert!((p[c] - probs[[i, c]]).abs() < 1e-6, "row {i} class {c}");
                }
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = data(50, 4, 3, 9);
        let csr = Csr::from_dense(x.view());
        for cw in [ClassWeight::None, ClassWeight::Balanced] {
            for precondition in [false, true] {
                let p = Softmax::new(&csr, &y, 3, cw, 0.7, precondition);
                let mut s = crate::util::rng::SplitMix64::new(5);
                let m = 5 * 3;
                let v: Vec<f64> = (0..m).map(|_| s.next_f64() * 2.0 - 1.0).collect();
                let mut g = vec![0.0; m];
                p.eval(&v, &mut g);
                let mut scratch = vec![0.0; m];
                for j in 0..m {
                    let h = 1e-6;
                    let (mut a, mut b) = (v.clone(), v.clone());
                    a[j] += h;
                    b[j] -= h;
                    let fd = (p.eval(&a, &mut scratch) - p.eval(&b, &mut scratch)) / (2.0 * h);
                    assert!(
                        (fd - g[j]).abs() < 1e-7,
                        "{cw:?} precondition {precondition} variable {j}: analytic {} vs numeric {fd}",
                        g[j]
                    );
                }
            }
        }
    }

    #[test]
    fn one_vs_rest_is_k_binary_models() {
        let (x, y) = data(200, 5, 3, 4);
        let csr = Csr::from_dense(x.view());
        let params = LogisticParams {
            class_weight: ClassWeight::None,
            tol: 1e-10,
            ..LogisticParams::default()
        };
        let (m, _) = fit(&csr, &y, 3, &params, Strategy::Ovr, &Progress::hidden()).unwrap();
        let y1: Vec<bool> = y.iter().map(|&c| c == 1).collect();
        let (b, _) = logistic::fit(&csr, &y1, &params, &Progress::hidden()).unwrap();
        for j in 0..5 {
            assert_eq!(m.term(j)[1], b.weights[j]);
        }
        assert_eq!(m.intercepts[1], b.intercept);
        let mut p = vec![0.0; 3];
        m.probabilities(csr.row(0).0, csr.row(0).1, &mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn balanced_class_weights_give_each_class_n_over_k() {
        let y = [0u32, 0, 0, 0, 1, 1, 2];
        let w = class_weights(&y, 3, ClassWeight::Balanced);
        for (c, n) in [(0usize, 4.0), (1, 2.0), (2, 1.0)] {
            assert!((w[c] * n - 7.0 / 3.0).abs() < 1e-12, "{w:?}");
        }
        assert_eq!(class_weights(&y, 3, ClassWeight::None), vec![1.0; 3]);
    }

    #[test]
    fn refuses_a_missing_class_and_too_few_classes() {
        let (x, _) = data(10, 3, 3, 1);
        let csr = Csr::from_dense(x.view());
        let p = LogisticParams::default();
        let y = vec![0u32, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        let err = fit(&csr, &y, 3, &p, Strategy::Softmax, &Progress::hidden()).unwrap_err();
        assert!(
            err.to_string().contains("class 3 has no training rows"),
            "{err}"
        );
        let err = fit(&csr, &y, 1, &p, Strategy::Softmax, &Progress::hidden()).unwrap_err();
        assert!(err.to_string().contains("at least two classes"), "{err}");
    }
}

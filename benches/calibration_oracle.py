"""Prints the reference values of the calibration tests in src/calibration.rs.

Run from the repository root:
    python3 -m venv .venv && .venv/bin/pip install scikit-learn numpy scipy
    .venv/bin/python benches/calibration_oracle.py

The score sets are made with SplitMix64 (as src/util/rng.rs, in benches/splitmix.py) and plain float arithmetic in the
same order as the Rust test, so that the test rebuilds the same numbers bit for bit. On them:
(a) scikit-learn's Platt scaling, both `_sigmoid_calibration` and CalibratedClassifierCV
(method "sigmoid") on a frozen estimator whose decision function returns the scores, checked
to agree; (b) IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1) at probe points;
(c) the temperature of a 3-class logit set: scikit-learn's own (the `_TemperatureScaling`
behind CalibratedClassifierCV(method="temperature"), bounded search on log(1/T)), scipy's
minimize_scalar on log T, and, to full precision, the root of the loss's derivative in 1/T.
"""
import warnings

import numpy as np
import sklearn
from scipy.optimize import brentq, minimize_scalar
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, _sigmoid_calibration, _TemperatureScaling
from sklearn.isotonic import IsotonicRegression

from splitmix import SplitMix64

# The constant sets have 3 positives; CalibratedClassifierCV warns that 5 folds cannot each
# hold one, though with a frozen estimator it fits a single calibrator on all rows anyway.
warnings.filterwarnings("ignore", message="The least populated class")


def score_set(seed, n, spread):
    """Decision values in [-4, 4) on a grid of 1/64 (ties happen), labels drawn with
    probability sigmoid(spread * value - 0.3)."""
    r = SplitMix64(seed)
    d, y = [], []
    for _ in range(n):
        v = np.floor(r.next_f64() * 512.0) / 64.0 - 4.0
        p = 1.0 / (1.0 + np.exp(-(spread * v - 0.3)))
        y.append(1 if r.next_f64() < p else 0)
        d.append(v)
    return np.array(d), np.array(y)


def logit_set(seed, n):
    """n rows of 3 logits: the true class gets +1, every logit a noise of sd 0.75, all times 4
    (so that the softmax is overconfident and the temperature above 1)."""
    r = SplitMix64(seed)
    z, c = [], []
    for _ in range(n):
        cls = int(r.next_f64() * 3.0)
        row = []
        for j in range(3):
            noise = r.next_f64() + r.next_f64() + r.next_f64() - 1.5
            row.append(4.0 * ((1.0 if j == cls else 0.0) + 1.5 * noise))
        z.append(row)
        c.append(cls)
    return np.array(z), np.array(c)


class Frozen(ClassifierMixin, BaseEstimator):
    """A fitted 'model' whose decision function is the given scores (rows hold their index)."""

    def __init__(self, scores=None):
        self.scores = scores

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X):
        return self.scores[X[:, 0].astype(int)]

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)


def platt_exact(d, y):
    """The exact minimum of the same loss: plain Newton on its gradient from scikit-learn's
    answer, in long double, for how far scikit-learn's tolerance stops from it."""
    f = d.astype(np.longdouble)
    n1 = np.longdouble(y.sum())
    n0 = np.longdouble(len(y)) - n1
    t = np.where(y > 0, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
    a, b = (np.longdouble(v) for v in _sigmoid_calibration(d, y))
    for _ in range(50):
        p = 1 / (1 + np.exp(a * f + b))
        r, w = t - p, p * (1 - p)
        g = np.array([np.sum(r * f), np.sum(r)])
        h = np.array([[np.sum(w * f * f), np.sum(w * f)], [np.sum(w * f), np.sum(w)]])
        step = np.linalg.solve(h.astype(float), g.astype(float))
        a, b = a - step[0], b - step[1]
    return float(a), float(b)


def platt(d, y):
    a, b = _sigmoid_calibration(d, y)
    X = np.arange(len(d)).reshape(-1, 1)
    try:
        from sklearn.frozen import FrozenEstimator

        cal = CalibratedClassifierCV(FrozenEstimator(Frozen(d).fit(X, y)), method="sigmoid")
    except ImportError:
        cal = CalibratedClassifierCV(Frozen(d).fit(X, y), method="sigmoid", cv="prefit")
    cal.fit(X, y)
    c = cal.calibrated_classifiers_[0].calibrators[0]
    assert abs(c.a_ - a) < 1e-12 and abs(c.b_ - b) < 1e-12, (c.a_, c.b_, a, b)
    return float(a), float(b)


print(f"scikit-learn {sklearn.__version__}")
print("(a) Platt scaling")
for name, seed, n, spread, scale in [
    ("overlapping", 7, 2000, 1.1, 1.0),
    ("nearly separable", 8, 600, 6.0, 1.0),
    # Scores past 30 in size, which scikit-learn rescales before its optimizer runs.
    ("overlapping x 100", 7, 2000, 1.1, 100.0),
]:
    d, y = score_set(seed, n, spread)
    d = d * scale
    a, b = platt(d, y)
    print(f"  {name}: seed {seed}, n {n}, spread {spread}, scale {scale}: positives {y.sum()}")
    print(f"    a = {a!r}, b = {b!r}")
    ea, eb = platt_exact(d, y)
    print(f"    exact minimum: a = {ea!r}, b = {eb!r}")
for value in [0.7, 50.0]:
    # Every score equal: any (a, b) with a*value + b at the optimum fits; which one the
    # optimizer returns depends on where it started and which way the gradients point.
    d = np.full(10, value)
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    a, b = platt(d, y)
    print(f"  constant {value}, 3 of 10 positive: a = {a!r}, b = {b!r}")

print("(b) isotonic regression, overlapping set")
d, y = score_set(7, 2000, 1.1)
iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(d, y)
probes = [-5.0, -4.0, -3.1, -2.0, -1.5, -0.77, -0.5, 0.0, 0.013, 0.25, 0.5, 1.0, 1.9, 2.5, 3.2, 3.99, 5.0]
print("  probes:", probes)
print("  predictions:", [float(v) for v in iso.predict(probes)])
print(f"  breakpoints kept: {len(iso.X_thresholds_)}")

print("(c) temperature scaling, 3 classes")
z, c = logit_set(11, 1500)
rows = np.arange(len(c))


def nll(t):
    s = z / t
    return float(np.mean(logsumexp(s, axis=1) - s[rows, c]))


def dnll_dbeta(beta):
    # The loss in beta = 1/T is convex; its derivative is E_softmax[z] - z_true.
    p = softmax(z * beta, axis=1)
    return float(np.mean((p * z).sum(axis=1) - z[rows, c]))


res = minimize_scalar(lambda lt: nll(np.exp(lt)), bracket=(-1.0, 1.0), method="brent", tol=1e-12)
t_min = float(np.exp(res.x))
beta = brentq(dnll_dbeta, 1e-3, 10.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
t_sk = float(1.0 / _TemperatureScaling().fit(z, c).beta_)
print(f"  n {len(c)}, class counts {np.bincount(c).tolist()}")
print(f"  scikit-learn _TemperatureScaling: T = {t_sk!r}, loss {nll(t_sk)!r}")
print(f"  minimize_scalar on log T: T = {t_min!r}, loss {nll(t_min)!r}")
print(f"  root of the derivative:   T = {1.0 / beta!r}, loss {nll(1.0 / beta)!r}")
print(f"  loss at T = 1: {nll(1.0)!r}")

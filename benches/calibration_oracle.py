"""Prints the reference values of the calibration tests in src/calibration.rs.

Run: python3 -m venv .venv && .venv/bin/pip install scikit-learn && .venv/bin/python benches/calibration_oracle.py

The score sets are made with SplitMix64 (as src/rng.rs), so that the Rust test rebuilds the
same numbers bit for bit: scikit-learn's Platt scaling (CalibratedClassifierCV, method
"sigmoid", on a frozen estimator whose decision function returns the scores) and isotonic
regression (IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)) are fitted on them.
"""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, _sigmoid_calibration
from sklearn.isotonic import IsotonicRegression

M = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M

    def next_u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    def next_f64(self):
        return (self.next_u64() >> 11) / float(1 << 53)


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
    return a, b


for name, seed, n, spread in [("overlapping", 7, 2000, 1.1), ("nearly separable", 8, 600, 6.0)]:
    d, y = score_set(seed, n, spread)
    a, b = platt(d, y)
    print(f"{name}: seed {seed}, n {n}, spread {spread}: positives {y.sum()}")
    print(f"  platt a = {a!r}, b = {b!r}")

d, y = score_set(7, 2000, 1.1)
iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(d, y)
probes = [-5.0, -4.0, -3.1, -2.0, -1.5, -0.77, -0.5, 0.0, 0.013, 0.25, 0.5, 1.0, 1.9, 2.5, 3.2, 3.99, 5.0]
print("isotonic on overlapping:", [float(v) for v in iso.predict(probes)])

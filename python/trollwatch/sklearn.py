"""A scikit-learn estimator over trollwatch: ``TrollwatchClassifier`` takes raw texts (a
list, NumPy array or pandas Series of ``str``, or a one-column 2-D array) and fits the whole
trollwatch pipeline (tokens, stemming, n-grams, TF-IDF, logistic regression, calibration) in
Rust. It works inside ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``, clones and
pickles.

>>> from trollwatch.sklearn import TrollwatchClassifier
>>> clf = TrollwatchClassifier(c=0.5).fit(texts, labels)        # doctest: +SKIP
>>> clf.predict_proba(["Share before it gets deleted!"])        # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
import pyarrow as pa
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import Model, train

__all__ = ["TrollwatchClassifier"]


def _texts(X: Any) -> Any:
    """One text per row: a 1-D sequence of str, or a 2-D array or frame of one column."""
    if isinstance(X, str):
        raise ValueError("X must be a sequence of texts, not one str")
    if hasattr(X, "ndim") and getattr(X, "ndim") == 2:
        if X.shape[1] != 1:
            raise ValueError(
                f"X has {X.shape[1]} columns; TrollwatchClassifier takes one column of texts"
            )
        X = X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0]
    kind = type(X).__module__.split(".", 1)[0]
    if kind in ("pandas", "polars", "pyarrow"):
        return X
    X = list(X)
    if X and not all(isinstance(x, str) or x is None for x in X):
        bad = next(x for x in X if not (isinstance(x, str) or x is None))
        raise ValueError(
            f"TrollwatchClassifier takes texts (str); got a {type(bad).__name__} in X"
        )
    return X


def _n_rows(X: Any) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


class TrollwatchClassifier(ClassifierMixin, BaseEstimator):
    """trollwatch's text classifier as a scikit-learn estimator.

    The parameters are ``trollwatch train``'s options of the same name, with its defaults
    (``None``: the command's default). For two classes the positive (troll) class is
    ``classes_[1]``, as scikit-learn orders classes; more classes fit one softmax model.
    Posts with no term the model knows have no trollwatch score: ``predict_proba`` gives them
    the model's prior (its calibrated base rate), so every row has probabilities.
    """

    def __init__(
        self,
        c: Optional[float] = None,
        ngrams: Union[str, Sequence[int]] = "1-2",
        min_df: int = 2,
        max_features: Union[int, str, None] = 100000,
        language: str = "english",
        stop_words: bool = False,
        no_stem: bool = False,
        class_weight: Optional[str] = None,
        calibration: str = "platt",
        target_fpr: Union[float, str, None] = 0.075,
        threshold: Optional[float] = None,
        prior: float = 0.5,
        max_iter: int = 1000,
        tol: float = 1e-3,
        seed: int = 42,
    ) -> None:
        self.c = c
        self.ngrams = ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.language = language
        self.stop_words = stop_words
        self.no_stem = no_stem
        self.class_weight = class_weight
        self.calibration = calibration
        self.target_fpr = target_fpr
        self.threshold = threshold
        self.prior = prior
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _options(self, n_classes: int) -> dict:
        options = dict(
            c=self.c,
            ngrams=self.ngrams,
            min_df=self.min_df,
            max_features="none" if self.max_features is None else self.max_features,
            language=self.language,
            stop_words=self.stop_words,
            no_stem=self.no_stem,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            tol=self.tol,
            seed=self.seed,
        )
        if n_classes == 2:
            options.update(
                calibration=self.calibration,
                target_fpr="none" if self.target_fpr is None else self.target_fpr,
                threshold=self.threshold,
                prior=self.prior,
            )
        else:
            options.update(multiclass="softmax")
        return options

    def fit(self, X: Any, y: Any) -> "TrollwatchClassifier":
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be one label per row, not an array of shape {y.shape}")
        if _n_rows(texts) != len(y):
            raise ValueError(f"X has {_n_rows(texts)} rows but y has {len(y)} labels")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has one class only ({self.classes_[0]!r}); a classifier needs two or more"
            )
        names = [str(c) for c in self.classes_]
        if len(set(names)) != len(names):
            raise ValueError("two classes of y have the same text form; use distinct labels")
        code = {c: n for c, n in zip(self.classes_.tolist(), names)}
        table = pa.table(
            {
                "text": pa.array(texts if not hasattr(texts, "to_list") else texts.to_list(),
                                 pa.string()),
                "label": pa.array([code[v] for v in y.tolist()], pa.string()),
            }
        )
        options = self._options(len(names))
        if len(names) == 2:
            options["positive"] = names[1]
        self.model_ = train(table, "text", "label", **options)
        # The model's column order, mapped to classes_ order (string order may differ).
        position = {n: i for i, n in enumerate(self.model_.classes)}
        self._order = np.array([position[n] for n in names])
        self.n_features_in_ = 1
        return self

    def _base_rate(self) -> np.ndarray:
        """What a post with no known term gets: the model's prior for two classes, else the
        training share of each class (in classes_ order)."""
        meta = self.model_.metadata
        if len(self.classes_) == 2:
            p = (meta.get("calibration") or {}).get("prior", 0.5)
            return np.array([1.0 - p, p])
        counts = np.asarray(meta["classes"]["counts"], dtype=float)[self._order]
        return counts / counts.sum()

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        p = self.model_.predict_proba(_texts(X))[:, self._order]
        missing = np.isnan(p).any(axis=1)
        if missing.any():
            p[missing] = self._base_rate()
        return p

    def decision_function(self, X: Any) -> np.ndarray:
        """Two classes: log-odds of ``classes_[1]``; more: log-probabilities per class."""
        p = np.clip(self.predict_proba(X), 1e-300, 1.0)
        if len(self.classes_) == 2:
            return np.log(p[:, 1]) - np.log(p[:, 0])
        return np.log(p)

    def predict(self, X: Any) -> np.ndarray:
        """The class of each text: of two, ``classes_[1]`` where the model flags the post at
        its threshold (chosen for ``target_fpr``, or ``threshold``); of more, the most
        probable."""
        check_is_fitted(self, "model_")
        if len(self.classes_) == 2:
            scores = self.model_.score(_texts(X))
            p = np.where(np.isnan(scores), self._base_rate()[1], scores)
            flagged = p >= self.model_.threshold()
            return self.classes_[flagged.astype(int)]
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        return tags

"""TrollwatchClassifier as scikit-learn expects an estimator to behave.

scikit-learn's ``check_estimator`` feeds numeric 2-D arrays, which a text classifier cannot
fit; with the estimator's tags (string input, no 2-D arrays) it skips those checks. So this
runs the API checks that do not depend on numeric data by name, and the data checks that
matter (idempotent fit, order and subset invariance, pickling, label types) on texts."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import estimator_checks as ec  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from trollwatch.sklearn import TrollwatchClassifier  # noqa: E402

API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_mixin_order",
    "check_valid_tag_types",
]


@pytest.fixture(scope="module")
def demo(demo_path):
    pd = pytest.importorskip("pandas")
    return pd.read_csv(demo_path)


@pytest.mark.parametrize("check", API_CHECKS)
def test_scikit_learn_api_checks(check):
    getattr(ec, check)("TrollwatchClassifier", TrollwatchClassifier())


def test_fit_predict_and_shapes(demo):
    X, y = demo["text"], demo["label"]
    clf = TrollwatchClassifier().fit(X, y)
    assert list(clf.classes_) == [0, 1]
    p = clf.predict_proba(X)
    assert p.shape == (len(X), 2) and np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    d = clf.decision_function(X)
    assert (np.argsort(d, kind="stable") == np.argsort(p[:, 1], kind="stable")).all()
    assert clf.score(X, y) > 0.7
    with pytest.raises(NotFittedError):
        TrollwatchClassifier().predict(["x"])


def test_fit_is_idempotent_and_order_and_subset_invariant(demo):
    X, y = demo["text"].tolist(), demo["label"].to_numpy()
    a = TrollwatchClassifier().fit(X, y)
    b = TrollwatchClassifier().fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = a.predict_proba([X[i] for i in order])
    np.testing.assert_array_equal(shuffled, a.predict_proba(X)[order])
    np.testing.assert_array_equal(a.predict_proba(X[:100]), a.predict_proba(X)[:100])


def test_labels_of_any_type_and_more_classes(demo):
    X = demo["text"]
    names = np.where(demo["label"] == 1, "troll", "ordinary")
    clf = TrollwatchClassifier().fit(X, names)
    assert list(clf.classes_) == ["ordinary", "troll"]
    assert set(clf.predict(X)) <= {"ordinary", "troll"}
    kinds = demo["category"].fillna("ordinary").to_numpy()
    k = TrollwatchClassifier().fit(X, kinds)
    assert list(k.classes_) == sorted(set(kinds))
    p = k.predict_proba(X[:20])
    assert p.shape == (20, len(k.classes_))
    np.testing.assert_array_equal(k.predict(X[:20]), k.classes_[p.argmax(axis=1)])
    ints = np.where(demo["label"] == 1, 10, 2)
    i = TrollwatchClassifier().fit(X, ints)
    assert list(i.classes_) == [2, 10]
    np.testing.assert_allclose(i.predict_proba(X[:50])[:, 1], clf.predict_proba(X[:50])[:, 1])


def test_bad_targets_and_inputs_raise_value_errors(demo):
    X = demo["text"][:40]
    with pytest.raises(ValueError, match="one class"):
        TrollwatchClassifier().fit(X, np.zeros(40))
    with pytest.raises(ValueError):
        TrollwatchClassifier().fit(X, np.zeros((40, 2)))
    with pytest.raises(ValueError, match="rows"):
        TrollwatchClassifier().fit(X, np.zeros(39))
    with pytest.raises(ValueError, match="texts"):
        TrollwatchClassifier().fit(np.random.rand(40, 1), np.arange(40) % 2)
    with pytest.raises(ValueError):
        TrollwatchClassifier().fit(X, np.array([0.5] * 20 + [1.5] * 20))


def test_clone_pickle_grid_search_and_cross_val_score(demo):
    X, y, groups = demo["text"], demo["label"], demo["author"]
    clf = TrollwatchClassifier(c=0.5, ngrams=(1, 1)).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X[:100]), clf.predict_proba(X[:100]))
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params() and not hasattr(fresh, "model_")
    scores = cross_val_score(TrollwatchClassifier(), X, y, cv=GroupKFold(3), groups=groups,
                             scoring="roc_auc")
    assert len(scores) == 3 and (scores > 0.6).all()
    grid = GridSearchCV(TrollwatchClassifier(), {"c": [0.1, 1.0], "ngrams": ["1-1", "1-2"]},
                        cv=3, scoring="roc_auc").fit(X, y)
    assert grid.best_params_["c"] in (0.1, 1.0)
    assert grid.best_estimator_.predict_proba(X[:5]).shape == (5, 2)
    pipe = make_pipeline(FunctionTransformer(lambda s: s.str.lower()), TrollwatchClassifier())
    assert pipe.fit(X, y).predict(X[:5]).shape == (5,)

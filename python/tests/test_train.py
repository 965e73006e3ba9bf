"""Training and cross-validation from Python: the command's options as keyword arguments,
tables and files giving the same model, rows checked as a file's lines are."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import trollwatch as tw


@pytest.fixture(scope="module")
def demo(demo_path):
    pd = pytest.importorskip("pandas")
    return pd.read_csv(demo_path)


def test_a_table_and_its_file_train_the_same_model(demo, demo_path):
    from_frame = tw.train(demo)
    from_file = tw.train(demo_path)
    texts = demo["text"].tolist()
    np.testing.assert_array_equal(from_frame.score(texts), from_file.score(texts))
    assert from_frame.metadata["data"]["rows"] == len(demo)
    assert from_file.metadata["data"]["source"] == "demo.csv"
    from_arrow = tw.train(pa.Table.from_pandas(demo, preserve_index=False))
    np.testing.assert_array_equal(from_arrow.score(texts), from_frame.score(texts))


def test_options_are_the_commands(demo, tmp_path):
    out = tmp_path / "m.model"
    m = tw.train(demo, c=0.25, ngrams=(1, 3), max_features=5000, target_fpr="none",
                 calibration="none", threshold=0.4, out=out)
    meta = m.metadata
    assert meta["vectorizer"]["ngram_max"] == 3
    assert meta["features"]["kept_ngrams"] <= 5000
    assert meta["threshold"] == 0.4
    assert tw.Model.load(out).sha256 == m.sha256
    with pytest.raises(tw.ParameterError, match="--bogus"):
        tw.train(demo, bogus=1)
    with pytest.raises(tw.ParameterError):
        tw.train(demo, c=-1)


def test_multiclass_from_a_frame(demo):
    frame = demo.assign(kind=demo["category"].fillna("ordinary"))
    m = tw.train(frame, label="kind", multiclass="softmax")
    assert not m.is_binary
    assert sorted(m.classes) == sorted(frame["kind"].unique())
    p = m.predict_proba(frame["text"][:10])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_bad_rows_name_the_row(demo):
    bad = demo.copy()
    bad["label"] = bad["label"].astype("Int64")
    bad.loc[4, "label"] = None
    with pytest.raises(tw.InputError) as e:
        tw.train(bad)
    assert e.value.line == 5 and "label" in str(e.value)
    with pytest.raises(tw.InputError, match="no column 'body'; its columns are 'id', 'text'"):
        tw.train(demo, text="body")
    m = tw.train(bad, skip_bad_rows=True)
    assert m.metadata["data"]["rows"] == len(demo) - 1


def test_evaluate_gives_the_report(demo, tmp_path):
    r = tw.evaluate(demo, folds=3, group_by="author")
    assert r["data"]["rows"] == len(demo)
    auc, sd = r.metrics()["roc_auc"]
    assert 0.5 < auc <= 1.0 and sd >= 0
    assert r.to_html().lstrip().lower().startswith("<!doctype html")
    assert "roc" in r.to_markdown().lower()
    oof = r.oof()
    # Rows whose text also appears under the other label are left untested.
    assert 0 < oof.num_rows <= len(demo)
    assert set(oof.column("id").to_pylist()) <= set(demo["id"])
    assert set(oof.column("fold").to_pylist()) == {1, 2, 3}
    r.write(tmp_path / "rep")
    assert {p.name for p in (tmp_path / "rep").iterdir()} == {
        "report.json", "report.md", "report.html"}


def test_evaluate_from_a_file_matches_the_command_line(demo_path, cli, tmp_path):
    import json
    import subprocess

    subprocess.run(
        [cli, "evaluate", str(demo_path), "--folds", "3", "--group-by", "author", "--report",
         str(tmp_path / "cli"), "--quiet"],
        check=True, capture_output=True,
    )
    expected = json.loads((tmp_path / "cli" / "report.json").read_text())
    got = tw.evaluate(demo_path, folds=3, group_by="author")
    assert got["summary"] == expected["summary"]
    assert got["folds"] == expected["folds"]

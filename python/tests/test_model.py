"""Scoring through the binding: the same numbers as the command line, every input type,
missing values, errors as the package's exceptions, pickling."""

from __future__ import annotations

import json
import pickle
import subprocess

import numpy as np
import pyarrow as pa
import pytest

import trollwatch as tw

TEXTS = [
    "Share this before it gets deleted! #MAGA #WakeUpAmerica",
    "The city council meets on Tuesday to discuss the school budget.",
    "Hillary lied, people died. Retweet if you agree!",
    "Lovely walk in the park this morning with the dog",
    "BREAKING: Obama admin hid the truth about Benghazi #tcot",
]


@pytest.fixture(scope="module")
def model(model_path):
    return tw.Model.load(model_path)


def test_scores_equal_the_command_line(model, model_path, cli, tmp_path):
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(TEXTS)), encoding="utf-8"
    )
    out = subprocess.run(
        [cli, "score", "--model", str(model_path), "--input", str(posts), "--format", "jsonl",
         "--explain", "3"],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    got = model.score(TEXTS)
    assert len(rows) == len(TEXTS)
    for row, score in zip(rows, got):
        assert row["score"] == pytest.approx(score, abs=0, rel=1e-15)
    batch = model.score_arrow(TEXTS, explain=3)
    assert batch.column("label").to_pylist() == [r["label"] for r in rows]
    assert batch.column("flagged").to_pylist() == [r["flagged"] for r in rows]
    assert batch.column("known_terms").to_pylist() == [r["known_terms"] for r in rows]
    terms = [[c["term"] for c in r["explain"]] for r in rows]
    assert [
        [part.rsplit(" (", 1)[0] for part in e.split("; ")]
        for e in batch.column("explanation").to_pylist()
    ] == terms


@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        lambda t: np.array(t, dtype=object),
        pa.array,
        lambda t: pa.array(t, pa.large_string()),
        lambda t: pa.array(t, pa.string_view()),
        lambda t: pa.chunked_array([t[:2], t[2:]]),
        lambda t: pa.array(t).dictionary_encode(),
        lambda t: (x for x in t),
    ],
    ids=["list", "tuple", "numpy", "utf8", "large_utf8", "utf8_view", "chunked", "dictionary",
         "generator"],
)
def test_every_input_type_scores_the_same(model, make):
    expected = model.score(TEXTS)
    got = model.score(make(TEXTS))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


def test_missing_and_empty_texts_have_no_score(model):
    got = model.score([TEXTS[0], None, float("nan"), "", "http://t.co/abc", TEXTS[1]])
    assert not np.isnan(got[0]) and not np.isnan(got[5])
    assert np.isnan(got[1:5]).all()
    batch = model.score_arrow(pa.array([TEXTS[0], None]))
    assert batch.column("score").null_count == 1
    assert batch.column("flagged").to_pylist() == [bool(got[0] >= model.threshold()), False]


def test_probabilities_labels_and_threshold(model):
    p = model.predict_proba(TEXTS)
    assert p.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(p[:, 1], model.score(TEXTS))
    labels = model.predict(TEXTS, threshold=0.5)
    assert list(labels) == [model.classes[int(s >= 0.5)] for s in p[:, 1]]
    low_prior = model.score(TEXTS, prior=0.05)
    assert (low_prior < model.score(TEXTS)).all()


def test_score_frame_keeps_the_frame_type_and_columns(model):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}, index=list("abcde"))
    out = model.score_frame(df)
    assert list(out.columns) == ["id", "text", "score", "label", "flagged", "known_terms",
                                 "explanation"]
    assert list(out.index) == list("abcde")
    np.testing.assert_array_equal(out["score"].to_numpy(), model.score(TEXTS))
    assert list(df.columns) == ["id", "text"], "the input frame is left as it was"
    table = model.score_frame(pa.table({"body": TEXTS}), text="body", explain=0, prefix="tw_")
    assert table.schema.names == ["body", "tw_score", "tw_label", "tw_flagged", "tw_known_terms"]
    batch = model.score_frame(pa.record_batch({"text": TEXTS}))
    assert isinstance(batch, pa.RecordBatch) and batch.num_columns == 6
    with pytest.raises(tw.InputError, match="already has column"):
        model.score_frame(out)
    with pytest.raises(tw.InputError, match="no column 'body'"):
        model.score_frame(df, text="body")


def test_score_frame_polars(model):
    pl = pytest.importorskip("polars")
    out = model.score_frame(pl.DataFrame({"text": TEXTS}))
    assert isinstance(out, pl.DataFrame)
    np.testing.assert_array_equal(out["score"].to_numpy(), model.score(TEXTS))


def test_errors_are_typed_and_name_what_is_wrong(model, tmp_path):
    with pytest.raises(TypeError, match="not one str"):
        model.score("one text")
    with pytest.raises(TypeError, match="text 1 is a int"):
        model.score(["ok", 3])
    with pytest.raises(TypeError, match="type Int64"):
        model.score(pa.array([1, 2]))
    with pytest.raises(tw.ParameterError) as e:
        model.score(TEXTS, threshold=1.5)
    assert e.value.option == "threshold" and isinstance(e.value, ValueError)
    with pytest.raises(tw.ParameterError):
        model.score(TEXTS, prior=0)
    not_model = tmp_path / "posts.csv"
    not_model.write_text("id,text\n1,hello\n")
    with pytest.raises(tw.ModelFileError, match="not a trollwatch model file") as e:
        tw.Model.load(not_model)
    assert e.value.path == str(not_model)
    with pytest.raises(tw.FileError) as e:
        tw.Model.load(tmp_path / "missing.model")
    assert isinstance(e.value, OSError)
    with pytest.raises(tw.ModelFileError):
        tw.Model.from_bytes(b"TROLLWATCH-MODEL" + b"\0" * 40)


def test_model_round_trips_through_bytes_files_and_pickle(model, tmp_path):
    again = pickle.loads(pickle.dumps(model))
    assert again.sha256 == model.sha256
    np.testing.assert_array_equal(again.score(TEXTS), model.score(TEXTS))
    path = tmp_path / "copy.model"
    model.save(path)
    assert path.read_bytes() == model.to_bytes()
    loaded = tw.Model.load(path)
    assert loaded.sha256 == model.sha256 and loaded.path == str(path)
    assert loaded.metadata["format_version"] == model.format_version
    assert model.metadata["input"]["text_col"] == model.text_column

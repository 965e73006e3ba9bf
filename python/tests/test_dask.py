"""Scoring at scale on Dask: the model is sent to the workers (it pickles as its bytes) and
each partition is scored where it lies; the result equals one run over all rows."""

from __future__ import annotations

import numpy as np
import pytest

import trollwatch as tw


def test_dask_map_partitions_equals_one_run(model_path, demo_path):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    model = tw.Model.load(model_path)
    frame = pd.read_csv(demo_path)[["id", "text"]]
    expected = model.score_frame(frame, explain=2)
    parts = dd.from_pandas(frame, npartitions=7)
    meta = model.score_frame(frame.iloc[:0], explain=2)
    scored = parts.map_partitions(model.score_frame, explain=2, meta=meta)
    with dask.config.set(scheduler="processes", num_workers=2):
        got = scored.compute()
    assert got.npartitions if hasattr(got, "npartitions") else True
    got = got.sort_index()
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_array_equal(got["score"].to_numpy(), expected["score"].to_numpy())
    assert got["label"].tolist() == expected["label"].tolist()
    assert got["explanation"].tolist() == expected["explanation"].tolist()

"""Coordinated accounts from Python: the command's analysis on a file or a table, its files
as Arrow tables, the same edges either way."""

from __future__ import annotations

import datetime
import json
import subprocess

import pytest

import trollwatch as tw


@pytest.fixture(scope="module")
def demo(demo_path):
    pd = pytest.importorskip("pandas")
    return pd.read_csv(demo_path)


def test_a_table_and_its_file_give_the_same_analysis(demo, demo_path):
    from_file = tw.coordination(demo_path)
    from_frame = tw.coordination(demo)
    assert from_frame.edges.num_rows > 0
    for name in ("edges", "evidence", "clusters", "communities", "accounts"):
        assert getattr(from_frame, name).equals(getattr(from_file, name)), name
    assert from_frame.stats["posts"] == len(demo)
    assert from_frame.edges.schema.field("account_a").type == "string"


def test_equals_the_command_line(demo_path, cli, tmp_path):
    subprocess.run([cli, "coordination", str(demo_path), "--window", "5m", "--min-weight", "2",
                    "--out", str(tmp_path / "cli"), "-q"], check=True, capture_output=True)
    got = tw.coordination(demo_path, window="5m", min_weight=2)
    got.write(tmp_path / "py")
    for name in ("edges.csv", "evidence.csv", "communities.csv", "accounts.csv", "posts.csv",
                 "graph.graphml"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    assert json.loads((tmp_path / "py" / "summary.json").read_text()) == json.loads(
        (tmp_path / "cli" / "summary.json").read_text())
    assert got.to_html().startswith("<!DOCTYPE html>")
    assert "<graphml" in got.graphml


def test_windows_times_and_frames(demo):
    pl = pytest.importorskip("polars")
    base = tw.coordination(demo, window="60s").edges
    assert tw.coordination(demo, window=datetime.timedelta(seconds=60)).edges.equals(base)
    assert tw.coordination(demo, window=60).edges.equals(base)
    assert tw.coordination(pl.from_pandas(demo)).edges.equals(base)
    # Times as datetimes (with a zone, or naive as UTC) give the same analysis as the text.
    pd = pytest.importorskip("pandas")
    aware = demo.assign(timestamp=pd.to_datetime(demo["timestamp"], utc=True))
    assert tw.coordination(aware).edges.equals(base)
    naive = aware.assign(timestamp=aware["timestamp"].dt.tz_localize(None))
    assert tw.coordination(pl.from_pandas(naive)).edges.equals(base)
    wider = tw.coordination(demo, window="1h").edges
    assert wider.num_rows >= base.num_rows


def test_bad_input_is_named(demo):
    with pytest.raises(tw.InputError, match="no column 'user'"):
        tw.coordination(demo, author="user")
    bad = demo.copy()
    bad.loc[3, "timestamp"] = "yesterday"
    with pytest.raises(tw.InputError) as e:
        tw.coordination(bad)
    assert e.value.line == 4 and "yesterday" in str(e.value)
    assert tw.coordination(bad, skip_bad_rows=True).stats["posts"] == len(demo) - 1
    with pytest.raises(tw.ParameterError):
        tw.coordination(demo, kinds="text,bogus")

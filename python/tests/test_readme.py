"""The README's Python examples run as written, in a fresh folder holding copies of the
checkout's bundled `datasets/` and `models/` (as the Rust README test runs the shell
examples), so that what a user copies works."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_examples():
    assert python_blocks(), "README.md has no ```python block"


@pytest.mark.parametrize("i", range(len(python_blocks())))
def test_readme_python_block_runs(i, monkeypatch, tmp_path):
    pytest.importorskip("pandas")
    code = python_blocks()[i]
    for module in re.findall(r"^(?:import|from) (\w+)", code, flags=re.M):
        pytest.importorskip(module)
    for folder in ("datasets", "models"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
    if 'prefix="tw_"' in code:
        scored = namespace["scored"]
        assert {"tw_score", "tw_label", "tw_flagged", "tw_known_terms", "tw_explanation"} <= set(scored.columns)
        assert len(scored) == len(namespace["df"])

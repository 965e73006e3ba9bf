"""The README's Python examples run as written (from the checkout's root, with the bundled
model and demo data), so that what a user copies works."""

from __future__ import annotations

import os
import re

import pytest

from conftest import ROOT


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_examples():
    assert python_blocks(), "README.md has no ```python block"


@pytest.mark.parametrize("i", range(len(python_blocks())))
def test_readme_python_block_runs(i, monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.chdir(ROOT)
    code = python_blocks()[i]
    namespace: dict = {}
    exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
    if "scored" in namespace:
        scored = namespace["scored"]
        assert {"tw_score", "tw_label", "tw_flagged", "tw_known_terms", "tw_explanation"} <= set(scored.columns)
        assert len(scored) == len(namespace["df"])
    assert os.getcwd() == str(ROOT)

"""Shared fixtures: the bundled model and demo data, and the command-line binary (found at
``TROLLWATCH_BIN`` or in the checkout's ``target/release``) for comparisons with the CLI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ROOT / "models" / "trollwatch-en.model"


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return ROOT / "datasets" / "demo.csv"


@pytest.fixture(scope="session")
def cli() -> str:
    found = os.environ.get("TROLLWATCH_BIN") or shutil.which("trollwatch")
    if not found:
        local = ROOT / "target" / "release" / "trollwatch"
        if local.exists():
            found = str(local)
    if not found:
        pytest.skip("the trollwatch binary is not built (cargo build --release)")
    return found

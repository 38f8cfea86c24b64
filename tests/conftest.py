"""Shared pytest set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Sample assignments are inputs to the grading tests, not notebooks for nbval to execute.
collect_ignore_glob = ["assignments/*", "assignments/**/*"]

# Headless: figures drawn by helpers under test must not try to open windows.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def isolated_data(monkeypatch, tmp_path):
    """An empty cache (yielded), no shared directory, no mirror, downloads turned off, no progress bars.

    Data test modules opt in with ``pytestmark = pytest.mark.usefixtures("isolated_data")`` or build on it.
    """
    from dlcourse.data import store

    monkeypatch.setenv("DLCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    monkeypatch.delenv("DLCOURSE_MIRROR", raising=False)
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    store._warned.clear()
    yield tmp_path / "cache"

"""Shared pytest set-up."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Sample assignments are inputs to the grading tests, not notebooks for nbval to execute.
collect_ignore_glob = ["assignments/*", "assignments/**/*"]

# Headless: figures drawn by helpers under test must not try to open windows.
os.environ.setdefault("MPLBACKEND", "Agg")

"""Where the data tests find the shared course data mirror, and the marker that skips them without it.

Imported by the data test modules (``from datahelpers import SHARED, needs_shared``); pytest's default import
mode puts ``tests/`` on ``sys.path``. The per-test environment is the ``isolated_data`` fixture in conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DLCOURSE_DATA") or ROOT.parent / "shared" / "coursedata")
HAVE_SHARED = (SHARED / "README.md").is_file()
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason=f"the shared course data mirror {SHARED} is absent")

"""The two README commands reuse the virtual environment until the dependencies change."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def _deps_hash() -> str:
    data = (ROOT / "pyproject.toml").read_bytes() + (ROOT / "scripts" / "install-system-deps.sh").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def test_a_missing_environment_is_created(tmp_path):
    plan = _make("-n", "env", f"VENV={tmp_path / 'venv'}")
    assert plan.returncode == 0, plan.stderr
    assert "-m venv" in plan.stdout and "pip install" in plan.stdout and "-e '.[test]'" in plan.stdout


def test_a_clean_clone_installs_everything_for_the_tests_in_one_pip_call(tmp_path):
    """CI's set-up: one dependency resolution for the course and the test extras, not one for each."""
    plan = _make("-n", "test", f"VENV={tmp_path / 'venv'}").stdout
    installs = [line for line in plan.splitlines() if "pip install" in line and "-e " in line]
    assert installs == [installs[0]] and "-e '.[test,torch,jax,e2e]'" in installs[0], installs
    assert "-m venv" in plan and "install-system-deps.sh --test" in plan and "pytest" in plan
    assert plan.index("pip install") < plan.index("-m pytest")


def test_an_up_to_date_environment_is_reused(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / f".installed-{_deps_hash()}").touch()  # what a finished `make lab` set-up leaves behind
    assert _make("-q", "env", f"VENV={venv}").returncode == 0, "make would reinstall an up-to-date environment"
    (venv / f".installed-test-{_deps_hash()}").touch()  # ... and what the test set-up adds
    plan = _make("-n", "test", f"VENV={venv}")
    assert "pip install" not in plan.stdout and "pytest" in plan.stdout


def test_the_test_set_up_adds_only_the_test_extras_to_a_lab_environment(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / f".installed-{_deps_hash()}").touch()
    plan = _make("-n", "test", f"VENV={venv}").stdout
    assert "-m venv" not in plan and "-e '.[test,torch,jax,e2e]'" in plan and "pytest" in plan
    assert "install-system-deps.sh --test" in plan  # Chromium and the JupyterHub proxy
    lab = _make("-n", "lab", f"VENV={venv}").stdout
    assert "torch" not in lab and "jax" not in lab and "e2e" not in lab  # students get TensorFlow only
    assert "--test" not in lab  # ... and no browser or proxy


def test_changed_dependencies_trigger_a_reinstall(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed-0123456789abcdef").touch()  # stamp of an older pyproject.toml
    assert _make("-q", "env", f"VENV={venv}").returncode == 1
    assert "pip install" in _make("-n", "env", f"VENV={venv}").stdout


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "exec make test" in ci

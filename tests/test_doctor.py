"""``dlcourse doctor``: sections, fixes, and the exit code when something required is broken."""

from __future__ import annotations

import io

import pytest
from datahelpers import HAVE_SHARED, SHARED

from dlcourse import doctor, runtime


@pytest.fixture
def shared_if_present(isolated_data, monkeypatch):
    """``isolated_data``, reading from the shared course data mirror when there is one."""
    if HAVE_SHARED:
        monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))


pytestmark = pytest.mark.usefixtures("shared_if_present")


def run(**kwargs) -> tuple[int, str]:
    out = io.StringIO()
    code = doctor.run(stream=out, **kwargs)
    return code, out.getvalue()


def test_doctor_reports_environment_packages_device_and_data():
    code, out = run(device=True)
    assert code == 0, out
    for section in ("Environment", "Packages (supported ranges)", "Device", "Datasets"):
        assert f"\n{section}" in out
    assert "✓ tensorflow" in out and "✓ keras" in out and "training device:" in out
    # make test installs all three backends, so each is tried in its own process and must work
    for name, label in (("tensorflow", "TensorFlow"), ("jax", "JAX"), ("torch", "PyTorch")):
        assert f"✓ {name}: {label} " in out and "works (CPU" in out, out
    assert "All required checks passed" in out
    for name in ("mnist", "imdb", "glove"):
        assert f"{name}:" in out


def test_doctor_uses_the_runtime_version_table():
    assert "numpy" in runtime.SUPPORTED and "tensorflow" in runtime.SUPPORTED
    code, out = run(device=False, data=False)
    for package in runtime.SUPPORTED:
        assert package in out


def test_unsupported_version_is_a_problem_with_its_fix(monkeypatch):
    monkeypatch.setitem(runtime.SUPPORTED, "numpy", ("99", "100"))
    code, out = run(device=False, data=False)
    assert code == 1
    assert "numpy" in out and "outside the supported range >=99,<100" in out
    assert "fix: pip install 'numpy>=99,<100'" in out and "1 problem(s)" in out


def test_missing_shared_directory_is_a_problem(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "nowhere"))
    code, out = run(device=False, data=False)
    assert code == 1 and "does not exist" in out and "fix: set DLCOURSE_DATA" in out


def test_missing_data_is_only_a_warning(monkeypatch):
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    code, out = run(device=False)
    assert code == 0
    assert "! mnist: not on this machine" in out and "dlcourse fetch mnist" in out


def test_unwritable_cache_without_shared_data_is_a_problem(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DLCOURSE_CACHE", str(blocker / "cache"))
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    code, out = run(device=False, data=False)
    assert code == 1 and "not writable" in out and "DLCOURSE_CACHE" in out


def test_doctor_command_is_registered(capsys):
    from dlcourse.cli import main

    assert main(["doctor", "--no-device"]) in (0, 1)
    assert "Packages (supported ranges)" in capsys.readouterr().out


def test_a_missing_chosen_backend_is_a_problem_with_its_fix(monkeypatch):
    import keras  # noqa: F401  (imported on TensorFlow before KERAS_BACKEND changes: this process keeps it)

    from dlcourse import backends

    real = backends.version
    monkeypatch.setattr(backends, "version", lambda name: None if name == "jax" else real(name))
    # The installed backends' probes answer at once (each real probe is a process importing Keras, 5-10 s; the test
    # above runs them): what is tested here is the report on the one that is missing.
    monkeypatch.setattr(backends, "_PROBE", "print('DEVICE CPU (probe program replaced in this test)')")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    code, out = run(device=True, data=False)
    assert code == 1, out
    assert "✗ KERAS_BACKEND=jax but it is not installed" in out and "fix: pip install -e '.[jax]'" in out
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    code, out = run(device=True, data=False)
    assert code == 0 and "jax: not installed (optional; to try it: pip install -e '.[jax]'" in out, out

"""dlcourse.runtime: quick/full switch, metric reports, set-up cell, and the light package import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from dlcourse import runtime


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_pick_follows_the_environment_variable():
    code = "import dlcourse; print(dlcourse.QUICK, dlcourse.pick(full=15, quick=1))"
    assert _run(code, DLCOURSE_QUICK="1").stdout.split() == ["True", "1"]
    assert _run(code, DLCOURSE_QUICK="0").stdout.split() == ["False", "15"]
    assert _run(code, DLCOURSE_QUICK="").stdout.split() == ["False", "15"]


def test_report_prints_and_appends_json_lines(tmp_path, monkeypatch, capsys):
    target = tmp_path / "metrics.jsonl"
    monkeypatch.setenv("DLCOURSE_METRICS", str(target))
    import numpy as np

    assert runtime.report("test_accuracy", np.float32(0.8765)) == np.float32(0.8765)
    runtime.report("epochs", 3)
    assert capsys.readouterr().out.splitlines() == ["test_accuracy: 0.8765", "epochs: 3"]
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["name"] for r in records] == ["test_accuracy", "epochs"]
    assert records[0]["value"] == pytest.approx(0.8765, abs=1e-6)
    assert records[1]["value"] == 3


def test_version_problems_name_the_fix(monkeypatch):
    monkeypatch.setitem(runtime.SUPPORTED, "numpy", ("99.0", "100"))
    problems = runtime.version_problems()
    numpy_problem = next(p for p in problems if p.startswith("numpy"))
    assert "outside the supported range >=99.0,<100" in numpy_problem
    assert "pip install 'numpy>=99.0,<100'" in numpy_problem


def test_installed_environment_is_in_range():
    assert runtime.version_problems() == []


def test_import_is_light_and_fast():
    result = _run(
        """
        import time, sys
        start = time.perf_counter()
        import dlcourse
        elapsed = time.perf_counter() - start
        heavy = [m for m in ("tensorflow", "keras", "matplotlib", "pandas") if m in sys.modules]
        print(elapsed, ",".join(heavy))
        """
    )
    elapsed, heavy = result.stdout.split(" ")
    assert heavy.strip() == "", f"import dlcourse pulled in heavy modules: {heavy.strip()}"
    assert float(elapsed) < 0.5, f"import dlcourse took {float(elapsed):.2f} s (budget 0.5 s)"


@pytest.mark.slow
def test_setup_seeds_and_reports():
    result = _run(
        """
        import dlcourse, random, numpy as np
        info = dlcourse.setup(seed=7)
        import keras
        a = (random.random(), np.random.rand(), float(keras.random.uniform(()).numpy()))
        dlcourse.setup(seed=7, verbose=False)
        b = (random.random(), np.random.rand(), float(keras.random.uniform(()).numpy()))
        print("SAME" if a == b else f"DIFFERENT {a} {b}")
        print(info["backend"], info["device"], info["quick"])
        """,
        DLCOURSE_QUICK="1",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Python 3.11") and "Keras 3." in lines[0] and "mode: QUICK" in lines[0]
    assert lines[1] == "SAME"
    # TensorFlow's C++ start-up notices (oneDNN, failed CUDA probes on CPU machines) must not alarm students.
    for noise in ("oneDNN", "cuInit", "cuda drivers", "absl::InitializeLog"):
        assert noise not in result.stderr, f"setup() let TensorFlow's notice through: {result.stderr[-500:]}"
    backend, device, quick = lines[2].split(" ", 1)[0], lines[2].split(" ", 1)[1].rsplit(" ", 1)[0], lines[2].rsplit(" ", 1)[1]
    assert backend == "tensorflow" and device.startswith(("CPU", "GPU")) and quick == "True"


def test_setup_without_keras_stays_light():
    result = _run(
        """
        import sys, dlcourse
        info = dlcourse.setup(keras=False)
        print("TF" if "tensorflow" in sys.modules else "NO-TF", sorted(info))
        """
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert first.startswith("Python 3.11") and "NumPy" in first and "device: CPU (" in first and "mode:" in first
    assert second.startswith("NO-TF"), "setup(keras=False) imported TensorFlow"
    assert "['device', 'numpy', 'python', 'quick', 'seed']" in second


@pytest.mark.slow
def test_unsolved_stub_gives_a_short_hint_in_a_notebook(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "import dlcourse\ndlcourse.setup(keras=False)",
        "def relu(z):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
        "import numpy as np\nrelu(np.arange(3))",  # a demo cell run before the exercise is solved
        "raise NotImplementedError('a real error with a message')",
        "1 / 0",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path)}}).execute()
    errors = [next((o for o in c.outputs if o.output_type == "error"), None) for c in nb.cells]
    assert errors[0] is None and errors[1] is None
    stub = errors[2]
    assert stub.ename == "NotImplementedError" and len(stub.traceback) == 1
    assert "`relu` is still the exercise stub" in stub.traceback[0] and "Hint:" in stub.traceback[0]
    assert len(errors[3].traceback) > 1, "a NotImplementedError with a message is a real error: full traceback"
    assert errors[4].ename == "ZeroDivisionError" and len(errors[4].traceback) > 1


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "label"), [("jax", "JAX"), ("torch", "PyTorch")])
def test_setup_reports_the_backend_it_runs_on(backend, label):
    result = _run("import dlcourse; info = dlcourse.setup(); print(info['backend'], info['backend_version'])",
                  KERAS_BACKEND=backend)
    assert result.returncode == 0, result.stderr[-2000:]
    line, facts = result.stdout.strip().splitlines()
    from dlcourse import backends

    assert f"({backend} backend, {label} {backends.version(backend)})" in line and "device: CPU" in line, line
    assert facts == f"{backend} {backends.version(backend)}"


@pytest.mark.slow
def test_setup_warns_about_an_unusable_backend_and_runs_on_tensorflow():
    result = _run("""
        import warnings
        from dlcourse import backends
        real = backends.version
        backends.version = lambda name: None if name == "jax" else real(name)  # as if JAX were not installed
        import dlcourse
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            info = dlcourse.setup()
        print("WARNED", [str(w.message) for w in caught])
        print(info["backend"])
        """, KERAS_BACKEND="jax")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "KERAS_BACKEND=jax but JAX is not installed. Fix: pip install -e '.[jax]'" in result.stdout
    assert "Running on TensorFlow for now." in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "tensorflow"
    unknown = _run("import dlcourse; print(dlcourse.setup(verbose=False)['backend'])", KERAS_BACKEND="pytorch")
    assert unknown.returncode == 0 and unknown.stdout.strip() == "tensorflow"
    assert "KERAS_BACKEND='pytorch' is not one of the course's backends (tensorflow, jax, torch)" in unknown.stderr


def _cgroup(tmp_path, files: dict[str, str]) -> str:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def test_usable_cores_respect_a_containers_cpu_quota(tmp_path):
    from dlcourse.backends import usable_cores

    affinity = len(os.sched_getaffinity(0))
    assert usable_cores(str(tmp_path / "none")) == affinity  # no cgroup files: the affinity
    assert usable_cores(_cgroup(tmp_path / "v2max", {"cpu.max": "max 100000\n"})) == affinity
    assert usable_cores(_cgroup(tmp_path / "v2", {"cpu.max": "50000 100000\n"})) == 1  # half a core: still 1
    v1 = _cgroup(tmp_path / "v1", {"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert usable_cores(v1) == 1
    unlimited = _cgroup(tmp_path / "v1u", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert usable_cores(unlimited) == affinity


@pytest.mark.slow
def test_setup_on_torch_gives_pytorch_no_more_threads_than_usable_cores():
    code = """
        import torch
        from dlcourse import backends
        torch.set_num_threads(64)  # what PyTorch starts with on a 64-core host, whatever the container's quota
        backends.usable_cores = lambda cgroup="/sys/fs/cgroup": 2
        import dlcourse
        info = dlcourse.setup(verbose=False)
        print(info["backend"], torch.get_num_threads(), info["device"])
        """
    result = _run(code, KERAS_BACKEND="torch", OMP_NUM_THREADS="")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["torch", "2", "CPU", "(2", "cores)"]
    kept = _run(code, KERAS_BACKEND="torch", OMP_NUM_THREADS="64")  # an explicit choice is left alone
    assert kept.returncode == 0 and kept.stdout.split()[:2] == ["torch", "64"], kept.stderr[-2000:]

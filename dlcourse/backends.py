"""The three Keras backends the course runs on: which one is asked for, whether it is installed, and how to fix it.

Keras 3 picks its backend once per process, from ``KERAS_BACKEND`` (default TensorFlow), when ``keras`` is first
imported. Every notebook runs on TensorFlow, JAX and PyTorch (tested in ``make test``); TensorFlow is the default
and the only one ``make lab`` installs. This module imports no backend itself, so it is cheap to use anywhere.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata

#: Keras backend name -> (distributions that provide it, the command that installs it for this course).
BACKENDS: dict[str, tuple[tuple[str, ...], str]] = {
    "tensorflow": (("tensorflow", "tensorflow-cpu", "tensorflow-macos"), "pip install -e . (or make env)"),
    "jax": (("jax",), "pip install -e '.[jax]' in the course folder"),
    "torch": (("torch",), "pip install -e '.[torch]' in the course folder (see README, 'Backends': the CPU build)"),
}
DEFAULT = "tensorflow"


def requested() -> str:
    """The backend asked for: ``KERAS_BACKEND``, else TensorFlow (not validated; a process that imported Keras
    before the variable changed keeps its backend: ``keras.backend.backend()`` says which)."""
    return os.environ.get("KERAS_BACKEND", "").strip().lower() or DEFAULT


def version(backend: str) -> str | None:
    """Installed version of the package behind a backend, or None when it is not installed."""
    for distribution in BACKENDS.get(backend, ((), ""))[0]:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return None


def label(backend: str) -> str:
    """A backend's package and version for messages, e.g. 'JAX 0.10.2'."""
    name = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(backend, backend)
    return f"{name} {version(backend) or '(not installed)'}"


def problem(backend: str | None = None) -> str | None:
    """Why the backend cannot be used, with the fix; None when it is known and installed."""
    backend = backend or requested()
    if backend not in BACKENDS:
        return (f"KERAS_BACKEND={backend!r} is not one of the course's backends ({', '.join(BACKENDS)}). "
                "Fix: unset KERAS_BACKEND (TensorFlow) or set it to one of those, then restart the kernel.")
    if version(backend) is None:
        return (f"KERAS_BACKEND={backend} but {label(backend).split(' ')[0]} is not installed. "
                f"Fix: {BACKENDS[backend][1]}, then restart the kernel; or unset KERAS_BACKEND to use TensorFlow.")
    return None


def usable_cores(cgroup: str = "/sys/fs/cgroup") -> int:
    """The CPU cores this process may really use: its affinity, capped by a container's CPU quota.

    On a JupyterHub a student's server is a container limited to, say, 2 CPUs on a 64-core machine:
    ``os.cpu_count()`` says 64 there, and a library that starts 64 threads runs slower than with 2. Reads the
    cgroup v2 ``cpu.max`` or the v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` under ``cgroup``.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    root = os.path.abspath(cgroup)
    for quota_file, period_file in (("cpu.max", None), ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"),
                                    ("cpu.cfs_quota_us", "cpu.cfs_period_us")):
        try:
            with open(os.path.join(root, quota_file), encoding="ascii") as f:
                fields = f.read().split()
            if period_file:
                with open(os.path.join(root, period_file), encoding="ascii") as f:
                    fields = [fields[0], f.read().strip()]
        except (OSError, IndexError):
            continue
        try:
            quota, period = int(fields[0]), int(fields[1])
        except (ValueError, IndexError):
            break  # "max": no quota
        if quota > 0 and period > 0:
            cores = min(cores, max(1, math.ceil(quota / period)))
        break
    return cores


def fit_torch_threads() -> int | None:
    """Give PyTorch one thread per usable core when its default would start more (a container's CPU quota).

    PyTorch sizes its thread pool by the machine's cores, not the container's quota, and oversubscribed threads
    make it several times slower. Leaves an explicit ``OMP_NUM_THREADS`` alone. Returns the new thread count, or
    None when nothing changed. Imports torch: call it only on the torch backend.
    """
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    import torch

    cores = usable_cores()
    if torch.get_num_threads() <= cores:
        return None
    torch.set_num_threads(cores)
    return cores


def device(backend: str) -> str:
    """The device Keras trains on with this (already imported) backend, e.g. 'CPU (2 cores)' or 'GPU: ...'."""
    cores = f"CPU ({usable_cores()} cores)"
    if backend == "tensorflow":
        from dlcourse.runtime import device_description

        return device_description()
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform != "cpu"]
        return "GPU: " + ", ".join(d.device_kind for d in gpus) if gpus else cores
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return "GPU: " + torch.cuda.get_device_name(0)
        return cores
    return "unknown"


@dataclass
class Probe:
    """The outcome of trying a backend in a fresh Python process."""

    backend: str
    version: str | None
    works: bool
    seconds: float
    detail: str  # the device when it works, the error's last line when it does not


_PROBE = (
    "import keras, numpy as np\n"
    "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    "m.compile(optimizer='sgd', loss='mse')\n"
    "m.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=1, verbose=0)\n"
    "from dlcourse import backends\n"
    "print('DEVICE', backends.device(keras.backend.backend()))\n"
)


def probe(backend: str, timeout: float = 180) -> Probe:
    """Import Keras on `backend` in a subprocess (a process has one backend) and fit a tiny model."""
    found = version(backend)
    if found is None:
        return Probe(backend, None, False, 0.0, "not installed")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return Probe(backend, found, False, timeout, f"no answer within {timeout:.0f} s")
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("DEVICE ")]
    if done.returncode == 0 and lines:
        return Probe(backend, found, True, seconds, lines[-1][len("DEVICE "):])
    last = (done.stderr.strip().splitlines() or ["exit code %d" % done.returncode])[-1]
    return Probe(backend, found, False, seconds, last[:300])

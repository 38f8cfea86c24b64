"""``dlcourse doctor``: check that this machine can run the course, and say how to fix what cannot.

Checks, in order: the environment (Python, virtual environment, course folder, dlcourse settings), package
versions against the supported ranges (:data:`dlcourse.runtime.SUPPORTED`, the same table ``dlcourse.setup()``
uses), the device TensorFlow will train on (the only place TensorFlow is imported), and where every dataset is.
Every problem is followed by its fix. The exit code is 1 when something required is broken (an unsupported
Python or package version, TensorFlow or Keras that cannot be imported, a damaged dataset, a data cache that
cannot be written while no shared directory is set); a dataset that is only missing is a warning, since it is
downloaded on first use.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

_REINSTALL = "pip install -e '.[test]' in the course folder (or `make env`)"


class Report:
    """Collects the lines of the report; ``problems`` counts the broken required things."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.problems = 0
        self.warnings = 0

    def section(self, title: str) -> None:
        print(f"\n{title}", file=self.stream)

    def ok(self, text: str) -> None:
        print(f"  ✓ {text}", file=self.stream)

    def info(self, text: str) -> None:
        print(f"    {text}", file=self.stream)

    def warn(self, text: str, fix: str) -> None:
        self.warnings += 1
        print(f"  ! {text}\n      fix: {fix}", file=self.stream)

    def problem(self, text: str, fix: str) -> None:
        self.problems += 1
        print(f"  ✗ {text}\n      fix: {fix}", file=self.stream)


def _check_environment(report: Report) -> None:
    from dlcourse.data import registry, store
    from dlcourse.runtime import QUICK

    report.section("Environment")
    report.ok(f"Python {platform.python_version()} at {sys.executable} on {platform.platform()}")
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix) or bool(os.environ.get("CONDA_PREFIX"))
    if in_venv:
        report.ok(f"virtual environment: {sys.prefix}")
    else:
        report.warn(
            "not running inside a virtual environment (packages may clash with the system's)",
            "in the course folder run `make lab` (it creates .venv), or activate it: source .venv/bin/activate",
        )
    course = registry.COURSEDATA.parent
    if registry.REGISTRY_PATH.is_file():
        report.ok(f"course folder: {course}")
    else:
        report.problem(
            f"the dataset registry {registry.REGISTRY_PATH} is missing",
            "install dlcourse from a clone of the course repository: pip install -e .",
        )
    report.ok(f"mode: {'QUICK (DLCOURSE_QUICK=1: small data, few epochs)' if QUICK else 'full'}")

    shared = store.shared_dir()
    if shared is None:
        report.ok("shared data directory (DLCOURSE_DATA): not set (fine on a personal machine)")
    elif shared.is_dir():
        report.ok(f"shared data directory (DLCOURSE_DATA): {shared}")
    else:
        report.problem(
            f"DLCOURSE_DATA={shared} does not exist",
            "set DLCOURSE_DATA to the course data directory (ask your instructor for its path), or unset it",
        )
    cache = store.cache_dir()
    writable = _writable(cache)
    if writable:
        report.ok(f"local data cache (DLCOURSE_CACHE): {cache} (writable)")
    elif shared is not None and shared.is_dir():
        report.warn(
            f"the local data cache {cache} is not writable (IMDB must be unpacked there)",
            "set DLCOURSE_CACHE to a writable directory, e.g. export DLCOURSE_CACHE=$HOME/dlcourse-data",
        )
    else:
        report.problem(
            f"the local data cache {cache} is not writable and no shared directory is set: no dataset can be stored",
            "set DLCOURSE_CACHE to a writable directory, e.g. export DLCOURSE_CACHE=$HOME/dlcourse-data",
        )
    if store.mirror_url():
        report.ok(f"download mirror (DLCOURSE_MIRROR): {store.mirror_url()}")
    if store.downloads_disabled():
        report.ok("downloads turned off (DLCOURSE_OFFLINE=1)")


def _writable(directory: Path) -> bool:
    import tempfile

    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        with tempfile.TemporaryFile(dir=probe):
            return True
    except OSError:
        return False


def _check_packages(report: Report) -> None:
    from dlcourse import runtime

    report.section("Packages (supported ranges)")
    for package, found, wanted, problem in runtime.version_report():
        if problem:
            text, _, fix = problem.partition(" Fix: ")
            report.problem(text.rstrip("."), fix.rstrip("."))
        else:
            report.ok(f"{package} {found} ({wanted})")


def _check_device(report: Report) -> None:
    report.section("Device")
    from dlcourse import runtime

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    try:
        tf = runtime.import_tensorflow()  # quiet: its start-up notices are not problems
    except Exception as exc:  # a broken install can raise almost anything
        report.problem(f"TensorFlow cannot be imported: {type(exc).__name__}: {exc}", _REINSTALL)
        return
    seconds = time.perf_counter() - start
    report.ok(f"TensorFlow {tf.__version__} imported in {seconds:.1f} s")
    try:
        import keras

        report.ok(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    except Exception as exc:
        report.problem(f"Keras cannot be imported: {type(exc).__name__}: {exc}", _REINSTALL)
    try:
        from dlcourse.runtime import device_description

        device = device_description()
    except Exception as exc:
        report.problem(f"cannot list TensorFlow's devices: {exc}", "pip install -e . --force-reinstall")
        return
    if device.startswith("GPU"):
        report.ok(f"training device: {device}")
    else:
        report.ok(f"training device: {device}")
        report.info("no GPU: every notebook runs on CPU (the full-size trainings take longer; see README)")


def _check_backends(report: Report) -> None:
    """Which Keras backends are installed and work (each tried in its own process: a process has one backend)."""
    from dlcourse import backends

    report.section("Keras backends (KERAS_BACKEND; TensorFlow is the course's default)")
    chosen = backends.requested()
    for name in backends.BACKENDS:
        result = backends.probe(name)
        mark = " <- KERAS_BACKEND" if name == chosen and chosen != backends.DEFAULT else ""
        if result.works:
            report.ok(f"{name}: {backends.label(name)} works ({result.detail}, tiny fit in {result.seconds:.1f} s){mark}")
        elif result.version is None and name != chosen:
            report.info(f"{name}: not installed (optional; to try it: {backends.BACKENDS[name][1]})")
        elif result.version is None:
            report.problem(f"KERAS_BACKEND={name} but it is not installed", backends.BACKENDS[name][1])
        else:
            report.problem(f"{name}: {backends.label(name)} is installed but fails: {result.detail}",
                           f"{backends.BACKENDS[name][1]} --force-reinstall")
    if chosen not in backends.BACKENDS:
        report.problem(backends.problem(chosen).split(" Fix: ")[0], "unset KERAS_BACKEND or set it to tensorflow, jax or torch")


def _check_data(report: Report, verify: bool) -> None:
    from dlcourse.data import registry, store
    from dlcourse.data.errors import DataError

    report.section("Datasets" + (" (hashes verified)" if verify else ""))
    for name in registry.names():
        try:
            status = store.status(name, verify=verify)
        except DataError as exc:
            report.problem(f"{name}: {exc}", "see the message")
            continue
        for problem in status.problems:
            report.warn(f"{name}: damaged copy: {problem}", "delete it; a good copy is used or downloaded instead")
        if status.available:
            report.ok(f"{name}: {status.place} ({status.detail})")
        elif status.place == "damaged":
            report.problem(f"{name}: only damaged copies found", status.detail)
        else:
            size = store.human_size(registry.get(name).size)
            report.warn(
                f"{name}: not on this machine ({size}; downloaded on first use)",
                f"to get it now: dlcourse fetch {name}; offline: set DLCOURSE_DATA to a directory that has it",
            )


def run(*, device: bool = True, data: bool = True, verify: bool = False, stream=None) -> int:
    """Run every check and print the report; returns the exit code (0 fine, 1 something required is broken)."""
    report = Report(stream)
    print("dlcourse doctor: checking this machine for the course", file=report.stream)
    _check_environment(report)
    _check_packages(report)
    if device:
        _check_device(report)
        _check_backends(report)
    if data:
        _check_data(report, verify)
    print(file=report.stream)
    if report.problems:
        summary = f"{report.problems} problem(s) to fix (see 'fix:' above), {report.warnings} warning(s)."
        print(summary, file=report.stream)
        return 1
    print(f"All required checks passed ({report.warnings} warning(s)).", file=report.stream)
    return 0


def register(subparsers) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="check Python, packages, device and data, and say how to fix problems",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("--no-device", action="store_true", help="skip the device check (it imports TensorFlow)")
    parser.add_argument("--verify-data", action="store_true", help="also verify the hashes of the datasets found")
    parser.set_defaults(func=doctor_command)


def doctor_command(args: argparse.Namespace) -> int:
    return run(device=not args.no_device, verify=args.verify_data)

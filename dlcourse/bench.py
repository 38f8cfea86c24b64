"""``dlcourse bench``: run solution notebooks outside pytest and measure them.

For each notebook the runner records the wall time, the kernel's peak memory (resident set of the kernel and every
process it starts, summed the way ``dlcourse grade`` sums it against its 4 GiB default limit), the three slowest cells (with the first line of their
source) and the headline metrics the notebook reported with :func:`dlcourse.report`, then writes a Markdown
table and a JSON file (default folder ``bench/``, which git ignores) and prints the table. A notebook that
fails is reported as failed and the others still run.

Examples
--------
Full mode (what students run), one topic::

    dlcourse bench Artificial-Neural-Networks

Quick mode (what CI runs), two topics, results in another folder::

    dlcourse bench Components-of-Machine-Learning Artificial-Neural-Networks --quick --out /tmp/bench

How metrics travel: the runner points the kernel's ``DLCOURSE_METRICS`` at a temporary file; every call of
``dlcourse.report(name, value)`` inside the notebook appends one JSON line ``{"name": ..., "value": ...}`` to it;
the runner reads the lines back when the notebook is done.

This module only imports the standard library at import time, so ``dlcourse --help`` stays fast.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: How many of the slowest cells each result lists.
SLOWEST = 3

#: The grader's default memory limit per kernel (``dlcourse grade --memory``): every notebook must stay below it.
MEMORY_LIMIT = 4 * 2**30

#: Files notebooks write that make a rerun skip training (``train_or_load``) or are its by-products.
ARTIFACTS = ("*.keras", "*.history.json", "*.weights.h5", "*.progress.npz", "*.pt")  # *.pt: saved PyTorch models


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand to the ``dlcourse`` command line."""
    parser = subparsers.add_parser(
        "bench",
        help="run solution notebooks and record time, slowest cells and reported metrics",
        description=(
            "Execute solution notebooks (TOPIC/solutions/*.ipynb) with a fresh kernel each, in the notebook's own "
            "folder, and record wall time, the slowest cells and the metrics reported with dlcourse.report(). "
            "Writes bench-<mode>.md and bench-<mode>.json to --out and prints the Markdown table. "
            "Exit code 0 when every notebook ran, 1 when one failed, 2 when nothing was found."
        ),
    )
    parser.add_argument(
        "topics",
        nargs="*",
        metavar="TOPIC",
        help="topic folder (e.g. Artificial-Neural-Networks), its solutions/ folder, or a single .ipynb; "
        "default: every */solutions/*.ipynb under the current folder",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="quick mode (DLCOURSE_QUICK=1: small data, few epochs, as CI runs); default: full mode",
    )
    parser.add_argument(
        "--out", default="bench", metavar="DIR", help="folder for the results (default: bench/, git-ignored)"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=1800,
        metavar="SECONDS",
        help="give up on a cell after this many seconds (default: 1800)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="run each notebook in a temporary copy of its folder without saved models (*.keras), so that "
        "dlcourse.checks.train_or_load trains from scratch; nothing in the course folder is deleted or written",
    )
    parser.add_argument(
        "--backend",
        choices=("tensorflow", "jax", "torch"),
        help="Keras backend of the kernels (KERAS_BACKEND); default: the environment's (TensorFlow if unset). "
        "The results go to bench-<mode>-<backend>.{md,json}",
    )
    parser.set_defaults(func=run)


# --------------------------------------------------------------------------------------------------------------
# finding notebooks


def find_notebooks(topics: list[str], root: Path | None = None) -> list[Path]:
    """Resolve topic names, solutions folders or notebook paths to solution notebooks, in a stable order.

    Raises
    ------
    FileNotFoundError
        If a named topic has no notebooks, saying where it looked.
    """
    root = Path.cwd() if root is None else Path(root)
    if not topics:
        return sorted(p for p in root.glob("*/solutions/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    found: list[Path] = []
    for topic in topics:
        path = Path(topic)
        if not path.is_absolute():
            path = root / path
        if path.suffix == ".ipynb" and path.is_file():
            notebooks = [path]
        elif (path / "solutions").is_dir():
            notebooks = sorted((path / "solutions").glob("*.ipynb"))
        elif path.is_dir():
            notebooks = sorted(path.glob("*.ipynb"))
        else:
            notebooks = []
        if not notebooks:
            raise FileNotFoundError(
                f"No notebooks for {topic!r}: looked for {path}/solutions/*.ipynb, {path}/*.ipynb and {path}. "
                "Give a topic folder name (run from the course root), a solutions/ folder or a notebook path."
            )
        found.extend(p for p in notebooks if p not in found)
    return found


# --------------------------------------------------------------------------------------------------------------
# running one notebook


class PeakMemory:
    """Samples the resident memory of a process and all its descendants in a background thread; keeps the peak.

    The sum of resident sets over the process tree is what ``dlcourse grade`` compares with its memory limit, so
    a notebook whose peak here is under 4 GiB also passes the grader's default limit.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int) -> None:
        """Start sampling ``pid`` and its children (once; later calls are ignored)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._sample, args=(pid,), daemon=True)
            self._thread.start()

    def _sample(self, pid: int) -> None:
        import psutil

        try:
            root = psutil.Process(pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:  # the kernel has ended
                return
            total = 0
            for proc in tree:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # a child that ended between listing and reading
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def stop(self) -> int | None:
        """Stop sampling; the peak in bytes, or None if nothing was ever sampled."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.peak or None


def _kernel_pid(client: Any) -> int | None:
    """The process id of the kernel an nbclient client started (local kernels only)."""
    process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def format_bytes(n: int | None) -> str:
    """``3.2e9`` -> ``"3.0 GiB"`` (the grader's format, so the two agree on the limit); ``None`` -> ``"?"``."""
    from dlcourse.grading.sandbox import format_size  # standard library only: keeps bench's import light

    return format_size(n) if n else "?"


def _memory_cell(peak: int | None) -> str:
    over = peak is not None and peak >= MEMORY_LIMIT
    return format_bytes(peak) + (f" **over the grader's {format_bytes(MEMORY_LIMIT)} limit**" if over else "")


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 70 else line[:67] + "..."
    return ""


def read_metrics(path: Path) -> dict[str, Any]:
    """Read the JSON lines ``dlcourse.report`` appended; a name reported twice keeps its last value."""
    metrics: dict[str, Any] = {}
    if not path.exists():
        return metrics
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a half-written line from a killed kernel
        if isinstance(record, dict) and "name" in record:
            metrics[str(record["name"])] = record.get("value")
    return metrics


def bench_notebook(
    path: Path,
    *,
    quick: bool,
    timeout: int = 1800,
    save_executed: Path | None = None,
    root: Path | None = None,
    fresh: bool = False,
    backend: str | None = None,
) -> dict[str, Any]:
    """Execute one notebook in a fresh kernel in its own folder and return its measurements.

    The wall time runs from starting the kernel to shutting it down, so it includes start-up (about 1-2 s).

    Parameters
    ----------
    path
        The notebook.
    quick
        Set ``DLCOURSE_QUICK=1`` for the kernel (quick mode); otherwise the variable is removed (full mode).
    timeout
        Seconds before a single cell is abandoned.
    save_executed
        If given, the executed notebook (with outputs) is written to this file, for looking at failures.
    root
        Paths in the result are given relative to this folder when possible.
    fresh
        Run in a temporary copy of the notebook's folder that leaves out saved models (:data:`ARTIFACTS`), so
        that training runs from scratch; without it, saved ``*.keras`` files found beside the notebook are
        listed in ``saved_models`` (a rerun loads them instead of training, and its time is not a training time).
    backend
        Keras backend for the kernel (``KERAS_BACKEND``); None keeps the environment's.

    Returns
    -------
    dict
        ``path``, ``status`` ("ok" or "failed"), ``seconds``, ``peak_memory_bytes`` (the kernel's peak resident
        memory with its children, None if it never ran a cell), ``slowest_cells`` (list of ``index``,
        ``first_line``, ``seconds``), ``metrics`` (name -> value), ``error`` (None or a short message) and
        ``saved_models`` (the ``*.keras`` files present before the run; empty with ``fresh``).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    workdir = path.parent
    scratch: tempfile.TemporaryDirectory | None = None
    saved_models: list[str] = []
    if fresh:
        scratch = tempfile.TemporaryDirectory(prefix="dlcourse-bench-")
        workdir = Path(scratch.name) / path.parent.name
        shutil.copytree(path.parent, workdir, ignore=shutil.ignore_patterns(*ARTIFACTS, ".ipynb_checkpoints"))
    else:
        saved_models = sorted(p.name for pattern in ("*.keras", "*.pt") for p in path.parent.glob(pattern))
    cell_seconds: dict[int, float] = {}
    started: dict[int, float] = {}
    memory = PeakMemory()

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        started[cell_index] = time.perf_counter()
        pid = _kernel_pid(client)
        if pid is not None:
            memory.watch(pid)

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
        if cell_index in started:
            cell_seconds[cell_index] = time.perf_counter() - started[cell_index]

    fd, metrics_name = tempfile.mkstemp(prefix="dlcourse-metrics-", suffix=".jsonl")
    os.close(fd)
    metrics_file = Path(metrics_name)
    env = {key: value for key, value in os.environ.items() if key != "DLCOURSE_QUICK"}
    if quick:
        env["DLCOURSE_QUICK"] = "1"
    env["DLCOURSE_METRICS"] = str(metrics_file)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend:
        env["KERAS_BACKEND"] = backend

    kernel_name = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(workdir)}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    error: str | None = None
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        error = _describe_cell_error(nb, exc, started, cell_seconds)
    except Exception as exc:  # timeouts, a dead kernel, a missing kernel: report and go on
        failing = max(started) if started else None
        where = f" in cell {failing} ({_first_line(nb.cells[failing].source)})" if failing is not None else ""
        error = f"{type(exc).__name__}{where}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    seconds = time.perf_counter() - start
    peak_memory = memory.stop()
    # a cell that timed out or killed the kernel never reached on_cell_executed: time it up to now
    for index, begun in started.items():
        cell_seconds.setdefault(index, (start + seconds) - begun)

    metrics = read_metrics(metrics_file)
    metrics_file.unlink(missing_ok=True)
    if scratch is not None:
        scratch.cleanup()
    if save_executed is not None:
        save_executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save_executed)

    slowest = sorted(cell_seconds.items(), key=lambda item: item[1], reverse=True)[:SLOWEST]
    return {
        "path": _relative(path, root),
        "status": "failed" if error else "ok",
        "seconds": round(seconds, 2),
        "peak_memory_bytes": peak_memory,
        "slowest_cells": [
            {"index": index, "first_line": _first_line(nb.cells[index].source), "seconds": round(secs, 2)}
            for index, secs in slowest
        ],
        "metrics": metrics,
        "error": error,
        "saved_models": saved_models,
    }


def _describe_cell_error(nb: Any, exc: Exception, started: dict[int, float], done: dict[int, float]) -> str:
    failing = [index for index in started if index not in done]
    index = failing[-1] if failing else (max(started) if started else None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", "")).strip().splitlines()
    message = f"{ename}: {evalue[0]}" if evalue else str(ename)
    if index is None:
        return message
    return f"cell {index} ({_first_line(nb.cells[index].source)}): {message}"


def _relative(path: Path, root: Path | None) -> str:
    root = (root or Path.cwd()).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --------------------------------------------------------------------------------------------------------------
# reports


def format_seconds(seconds: float) -> str:
    """``83.4`` -> ``"1 min 23 s"``; under a minute, one decimal."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    """The Markdown table printed and written by the runner."""
    machine = report["machine"]
    load = machine.get("load_average")
    lines = [
        f"# dlcourse bench: {report['mode']} mode, {report.get('backend') or 'tensorflow'} backend",
        "",
        f"{report['started']} · {machine['cpus']} CPU cores · {machine['platform']} · Python {machine['python']}"
        + (f" · load average at start {load}" if load else "")
        + (" · fresh (no saved models)" if report.get("fresh") else "")
        + f" · total {format_seconds(report['total_seconds'])}",
        "",
        "| notebook | status | wall time | peak memory | slowest cells (index: first line, time) | reported metrics |",
        "|---|---|---|---|---|---|",
    ]
    for result in report["notebooks"]:
        slow = "<br>".join(
            f"{c['index']}: `{_cell(c['first_line'])}` {format_seconds(c['seconds'])}" for c in result["slowest_cells"]
        )
        metrics = ", ".join(f"{name} = {_format_value(value)}" for name, value in result["metrics"].items())
        status = "ok" if result["status"] == "ok" else f"**FAILED**: {_cell(result['error'] or '')}"
        if result.get("saved_models"):
            status += f" (loaded? saved: {', '.join(result['saved_models'])})"
        lines.append(
            f"| {_cell(result['path'])} | {status} | {format_seconds(result['seconds'])} "
            f"| {_memory_cell(result.get('peak_memory_bytes'))} | {slow} | {_cell(metrics)} |"
        )
    failed = sum(result["status"] != "ok" for result in report["notebooks"])
    lines += ["", f"{len(report['notebooks']) - failed} ran, {failed} failed."]
    return "\n".join(lines) + "\n"


def _machine() -> dict[str, Any]:
    from dlcourse.backends import usable_cores  # standard library only

    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        load = None
    return {
        "cpus": usable_cores(),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "load_average": load,
    }


def bench(
    notebooks: list[Path],
    *,
    quick: bool,
    out: Path,
    timeout: int = 1800,
    root: Path | None = None,
    echo: bool = True,
    fresh: bool = False,
    backend: str | None = None,
) -> dict[str, Any]:
    """Bench several notebooks one after the other; write ``bench-<mode>.{json,md}`` to ``out``; return the report.

    With ``backend`` (a Keras backend name) the kernels run on it and the files are ``bench-<mode>-<backend>.*``.
    Executed copies of the notebooks (with outputs) go to ``out/executed-<mode>/`` (or ``executed-<mode>-<backend>/``).
    """
    mode = "quick" if quick else "full"
    label = f"{mode}-{backend}" if backend else mode
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "mode": mode,
        "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "fresh": fresh,
        "backend": backend or os.environ.get("KERAS_BACKEND") or "tensorflow",
        "machine": _machine(),
        "notebooks": [],
    }
    begin = time.perf_counter()
    for number, path in enumerate(notebooks, 1):
        if echo:
            print(f"[{number}/{len(notebooks)}] {_relative(Path(path).resolve(), root)} ({mode}) ...", flush=True)
        result = bench_notebook(
            path,
            quick=quick,
            timeout=timeout,
            root=root,
            save_executed=out / f"executed-{label}" / Path(path).name,
            fresh=fresh,
            backend=backend,
        )
        report["notebooks"].append(result)
        if echo:
            outcome = "ok" if result["status"] == "ok" else f"FAILED: {result['error']}"
            print(f"    {format_seconds(result['seconds'])}, {outcome}", flush=True)
            if result["saved_models"]:
                print(
                    f"    note: saved models beside the notebook ({', '.join(result['saved_models'])}) may have been "
                    "loaded instead of trained; use --fresh to time training from scratch",
                    flush=True,
                )
    report["total_seconds"] = round(time.perf_counter() - begin, 2)
    (out / f"bench-{label}.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / f"bench-{label}.md").write_text(to_markdown(report), encoding="utf-8")
    return report


def run(args: argparse.Namespace) -> int:
    """Entry point of ``dlcourse bench``."""
    try:
        notebooks = find_notebooks(list(args.topics))
    except FileNotFoundError as exc:
        print(f"dlcourse bench: {exc}", file=sys.stderr)
        return 2
    if not notebooks:
        print(
            "dlcourse bench: no notebooks found (looked for */solutions/*.ipynb under the current folder). "
            "Run it from the course root or name a topic folder.",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    report = bench(notebooks, quick=args.quick, out=out, timeout=args.timeout, fresh=args.fresh, backend=args.backend)
    print()
    print(to_markdown(report), end="")
    label = report["mode"] + (f"-{args.backend}" if args.backend else "")
    print(f"\nWritten: {out / f'bench-{label}.md'}, {out / f'bench-{label}.json'}")
    return 1 if any(result["status"] != "ok" for result in report["notebooks"]) else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m dlcourse.bench ...``: the same as ``dlcourse bench ...``."""
    parser = argparse.ArgumentParser(prog="dlcourse")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

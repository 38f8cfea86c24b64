"""One grading run: every submission of a topic graded in parallel workers, then merged.

Output folder (``OUT``)::

    grades.csv            student, notebook, task, points, max_points, status, detail (one row per task)
    summary.csv           student, points, max_points, outcome, notes, flags (one row per student)
    feedback/<student>.html
    autograded/<student>/ the executed notebooks (with hidden tests; for the instructor)
    gradebook.db          nbgrader gradebook with every student's scores (for `nbgrader export`, manual grades)
    results/<student>.json  what the worker found; reused while the submission and settings are unchanged
    .work/                scratch workspaces (removed at the end unless --keep-workspaces)

Task status in grades.csv: ``passed``, ``failed`` (a test raised; ``detail`` says what), ``timeout`` (the cell was
interrupted), ``memory``, ``kernel_died``, ``not_run`` (the kernel had died or been stopped in an earlier cell),
``manual`` (needs manual grading), and for the whole notebook ``missing``, ``invalid_json``, ``not_a_notebook``,
``too_large``, ``error`` (nbgrader or the worker failed; the summary says why). Outcome in summary.csv: ``graded``
or the first of those problems, plus ``(flagged)`` when the code looks like tampering (see ``flags``).

Guarantees: one bad submission never stops the batch (each student is a process with a time limit); grading
again gives the same CSV (unchanged students are not even re-run); a changed submission changes only that
student's rows; the gradebook and the CSVs are written by this process alone, one student at a time, each
write a transaction (sqlite) or a rename of a complete file.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.grading import sandbox, worker
from dlcourse.grading.submissions import Submission, discover

GRADE_COLUMNS = ["student", "notebook", "task", "points", "max_points", "status", "detail"]
SUMMARY_COLUMNS = ["student", "points", "max_points", "outcome", "notes", "flags"]


class GradingError(RuntimeError):
    """The run cannot start (bad topic, output folder in use, nbgrader cannot read the solutions)."""


@dataclass
class Options:
    workers: int = 2
    timeout: int = 60  # seconds per cell
    memory: int = 4 * 2**30  # bytes of resident memory per kernel
    isolation: str = "auto"  # auto | bwrap | none
    force: bool = False  # grade again even if nothing changed
    read_only: list[str] = field(default_factory=list)  # course data folders the kernels may read
    keep_workspaces: bool = False
    student_timeout: int | None = None  # seconds per student (default: from the number of cells)


@dataclass
class Run:
    """What a run produced (also printed by the command)."""

    out: Path
    isolation: str
    results: list[dict]
    skipped: list[str]
    graded: int  # how many students were (re)graded in this run
    seconds: float


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _hash_tree(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        h.update(p.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def prepare(topic: Path, out: Path) -> tuple[Path, list[str]]:
    """Build the template workspace (sources + gradebook of the assignment) and update the main gradebook.
    Returns the template folder and the notebook names."""
    from dlcourse.nbgrader.workspace import Workspace

    A = topic.name
    template = out / ".work" / "template"
    shutil.rmtree(template, ignore_errors=True)
    for root, db in ((template, None), (out / ".work" / "course", out / "gradebook.db")):
        shutil.rmtree(root, ignore_errors=True)
        ws = Workspace(root, db_path=db)
        ws.add_source(A, topic / "solutions")
        result = ws.run("generate_assignment", A)
        if not result["success"]:
            errors = [ln for ln in result.get("log", "").splitlines() if "[ERROR]" in ln]
            raise GradingError(f"nbgrader cannot use {topic}/solutions: {(errors or [result.get('error')])[0]}")
    notebooks = sorted(p.name for p in (template / "release" / A).glob("*.ipynb"))
    if not notebooks:
        raise GradingError(f"{topic}/solutions has no notebooks")
    return template, notebooks


def blank_rows(template: Path, A: str, notebooks: list[str], status: str, detail: str) -> list[dict]:
    from dlcourse.nbgrader.markup import graded_cells
    from dlcourse.nbgrader.workspace import read_notebook

    rows = []
    for name in notebooks:
        for mc in graded_cells(read_notebook(template / "release" / A / name)):
            rows.append({"notebook": name, "task": mc.grade_id, "points": 0.0, "max_points": mc.points,
                         "status": status, "detail": detail})
    return rows


#: Worker processes running now (killed, with their kernels, if the batch is interrupted).
_RUNNING: set[int] = set()


def _stop_running() -> None:
    for pid in list(_RUNNING):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@functools.cache
def _context():
    """Worker processes are forked from a server that has nbgrader imported already (saves seconds each)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(worker.PRELOAD)
    return ctx


def run_worker(job: dict, limit: float) -> dict:
    """Grade one student in a process of its own; return its result (or a made-up one if it crashed or ran
    too long)."""
    ws = Path(job["workspace"])
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    job_file = ws.parent / f"{ws.name}.job.json"
    job_file.write_text(json.dumps(job, indent=1))
    result_file = Path(job["result"])
    result_file.unlink(missing_ok=True)
    started = time.time()
    job["runtime"] = tempfile.mkdtemp(prefix="dlg-")  # the kernel's sockets; removed even if the worker is killed
    job_file.write_text(json.dumps(job, indent=1))
    proc = _context().Process(target=worker.run_job, args=(str(job_file), str(ws.parent / f"{ws.name}.log")))
    proc.start()
    _RUNNING.add(proc.pid)
    try:
        proc.join(timeout=limit)
    finally:
        _RUNNING.discard(proc.pid)
    if proc.exitcode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            proc.kill()
        proc.join()
        problem = f"grading took longer than {limit:.0f} s and was stopped"
    else:
        problem = None if result_file.exists() else f"the grading worker crashed (exit {proc.exitcode})"
    shutil.rmtree(job["runtime"], ignore_errors=True)
    if problem is None:
        return json.loads(result_file.read_text())
    return {"student": job["student"], "assignment": job["assignment"], "key": job["key"], "rows": [],
            "notes": [], "flags": [], "error": problem, "outcome": "error",
            "seconds": round(time.time() - started, 2)}


def record(out: Path, A: str, result: dict) -> None:
    """Write one student's scores into the main gradebook (one transaction)."""
    from nbgrader.api import Gradebook

    import warnings

    scores = {(r["notebook"], r["task"]): r for r in result["rows"]}
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{out / 'gradebook.db'}", "dlcourse") as gb:
        warnings.simplefilter("ignore")  # nbgrader's known SQLAlchemy SAWarning
        gb.update_or_create_student(result["student"])
        submission = gb.update_or_create_submission(A, result["student"])
        for nb in submission.notebooks:
            for grade in nb.grades:
                row = scores.get((nb.name + ".ipynb", grade.name))
                if row is None:
                    continue
                manual = row["status"] == "manual"
                grade.auto_score = None if manual else row["points"]
                grade.needs_manual_grade = manual
        gb.db.commit()


def write_reports(out: Path, results: list[dict]) -> None:
    """grades.csv and summary.csv, sorted, written atomically."""
    grades, summary = io.StringIO(), io.StringIO()
    g = csv.DictWriter(grades, GRADE_COLUMNS, lineterminator="\n")
    s = csv.DictWriter(summary, SUMMARY_COLUMNS, lineterminator="\n")
    g.writeheader()
    s.writeheader()
    for result in sorted(results, key=lambda r: r["student"]):
        for row in result["rows"]:
            g.writerow({"student": result["student"], **row,
                        "points": f"{row['points']:g}", "max_points": f"{row['max_points']:g}"})
        s.writerow({
            "student": result["student"],
            "points": f"{sum(r['points'] for r in result['rows']):g}",
            "max_points": f"{sum(r['max_points'] for r in result['rows']):g}",
            "outcome": result["outcome"] + (" (flagged)" if result.get("flags") else ""),
            "notes": " | ".join(result.get("notes", [])),
            "flags": " | ".join(result.get("flags", [])),
        })
    _atomic_write(out / "grades.csv", grades.getvalue())
    _atomic_write(out / "summary.csv", summary.getvalue())


def grade_topic(topic: Path, submissions: Path, out: Path, options: Options,
                log: Callable[[str], None] = print) -> Run:
    """Grade every submission in ``submissions`` against ``topic/solutions``; write the reports to ``out``.

    Students are graded in processes forked from a multiprocessing fork server; as with any use of
    multiprocessing, a script calling this must guard its top level with ``if __name__ == "__main__":``.
    """
    started = time.time()
    topic, submissions, out = Path(topic).resolve(), Path(submissions).resolve(), Path(out).resolve()
    if not (topic / "solutions").is_dir():
        raise GradingError(f"{topic} has no solutions/ folder")
    if not submissions.is_dir():
        raise GradingError(f"{submissions} is not a folder of submissions")
    if out == submissions or submissions in out.parents:
        raise GradingError("the output folder must not be inside the submissions folder")
    out.mkdir(parents=True, exist_ok=True)
    lock = open(out / ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise GradingError(f"another `dlcourse grade` is writing to {out}") from None
    previous = None
    if threading.current_thread() is threading.main_thread():  # SIGTERM stops the workers too, like Ctrl-C
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _grade(topic, submissions, out, options, log, started)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        lock.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _grade(topic: Path, submissions: Path, out: Path, options: Options, log, started: float) -> Run:
    from dlcourse import __version__

    A = topic.name
    try:
        mode, description = sandbox.choose_mode(options.isolation)
    except RuntimeError as exc:
        raise GradingError(f"isolation 'bwrap' requested but unavailable: {exc}") from None
    log(f"isolation: {mode}: {description}")
    template, notebooks = prepare(topic, out)
    code_cells = sum(
        1 for name in notebooks for c in json.loads((template / "release" / A / name).read_text())["cells"]
        if c["cell_type"] == "code"
    )
    limit = options.student_timeout or options.timeout * (code_cells + 2) + 300
    subs, skipped = discover(submissions)
    for line in skipped:
        log(f"skipped: {line}")
    env = {k: os.environ[k] for k in sandbox.PASS_ENV if k in os.environ and k != "NBGRADER_EXECUTION"}
    read_only = sorted({str(Path(p).resolve()) for p in options.read_only if Path(p).exists()})
    settings = {"version": __version__, "source": _hash_tree(template / "source" / A), "timeout": options.timeout,
                "memory": options.memory, "isolation": mode, "env": env, "read_only": read_only}
    results_dir = out / "results"
    results_dir.mkdir(exist_ok=True)
    results: dict[str, dict] = {}
    jobs = []
    for sub in subs:
        key = hashlib.sha256(json.dumps([sub.fingerprint(), settings], sort_keys=True).encode()).hexdigest()
        previous = results_dir / f"{sub.student}.json"
        if not options.force and previous.exists():
            old = json.loads(previous.read_text())
            if old.get("key") == key:
                results[sub.student] = old
                continue
        jobs.append(make_job(sub, key, A, notebooks, template, out, options, mode, env, read_only))
    log(f"{len(subs)} submission(s): grading {len(jobs)}, {len(results)} unchanged since the last run "
        f"(workers: {options.workers}, per-cell timeout: {options.timeout} s, "
        f"memory per kernel: {sandbox.format_size(options.memory)})")
    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    futures = {pool.submit(run_worker, job, limit): job for job in jobs}
    try:
        for future in as_completed(futures):
            job = futures[future]
            result = future.result()
            if not result["rows"]:
                result["rows"] = blank_rows(template, A, notebooks, "error", result.get("error") or "not graded")
            _atomic_write(results_dir / f"{job['student']}.json", json.dumps(result, indent=1, sort_keys=True))
            record(out, A, result)
            results[job["student"]] = result
            points = sum(r["points"] for r in result["rows"])
            total = sum(r["max_points"] for r in result["rows"])
            flag = " FLAGGED for review" if result.get("flags") else ""
            log(f"  {job['student']}: {points:g}/{total:g} {result['outcome']}{flag} ({result.get('seconds', 0)} s)")
            if not options.keep_workspaces:
                shutil.rmtree(job["workspace"], ignore_errors=True)
    except BaseException:  # Ctrl-C or a bug here: stop the workers (and so their kernels), keep what is done
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_running()
        if results:
            write_reports(out, [results[s.student] for s in subs if s.student in results])
        raise
    pool.shutdown()
    current = [results[s.student] for s in subs]
    write_reports(out, current)
    if not options.keep_workspaces:
        shutil.rmtree(out / ".work", ignore_errors=True)
    return Run(out, mode, current, skipped, len(jobs), time.time() - started)


def make_job(sub: Submission, key: str, A: str, notebooks: list[str], template: Path, out: Path,
             options: Options, mode: str, env: dict, read_only: list[str]) -> dict:
    return {
        "assignment": A, "student": sub.student, "key": key, "notebooks": notebooks,
        "submission": str(sub.path), "notes": sub.notes, "template": str(template),
        "workspace": str(out / ".work" / "students" / sub.student),
        "result": str(out / ".work" / "students" / f"{sub.student}.result.json"),
        "feedback_dir": str(out / "feedback"), "autograded_dir": str(out / "autograded" / sub.student),
        "timeout": options.timeout, "memory": options.memory, "isolation": mode, "env": env,
        "read_only": read_only,
    }

"""One grading run: every submission of a topic graded in parallel workers, then merged.

Output folder (``OUT``)::

    grades.csv            student, notebook, task, points, max_points, status, detail (one row per task)
    summary.csv           student, points, max_points, outcome, notes, flags, isolation (one row per student)
    feedback/<student>.html
    autograded/<student>/ the executed notebooks (with hidden tests; for the instructor)
    gradebook.db          nbgrader gradebook with every student's scores (for `nbgrader export`, manual grades)
    results/<student>.json  what the worker found (and how long each phase took); reused while the submission
                          and settings are unchanged
    .work/                scratch workspaces and worker logs (removed at the end unless --keep-workspaces)

Task status in grades.csv: ``passed``, ``failed`` (a test raised; ``detail`` says what: for a hidden case the
author described, "Exercise N.M: ... failed a hidden case: <description>"), ``timeout`` (the cell was
interrupted), ``memory``, ``kernel_died``, ``not_run`` (the kernel had died or been stopped in an earlier cell),
``manual`` (needs manual grading), and for the whole notebook ``missing``, ``invalid_json``, ``not_a_notebook``,
``too_large``, ``error`` (nbgrader or the worker failed; the summary says why). Outcome in summary.csv: ``graded``
or the first of those problems, plus ``(flagged)`` when the code looks like tampering (see ``flags``).
``isolation`` is ``bwrap``, or ``none`` when the instructor asked for no sandbox (the notes say so too).

How it runs: ``--workers`` long-lived worker processes (:mod:`dlcourse.grading.worker`), each importing nbgrader
and compiling the feedback templates once, grade one student after another; this process hands out the students,
writes each result to the gradebook (one open gradebook for the run, one transaction per student) and the CSVs.

Guarantees: one bad submission never stops the batch (a student that exceeds its time limit or crashes its
worker is reported, the worker and all its processes killed and replaced); grading again gives the same CSV
(unchanged students are not even re-run); a changed submission changes only that student's rows; the gradebook
and the CSVs are written by this process alone, one student at a time, each write a transaction (sqlite) or a
rename of a complete file; no process a submission started is alive when :func:`grade_topic` returns.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import hashlib
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.grading import sandbox
from dlcourse.grading.submissions import Submission, discover

GRADE_COLUMNS = ["student", "notebook", "task", "points", "max_points", "status", "detail"]
SUMMARY_COLUMNS = ["student", "points", "max_points", "outcome", "notes", "flags", "isolation"]


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


@functools.cache
def alembic_head() -> str:
    """The head revision of nbgrader's gradebook schema, read from its migration scripts.

    nbgrader asks ``alembic heads`` for it, in a subprocess, whenever it creates a gradebook: seconds of Python
    start-up and imports, the largest part of preparing a run. Reading ``revision``/``down_revision`` from the
    scripts gives the same answer (checked against alembic by the tests); anything unexpected falls back to it."""
    import re

    from nbgrader import api, dbutil

    revisions, parents = set(), set()
    for script in Path(dbutil.ALEMBIC_DIR, "versions").glob("*.py"):
        text = script.read_text()
        revision = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.MULTILINE)
        down = re.search(r"^down_revision\s*=\s*(?:['\"](\w+)['\"]|None)\s*$", text, re.MULTILINE)
        if not revision or not down:
            return _ORIGINAL_ALEMBIC_VERSION or api.get_alembic_version()
        revisions.add(revision.group(1))
        parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        return _ORIGINAL_ALEMBIC_VERSION or api.get_alembic_version()
    return heads.pop()


_ORIGINAL_ALEMBIC_VERSION = None


def _fast_gradebooks() -> None:
    """Let nbgrader create gradebooks without running ``alembic`` (see :func:`alembic_head`)."""
    global _ORIGINAL_ALEMBIC_VERSION
    from nbgrader import api

    if _ORIGINAL_ALEMBIC_VERSION is None:
        _ORIGINAL_ALEMBIC_VERSION = api.get_alembic_version
        api.get_alembic_version = alembic_head


def _generate(topic: Path, root: Path, db: Path | None) -> None:
    """``nbgrader generate_assignment`` of ``topic/solutions`` in a fresh workspace ``root`` (gradebook ``db``)."""
    from dlcourse.nbgrader.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    ws = Workspace(root, db_path=db)
    ws.add_source(topic.name, topic / "solutions")
    result = ws.run("generate_assignment", topic.name)
    if not result["success"]:
        errors = [ln for ln in result.get("log", "").splitlines() if "[ERROR]" in ln]
        log = root.parent / f"{root.name}-generate.log"
        log.write_text(result.get("log", "") + "\n" + (result.get("error") or ""))
        raise GradingError(f"nbgrader cannot use {topic}/solutions: {(errors or [''])[0]} (log: {log})")


def prepare(topic: Path, out: Path) -> tuple[Path, list[str]]:
    """Build the template workspace (sources + gradebook of the assignment) each student's workspace starts
    from. Returns the template folder and the notebook names."""
    template = out / ".work" / "template"
    _fast_gradebooks()
    _generate(topic, template, None)
    notebooks = sorted(p.name for p in (template / "release" / topic.name).glob("*.ipynb"))
    if not notebooks:
        raise GradingError(f"{topic}/solutions has no notebooks")
    return template, notebooks


def prepare_gradebook(topic: Path, out: Path, template: Path) -> None:
    """Add (or update) the assignment in the run's gradebook ``OUT/gradebook.db`` (the first time, a copy of the
    template's, which holds just that)."""
    if not (out / "gradebook.db").exists():
        shutil.copy2(template / "gradebook.db", out / ".gradebook.db.tmp")
        os.replace(out / ".gradebook.db.tmp", out / "gradebook.db")
        return
    _generate(topic, out / ".work" / "course", out / "gradebook.db")


def blank_rows(template: Path, A: str, notebooks: list[str], status: str, detail: str) -> list[dict]:
    from dlcourse.nbgrader.markup import graded_cells
    from dlcourse.nbgrader.workspace import read_notebook

    rows = []
    for name in notebooks:
        for mc in graded_cells(read_notebook(template / "release" / A / name)):
            rows.append({"notebook": name, "task": mc.grade_id, "points": 0.0, "max_points": mc.points,
                         "status": status, "detail": detail})
    return rows


#: Spawning a worker and sweeping orphans exclude each other: a sweep must never take a worker being born for
#: an orphan.
_SPAWN = threading.Lock()


class Worker:
    """One slot of the pool: a long-lived ``python -m dlcourse.grading.worker --serve`` process that imports
    nbgrader once and grades one student after another. A student that takes longer than the limit, or a
    worker that dies, costs only that student: the worker and every process below it are killed and a fresh
    worker takes the next student."""

    #: pids of the worker processes alive now (spared by :func:`sweep_orphans`, killed on Ctrl-C).
    alive: set[int] = set()

    def __init__(self, folder: Path, index: int) -> None:
        self.log = folder / f"worker-{index}.log"
        self.proc: subprocess.Popen | None = None
        self.ready = False

    def start(self) -> None:
        with _SPAWN:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dlcourse.grading.worker", "--serve", str(self.log)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, start_new_session=True)
            Worker.alive.add(self.proc.pid)
        self.ready = False
        self._buffer = b""

    def _readline(self, deadline: float) -> str | None:
        """The next line the worker writes, or None if it ended or the deadline passed."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def grade(self, job: dict, limit: float) -> dict:
        """Grade one student; return its result (or a made-up one if the worker crashed or ran too long)."""
        ws = Path(job["workspace"])
        shutil.rmtree(ws, ignore_errors=True)
        ws.mkdir(parents=True)
        job_file = ws.parent / f"{ws.name}.job.json"
        result_file = Path(job["result"])
        result_file.unlink(missing_ok=True)
        started = time.time()
        job["runtime"] = tempfile.mkdtemp(prefix="dlg-")  # the kernel's sockets; removed even if the worker is killed
        job_file.write_text(json.dumps(job, indent=1))
        problem = None
        try:
            if self.proc is None or self.proc.poll() is not None:
                self.start()
            deadline = time.monotonic() + limit
            if not self.ready:  # the first job also waits for the imports (not counted in the student's limit)
                self.ready = self._readline(time.monotonic() + 300) == "ready"
                deadline = time.monotonic() + limit
            if self.ready:
                self.proc.stdin.write(f"{job_file}\n".encode())
                self.proc.stdin.flush()
                answer = self._readline(deadline)
            else:
                answer = None
            if answer != f"done {job_file}":
                timed_out = self.proc.poll() is None
                self.kill()
                problem = (f"grading took longer than {limit:.0f} s and was stopped" if timed_out and self.ready
                           else f"the grading worker crashed (exit {self.proc.returncode}; see {self.log})")
            elif not result_file.exists():
                problem = "the grading worker wrote no result"
        except OSError as exc:  # a broken pipe: the worker died between two students
            self.kill()
            problem = f"the grading worker crashed ({exc})"
        finally:
            shutil.rmtree(job["runtime"], ignore_errors=True)
        if problem is None:
            return json.loads(result_file.read_text())
        return {"student": job["student"], "assignment": job["assignment"], "key": job["key"], "rows": [],
                "notes": [problem], "flags": [], "error": problem, "outcome": "error",
                "seconds": round(time.time() - started, 2)}

    def kill(self) -> None:
        """Kill the worker and every process below it (kernels, whatever they started)."""
        if self.proc is None:
            return
        sandbox.kill_descendants(self.proc.pid)
        self.proc.kill()
        self.proc.wait()
        Worker.alive.discard(self.proc.pid)
        self.ready = False

#: Processes that were our children before the run (never swept).
_BEFORE: set[int] = set()


def sweep_orphans() -> None:
    """At the end of a run, kill the processes re-parented to this (subreaper) process during the run: whatever
    escaped a killed worker. Our workers and the children we had before the run are spared. (Never during the
    run: the processes nbgrader starts here, e.g. ``alembic``, would look like orphans.)"""
    with _SPAWN:
        sandbox.kill_descendants(spare=Worker.alive | _BEFORE)


def record(gb, A: str, result: dict) -> None:
    """Write one student's scores into the run's gradebook ``gb`` (one transaction)."""
    scores = {(r["notebook"], r["task"]): r for r in result["rows"]}
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


def write_reports(out: Path, results: list[dict], mode: str) -> None:
    """grades.csv and summary.csv, sorted, written atomically; ``mode`` is the run's isolation."""
    grades, summary = io.StringIO(), io.StringIO()
    g = csv.DictWriter(grades, GRADE_COLUMNS, lineterminator="\n", extrasaction="ignore")
    s = csv.DictWriter(summary, SUMMARY_COLUMNS, lineterminator="\n")
    warning = [sandbox.NO_ISOLATION_NOTE] if mode == "none" else []
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
            "notes": " | ".join(warning + result.get("notes", [])),
            "flags": " | ".join(result.get("flags", [])),
            "isolation": mode,
        })
    _atomic_write(out / "grades.csv", grades.getvalue())
    _atomic_write(out / "summary.csv", summary.getvalue())


def grade_topic(topic: Path, submissions: Path, out: Path, options: Options,
                log: Callable[[str], None] = print) -> Run:
    """Grade every submission in ``submissions`` against ``topic/solutions``; write the reports to ``out``.

    Students are graded by ``options.workers`` long-lived worker processes. While it runs, this process is a
    child subreaper: whatever a killed worker's kernels left behind is re-parented here and killed; when it
    returns, no process a submission started is alive. (So are any other children the caller started, from
    another thread, while it ran: call it where nothing else spawns processes meanwhile.)
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
    _BEFORE.clear()
    _BEFORE.update(sandbox.children(os.getpid()))
    reaper = not sandbox.is_subreaper() and sandbox.become_subreaper()
    try:
        return _grade(topic, submissions, out, options, log, started)
    finally:
        sweep_orphans()
        if reaper:
            sandbox.become_subreaper(False)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        lock.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _grade(topic: Path, submissions: Path, out: Path, options: Options, log, started: float) -> Run:
    A = topic.name
    (out / ".work").mkdir(exist_ok=True)
    workers = [Worker(out / ".work", i) for i in range(max(1, options.workers))]
    for w in workers:  # they import nbgrader while the sandbox is probed and the assignment prepared
        w.start()
    try:
        from nbgrader.api import Gradebook

        from dlcourse import __version__

        timing = {"start": time.time() - started}
        try:
            mode, description = sandbox.choose_mode(options.isolation)
        except RuntimeError as exc:
            raise GradingError(f"refusing to grade without isolation: {exc}") from None
        log(f"isolation: {mode}: {description}")
        timing["probe"] = time.time() - started - sum(timing.values())
        template, notebooks = prepare(topic, out)
        timing["prepare"] = time.time() - started - sum(timing.values())
        code_cells = sum(
            1 for name in notebooks for c in json.loads((template / "release" / A / name).read_text())["cells"]
            if c["cell_type"] == "code"
        )
        limit = options.student_timeout or options.timeout * (code_cells + 2) + 300
        subs, skipped = discover(submissions)
        for line in skipped:
            log(f"skipped: {line}")
        env = {k: os.environ[k] for k in sandbox.PASS_ENV if k in os.environ and k != "NBGRADER_EXECUTION"}
        read_only = sorted({os.path.abspath(p) for p in options.read_only if Path(p).exists()})
        settings = {"version": __version__, "source": _hash_tree(template / "source" / A),
                    "timeout": options.timeout, "memory": options.memory, "isolation": mode, "env": env,
                    "read_only": read_only}
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
        todo = list(reversed(jobs))
        done: list[tuple[dict, dict]] = []
        ready = threading.Condition()

        def slot(worker: Worker) -> None:
            while True:
                with ready:
                    if not todo:
                        return
                    job = todo.pop()
                result = worker.grade(job, limit)
                with ready:
                    done.append((job, result))
                    ready.notify()

        threads = [threading.Thread(target=slot, args=(w,), daemon=True) for w in workers[:max(1, len(jobs))]]
        for t in threads:
            t.start()
        gb = None
        try:
            prepare_gradebook(topic, out, template)  # while the first students are graded
            for _ in jobs:
                with ready:
                    while not done:
                        ready.wait(1)
                    job, result = done.pop(0)
                if not result["rows"]:
                    result["rows"] = blank_rows(template, A, notebooks, "error", result.get("error") or "not graded")
                _atomic_write(results_dir / f"{job['student']}.json", json.dumps(result, indent=1, sort_keys=True))
                if gb is None:
                    gb = Gradebook(f"sqlite:///{out / 'gradebook.db'}", "dlcourse")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # nbgrader's known SQLAlchemy SAWarning
                    record(gb, A, result)
                results[job["student"]] = result
                points = sum(r["points"] for r in result["rows"])
                total = sum(r["max_points"] for r in result["rows"])
                flag = " FLAGGED for review" if result.get("flags") else ""
                log(f"  {job['student']}: {points:g}/{total:g} {result['outcome']}{flag} "
                    f"({result.get('seconds', 0)} s)")
                if not options.keep_workspaces:
                    shutil.rmtree(job["workspace"], ignore_errors=True)
        except BaseException:  # Ctrl-C or a bug here: stop the workers (and so their kernels), keep what is done
            todo.clear()
            if results:
                write_reports(out, [results[s.student] for s in subs if s.student in results], mode)
            raise
        finally:
            if gb is not None:
                gb.close()
        timing["grading"] = time.time() - started - sum(timing.values())
    finally:
        for w in workers:  # idle after its last student (every result is written) or interrupted: killed
            w.kill()
    current = [results[s.student] for s in subs]
    write_reports(out, current, mode)
    if not options.keep_workspaces:
        shutil.rmtree(out / ".work", ignore_errors=True)
    timing["finish"] = time.time() - started - sum(timing.values())
    log("timing: " + ", ".join(f"{k} {v:.1f} s" for k, v in timing.items()))
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

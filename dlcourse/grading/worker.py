"""Grade students, one after another, each in a workspace of its own.

:mod:`dlcourse.grading.batch` starts ``--workers`` long-lived processes ``python -m dlcourse.grading.worker --serve
LOG``; each imports nbgrader and compiles the feedback templates once, then grades the students the batch sends
it. A crash, a hang or a kernel that eats the machine's memory ends that worker (the batch replaces it), never the
batch. Per student:

1. copy the assignment's source notebooks and a gradebook template into ``workspace/`` (an nbgrader course);
2. validate and repair each submitted notebook (:mod:`dlcourse.grading.submissions`);
3. give the kernel its own folder: the student's notebook as submitted (no hidden tests) and their files;
4. run nbgrader's autograde with :class:`~dlcourse.grading.execute.SafeExecute` and the sandboxed kernel;
5. read the scores back, render the student's HTML feedback (hidden tests removed; nbgrader's feedback template,
   without a second nbgrader pass) and write a ``result.json`` (with the seconds of each phase);
6. kill every process left below the worker (it is their subreaper).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from dlcourse.grading import sandbox
from dlcourse.grading.submissions import LITTER, Submission, check_notebook, locate
from dlcourse.nbgrader.markup import graded_cells, source_of
from dlcourse.nbgrader.workspace import Workspace, copy_tree, notebook_text, read_notebook

#: What an error output's name says about a task (anything else: the tests failed).
ERROR_STATUS = {
    "CellTimeoutError": "timeout",
    "KernelDied": "kernel_died",
    "NotExecuted": "not_run",
    "MemoryError": "memory",
    "HiddenTestFailed": "failed",
}


def task_status(cell: Any, exercise: str | None = None) -> tuple[str, str]:
    """(status, detail) of a graded cell of an autograded notebook, from its outputs. A failed hidden case the
    author described gives the student-safe sentence naming ``exercise`` and the case."""
    from dlcourse.grading.feedback import hidden_failure

    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            sentence = hidden_failure(cell, exercise)
            if sentence:
                return "failed", sentence
            ename = output.get("ename", "Error")
            evalue = str(output.get("evalue", "")).strip().splitlines()
            detail = f"{ename}: {evalue[0][:200]}" if evalue else ename
            status = ERROR_STATUS.get(ename, "failed")
            if status == "kernel_died" and "memory" in detail:
                status = "memory"
            return status, detail
    return "passed", ""


def autograde_config(job: dict, runtime: str) -> Any:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)
    from traitlets.config import Config

    from dlcourse.grading.execute import SafeExecute

    c = Config()
    c.Autograde.autograde_preprocessors = [SafeExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                           SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    c.Execute.timeout = int(job["timeout"])
    c.Execute.startup_timeout = 180
    c.Execute.kernel_name = sandbox.KERNEL_NAME
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = f"{runtime}/k"
    return c


_IMG_WITHOUT_ALT = re.compile(r"<img (?![^>]*\balt=)")


@functools.cache
def feedback_exporter() -> Any:
    """nbgrader's feedback page exporter with our preprocessors, built once per worker process (its templates
    compile once): hidden failures replaced (:class:`~dlcourse.grading.feedback.HideHiddenFailures`), then the
    hidden tests removed from the source (nbgrader's ``ClearHiddenTests``)."""
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests
    from traitlets.config import Config

    from dlcourse.grading.feedback import HideHiddenFailures

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    c.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    c.HTMLExporter.sanitize_html = True  # student outputs must not run scripts in the reader's browser

    class FeedbackExporter(HTMLExporter):
        """HTMLExporter without its closing BeautifulSoup pass (a third of the page's rendering time), which
        only adds alt texts and the tabindex of JupyterLab templates; the alt texts are added here."""

        def from_notebook_node(self, nb, resources=None, **kw):
            try:
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                self.register_filter("highlight_code", self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            except (ImportError, AttributeError, TypeError):  # another nbconvert: its own way
                return super().from_notebook_node(nb, resources, **kw)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image" ', page), resources

    exporter = FeedbackExporter(config=c)
    for pp in (CSSHTMLHeaderPreprocessor(), HideHiddenFailures(), ClearHiddenTests()):
        exporter.register_preprocessor(pp, enabled=True)
    return exporter


def render_feedback(graded_nb: Path, rows: list[dict]) -> str:
    """The student's feedback page of one autograded notebook, as nbgrader's ``generate_feedback`` makes it
    (same template and preprocessors), with the scores of ``rows``: without a second nbgrader pass or a
    gradebook read."""
    nb = read_notebook(graded_nb)
    scores = {r["task"]: r for r in rows if r["notebook"] == graded_nb.name}
    for mc in graded_cells(nb):
        meta = mc.cell.metadata["nbgrader"]
        if meta.get("solution") or meta.get("task"):
            meta["comment"] = None
        if meta.get("grade") or meta.get("task"):
            row = scores.get(mc.grade_id, {})
            meta["score"], meta["points"] = row.get("points", 0.0), row.get("max_points", meta.get("points", 0.0))
    resources = {"nbgrader": {"notebook": graded_nb.stem, "late_penalty": 0,
                              "score": sum(r["points"] for r in scores.values()),
                              "max_score": sum(r["max_points"] for r in scores.values())}}
    page, _ = feedback_exporter().from_notebook_node(nb, resources=resources)
    return page


#: The worker's own JUPYTER_PATH entries (kept after the per-student kernel spec folder).
JUPYTER_PATH = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]

#: Most bytes of other files (besides the notebooks) copied from one submission.
MAX_EXTRA_BYTES = 512 * 2**20


def copy_student_files(sub: Submission, notebook: Path | None, dest: Path) -> list[str]:
    """Copy the submission's other files (those next to or below its notebook) into ``dest``."""
    if not sub.path.is_dir():
        return []
    base = notebook.parent if notebook else sub.path
    copied, total = [], 0
    for path in sub.files():
        if path.suffix == ".ipynb" or base not in path.parents:
            continue
        rel = path.relative_to(base)
        total += path.stat().st_size
        if set(rel.parts) & LITTER or total > MAX_EXTRA_BYTES:
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest / rel)
        copied.append(rel.as_posix())
    return copied


def grade(job: dict) -> dict:
    from dlcourse.grading import execute

    started = time.time()
    phases: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - clock[0], 3)
        clock[0] = now

    for key in sandbox.PASS_ENV:  # the kernel gets the settings of this run, not those of the worker's start
        os.environ.pop(key, None)
    os.environ.update(job.get("env", {}))
    A, student = job["assignment"], job["student"]
    template = Path(job["template"])
    ws = Workspace(Path(job["workspace"]))
    shutil.copy2(template / "gradebook.db", ws.db_path)
    copy_tree(template / "source" / A, ws.path("source", A))
    releases = {name: read_notebook(template / "release" / A / name) for name in job["notebooks"]}

    sub = Submission(student, Path(job["submission"]))
    found, notes = locate(sub, job["notebooks"])
    notes = list(job.get("notes", [])) + notes
    flags: list[str] = []
    submitted = ws.path("submitted", A, student)
    home = ws.root / "home"
    kernel_dir = home / A
    submitted.mkdir(parents=True)
    kernel_dir.mkdir(parents=True)
    checked = {}
    for name in job["notebooks"]:
        result = check_notebook(found[name], name, releases[name], read_notebook(ws.path("source", A) / name))
        checked[name] = result
        notes += result.notes
        flags += result.flags
        if result.nb is not None:
            text = notebook_text(result.nb)
            (submitted / name).write_text(text, encoding="utf-8")
            (kernel_dir / name).write_text(text, encoding="utf-8")
    first = next((p for p in found.values() if p is not None), None)
    extra = copy_student_files(sub, first, submitted)
    copy_student_files(sub, first, kernel_dir)
    for path in ws.path("source", A).rglob("*"):  # files shipped with the assignment, as nbgrader does
        if path.is_file() and path.suffix != ".ipynb":
            rel = path.relative_to(ws.path("source", A))
            (kernel_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, kernel_dir / rel)
    if extra:
        notes.append(f"{len(extra)} other submitted file(s) available to the notebook: {', '.join(extra[:5])}")

    lap("setup")
    events: list[dict] = []
    error = None
    execute.TIMINGS.clear()
    if any(c.status == "ok" for c in checked.values()):
        runtime = job.get("runtime") or tempfile.mkdtemp(prefix="dlg-")  # short: Unix socket paths are short
        try:
            spec = sandbox.Spec(
                mode=job["isolation"], home=str(home), workdir=A, runtime=runtime,
                status_file=str(ws.root / "kernel-status.jsonl"), read_only=job.get("read_only", []),
                env=job.get("env", {}), memory=int(job.get("memory", 0)),
            )
            spec.save(ws.root / "sandbox.json")
            sandbox.write_kernelspec(ws.root / "jupyter")
            os.environ.update({
                "DLCOURSE_SANDBOX": str(ws.root / "sandbox.json"),
                "DLCOURSE_SANDBOX_STATUS": spec.status_file,
                "DLCOURSE_GRADE_EVENTS": str(ws.root / "events.jsonl"),
                "JUPYTER_PATH": os.pathsep.join([str(ws.root / "jupyter"), *JUPYTER_PATH]),
                "JUPYTER_RUNTIME_DIR": runtime,
                "JUPYTER_DATA_DIR": str(ws.root / "jupyter-data"),
            })
            outcome = ws.run("autograde", A, student, config=autograde_config(job, runtime))
            (ws.root / "autograde.log").write_text(outcome.get("log", "") + outcome.get("error", ""))
            if not outcome["success"]:
                lines = [ln for ln in outcome.get("log", "").splitlines() if "[ERROR]" in ln]
                error = (lines[0] if lines else outcome.get("error", "").strip().splitlines()[-1])[:300]
        finally:
            if not job.get("runtime"):
                shutil.rmtree(runtime, ignore_errors=True)
        events_file = ws.root / "events.jsonl"
        if events_file.exists():
            events = [json.loads(line) for line in events_file.read_text().splitlines() if line.strip()]

    lap("autograde")
    if "kernel_start" in execute.TIMINGS:
        phases["autograde.kernel_start"] = round(execute.TIMINGS["kernel_start"], 3)
    rows = collect_rows(ws, A, student, checked, releases, error)
    for event in events:
        notes.append(f"{event['notebook']}: cell {event['cell']} ({event.get('grade_id') or 'not graded'}): "
                     f"{event['message']}")
    if error:
        notes.append(f"nbgrader could not grade the submission: {error}")
    restored = verify_restored(ws, A, student, checked)
    notes += restored
    lap("collect")
    feedback = write_feedback(ws, A, student, job, rows, notes, flags, error)
    lap("feedback")
    autograded = Path(job["autograded_dir"])
    if ws.path("autograded", A, student).is_dir():
        shutil.rmtree(autograded, ignore_errors=True)
        shutil.copytree(ws.path("autograded", A, student), autograded)
    lap("copy")
    return {
        "student": student, "assignment": A, "key": job["key"], "rows": rows, "notes": notes, "flags": flags,
        "error": error, "feedback": feedback, "seconds": round(time.time() - started, 2),
        "outcome": outcome_of(rows, checked, error, events), "phases": phases,
    }


def collect_rows(ws: Workspace, A: str, student: str, checked: dict, releases: dict, error: str | None) -> list:
    """One row per graded cell: notebook, task, points, max_points, status, detail."""
    from nbgrader.api import Gradebook, MissingEntry

    from dlcourse.grading.feedback import exercise_titles, hidden_failure

    scores: dict[tuple[str, str], float | None] = {}
    if error is None and ws.db_path.exists():
        with Gradebook(f"sqlite:///{ws.db_path}", "dlcourse") as gb:
            try:
                submission = gb.find_submission(A, student)
                for nb in submission.notebooks:
                    for g in nb.grades:
                        scores[(nb.name + ".ipynb", g.name)] = g.score
            except MissingEntry:
                pass
    rows = []
    for name, release in releases.items():
        result = checked[name]
        graded_nb = ws.path("autograded", A, student) / name
        cells, titles = {}, {}
        if result.status == "ok" and graded_nb.exists() and error is None:
            nb = read_notebook(graded_nb)
            cells = {mc.grade_id: mc.cell for mc in graded_cells(nb)}
            titles = {mc.grade_id: exercise_titles(nb).get(mc.index) for mc in graded_cells(nb)}
        for mc in graded_cells(release):
            row = {"notebook": name, "task": mc.grade_id, "points": 0.0, "max_points": mc.points,
                   "status": "not_run", "detail": ""}
            if result.status != "ok":
                row["status"], row["detail"] = result.status, result.notes[0] if result.notes else ""
            elif error is not None:
                row["status"], row["detail"] = "error", error
            elif mc.grade_id in cells:
                row["status"], row["detail"] = task_status(cells[mc.grade_id], titles.get(mc.grade_id))
                if hidden_failure(cells[mc.grade_id], titles.get(mc.grade_id)):
                    row["hidden_case"] = True  # the detail names only the described case: the student sees it
                score = scores.get((name, mc.grade_id))
                row["points"] = float(score) if score is not None else 0.0
                if score is None:
                    row["status"], row["detail"] = "manual", "needs manual grading"
            rows.append(row)
    return rows


def verify_restored(ws: Workspace, A: str, student: str, checked: dict) -> list[str]:
    """Check that nbgrader really graded with the original tests (report any test cell that differs)."""
    problems = []
    source = ws.path("source", A)
    for name, result in checked.items():
        graded_nb = ws.path("autograded", A, student) / name
        if result.status != "ok" or not graded_nb.exists():
            continue
        original = {mc.grade_id: source_of(mc.cell) for mc in graded_cells(read_notebook(source / name))
                    if mc.is_test}
        graded = {mc.grade_id: source_of(mc.cell) for mc in graded_cells(read_notebook(graded_nb))}
        for gid, text in original.items():
            if graded.get(gid) != text:
                problems.append(f"{name}: test cell {gid} was NOT graded with the original tests; check by hand")
    return problems


def outcome_of(rows: list, checked: dict, error: str | None, events: list) -> str:
    """One word for the summary."""
    if error:
        return "error"
    statuses = {c.status for c in checked.values()}
    if statuses <= {"missing"}:
        return "missing"
    if statuses - {"ok", "missing"}:
        return sorted(statuses - {"ok", "missing"})[0]
    kinds = {e["kind"] for e in events}
    for kind in ("memory", "processes", "died", "timeout"):
        if kind in kinds:
            return {"died": "kernel_died"}.get(kind, kind)
    return "graded"


def write_feedback(ws: Workspace, A: str, student: str, job: dict, rows: list, notes: list, flags: list,
                   error: str | None) -> str:
    """Write the student's feedback page; return its path."""
    from dlcourse.grading.feedback import banner, standalone, with_banner

    pages = {}
    graded = ws.path("autograded", A, student)
    if graded.is_dir() and error is None:
        for name in job["notebooks"]:
            if (graded / name).exists():
                try:
                    pages[name] = render_feedback(graded / name, rows)
                except Exception as exc:  # noqa: BLE001 - the banner still reports the grades
                    notes.append(f"{name}: the feedback page could not be rendered ({type(exc).__name__}: "
                                 f"{str(exc)[:120]})")
    points = sum(r["points"] for r in rows)
    max_points = sum(r["max_points"] for r in rows)
    lines = [sandbox.NO_ISOLATION_NOTE] if job.get("isolation") == "none" else []
    for r in rows:
        line = f"{r['notebook']} {r['task']}: {r['points']:g}/{r['max_points']:g} ({r['status']})"
        lines.append(f"{line}: {r['detail']}" if r.get("hidden_case") else line)
    lines += notes
    block = banner(student, lines, points, max_points)
    html = with_banner(next(iter(pages.values())), block) if len(pages) == 1 else standalone(student, block, pages)
    out = Path(job["feedback_dir"]) / f"{student}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return str(out)


#: Imported once by each long-lived worker process before it grades its first student.
PRELOAD = ["dlcourse.grading.worker", "dlcourse.grading.execute", "dlcourse.grading.feedback", "nbgrader.api",
           "nbgrader.converters", "nbgrader.preprocessors", "nbconvert", "nbclient", "jupyter_client"]


def skip_unused_slow_imports() -> None:
    """Before nbformat is imported in a grading process: jsonschema's optional IRI format checker imports
    ``rfc3987_syntax``, which builds a grammar at import (1-2 s of CPU per process). nbformat's schemas use no
    formats, so mark the module absent (jsonschema then goes without that checker)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def _redirect_output(log_file: str) -> None:
    """Send this process's stdout and stderr (and its kernels') to ``log_file``."""
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def run_one(job_file: str) -> None:
    """Grade the student of ``job_file``: write its result file (a made-up one if grading raised), then kill
    every process the grading left behind (this process is their subreaper)."""
    job = json.loads(Path(job_file).read_text())
    try:
        result = grade(job)
    except Exception:  # noqa: BLE001 - report, never hang the batch
        result = {"student": job["student"], "assignment": job["assignment"], "key": job["key"], "rows": [],
                  "notes": [], "flags": [], "error": traceback.format_exc(limit=5), "outcome": "error"}
    finally:
        sandbox.kill_descendants()
    out = Path(job["result"])
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(result, indent=1, sort_keys=True))
    os.replace(tmp, out)


def serve(log_file: str) -> int:
    """A long-lived worker (``python -m dlcourse.grading.worker --serve LOG``): nbgrader and nbconvert are imported
    once, then it grades one student per line ``JOB_FILE`` read from stdin, answering ``done JOB_FILE`` on
    stdout when the result file is written. The batch kills and replaces a worker that takes too long."""
    import importlib

    reply = os.fdopen(os.dup(1), "w", buffering=1)  # the protocol's channel; fd 1 goes to the log from now on
    _redirect_output(log_file)
    sandbox.become_subreaper()
    skip_unused_slow_imports()
    for name in PRELOAD:
        importlib.import_module(name)
    import nbformat

    warm = {"nbgrader": {"notebook": "warm-up", "late_penalty": 0, "score": 0, "max_score": 0}}
    try:
        feedback_exporter().from_notebook_node(nbformat.v4.new_notebook(), resources=warm)  # compiles the templates
    except Exception:  # noqa: BLE001 - each student's feedback then reports it; grading goes on
        traceback.print_exc()
    reply.write("ready\n")
    for line in sys.stdin:
        job_file = line.strip()
        if not job_file:
            continue
        _redirect_output(str(Path(job_file).with_suffix("").with_suffix(".log")))
        run_one(job_file)
        _redirect_output(log_file)
        reply.write(f"done {job_file}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--serve"]:
        return serve(argv[1])
    sandbox.become_subreaper()
    run_one(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""End to end: ``dlcourse grade`` on the sample assignment with good, partial and hostile submissions.

One grading run (module-scoped fixture, 2 workers) grades every case below; the tests then check the CSV rows,
the report lines, the feedback pages, the sandbox, the gradebook, and that grading again is idempotent.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading import sandbox
from dlcourse.grading.batch import Options, grade_topic
from dlcourse.nbgrader.markup import delimiters
from dlcourse.release import generate

ROOT = Path(__file__).resolve().parents[1]
#: Written into /proc/self/comm by every process the hostile submissions start (15 characters at most), so that
#: a process left alive by this run can be found after it.
TOKEN = f"dlg{uuid.uuid4().hex[:12]}"
MARK = f"open('/proc/self/comm', 'w').write({TOKEN!r})\n"
#: A child that double-forks into its own session, ignores SIGTERM/SIGINT/SIGHUP and sleeps: a daemon.
DAEMON = MARK + f"""import os, signal, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import signal, time\\n"
                 "open('/proc/self/comm', 'w').write({TOKEN!r})\\n"
                 "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)\\n"
                 "time.sleep(900)", {TOKEN!r}])
    os._exit(0)
print("DAEMON STARTED")
"""
STUCK = MARK + "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
HIDDEN_CASE = "your code passed the visible checks but failed a hidden case: "
TOPIC = ROOT / "tests" / "assignments" / "Sample-Assignment"
NB = "sample.ipynb"
POINTS = {"ex1_1_check": 1, "ex1_2_check": 2, "ex1_3_check": 3}

pytestmark = [pytest.mark.slow]


# ----------------------------------------------------------------------------------------------------------------
# Building submissions from the solution and the generated exercise


def solution():
    return nbformat.read(TOPIC / "solutions" / NB, as_version=4)


@functools.cache
def exercise_text() -> str:
    [release] = generate([TOPIC])
    return release.files[NB].decode()


def exercise():
    return nbformat.reads(exercise_text(), as_version=4)


def index_of(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def answer(nb, grade_id, code):
    """Put ``code`` as the student's answer into the answer cell ``grade_id``."""
    nb.cells[index_of(nb, grade_id)].source = code
    return nb


def with_solutions(nb, *grade_ids):
    """The exercise ``nb`` with the official solutions of ``grade_ids`` filled in (delimiters removed)."""
    sol = solution()
    d = delimiters()
    for gid in grade_ids:
        lines = [ln for ln in sol.cells[index_of(sol, gid)].source.splitlines()
                 if d["begin_solution"] not in ln and d["end_solution"] not in ln]
        answer(nb, gid, "\n".join(lines))
    return nb


#: relu that passes the visible check and, given the hidden 2-D input, raises a forged HiddenCaseFailed (a
#: BaseException, which no check helper or hidden_case catches) whose description holds that input and HTML.
FORGER = """class HiddenCaseFailed(BaseException):
    pass
def relu(x):
    x = np.asarray(x)
    if x.ndim > 1:
        raise HiddenCaseFailed("your code passed the visible checks but failed a hidden case: "
                               "<script>alert('forged')</script> " + str(x.tolist()))
    return np.maximum(0, x)
"""


def probe_code(paths_to_read, paths_to_write, data_dir):
    """A cell that tries to read and write places it must not, and prints what happened as JSON."""
    return f"""
import json, os
result = {{}}
for path in {paths_to_read!r}:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(100)
        result[path] = "readable"
    except OSError as exc:
        result[path] = "blocked"
for path in {paths_to_write!r}:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        result["write " + path] = "written"
    except OSError as exc:
        result["write " + path] = "blocked"
result["own folder"] = "writable" if open("scratch.txt", "w").write("ok") else "?"
result["extra file"] = open("extra.txt").read().strip()
result["data"] = "readable" if {data_dir!r} and os.listdir({data_dir!r}) else "none"
print("PROBE" + json.dumps(result))
"""


def build_submissions(folder: Path, out: Path) -> dict[str, dict]:
    """Write every case into ``folder``; return what each should get: total points and per-task statuses."""
    folder.mkdir(parents=True)
    cases: dict[str, dict] = {}

    def save(name, nb, expect):
        nbformat.write(nb, folder / f"{name}.ipynb")
        cases[name] = expect

    save("solution", solution(), {"points": 6, "outcome": "graded"})
    save("blank", exercise(), {"points": 0, "outcome": "graded"})
    save("partial", with_solutions(exercise(), "ex1_1_solution", "ex1_3_solution"),
         {"points": 4, "outcome": "graded", "status": {"ex1_2_check": "failed"}})
    # passes the visible 1-D check, fails the hidden 2-D case
    nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
    save("hidden_fail", answer(nb, "ex1_1_solution",
                               "def relu(x):\n    return np.array([max(0.0, v) for v in x])"),
         {"points": 5, "outcome": "graded", "status": {"ex1_1_check": "failed"},
          "detail": {"ex1_1_check": f"Exercise 1.1: {HIDDEN_CASE}a 2-D input (a matrix, not a vector)"}})
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_3_solution")
    save("exception", answer(nb, "ex1_2_solution", "def mse(y_true, y_pred):\n    return 1 / 0"),
         {"points": 4, "outcome": "graded", "detail": {"ex1_2_check": "ZeroDivisionError"}})
    nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
    save("infinite_loop", answer(nb, "ex1_1_solution", "while True:\n    pass"),
         {"points": 5, "outcome": "timeout", "status": {"ex1_1_check": "failed"}})
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_2_solution")
    save("stuck_kernel", answer(nb, "ex1_3_solution", STUCK),
         {"points": 3, "outcome": "timeout", "status": {"ex1_3_check": "not_run"}})
    nb = with_solutions(exercise(), "ex1_1_solution")
    save("os_exit", answer(nb, "ex1_2_solution", "import os\nos._exit(3)"),
         {"points": 1, "outcome": "kernel_died", "status": {"ex1_2_check": "not_run", "ex1_3_check": "not_run"}})
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_2_solution")
    save("memory_hog", answer(nb, "ex1_3_solution",
                              "blocks = []\nwhile True:\n    blocks.append(b'x' * (64 * 2**20))"),
         {"points": 3, "outcome": "memory"})
    # starts a daemon that ignores SIGTERM and sleeps: it must not outlive grading
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_2_solution", "ex1_3_solution")
    nb.cells.insert(index_of(nb, "ex1_1_solution"), nbformat.v4.new_code_cell(DAEMON))
    save("daemon", nb, {"points": 6, "outcome": "graded"})
    # forges the failure of a hidden case, with the hidden input and some HTML in the description
    nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
    save("forger", answer(nb, "ex1_1_solution", FORGER),
         {"points": 5, "outcome": "graded", "status": {"ex1_1_check": "failed"}})
    (folder / "invalid_json.ipynb").write_text('{"cells": [ this is not json')
    cases["invalid_json"] = {"points": 0, "outcome": "invalid_json"}
    (folder / "not_notebook.ipynb").write_text(json.dumps({"student": "me", "answers": [1, 2, 3]}))
    cases["not_notebook"] = {"points": 0, "outcome": "not_a_notebook"}
    # deleted: the test cell of 1.2 (restored: still graded) and the answer cell of 1.3 (restored as a stub)
    nb = solution()
    del nb.cells[index_of(nb, "ex1_2_check")]
    del nb.cells[index_of(nb, "ex1_3_solution")]
    save("deleted_cells", nb, {"points": 3, "outcome": "graded", "note": "was deleted"})
    # duplicated: a copy of a test cell and of an answer cell, same grade ids (nbgrader alone would stop here)
    nb = solution()
    nb.cells.insert(index_of(nb, "ex1_1_check") + 1, copy.deepcopy(nb.cells[index_of(nb, "ex1_1_check")]))
    nb.cells.insert(index_of(nb, "ex1_2_solution") + 1, copy.deepcopy(nb.cells[index_of(nb, "ex1_2_solution")]))
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    save("duplicated_cells", nb, {"points": 6, "outcome": "graded", "note": "is duplicated"})
    # edited: the student empties the test of 1.1 (and gets 1.1 wrong); the original tests run anyway
    nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
    answer(nb, "ex1_1_solution", "def relu(x):\n    return x")
    nb.cells[index_of(nb, "ex1_1_check")].source = "pass  # tests are for other people"
    save("edited_test", nb, {"points": 5, "outcome": "graded", "note": "was edited",
                             "status": {"ex1_1_check": "failed"}})
    # overwrites a check at run time: scores, but is flagged for review
    nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
    answer(nb, "ex1_1_solution", "checks.check_function = lambda *args, **kwargs: None\ndef relu(x):\n    return x")
    save("monkeypatch", nb, {"points": 6, "outcome": "graded", "flag": "monkey-patching"})
    # snoops: reads the hidden tests, solutions, gradebook and other students; writes outside its folder
    student = folder / "snoop"
    student.mkdir()
    nb = solution()
    reads = [str(TOPIC / "solutions" / NB), str(out / "gradebook.db"), str(folder / "solution.ipynb"),
             str(out / ".work"), str(ROOT / "tests"), str(ROOT / ".git"), "/root/.ssh", "/etc/shadow"]
    writes = [str(out / "escaped.txt"), str(folder / "escaped.txt"), str(ROOT / "escaped.txt")]
    private = "/tmp/dlcourse-escaped.txt"  # the sandbox's own /tmp: may succeed, must not reach the host
    nb.cells.append(nbformat.v4.new_code_cell(
        probe_code(reads, [*writes, private], os.environ.get("DLCOURSE_DATA", ""))))
    nbformat.write(nb, student / "whatever-name.ipynb")
    (student / "extra.txt").write_text("extra file travels with the notebook")
    cases["snoop"] = {"points": 6, "outcome": "graded", "flag": "grading files",
                      "reads": reads, "writes": writes, "private": private}
    return cases


# ----------------------------------------------------------------------------------------------------------------
# One run for all the tests


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    subs, out = base / "submissions", base / "out"
    cases = build_submissions(subs, out)
    data = [os.environ["DLCOURSE_DATA"]] if os.environ.get("DLCOURSE_DATA") else []
    options = Options(workers=2, timeout=8, memory=768 * 2**20, read_only=data)
    lines: list[str] = []
    started = time.time()
    try:
        run = grade_topic(TOPIC, subs, out, options, log=lines.append)
        leftover = marked_processes(TOKEN)  # right when grading returns: nothing may be left
    finally:
        kill_marked(TOKEN)
    seconds = time.time() - started
    print(f"\ngrading throughput: {len(cases)} submissions in {seconds:.0f} s with 2 workers "
          f"= {len(cases) / seconds * 60:.1f} submissions/min (isolation: {run.isolation})")
    return {"cases": cases, "run": run, "out": out, "leftover": leftover, "subs": subs, "log": lines, "options": options,
            "rows": read_csv(out / "grades.csv"), "summary": {r["student"]: r for r in read_csv(out / "summary.csv")}}


def student_rows(graded, student):
    return {r["task"]: r for r in graded["rows"] if r["student"] == student}


def test_every_submission_is_graded_or_reported(graded):
    assert set(graded["summary"]) == set(graded["cases"])
    for student, expect in graded["cases"].items():
        rows = student_rows(graded, student)
        assert set(rows) == set(POINTS), student
        assert {t: float(r["max_points"]) for t, r in rows.items()} == POINTS
        total = sum(float(r["points"]) for r in rows.values())
        summary = graded["summary"][student]
        assert total == expect["points"], (student, rows, summary)
        assert float(summary["points"]) == expect["points"]
        assert summary["outcome"].split()[0] == expect["outcome"], (student, summary)
        for task, status in expect.get("status", {}).items():
            assert rows[task]["status"] == status, (student, task, rows[task])
        for task, text in expect.get("detail", {}).items():
            assert text in rows[task]["detail"], (student, task, rows[task])
        if "note" in expect:
            assert expect["note"] in summary["notes"], (student, summary)
        if "flag" in expect:
            assert expect["flag"] in summary["flags"] and "(flagged)" in summary["outcome"], (student, summary)
        elif student != "snoop":
            assert not summary["flags"], (student, summary)


def test_full_blank_partial_points(graded):
    assert {t: float(r["points"]) for t, r in student_rows(graded, "solution").items()} == POINTS
    assert all(r["status"] == "passed" for r in student_rows(graded, "solution").values())
    assert all(float(r["points"]) == 0 for r in student_rows(graded, "blank").values())
    partial = student_rows(graded, "partial")
    assert {t: float(r["points"]) for t, r in partial.items()} == {"ex1_1_check": 1, "ex1_2_check": 0,
                                                                  "ex1_3_check": 3}


def test_report_lines_say_what_happened(graded):
    notes = {s: r["notes"] for s, r in graded["summary"].items()}
    assert "not valid JSON" in notes["invalid_json"]
    assert "not a Jupyter notebook" in notes["not_notebook"]
    assert "did not stop when interrupted" in notes["stuck_kernel"]
    assert "was interrupted" in notes["infinite_loop"]
    assert "exited with code 3" in notes["os_exit"]
    assert "memory limit" in notes["memory_hog"]
    assert "graded as sample.ipynb" in notes["snoop"]
    assert any(line.startswith("isolation: ") for line in graded["log"])


def test_sandbox_blocks_reads_and_writes_outside_its_folder(graded):
    assert graded["run"].isolation == "bwrap", sandbox.probe_bwrap()
    nb = nbformat.read(graded["out"] / "autograded" / "snoop" / NB, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    probe = json.loads(text.split("PROBE", 1)[1].splitlines()[0])
    case = graded["cases"]["snoop"]
    for path in case["reads"]:
        assert probe[path] == "blocked", (path, probe)
    for path in case["writes"]:
        assert not Path(path).exists(), path  # nothing written reaches the host
        # Inside the sandbox /tmp is a private tmpfs: a course checked out under /tmp has its folders there as
        # the mount points of the read-only environment, so writing beside them succeeds, in that private tmpfs
        # (thrown away with the kernel; the assertion above shows the host never sees it). Elsewhere: blocked.
        if not Path(path).is_relative_to("/tmp"):
            assert probe["write " + path] == "blocked", (path, probe)
    assert not Path(case["private"]).exists()
    assert probe["own folder"] == "writable"
    assert probe["extra file"] == "extra file travels with the notebook"
    if os.environ.get("DLCOURSE_DATA"):
        assert probe["data"] == "readable"


def test_feedback_for_everyone_without_hidden_tests(graded):
    d = delimiters()
    feedback = graded["out"] / "feedback"
    assert sorted(p.stem for p in feedback.glob("*.html")) == sorted(graded["cases"])
    hidden_cases = ["[[-3.5, 4.0], [0.5, -0.1]]", "-3.5", "[0, 0, 3]", "[3, 1, 1, 0]", "hidden_case(",
                    "check_function(relu, [((np.array([[", "2 / 3"]
    for page in feedback.glob("*.html"):
        html = page.read_text()
        assert f"Grading report for {page.stem}" in html
        assert d["begin_hidden"] not in html, page.name
        for case in hidden_cases:
            assert case not in html, (page.name, case)
        assert "WITHOUT isolation" not in html


def test_a_failed_hidden_case_names_the_exercise_and_the_case(graded):
    sentence = f"Exercise 1.1: {HIDDEN_CASE}a 2-D input (a matrix, not a vector)"
    page = (graded["out"] / "feedback" / "hidden_fail.html").read_text()
    assert page.count(sentence) == 2  # the report banner on top and the output of the test cell
    assert student_rows(graded, "hidden_fail")["ex1_1_check"]["detail"] == sentence
    # the other hidden cases of the notebook, which this submission passed, are not named
    assert "three samples" not in page and "repeated labels" not in page


def test_a_forged_hidden_case_shows_neither_html_nor_hidden_values(graded):
    page = (graded["out"] / "feedback" / "forger.html").read_text()
    assert "<script>alert" not in page  # the student's own code is shown, escaped; the forged text is not shown
    assert "-3.5" not in page and "4.0]" not in page
    assert page.count("alert(") == 1  # in the source of the answer cell only
    assert "HiddenTestFailed" in page  # the generic sentence instead
    assert "a 2-D input" not in page
    row = student_rows(graded, "forger")["ex1_1_check"]
    assert row["status"] == "failed" and not row["detail"].startswith("Exercise 1.1")


def marked_processes(token: str) -> list[str]:
    """Processes (zombies too) whose name or command line carries ``token``: "pid state command"."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if token in comm or token in cmdline:
            found.append(f"{entry.name} {state} {comm} {cmdline[:120]}")
    return found


def kill_marked(token: str) -> None:
    import signal

    for line in marked_processes(token):
        try:
            os.kill(int(line.split()[0]), signal.SIGKILL)
        except OSError:
            pass


def test_no_process_a_submission_started_outlives_grading(graded):
    """The stuck kernel (ignores interrupts) and the daemon (double-forked, ignores SIGTERM) are gone."""
    daemon = nbformat.read(graded["out"] / "autograded" / "daemon" / NB, as_version=4)
    assert "DAEMON STARTED" in json.dumps(daemon), "the daemon case did not run: this test would prove nothing"
    assert student_rows(graded, "stuck_kernel")["ex1_3_check"]["status"] == "not_run"
    assert graded["leftover"] == [], graded["leftover"]


def test_gradebook_is_consistent(graded):
    from nbgrader.api import Gradebook

    db = graded["out"] / "gradebook.db"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Gradebook(f"sqlite:///{db}", "dlcourse") as gb:
        for student, expect in graded["cases"].items():
            assert gb.find_submission("Sample-Assignment", student).score == expect["points"], student


def test_grading_again_is_idempotent_and_incremental(graded):
    out, subs = graded["out"], graded["subs"]
    before = (out / "grades.csv").read_text()
    again = grade_topic(TOPIC, subs, out, graded["options"], log=lambda line: None)
    assert again.graded == 0
    assert (out / "grades.csv").read_text() == before
    # a new submission from one student changes only that student's rows
    nbformat.write(solution(), subs / "blank.ipynb")
    third = grade_topic(TOPIC, subs, out, graded["options"], log=lambda line: None)
    assert third.graded == 1
    after = read_csv(out / "grades.csv")
    old = read_csv_text(before)
    assert [r for r in after if r["student"] != "blank"] == [r for r in old if r["student"] != "blank"]
    assert sum(float(r["points"]) for r in after if r["student"] == "blank") == 6
    nbformat.write(exercise(), subs / "blank.ipynb")  # leave the fixture as it was


def read_csv_text(text: str) -> list[dict]:
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_regrading_from_scratch_gives_the_same_csv(tmp_path):
    """Deterministic grading (not just caching): a forced re-run of a few cases gives the same rows."""
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(solution(), subs / "a.ipynb")
    nbformat.write(with_solutions(exercise(), "ex1_2_solution"), subs / "b.ipynb")
    nb = with_solutions(exercise(), "ex1_1_solution")
    nbformat.write(answer(nb, "ex1_2_solution", "import os\nos._exit(1)"), subs / "c.ipynb")
    options = Options(workers=2, timeout=8, memory=768 * 2**20)
    grade_topic(TOPIC, subs, tmp_path / "out", options, log=lambda line: None)
    first = (tmp_path / "out" / "grades.csv").read_text()
    options.force = True
    grade_topic(TOPIC, subs, tmp_path / "out", options, log=lambda line: None)
    assert (tmp_path / "out" / "grades.csv").read_text() == first
    assert "kernel_died" in first or "not_run" in first


def test_auto_isolation_uses_the_sandbox_here():
    """CI and course machines run scripts/install-system-deps.sh: the sandbox must work there."""
    mode, description = sandbox.choose_mode("auto")
    assert mode == "bwrap", sandbox.probe_bwrap()
    assert "bubblewrap sandbox" in description


def test_command_line_without_sandbox(tmp_path, capsys):
    """`dlcourse grade --isolation none` grades, says so everywhere, and still leaves no process behind."""
    from dlcourse.cli import main

    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(solution(), subs / "ann.ipynb")
    nb = with_solutions(exercise(), "ex1_1_solution")
    nbformat.write(answer(nb, "ex1_2_solution", "import os\nos._exit(1)"), subs / "ben.ipynb")
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_2_solution", "ex1_3_solution")
    nb.cells.insert(index_of(nb, "ex1_1_solution"), nbformat.v4.new_code_cell(DAEMON))
    nbformat.write(nb, subs / "cid.ipynb")
    nb = with_solutions(exercise(), "ex1_1_solution", "ex1_2_solution")
    nbformat.write(answer(nb, "ex1_3_solution", STUCK), subs / "dee.ipynb")
    try:
        code = main(["grade", str(TOPIC), str(subs), "--out", str(tmp_path / "out"), "--isolation", "none",
                     "--timeout", "5", "--memory", "768M", "--workers", "2"])
        leftover = marked_processes(TOKEN)
    finally:
        kill_marked(TOKEN)
    printed = capsys.readouterr().out
    assert code == 0
    assert "isolation: none: NO sandbox" in printed
    assert "WITHOUT isolation" in printed
    assert "submissions/min" in printed
    summary = {r["student"]: r for r in read_csv(tmp_path / "out" / "summary.csv")}
    assert {s: float(r["points"]) for s, r in summary.items()} == {"ann": 6, "ben": 1, "cid": 6, "dee": 3}
    for student, row in summary.items():
        assert row["isolation"] == "none" and "WITHOUT isolation" in row["notes"], row
        assert "WITHOUT isolation" in (tmp_path / "out" / "feedback" / f"{student}.html").read_text()
    assert "DAEMON STARTED" in (tmp_path / "out" / "autograded" / "cid" / NB).read_text()
    assert leftover == [], leftover


def test_grading_from_a_checkout_and_environment_under_tmp(tmp_path_factory):
    """The course and its Python environment under /tmp, reached through symbolic links (the fresh-clone case
    of issue 8): the sandbox is used, not switched off, and the grades are right."""
    import shutil
    import site
    import subprocess
    import sys
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="dlg-clone-", dir="/tmp"))
    try:
        real_env, env = base / "real-env", base / "env"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(real_env)], check=True)
        env.symlink_to(real_env, target_is_directory=True)  # a symlinked folder on the way to the interpreter
        course = base / "checkout"
        shutil.copytree(ROOT / "dlcourse", course / "dlcourse", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(TOPIC, course / "Sample-Assignment")
        [packages] = [p for p in site.getsitepackages() if p.startswith(sys.prefix)]
        [new_site] = list(real_env.glob("lib/python*/site-packages"))
        (new_site / "course.pth").write_text(f"{course}\nimport site; site.addsitedir({packages!r})\n")
        subs = base / "subs"
        subs.mkdir()
        nb = solution()
        nb.cells.append(nbformat.v4.new_code_cell(
            "import sys, dlcourse\nprint('WHERE', sys.executable, dlcourse.__file__)"))
        nbformat.write(nb, subs / "ann.ipynb")
        nb = with_solutions(exercise(), "ex1_2_solution", "ex1_3_solution")
        nbformat.write(answer(nb, "ex1_1_solution", "def relu(x):\n    return np.array([max(0.0, v) for v in x])"),
                       subs / "ben.ipynb")
        environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        # (nbgrader runs the `alembic` command: this environment borrows it, with its packages, from ours)
        environ["PATH"] = f"{env / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin"
        environ["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # and nbconvert's templates
        proc = subprocess.run(
            [str(env / "bin" / "python"), "-m", "dlcourse", "grade", str(course / "Sample-Assignment"), str(subs),
             "--out", str(base / "out"), "--timeout", "20", "--memory", "768M", "--workers", "2"],
            cwd=course, env=environ, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "isolation: bwrap" in proc.stdout, proc.stdout
        summary = {r["student"]: r for r in read_csv(base / "out" / "summary.csv")}
        assert {s: float(r["points"]) for s, r in summary.items()} == {"ann": 6, "ben": 5}, summary
        assert {r["isolation"] for r in summary.values()} == {"bwrap"}
        where = (base / "out" / "autograded" / "ann" / NB).read_text().split("WHERE ", 1)[1].split("\\n")[0]
        assert where.startswith(f"{env}/bin/python {course}/dlcourse/"), where
    finally:
        shutil.rmtree(base, ignore_errors=True)

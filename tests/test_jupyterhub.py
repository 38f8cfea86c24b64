"""A class on a real JupyterHub: one instructor, two students, the course data shared read-only, nbgrader's exchange.

The module starts JupyterHub 6 (configurable-http-proxy, SharedPasswordAuthenticator, SimpleLocalProcessSpawner)
on 127.0.0.1 and drives it as a class would, through the Hub's REST API and the users' own Jupyter servers (their
REST APIs and kernel websockets, through the proxy, with tokens the Hub issued to each user):

1. each student loads a dataset in a kernel: it is read from the shared directory (``DLCOURSE_DATA``), derived
   files go to the student's own cache in their home, nothing is written to the shared directory, and no student
   sees another's home;
2. the instructor releases notebook 01 of Components-of-Machine-Learning with ``nbgrader release_assignment``;
   the students fetch and submit it through nbgrader's server extension (the Assignment List endpoints that
   JupyterLab's Assignments panel calls), one correct and one broken; the instructor runs ``nbgrader collect``
   and ``dlcourse grade`` on what was collected, and the grades are right.

What is real and what is simulated (see docs/jupyterhub.md): every user's server runs as ``jovyan`` (uid 1000)
in a bubblewrap sandbox (tests/hub_support.py), as in a Zero to JupyterHub pod: own home and the exchange
writable, the rest read-only, the course data a read-only mount, other homes absent. That file-system isolation is
real; separate Unix users are not (outside the sandboxes every process belongs to root, the one account here).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import sys
import time
import urllib.error
from pathlib import Path

import nbformat
import pytest

import hub_support
from dlcourse.nbgrader.markup import delimiters

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR, STUDENTS = "instructor", ["alice", "bob"]
COURSE, ASSIGNMENT = "dl101", "cml01"
TOPIC = ROOT / "Components-of-Machine-Learning"
NB = "01_python_numpy.ipynb"
POINTS = {"ex1_1_check": 1, "ex1_2_check": 1, "ex1_3_check": 2, "ex1_4_check": 2, "ex1_5_check": 2,
          "ex1_6_check": 2}
DATASET = "housing"  # the smallest dataset (450 kB), read straight from its archive; one derived CSV is cached
ARTIFACTS = ROOT / "tests" / "artifacts" / "test_jupyterhub"

pytestmark = [pytest.mark.slow]


# ----------------------------------------------------------------------------------------------------------------
# The class's machine: shared data, exchange, configuration, the Hub


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` with its type, size, mode and modification time (to compare before/after)."""
    found = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = path.lstat()
        found[str(path.relative_to(root))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mode, st.st_mtime_ns)
    return found


def shared_data(base: Path) -> Path:
    """A read-only copy of one dataset's files from ``DLCOURSE_DATA``, laid out like the course data volume."""
    source = os.environ.get("DLCOURSE_DATA", "")
    if not source or not (Path(source) / DATASET).is_dir():
        pytest.fail(f"DLCOURSE_DATA={source!r} has no {DATASET}/ folder: this test needs the course data "
                    f"(fix: export DLCOURSE_DATA=/path/to/coursedata, or run `dlcourse fetch {DATASET}` into a "
                    "folder and point DLCOURSE_DATA at it)")
    data = base / "shared-data"
    shutil.copytree(Path(source) / DATASET, data / DATASET)
    for path in [*data.rglob("*"), data]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return data


def write_nbgrader_config(base: Path, exchange: Path) -> Path:
    """The site-wide nbgrader configuration every server reads (in a Zero to JupyterHub image: /etc/jupyter)."""
    folder = base / "jupyter-config"
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE!r}\n")
    return folder


def write_instructor_course(home: Path) -> None:
    """The instructor's nbgrader course folder (gradebook, release/, submitted/) in their own home."""
    course = home / "course"
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n")


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """The running Hub with the three users' servers up; stopped (with every process it started) at the end."""
    problems = hub_support.missing_tools()
    if problems:
        pytest.fail("cannot start a JupyterHub here: " + "; ".join(problems))
    started = time.monotonic()
    base = tmp_path_factory.mktemp("hub")
    data = shared_data(base)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # as nbgrader's docs set it up: every user may write into the exchange
    config = write_nbgrader_config(base, exchange)
    write_instructor_course(base / "homes" / INSTRUCTOR)
    environment = {"DLCOURSE_DATA": str(data), "DLCOURSE_OFFLINE": "1", "JUPYTER_CONFIG_PATH": str(config),
                   "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    if os.environ.get("DLCOURSE_QUICK"):
        environment["DLCOURSE_QUICK"] = os.environ["DLCOURSE_QUICK"]
    keep = [ROOT, Path(sys.prefix), Path(sys.base_prefix), config]
    hub = hub_support.start_hub(base, [INSTRUCTOR, *STUDENTS], data=data, exchange=exchange, keep_visible=keep,
                                environment=environment, graders=[INSTRUCTOR])
    state = {"base": base, "data": data, "exchange": exchange, "hub": hub, "timings": {}, "started": started}
    try:
        state["timings"]["hub up"] = time.monotonic() - started  # these two: since the fixture started
        hub.start_servers([INSTRUCTOR, *STUDENTS])
        state["timings"]["servers up"] = time.monotonic() - started
        state["servers"] = {name: hub.server(name) for name in [INSTRUCTOR, *STUDENTS]}
        state["kernels"] = {name: server.start_kernel() for name, server in state["servers"].items()}
        yield state
    finally:
        state.setdefault("leftover", hub.stop())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(hub.log, ARTIFACTS / "hub.log")
        print(f"\nhub test timings (s): {state['timings']}; killed after the Hub stopped: {state['leftover']}")


def home(klass, name: str) -> Path:
    return klass["base"] / "homes" / name


def test_users_log_in_with_the_class_password_only(klass):
    hub = klass["hub"]
    status, cookies = hub.login("alice", hub.password)
    assert status == 302 and "jupyterhub-hub-login" in cookies, (status, cookies)
    status, cookies = hub.login("alice", "not-the-password")
    assert status == 403 and "jupyterhub-hub-login" not in cookies, (status, cookies)
    status, _ = hub.login("mallory", hub.password)  # not on the class list
    assert status == 403, status


# ----------------------------------------------------------------------------------------------------------------
# Students load data


LOAD = """
import json, os, pwd
from dlcourse.data import store
from dlcourse.data.tables import housing_csv, load_housing

housing = load_housing()
located = store.locate("housing")
csv_path = housing_csv()
try:
    open(os.path.join(os.environ["DLCOURSE_DATA"], "housing", "mine.txt"), "w").write("mine")
    shared_write = "written"
except OSError as exc:
    shared_write = exc.strerror
open(os.path.expanduser("~/notes-{me}.txt"), "w").write("{me}'s notes")
print("RESULT" + json.dumps({{
    "user": pwd.getpwuid(os.getuid())[0], "shape": list(housing.shape), "place": located.place,
    "root": str(located.root), "csv": str(csv_path), "shared_write": shared_write,
    "others": {{path: os.path.exists(path) for path in {others!r}}},
}}))
"""


def test_students_load_data_from_the_shared_directory_into_their_own_cache(klass):
    before, t0 = snapshot(klass["data"]), time.monotonic()
    results = {}
    for name in STUDENTS:
        others = [str(home(klass, other)) for other in [INSTRUCTOR, *STUDENTS] if other != name]
        others.append(str(klass["base"] / "hub" / "jupyterhub.sqlite"))
        output, errors = klass["servers"][name].execute(klass["kernels"][name], LOAD.format(me=name, others=others))
        assert not errors, f"{name}'s notebook cell failed to load the data: {errors}\n{output}"
        results[name] = json.loads(output.split("RESULT", 1)[1].strip())
    klass["timings"]["data loaded by both"] = time.monotonic() - t0
    for name, result in results.items():
        assert result["user"] == hub_support.SANDBOX_USER, result
        assert result["shape"] == [20640, 10], f"{name} got housing of shape {result['shape']}"
        assert result["place"] == "shared" and result["root"] == str(klass["data"]), (
            f"{name}'s data came from {result['place']} {result['root']}, not the shared directory")
        cache = home(klass, name) / ".cache" / "dlcourse"
        assert Path(result["csv"]).parent == cache / "derived", f"{name}'s derived CSV is at {result['csv']}"
        assert Path(result["csv"]).is_file() and (cache / ".state" / "verified.json").is_file(), (
            f"{name}'s cache {cache} lacks the derived CSV or the verification memo: {sorted(cache.rglob('*'))}")
        assert result["shared_write"] == "Read-only file system", (
            f"{name} could write into the shared data directory: {result['shared_write']}")
        assert not any(result["others"].values()), f"{name} sees other users' files: {result['others']}"
    assert snapshot(klass["data"]) == before, "something was written to the shared data directory"
    # each student's files are in their own home and nowhere else
    for name in STUDENTS:
        for other in [INSTRUCTOR, *STUDENTS]:
            found = (home(klass, other) / f"notes-{name}.txt").exists()
            assert found == (other == name), f"{name}'s notes in {other}'s home: {found}"
    assert not (home(klass, INSTRUCTOR) / ".cache").exists(), "the students' data went into the instructor's cache"


# ----------------------------------------------------------------------------------------------------------------
# The assignment: release, fetch, submit, collect, grade


def fill(exercise: dict, solution: nbformat.NotebookNode, answers: dict[str, str | None]) -> dict:
    """The student's version of the released ``exercise`` (JSON): ``answers`` maps a grade id to the code typed
    into its answer cell, or None for the official solution (delimiters removed, as tests/test_grading.py does)."""
    d = delimiters()
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in solution.cells}
    for cell in exercise["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            code = answers[gid]
            if code is None:
                code = "\n".join(ln for ln in by_id[gid].source.splitlines()
                                 if d["begin_solution"] not in ln and d["end_solution"] not in ln)
            cell["source"] = code
    return exercise


def nbgrader_action(server: hub_support.UserServer, action: str) -> object:
    """POST to nbgrader's Assignment List endpoint (what the Assignments panel's Fetch / Submit buttons do)."""
    reply = server.request("POST", f"assignments/{action}", {"course_id": COURSE, "assignment_id": ASSIGNMENT})
    if isinstance(reply, dict) and reply.get("success") is False:
        raise AssertionError(f"nbgrader {action} failed in the user's server: {reply.get('value')}")
    return reply


def in_instructor_server(klass, command: str, what: str, timeout: float = 180) -> str:
    result = klass["servers"][INSTRUCTOR].run_command(klass["kernels"][INSTRUCTOR], command, timeout=timeout)
    assert result["rc"] == 0, f"the instructor's {what} failed (exit {result['rc']}):\n{result['out']}"
    return result["out"]


def read_csv(server: hub_support.UserServer, path: str) -> list[dict]:
    content = server.request("GET", f"api/contents/{path}?content=1&format=text&type=file")["content"]
    return list(csv.DictReader(io.StringIO(content)))


def test_release_fetch_submit_collect_and_grade(klass):
    servers, t0 = klass["servers"], time.monotonic()
    # the instructor releases the student version that `dlcourse release` generated (tests keep it in sync)
    in_instructor_server(
        klass, f"mkdir -p course/release/{ASSIGNMENT} && cp {TOPIC / 'exercises' / NB} course/release/{ASSIGNMENT}/"
        f" && cd course && nbgrader release_assignment {ASSIGNMENT}", "nbgrader release_assignment")
    listed = servers["alice"].request("GET", f"assignments?course_id={COURSE}")
    assert listed["success"] and [a["assignment_id"] for a in listed["value"]] == [ASSIGNMENT], (
        f"alice's Assignments panel does not list the released assignment: {listed}")
    solution = nbformat.read(TOPIC / "solutions" / NB, as_version=4)
    answers = {
        "alice": {gid.replace("check", "solution"): None for gid in POINTS},  # every exercise solved
        # the first solved, the second crashes, the others left as released (raise NotImplementedError)
        "bob": {"ex1_1_solution": None, "ex1_2_solution": "def make_design_matrix(x):\n    return 1 / 0"},
    }
    for name in STUDENTS:
        nbgrader_action(servers[name], "fetch")
        path = f"api/contents/{ASSIGNMENT}/{NB}"
        fetched = servers[name].request("GET", path)
        assert fetched["type"] == "notebook", fetched
        notebook = fill(fetched["content"], solution, answers[name])
        servers[name].request("PUT", path, {"type": "notebook", "format": "json", "content": notebook})
        reply = nbgrader_action(servers[name], "submit")
        submitted = [a for a in reply["value"] if a["status"] == "submitted"]
        assert submitted and submitted[0]["submissions"], f"{name}'s submission is not listed: {reply}"
    inbound = sorted(p.name.split("+")[0] for p in (klass["exchange"] / COURSE / "inbound").iterdir())
    assert inbound == STUDENTS, f"the exchange's inbound holds submissions of {inbound}"
    klass["timings"]["assignment round trip"] = time.monotonic() - t0

    # the instructor collects, then grades what was collected with dlcourse grade (a one-notebook topic)
    in_instructor_server(klass, f"cd course && nbgrader collect {ASSIGNMENT}", "nbgrader collect")
    t1 = time.monotonic()
    topic = f"grading/{ASSIGNMENT}"
    out = in_instructor_server(
        klass, f"mkdir -p {topic}/solutions && cp {TOPIC / 'solutions' / NB} {topic}/solutions/ && dlcourse grade "
        f"{topic} course/submitted --out grading/out --workers 2 --timeout 60 --memory 2G", "dlcourse grade")
    klass["timings"]["dlcourse grade"] = time.monotonic() - t1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dlcourse-grade.txt").write_text(out)
    assert "isolation: bwrap" in out, f"dlcourse grade did not sandbox the submissions:\n{out}"
    summary = {r["student"]: r for r in read_csv(servers[INSTRUCTOR], "grading/out/summary.csv")}
    rows = read_csv(servers[INSTRUCTOR], "grading/out/grades.csv")
    assert set(summary) == set(STUDENTS), f"graded {sorted(summary)}:\n{out}"
    alice = {r["task"]: float(r["points"]) for r in rows if r["student"] == "alice"}
    assert alice == {task: float(p) for task, p in POINTS.items()}, f"the correct submission lost points: {rows}"
    assert summary["alice"]["outcome"].split()[0] == "graded", summary["alice"]
    assert float(summary["alice"]["points"]) == 10, summary["alice"]
    bob = {r["task"]: r for r in rows if r["student"] == "bob"}
    assert float(summary["bob"]["points"]) == 1 and summary["bob"]["outcome"].split()[0] == "graded", summary["bob"]
    assert bob["ex1_1_check"]["status"] == "passed", bob["ex1_1_check"]
    assert bob["ex1_2_check"]["status"] == "failed" and "ZeroDivisionError" in bob["ex1_2_check"]["detail"], (
        bob["ex1_2_check"])
    assert all(bob[t]["status"] == "failed" for t in POINTS if t not in ("ex1_1_check", "ex1_2_check")), bob
    feedback = servers[INSTRUCTOR].request("GET", "api/contents/grading/out/feedback/bob.html?content=0")
    assert feedback["type"] == "file", feedback
    # Neither wrote anything suspicious: a flag here comes from cells of the released notebook, which every
    # student of the class would get, and the instructor would have to review the whole class by hand.
    for name in STUDENTS:
        assert not summary[name]["flags"], (
            f"{name}'s submission was flagged for review for code the student did not write: {summary[name]['flags']}")


def test_stopping_the_hub_leaves_no_process(klass):
    hub = klass["hub"]
    assert hub.proc.poll() is None, f"the Hub died during the test:\n{hub.tail()}"
    leftover = klass["leftover"] = hub.stop()
    klass["timings"]["until stopped"] = time.monotonic() - klass["started"]
    # Students' servers end with their PID namespace; the instructor's has none (see hub_support), so its kernel
    # is orphaned and must notice by itself: either way nothing may be left for the sweep by mark to kill.
    assert leftover == [], f"processes outlived the Hub by 5 s and had to be killed: {leftover}"
    assert hub_support.marked_pids(hub.mark) == [], "processes of the class still alive after stop"
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        hub.api("GET", "", timeout=3)

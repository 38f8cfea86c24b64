"""Hidden tests that can fail: every graded check cell with hidden tests must catch a plausible wrong submission.

The wrong submissions live in a table, one module per topic folder under ``tests/wrong_submissions/`` (the folder
name with dashes as underscores: ``Components_of_Machine_Learning.py`` for ``Components-of-Machine-Learning/``)::

    from . import Wrong

    WRONG = {
        ("01_python_numpy.ipynb", "ex1_5_check"): Wrong(
            source='''
    def normalize_rows(X):
        X = np.asarray(X, dtype=float)
        return X / X.sum(axis=1, keepdims=True)       # no guard for all-zero rows
    ''',
            why="divides an all-zero row by 0 (nan) instead of leaving it zero",
        ),
        ...
    }

The key is ``(notebook file name, grade_id of the check cell)``; the value is a ``Wrong``, or a list of them when
a check cell has several hidden cases worth proving (e.g. a trained model's architecture and its training data).
``Wrong.source`` is the whole wrong solution cell,
as a student would write it (it replaces the exercise's solution cell: the nearest cell marked ``solution: true``
above the check cell); ``Wrong.why`` says in a few words what is wrong (shown when the entry fails);
``Wrong.setup`` is optional code run first (e.g. ``os.remove("fashion_mlp.quick.keras")`` so that
``train_or_load`` really runs the wrong training function instead of loading the model the solution saved; in
quick mode, which this test uses, ``train_or_load`` saves ``<name>.quick.keras`` and ``<name>.quick.history.json``).

Two tests:

* ``test_every_hidden_test_has_a_wrong_submission``: every check cell with hidden tests (``### BEGIN HIDDEN
  TESTS``) in every topic's solutions (found like ``tests/test_release.py`` does, so new topics are covered
  automatically) has an entry, and every entry names such a cell. Missing entries are listed by name.
* ``test_wrong_submissions_pass_visible_and_fail_hidden``, once per solution notebook: the notebook runs once, in
  quick mode, on TensorFlow (``BACKEND``: the backend nbgrader's autograding uses by default), in a fresh kernel, in
  a temporary copy of its folder (without saved models, so nothing is written into the repository). After each
  check cell that has entries, extra cells run for each entry: the working folder is snapshotted, ``setup`` runs,
  the wrong ``source`` runs in place of the solution, the check cell's visible part (everything before ``### BEGIN
  HIDDEN TESTS``) runs and must pass, the hidden part runs and must raise ``dlcourse.checks.HiddenCaseFailed`` (so
  every hidden assertion must sit inside a ``hidden_case`` block); then the folder is restored from the snapshot
  and the original solution cell runs again; after the check cell's last entry the whole check cell runs again too,
  and must pass, so the rest of the notebook continues from the correct state. All failing entries are reported
  with their ``why``; an error in any of the notebook's own cells fails the test too. This run is also the
  notebook's TensorFlow run in `make test` (``tests/test_backends.py`` runs every notebook on JAX and PyTorch):
  nbval would only execute the same cells a second time.

A wrong ``source`` should only define what the exercise asks for (functions, a model file through
``train_or_load`` ...); it must not change the notebook's global data, since only the solution and check cell are
re-run afterwards.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from dlcourse import release
from dlcourse.nbgrader.markup import delimiters, marked_cells, source_of

ROOT = Path(__file__).resolve().parents[1]
TOPICS = release.topic_dirs(ROOT)
TIMEOUT = 900  # seconds per cell: a clear failure for a hung cell, well above any quick-mode cell
# The grader's backend: nbgrader's autograding runs notebooks on Keras's default, TensorFlow. This run is also the
# notebooks' TensorFlow run in `make test`; tests/test_backends.py runs each on JAX and PyTorch.
BACKEND = "tensorflow"
HARNESS = "hidden_tests_harness"  # metadata key of the cells this test adds
# Left out of the temporary copy of a notebook's folder, so every run trains from scratch on its backend
ARTIFACTS = ("*.keras", "*.history.json", "*.progress.npz", "*.pt", ".ipynb_*")

if str(ROOT / "tests") not in sys.path:  # the table package, whatever pytest's import mode
    sys.path.insert(0, str(ROOT / "tests"))
from wrong_submissions import Wrong  # noqa: E402


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def record_time(notebook: Path, backend: str, seconds: float, **extra: float) -> None:
    """Append a notebook run's time to the JSON-lines file $DLCOURSE_BACKEND_TIMES, if set (the README's table)."""
    if record := os.environ.get("DLCOURSE_BACKEND_TIMES"):
        import json

        row = {"notebook": rel(notebook), "backend": backend, "seconds": round(seconds, 1)}
        row.update({key: round(value, 1) for key, value in extra.items()})
        with open(record, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def cell_seconds(cell) -> float:
    """How long a cell took to execute, from the timestamps nbclient records (0 when it did not run)."""
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    try:
        started, done = timing["iopub.execute_input"], timing["shell.execute_reply"]
    except KeyError:
        return 0.0
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(done) - parse(started)).total_seconds()


def table_module(topic: Path) -> str:
    return "wrong_submissions." + topic.name.replace("-", "_")


def wrong_table(topic: Path) -> dict[tuple[str, str], list[Wrong]]:
    """The topic's WRONG table, every value as a list of Wrong ({} when the topic has no module yet)."""
    name = table_module(topic)
    if importlib.util.find_spec(name) is None:
        return {}
    table = {}
    for key, entry in importlib.import_module(name).WRONG.items():
        entries = list(entry) if isinstance(entry, (list, tuple)) else [entry]
        assert entries and all(isinstance(e, Wrong) for e in entries), f"{name}.WRONG[{key!r}] is not a Wrong(...) or a list of them"
        table[key] = entries
    return table


def hidden_parts(source: str) -> tuple[str, str] | None:
    """(visible part, hidden part) of a check cell's source, or None when it has no hidden tests."""
    d = delimiters()
    lines = source.splitlines()
    begin = [i for i, line in enumerate(lines) if d["begin_hidden"] in line]
    if not begin:
        return None
    end = [i for i, line in enumerate(lines) if d["end_hidden"] in line and i > begin[0]]
    stop = end[0] if end else len(lines)
    return "\n".join(lines[: begin[0]]), "\n".join(lines[begin[0] + 1 : stop])


def hidden_checks(notebook: Path) -> dict[str, tuple[int, int | None]]:
    """grade_id -> (index of the check cell, index of its solution cell or None) for checks with hidden tests."""
    nb = nbformat.read(notebook, as_version=4)
    found: dict[str, tuple[int, int | None]] = {}
    solution = None
    for mc in marked_cells(nb):
        if mc.meta.get("solution"):
            solution = mc.index
        elif mc.is_test and hidden_parts(source_of(mc.cell)) is not None:
            found[mc.grade_id] = (mc.index, solution)
    return found


NOTEBOOKS = sorted(p for t in TOPICS for p in (t / "solutions").glob("*.ipynb"))


def test_every_hidden_test_has_a_wrong_submission():
    assert TOPICS, "no topic folders found"
    missing, stale = [], []
    for topic in TOPICS:
        table = wrong_table(topic)
        wanted = {(nb.name, gid) for nb in sorted((topic / "solutions").glob("*.ipynb")) for gid in hidden_checks(nb)}
        missing += [f"{rel(topic)}/solutions/{nb} {gid}" for nb, gid in sorted(wanted - set(table))]
        stale += [f"{table_module(topic)}: {key}" for key in sorted(set(table) - wanted)]
    if missing:
        pytest.fail(f"{len(missing)} check cells with hidden tests have no wrong submission in "
                    "tests/wrong_submissions/ (add a Wrong(...) that passes the visible part and fails the hidden "
                    "one):\n  " + "\n  ".join(missing), pytrace=False)
    if stale:
        pytest.fail("entries that name no check cell with hidden tests:\n  " + "\n  ".join(stale), pytrace=False)


# ------------------------------------------------------------------------------------------------------------
# Running a notebook with the wrong submissions spliced in
# ------------------------------------------------------------------------------------------------------------
SNAPSHOT = """
import os as _h_os, shutil as _h_shutil, tempfile as _h_tempfile
_h_snapshot = _h_tempfile.mkdtemp(prefix="hidden-tests-snapshot-")
_h_shutil.copytree(".", _h_snapshot, dirs_exist_ok=True)
"""
RESTORE = """
for _h_dir, _h_subdirs, _h_files in _h_os.walk(".", topdown=False):
    for _h_name in _h_files:
        _h_path = _h_os.path.join(_h_dir, _h_name)
        if not _h_os.path.exists(_h_os.path.join(_h_snapshot, _h_path)):
            _h_os.remove(_h_path)
_h_shutil.copytree(_h_snapshot, ".", dirs_exist_ok=True)
_h_shutil.rmtree(_h_snapshot)
"""


def entry_key(gid: str, number: int) -> str:
    return f"{gid}#{number}"


def harness_cell(source: str, role: str, key: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[HARNESS] = {"role": role, "key": key}
    return cell


def spliced(nb: nbformat.NotebookNode, table: dict, notebook: Path) -> nbformat.NotebookNode:
    """The notebook with, after every check cell that has an entry, the cells that try the wrong submission."""
    checks = hidden_checks(notebook)
    cells = []
    for index, cell in enumerate(nb.cells):
        cells.append(cell)
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        entries = table.get((notebook.name, gid))
        if entries is None or checks.get(gid, (None,))[0] != index:
            continue
        _, solution_index = checks[gid]
        visible, hidden = hidden_parts(source_of(cell))
        solution = source_of(nb.cells[solution_index]) if solution_index is not None else None
        for number, entry in enumerate(entries):
            key = entry_key(gid, number)
            cells += [
                harness_cell(SNAPSHOT, "snapshot", key),
                harness_cell(entry.setup or "pass", "setup", key),
                harness_cell(entry.source, "wrong", key),
                harness_cell(visible or "pass", "visible", key),
                harness_cell(hidden or "pass", "hidden", key),
                harness_cell(RESTORE, "restore", key),
                harness_cell(solution if solution is not None else "raise RuntimeError('no solution cell')",
                             "solution", key),
            ]
        # Once, after the last entry: the check cell's own variables (a test accuracy, a model ...) were last set by
        # a wrong submission, and the correct solution must still pass it. Between entries the solution's re-run
        # is enough, since each entry's visible part sets them again.
        cells.append(harness_cell(source_of(cell), "check", entry_key(gid, len(entries) - 1)))
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = cells
    return out


def error_of(cell) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "?"), output.get("evalue", "")
    return None


def short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verdicts(executed: nbformat.NotebookNode, table: dict, notebook: Path) -> list[str]:
    """One line per problem: a failing entry (with its why) or an error in one of the notebook's own cells."""
    problems: list[str] = []
    by_role: dict[tuple[str, str], tuple[str, str] | None] = {}
    for index, cell in enumerate(executed.cells):
        mark = cell.metadata.get(HARNESS)
        if mark:
            by_role[(mark["key"], mark["role"])] = error_of(cell)
        elif cell.cell_type == "code" and (err := error_of(cell)):
            problems.append(f"the notebook's own cell {index} ({source_of(cell).splitlines()[0][:60]!r}) raised "
                            f"{err[0]}: {short(err[1])}")
    for (name, gid), entries in sorted(table.items()):
        if name != notebook.name:
            continue
        for number, entry in enumerate(entries):
            problems += entry_verdicts(by_role, name, gid, entry_key(gid, number), entry)
    return problems


def entry_verdicts(by_role: dict, name: str, gid: str, key: str, entry: Wrong) -> list[str]:
    """What went wrong with one wrong submission (nothing when the hidden tests caught it as they should)."""
    problems: list[str] = []
    where = f"{name} {gid} (wrong: {entry.why})"
    setup_err = by_role.get((key, "setup")) or by_role.get((key, "snapshot"))
    wrong_err = by_role.get((key, "wrong"))
    visible_err, hidden_err = by_role.get((key, "visible")), by_role.get((key, "hidden"))
    if (key, "hidden") not in by_role:
        return [f"{where}: never ran (the notebook stopped before it?)"]
    if setup_err or wrong_err:
        problems.append(f"{where}: the setup or the wrong source itself raised {(setup_err or wrong_err)[0]}: "
                        f"{short((setup_err or wrong_err)[1])}")
    elif visible_err:
        problems.append(f"{where}: the visible part should pass but raised {visible_err[0]}: {short(visible_err[1])}")
    elif hidden_err is None:
        problems.append(f"{where}: the hidden tests passed it (they should catch it)")
    elif hidden_err[0] != "HiddenCaseFailed":
        problems.append(f"{where}: the hidden part raised {hidden_err[0]}, not HiddenCaseFailed "
                        f"(put every hidden assertion inside `with hidden_case(...)`): {short(hidden_err[1])}")
    for role in ("restore", "solution", "check"):
        if err := by_role.get((key, role)):
            problems.append(f"{name} {gid}: re-running the correct {role} afterwards raised {err[0]}: {short(err[1])}")
    return problems

@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=rel)
def test_wrong_submissions_pass_visible_and_fail_hidden(notebook, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    table = wrong_table(notebook.parents[1])
    work = tmp_path / notebook.parents[1].name / notebook.parent.name
    shutil.copytree(notebook.parent, work, ignore=shutil.ignore_patterns(*ARTIFACTS))
    monkeypatch.setenv("DLCOURSE_QUICK", "1")  # the kernel inherits the environment (and DLCOURSE_DATA etc.)
    monkeypatch.setenv("KERAS_BACKEND", BACKEND)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    nb = spliced(nbformat.read(notebook, as_version=4), table, notebook)
    client = NotebookClient(nb, timeout=TIMEOUT, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    executed = client.execute()
    seconds = time.perf_counter() - start
    # The plain run's time, comparable with the other backends': the whole run minus the cells spliced in here
    spliced_in = sum(cell_seconds(cell) for cell in executed.cells if HARNESS in cell.metadata)
    record_time(notebook, BACKEND, seconds - spliced_in, with_wrong_submissions=seconds)
    problems = verdicts(executed, table, notebook)
    if problems:
        pytest.fail(f"{rel(notebook)}: {len(problems)} problems:\n  " + "\n  ".join(problems), pytrace=False)


def test_verdicts_tell_caught_from_uncaught_submissions(tmp_path):
    """The judging logic on a hand-made executed notebook: no kernel needed."""
    def check(hidden):
        cell = nbformat.v4.new_code_cell(f"check_value('x', 1, 1)\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": hidden.split()[-1], "points": 1, "solution": False}
        return cell

    solution = nbformat.v4.new_code_cell("def f(): return 1")
    solution.metadata["nbgrader"] = {"grade": False, "grade_id": "ex1_1_solution", "solution": True}
    nb = nbformat.v4.new_notebook()
    nb.cells = [solution, check("# a"), check("# b"), check("# c"), check("# d")]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert hidden_parts(source_of(nb.cells[1])) == ("check_value('x', 1, 1)", "# a")
    table = {("01_x.ipynb", gid): [Wrong("def f(): return 2", why=f"wrong {gid}")] for gid in "abcd"}
    executed = spliced(nb, table, path)
    roles = [c.metadata[HARNESS]["role"] for c in executed.cells if HARNESS in c.metadata]
    assert roles[:8] == ["snapshot", "setup", "wrong", "visible", "hidden", "restore", "solution", "check"]
    assert len(roles) == 4 * 8
    # two entries for one check cell: the whole check re-runs once, after the second
    twice = [c.metadata[HARNESS] for c in spliced(nb, {("01_x.ipynb", "a"): [Wrong("def f(): return 2", why="2"),
                                                                           Wrong("def f(): return 3", why="3")]},
                                                  path).cells if HARNESS in c.metadata]
    assert [m["role"] for m in twice] == roles[:7] + roles[:8]
    assert twice[-1]["key"] == entry_key("a", 1)

    def error(ename):
        return [nbformat.v4.new_output("error", ename=ename, evalue="boom", traceback=[])]

    outcome = {"a": ("hidden", "HiddenCaseFailed"), "b": ("hidden", None), "c": ("visible", "CheckFailed"),
               "d": ("hidden", "CheckFailed")}
    for cell in executed.cells:
        mark = cell.metadata.get(HARNESS)
        case = mark and outcome[mark["key"].split("#")[0]]
        if mark and mark["role"] == case[0] and case[1]:
            cell.outputs = error(case[1])
    found = verdicts(executed, table, path)
    assert len(found) == 3 and not any("wrong a" in line for line in found)
    assert any("wrong b" in line and "hidden tests passed it" in line for line in found)
    assert any("wrong c" in line and "visible part should pass" in line for line in found)
    assert any("wrong d" in line and "not HiddenCaseFailed" in line for line in found)
    executed.cells[0].outputs = error("NameError")
    assert any("own cell 0" in line for line in verdicts(executed, table, path))


def test_run_times_are_recorded_with_the_spliced_cells_taken_out(tmp_path, monkeypatch):
    """The README's quick-mode table: a TensorFlow run's plain time is its total minus the cells spliced in."""
    import json

    cell = nbformat.v4.new_code_cell("pass")
    assert cell_seconds(cell) == 0.0  # never ran
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-04T03:00:01.250Z",
                                  "shell.execute_reply": "2026-12-04T03:00:03.750Z"}
    assert cell_seconds(cell) == 2.5
    record = tmp_path / "times.jsonl"
    monkeypatch.setenv("DLCOURSE_BACKEND_TIMES", str(record))
    notebook = NOTEBOOKS[0]
    record_time(notebook, "tensorflow", 10.04, with_wrong_submissions=12.96)
    record_time(notebook, "jax", 7.0)
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    name = rel(notebook)
    assert rows == [{"notebook": name, "backend": "tensorflow", "seconds": 10.0, "with_wrong_submissions": 13.0},
                    {"notebook": name, "backend": "jax", "seconds": 7.0}]

    # ... and scripts/backend_times.py turns the file into the README's table (a notebook missing a backend is named)
    spec = importlib.util.spec_from_file_location("backend_times", ROOT / "scripts" / "backend_times.py")
    backend_times = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend_times)
    record_time(notebook, "torch", 5.0)
    record_time(NOTEBOOKS[1], "jax", 3.0)
    text = backend_times.table(backend_times.read(record))
    topic, _, stem = name.partition("/solutions/")
    assert f"| {topic} {Path(stem).stem} | 10 s | 7 s | 5 s | 13 s |" in text
    assert "| **all 1** | 0.2 min | 0.1 min | 0.1 min | 0.2 min |" in text
    assert "PyTorch for 1 (0.1 minutes), TensorFlow for 0" in text
    assert text.endswith("Left out (not run on every backend): " + rel(NOTEBOOKS[1]))

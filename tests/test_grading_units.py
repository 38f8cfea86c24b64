"""Fast checks of the grading pieces (no kernels): submissions, repairs, tampering, feedback, sandbox set-up."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading import feedback, sandbox, submissions
from dlcourse.grading.worker import task_status
from dlcourse.nbgrader.markup import graded_cells

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "assignments" / "Sample-Assignment"


@pytest.fixture
def release():
    return nbformat.read(SAMPLE / "exercises" / "sample.ipynb", as_version=4)


@pytest.fixture
def source():
    return nbformat.read(SAMPLE / "solutions" / "sample.ipynb", as_version=4)


def gids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells if c.metadata.get("nbgrader")]


def test_discover_and_locate(tmp_path):
    (tmp_path / "alice.ipynb").write_text("{}")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "sub").mkdir()
    (tmp_path / "bob" / "sub" / "sample.ipynb").write_text("{}")
    (tmp_path / "bob" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "bob" / ".ipynb_checkpoints" / "sample-checkpoint.ipynb").write_text("{}")
    (tmp_path / "carol d'Arc").mkdir()
    (tmp_path / "README.txt").write_text("instructions")
    (tmp_path / ".DS_Store").write_text("")
    subs, skipped = submissions.discover(tmp_path)
    assert [s.student for s in subs] == ["alice", "bob", "carol_d_Arc"]
    assert any("README.txt" in line for line in skipped)
    assert "unsafe characters" in subs[2].notes[0]
    found, notes = submissions.locate(subs[1], ["sample.ipynb"])
    assert found["sample.ipynb"] == tmp_path / "bob" / "sub" / "sample.ipynb"
    found, notes = submissions.locate(subs[2], ["sample.ipynb"])
    assert found == {"sample.ipynb": None}
    assert subs[0].fingerprint() != subs[1].fingerprint()


@pytest.mark.parametrize("text, status", [
    ("{not json", "invalid_json"),
    ("\xff\xfe", "invalid_json"),
    ('{"a": 1}', "not_a_notebook"),
    ('[1, 2]', "not_a_notebook"),
    ('{"cells": "no", "nbformat": 4}', "not_a_notebook"),
])
def test_unreadable_notebooks_are_reported(tmp_path, release, text, status):
    path = tmp_path / "x.ipynb"
    path.write_text(text, encoding="latin-1")
    checked = submissions.check_notebook(path, "sample.ipynb", release)
    assert checked.status == status and checked.nb is None
    assert "0 points" in checked.notes[0]


def test_invalid_but_recognisable_notebook_is_rebuilt(tmp_path, release, source):
    data = json.loads(nbformat.writes(source))
    data["cells"][1]["outputs"] = "garbage"
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(data))
    checked = submissions.check_notebook(path, "sample.ipynb", release, source)
    assert checked.status == "ok"
    assert "rebuilt" in " ".join(checked.notes)
    assert gids(checked.nb) == gids(release)


def test_repair_deleted_duplicated_edited_unknown(release, source):
    nb = copy.deepcopy(source)
    cells = nb.cells
    test = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_2_check")
    del cells[test]
    cells.insert(3, copy.deepcopy(cells[3]))  # duplicate the answer cell of 1.1 (same cell id too)
    check = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_3_check")
    check.source = "pass"
    extra = nbformat.v4.new_code_cell("x = 1")
    extra.metadata["nbgrader"] = {"grade_id": "mine", "grade": True, "points": 100}
    cells.append(extra)
    notes = " | ".join(submissions.repair(nb, release, source))
    assert "test cell ex1_2_check was deleted" in notes
    assert "answer cell ex1_1_solution is duplicated" in notes
    assert "test cell ex1_3_check was edited" in notes
    assert "'mine', which is not in the assignment" in notes
    assert gids(nb) == gids(release)
    nbformat.validate(nb)
    restored = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_3_check")
    assert restored.source == next(c.source for c in release.cells
                                   if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_3_check")


def test_the_untouched_exercise_needs_no_repair(release, source):
    assert submissions.repair(copy.deepcopy(release), release, source) == []
    assert submissions.repair(copy.deepcopy(source), release, source) == []


@pytest.mark.parametrize("code, expected", [
    ("checks.check_function = lambda *a, **k: None", "monkey-patching"),
    ("import dlcourse\nsetattr(dlcourse.checks, 'check_value', print)", "monkey-patching"),
    ("get_ipython().input_transformers_cleanup.append(lambda lines: [])", "IPython"),
    ("print(open('sample.ipynb').read())", "notebook or grading files"),
    ("import builtins\nbuiltins.AssertionError = Exception", "builtins"),
    ("import sys\nprint(sys._getframe(1).f_code)", "calling code"),
])
def test_tampering_is_flagged(release, code, expected):
    nb = copy.deepcopy(release)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    assert expected in " ".join(submissions.tampering(nb, release))


def test_ordinary_code_is_not_flagged(release, source):
    nb = copy.deepcopy(source)
    nb.cells.append(nbformat.v4.new_code_cell("hidden_units = 64\nresult = checks_done == 3  # checks.x = 1"))
    assert submissions.tampering(nb, release) == []


def test_feedback_hides_hidden_output_and_failures(source):
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_2_check")
    regions = feedback.hidden_regions(cell)
    code = feedback.instrument(cell.source)
    assert len(code.splitlines()) == len(cell.source.splitlines())
    assert feedback.BEGIN_MARK.strip() in code and feedback.END_MARK.strip() in code
    visible = nbformat.v4.new_output("stream", name="stdout", text="✓ visible\n" + feedback.BEGIN_MARK + "✓ secret\n")
    error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="secret case [0, 0, 3]", traceback=["x"])
    out = feedback.without_hidden_output([visible, error], regions, 5)
    text = json.dumps(out, ensure_ascii=False)
    assert "secret" not in text and "✓ visible" in text and "HiddenTestFailed" in text
    # an error in the visible part keeps its traceback, minus the hidden lines shown around it
    frame = "Cell In[5], line 1\n----> 1 visible()\n      2 ### BEGIN HIDDEN TESTS\n      3 secret()\n"
    error = nbformat.v4.new_output("error", ename="NameError", evalue="visible", traceback=[frame])
    [kept] = feedback.without_hidden_output([error], regions, 5)
    assert kept["ename"] == "NameError" and "secret" not in kept["traceback"][0] and "visible()" in kept["traceback"][0]


def test_task_status_from_outputs(source):
    cell = graded_cells(source)[0].cell
    cell.outputs = []
    assert task_status(cell) == ("passed", "")
    cell.outputs = [nbformat.v4.new_output("error", ename="KernelDied", evalue="the kernel was killed: it exceeded "
                                           "the memory limit (limit 1.0 GiB)", traceback=[])]
    assert task_status(cell)[0] == "memory"
    cell.outputs = [nbformat.v4.new_output("error", ename="NotExecuted", evalue="not executed", traceback=[])]
    assert task_status(cell)[0] == "not_run"


def test_sizes():
    assert sandbox.parse_size("2G") == 2 * 2**30
    assert sandbox.parse_size("512MiB") == 512 * 2**20
    assert sandbox.parse_size("1.5g") == int(1.5 * 2**30)
    assert sandbox.format_size(3 * 2**30) == "3.0 GiB"


def test_bwrap_command_exposes_only_what_the_kernel_needs(tmp_path):
    spec = sandbox.Spec(mode="bwrap", home=str(tmp_path / "home"), workdir="A", runtime=str(tmp_path / "rt"),
                        status_file=str(tmp_path / "s"), read_only=[str(tmp_path)])
    cmd = sandbox.bwrap_command(spec, ["python"])
    assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--unshare-user" in cmd and "--clearenv" in cmd
    binds = {cmd[i + 2] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")}
    writable = {cmd[i + 2] for i, a in enumerate(cmd) if a == "--bind"}
    assert writable == {sandbox.SANDBOX_HOME, sandbox.SANDBOX_RUNTIME}
    assert "/" not in binds and "/etc" not in binds and "/home" not in binds and "/root" not in binds
    assert str(ROOT) not in binds and str(ROOT / "tests") not in binds

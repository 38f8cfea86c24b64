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


def test_the_given_colab_cell_is_not_flagged_but_an_edited_one_is(release):
    from dlcourse import colab

    nb = copy.deepcopy(release)
    colab.add_to_exercise(nb, "Sample-Assignment/exercises/sample.ipynb")  # looks at sys.modules, as given
    assert submissions.tampering(nb, release) == []
    nb.cells[1].source += "\nsys.modules['dlcourse.checks'] = None"
    assert "sys.modules" in " ".join(submissions.tampering(nb, release))


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


def test_bwrap_mounts_the_fresh_file_systems_before_the_binds(tmp_path):
    """bwrap mounts in order: a /tmp tmpfs after the binds would hide an environment or a course under /tmp."""
    spec = sandbox.Spec(mode="bwrap", home=str(tmp_path / "home"), workdir="A", runtime=str(tmp_path / "rt"),
                        status_file=str(tmp_path / "s"), read_only=[str(tmp_path)])
    cmd = sandbox.bwrap_command(spec, ["python"])
    fresh = max(i for i, a in enumerate(cmd) if a in ("--tmpfs", "--proc", "--dev"))
    binds = [i for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind", "--symlink")]
    assert binds and fresh < min(binds)
    assert [cmd[i + 2] for i in binds if cmd[i + 2] == str(tmp_path)] == [str(tmp_path)]


def test_mounts_make_real_and_symlinked_paths_work(tmp_path):
    real = tmp_path / "real"
    (real / "env" / "lib").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    env = tmp_path / "link" / "env"
    pairs = sandbox.mounts([str(env), str(env / "lib"), str(real / "env")])
    assert pairs == [(str(real / "env"), str(env)), (str(real / "env"), str(real / "env"))]


def test_auto_isolation_refuses_without_a_sandbox(monkeypatch, tmp_path, capsys):
    """No working bubblewrap: `auto` refuses to grade, with the probe's reason and the two ways out."""
    from dlcourse.cli import main

    monkeypatch.setattr(sandbox, "probe_bwrap", lambda: "bwrap is not installed")
    for requested in ("auto", "bwrap"):
        with pytest.raises(RuntimeError) as error:
            sandbox.choose_mode(requested)
        assert "bwrap is not installed" in str(error.value)
        assert "install-system-deps.sh" in str(error.value) and "--isolation none" in str(error.value)
    assert sandbox.choose_mode("none")[0] == "none"
    (tmp_path / "subs").mkdir()
    code = main(["grade", str(SAMPLE), str(tmp_path / "subs"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "refusing to grade without isolation" in err and "bwrap is not installed" in err
    assert "--isolation none" in err
    assert not (tmp_path / "out" / "grades.csv").exists()


def executed_check(source, grade_id, outputs):
    """The solution notebook as if autograded, with ``outputs`` in the test cell ``grade_id``."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.outputs, cell.execution_count = outputs, 7
    return nb


@pytest.mark.parametrize("evalue, shown", [
    (feedback.HIDDEN_CASE_PREFIX + "a 2-D input (a matrix, not a vector)", True),
    (feedback.HIDDEN_CASE_PREFIX + "<b onmouseover=alert(1)>[[-3.5, 4.0], [0.5, -0.1]]</b>", False),
    (feedback.HIDDEN_CASE_PREFIX + "a 2-D input", False),  # not what the author wrote
])
def test_hidden_case_feedback_names_only_what_the_author_wrote(tmp_path, source, evalue, shown):
    from dlcourse.grading.worker import render_feedback

    sentence = "Exercise 1.1: " + feedback.HIDDEN_CASE_PREFIX + "a 2-D input (a matrix, not a vector)"
    outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ visible\n" + feedback.BEGIN_MARK),
               nbformat.v4.new_output("error", ename="HiddenCaseFailed", evalue=evalue,
                                      traceback=[f"HiddenCaseFailed: {evalue}"])]
    nb = executed_check(source, "ex1_1_check", outputs)
    path = tmp_path / "sample.ipynb"
    nbformat.write(nb, path)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_1_check")
    titles = feedback.exercise_titles(nb)
    status, detail = task_status(cell, titles[nb.cells.index(cell)])
    assert status == "failed"
    rows = [{"notebook": "sample.ipynb", "task": "ex1_1_check", "points": 0.0, "max_points": 1.0}]
    page = render_feedback(path, rows)
    assert "np.array([[-3.5" not in page and "[[-3.5, 4.0]" not in page and "hidden_case(" not in page
    assert "<b onmouseover" not in page and "&lt;b onmouseover" not in page
    assert "✓ visible" in page
    if shown:
        assert detail == sentence and sentence in page
    else:
        assert detail != sentence and "a 2-D input" not in page and "HiddenTestFailed" in page


def test_exercise_titles_follow_the_headings(source):
    titles = feedback.exercise_titles(source)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): titles.get(i) for i, c in enumerate(source.cells)}
    assert by_id["ex1_1_check"] == "Exercise 1.1" and by_id["ex1_3_check"] == "Exercise 1.3"
    assert feedback.authored_cases(next(c for c in source.cells if c.metadata.get("nbgrader", {}).get(
        "grade_id") == "ex1_2_check")) == {"three samples, errors of both signs",
                                           "the type of the result (a Python float)"}


def test_gradebook_schema_head_read_from_the_scripts_is_alembics():
    """The batch creates gradebooks without running `alembic heads`: its reading must give alembic's answer."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    from dlcourse.grading import batch

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    assert [batch.alembic_head()] == ScriptDirectory.from_config(config).get_heads()

"""Single source: exercises are generated from the solutions, exactly, and nothing secret reaches students.

Covers every topic folder of the repository (whatever notebooks are added later) and the sample assignment.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from dlcourse import release
from dlcourse.nbgrader.markup import cells_with_outputs, contains_markers, delimiters, problems

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "assignments" / "Sample-Assignment"
TOPICS = release.topic_dirs(ROOT) + release.topic_dirs(ROOT / "tests" / "assignments")
SOLUTIONS = sorted(p for t in TOPICS for p in (t / "solutions").glob("*.ipynb"))
EXERCISES = sorted(p for t in TOPICS for p in (t / "exercises").glob("*.ipynb"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def releases():
    """What `dlcourse release` generates for every topic (one nbgrader run for all)."""
    return {r.topic: r for r in release.generate(TOPICS)}


@pytest.mark.parametrize("topic", TOPICS, ids=rel)
def test_committed_exercises_are_exactly_what_release_generates(releases, topic):
    drift = release.differences(releases[topic])
    assert not drift, (f"{rel(topic)}/exercises differs from what `dlcourse release {topic.name}` generates "
                       f"(run it and commit the result): {drift}")


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=rel)
def test_solution_markup(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert problems(nb, solution=True) == []
    assert cells_with_outputs(nb) == [], "solution notebooks are committed without outputs"


@pytest.mark.parametrize("notebook", EXERCISES, ids=rel)
def test_exercise_has_no_outputs_solutions_or_hidden_tests(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert problems(nb, solution=False) == []


def test_release_is_deterministic():
    first, second = release.generate([SAMPLE]), release.generate([SAMPLE])
    assert first[0].files == second[0].files
    nb = nbformat.reads(first[0].files["sample.ipynb"].decode(), as_version=4)
    assert not contains_markers(json.dumps(nb))
    assert "raise NotImplementedError()" in json.dumps(nb)
    locked = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("locked")]
    assert locked and all(c.metadata.get("editable") is False for c in locked)


def bad_notebook():
    nb = nbformat.read(SAMPLE / "solutions" / "sample.ipynb", as_version=4)
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    checks[1].metadata["nbgrader"]["grade_id"] = checks[0].metadata["nbgrader"]["grade_id"]
    del checks[2].metadata["nbgrader"]["points"]
    return nb


def test_markup_problems_are_found():
    found = "\n".join(problems(bad_notebook(), solution=True))
    assert "grade_id 'ex1_1_check' is used by 2 cells" in found
    assert "graded cell without points" in found
    exercise = nbformat.read(SAMPLE / "exercises" / "sample.ipynb", as_version=4)
    exercise.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    assert "cell 1: committed outputs" in problems(exercise, solution=False)


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    release.register(parser.add_subparsers())
    args = parser.parse_args(["release", *argv])
    return args.func(args)


@pytest.fixture
def course(tmp_path):
    """A throw-away course with the sample assignment as its only topic."""
    root = tmp_path / "course"
    (root / "dlcourse").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    shutil.copytree(SAMPLE, root / "Sample-Assignment")
    return root


def test_release_refuses_bad_markup(course):
    nbformat.write(bad_notebook(), course / "Sample-Assignment" / "solutions" / "sample.ipynb")
    with pytest.raises(release.ReleaseError, match="used by 2 cells"):
        release.generate([course / "Sample-Assignment"])
    assert run_cli("--root", str(course)) == 1


def test_check_reports_drift_and_release_fixes_it(course, capsys):
    exercises = course / "Sample-Assignment" / "exercises"
    assert run_cli("--root", str(course), "--check") == 1  # a course topic now: its exercises lack the Colab cell
    assert "sample.ipynb: differs" in capsys.readouterr().out
    assert run_cli("--root", str(course)) == 0
    assert run_cli("--root", str(course), "--check") == 0
    nb = nbformat.read(exercises / "sample.ipynb", as_version=4)
    nb.cells[1].source += "\n# edited by hand"
    nbformat.write(nb, exercises / "sample.ipynb")
    (exercises / "old.ipynb").write_text("{}")
    assert run_cli("--root", str(course), "--check") == 1
    out = capsys.readouterr().out
    assert "sample.ipynb: differs" in out and "old.ipynb: not generated" in out
    assert run_cli("--root", str(course)) == 0
    assert not (exercises / "old.ipynb").exists()
    assert run_cli("--root", str(course), "--check") == 0


def test_student_copy_has_no_solutions_or_hidden_tests(tmp_path):
    dest = tmp_path / "student-copy"
    written = release.student_copy(ROOT, dest)
    assert written
    assert (dest / "dlcourse" / "__init__.py").is_file()
    assert not (dest / "tests").exists()
    for topic in release.topic_dirs(ROOT):
        assert (dest / topic.name / "exercises").is_dir(), topic.name
        if (topic / "README.md").exists():
            assert (dest / topic.name / "README.md").is_file()
    if (ROOT / "coursedata" / "registry.toml").exists():
        assert (dest / "coursedata" / "registry.toml").is_file()
    assert any(p.suffix == ".ipynb" for p in dest.rglob("*"))
    d = delimiters()
    for path in dest.rglob("*"):
        assert path.name != "solutions", path
        if path.is_file() and path.suffix not in release.DOCS:  # docs may explain the markup
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert d["begin_solution"] not in text and d["begin_hidden"] not in text, path
            assert "### BEGIN" not in text, path


def test_student_copy_refuses_a_folder_inside_the_course_or_not_its_own(course, tmp_path):
    with pytest.raises(release.ReleaseError, match="inside the course"):
        release.student_copy(course, course / "copy")
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("years of work")
    with pytest.raises(release.ReleaseError, match="not a student copy"):
        release.student_copy(course, tmp_path / "precious")
    assert (tmp_path / "precious" / "thesis.tex").exists()
    release.student_copy(course, tmp_path / "copy")
    release.student_copy(course, tmp_path / "copy")  # replacing its own copy is fine

"""One convention for every solution notebook of every topic (today's and those still to be written).

- The first cell is Markdown whose first line is ``# <N>. <Title>``, N the notebook number of the file name.
- Exercise N.M is an instructions cell (Markdown, locked, grade false, grade_id ``exN_M_instructions``, first line
  ``## Exercise N.M (P point|points): <short title>``), then a solution cell (grade_id ``exN_M_solution``,
  solution true), then immediately the check cell (grade_id ``exN_M_check``, grade true, locked, points P).
  M runs 1, 2, 3 ... within the notebook; there are no other graded cells.
- Every check cell has hidden tests whose top-level statements are only ``with ...hidden_case("<description>"):``
  blocks, function definitions and imports, so that a failed hidden test tells the student which kind of case
  failed and nothing else.
- The visible part of a check cell never calls the student's code inside the arguments of a ``check_*`` call
  (``check_array("...", f(x))``): the student's code runs inside the check helpers, so that a crash gets the short
  message with the student's line instead of a raw traceback.

Failures name the notebook, the cell and the rule.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from dlcourse import release

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted(p for t in release.topic_dirs(ROOT) for p in (t / "solutions").glob("*.ipynb"))

TITLE = re.compile(r"# (\d+)\. \S")
HEADING = re.compile(r"## Exercise (\d+)\.(\d+) \((\d+) (points?)\): \S")
GRADE_ID = re.compile(r"ex(\d+)_(\d+)_(instructions|solution|check)")
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)


def _code(source: str) -> str:
    """Cell source without IPython magics and shell escapes (which ast cannot parse)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _is_hidden_case(item: ast.withitem) -> bool:
    call = item.context_expr
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return (name == "hidden_case" and len(call.args) == 1 and not call.keywords
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
            and bool(call.args[0].value.strip()))


def hidden_problems(hidden: str) -> list[str]:
    """Rule violations of the hidden part of a check cell (the text between the markers)."""
    try:
        tree = ast.parse(_code(hidden))
    except SyntaxError as exc:
        return [f"hidden tests do not parse: {exc}"]
    problems = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.With) and stmt.items and all(_is_hidden_case(i) for i in stmt.items):
            continue
        problems.append(f"hidden tests, line {stmt.lineno}: top-level statement `{ast.unparse(stmt)[:60]}` is not a "
                        "`with hidden_case(\"<kind of case>\"):` block, a function definition or an import")
    if not any(isinstance(stmt, ast.With) for stmt in tree.body):
        problems.append("hidden tests contain no `with hidden_case(...)` block")
    return problems


def defined_names(solution: str) -> set[str]:
    """Names a solution cell defines at top level (functions, classes, variables)."""
    try:
        tree = ast.parse(_code(solution))
    except SyntaxError:
        return set()
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _walk_eager(node: ast.AST):
    """The nodes evaluated when the expression is evaluated: not the bodies of lambdas (the helper calls those)."""
    if isinstance(node, ast.Lambda):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_eager(child)


def direct_calls(visible: str, student_names: set[str]) -> list[str]:
    """Calls of the student's functions or objects inside the arguments of a check_* call."""
    try:
        tree = ast.parse(_code(visible))
    except SyntaxError as exc:
        return [f"visible checks do not parse: {exc}"]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not name.startswith("check_"):
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for inner in _walk_eager(arg):
                if isinstance(inner, ast.Call) and _root_name(inner.func) in student_names:
                    found.append(f"line {node.lineno}: `{ast.unparse(inner)[:50]}` calls the student's code as an "
                                 f"argument of {name}: pass the function to check_function instead")
    return found


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def notebook_problems(nb, filename: str) -> list[str]:
    """Every violation of the convention in one solution notebook, as 'cell K (grade_id): rule' lines."""
    problems: list[str] = []
    number = int(filename.split("_")[0]) if filename.split("_")[0].isdigit() else None
    if number is None:
        return [f"file name: {filename} does not start with the notebook number (01_..., 02_...)"]
    first = nb.cells[0] if nb.cells else None
    first_line = first.source.splitlines()[0] if first is not None and first.source else ""
    match = TITLE.match(first_line)
    if first is None or first.cell_type != "markdown" or not match or int(match.group(1)) != number:
        problems.append(f"cell 0: the first cell must be Markdown starting with `# {number}. <Title>`; "
                        f"found `{first_line[:60]}`")

    exercises: dict[int, dict[str, int]] = {}
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if not meta:
            if cell.cell_type == "markdown" and re.match(r"#+ *Exercise", cell.source):
                problems.append(f"cell {index}: an exercise heading in a cell without nbgrader metadata")
            continue
        grade_id = meta.get("grade_id", "")
        where = f"cell {index} ({grade_id or 'no grade_id'})"
        ids = GRADE_ID.fullmatch(grade_id)
        if not ids:
            problems.append(f"{where}: grade_id must be exN_M_instructions, exN_M_solution or exN_M_check")
            continue
        n, m, kind = int(ids.group(1)), int(ids.group(2)), ids.group(3)
        if n != number:
            problems.append(f"{where}: grade_id names notebook {n}, but this is notebook {number}")
        if kind in exercises.setdefault(m, {}):
            problems.append(f"{where}: a second {kind} cell for exercise {number}.{m}")
        exercises[m][kind] = index
        if meta.get("task"):
            problems.append(f"{where}: task cells are not used; an exercise is instructions, solution and check")
        expected = {"instructions": dict(grade=False, solution=False, locked=True),
                    "solution": dict(grade=False, solution=True),
                    "check": dict(grade=True, solution=False, locked=True)}[kind]
        for key, want in expected.items():
            if bool(meta.get(key)) != want:
                problems.append(f"{where}: nbgrader {key} must be {want}")
        wanted_type = "markdown" if kind == "instructions" else "code"
        if cell.cell_type != wanted_type:
            problems.append(f"{where}: a {kind} cell must be a {wanted_type} cell")

    if sorted(exercises) != list(range(1, len(exercises) + 1)):
        problems.append(f"exercise numbers must run 1, 2, 3 ...; found {sorted(exercises)}")
    for m, kinds in sorted(exercises.items()):
        label = f"exercise {number}.{m}"
        missing = [k for k in ("instructions", "solution", "check") if k not in kinds]
        if missing:
            problems.append(f"{label}: no {' and no '.join(missing)} cell (every exercise has all three)")
            continue
        ins, sol, chk = kinds["instructions"], kinds["solution"], kinds["check"]
        if not ins < sol:
            problems.append(f"cell {ins} (ex{number}_{m}_instructions): the instructions must come before the solution")
        if chk != sol + 1:
            problems.append(f"cell {chk} (ex{number}_{m}_check): the check must come immediately after the solution "
                            f"(cell {sol})")
        heading = nb.cells[ins].source.splitlines()[0] if nb.cells[ins].source else ""
        h = HEADING.match(heading)
        points = _meta(nb.cells[chk]).get("points")
        if not h:
            problems.append(f"cell {ins} (ex{number}_{m}_instructions): the first line must be "
                            f"`## Exercise {number}.{m} (P point|points): <short title>`; found `{heading[:60]}`")
        else:
            hn, hm, hp, word = int(h.group(1)), int(h.group(2)), int(h.group(3)), h.group(4)
            if (hn, hm) != (number, m):
                problems.append(f"cell {ins} (ex{number}_{m}_instructions): heading says Exercise {hn}.{hm}")
            if (word == "point") != (hp == 1):
                problems.append(f"cell {ins} (ex{number}_{m}_instructions): `{hp} {word}`: 'point' iff 1")
            if points != hp:
                problems.append(f"cell {chk} (ex{number}_{m}_check): points {points} differ from the heading's {hp}")
        check_source = nb.cells[chk].source
        hidden = HIDDEN.search(check_source)
        where = f"cell {chk} (ex{number}_{m}_check)"
        if not hidden:
            problems.append(f"{where}: no hidden tests (### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS)")
            visible = check_source
        else:
            problems.extend(f"{where}: {p}" for p in hidden_problems(hidden.group(1)))
            visible = check_source[: hidden.start()] + check_source[hidden.end():]
        student = defined_names(nb.cells[sol].source)
        problems.extend(f"{where}: {p}" for p in direct_calls(visible, student))
    return problems


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=rel)
def test_notebook_follows_the_convention(notebook):
    problems = notebook_problems(nbformat.read(notebook, as_version=4), notebook.name)
    assert not problems, f"{rel(notebook)} breaks the notebook convention (CONTRIBUTING.md):\n  " + "\n  ".join(problems)


# ----------------------------------------------------------------------------------------------------------------
# The checker itself: a notebook that follows the convention passes, and each kind of violation is reported.
# ----------------------------------------------------------------------------------------------------------------
def _cell(kind, source, grade_id=None, **meta):
    cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "task": False,
                                     "grade": False, "solution": False, "locked": False, **meta}
    return cell


def good_notebook():
    return nbformat.v4.new_notebook(cells=[
        _cell("md", "# 2. A notebook\n\ntext"),
        _cell("md", "## Exercise 2.1 (1 point): a square", "ex2_1_instructions", locked=True),
        _cell("code", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
              "ex2_1_solution", solution=True),
        _cell("code", "check_function(square, [((2,), 4)])\n### BEGIN HIDDEN TESTS\nimport numpy as np\n"
                      "with dlcourse.checks.hidden_case(\"a negative number\"):\n"
                      "    check_function(square, [((-3,), 9)])\n### END HIDDEN TESTS",
              "ex2_1_check", grade=True, locked=True, points=1),
    ])


def test_a_notebook_that_follows_the_convention_passes():
    assert notebook_problems(good_notebook(), "02_a_notebook.ipynb") == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda nb: setattr(nb.cells[0], "source", "# A notebook"), "cell 0: the first cell must be Markdown"),
        (lambda nb: setattr(nb.cells[1], "source", "### Exercise 2.1 (1 point): a square"), "the first line must be"),
        (lambda nb: setattr(nb.cells[1], "source", "## Exercise 2.1 (1 points): a square"), "'point' iff 1"),
        (lambda nb: nb.cells[3].metadata["nbgrader"].update(points=2), "points 2 differ from the heading's 1"),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(grade_id="ex2_1_task"), "grade_id must be"),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(locked=False), "nbgrader locked must be True"),
        (lambda nb: nb.cells.insert(3, _cell("code", "x = 1")), "immediately after the solution"),
        (lambda nb: nb.cells.pop(2), "no solution cell"),
        (lambda nb: [c.metadata["nbgrader"].update(grade_id=c.metadata["nbgrader"]["grade_id"].replace("_1_", "_2_"))
                     for c in nb.cells[1:]], "must run 1, 2, 3"),
        (lambda nb: setattr(nb.cells[3], "source", "check_function(square, [((2,), 4)])"), "no hidden tests"),
        (lambda nb: setattr(nb.cells[3], "source", nb.cells[3].source.replace(
            "import numpy as np", "x = square(5)")), "is not a `with hidden_case"),
        (lambda nb: setattr(nb.cells[3], "source", nb.cells[3].source.replace(
            "hidden_case(\"a negative number\")", "hidden_case(\"\")")), "is not a `with hidden_case"),
        (lambda nb: setattr(nb.cells[3], "source", "check_value('square', square(2), 4)\n" + nb.cells[3].source),
         "calls the student's code as an argument of check_value"),
        (lambda nb: setattr(nb.cells[3], "source", "check_array('s', np.array([square(2)]), [4])\n" + nb.cells[3].source),
         "calls the student's code as an argument of check_array"),
    ],
)
def test_each_violation_is_reported_with_its_cell_and_rule(change, expected):
    nb = good_notebook()
    change(nb)
    found = "\n".join(notebook_problems(nb, "02_a_notebook.ipynb"))
    assert expected in found, found


def test_calls_inside_a_lambda_run_inside_the_helper_and_are_allowed():
    nb = good_notebook()
    nb.cells[3].source = "check_function(lambda: square(2) + 1, [((), 5)])\n" + nb.cells[3].source
    assert notebook_problems(nb, "02_a_notebook.ipynb") == []


def test_the_title_number_must_match_the_file_name():
    assert "`# 3. <Title>`" in "\n".join(notebook_problems(good_notebook(), "03_a_notebook.ipynb"))

"""Reading and checking the nbgrader markup of course notebooks.

A solution notebook marks its exercises with nbgrader cell metadata (``metadata.nbgrader``): answer cells
(``solution: true``) whose code sits between the solution delimiters, and locked test cells (``grade: true`` with
``points``) whose hidden part sits between the hidden-test delimiters. :func:`problems` lists what would make
``dlcourse release`` or ``dlcourse grade`` go wrong, each as one readable sentence.

The delimiters are nbgrader's own settings (read from nbgrader, not repeated here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any


@cache
def delimiters() -> dict[str, str]:
    """nbgrader's delimiters: keys ``begin_solution``, ``end_solution``, ``begin_hidden``, ``end_hidden``."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    return {
        "begin_solution": ClearSolutions.begin_solution_delimeter.default_value,
        "end_solution": ClearSolutions.end_solution_delimeter.default_value,
        "begin_hidden": ClearHiddenTests.begin_test_delimeter.default_value,
        "end_hidden": ClearHiddenTests.end_test_delimeter.default_value,
    }


@dataclass(frozen=True)
class MarkedCell:
    """A cell with nbgrader metadata, at position ``index`` of its notebook."""

    index: int
    cell: Any

    @property
    def meta(self) -> dict:
        return self.cell.get("metadata", {}).get("nbgrader", {})

    @property
    def grade_id(self) -> str | None:
        return self.meta.get("grade_id")

    @property
    def is_test(self) -> bool:
        """A graded code cell that is not an answer cell: its source is the tests."""
        return bool(self.meta.get("grade")) and not self.meta.get("solution") and self.cell.get("cell_type") == "code"

    @property
    def is_graded(self) -> bool:
        return bool(self.meta.get("grade")) or bool(self.meta.get("task"))

    @property
    def points(self) -> float:
        try:
            return float(self.meta.get("points") or 0)
        except (TypeError, ValueError):
            return 0.0


def source_of(cell: Any) -> str:
    """A cell's source as one string (nbformat allows a list of lines on disk)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def marked_cells(nb: Any) -> Iterator[MarkedCell]:
    """The cells of ``nb`` that carry nbgrader metadata, in order."""
    for index, cell in enumerate(nb.get("cells", [])):
        if isinstance(cell, dict) and cell.get("metadata", {}).get("nbgrader"):
            yield MarkedCell(index, cell)


def graded_cells(nb: Any) -> list[MarkedCell]:
    """Cells that earn points (``grade`` or ``task``), in order."""
    return [mc for mc in marked_cells(nb) if mc.is_graded]


def max_points(nb: Any) -> float:
    return sum(mc.points for mc in graded_cells(nb))


def _lines_with(source: str, marker: str) -> list[int]:
    return [i for i, line in enumerate(source.splitlines(), 1) if marker in line]


def hidden_regions(cell: Any) -> list[tuple[int, int]]:
    """1-based line numbers (begin and end delimiter lines, inclusive) of each hidden-test region of a cell."""
    d = delimiters()
    regions, begin = [], None
    lines = source_of(cell).splitlines()
    for number, line in enumerate(lines, 1):
        if begin is None and d["begin_hidden"] in line:
            begin = number
        elif begin is not None and d["end_hidden"] in line:
            regions.append((begin, number))
            begin = None
    if begin is not None:
        regions.append((begin, len(lines)))
    return regions


def contains_markers(text: str) -> list[str]:
    """Which solution/hidden-test delimiters occur in ``text`` (for checking what reaches students)."""
    return [marker for marker in delimiters().values() if marker in text]


def problems(nb: Any, *, solution: bool = True) -> list[str]:
    """Everything wrong with the markup of a notebook, one sentence each (empty list: fine).

    ``solution=True`` checks a source notebook (delimiters expected in answer and test cells);
    ``solution=False`` checks a generated exercise (no delimiters, no outputs allowed).
    """
    d = delimiters()
    found: list[str] = []
    ids = Counter(mc.grade_id for mc in marked_cells(nb) if mc.grade_id)
    for grade_id, count in sorted(ids.items()):
        if count > 1:
            found.append(f"grade_id {grade_id!r} is used by {count} cells; grade ids must be unique")
    for mc in marked_cells(nb):
        where = f"cell {mc.index} ({mc.grade_id or 'no grade_id'})"
        meta, source = mc.meta, source_of(mc.cell)
        if not mc.grade_id:
            found.append(f"{where}: nbgrader metadata without a grade_id")
        if meta.get("schema_version") != 3:
            found.append(f"{where}: schema_version is {meta.get('schema_version')!r}, nbgrader 0.9 wants 3")
        if mc.is_graded:
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
                found.append(f"{where}: graded cell without points (points={points!r})")
        if mc.is_test and not meta.get("locked"):
            found.append(f"{where}: test cell is not locked (students could edit the tests)")
        begin_s, end_s = _lines_with(source, d["begin_solution"]), _lines_with(source, d["end_solution"])
        begin_h, end_h = _lines_with(source, d["begin_hidden"]), _lines_with(source, d["end_hidden"])
        if len(begin_s) != len(end_s):
            found.append(f"{where}: unbalanced solution delimiters ({len(begin_s)} begin, {len(end_s)} end)")
        if len(begin_h) != len(end_h):
            found.append(f"{where}: unbalanced hidden-test delimiters ({len(begin_h)} begin, {len(end_h)} end)")
        if begin_h and not mc.is_test:
            found.append(f"{where}: hidden tests outside a graded test cell would reach students")
        if solution and meta.get("solution") and mc.cell.get("cell_type") == "code" and not begin_s:
            found.append(f"{where}: answer cell without solution delimiters (students would get the solution)")
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("metadata", {}).get("nbgrader"):
            continue
        if contains_markers(source_of(cell)):
            found.append(f"cell {index}: solution/hidden-test delimiters in a cell without nbgrader metadata")
    if not solution:
        for index, cell in enumerate(nb.get("cells", [])):
            if contains_markers(source_of(cell)):
                found.append(f"cell {index}: solution or hidden tests left in an exercise")
        found.extend(f"cell {i}: committed outputs" for i in cells_with_outputs(nb))
    return found


def cells_with_outputs(nb: Any) -> list[int]:
    """Indices of code cells that have outputs or an execution count."""
    return [
        index
        for index, cell in enumerate(nb.get("cells", []))
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]

"""Student feedback: nbgrader's HTML report without the hidden tests, with the grader's report on top.

nbgrader's ``ClearHiddenTests`` removes the hidden tests from the cell source, but tracebacks still show them:
a failing hidden test shows its line and message (which names the hidden case), and any error in a test cell
shows the neighbouring lines. :class:`HideHiddenFailures` removes both.
"""

from __future__ import annotations

import copy
import html
import re
import secrets

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

from dlcourse.nbgrader.markup import hidden_regions, source_of

#: Printed (by :func:`instrument`) where the hidden tests start and end, so their output can be cut out. The
#: token changes with every grading process, so a submission cannot simply print the end marker.
_TOKEN = secrets.token_hex(4)
BEGIN_MARK = f"\u27e6hidden tests {_TOKEN}\u27e7\n"
END_MARK = f"\u27e6end of hidden tests {_TOKEN}\u27e7\n"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In\[(\d*)\], line (\d+)")
_CODE_LINE = re.compile(r"^\s*(?:-*>\s*)?(\d+)\s")


def instrument(source: str) -> str:
    """The test cell's code with the hidden-test delimiter lines turned into prints of the markers (same line
    numbers), so that the output of the hidden tests can be told apart from the visible ones."""
    lines = source.split("\n")
    for begin, end in hidden_regions({"source": source}):
        for number, mark in ((begin, BEGIN_MARK), (end, END_MARK)):
            line = lines[number - 1]
            indent = line[: len(line) - len(line.lstrip())]
            lines[number - 1] = f"{indent}print({mark!r}, end='', flush=True)  # {line.strip()}"
    return "\n".join(lines)


HIDDEN_FAILED = NotebookNode(
    output_type="error", ename="HiddenTestFailed",
    evalue="your code passed the visible checks but not all of the hidden tests",
    traceback=["HiddenTestFailed: your code passed the visible checks but not all of the hidden tests (their "
               "cases are not shown). Test your function on more inputs, including edge cases."],
)
HIDDEN_OUTPUT = "[output of the hidden tests is not shown]\n"

#: What :class:`dlcourse.checks.HiddenCaseFailed` says before the author's description of the case.
HIDDEN_CASE_PREFIX = "your code passed the visible checks but failed a hidden case: "

_HIDDEN_CASE_CALL = re.compile(r"""hidden_case\(\s*[rRuU]?(["'])((?:(?!\1)[^\\\n])+)\1\s*\)""")
_EXERCISE = re.compile(r"^\s*#+\s*(Exercise\s+\d+(?:\.\d+)*)", re.MULTILINE)


def authored_cases(cell) -> set[str]:
    """The descriptions the author wrote in ``hidden_case("...")`` calls inside the cell's hidden regions."""
    lines = source_of(cell).split("\n")
    found = set()
    for begin, end in hidden_regions(cell):
        for match in _HIDDEN_CASE_CALL.finditer("\n".join(lines[begin - 1:end])):
            found.add(match.group(2).strip())
    return found


def exercise_titles(nb) -> dict[int, str]:
    """Cell index -> "Exercise N.M" of the nearest exercise heading above it (markdown cells)."""
    titles, current = {}, None
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            match = _EXERCISE.search(source_of(cell))
            current = re.sub(r"\s+", " ", match.group(1)) if match else current
        if current:
            titles[index] = current
    return titles


def hidden_case_sentence(output, authored: set[str], exercise: str | None) -> str | None:
    """The student-safe sentence for a :class:`~dlcourse.checks.HiddenCaseFailed` error output, or None when the
    output is not one or its description is not one the author wrote in this cell (a submission may raise a
    forged one, e.g. with the hidden inputs in it: those are never shown)."""
    if output.get("output_type") != "error" or output.get("ename") != "HiddenCaseFailed":
        return None
    text = str(output.get("evalue", "")).strip()
    if not text.startswith(HIDDEN_CASE_PREFIX) or text[len(HIDDEN_CASE_PREFIX):] not in authored:
        return None
    return f"{exercise}: {text}" if exercise else text


def hidden_case_output(sentence: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="HiddenCaseFailed", evalue=sentence,
                        traceback=[f"HiddenCaseFailed: {sentence}"])


def without_hidden_output(outputs: list, regions: list[tuple[int, int]], count: int | None,
                          authored: set[str] = frozenset(), exercise: str | None = None) -> list:
    """Outputs of a test cell minus whatever the hidden tests printed, displayed or raised.

    What happened between the markers printed by :func:`instrument` is dropped; an error raised there (or, without
    markers, at a line of a hidden region) becomes :data:`HIDDEN_FAILED`, or, for a hidden case the author
    described (``authored``), the sentence naming the exercise and that description; the hidden lines shown as
    context in other tracebacks are removed.
    """
    kept, hidden = [], False
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text, parts = output.get("text", ""), []
            while text:
                head, found, text = text.partition(END_MARK if hidden else BEGIN_MARK)
                if not hidden:
                    parts.append(head)
                if found:
                    hidden = not hidden
                    if hidden:
                        parts.append(HIDDEN_OUTPUT)
            output["text"] = "".join(parts)
            if output["text"]:
                kept.append(output)
        elif kind == "error":
            line = failing_line(output, count)
            if hidden or (line is not None and _inside(line, regions)):
                sentence = hidden_case_sentence(output, authored, exercise) if hidden else None
                kept.append(hidden_case_output(sentence) if sentence else copy.deepcopy(HIDDEN_FAILED))
            else:
                own = f"Cell In[{count}]" if count is not None else "Cell In["
                output["traceback"] = [drop_lines(frame, regions) if own in _ANSI.sub("", frame) else frame
                                       for frame in output.get("traceback", [])]
                kept.append(output)
        elif not hidden:
            kept.append(output)
    return kept


def hidden_failure(cell, exercise: str | None) -> str | None:
    """The student-safe sentence of the described hidden case that failed in an executed test cell, if any."""
    regions = hidden_regions(cell) if cell.get("cell_type") == "code" else []
    if not regions:
        return None
    outputs = without_hidden_output(copy.deepcopy(cell.get("outputs", [])), regions, cell.get("execution_count"),
                                    authored_cases(cell), exercise)
    for output in outputs:
        if output.get("ename") == "HiddenCaseFailed":
            return output["evalue"]
    return None


def failing_line(output, execution_count=None) -> int | None:
    """The line of the cell itself where an error output was raised (IPython's "Cell In[n], line k")."""
    for frame in output.get("traceback", []):
        match = _CELL_LINE.search(_ANSI.sub("", frame))
        if match and (execution_count is None or match.group(1) == str(execution_count)):
            return int(match.group(2))
    return None


def _inside(line: int, regions: list[tuple[int, int]]) -> bool:
    return any(begin <= line <= end for begin, end in regions)


def drop_lines(frame: str, regions: list[tuple[int, int]]) -> str:
    """Remove the source lines numbered within ``regions`` from one traceback frame of the cell."""
    kept = []
    for line in frame.split("\n"):
        match = _CODE_LINE.match(_ANSI.sub("", line))
        if match and _inside(int(match.group(1)), regions):
            continue
        kept.append(line)
    return "\n".join(kept)


class HideHiddenFailures(Preprocessor):
    """Keep hidden tests out of the tracebacks of test cells.

    An error raised inside the hidden region becomes a sentence without the test; any other error keeps its
    traceback, minus the hidden lines IPython shows as context around the failing line.
    """

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        self._titles = exercise_titles(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        regions = hidden_regions(cell) if cell.get("cell_type") == "code" else []
        if regions:
            cell.outputs = without_hidden_output(cell.get("outputs", []), regions, cell.get("execution_count"),
                                                 authored_cases(cell), getattr(self, "_titles", {}).get(index))
        return cell, resources


def banner(student: str, lines: list[str], points: float, max_points: float) -> str:
    """An HTML block with the grader's summary for one student."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        '<div style="border:2px solid #888;padding:0.8em 1.2em;margin:1em;font-family:sans-serif">'
        f"<h2>Grading report for {html.escape(student)}: {points:g} / {max_points:g} points</h2>"
        f"<ul>{items}</ul></div>"
    )


def with_banner(page: str, block: str) -> str:
    """Insert ``block`` right after ``<body ...>`` of an HTML page."""
    match = re.search(r"<body[^>]*>", page)
    if not match:
        return block + page
    return page[: match.end()] + block + page[match.end():]


def standalone(student: str, block: str, notebooks: dict[str, str]) -> str:
    """A page with the banner and each notebook's feedback embedded (several notebooks, or none)."""
    frames = "".join(
        f"<h3>{html.escape(name)}</h3><iframe style=\"width:100%;height:80vh;border:1px solid #ccc\" "
        f"srcdoc=\"{html.escape(page, quote=True)}\"></iframe>"
        for name, page in notebooks.items()
    )
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Feedback: {html.escape(student)}</title>"
            f"</head><body>{block}{frames}</body></html>\n")

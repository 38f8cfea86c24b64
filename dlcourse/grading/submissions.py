"""Finding, validating and repairing submitted notebooks before nbgrader sees them.

A submissions folder holds one entry per student: ``<student>.ipynb`` or a folder ``<student>/`` with the
notebook(s) anywhere inside (any other files in it, e.g. a trained ``model.keras``, travel with it).

:func:`check_notebook` reads one submitted notebook defensively and compares its graded cells with the released
exercise: cells the student deleted are put back, duplicated grade ids are made ordinary cells, edited read-only
cells (tests, instructions) are replaced by the original, unknown grade ids are dropped. Every repair becomes a
report line. It also scans the student's own code for attempts to tamper with the tests (:data:`TAMPERING`),
which are reported for review, not punished automatically.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse.nbgrader.markup import MarkedCell, marked_cells, source_of

#: Largest notebook read (bytes); bigger ones are reported, not parsed.
MAX_NOTEBOOK_BYTES = 100 * 2**20

#: Entries of a submission folder that are never copied (editor and OS litter).
LITTER = {".ipynb_checkpoints", "__pycache__", ".DS_Store", ".git", ".Trash-0"}

#: Patterns in a student's own code that suggest tampering with the grading, with the report sentence.
TAMPERING = [
    (r"\b(checks|dlcourse)\s*\.\s*[A-Za-z_]\w*(\s*\.\s*[A-Za-z_]\w*)*\s*=(?!=)",
     "assigns to an attribute of dlcourse/checks (monkey-patching the tests)"),
    (r"\bsetattr\s*\(\s*(checks|dlcourse)\b", "setattr on dlcourse/checks (monkey-patching the tests)"),
    (r"^\s*(checks|dlcourse)\s*=(?!=)", "rebinds a name the tests use"),
    (r"\bimport\s+builtins\b|__builtins__|\bsys\s*\.\s*modules\b", "touches builtins or sys.modules"),
    (r"input_transformers|ast_transformers|events\s*\.\s*register|set_custom_exc",
     "hooks into IPython's cell execution"),
    (r"\b(AssertionError|CheckFailed)\s*=(?!=)", "rebinds the exception the tests raise"),
    (r"\.ipynb\b|gradebook|nbgrader|/source/", "refers to notebook or grading files"),
    (r"\bsys\s*\.\s*_getframe|\binspect\s*\.\s*(stack|currentframe|getouterframes|getsource)|\blinecache\b|"
     r"\bIn\s*\[|\b_ih\b|history_manager", "inspects the calling code or cell history (could read the tests)"),
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


def student_id(name: str) -> str:
    """A student id safe for nbgrader and file names (other characters become ``_``)."""
    return _UNSAFE.sub("_", name).strip("._") or "student"


@dataclass
class Submission:
    """One student's entry in the submissions folder."""

    student: str
    path: Path  # a notebook file or a folder
    notes: list[str] = field(default_factory=list)

    def files(self) -> list[Path]:
        """Every file of the submission (a single notebook, or the folder's files without litter). Symbolic
        links are never followed: a link to /etc/passwd must not become part of a submission."""
        if self.path.is_file():
            return [self.path]
        found = []
        for folder, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if d not in LITTER and not os.path.islink(os.path.join(folder, d)))
            found += [Path(folder, n) for n in names
                      if n not in LITTER and not os.path.islink(os.path.join(folder, n))]
        return sorted(found)

    def fingerprint(self) -> str:
        """sha256 over the submission's file names and contents (what decides whether to grade again)."""
        h = hashlib.sha256()
        base = self.path if self.path.is_dir() else self.path.parent
        for p in self.files():
            h.update(p.relative_to(base).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
        return h.hexdigest()


def discover(folder: Path) -> tuple[list[Submission], list[str]]:
    """The submissions in ``folder`` (sorted by student) and report lines about entries that were skipped."""
    subs: dict[str, Submission] = {}
    skipped = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.name in LITTER:
            continue
        if entry.is_symlink():
            skipped.append(f"{entry.name}: a symbolic link; skipped (submissions must be real files)")
            continue
        if entry.is_file() and entry.suffix != ".ipynb":
            skipped.append(f"{entry.name}: not a notebook or a student folder; skipped")
            continue
        name = entry.stem if entry.is_file() else entry.name
        sid = student_id(name)
        sub = Submission(sid, entry)
        if sid != name:
            sub.notes.append(f"student id {name!r} contains unsafe characters; graded as {sid!r}")
        if sid in subs:
            skipped.append(f"{entry.name}: a second submission for student {sid!r}; skipped "
                           f"(graded {subs[sid].path.name})")
            continue
        subs[sid] = sub
    return [subs[k] for k in sorted(subs)], skipped


def locate(sub: Submission, expected: list[str]) -> tuple[dict[str, Path | None], list[str]]:
    """Map each expected notebook name (``name.ipynb``) to the submitted file, with report lines."""
    notes: list[str] = []
    if sub.path.is_file():
        if len(expected) == 1:
            return {expected[0]: sub.path}, notes
        by_name = {name: (sub.path if sub.path.name == name else None) for name in expected}
        notes.append(f"a single notebook was submitted but the assignment has {len(expected)}; "
                     "submit a folder with all of them")
        return by_name, notes
    notebooks = [p for p in sub.files() if p.suffix == ".ipynb"]
    found: dict[str, Path | None] = {}
    for name in expected:
        matches = sorted((p for p in notebooks if p.name == name), key=lambda p: (len(p.parts), str(p)))
        found[name] = matches[0] if matches else None
        if len(matches) > 1:
            notes.append(f"{len(matches)} copies of {name}; graded {matches[0].relative_to(sub.path)}")
    if len(expected) == 1 and found[expected[0]] is None and len(notebooks) == 1:
        found[expected[0]] = notebooks[0]
        notes.append(f"submitted as {notebooks[0].relative_to(sub.path)}; graded as {expected[0]}")
    return found, notes


# --------------------------------------------------------------------------------------------------------------
# One notebook


@dataclass
class Checked:
    """A submitted notebook after validation and repair."""

    name: str
    status: str  # ok | missing | invalid_json | not_a_notebook | too_large
    nb: Any = None  # the repaired NotebookNode (None unless status is ok)
    notes: list[str] = field(default_factory=list)  # what was wrong and what was repaired
    flags: list[str] = field(default_factory=list)  # possible tampering, for review


def _kind(mc: MarkedCell) -> str:
    if mc.is_test:
        return "test cell"
    if mc.meta.get("solution"):
        return "answer cell"
    return "read-only cell" if mc.meta.get("locked") else "graded cell"


def read_notebook_safely(path: Path) -> tuple[Any, str, str]:
    """(notebook, status, message): parse JSON and nbformat without trusting the file."""
    import nbformat

    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return None, "too_large", f"{path.stat().st_size} bytes (limit {MAX_NOTEBOOK_BYTES})"
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, "invalid_json", f"not valid JSON ({str(exc).splitlines()[0][:120]})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or "nbformat" not in data:
        return None, "not_a_notebook", "valid JSON but not a Jupyter notebook (no cells/nbformat)"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
        return nb, "ok", ""
    except Exception as exc:  # noqa: BLE001 - any failure: try to keep the cells
        problem = str(exc).strip().splitlines()[0][:100] if str(exc).strip() else type(exc).__name__
    rebuilt = _rebuild(nbformat.from_dict(data))
    if rebuilt is None:
        return None, "not_a_notebook", f"not a readable notebook ({problem})"
    return rebuilt, "ok", f"the notebook did not validate ({problem}); rebuilt from its cells"


def _rebuild(nb: Any) -> Any:
    """A valid notebook with the same cells (sources, types, nbgrader metadata), or None."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

    makers = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}
    cells = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") not in makers:
            continue
        new = makers[cell["cell_type"]](source_of(cell))
        meta = cell.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("nbgrader"), dict):
            new.metadata["nbgrader"] = meta["nbgrader"]
        cells.append(new)
    out = new_notebook(cells=cells, metadata={"kernelspec": nb.get("metadata", {}).get("kernelspec", {})})
    try:
        nbformat.validate(out)
    except Exception:  # noqa: BLE001
        return None
    return out


def repair(nb: Any, release: Any, source: Any = None) -> list[str]:
    """Make the graded cells of ``nb`` match the released exercise ``release`` (in place); return report lines.

    ``source`` (the solution notebook) only serves to recognise read-only cells that hold the full original
    (an instructor's test submission): those are not reported as edited.
    """
    notes: list[str] = []
    originals = {mc.grade_id: source_of(mc.cell) for mc in marked_cells(source)} if source is not None else {}
    wanted = {mc.grade_id: mc for mc in marked_cells(release) if mc.grade_id}
    order = [mc.grade_id for mc in marked_cells(release) if mc.grade_id]
    seen: set[str] = set()
    cell_ids: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.get("id") in cell_ids:
            cell["id"] = uuid.uuid4().hex[:8]
        cell_ids.add(cell.get("id"))
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid not in wanted:
            del cell.metadata["nbgrader"]
            notes.append(f"cell {index} has grade id {gid!r}, which is not in the assignment: graded as ordinary code")
        elif gid in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"{_kind(wanted[gid])} {gid} is duplicated: the copy at cell {index} is ordinary code")
        else:
            seen.add(gid)
    for pos, gid in enumerate(order):
        if gid in seen:
            continue
        original = wanted[gid]
        where = 0
        for previous in reversed(order[:pos]):
            hits = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == previous]
            if hits:
                where = hits[0] + 1
                break
        restored = copy.deepcopy(original.cell)
        restored["id"] = uuid.uuid4().hex[:8]
        nb.cells.insert(where, restored)
        seen.add(gid)
        what = "its tests run again" if original.is_test else "restored as in the exercise"
        notes.append(f"{_kind(original)} {gid} was deleted: restored from the assignment ({what})")
    for index, cell in enumerate(nb.cells):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid not in wanted:
            continue
        original = wanted[gid]
        if original.meta.get("locked"):
            unchanged = source_of(cell) in (source_of(original.cell), originals.get(gid))
            if not unchanged or cell.cell_type != original.cell.cell_type:
                notes.append(f"{_kind(original)} {gid} was edited: replaced by the original")
            replacement = copy.deepcopy(original.cell)
            replacement["id"] = cell.get("id") or replacement.get("id")
            nb.cells[index] = replacement
            continue
        if cell.cell_type != original.cell.cell_type:
            notes.append(f"{_kind(original)} {gid} was turned into a {cell.cell_type} cell: turned back")
            replacement = copy.deepcopy(original.cell)
            replacement["source"] = source_of(cell)
            replacement["id"] = cell.get("id") or replacement.get("id")
            nb.cells[index] = replacement
        elif cell.metadata["nbgrader"] != original.meta:
            cell.metadata["nbgrader"] = copy.deepcopy(original.meta)
    return notes


def without_comments(code: str) -> str:
    """Python code without its comments (strings stay: a file name in a string is what gets flagged)."""
    import io
    import tokenize

    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))


def tampering(nb: Any, release: Any) -> list[str]:
    """Report lines for suspicious code in the cells the student could edit (not the read-only ones).

    Code the course gave and the student left as it was is not theirs: a cell identical to one of the released
    exercise's, or to the Colab set-up cell (which looks at ``sys.modules`` to tell Colab apart) is skipped.
    """
    from dlcourse import colab

    locked = {mc.grade_id for mc in marked_cells(release) if mc.meta.get("locked")}
    given = {source_of(c) for c in release.cells if c.cell_type == "code"} | {colab.setup_cell_source()}
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade_id") in locked:
            continue
        if source_of(cell) in given:
            continue
        code = without_comments(source_of(cell))
        for pattern, sentence in TAMPERING:
            if re.search(pattern, code, flags=re.MULTILINE):
                found.append(f"cell {index} {sentence}")
    return found


def check_notebook(path: Path | None, name: str, release: Any, source: Any = None) -> Checked:
    """Validate and repair the submitted notebook ``path`` against the released exercise ``release`` (and the
    solution notebook ``source``, see :func:`repair`)."""
    if path is None:
        return Checked(name, "missing", notes=[f"{name} was not submitted (0 points)"])
    nb, status, message = read_notebook_safely(path)
    if nb is None:
        return Checked(name, status, notes=[f"{name}: {message}; graded as not submitted (0 points)"])
    checked = Checked(name, "ok", nb=nb, notes=[f"{name}: {message}"] if message else [])
    checked.notes += [f"{name}: {n}" for n in repair(nb, release, source)]
    checked.flags += [f"{name}: {f}" for f in tampering(nb, release)]
    return checked

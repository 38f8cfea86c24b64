"""A throw-away nbgrader course directory.

nbgrader wants a course laid out as ``source/<assignment>/*.ipynb`` with a config and a gradebook; the course
keeps its solution notebooks in ``<Topic>/solutions/`` instead. :class:`Workspace` builds the nbgrader layout in a
directory of its own (a temporary one for ``dlcourse release``, one per student for ``dlcourse grade``) and runs
nbgrader's converters in it, collecting their log instead of letting them print or exit.

Examples
--------
>>> ws = Workspace(tmp_path)                                  # doctest: +SKIP
>>> ws.add_source("Regularization", Path("Regularization/solutions"))
>>> ws.run("generate_assignment", "Regularization")["success"]
True
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

#: nbgrader's course id for every workspace (nbgrader needs one; nothing else depends on it).
COURSE_ID = "dlcourse"

#: Files never copied into or out of a workspace (caches, checkpoints, trained models, OS litter).
IGNORE = [
    ".ipynb_checkpoints",
    "__pycache__",
    "*.pyc",
    "feedback",
    "*.keras",
    "*.pt",  # a PyTorch model saved with torch.save (Gradient-Based-Learning 05)
    "*.history.json",  # train_or_load's history beside a model: stale without the model
    "*.progress.npz",  # what a notebook recorded while training a saved model (e.g. a GAN's per-epoch samples)
    "*.weights.h5",
    "*.h5",
    ".DS_Store",
    ".~*",
]


def ensure_tools_on_path() -> None:
    """Put the running interpreter's ``bin/`` first on PATH: nbgrader runs ``alembic`` by name."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])


def copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` into ``dst`` (merging), leaving out :data:`IGNORE`."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*IGNORE), dirs_exist_ok=True)


class Workspace:
    """An nbgrader course directory rooted at ``root``.

    Parameters
    ----------
    root : Path
        Directory holding ``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/``.
    db_path : Path, optional
        The sqlite gradebook (default ``root/gradebook.db``).
    """

    #: short names for nbgrader's converter classes
    APPS = {
        "generate_assignment": "GenerateAssignment",
        "autograde": "Autograde",
        "generate_feedback": "GenerateFeedback",
    }

    def __init__(self, root: Path, *, db_path: Path | None = None) -> None:
        self.root = Path(root).resolve()
        self.db_path = Path(db_path).resolve() if db_path else self.root / "gradebook.db"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, step: str, assignment: str, student: str | None = None) -> Path:
        """``root/<step>/[<student>/]<assignment>`` (``step`` is source, release, submitted, autograded, feedback)."""
        if student is None:
            return self.root / step / assignment
        return self.root / step / student / assignment

    def add_source(self, assignment: str, solutions: Path) -> Path:
        """Copy a topic's ``solutions/`` folder in as ``source/<assignment>/``; return that folder."""
        dest = self.path("source", assignment)
        if dest.exists():
            shutil.rmtree(dest)
        copy_tree(Path(solutions), dest)
        return dest

    def config(self, extra: Any = None):
        """The nbgrader configuration of this workspace (a traitlets ``Config``), merged with ``extra``."""
        from traitlets.config import Config

        c = Config()
        c.CourseDirectory.root = str(self.root)
        c.CourseDirectory.course_id = COURSE_ID
        c.CourseDirectory.db_url = f"sqlite:///{self.db_path}"
        c.CourseDirectory.ignore = list(IGNORE)
        c.Exchange.root = str(self.root / "exchange")
        # Deterministic output: no timing metadata in executed notebooks.
        c.ExecutePreprocessor.record_timing = False
        if extra is not None:
            c.merge(extra)
        return c

    def run(self, app: str, assignment: str, student: str | None = None, *, config: Any = None,
            **attributes: Any) -> dict[str, Any]:
        """Run one nbgrader converter (``generate_assignment``, ``autograde``, ``generate_feedback``).

        Returns nbgrader's result dictionary: ``success`` (bool), ``log`` (captured log text), ``error`` (a
        traceback, when it failed). Never raises for a failure inside nbgrader.
        """
        import logging

        import nbgrader.converters as converters
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.utils import capture_log

        ensure_tools_on_path()
        cfg = self.config(config)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = assignment
        if student is not None:
            coursedir.student_id = student
        cls = getattr(converters, self.APPS[app])
        converter = cls(coursedir=coursedir, config=cfg)
        converter.force = True
        for name, value in attributes.items():
            setattr(converter, name, value)
        # nbgrader logs to the root "traitlets" logger as well; keep the terminal quiet and collect the log.
        logger = converter.log
        old_propagate, old_level = logger.propagate, logger.level
        quiet = [h for h in logger.handlers]
        for handler in quiet:
            logger.removeHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
        try:
            return capture_log(converter)
        finally:
            for handler in quiet:
                logger.addHandler(handler)
            logger.propagate, logger.level = old_propagate, old_level


def read_notebook(path: Path):
    """Read a notebook as nbformat v4."""
    import nbformat

    return nbformat.read(str(path), as_version=4)


def notebook_text(nb) -> str:
    """The canonical JSON text of a notebook: what Jupyter writes (sorted keys, indent 1), ending in a newline."""
    import nbformat

    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return whether it wrote."""
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True

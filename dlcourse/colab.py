"""Google Colab: the "Open in Colab" badge and the set-up cell that ``dlcourse release`` puts into each exercise.

Where the course is published is said here and nowhere else: :data:`REPOSITORY` and :data:`BRANCH`. The badges
of the exercise notebooks link to ``<REPOSITORY>/blob/<BRANCH>/<Topic>/exercises/<notebook>`` on Colab, and the
set-up cell clones that branch. A course's maintainers set both when they publish the course (nobody can know the
URL of a fork in advance), then run ``dlcourse release`` to regenerate the exercises.

On Colab there is no checkout around the notebook: the set-up cell clones the repository into ``/content/course``
and calls :func:`install`, which installs this package from the clone in editable mode, so that the dataset
registry (``coursedata/registry.toml``, which is not package data) is found next to it and datasets are
downloaded into ``/content/course/coursedata/``. Everywhere else the cell does nothing (one dictionary lookup).

This module imports only the standard library: the set-up cell imports it before the course's dependencies are
installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

#: What :data:`REPOSITORY` says until someone sets it (``dlcourse release`` reminds them while it does).
PLACEHOLDER = "https://github.com/OWNER/dlcourse"
#: The course's public Git repository (a https://github.com/<owner>/<repo> URL). A placeholder until the course is
#: published: set it (and :data:`BRANCH`) to where your students will find the course, then run ``dlcourse release``.
REPOSITORY = PLACEHOLDER
#: The branch Colab badges open and the set-up cell clones.
BRANCH = "main"
#: Where the set-up cell puts the clone, relative to the notebook's working directory (``/content`` on Colab).
CLONE = "course"

#: Dependencies the set-up cell leaves to Colab: its notebook front end and kernel come in its own versions, and
#: upgrading them in a running Colab (the course's ranges ask for notebook 7, ipykernel 6 and ipywidgets 8, newer
#: than what Colab has shipped) can make the runtime crash or hang. nbgrader, nbformat and nbclient serve the
#: course's own tools (release, grading, benchmarks), not the notebooks; Colab has no Validate button for nbgrader.
NOT_ON_COLAB = frozenset({"jupyterlab", "notebook", "ipykernel", "ipywidgets", "nbformat", "nbclient", "nbgrader"})

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
#: Marks the generated cell (its metadata) so that release never adds it twice and tests can find it.
CELL_ID = "colab-setup"

SETUP_CELL = '''\
# On Google Colab only (elsewhere this cell does nothing): get the course and its helper package, once per session.
import sys

if "google.colab" in sys.modules:
    import os, subprocess
    if not os.path.isdir("{clone}"):
        subprocess.run(["git", "clone", "--quiet", "--depth=1", "--branch={branch}",
                        "{repository}", "{clone}"], check=True)
    sys.path.insert(0, os.path.abspath("{clone}"))
    import dlcourse.colab
    dlcourse.colab.install("{clone}")'''


def on_colab() -> bool:
    """Whether this process is a Google Colab kernel (Colab imports ``google.colab`` when the kernel starts)."""
    return "google.colab" in sys.modules


def colab_url(path: str, repository: str | None = None, branch: str | None = None) -> str:
    """The Colab address that opens ``path`` (relative to the repository root) from ``branch`` of ``repository``
    (default: :data:`REPOSITORY` and :data:`BRANCH`)."""
    repository, branch = repository or REPOSITORY, branch or BRANCH
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository)
    if not match:
        raise ValueError(f"dlcourse.colab.REPOSITORY must be a https://github.com/<owner>/<repo> URL (Colab opens "
                         f"notebooks from GitHub); got {repository!r}")
    owner, repo = match.groups()
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path}"


def badge(path: str) -> str:
    """The Markdown "Open in Colab" badge for the notebook at ``path`` (relative to the repository root)."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(path)})"


def setup_cell_source() -> str:
    """The source of the set-up cell (the same in every exercise notebook)."""
    return SETUP_CELL.format(repository=REPOSITORY, branch=BRANCH, clone=CLONE)


def add_to_exercise(nb: Any, path: str) -> Any:
    """Put the badge under the title of exercise notebook ``nb`` (at ``path`` in the repository) and the set-up
    cell right after the title cell. Returns ``nb``, changed in place.

    The cell has no nbgrader metadata: it is neither graded nor checked by nbgrader, and a student may delete it.
    """
    import nbformat

    if any(cell.get("metadata", {}).get("dlcourse") == CELL_ID for cell in nb.cells):
        return nb
    title = nb.cells[0]
    lines = title.source.split("\n")
    # The badge goes on its own line under the `# N. Title` heading, so the heading stays the first line.
    title.source = "\n".join([lines[0], "", badge(path), *lines[1:]])
    cell = nbformat.v4.new_code_cell(setup_cell_source())
    cell.id = CELL_ID  # a stable id keeps `dlcourse release` byte-for-byte reproducible
    cell.metadata = {"dlcourse": CELL_ID}
    nb.cells.insert(1, cell)
    return nb


def _requirements(course: Path) -> list[str]:
    """The course's dependencies (pyproject.toml of the clone) that Colab does not provide itself."""
    data = tomllib.loads((course / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = []
    for requirement in data["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")
        if name not in NOT_ON_COLAB:
            wanted.append(requirement)
    return wanted


def _installed_from(course: Path) -> bool:
    """Whether this environment's ``dlcourse`` is the editable install of ``course`` (so a rerun installs nothing)."""
    try:
        direct = metadata.distribution("dlcourse").read_text("direct_url.json") or ""
    except metadata.PackageNotFoundError:
        return False
    return course.as_uri() in direct


def _run(command: list[str]) -> None:
    """Run ``command`` and keep its output (pip's and setuptools' notices) out of the student's view unless it
    fails; then show it and raise."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        print(done.stdout + done.stderr, file=sys.stderr)
        raise RuntimeError(f"Colab set-up failed: `{' '.join(command)}` exited with {done.returncode} (its output "
                           "is above). Run the cell again; if it fails again, use Runtime > Disconnect and delete "
                           "runtime, then run it once more.")


def install(course: str | Path = CLONE) -> None:
    """Install the cloned course ``course`` into this (Colab) environment: the ``dlcourse`` package in editable
    mode, so that it finds ``coursedata/`` next to it and is still importable after a runtime restart, and those
    of its dependencies that Colab lacks. Prints one line saying where the course and its datasets are.

    The running kernel imports ``dlcourse`` from the clone through ``sys.path`` (the set-up cell puts it there):
    pip's editable hook only takes effect in a new process."""
    course = Path(course).resolve()
    if not _installed_from(course):
        pip = [sys.executable, "-m", "pip", "install", "--quiet"]
        _run([*pip, "--no-deps", "--editable", str(course)])
        _run([*pip, *_requirements(course)])
    print(f"Colab: the course is in {course}; datasets are downloaded into {course / 'coursedata'} "
          "(deleted with this runtime).")


__all__ = ["BRANCH", "CLONE", "REPOSITORY", "add_to_exercise", "badge", "colab_url", "install", "on_colab",
           "setup_cell_source"]

"""Colab: every exercise notebook's badge opens that notebook, and its set-up cell works on a simulated Colab.

Simulated, not real (nothing here reaches Google or GitHub):

- Colab's kernel is a Jupyter kernel in a throwaway virtual environment that sees this environment's packages
  except ``dlcourse`` (not installed: there is no checkout around the notebook) and ``nbgrader`` (which the set-up
  cell leaves to Colab, and Colab does not have); ``google.colab`` is a fake module, imported the way Colab's kernel
  imports it when it starts.
- GitHub is a local Git repository: a snapshot of this working tree, committed on :data:`dlcourse.colab.BRANCH`,
  whose ``file://`` URL replaces :data:`dlcourse.colab.REPOSITORY` in the copy of the notebook that runs.
- PyPI is not asked: pip runs with ``PIP_NO_INDEX`` (every dependency is already there) and without build isolation.

What stays untested: a real Colab runtime (its Python, its preinstalled TensorFlow/Keras versions against the
course's ranges, its widget front end drawing tqdm's bars), GPUs, Google Drive, and cloning the real repository
from GitHub.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from dlcourse import colab, release

ROOT = Path(__file__).resolve().parents[1]
TOPICS = release.topic_dirs(ROOT)
EXERCISES = sorted(p for t in TOPICS for p in (t / "exercises").glob("*.ipynb"))
SAMPLE = ROOT / "tests" / "assignments" / "Sample-Assignment"
#: The cheapest exercise notebook (NumPy only): its set-up cell calls ``dlcourse.setup(keras=False)``.
NOTEBOOK = ROOT / "Components-of-Machine-Learning" / "exercises" / "01_python_numpy.ipynb"
LINK = re.compile(r"\(https://colab\.research\.google\.com/github/[^)\s]+\)")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def colab_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.metadata.get("dlcourse") == colab.CELL_ID]


# ----------------------------------------------------------------------------------------------------------------
# What `dlcourse release` puts into the notebooks
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("notebook", EXERCISES, ids=rel)
def test_the_badge_opens_this_notebook_and_the_set_up_cell_follows_the_title(notebook):
    nb = nbformat.read(notebook, as_version=4)
    title = nb.cells[0].source
    links = LINK.findall(title)
    assert links == [f"({colab.colab_url(rel(notebook))})"], (
        f"{rel(notebook)}: the title cell should hold one Open-in-Colab link to this notebook; found {links}")
    assert title.splitlines()[0].startswith("# "), "the badge must not push the `# N. Title` line down"
    assert colab_cells(nb) == [1], f"{rel(notebook)}: the Colab set-up cell should be cell 1 (and only there)"
    cell = nb.cells[1]
    assert cell.cell_type == "code" and cell.source == colab.setup_cell_source()
    assert "nbgrader" not in cell.metadata, "the Colab cell must be neither graded nor locked by nbgrader"
    assert "dlcourse.setup(" not in cell.source, "the set-up cell proper (dlcourse.setup) stays a cell of its own"


def test_solutions_and_the_test_assignment_have_no_colab_cell():
    for notebook in [*(p for t in TOPICS for p in (t / "solutions").glob("*.ipynb")),
                     *SAMPLE.glob("*/*.ipynb")]:
        nb = nbformat.read(notebook, as_version=4)
        assert not colab_cells(nb) and "colab.research.google.com" not in nb.cells[0].source, rel(notebook)


def test_colab_urls_and_the_release_step():
    assert colab.colab_url("T/exercises/01_a.ipynb", "https://github.com/uni/dl-course.git", "ws2026") == (
        "https://colab.research.google.com/github/uni/dl-course/blob/ws2026/T/exercises/01_a.ipynb")
    with pytest.raises(ValueError, match="github.com"):
        colab.colab_url("x.ipynb", "https://gitlab.com/uni/dl-course")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    before = nbformat.writes(nb)
    colab.add_to_exercise(nb, rel(NOTEBOOK))  # already there: nothing is added twice
    assert nbformat.writes(nb) == before


def test_the_front_end_left_to_colab_is_named_as_in_pyproject():
    """A renamed dependency would silently reach Colab again (notebook 7, ipykernel 6: a runtime that crashes)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9._-]+", d).group(0).lower() for d in deps}
    assert colab.NOT_ON_COLAB <= names, f"not dependencies (renamed?): {sorted(colab.NOT_ON_COLAB - names)}"
    wanted = colab._requirements(ROOT)
    assert wanted and not any(re.match(r"[A-Za-z0-9._-]+", w).group(0).lower() in colab.NOT_ON_COLAB for w in wanted)
    assert any(w.startswith("pooch") for w in wanted) and any(w.startswith("tensorflow") for w in wanted)


# ----------------------------------------------------------------------------------------------------------------
# The set-up cell run on a simulated Colab
# ----------------------------------------------------------------------------------------------------------------
def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org",
                    *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def fake_github(tmp: Path) -> str:
    """A Git repository holding this working tree (what a push would publish) on colab.BRANCH; its URL."""
    origin = tmp / "github" / "dlcourse"
    for name in release.project_files(ROOT):
        (origin / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, origin / name)
    _git("init", "--quiet", "--initial-branch", colab.BRANCH, ".", cwd=origin)
    _git("add", "--all", cwd=origin)
    _git("commit", "--quiet", "-m", "published course", cwd=origin)
    return origin.as_uri()


def colab_kernel(tmp: Path) -> str:
    """A kernel spec for a Colab-like environment (see the module docstring); returns its name."""
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix)))
    view = tmp / "colab-packages"
    view.mkdir()
    for entry in site_packages.iterdir():
        if entry.name.startswith(("dlcourse", "__editable__", "nbgrader")) or entry.suffix == ".pth":
            continue  # not installed on "Colab" (.pth files: the editable dlcourse and other install hooks)
        (view / entry.name).symlink_to(entry)
    venv = tmp / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    [venv_site] = (venv / "lib").glob("python3.*/site-packages")
    (venv_site / "colab-packages.pth").write_text(f"{view}\n")
    fake = tmp / "fake-google"
    (fake / "google" / "colab").mkdir(parents=True)  # no google/__init__.py: google.protobuf must stay importable
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module in tests."""\n')
    spec = tmp / "jupyter" / "kernels" / "colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simulated Colab",
        "language": "python",
        "env": {
            "PYTHONPATH": str(fake),
            "PYTHONNOUSERSITE": "1",
            "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "0",  # sic: pip reads this variable inverted; "0" turns isolation off
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_CACHE_DIR": str(tmp / "pip-cache"),
        },
    }))
    return "colab"


PROBE_EVENTS = """\
import os, sys
_started = []
sys.addaudithook(lambda event, args: _started.append(str(args[1])) if event == "subprocess.Popen" else None)
"""

PROBE_RESULT = """\
import json, os, dlcourse, dlcourse.data
from importlib import metadata
from dlcourse.data import registry, store
found = store.locate("housing", download=False)
print(json.dumps({
    "dlcourse": dlcourse.__file__, "registry": str(registry.REGISTRY_PATH), "cache": str(store.cache_dir()),
    "direct_url": metadata.distribution("dlcourse").read_text("direct_url.json"),
    "housing": [found.place, str(found.root), list(dlcourse.load_housing().shape)],
    "tqdm": [c.__module__ for c in __import__("tqdm.auto", fromlist=["tqdm"]).tqdm.__mro__],
}))
"""


def _outputs(cell) -> tuple[str, str]:
    """(stdout, everything else as text) of an executed cell."""
    out, other = [], []
    for o in cell.outputs:
        if o.output_type == "stream":
            (out if o.name == "stdout" else other).append(o.text)
        elif o.output_type == "error":
            other.append(f"{o.ename}: {o.evalue}")
        else:
            other.append(str(o.get("data", {}).get("text/plain", o.output_type)))
    return "".join(out), "".join(other)


@pytest.mark.slow
def test_the_set_up_cell_installs_the_course_on_colab_and_does_nothing_elsewhere(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    shared = os.environ.get("DLCOURSE_DATA")
    assert shared and Path(shared, "housing").is_dir(), (
        "this test loads the housing data from the shared course data: set DLCOURSE_DATA to it (CI does)")
    if shutil.which("git") is None:
        pytest.fail("git is not installed: the Colab set-up cell clones the course with it (apt-get install git)")
    started = time.perf_counter()
    url = fake_github(tmp_path)
    kernel = colab_kernel(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    for name in ("DLCOURSE_CACHE", "DLCOURSE_MIRROR", "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)

    content = tmp_path / "content"  # Colab's working directory; the notebook alone, no checkout around it
    content.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    [index] = colab_cells(nb)
    cell = nb.cells[index]
    assert cell.source.count(colab.REPOSITORY) == 1
    cell.source = cell.source.replace(colab.REPOSITORY, url)
    nbformat.write(nb, content / NOTEBOOK.name)
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "dlcourse.setup(" in c.source)

    client = NotebookClient(nb, kernel_name=kernel, timeout=300, resources={"metadata": {"path": str(content)}})

    def run(source_or_index):
        if isinstance(source_or_index, int):
            return client.execute_cell(nb.cells[source_or_index], source_or_index)
        nb.cells.append(nbformat.v4.new_code_cell(source_or_index))  # the test's own cells go after the notebook's
        return client.execute_cell(nb.cells[-1], len(nb.cells) - 1)

    with client.setup_kernel():
        run(PROBE_EVENTS)
        # Not on Colab (google.colab importable but not imported, as on any machine): nothing happens.
        t0 = time.perf_counter()
        idle = run(index)
        idle_seconds = time.perf_counter() - t0
        assert _outputs(idle) == ("", ""), f"outside Colab the cell printed {_outputs(idle)}"
        after = _outputs(run("print(_started, os.path.exists('course'), 'dlcourse' in sys.modules)"))
        assert after[0].strip() == "[] False False", f"outside Colab the cell did something: {after}"

        # On Colab: its kernel imports google.colab when it starts.
        run("import google.colab")
        on_colab = run(index)
        out, other = _outputs(on_colab)
        assert "Error" not in other, f"the Colab cell failed: {other}"
        clone = (content / colab.CLONE).resolve()
        assert out.strip() == (f"Colab: the course is in {clone}; datasets are downloaded into {clone / 'coursedata'} "
                               "(deleted with this runtime)."), out + other
        commands = _outputs(run("print(_started)"))[0]
        assert "git" in commands and commands.count("'-m', 'pip'") == 2, f"expected a clone and two pip runs: {commands}"

        shown, warned = _outputs(run(setup))
        assert re.match(r"Python 3\.[\d.]+ \| NumPy \S+ \| .*mode: (full|QUICK)", shown), (
            f"dlcourse.setup() printed {shown!r}")
        assert not warned, f"dlcourse.setup() warned on Colab: {warned}"

        facts_text, problems = _outputs(run(PROBE_RESULT))
        assert not problems, problems
        facts = json.loads(facts_text)

        rerun = time.perf_counter()
        again = _outputs(run(index))
        rerun_seconds = time.perf_counter() - rerun
        assert again[0].startswith("Colab: the course is in") and commands == _outputs(run("print(_started)"))[0], (
            "running the cell again should install nothing again")

    assert Path(facts["dlcourse"]).is_relative_to(clone), f"dlcourse was imported from {facts['dlcourse']}"
    assert Path(facts["registry"]) == clone / "coursedata" / "registry.toml"
    assert Path(facts["cache"]) == clone / "coursedata"
    direct = json.loads(facts["direct_url"])
    assert direct["url"] == clone.as_uri() and direct["dir_info"].get("editable"), direct
    # dlcourse's preparation bars come from tqdm.auto: in a kernel, widgets (Colab draws ipywidgets' progress bar);
    # pooch's download bars and Keras' are text, which any front end shows.
    assert "tqdm.notebook" in facts["tqdm"], f"tqdm.auto is not the notebook flavour in a kernel: {facts['tqdm']}"
    place, root, shape = facts["housing"]
    assert (place, Path(root).resolve(), shape) == ("shared", Path(shared).resolve(), [20640, 10]), facts["housing"]
    assert idle_seconds < 2, f"outside Colab the cell took {idle_seconds:.2f} s"
    assert rerun_seconds < 10, f"running the cell again took {rerun_seconds:.1f} s"
    print(f"simulated Colab: {time.perf_counter() - started:.1f} s")

"""A student's path through an exercise notebook in a real browser.

JupyterLab is started the way ``make lab`` starts it, on a temporary copy of one exercise notebook, and Debian's
Chromium is driven by Playwright the way a student works: open the notebook, run the set-up cell, run an unsolved
exercise's check, type a solution into the answer cell, run the check again, and press nbgrader's Validate.
Each step leaves a screenshot in ``tests/artifacts/browser/`` (not in git); a failure names the step and its
screenshot.

Notebook: Components-of-Machine-Learning 01 (NumPy only, ``setup(keras=False)``): the cheapest exercise notebook
to open and to validate, since Validate re-runs the whole notebook in a fresh kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlcourse.checks.hints import HINT_NOT_IMPLEMENTED

ROOT = Path(__file__).resolve().parents[1]
TOPIC = "Components-of-Machine-Learning"
NOTEBOOK = f"{TOPIC}/exercises/01_python_numpy.ipynb"
SOLUTIONS = ROOT / TOPIC / "solutions" / "01_python_numpy.ipynb"
EXERCISE = "ex1_1"  # mean_and_std: the first exercise; the other five stay unsolved for Validate to report
UNSOLVED = ["make_design_matrix", "split_features_labels", "standardize_columns", "normalize_rows",
            "pairwise_distances"]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
FIX = "run `make test-env` (installs Debian's chromium and the [e2e] extra with Playwright)"

pytestmark = [pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solution_text(grade_id: str) -> str:
    """The answer a student would type: the solution cell of the instructor's notebook without nbgrader's markers."""
    notebook = json.loads(SOLUTIONS.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            source = "".join(cell["source"])
            return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                             and "### END SOLUTION" not in line)
    raise AssertionError(f"no cell with grade_id {grade_id!r} in {SOLUTIONS}")


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, the folder it serves and its log file."""

    url: str
    token: str
    root: Path
    log: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _jupyter_command() -> list[str]:
    # make lab runs the venv's jupyter; the venv is the one running these tests.
    jupyter = Path(sys.executable).parent / "jupyter"
    return [str(jupyter)] if jupyter.exists() else [sys.executable, "-m", "jupyter"]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab as `make lab` starts it, serving a copy of the exercise notebook; stopped afterwards (also on
    failure), with its kernels."""
    course = tmp_path / "course"
    (course / NOTEBOOK).parent.mkdir(parents=True)
    shutil.copy2(ROOT / NOTEBOOK, course / NOTEBOOK)

    # Fresh user settings and workspaces, so nothing from another session is restored, and JupyterLab does not
    # ask "Would you like to get notified about official Jupyter news?" (a toast over the notebook).
    settings = tmp_path / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    port, token = _free_port(), secrets.token_hex(16)
    # The command of `make lab` (root_dir, --allow-root as root) plus the address and token LAB_ARGS would pin.
    command = [*_jupyter_command(), "lab", f"--ServerApp.root_dir={course}",
               *(["--allow-root"] if os.geteuid() == 0 else []),
               "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
    }
    log_path = tmp_path / "lab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=course, stdout=log, stderr=subprocess.STDOUT, env=env,
                                  start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, course, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{lab.url}/api/status?token={token}", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start within 90 s:\n{lab.log_tail()}", pytrace=False)
                time.sleep(0.3)
        yield lab
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


class Student:
    """Drives one notebook in the browser the way a student does, with a screenshot after each step."""

    def __init__(self, page, lab: Lab) -> None:
        self.page = page
        self.lab = lab
        self.number = 0

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """One step of the student's path: a screenshot when it is done, or a failure naming it and its screenshot."""
        self.number += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        shot = ARTIFACTS / f"{self.number:02d}-{slug}.png"
        try:
            yield
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            self.page.screenshot(path=shot)
            return
        failed = shot.with_name(shot.stem + "-FAILED.png")
        try:
            self.page.screenshot(path=failed)
            where = f"screenshot: {failed}"
        except Exception as shot_error:  # the browser itself may be gone
            where = f"no screenshot ({shot_error})"
        # `from None`: the step's own message says what failed; the exception it replaces adds only noise.
        raise pytest.fail.Exception(f"step {self.number} ({name}) failed: {problem}\n{where}\n"
                                    f"JupyterLab log (tail):\n{self.lab.log_tail(1500)}", pytrace=False) from None

    def cell(self, text: str):
        """The code cell whose source contains ``text`` (exactly one)."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=text))
        cells.first.wait_for()
        count = cells.count()
        assert count == 1, f"expected one code cell containing {text!r}, found {count}"
        return cells.first

    def run(self, cell, timeout_s: float = 60) -> None:
        """Select ``cell`` and run it with Shift+Enter; return when its prompt shows a new execution count."""
        from playwright.sync_api import expect

        prompt = cell.locator(".jp-InputPrompt")
        before = prompt.inner_text().strip()
        prompt.click()  # selects the cell (command mode), also for read-only check cells
        self.page.keyboard.press("Shift+Enter")
        expect(prompt).not_to_have_text(before, timeout=timeout_s * 1000)
        expect(prompt).to_have_text(re.compile(r"^\s*\[\d+\]:\s*$"), timeout=timeout_s * 1000)
        # Centre the cell so the screenshot shows it with its output, as the student would look at it.
        cell.evaluate("node => node.scrollIntoView({block: 'center'})")

    @staticmethod
    def output(cell) -> str:
        outputs = cell.locator(".jp-OutputArea-output")
        return "\n".join(outputs.all_inner_texts())


@pytest.fixture
def browser_tools() -> None:
    """Fail (never skip: CI must not pass without this test) when Playwright or Chromium is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}): {FIX}", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM}: {FIX}", pytrace=False)


# browser_tools comes first so that a missing tool fails before JupyterLab is started for nothing.
def test_student_solves_an_exercise_and_validates_in_the_browser(browser_tools: None, lab: Lab) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # screenshots of an older run would mislead
    ARTIFACTS.mkdir(parents=True)

    solution = _solution_text(f"{EXERCISE}_solution")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        except PlaywrightError as exc:
            pytest.fail(f"Playwright could not start {CHROMIUM}: {exc}\n{FIX}", pytrace=False)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            expect.set_options(timeout=15_000)  # output appears right after the prompt's count; 15 s is for a busy CI
            student = Student(page, lab)

            with student.step("open the exercise notebook"):
                page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}")
                expect(page.locator(".jp-NotebookPanel h1").first).to_contain_text(
                    "Python and NumPy for machine learning", timeout=60_000)
                # The kernel started by itself (no kernel-selection dialog): the status bar names it, idle.
                expect(page.locator(".jp-StatusBar-TextItem", has_text="Python 3 (ipykernel) | Idle")).to_be_visible(
                    timeout=60_000)
                assert page.locator(".jp-Dialog").count() == 0, "a dialog is open over the notebook"

            with student.step("run the set-up cell"):
                setup = student.cell("dlcourse.setup(")
                student.run(setup)
                expect(setup.locator(".jp-OutputArea-output")).to_contain_text(
                    re.compile(r"Python 3\.\d+\.\d+ \| NumPy \d+\.\d+\.\d+ \| device: CPU \(\d+ cores\) \| mode: (QUICK|full)"))
                shown = student.output(setup)
                assert "Traceback" not in shown and "Warning" not in shown, f"the set-up cell printed:\n{shown}"

            with student.step("run the unsolved exercise check"):
                student.run(student.cell("from dlcourse.checks import"))
                answer = student.cell("def mean_and_std(values):")
                student.run(answer)  # the stub as released: defines mean_and_std, which raises NotImplementedError
                check = student.cell("check_function(\n    mean_and_std")
                student.run(check)
                error = check.locator(".jp-OutputArea-output")
                expect(error).to_contain_text("✗ mean_and_std")
                expect(error).to_contain_text("Hint: " + HINT_NOT_IMPLEMENTED)
                shown = student.output(check)
                lines = [line for line in shown.splitlines() if line.strip()]
                assert len(lines) == 2, f"expected the message and its hint, the student saw:\n{shown}"
                for trace in ("Traceback", "---->", "site-packages", "File "):
                    assert trace not in shown, f"a traceback ({trace!r}) is shown to the student:\n{shown}"

            with student.step("type the solution"):
                editor = answer.locator(".cm-content")
                editor.click()
                page.keyboard.press("ControlOrMeta+a")
                # insert_text bypasses JupyterLab's auto-closed brackets and auto-indent, which would mangle typing.
                page.keyboard.insert_text(solution)
                typed = "\n".join(editor.locator(".cm-line").all_inner_texts())
                assert typed.split() == solution.split(), f"the answer cell holds:\n{typed}"
                student.run(answer)
                assert student.output(answer) == "", f"defining the solution printed:\n{student.output(answer)}"

            with student.step("rerun the check"):
                student.run(check)
                passed = check.locator(".jp-OutputArea-output")
                expect(passed).to_contain_text(re.compile(r"✓ mean_and_std: \d+ cases passed"))
                expect(passed).to_contain_text("✓ mean_and_std([]) raises ValueError")
                assert "✗" not in student.output(check), f"the check still fails:\n{student.output(check)}"

            with student.step("validate with nbgrader"):
                page.locator(".jp-NotebookPanel-toolbar jp-button.validate-button").click()
                dialog = page.locator(".jp-Dialog")
                # Validate saves the notebook, then nbgrader runs it from the top in a fresh kernel.
                expect(dialog).to_be_visible(timeout=150_000)
                header = dialog.locator(".jp-Dialog-header").inner_text().strip()
                assert header == "Validation Results", f"Validate answered {header!r}:\n{dialog.inner_text()}"
                # nbgrader marks the verdict on the dialog's body: validation-failed, -success, -changed ...
                body = dialog.locator(".jp-Dialog-body")
                expect(body).to_have_class(re.compile(r"\bvalidation-failed\b"))
                text = body.inner_text()
                assert text.count("The following cell failed:") == len(UNSOLVED), text
                for name in UNSOLVED:
                    assert name in text, f"Validate did not report the unsolved {name}:\n{text}"
                # Validate ran the saved file: the typed solution reached the disk, and passes there too.
                assert "mean_and_std(" not in text, f"Validate reports the solved mean_and_std as failed:\n{text}"
                assert text.count("Hint: " + HINT_NOT_IMPLEMENTED) == len(UNSOLVED), text
                assert "Traceback" not in text, f"Validate shows a traceback:\n{text}"
        finally:
            browser.close()

"""The README's `make lab` starts a JupyterLab that serves the course tree with nbgrader's extension enabled."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOPICS = [
    "Components-of-Machine-Learning",
    "Artificial-Neural-Networks",
    "Gradient-Based-Learning",
    "Convolutional-Neural-Nets",
    "Regularization",
    "Natural-Language-Processing",
    "Generative-Adversarial-Networks",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_make_lab_serves_the_course_with_nbgrader(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port, token = _free_port(), secrets.token_hex(16)
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    log = (tmp_path / "lab.log").open("w")
    # Same command the README gives; LAB_ARGS only pins the address and token for the test.
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status = _get_json(f"{base}/api/status?token={token}")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        assert "started" in status

        # Without the token the server refuses: it is not left open on the machine.
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        assert denied.value.code == 403

        listing = _get_json(f"{base}/api/contents?token={token}")
        served = {item["name"] for item in listing["content"]}
        assert set(TOPICS) <= served, f"course folders missing from the served tree: {set(TOPICS) - served}"
        assert {"README.md", "dlcourse"} <= served

        extensions = _get_json(f"{base}/lab/api/extensions?token={token}")
        by_name = {ext["name"]: ext for ext in extensions}
        # JupyterLab names prebuilt extensions by their Python distribution (nbgrader ships @jupyter/nbgrader).
        nbgrader = by_name.get("jupyter-nbgrader") or by_name.get("@jupyter/nbgrader")
        assert nbgrader, f"nbgrader lab extension not installed; have {sorted(by_name)}"
        assert nbgrader["enabled"] and nbgrader["installed"], f"nbgrader lab extension not active: {nbgrader}"
        assert nbgrader["status"] == "ok", f"nbgrader lab extension reports status {nbgrader['status']}"

        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as page:
            assert page.status == 200
            assert b"JupyterLab" in page.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()

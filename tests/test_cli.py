"""The one command line lists every subcommand and answers --help quickly without importing TensorFlow."""

from __future__ import annotations

import subprocess
import sys
import time

COMMANDS = ("fetch", "list", "doctor", "release", "grade", "bench")


def test_help_lists_every_subcommand_and_stays_light():
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from dlcourse.cli import main\n"
         "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
         "print('TF-LOADED' if 'tensorflow' in sys.modules else 'TF-NOT-LOADED')"],
        capture_output=True, text=True, timeout=120,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert command in result.stdout, f"`dlcourse --help` does not mention {command!r}:\n{result.stdout}"
    assert "TF-NOT-LOADED" in result.stdout, "dlcourse --help imported TensorFlow"
    assert elapsed < 5, f"dlcourse --help took {elapsed:.1f} s"


def test_each_subcommand_has_its_own_help():
    for command in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "dlcourse", command, "--help"], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"dlcourse {command} --help failed:\n{result.stderr}"
        assert "usage: dlcourse " + command in result.stdout


def test_no_subcommand_prints_help_and_fails():
    result = subprocess.run([sys.executable, "-m", "dlcourse"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "usage: dlcourse" in result.stdout

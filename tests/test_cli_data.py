"""``dlcourse list`` and ``dlcourse fetch``, through the real command line entry point."""

from __future__ import annotations

import argparse
import http.server
import os
import shutil
import subprocess
import sys
import threading
from functools import partial

import pytest
from datahelpers import ROOT, SHARED, needs_shared

from dlcourse.cli import main
from dlcourse.data import cli as data_cli


@pytest.fixture
def loopback_unproxied(isolated_data, monkeypatch):
    """``isolated_data``, and requests to the local test server never go through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


pytestmark = pytest.mark.usefixtures("loopback_unproxied")


@pytest.fixture
def mirror(tmp_path):
    """A plain static HTTP server on 127.0.0.1 with housing.tgz and the IMDB word index."""
    root = tmp_path / "mirror"
    for rel in ("housing/housing.tgz", "imdb_word_index.json"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / rel, root / rel)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@needs_shared
def test_list_shows_every_dataset_and_where_it_is(monkeypatch, capsys):
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("mnist", "fashion-mnist", "imdb", "imdb_word_index", "cats_and_dogs", "housing", "glove"):
        assert f"\n{name} " in out
    assert "shared" in out and "package" in out and "licence: CC BY-SA 3.0" in out and "11.5 MB" in out
    assert str(SHARED) in out


def test_list_without_data_says_how_to_fetch(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "missing" in out and "dlcourse fetch mnist" in out and "DLCOURSE_OFFLINE=1" in out


@needs_shared
def test_list_verify_reports_a_damaged_copy(isolated_data, capsys):
    target = isolated_data / "housing/housing.tgz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"damaged")
    assert main(["list"]) == 0  # without --verify only presence is checked
    assert main(["list", "--verify"]) == 1
    assert "DAMAGED" in capsys.readouterr().out


@needs_shared
def test_fetch_downloads_from_a_mirror(monkeypatch, mirror, isolated_data, capsys):
    monkeypatch.delenv("DLCOURSE_OFFLINE")
    monkeypatch.setenv("DLCOURSE_MIRROR", mirror)
    assert main(["fetch", "--no-progress", "housing", "imdb_word_index"]) == 0
    out = capsys.readouterr().out
    assert "✓ housing: in the local cache" in out and "✓ imdb_word_index" in out
    assert (isolated_data / "housing/housing.tgz").is_file() and (isolated_data / "imdb_word_index.json").is_file()
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    assert main(["list"]) == 0
    assert "housing" in capsys.readouterr().out


@needs_shared
def test_fetch_uses_the_shared_directory_when_it_has_the_data(monkeypatch, isolated_data, capsys):
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    assert main(["fetch", "housing"]) == 0
    assert "in the shared directory" in capsys.readouterr().out
    assert not (isolated_data / "housing").exists()


def test_fetch_failures_exit_non_zero_with_the_reason(capsys):
    assert main(["fetch", "housing"]) == 1
    err = capsys.readouterr().err
    assert "✗ housing" in err and "Looked in" in err and "could not be fetched: housing" in err
    assert main(["fetch", "cifar10"]) == 2
    assert "Known datasets" in capsys.readouterr().err
    assert main(["fetch"]) == 2


def test_fetch_adds_what_a_dataset_needs():
    args = argparse.Namespace(all=False, names=["imdb", "mnist"])
    assert data_cli._names(args) == ["imdb_word_index", "imdb", "mnist"]
    args = argparse.Namespace(all=True, names=[])
    assert data_cli._names(args)[0] == "mnist" and "glove" in data_cli._names(args)


def test_command_line_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "dlcourse", "list"], capture_output=True, text=True, cwd=ROOT, env=os.environ
    )
    assert out.returncode == 0, out.stderr
    assert "dataset" in out.stdout and "size" in out.stdout

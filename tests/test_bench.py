"""dlcourse bench: executes real notebooks in a temporary topic folder and checks the JSON and Markdown it writes."""

from __future__ import annotations

import argparse
import json

import nbformat
import pytest

from dlcourse import bench


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny notebook")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def topic(tmp_path):
    solutions = tmp_path / "Tiny-Topic" / "solutions"
    _notebook(
        solutions / "01_ok.ipynb",
        "import os, time\nimport dlcourse\ntime.sleep(0.3)\nprint(os.getcwd())",
        # 400 MiB held for a moment: the peak-memory column must see it
        "import numpy as np\nblock = np.ones(400 * 2**20, dtype=np.uint8)\ntime.sleep(1.0)\ndel block",
        "dlcourse.report('test_accuracy', 0.875)\ndlcourse.report('quick', dlcourse.QUICK)\n"
        "dlcourse.report('cwd_is_notebook_dir', os.path.basename(os.getcwd()) == 'solutions')",
    )
    _notebook(solutions / "02_fails.ipynb", "import dlcourse\ndlcourse.report('before_error', 1)", "1 / 0")
    return tmp_path


def _run_cli(argv, monkeypatch, cwd):
    parser = argparse.ArgumentParser(prog="dlcourse")
    bench.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    monkeypatch.chdir(cwd)
    return args.func(args)


@pytest.mark.slow
@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_bench_runs_notebooks_records_metrics_and_survives_a_failure(topic, tmp_path, monkeypatch, capsys, quick):
    monkeypatch.delenv("DLCOURSE_QUICK", raising=False) if quick else monkeypatch.setenv("DLCOURSE_QUICK", "1")
    out = tmp_path / "results"
    argv = ["bench", "Tiny-Topic", "--out", str(out)] + (["--quick"] if quick else [])
    code = _run_cli(argv, monkeypatch, topic)
    assert code == 1  # one notebook failed; the other still ran
    mode = "quick" if quick else "full"

    report = json.loads((out / f"bench-{mode}.json").read_text())
    assert report["mode"] == mode
    ok, failed = report["notebooks"]
    assert ok["path"] == "Tiny-Topic/solutions/01_ok.ipynb"
    assert ok["status"] == "ok" and ok["error"] is None
    # the mode flag wins over the caller's environment; the kernel runs in the notebook's folder
    assert ok["metrics"] == {"test_accuracy": 0.875, "quick": quick, "cwd_is_notebook_dir": True}
    assert ok["seconds"] >= 0.3
    slowest = ok["slowest_cells"][0]
    assert slowest["index"] == 2 and slowest["first_line"] == "import numpy as np" and slowest["seconds"] >= 1.0
    assert len(ok["slowest_cells"]) == 3  # only code cells are timed
    assert 400 * 2**20 < ok["peak_memory_bytes"] < 2 * 2**30  # the block, plus a Python kernel with NumPy

    assert failed["status"] == "failed"
    assert "ZeroDivisionError" in failed["error"] and "cell 2 (1 / 0)" in failed["error"]
    assert failed["metrics"] == {"before_error": 1}  # metrics reported before the failure are kept
    assert (out / f"executed-{mode}" / "02_fails.ipynb").exists()

    markdown = (out / f"bench-{mode}.md").read_text()
    assert f"# dlcourse bench: {mode} mode" in markdown
    assert "| Tiny-Topic/solutions/01_ok.ipynb | ok |" in markdown
    assert "| peak memory |" in markdown and f"| {bench.format_bytes(ok['peak_memory_bytes'])} |" in markdown
    assert "test_accuracy = 0.875" in markdown
    assert "**FAILED**: cell 2 (1 / 0): ZeroDivisionError" in markdown
    assert "1 ran, 1 failed." in markdown
    assert markdown in capsys.readouterr().out  # the table is printed too


def test_unknown_topic_is_an_error_that_says_where_it_looked(tmp_path, monkeypatch, capsys):
    assert _run_cli(["bench", "No-Such-Topic"], monkeypatch, tmp_path) == 2
    err = capsys.readouterr().err
    assert "No notebooks for 'No-Such-Topic'" in err and "solutions/*.ipynb" in err


def test_read_metrics_skips_broken_lines_and_keeps_the_last_value(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"name": "a", "value": 1}\n{"name": "a", "value": 2}\n{"name": "b", "val\n')
    assert bench.read_metrics(path) == {"a": 2}
    assert bench.read_metrics(tmp_path / "missing.jsonl") == {}


def test_memory_over_the_graders_limit_is_flagged():
    assert "over the grader's 4.0 GiB limit" in bench._memory_cell(bench.MEMORY_LIMIT + 1)
    assert bench._memory_cell(bench.MEMORY_LIMIT - 2**20) == "4.0 GiB"


def test_format_bytes():
    assert bench.format_bytes(None) == "?"
    assert bench.format_bytes(3 * 2**30 + 2**29) == "3.5 GiB"
    assert bench.format_bytes(300 * 2**20) == "300.0 MiB"


def test_format_seconds():
    assert bench.format_seconds(12.34) == "12.3 s"
    assert bench.format_seconds(83.4) == "1 min 23 s"


@pytest.mark.slow
def test_fresh_runs_without_saved_models_and_leaves_the_course_folder_alone(tmp_path, monkeypatch):
    solutions = tmp_path / "Topic" / "solutions"
    _notebook(
        solutions / "01_trains.ipynb",
        "import os, dlcourse\n"
        "dlcourse.report('found_saved_model', os.path.exists('model.keras'))\n"
        "open('model.keras', 'w').write('trained')\n"
        "open('other_output.txt', 'w').write('x')",
    )
    (solutions / "model.keras").write_text("old")
    out = tmp_path / "results"

    assert _run_cli(["bench", "Topic", "--quick", "--out", str(out)], monkeypatch, tmp_path) == 0
    stale = json.loads((out / "bench-quick.json").read_text())["notebooks"][0]
    assert stale["metrics"] == {"found_saved_model": True}
    assert stale["saved_models"] == ["model.keras"]
    assert "(loaded? saved: model.keras)" in (out / "bench-quick.md").read_text()

    (solutions / "model.keras").write_text("old")
    (solutions / "other_output.txt").unlink()
    assert _run_cli(["bench", "Topic", "--quick", "--fresh", "--out", str(out)], monkeypatch, tmp_path) == 0
    report = json.loads((out / "bench-quick.json").read_text())
    fresh = report["notebooks"][0]
    assert report["fresh"] is True
    assert fresh["metrics"] == {"found_saved_model": False} and fresh["saved_models"] == []
    assert (solutions / "model.keras").read_text() == "old"  # untouched
    assert not (solutions / "other_output.txt").exists()  # the run wrote into a scratch copy

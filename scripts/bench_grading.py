#!/usr/bin/env python
"""Grading throughput, side by side: plain serial ``nbgrader autograde`` vs ``dlcourse grade --workers 1/2``.

    python scripts/bench_grading.py                                   # 10 copies of GBL 01, isolation bwrap
    python scripts/bench_grading.py Regularization/solutions/01_x.ipynb -n 6 --workers 1 2 --isolation none

Prepares N correct submissions (copies of the solution notebook) of one notebook, in a topic folder holding only
that notebook, then times, each as a fresh command in a scratch folder:

1. ``nbgrader autograde`` over the whole class, serially (its own course folder, the default python3 kernel);
2. ``dlcourse grade TOPIC SUBS --workers W --force`` for each W.

Prints the wall times, each run's submissions per minute and the ratio plain-time / dlcourse-time (above 1:
dlcourse grades the class faster than plain nbgrader). Every dlcourse run must give every submission full marks,
else the script stops with an error (a fast but wrong grader is no benchmark). Timings on a loaded machine are
noisy: compare ratios measured back to back (``--repeat`` runs the whole comparison again).

With ``--profile``, each dlcourse run keeps the per-student phase timings the workers log (``phases`` in
``OUT/results/<student>.json``) and the script prints their means.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = ROOT / "Gradient-Based-Learning" / "solutions" / "01_gradient_descent.ipynb"


def prepare(notebook: Path, n: int, base: Path) -> tuple[Path, Path]:
    """A one-notebook topic (``base/<Topic>/solutions/``) and ``n`` submissions; returns both folders."""
    topic = base / notebook.parent.parent.name
    solutions = topic / "solutions"
    solutions.mkdir(parents=True)
    for path in notebook.parent.iterdir():  # the notebook and the files shipped with it, not the other notebooks
        if path.is_file() and (path.suffix != ".ipynb" or path == notebook):
            shutil.copy2(path, solutions / path.name)
    subs = base / "submissions"
    subs.mkdir()
    for i in range(n):
        shutil.copy2(notebook, subs / f"student{i:02d}.ipynb")
    return topic, subs


def plain_nbgrader(topic: Path, subs: Path, base: Path, env: dict) -> float:
    """Seconds for ``nbgrader generate_assignment`` (untimed) then ``nbgrader autograde`` (timed) of the class."""
    course = base / "plain"
    A = topic.name
    shutil.copytree(topic / "solutions", course / "source" / A)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        f"c.Exchange.root = {str(course / 'exchange')!r}\n"
        "c.Execute.timeout = 600\n"
    )
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", A, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    name = next((topic / "solutions").glob("*.ipynb")).name
    for sub in sorted(subs.glob("*.ipynb")):
        dest = course / "submitted" / sub.stem / A
        dest.mkdir(parents=True)
        shutil.copy2(sub, dest / name)
    started = time.perf_counter()
    proc = subprocess.run([*nbgrader, "autograde", A, "--force"], cwd=course, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"nbgrader autograde failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


def dlcourse_grade(topic: Path, subs: Path, out: Path, workers: int, isolation: str, env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dlcourse", "grade", str(topic), str(subs), "--out", str(out), "--workers",
         str(workers), "--isolation", isolation, "--force"],
        env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"dlcourse grade failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    with open(out / "summary.csv", newline="") as f:
        wrong = [r for r in csv.DictReader(f) if r["points"] != r["max_points"] or r["outcome"] != "graded"]
    if wrong:
        raise SystemExit(f"dlcourse grade --workers {workers} did not give full marks: {wrong[:3]}")
    timing = [line for line in proc.stdout.splitlines() if line.startswith("timing: ")]
    (out / "timing.txt").write_text(timing[0] if timing else "")
    return seconds


def phase_means(out: Path) -> dict[str, float]:
    """Mean seconds per phase over the students of one run (from the workers' results)."""
    totals: dict[str, list[float]] = {}
    for path in (out / "results").glob("*.json"):
        for phase, seconds in json.loads(path.read_text()).get("phases", {}).items():
            totals.setdefault(phase, []).append(seconds)
    return {phase: sum(v) / len(v) for phase, v in totals.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", nargs="?", default=str(DEFAULT_NOTEBOOK), help="a TOPIC/solutions/*.ipynb")
    parser.add_argument("-n", type=int, default=10, help="submissions (default 10)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--isolation", default="bwrap", choices=["bwrap", "none"])
    parser.add_argument("--repeat", type=int, default=1, help="run the whole comparison this many times")
    parser.add_argument("--profile", action="store_true", help="print the mean per-student phase timings")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (printed)")
    args = parser.parse_args(argv)
    notebook = Path(args.notebook).resolve()
    env = {**os.environ, "DLCOURSE_QUICK": os.environ.get("DLCOURSE_QUICK", "1")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    base = Path(tempfile.mkdtemp(prefix="dlcourse-bench-grading-"))
    try:
        topic, subs = prepare(notebook, args.n, base)
        print(f"{args.n} correct submissions of {notebook.relative_to(ROOT) if ROOT in notebook.parents else notebook}"
              f"; isolation {args.isolation}; {os.cpu_count()} CPUs")
        for round_ in range(args.repeat):
            plain = plain_nbgrader(topic, subs, base / f"round{round_}", env)
            print(f"  plain nbgrader autograde (serial): {plain:6.1f} s  {args.n / plain * 60:5.1f}/min")
            for w in args.workers:
                out = base / f"round{round_}" / f"out-w{w}"
                seconds = dlcourse_grade(topic, subs, out, w, args.isolation, env)
                print(f"  dlcourse grade --workers {w}:          {seconds:6.1f} s  {args.n / seconds * 60:5.1f}/min"
                      f"  ratio plain/dlcourse {plain / seconds:.2f}x")
                if args.profile:
                    means = phase_means(out)
                    print("    per student: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(means.items())))
                    print(f"    whole run: {(out / 'timing.txt').read_text().removeprefix('timing: ')}")
    finally:
        if args.keep:
            print(f"scratch folder kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

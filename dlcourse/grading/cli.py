"""``dlcourse grade TOPIC SUBMISSIONS_DIR``: autograde a folder of submissions (see :mod:`dlcourse.grading.batch`).

    dlcourse grade Regularization ~/inbox/round4 --out ~/grades/round4 --workers 2
    dlcourse grade tests/assignments/Sample-Assignment subs/ --timeout 10 --memory 1G

SUBMISSIONS_DIR holds one ``<student>.ipynb`` or one ``<student>/`` folder per student. The command prints which
isolation is active (``auto`` refuses to grade when no sandbox can run; ``--isolation none`` grades without one,
and every report says so), one line per student, and writes ``grades.csv``, ``summary.csv`` and one feedback page per
student into the output folder. Exit code 0 when every submission was graded or reported.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(args: argparse.Namespace) -> int:
    from dlcourse.grading.worker import skip_unused_slow_imports

    skip_unused_slow_imports()
    from dlcourse.grading.batch import GradingError, Options, grade_topic
    from dlcourse.grading.sandbox import NO_ISOLATION_NOTE, parse_size
    from dlcourse.release import ReleaseError, find_root, resolve_topic

    try:
        topic = resolve_topic(find_root(), args.topic)
    except ReleaseError as exc:
        print(f"dlcourse grade: {exc}", file=sys.stderr)
        return 2
    submissions = Path(args.submissions)
    out = Path(args.out) if args.out else submissions.resolve().parent / f"{submissions.resolve().name}-graded"
    data = list(args.data or [])
    if not data and os.environ.get("DLCOURSE_DATA"):
        data.append(os.environ["DLCOURSE_DATA"])
    course_data = find_root() / "coursedata"
    if course_data.is_dir():
        data.append(str(course_data))
    options = Options(workers=args.workers, timeout=args.timeout, memory=parse_size(args.memory),
                      isolation=args.isolation, force=args.force, read_only=data,
                      keep_workspaces=args.keep_workspaces)
    try:
        run = grade_topic(topic, submissions, out, options)
    except GradingError as exc:
        print(f"dlcourse grade: {exc}", file=sys.stderr)
        return 1
    students = len(run.results)
    rate = f", {run.graded / run.seconds * 60:.1f} submissions/min" if run.graded else ""
    print(f"Graded {run.graded} of {students} submission(s) in {run.seconds:.0f} s{rate}.")
    if run.isolation == "none":
        print(f"WARNING: every submission was {NO_ISOLATION_NOTE}.")
    print(f"Grades: {run.out / 'grades.csv'}\nSummary: {run.out / 'summary.csv'}\nFeedback: {run.out / 'feedback'}/")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="autograde a folder of student submissions (nbgrader, sandboxed, parallel)",
        description="Autograde every submission in SUBMISSIONS_DIR (one <student>.ipynb or <student>/ folder "
        "each) against TOPIC/solutions with nbgrader. Each student's kernel runs in a sandbox with a per-cell "
        "timeout and a memory limit; bad submissions are reported, never stop the batch.",
    )
    parser.add_argument("topic", metavar="TOPIC", help="topic folder (name or path) with a solutions/ subfolder")
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="folder with one entry per student")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: SUBMISSIONS_DIR-graded next to it)")
    parser.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell before it is interrupted "
                        "(default 600; training cells in full mode need minutes)")
    parser.add_argument("--memory", default="4G", help="resident memory per kernel, e.g. 2G, 512M (default 4G)")
    parser.add_argument("--isolation", choices=["auto", "bwrap", "none"], default="auto",
                        help="auto (default) or bwrap: each kernel in a bubblewrap sandbox; refuses to grade when "
                        "no sandbox can run here. none: no sandbox, only the limits (every report says so)")
    parser.add_argument("--data", action="append", metavar="DIR",
                        help="course data folder the kernels may read (default: $DLCOURSE_DATA and coursedata/)")
    parser.add_argument("--force", action="store_true", help="grade every submission again, even unchanged ones")
    parser.add_argument("--keep-workspaces", action="store_true", help="keep OUT/.work/ for debugging")
    parser.set_defaults(func=main)

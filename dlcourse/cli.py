"""The one command line: ``dlcourse fetch | list | doctor | release | grade | bench``.

Each subcommand lives in the module that owns its work; a module takes part by defining
``register(subparsers)``, which adds its parser and sets ``func`` (called with the parsed arguments, returning
an exit code). Those modules import their heavy dependencies inside ``func`` so ``dlcourse --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from dlcourse import __version__

COMMAND_MODULES = (
    "dlcourse.data.cli",  # fetch, list
    "dlcourse.doctor",  # doctor
    "dlcourse.release",  # release
    "dlcourse.grading.cli",  # grade
    "dlcourse.bench",  # bench
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcourse",
        description="Deep Learning with Python course tools: data, environment check, release, grading, benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"dlcourse {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

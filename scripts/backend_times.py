"""The README's table of quick-mode times per notebook and backend, from the times a `make test` run recorded.

    DLCOURSE_BACKEND_TIMES=/tmp/times.jsonl make test      # each notebook run appends one JSON line
    python scripts/backend_times.py /tmp/times.jsonl       # prints the Markdown table and who is fastest

Rows come from tests/test_hidden_tests.py (TensorFlow: the notebook's own cells, and the whole run with its wrong
submissions) and tests/test_backends.py (JAX, PyTorch). A notebook run twice (a rerun of the suite into the same
file) keeps its last time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def read(path: Path) -> dict[str, dict[str, dict]]:
    """{notebook: {backend: row}} from the JSON-lines file (the last row of a (notebook, backend) pair wins)."""
    runs: dict[str, dict[str, dict]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            runs.setdefault(row["notebook"], {})[row["backend"]] = row
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise SystemExit(f"{path}, line {number}: not a recorded run ({error}): {line[:120]}") from None
    return runs


def table(runs: dict[str, dict[str, dict]]) -> str:
    """The Markdown table (seconds per notebook, minutes in all) and one sentence on the fastest backend."""
    complete = {nb: by for nb, by in runs.items() if set(BACKENDS) <= set(by)}
    missing = sorted(set(runs) - set(complete))
    lines = ["| notebook | TensorFlow | JAX | PyTorch | TensorFlow with its wrong submissions |",
             "|---|---|---|---|---|"]
    totals = dict.fromkeys([*BACKENDS, "with_wrong_submissions"], 0.0)
    fastest = dict.fromkeys(BACKENDS, 0)
    for notebook in sorted(complete):
        by = complete[notebook]
        seconds = {backend: by[backend]["seconds"] for backend in BACKENDS}
        whole = by["tensorflow"].get("with_wrong_submissions", seconds["tensorflow"])
        for backend, value in seconds.items():
            totals[backend] += value
        totals["with_wrong_submissions"] += whole
        fastest[min(seconds, key=seconds.get)] += 1
        topic, _, name = notebook.split("/", 2)
        cells = [f"{seconds[b]:.0f} s" for b in BACKENDS] + [f"{whole:.0f} s"]
        lines.append(f"| {topic} {Path(name).stem} | " + " | ".join(cells) + " |")
    lines.append(f"| **all {len(complete)}** | " + " | ".join(f"{totals[key] / 60:.1f} min" for key in totals) + " |")
    ranking = sorted(BACKENDS, key=lambda b: -fastest[b])
    summary = ", ".join(f"{BACKENDS[b]} for {fastest[b]} ({totals[b] / 60:.1f} minutes)" for b in ranking)
    text = "\n".join(lines) + f"\n\nFastest backend per notebook: {summary}."
    if missing:
        text += "\n\nLeft out (not run on every backend): " + ", ".join(missing)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("times", type=Path, help="the JSON-lines file named by DLCOURSE_BACKEND_TIMES")
    args = parser.parse_args(argv)
    if not args.times.is_file():
        print(f"{args.times}: no such file; run `DLCOURSE_BACKEND_TIMES={args.times} make test` first",
              file=sys.stderr)
        return 2
    print(table(read(args.times)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

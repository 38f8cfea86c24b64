"""Plausible wrong submissions that pass an exercise's visible check and must lose points in its hidden tests.

One module per topic folder (``Components_of_Machine_Learning.py`` for ``Components-of-Machine-Learning/``, ...),
each defining ``WRONG``: a dict from ``(notebook file name, check cell grade_id)`` to a :class:`Wrong`.
``tests/test_hidden_tests.py`` runs every one of them and requires an entry for every check cell with hidden tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wrong:
    """A wrong answer: ``source`` replaces the exercise's solution cell, as a student would write it.

    ``why`` says in a few words what is wrong (shown when the test fails). ``setup`` is code run before it (e.g.
    to remove a model file the correct solution saved, so that the wrong training function really runs).
    """

    source: str
    why: str
    setup: str = ""


def forget_saved(stem: str) -> str:
    """Set-up code that deletes the quick-mode model (and its history) the solution saved under ``stem``, so that
    ``train_or_load`` runs the wrong training function instead of loading the correct model."""
    return (f"import os\nfor _name in ('{stem}.quick.keras', '{stem}.quick.history.json'):\n"
            "    if os.path.exists(_name):\n        os.remove(_name)\n")


def with_line(source: str, line: str, wrong_line: str) -> str:
    """``source`` (a correct solution cell) with one line, or one piece of a line, replaced by a mistake."""
    assert source.count(line) == 1, f"expected {line!r} once in the correct source"
    return source.replace(line, wrong_line)

"""Checks that teach: the helpers called in every exercise's check cell.

Each check prints one short line starting with ``✓`` when it passes. When it fails it raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0) whose message says what was expected,
what was found, and a hint that names the cause when the evidence fits one::

    ✗ y_pred: expected shape (100, 1); found shape (100,)
      Hint: your output has shape (100,), expected (100, 1): did you forget keepdims=True (in a sum or
      mean) or a .reshape(100, 1)?

When no cause fits the evidence, the message states the facts and a neutral next step instead of a guess::

    ✗ mse: expected 0.5; found 1.0
      Observed: your result is 2 times the expected one.
      Next step: recompute this value step by step and compare each intermediate result with the formula ...

(``diagnose`` lists each cause and the evidence it needs; authors tie their own hints to a condition with
``hints={cause_or_callable: text}``, and give ``n=`` or ``kind=`` as evidence.) In Jupyter only that message is
shown (no traceback through this package), so hidden test code never leaks into it.

- :func:`check_value` — numbers, bools, strings, sequences and dicts, with a tolerance for floats;
- :func:`check_array` — NumPy arrays: shape, dtype and values;
- :func:`check_function` — run a function on several cases (visible ones, and different hidden ones when grading);
- :func:`check_model` — a Keras model's layers, shapes, parameter count, loss and optimizer;
- :func:`check_trained` — a trained model's test metric against a threshold for full or quick mode;
- :func:`train_or_load` — train once and save ``name.keras``; later runs (and the grader) load the file;
- :func:`check_dataset` — a ``tf.data`` pipeline's element spec, steps, elements, reshuffling and work done
  (with :func:`count_calls` and :func:`pipeline_steps`).

This package imports only NumPy; Keras is imported inside the functions that need it. One module per part:
``hints`` (the hint texts), ``failure`` (the exceptions, ``hidden_case``), ``describe`` (values in a few words),
``compare`` (what differs), ``diagnose`` (which cause the evidence supports), ``values`` (``check_value``,
``check_array``), ``functions`` (``check_function``), ``models`` (``check_model``), ``trained``
(``check_trained``), ``persist`` (``train_or_load``) and ``datasets`` (``check_dataset``).
"""

from __future__ import annotations

from .compare import _compare, _compare_arrays
from .datasets import CallCounter, check_dataset, count_calls, pipeline_steps
from .describe import _describe, _kind, _to_numpy
from .failure import CheckFailed, HiddenCaseFailed, hidden_case
from .functions import check_function
from .hints import *  # noqa: F403  (the HINT_* texts, as dlcourse.checks.HINT_...)
from .models import check_model
from .persist import train_or_load
from .trained import check_trained
from .values import check_array, check_value

__all__ = [
    "CheckFailed",
    "check_value",
    "check_array",
    "check_function",
    "check_model",
    "check_trained",
    "train_or_load",
    "hidden_case",
    "HiddenCaseFailed",
    "check_dataset",
    "count_calls",
    "CallCounter",
    "pipeline_steps",
]

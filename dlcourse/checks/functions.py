"""``check_function``: run the student's function on several cases."""

from __future__ import annotations

import copy
import inspect
import numbers
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .compare import _compare, _fail
from .describe import _describe, _kind
from .failure import CheckFailed, _count, _passed
from .hints import HINT_NONE_RETURNED, HINT_NOT_IMPLEMENTED, HINT_UNDEFINED

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

def _normalise_case(case: Any, number: int) -> tuple[tuple, dict, Any, str | None]:
    if isinstance(case, Mapping):
        if "expected" not in case:
            raise ValueError(f"case {number}: a dict case needs an 'expected' key")
        args = case.get("args", ())
        args = args if isinstance(args, tuple) else (args,)
        return args, dict(case.get("kwargs", {})), case["expected"], case.get("hint")
    if isinstance(case, (tuple, list)) and len(case) == 2:
        args, expected = case
        return (args if isinstance(args, tuple) else (args,)), {}, expected, None
    raise ValueError(f"case {number}: expected (args_tuple, expected) or a dict with 'args' and 'expected'")


def _plain_data(x: Any) -> bool:
    if x is None or isinstance(x, (numbers.Number, np.generic, str, bytes, np.ndarray)):
        return True
    if isinstance(x, (list, tuple, set)):
        return all(_plain_data(item) for item in x)
    if isinstance(x, dict):
        return all(_plain_data(k) and _plain_data(v) for k, v in x.items())
    return False


def _call_text(name: str, func: Callable, args: tuple, kwargs: dict) -> str:
    shown: list[str] = []
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
        shown = [f"{key}={_describe(value)}" for key, value in bound.arguments.items()]
    except (TypeError, ValueError):
        shown = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def _short_traceback(exc: BaseException) -> list[str]:
    """The frames of the student's code (not this module, not libraries), at most three, and the error line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.dirname(os.path.abspath(f.filename)) != _PACKAGE_DIR]
    own = [f for f in frames if "site-packages" not in f.filename and "dist-packages" not in f.filename]
    lines = ["your code:"] if frames else []
    for frame in (own or frames)[-3:]:
        where = "cell" if "ipykernel" in frame.filename else os.path.basename(frame.filename)
        code = f": {frame.line.strip()}" if frame.line else ""
        lines.append(f"  {where}, line {frame.lineno}, in {frame.name}{code}")
    message = str(exc)
    message = message if len(message) <= 300 else message[:297] + "..."
    lines.append(f"{type(exc).__name__}: {message}")
    return lines


def _exception_hint(exc: BaseException, called_directly: bool) -> str | None:
    text = str(exc)
    if isinstance(exc, TypeError) and called_directly and (
        "positional argument" in text or "keyword argument" in text or "required" in text
    ):
        return "your function's parameters differ from the exercise's: keep the `def` line given in the exercise."
    if isinstance(exc, TypeError) and "NoneType" in text:
        return "a value in that line is None: does a function you call lack a `return`?"
    if isinstance(exc, ValueError) and ("matmul" in text or "not aligned" in text or "broadcast" in text):
        return "print the shapes of the arrays in that line (x.shape): they do not fit together."
    if isinstance(exc, NameError):
        return "a name is not defined: run the cells above yours (imports, definitions) and check the spelling."
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero: check the denominator (an empty batch? n = 0?)."
    return None


def check_function(
    func: Callable | str,
    cases: Sequence[Any],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    name: str | None = None,
    compare: Callable[[Any, Any], Any] | None = None,
) -> None:
    """Run the student's function on several cases and compare each result with the expected one.

    Parameters
    ----------
    func
        The student's function, or its name as a string (then a missing definition gets a friendly message
        instead of a NameError).
    cases
        A list of ``(args_tuple, expected)`` pairs (a non-tuple first item is a single argument), or dicts
        ``{"args": (...), "kwargs": {...}, "expected": ..., "hint": "optional case-specific hint"}``.
        Arguments are deep-copied, so a function that modifies its inputs cannot spoil later cases.
    rtol, atol
        Tolerance for floats and arrays.
    name
        Name shown in messages (default: the function's name).
    compare
        Optional ``compare(found, expected)``: returns True when the result is acceptable (it may also raise
        an AssertionError with its own message). Replaces the default comparison.

    Raises
    ------
    CheckFailed
        For the first failing case, with its inputs; for an exception in the student's function, with a
        short traceback of the student's code.

    Examples
    --------
    >>> def square(x):
    ...     return x * x
    >>> check_function(square, [((2,), 4), ((-1.5,), 2.25)])
    ✓ square: 2 cases passed
    """
    __tracebackhide__ = True
    if isinstance(func, str):
        label = name or func
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        namespace = {**(caller.f_globals if caller else {}), **(caller.f_locals if caller else {})}
        del frame, caller
        if func not in namespace:
            raise CheckFailed(
                label, f"a function named `{func}`", "no such name", [HINT_UNDEFINED.format(name=func)]
            ) from None
        func = namespace[func]
    label = name or getattr(func, "__name__", "function")
    if func is None or not callable(func):
        raise CheckFailed(label, "a function", _kind(func), ["define it with `def ...:` and run that cell."]) from None
    normalised = [_normalise_case(case, i) for i, case in enumerate(cases, 1)]
    total = len(normalised)
    for number, (args, kwargs, expected, case_hint) in enumerate(normalised, 1):
        where = f"{label} (case {number} of {total})"
        call = _call_text(label, func, args, kwargs)
        call_args, call_kwargs = args, kwargs
        if _plain_data((args, kwargs)):  # copy inputs the function might modify; never copy models or tensors
            call_args, call_kwargs = copy.deepcopy((args, kwargs))
        try:
            result = func(*call_args, **call_kwargs)
        except NotImplementedError:
            raise CheckFailed(label, "your solution", "NotImplementedError raised", [HINT_NOT_IMPLEMENTED]) from None
        except Exception as exc:  # the student's code failed: show where, briefly
            tb_frames = traceback.extract_tb(exc.__traceback__)
            called_directly = len(tb_frames) == 1  # raised by the call itself (wrong signature)
            err = CheckFailed(
                where,
                _describe(expected),
                f"{type(exc).__name__} raised",
                [_exception_hint(exc, called_directly), case_hint],
                [f"call: {call}", *_short_traceback(exc)],
            )
            err.original = exc
            raise err from None
        if compare is not None:
            try:
                ok, message = bool(compare(result, expected)), None
            except AssertionError as exc:
                ok, message = False, str(exc) or None
            if not ok:
                raise CheckFailed(
                    where, f"a result accepted by the comparison (e.g. {_describe(expected)})", _describe(result),
                    [message, case_hint], [f"call: {call}"],
                ) from None
            continue
        if result is None and expected is not None:
            raise CheckFailed(
                where, _describe(expected), "None", [HINT_NONE_RETURNED, case_hint], [f"call: {call}"]
            ) from None
        mismatch = _compare(result, expected, rtol, atol)
        if mismatch:
            raise _fail(where, mismatch, case_hint, [f"call: {call}"]) from None
    _passed(f"{label}: {_count(total, 'case')} passed")

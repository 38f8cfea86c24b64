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
from .diagnose import Evidence, HintConditions, call_quietly, evidence_for, validate_hints
from .failure import CheckFailed, _count, _passed
from .hints import NEXT_STEP_FUNCTION, NEXT_STEP_SHAPES, Hint, cause

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


def _exception_hint(exc: BaseException, called_directly: bool) -> tuple[str | None, str | None]:
    """(a cause the exception shows, or else a neutral next step)."""
    text = str(exc)
    if isinstance(exc, TypeError) and called_directly and (
        "positional argument" in text or "keyword argument" in text or "required" in text
    ):
        return cause("signature"), None
    if isinstance(exc, TypeError) and "NoneType" in text:
        return cause("none_in_line"), None
    if isinstance(exc, NameError):
        return cause("name_in_function"), None
    if isinstance(exc, ZeroDivisionError):
        return cause("zero_division"), None
    if isinstance(exc, ValueError) and ("matmul" in text or "not aligned" in text or "broadcast" in text):
        return None, NEXT_STEP_SHAPES
    return None, NEXT_STEP_FUNCTION


def _is_data(value: Any) -> bool:
    """Whether a notebook variable holds data a function might read instead of its parameter."""
    if isinstance(value, np.ndarray):
        return value.ndim >= 1
    if isinstance(value, list):
        return bool(value) and all(isinstance(item, (numbers.Number, np.number)) for item in value)
    return hasattr(value, "to_numpy") and hasattr(value, "shape") and not isinstance(value, type)  # pandas


def _data_globals(func: Callable) -> dict[str, Any]:
    """The notebook variables holding data that ``func``'s code reads (its global names, nested code included)."""
    code = getattr(func, "__code__", None)
    namespace = getattr(func, "__globals__", {})
    names: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(const for const in current.co_consts if hasattr(const, "co_names"))
    return {name: namespace[name] for name in sorted(names) if name in namespace and _is_data(namespace[name])}


def _differs(a: Any, b: Any) -> bool:
    """Whether two inputs of the same kind differ (so the same result for both is evidence of ignoring one)."""
    if _is_data(a) and _is_data(b) and not hasattr(a, "to_numpy") and not hasattr(b, "to_numpy"):
        a, b = np.asarray(a), np.asarray(b)  # a list of numbers and an array are the same kind of input
        return a.ndim == b.ndim and not (a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if type(a) is not type(b):
        return False
    try:
        return not bool(a.equals(b)) if hasattr(a, "equals") else bool(a != b)
    except Exception:
        return False


def _probe(func: Callable, bound: inspect.BoundArguments, param: str, value: Any) -> tuple[bool, Any]:
    """Call ``func`` with one argument replaced: (whether it returned, its result)."""
    # copies: a function that modifies its inputs must not change the case's or the notebook's own data
    arguments = {name: copy.deepcopy(arg) if _plain_data(arg) or _is_data(arg) else arg
                 for name, arg in bound.arguments.items()}
    arguments[param] = copy.deepcopy(value)
    trial = inspect.BoundArguments(bound.signature, arguments)
    try:
        return True, call_quietly(func, trial.args, trial.kwargs)
    except Exception:
        return False, None


def _probe_causes(func: Callable, args: tuple, kwargs: dict, result: Any, expected: Any, ev: Evidence,
                  earlier: list[tuple[int, Any, Any]], same: Callable[[Any, Any], bool]) -> list[str]:
    """Causes found by calling the function with other inputs: notebook variables read instead of parameters,
    inputs ignored (an earlier case's other inputs gave this result), a flipped kernel."""
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return []
    data = _data_globals(func)
    for param, value in bound.arguments.items():
        for name, variable in data.items():
            if variable is not value and _differs(value, variable):
                ok, other = _probe(func, bound, param, variable)
                if ok and same(other, result):
                    return [cause("globals", param=param, name=name)]
    for number, other_expected, other_result in earlier:
        if not same(other_expected, expected) and same(other_result, result):
            reads = f" (it reads the notebook variable{'s' if len(data) > 1 else ''} " + ", ".join(
                f"`{name}`" for name in data) + ")" if data else ""
            return [cause("ignores_input", other=number, reads=reads)]
    if ev.kind == "convolution":
        for param, value in bound.arguments.items():
            if isinstance(value, np.ndarray) and value.ndim >= 2 and value.shape[-2:] != (1, 1):
                ok, other = _probe(func, bound, param, value[..., ::-1, ::-1])
                if ok and same(other, expected):
                    return [cause("kernel_flipped", arg=param)]
    return []


def check_function(
    func: Callable | str,
    cases: Sequence[Any],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    name: str | None = None,
    compare: Callable[[Any, Any], Any] | None = None,
    hints: HintConditions = None,
    kind: str | None = None,
) -> None:
    """Run the student's function on several cases and compare each result with the expected one.

    Parameters
    ----------
    func
        The student's function, or its name as a string (then a missing definition gets a friendly message
        instead of a NameError).
    cases
        A list of ``(args_tuple, expected)`` pairs (a non-tuple first item is a single argument), or dicts
        ``{"args": (...), "kwargs": {...}, "expected": ..., "hint": "optional case-specific hint"}`` (a case's
        hint is shown as a neutral note when no cause is found). Arguments are deep-copied, so a function that
        modifies its inputs cannot spoil later cases.
    rtol, atol
        Tolerance for floats and arrays.
    name
        Name shown in messages (default: the function's name).
    compare
        Optional ``compare(found, expected)``: returns True when the result is acceptable (it may also raise
        an AssertionError with its own message, shown as the hint). Replaces the default comparison.
    hints
        Hints tied to the condition they describe, as for :func:`check_value`.
    kind
        ``"gradient"`` or ``"convolution"`` (default: guessed from the name), as for :func:`check_value`. The
        sample counts n that a sum-vs-mean or ddof cause needs are the lengths and sizes of the case's arrays.

    Raises
    ------
    CheckFailed
        For the first failing case, with its inputs; for an exception in the student's function, with a
        short traceback of the student's code. When a case fails, the function may be called again with other
        inputs (a notebook variable it reads in place of a parameter, a flipped kernel) to find the cause.

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
                label, f"a function named `{func}`", "no such name", [cause("undefined", name=func)]
            ) from None
        func = namespace[func]
    label = name or getattr(func, "__name__", "function")
    if func is None or not callable(func):
        raise CheckFailed(label, "a function", _kind(func), ["define it with `def ...:` and run that cell."]) from None
    validate_hints(hints)
    normalised = [_normalise_case(case, i) for i, case in enumerate(cases, 1)]
    total = len(normalised)
    earlier: list[tuple[int, Any, Any]] = []  # (case number, expected, result) of the cases that passed
    for number, (args, kwargs, expected, case_hint) in enumerate(normalised, 1):
        where = f"{label} (case {number} of {total})"
        call = _call_text(label, func, args, kwargs)
        call_args, call_kwargs = args, kwargs
        if _plain_data((args, kwargs)):  # copy inputs the function might modify; never copy models or tensors
            call_args, call_kwargs = copy.deepcopy((args, kwargs))
        try:
            result = func(*call_args, **call_kwargs)
        except NotImplementedError:
            raise CheckFailed(label, "your solution", "NotImplementedError raised", [cause("not_implemented")]) from None
        except Exception as exc:  # the student's code failed: show where, briefly
            tb_frames = traceback.extract_tb(exc.__traceback__)
            called_directly = len(tb_frames) == 1  # raised by the call itself (wrong signature)
            found_cause, next_step = _exception_hint(exc, called_directly)
            err = CheckFailed(
                where,
                _describe(expected),
                f"{type(exc).__name__} raised",
                [found_cause],
                [f"call: {call}", *_short_traceback(exc)],
                [case_hint],
                None if found_cause else next_step,
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
                    [Hint(message, "author") if message else None], [f"call: {call}"], [case_hint],
                    None if message else NEXT_STEP_FUNCTION,
                ) from None
            continue
        if result is None and expected is not None:
            raise CheckFailed(
                where, _describe(expected), "None", [cause("none_returned")], [f"call: {call}"]
            ) from None
        ev = evidence_for(label, None, kind, (*args, *kwargs.values()))
        mismatch = _compare(result, expected, rtol, atol, ev=ev)
        if mismatch:
            def same(a: Any, b: Any) -> bool:
                return _compare(a, b, rtol, atol) is None

            probed = _probe_causes(func, args, kwargs, result, expected, ev, earlier, same)
            if probed:  # calling it with other inputs is stronger evidence than the values alone
                mismatch.hints = probed
            raise _fail(where, mismatch, result, expected, hint=case_hint, hints=hints, details=[f"call: {call}"],
                        next_step=NEXT_STEP_FUNCTION) from None
        earlier.append((number, expected, result))
    _passed(f"{label}: {_count(total, 'case')} passed")

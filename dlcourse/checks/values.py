"""``check_value`` and ``check_array``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .compare import _compare, _compare_arrays, _fail, _Mismatch, _shape_matches
from .describe import _describe, _is_number, _kind, _shape_str, _tensor_problem, _to_numpy
from .diagnose import HintConditions, evidence_for, shape_cause, validate_hints
from .failure import _passed
from .hints import NEXT_STEP_VALUE, cause

_AUTHOR_PARAMETERS = """
    hint
        An exercise-specific hint. Shown as a cause for a bool or string check (the check is its condition);
        otherwise shown as a neutral note, and only when no automatic cause was found. Prefer ``hints=``.
    hints
        Hints tied to the condition they describe: ``{condition: text}`` where the condition is the key of an
        automatic cause (``"sum_not_mean"``, ``"ddof"`` ... see :mod:`dlcourse.checks.diagnose`), shown with it,
        or a callable ``condition(found, expected) -> bool``.
    n
        The number of samples the value was computed from, if any: the evidence for the causes that depend on it
        (a sum instead of a mean, ddof). Without it those causes are not named (except ddof's unmistakable ratio).
    kind
        ``"gradient"`` or ``"convolution"`` when the value comes from such an exercise (a flipped sign then names
        the gradient step or the flipped kernel); by default guessed from ``name``; any other text turns it off.
"""


def check_value(
    name: str,
    found: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
    hints: HintConditions = None,
    n: int | Sequence[int] | None = None,
    kind: str | None = None,
) -> None:
    """Check a number, bool, string, sequence or dict; floats are compared with a tolerance.

    Parameters
    ----------
    name
        What is checked, as the student knows it (the variable or function name).
    found
        The student's value.
    expected
        The correct value. Floats match when ``|found - expected| <= atol + rtol * |expected|``; tuples, lists
        and dicts are compared item by item.
    rtol, atol
        Relative and absolute tolerance for floats.
    hint, hints, n, kind
        See below.

    Raises
    ------
    CheckFailed
        With the expected and found value, and a hint that names a cause when the evidence fits one.

    Examples
    --------
    >>> check_value("mse", 0.5 + 1e-12, 0.5)
    ✓ mse: correct (0.5)
    """
    __tracebackhide__ = True
    validate_hints(hints)
    mismatch = _compare(found, expected, rtol, atol, ev=evidence_for(name, n, kind))
    if mismatch:
        raise _fail(name, mismatch, found, expected, hint=hint, hints=hints, next_step=NEXT_STEP_VALUE) from None
    _passed(f"{name}: correct ({_describe(found)})")


check_value.__doc__ = check_value.__doc__.replace("    hint, hints, n, kind\n        See below.\n", _AUTHOR_PARAMETERS[1:])


def _dtype_target(dtype: Any) -> Any:
    generic = {float: np.floating, "float": np.floating, int: np.integer, "int": np.integer, bool: np.bool_,
               "bool": np.bool_, complex: np.complexfloating}
    try:
        return generic.get(dtype, dtype)
    except TypeError:  # unhashable
        return dtype


def _dtype_name(target: Any) -> str:
    names = {np.floating: "float", np.integer: "int", np.bool_: "bool", np.complexfloating: "complex"}
    if target in names:
        return names[target]
    return str(np.dtype(target))


def _dtype_hint(found: np.dtype, target: Any) -> str | None:
    wanted = np.dtype(np.float64 if target is np.floating else np.int64 if target is np.integer else target)
    if found.kind in "iu" and wanted.kind == "f":
        return cause("int_dtype", dtype=found)
    if found.kind == "f" and wanted.kind == "f":
        return cause("float_dtype", wanted=wanted)
    if found.kind == "f" and wanted.kind in "iu":
        return cause("label_dtype")
    if found.kind == "b" and wanted.kind != "b":
        return cause("bool_dtype", wanted=wanted)
    return None


def check_array(
    name: str,
    found: Any,
    expected: Any = None,
    *,
    shape: Sequence[int | None] | None = None,
    dtype: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str | None = None,
    hints: HintConditions = None,
    n: int | Sequence[int] | None = None,
    kind: str | None = None,
) -> None:
    """Check a NumPy array: its type, shape, dtype and (if ``expected`` is given) its values.

    Parameters
    ----------
    name
        What is checked (the variable or function name the student knows).
    found
        The student's array. Tensors (TensorFlow, Keras) are converted to NumPy; a Python list fails with a hint.
    expected
        The correct array, or None to check only shape/dtype (and the absence of NaN/inf).
    shape
        The expected shape; ``None`` entries match any size, e.g. ``shape=(None, 10)``. Defaults to
        ``expected.shape``.
    dtype
        The expected dtype: exact (``"float32"``, ``np.int64``) or a kind (``float``, ``int``, ``bool``).
    rtol, atol
        Tolerance for the values (as :func:`numpy.isclose`).
    hint, hints, n, kind
        As for :func:`check_value`.

    Raises
    ------
    CheckFailed
        Naming a cause when the evidence fits: (n,) vs (n, 1) (keepdims), transposes, accidental (n, n)
        broadcasts, off-by-one lengths, integer division, a list instead of an array, NaN, a missing square root,
        a sum instead of a mean (with ``n``), ddof; otherwise expected/found, the facts and a neutral next step.

    Examples
    --------
    >>> check_array("y_pred", np.zeros((3, 1)), shape=(3, 1), dtype=float)
    ✓ y_pred: shape (3, 1), dtype float64
    """
    __tracebackhide__ = True
    validate_hints(hints)
    found = _to_numpy(found)
    exp_arr = None if expected is None else np.asarray(_to_numpy(expected))
    want_shape = tuple(shape) if shape is not None else (exp_arr.shape if exp_arr is not None else None)
    want_text = f"a NumPy array of shape {_shape_str(want_shape)}" if want_shape is not None else "a NumPy array"

    def fail(mismatch: _Mismatch) -> Exception:
        return _fail(name, mismatch, found, expected, hint=hint, hints=hints, next_step=NEXT_STEP_VALUE)

    if found is None:
        raise fail(_Mismatch(want_text, "None", [cause("none_value")])) from None
    if isinstance(found, (list, tuple)):
        raise fail(_Mismatch(want_text, _kind(found), [cause("list")])) from None
    if _is_number(found) or isinstance(found, (bool, np.bool_)):
        found = np.asarray(found)
        if want_shape is not None and len(want_shape) > 0:
            raise fail(_Mismatch(want_text, _kind(found.item()))) from None
    if not isinstance(found, np.ndarray):
        raise fail(_Mismatch(want_text, _kind(found), [_tensor_problem(found)])) from None
    if want_shape is not None and not _shape_matches(found.shape, want_shape):
        raise fail(_Mismatch(f"shape {_shape_str(want_shape)}", f"shape {_shape_str(found.shape)}",
                             [shape_cause(found.shape, want_shape)])) from None
    if dtype is not None:
        target = _dtype_target(dtype)
        if not np.issubdtype(found.dtype, target):
            raise fail(_Mismatch(f"dtype {_dtype_name(target)}", f"dtype {found.dtype}",
                                 [_dtype_hint(found.dtype, target)])) from None
    if exp_arr is not None:
        mismatch = _compare_arrays(found, exp_arr, rtol, atol, ev=evidence_for(name, n, kind))
        if mismatch:
            raise fail(mismatch) from None
    elif found.dtype.kind in "fc" and not np.isfinite(found).all():
        nan = np.isnan(found)
        bad = nan if nan.any() else ~np.isfinite(found)
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if nan.any() else "inf"
        raise fail(_Mismatch("finite numbers", f"{what} at index {idx} ({int(bad.sum())} of {found.size} values)",
                             [cause("nan" if nan.any() else "inf")])) from None
    parts = [f"shape {_shape_str(found.shape)}"]
    if dtype is not None:
        parts.append(f"dtype {found.dtype}")
    if exp_arr is not None:
        parts.append("values correct")
    _passed(f"{name}: {', '.join(parts)}")

"""``check_value`` and ``check_array``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .compare import _compare, _compare_arrays, _fail, _shape_hint, _shape_matches
from .describe import _describe, _is_number, _kind, _shape_str, _to_numpy
from .failure import CheckFailed, _passed
from .hints import HINT_INF, HINT_INT_DTYPE, HINT_LIST, HINT_NAN, HINT_NONE_VALUE

def check_value(
    name: str, found: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-8, hint: str | None = None
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
    hint
        An exercise-specific hint shown when the check fails (after the automatic one, if any).

    Raises
    ------
    CheckFailed
        With the expected and found value and a hint for the likely mistake.

    Examples
    --------
    >>> check_value("mse", 0.5 + 1e-12, 0.5)
    ✓ mse: correct (0.5)
    """
    __tracebackhide__ = True
    mismatch = _compare(found, expected, rtol, atol)
    if mismatch:
        raise _fail(name, mismatch, hint) from None
    _passed(f"{name}: correct ({_describe(found)})")


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
        return HINT_INT_DTYPE.format(dtype=found)
    if found.kind == "f" and wanted.kind == "f":
        return f"convert with .astype('{wanted}')."
    if found.kind == "f" and wanted.kind in "iu":
        return "class labels and counts are integers: convert with .astype(int) (np.argmax already returns integers)."
    if found.kind == "b" and wanted.kind != "b":
        return f"your array holds True/False values; convert with .astype('{wanted}')."
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
    hint
        An exercise-specific hint shown when the check fails.

    Raises
    ------
    CheckFailed
        Naming the classic mistakes: (n,) vs (n, 1) (keepdims), transposes, accidental (n, n) broadcasts,
        integer dtype, list instead of array, NaN, a constant factor (sum vs mean, a missing 1/2), a flipped sign.

    Examples
    --------
    >>> check_array("y_pred", np.zeros((3, 1)), shape=(3, 1), dtype=float)
    ✓ y_pred: shape (3, 1), dtype float64
    """
    __tracebackhide__ = True
    found = _to_numpy(found)
    exp_arr = None if expected is None else np.asarray(_to_numpy(expected))
    want_shape = tuple(shape) if shape is not None else (exp_arr.shape if exp_arr is not None else None)
    want_text = f"a NumPy array of shape {_shape_str(want_shape)}" if want_shape is not None else "a NumPy array"
    if found is None:
        raise CheckFailed(name, want_text, "None", [HINT_NONE_VALUE, hint]) from None
    if isinstance(found, (list, tuple)):
        raise CheckFailed(name, want_text, _kind(found), [HINT_LIST, hint]) from None
    if _is_number(found) or isinstance(found, (bool, np.bool_)):
        found = np.asarray(found)
        if want_shape is not None and len(want_shape) > 0:
            raise CheckFailed(name, want_text, _kind(found.item()), [hint]) from None
    if not isinstance(found, np.ndarray):
        raise CheckFailed(name, want_text, _kind(found), [hint]) from None
    if want_shape is not None and not _shape_matches(found.shape, want_shape):
        raise CheckFailed(
            name,
            f"shape {_shape_str(want_shape)}",
            f"shape {_shape_str(found.shape)}",
            [_shape_hint(found.shape, want_shape), hint],
        ) from None
    if dtype is not None:
        target = _dtype_target(dtype)
        if not np.issubdtype(found.dtype, target):
            raise CheckFailed(
                name, f"dtype {_dtype_name(target)}", f"dtype {found.dtype}", [_dtype_hint(found.dtype, target), hint]
            ) from None
    if exp_arr is not None:
        mismatch = _compare_arrays(found, exp_arr, rtol, atol)
        if mismatch:
            raise _fail(name, mismatch, hint) from None
    elif found.dtype.kind in "fc" and not np.isfinite(found).all():
        nan = np.isnan(found)
        bad = nan if nan.any() else ~np.isfinite(found)
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if nan.any() else "inf"
        raise CheckFailed(
            name, "finite numbers", f"{what} at index {idx} ({int(bad.sum())} of {found.size} values)",
            [HINT_NAN if nan.any() else HINT_INF, hint],
        ) from None
    parts = [f"shape {_shape_str(found.shape)}"]
    if dtype is not None:
        parts.append(f"dtype {found.dtype}")
    if exp_arr is not None:
        parts.append("values correct")
    _passed(f"{name}: {', '.join(parts)}")

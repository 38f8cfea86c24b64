"""Comparing a found value with the expected one: what differs, and the evidence for a cause."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .describe import _MAX_INLINE, _array_text, _describe, _is_float, _is_number, _kind, _num, _num_pair, _shape_str, _to_numpy
from .failure import CheckFailed
from .hints import *  # noqa: F403

@dataclass
class _Mismatch:
    expected: str
    found: str
    hints: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def at(self, where: str) -> _Mismatch:
        if where:
            self.expected = f"{where} = {self.expected}"
            self.found = f"{where} = {self.found}"
        return self


def _near(a: float, b: float, rel: float = 1e-4) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


def _ratio_hint(r: float, float_expected: bool) -> str | None:
    """Hint for found == r * expected (r the same for every element)."""
    if _near(r, -1.0):
        return HINT_SIGN
    if not float_expected or not math.isfinite(r) or r == 0:
        return None
    if _near(r, 2.0):
        return HINT_TWICE
    if _near(r, 0.5):
        return HINT_HALF
    if r > 0:
        k = round(r)
        if 3 <= k <= 10**7 and _near(r, k, 1e-6 * k):
            return HINT_SUM_NOT_MEAN.format(k=k)
        k = round(1 / r)
        if 3 <= k <= 10**7 and _near(1 / r, k, 1e-6 * k):
            return HINT_MEAN_NOT_SUM.format(k=k)
    return None


def _compare_numbers(found: Any, expected: Any, rtol: float, atol: float) -> _Mismatch | None:
    if isinstance(expected, np.ndarray):
        expected = expected.item()
    if isinstance(found, np.ndarray):
        if found.ndim == 0:
            found = found.item()
        elif found.size == 1:
            return _Mismatch(_num(expected), f"an array of shape {_shape_str(found.shape)}",
                             [HINT_ARRAY_FOR_SCALAR.format(shape=_shape_str(found.shape))])
        else:
            return _Mismatch(f"a single number ({_num(expected)})", f"an array of shape {_shape_str(found.shape)}",
                             [HINT_NOT_REDUCED.format(shape=_shape_str(found.shape))])
    if isinstance(found, (list, tuple)) and len(found) == 1 and _is_number(found[0]):
        return _Mismatch(_num(expected), _kind(found), ["return the number itself, not a list containing it."])
    if not _is_number(found):
        hints = []
        if isinstance(found, str):
            hints.append("you returned a string; return the number itself (no quotes, no str(...)).")
        return _Mismatch(f"a number ({_num(expected)})", _kind(found), hints)
    f, e = found, expected
    if math.isnan(float(e)) and math.isnan(float(f)):
        return None
    if math.isclose(float(f), float(e), rel_tol=rtol, abs_tol=atol) or (
        isinstance(f, (numbers.Integral, np.integer)) and isinstance(e, (numbers.Integral, np.integer)) and f == e
    ):
        return None
    f_text, e_text = _num_pair(f, e)
    mismatch = _Mismatch(e_text, f_text)
    float_expected = _is_float(e) and not float(e).is_integer()
    if math.isnan(float(f)):
        mismatch.hints.append(HINT_NAN)
    elif math.isinf(float(f)):
        mismatch.hints.append(HINT_INF)
    elif isinstance(f, (numbers.Integral, np.integer)) and float_expected and f in (math.floor(e), math.trunc(e)):
        mismatch.hints.append(HINT_INT_VALUE)
    elif e != 0:
        hint = _ratio_hint(float(f) / float(e), _is_float(e))
        if hint:
            mismatch.hints.append(hint)
    return mismatch


def _shape_matches(found: tuple, expected: tuple) -> bool:
    return len(found) == len(expected) and all(e is None or f == e for f, e in zip(found, expected))


def _shape_hint(found: tuple, expected: tuple) -> str | None:
    """The hint for the usual shape mistakes: (n,) vs (n, 1), transposes, accidental (n, n) broadcasts."""
    if len(found) == len(expected):  # fill wildcards from the found shape
        expected = tuple(f if e is None else e for f, e in zip(found, expected))
    if any(e is None for e in expected):
        return None
    fs, es = _shape_str(found), _shape_str(expected)
    size_f, size_e = math.prod(found), math.prod(expected)
    squeeze = lambda shape: tuple(d for d in shape if d != 1)  # noqa: E731
    if size_f == size_e and squeeze(found) == squeeze(expected):
        if len(found) < len(expected):
            return HINT_KEEPDIMS.format(found=fs, expected=es, args=", ".join(str(d) for d in expected))
        if len(found) > len(expected):
            fix = ".item()" if not expected else ".ravel()" if len(expected) == 1 else f".reshape{es} or np.squeeze"
            return HINT_EXTRA_AXIS.format(found=fs, expected=es, fix=fix)
        if len(found) == 2:
            return HINT_TRANSPOSED.format(found=fs, expected=es)
    if len(found) == 2 and found == expected[::-1]:
        return HINT_TRANSPOSED.format(found=fs, expected=es)
    if len(found) == 2 and found[0] == found[1] and squeeze(expected) == (found[0],) and found[0] > 1:
        return HINT_BROADCAST.format(found=fs, expected=es)
    if size_f == size_e:
        return HINT_RESHAPE.format(n=size_e, found=fs, expected=es)
    return None


def _compare_arrays(
    found: Any, expected: np.ndarray, rtol: float, atol: float, *, strict_type: bool = True
) -> _Mismatch | None:
    expected = np.asarray(expected)
    if found is None:
        return _Mismatch(f"an array of shape {_shape_str(expected.shape)}", "None", [HINT_NONE_VALUE])
    if isinstance(found, (list, tuple)):
        if strict_type:
            return _Mismatch(f"a NumPy array of shape {_shape_str(expected.shape)}", _kind(found), [HINT_LIST])
        found = np.asarray(found)
    if _is_number(found) or isinstance(found, (bool, np.bool_)):
        found = np.asarray(found)
    if not isinstance(found, np.ndarray):
        return _Mismatch(f"an array of shape {_shape_str(expected.shape)}", _kind(found))
    if found.shape != expected.shape:
        return _Mismatch(
            f"shape {_shape_str(expected.shape)}",
            f"shape {_shape_str(found.shape)}",
            [_shape_hint(found.shape, expected.shape)],
        )
    numeric = "biuf"
    if expected.dtype.kind in numeric and found.dtype.kind not in numeric:
        return _Mismatch(f"numbers ({expected.dtype})", f"an array of dtype {found.dtype}")
    if expected.dtype.kind not in numeric or found.dtype.kind not in numeric:
        if np.array_equal(found, expected):
            return None
        bad = found != expected
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        return _Mismatch(f"{_describe(expected[idx])} at index {idx}", _describe(found[idx]))
    f = found.astype(np.float64) if found.dtype.kind != "c" else found
    e = expected.astype(np.float64) if expected.dtype.kind != "c" else expected
    close = np.isclose(f, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = ~close
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    f_text, e_text = _num_pair(found[idx], expected[idx])
    where = "" if not idx else f" at index {idx[0] if len(idx) == 1 else idx}"
    finite = bad & np.isfinite(f)
    max_diff = float(np.max(np.abs(f[finite] - e[finite]))) if finite.any() else float("nan")
    mismatch = _Mismatch(
        f"{e_text}{where}",
        f_text,
        details=[
            f"{int(bad.sum())} of {found.size} values differ (largest |found - expected| = {max_diff:.3g}; "
            f"tolerance rtol={rtol:g}, atol={atol:g})"
        ],
    )
    if found.size <= _MAX_INLINE and found.ndim:
        mismatch.details += [f"expected: {_array_text(expected)}", f"found:    {_array_text(found)}"]
    float_expected = expected.dtype.kind == "f"
    if np.isnan(f[bad]).any():
        mismatch.hints.append(HINT_NAN)
    elif np.isinf(f[bad]).any():
        mismatch.hints.append(HINT_INF)
    elif found.dtype.kind in "iu" and float_expected:
        mismatch.hints.append(HINT_INT_DTYPE.format(dtype=found.dtype))
    else:
        nonzero = np.abs(e) > atol
        ratios = f[nonzero] / e[nonzero]
        zeros_agree = np.allclose(f[~nonzero], 0, atol=max(atol, 1e-12))
        if ratios.size and zeros_agree and np.allclose(ratios, ratios[0], rtol=1e-5, atol=0):
            hint = _ratio_hint(float(ratios[0]), float_expected)
            if hint is None and ratios.size >= 2 and float_expected:
                hint = HINT_FACTOR.format(r=f"{float(ratios[0]):.4g}")
            if hint:
                mismatch.hints.append(hint)
        if not mismatch.hints and f.ndim == 2 and f.shape[0] == f.shape[1] and np.allclose(f, e.T, rtol, atol):
            mismatch.hints.append(HINT_TRANSPOSED_VALUES)
        if not mismatch.hints and f.size >= 2:
            diff = f - e
            d0 = float(diff.flat[0])
            if abs(d0) > atol and np.allclose(diff, d0, rtol=1e-6, atol=atol):
                mismatch.hints.append(HINT_OFFSET.format(d=f"{d0:.6g}"))
    return mismatch


def _compare(found: Any, expected: Any, rtol: float, atol: float, where: str = "") -> _Mismatch | None:
    """None if found matches expected; otherwise what differs (recursive over tuples, lists and dicts)."""
    found, expected = _to_numpy(found), _to_numpy(expected)
    if expected is None:
        return None if found is None else _Mismatch("None", _describe(found)).at(where)
    if found is None:
        return _Mismatch(_describe(expected), "None", [HINT_NONE_VALUE]).at(where)
    if isinstance(expected, (bool, np.bool_)) or (
        isinstance(expected, np.ndarray) and expected.ndim == 0 and expected.dtype == bool
    ):
        expected = bool(expected)
        if isinstance(found, np.ndarray) and found.ndim == 0 and found.dtype == bool:
            found = bool(found)
        if isinstance(found, (bool, np.bool_)):
            return None if bool(found) == expected else _Mismatch(str(expected), str(bool(found))).at(where)
        hint = "return True or False (a bool), not a number or a string."
        return _Mismatch(f"a bool ({expected})", _kind(found), [hint]).at(where)
    if isinstance(expected, str):
        if found == expected:
            return None
        hints = []
        if isinstance(found, str) and found.strip().lower() == expected.strip().lower():
            hints.append("the text differs only in upper/lower case or surrounding spaces.")
        shown = _describe(found) if isinstance(found, str) else _kind(found)
        return _Mismatch(_describe(expected), shown, hints).at(where)
    if _is_number(expected) or (
        isinstance(expected, np.ndarray) and expected.ndim == 0 and expected.dtype.kind in "iuf"
    ):
        mismatch = _compare_numbers(found, expected, rtol, atol)
        return mismatch.at(where) if mismatch else None
    if isinstance(expected, np.ndarray):
        mismatch = _compare_arrays(found, expected, rtol, atol)
        if mismatch and where:
            mismatch.details.insert(0, f"in {where}")
        return mismatch
    if isinstance(expected, Mapping):
        if not isinstance(found, Mapping):
            return _Mismatch(_describe(expected), _kind(found)).at(where)
        missing = [k for k in expected if k not in found]
        extra = [k for k in found if k not in expected]
        if missing or extra:
            return _Mismatch(
                "keys " + ", ".join(map(repr, expected)),
                "keys " + (", ".join(map(repr, found)) or "none"),
                [f"missing keys: {', '.join(map(repr, missing)) or 'none'}; "
                 f"unexpected keys: {', '.join(map(repr, extra)) or 'none'}."],
            ).at(where)
        for key in expected:
            mismatch = _compare(found[key], expected[key], rtol, atol, f"{where}[{key!r}]")
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, (list, tuple)):
        if isinstance(expected, tuple) and not isinstance(found, (tuple, list)):
            hint = f"return all {len(expected)} values, e.g. `return a, b`." if len(expected) > 1 else None
            return _Mismatch(f"a tuple of {len(expected)} values", _kind(found), [hint]).at(where)
        if isinstance(expected, list) and isinstance(found, np.ndarray):
            plain = np.asarray(expected)
            if plain.dtype.kind in "biuf":
                mismatch = _compare_arrays(found, plain, rtol, atol, strict_type=False)
                return mismatch.at(where) if mismatch else None
        if not isinstance(found, (list, tuple)):
            return _Mismatch(_kind(expected).replace("Python ", ""), _kind(found)).at(where)
        if len(found) != len(expected):
            return _Mismatch(f"{len(expected)} items", f"{len(found)} items: {_describe(found)}").at(where)
        for i, (f_item, e_item) in enumerate(zip(found, expected)):
            mismatch = _compare(f_item, e_item, rtol, atol, f"{where}[{i}]")
            if mismatch:
                return mismatch
        return None
    try:
        equal = bool(found == expected)
    except Exception:
        equal = False
    return None if equal else _Mismatch(_describe(expected), _describe(found)).at(where)


def _fail(name: str, mismatch: _Mismatch, hint: str | None = None, details: Iterable[str] = ()) -> CheckFailed:
    return CheckFailed(name, mismatch.expected, mismatch.found, [*mismatch.hints, hint], [*details, *mismatch.details])

"""Comparing a found value with the expected one: what differs, and (through diagnose.py) the evidence for a cause."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .describe import _MAX_INLINE, _array_text, _describe, _is_number, _kind, _num, _num_pair, _shape_str, _to_numpy
from .describe import _tensor_problem
from .diagnose import NO_EVIDENCE, Evidence, HintConditions, author_hints, condition_by_nature, length_cause
from .diagnose import shape_cause, value_causes
from .failure import CheckFailed
from .hints import OBSERVED_INT_DTYPE, cause


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


def _observed(facts: Iterable[str]) -> list[str]:
    return [f"Observed: {fact}" for fact in facts]


def _compare_numbers(found: Any, expected: Any, rtol: float, atol: float, ev: Evidence) -> _Mismatch | None:
    if isinstance(expected, np.ndarray):
        expected = expected.item()
    if isinstance(found, np.ndarray):
        if found.ndim == 0:
            found = found.item()
        elif found.size == 1:
            return _Mismatch(_num(expected), f"an array of shape {_shape_str(found.shape)}",
                             [cause("array_for_scalar", shape=_shape_str(found.shape))])
        else:
            return _Mismatch(f"a single number ({_num(expected)})", f"an array of shape {_shape_str(found.shape)}",
                             [cause("not_reduced", shape=_shape_str(found.shape))])
    if isinstance(found, (list, tuple)) and len(found) == 1 and _is_number(found[0]):
        return _Mismatch(_num(expected), _kind(found), [cause("number_in_list")])
    if not _is_number(found):
        hints = [cause("number_as_string")] if isinstance(found, str) else []
        return _Mismatch(f"a number ({_num(expected)})", _kind(found), hints)
    f, e = found, expected
    if math.isnan(float(e)) and math.isnan(float(f)):
        return None
    integers = isinstance(f, (numbers.Integral, np.integer)) and isinstance(e, (numbers.Integral, np.integer))
    if (integers and f == e) or math.isclose(float(f), float(e), rel_tol=rtol, abs_tol=atol):
        return None
    f_text, e_text = _num_pair(f, e)
    hints, facts = value_causes(
        np.float64(f), np.float64(e), ev, atol,
        integer_type=isinstance(f, (numbers.Integral, np.integer)),
        dtype=type(f).__name__,
    )
    if integers and not hints:
        facts = []  # "6 is 3 times 2" says nothing about integers such as counts or indices
    return _Mismatch(e_text, f_text, hints, _observed(facts))


def _shape_matches(found: tuple, expected: tuple) -> bool:
    return len(found) == len(expected) and all(e is None or f == e for f, e in zip(found, expected))


def _compare_arrays(
    found: Any, expected: np.ndarray, rtol: float, atol: float, *, strict_type: bool = True,
    ev: Evidence = NO_EVIDENCE,
) -> _Mismatch | None:
    expected = np.asarray(expected)
    if found is None:
        return _Mismatch(f"an array of shape {_shape_str(expected.shape)}", "None", [cause("none_value")])
    if isinstance(found, (list, tuple)):
        if strict_type:
            return _Mismatch(f"a NumPy array of shape {_shape_str(expected.shape)}", _kind(found), [cause("list")])
        found = np.asarray(found)
    if _is_number(found) or isinstance(found, (bool, np.bool_)):
        found = np.asarray(found)
    if not isinstance(found, np.ndarray):
        return _Mismatch(f"an array of shape {_shape_str(expected.shape)}", _kind(found))
    if found.shape != expected.shape:
        return _Mismatch(
            f"shape {_shape_str(expected.shape)}",
            f"shape {_shape_str(found.shape)}",
            [shape_cause(found.shape, expected.shape)],
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
    if f.dtype.kind == "c" or e.dtype.kind == "c":
        return mismatch
    integer_type = found.dtype.kind in "iu"
    hints, facts = value_causes(f, e, ev, atol, integer_type=integer_type, dtype=str(found.dtype))
    if integer_type and expected.dtype.kind == "f" and not hints:
        facts.append(OBSERVED_INT_DTYPE.format(dtype=found.dtype))
    mismatch.hints += hints
    mismatch.details += _observed(facts)
    return mismatch


def _compare(found: Any, expected: Any, rtol: float, atol: float, where: str = "",
             ev: Evidence = NO_EVIDENCE) -> _Mismatch | None:
    """None if found matches expected; otherwise what differs (recursive over tuples, lists and dicts)."""
    found, expected = _to_numpy(found), _to_numpy(expected)
    problem = _tensor_problem(found)  # a torch tensor NumPy cannot read: say why (.detach(), .cpu())
    if problem is not None:
        return _Mismatch(_describe(expected) if expected is not None else "None", _kind(found), [problem]).at(where)
    if expected is None:
        return None if found is None else _Mismatch("None", _describe(found)).at(where)
    if found is None:
        return _Mismatch(_describe(expected), "None", [cause("none_value")]).at(where)
    if isinstance(expected, (bool, np.bool_)) or (
        isinstance(expected, np.ndarray) and expected.ndim == 0 and expected.dtype == bool
    ):
        expected = bool(expected)
        if isinstance(found, np.ndarray) and found.ndim == 0 and found.dtype == bool:
            found = bool(found)
        if isinstance(found, (bool, np.bool_)):
            return None if bool(found) == expected else _Mismatch(str(expected), str(bool(found))).at(where)
        return _Mismatch(f"a bool ({expected})", _kind(found), [cause("bool_type")]).at(where)
    if isinstance(expected, str):
        if found == expected:
            return None
        hints = []
        if isinstance(found, str) and found.strip().lower() == expected.strip().lower():
            hints.append(cause("string_case"))
        shown = _describe(found) if isinstance(found, str) else _kind(found)
        return _Mismatch(_describe(expected), shown, hints).at(where)
    if _is_number(expected) or (
        isinstance(expected, np.ndarray) and expected.ndim == 0 and expected.dtype.kind in "iuf"
    ):
        mismatch = _compare_numbers(found, expected, rtol, atol, ev)
        return mismatch.at(where) if mismatch else None
    if isinstance(expected, np.ndarray):
        mismatch = _compare_arrays(found, expected, rtol, atol, ev=ev)
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
                [cause("dict_keys", missing=", ".join(map(repr, missing)) or "none",
                       extra=", ".join(map(repr, extra)) or "none")],
            ).at(where)
        for key in expected:
            mismatch = _compare(found[key], expected[key], rtol, atol, f"{where}[{key!r}]", ev)
            if mismatch:
                return mismatch
        return None
    if isinstance(expected, (list, tuple)):
        if isinstance(expected, tuple) and not isinstance(found, (tuple, list)):
            hint = cause("tuple_count", k=len(expected)) if len(expected) > 1 else None
            return _Mismatch(f"a tuple of {len(expected)} values", _kind(found), [hint]).at(where)
        if isinstance(expected, list) and isinstance(found, np.ndarray):
            plain = np.asarray(expected)
            if plain.dtype.kind in "biuf":
                mismatch = _compare_arrays(found, plain, rtol, atol, strict_type=False, ev=ev)
                return mismatch.at(where) if mismatch else None
        if not isinstance(found, (list, tuple)):
            return _Mismatch(_kind(expected).replace("Python ", ""), _kind(found)).at(where)
        if len(found) != len(expected):
            return _Mismatch(f"{len(expected)} items", f"{len(found)} items: {_describe(found)}",
                             [length_cause(len(found), len(expected))]).at(where)
        for i, (f_item, e_item) in enumerate(zip(found, expected)):
            mismatch = _compare(f_item, e_item, rtol, atol, f"{where}[{i}]", ev)
            if mismatch:
                if len(found) >= 2 and all(  # the whole sequence is stronger evidence than one item
                    _compare(f, e, rtol, atol) is None for f, e in zip(reversed(found), expected)
                ):
                    mismatch.hints = [cause("reversed_items")]
                    mismatch.details = [d for d in mismatch.details if not d.startswith("Observed:")]
                return mismatch
        return None
    try:
        equal = bool(found == expected)
    except Exception:
        equal = False
    return None if equal else _Mismatch(_describe(expected), _describe(found)).at(where)


def _fail(
    name: str,
    mismatch: _Mismatch,
    found: Any,
    expected: Any,
    *,
    hint: str | None = None,
    hints: HintConditions = None,
    details: Iterable[str] = (),
    next_step: str | None = None,
) -> CheckFailed:
    """The failure for a mismatch: its causes and the author's hints tied to a condition that holds, else notes."""
    automatic = [h for h in mismatch.hints if h]
    shown, notes = author_hints(hint, hints, automatic, found, expected, condition_by_nature(expected))
    return CheckFailed(name, mismatch.expected, mismatch.found, shown, [*details, *mismatch.details], notes,
                       None if shown else next_step)

"""Which cause the evidence supports: a hint names a cause only when the evidence fits that cause.

Otherwise the message shows what was expected and found, the facts ("your result is 3 times the expected one")
and a neutral next step. The evidence each cause needs (found f, expected e, compared value by value):

- ``nan``, ``inf``: f holds NaN/inf where e is finite.
- ``int_division`` (``int_division_array`` for an integer dtype): every f is a whole number, some e is not, and f is
  e with the fractional part cut off (floor or trunc); an all-zero f only when its type is an integer type.
- ``missing_sqrt``: f == e**2 for every value, some e positive and not 1; ``extra_sqrt``: f**2 == e likewise.
- ``sum_not_mean`` / ``mean_not_sum``: f == k * e (or e / k) with k one of this case's sample counts n (``n=`` given
  to the check, or the lengths and sizes of the arrays check_function passed to the function).
- ``sum_not_mean_root``: f == sqrt(k) * e, k one of this case's n (a sum under a square root).
- ``ddof``: f == r * e with r**2 == k / (k - 1) or (k - 1) / k (a standard deviation), or r itself (a variance), for
  k one of this case's n; when the check knows no n, only the standard-deviation ratio, for 3 <= k <= 1000 and
  matched to 1e-9 (such a ratio hardly arises any other way).
- ``gradient_sign``: f == -e in a gradient exercise (the check's ``kind="gradient"``, or a name with grad, descent,
  sgd, momentum, rmsprop or adam); ``gradient_twice`` / ``gradient_half``: f == 2e or e/2 there.
- ``kernel_flip``: f == -e in a convolution exercise (``kind="convolution"``, or a name with conv, sobel, correlat).
- ``transposed_values``: square arrays with f == e.T.
- ``off_by_one``: whole numbers with f - e == +-1 everywhere.
- ``reversed_items``: a tuple or list of two or more items equal to the expected one reversed (compare.py).
- shapes: ``keepdims`` (a missing axis of length 1), ``extra_axis``, ``transposed_shape``, ``broadcast`` ((n, n) for
  (n,) or (n, 1)), ``reshape`` (same size), ``off_by_one_length`` (every differing axis differs by one).
- check_function also calls the function with other inputs (functions.py): ``globals`` (replacing a parameter by
  a notebook variable the function reads gives the same result), ``ignores_input`` (another case's different
  inputs gave the same result), ``kernel_flipped`` (a 180-degree rotated array argument gives the expected result).

An exercise author's hint is shown as a cause only when tied to its condition: ``hints={"sum_not_mean": text}``
(shown with that automatic cause) or ``hints={callable(found, expected) -> bool: text}``. A plain ``hint=`` text is a
condition by nature for a bool or string check (the check is the condition); elsewhere it is shown as a neutral
"Note" when no automatic cause was found (or only an off-by-one, which restates what differs), and left out
when one was (it might contradict it).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .describe import _is_number, _shape_str, _to_numpy
from .hints import (
    CAUSES,
    OBSERVED_FACTOR,
    OBSERVED_FRACTION,
    OBSERVED_OFFSET,
    OBSERVED_SIGN,
    Hint,
    cause,
)

_GRADIENT_WORDS = re.compile(r"grad|descent|sgd|momentum|rmsprop|adam", re.IGNORECASE)
_CONVOLUTION_WORDS = re.compile(r"conv|sobel|correlat", re.IGNORECASE)
KINDS = ("gradient", "convolution")


@dataclass(frozen=True)
class Evidence:
    """What a check knows about the case besides the found and the expected value."""

    n: tuple[int, ...] = ()  # the case's sample counts
    kind: str | None = None  # "gradient", "convolution" or None


NO_EVIDENCE = Evidence()


def sample_counts(values: Iterable[Any]) -> set[int]:
    """The lengths and sizes of the arrays (and lists of numbers) among ``values``."""
    counts: set[int] = set()
    for value in values:
        value = _to_numpy(value)
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            counts.update((int(value.shape[0]), int(value.size)))
        elif isinstance(value, list) and value and all(_is_number(item) for item in value):
            counts.add(len(value))
    return counts


def evidence_for(name: str, n: int | Iterable[int] | None = None, kind: str | None = None,
                 args: Iterable[Any] = ()) -> Evidence:
    """The evidence for a check called ``name``: sample counts from ``n`` and ``args``, the exercise's kind."""
    counts = sample_counts(args)
    if n is not None:
        counts.update([n] if isinstance(n, numbers.Integral) else n)
    if kind is None:
        kind = "gradient" if _GRADIENT_WORDS.search(name) else "convolution" if _CONVOLUTION_WORDS.search(name) else None
    elif kind not in KINDS:
        kind = None  # e.g. kind="other": no kind-specific causes
    return Evidence(tuple(sorted(int(k) for k in counts if k >= 2)), kind)


def _near(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * abs(b)


def _round_text(r: float) -> str:
    return f"{r:.4g}"


def _ddof(r: float, ev: Evidence) -> Hint | None:
    known = bool(ev.n)
    ks = ev.n if known else range(3, 1001)
    rel = 1e-7 if known else 1e-9
    for k in ks:
        for num, den in ((k, k - 1), (k - 1, k)):
            if _near(r * r, num / den, rel):
                return cause("ddof", ratio=f"{_round_text(r)} = sqrt({num}/{den})", k=k, k1=k - 1,
                             what="standard deviation")
            if known and _near(r, num / den, rel):
                return cause("ddof", ratio=f"{_round_text(r)} = {num}/{den}", k=k, k1=k - 1, what="variance")
    return None


def _ratio_causes(r: float, ev: Evidence, size: int) -> tuple[list[Hint], list[str]]:
    """Causes (or else facts) for found == r * expected, r the same for every one of ``size`` values."""
    if _near(r, -1.0, 1e-9):
        if ev.kind == "gradient":
            return [cause("gradient_sign")], []
        if ev.kind == "convolution":
            return [cause("kernel_flip")], []
        return [], [OBSERVED_SIGN]
    for k in ev.n:
        if _near(r, k, 1e-7):
            return [cause("sum_not_mean", k=k)], []
        if _near(r, 1 / k, 1e-7):
            return [cause("mean_not_sum", k=k)], []
    causes = [cause("sum_not_mean_root", k=k) for k in ev.n if _near(r, math.sqrt(k), 1e-7)]
    if r > 0:
        causes += [hint for hint in [_ddof(r, ev)] if hint]  # with n = 2, both fit sqrt(2): both are named
    if causes:
        return causes, []
    if ev.kind == "gradient" and _near(r, 2.0, 1e-7):
        return [cause("gradient_twice")], []
    if ev.kind == "gradient" and _near(r, 0.5, 1e-7):
        return [cause("gradient_half")], []
    round_ratio = any(_near(abs(x), round(abs(x)), 1e-9) and round(abs(x)) >= 2 for x in (r, 1 / r))
    if size >= 2 or round_ratio:
        if r < 1 and round_ratio:
            return [], [OBSERVED_FRACTION.format(k=round(1 / r))]
        return [], [OBSERVED_FACTOR.format(r=_round_text(r))]
    return [], []


def value_causes(f: np.ndarray, e: np.ndarray, ev: Evidence, atol: float, *,
                 integer_type: bool = False, dtype: str = "float64") -> tuple[list[Hint], list[str]]:
    """Causes and facts for found ``f`` vs expected ``e`` (float arrays of one shape, or 0-d; not all close)."""
    bad = ~np.isclose(f, e, rtol=0, atol=0, equal_nan=True)
    if np.isnan(f[bad]).any():
        return [cause("nan")], []
    if np.isinf(f[bad]).any():
        return [cause("inf")], []
    if not (np.isfinite(e).all() and np.isfinite(f).all()):
        return [], []
    if integer_type and np.array_equal(f, np.round(f)) and np.array_equal(e, np.round(e)):
        diff = f - e
        if diff.size and np.all(diff == diff.flat[0]) and abs(diff.flat[0]) == 1:
            return [cause("off_by_one", d=1, what="more" if diff.flat[0] > 0 else "less")], []
        return [], []
    whole = np.array_equal(f, np.round(f)) and not np.array_equal(e, np.round(e))
    # a float result with whole values needs the pattern on two or more values; an integer type is evidence itself
    pattern = integer_type or int(np.sum(e != np.round(e))) >= 2
    if whole and pattern and (np.array_equal(f, np.floor(e)) or np.array_equal(f, np.trunc(e))):
        key = "int_division_array" if integer_type and f.ndim else "int_division"
        return [cause(key, dtype=dtype)], []
    causes: list[Hint] = []  # every cause whose evidence fits (on a single number two may fit: both are named)
    informative = (e > 1e-12) & (np.abs(e - 1) > 1e-9)
    if informative.any() and np.all(e >= 0):
        if np.allclose(f, e**2, rtol=1e-7, atol=1e-12):
            causes.append(cause("missing_sqrt"))
        elif np.all(f >= 0) and np.allclose(f**2, e, rtol=1e-7, atol=1e-12):
            causes.append(cause("extra_sqrt"))
    nonzero = np.abs(e) > max(atol, 1e-12)
    if nonzero.any() and np.allclose(f[~nonzero], 0, atol=max(atol, 1e-12)):
        ratios = f[nonzero] / e[nonzero]
        if ratios[0] != 0 and np.allclose(ratios, ratios[0], rtol=1e-7, atol=0):
            hints, facts = _ratio_causes(float(ratios[0]), ev, int(nonzero.sum()))
            if hints or causes:
                return [*hints, *causes], []
            if facts:
                return [], facts
    if causes:
        return causes, []
    if f.ndim == 2 and f.shape[0] == f.shape[1] > 1 and np.allclose(f, e.T, rtol=1e-7, atol=atol):
        return [cause("transposed_values")], []
    if f.size >= 2:
        diff = f - e
        d0 = float(diff.flat[0])
        if abs(d0) > atol and np.allclose(diff, d0, rtol=1e-6, atol=atol):
            return [], [OBSERVED_OFFSET.format(d=f"{d0:.6g}")]
    return [], []


def shape_cause(found: tuple, expected: tuple) -> Hint | None:
    """The cause of the usual shape mistakes: (n,) vs (n, 1), transposes, (n, n) broadcasts, off-by-one lengths."""
    if len(found) == len(expected):  # fill wildcards from the found shape
        expected = tuple(f if e is None else e for f, e in zip(found, expected))
    if any(e is None for e in expected):
        return None
    fs, es = _shape_str(found), _shape_str(expected)
    size_f, size_e = math.prod(found), math.prod(expected)
    squeeze = lambda shape: tuple(d for d in shape if d != 1)  # noqa: E731
    if size_f == size_e and squeeze(found) == squeeze(expected):
        if len(found) < len(expected):
            return cause("keepdims", found=fs, expected=es, args=", ".join(str(d) for d in expected))
        if len(found) > len(expected):
            fix = ".item()" if not expected else ".ravel()" if len(expected) == 1 else f".reshape{es} or np.squeeze"
            return cause("extra_axis", found=fs, expected=es, fix=fix)
        if len(found) == 2:
            return cause("transposed_shape", found=fs, expected=es)
    if len(found) == 2 and found == expected[::-1]:
        return cause("transposed_shape", found=fs, expected=es)
    if len(found) == 2 and found[0] == found[1] and squeeze(expected) == (found[0],) and found[0] > 1:
        return cause("broadcast", found=fs, expected=es)
    if size_f == size_e:
        return cause("reshape", n=size_e, found=fs, expected=es)
    if len(found) == len(expected):
        axes = [i for i, (f, e) in enumerate(zip(found, expected)) if f != e]
        steps = {found[i] - expected[i] for i in axes}
        if steps in ({1}, {-1}):
            extra = "one too many" if steps == {1} else "one too few"
            if len(found) == 1:
                return cause("off_by_one_length", found=f"{found[0]} items", expected=f"{expected[0]} are", diff=extra)
            where = f"along axis {axes[0]}" if len(axes) == 1 else "along axes " + " and ".join(map(str, axes))
            return cause("off_by_one_length", found=f"shape {fs}", expected=f"{es} is", diff=f"{extra} {where}")
    return None


def length_cause(found: int, expected: int) -> Hint | None:
    """Off-by-one for sequences: lengths that differ by one."""
    if abs(found - expected) != 1:
        return None
    extra = "one too many" if found > expected else "one too few"
    return cause("off_by_one_length", found=f"{found} items", expected=f"{expected} are", diff=extra)


HintConditions = Mapping[Any, str] | None
# Causes that restate what differs ("one more than expected") and so cannot contradict an author's note.
_LITERAL_CAUSES = frozenset({"off_by_one", "off_by_one_length"})


def validate_hints(hints: HintConditions) -> None:
    """Raise ValueError for a ``hints=`` key that is neither a cause's key nor a callable (an authoring mistake)."""
    for key in hints or {}:
        if not (callable(key) or key in CAUSES):
            raise ValueError(
                f"hints: {key!r} is neither a cause (one of {', '.join(sorted(CAUSES))}) nor a callable "
                "condition(found, expected) -> bool"
            )


def tied_hints(hints: HintConditions, automatic: list[str], found: Any, expected: Any) -> list[Hint]:
    """The author's hints whose condition holds: a named cause that was found, or a callable returning True."""
    shown: list[Hint] = []
    causes = {getattr(h, "cause", None) for h in automatic}
    for condition, text in (hints or {}).items():
        if callable(condition):
            try:
                holds = bool(condition(found, expected))
            except Exception:  # a condition that cannot judge this value does not hold
                holds = False
        else:
            holds = condition in causes
        if holds:
            shown.append(Hint(text, "author"))
    return shown


def author_hints(hint: str | None, hints: HintConditions, automatic: list[str], found: Any, expected: Any,
                 condition_by_nature: bool) -> tuple[list[str], list[str]]:
    """(hints naming a cause, neutral notes) from the automatic causes and the author's ``hint=`` / ``hints=``."""
    shown = [*automatic, *tied_hints(hints, automatic, found, expected)]
    notes: list[str] = []
    if hint:
        if condition_by_nature:
            shown.append(Hint(hint, "author"))
        elif all(getattr(h, "cause", None) in _LITERAL_CAUSES for h in automatic):
            notes.append(hint)
    return shown, notes


def condition_by_nature(expected: Any) -> bool:
    """Whether an unconditional author hint states the check's own condition (a bool or string check)."""
    expected = _to_numpy(expected)
    return isinstance(expected, (bool, np.bool_, str)) or (
        isinstance(expected, np.ndarray) and expected.ndim == 0 and expected.dtype == bool
    )


def call_quietly(func: Callable, args: tuple, kwargs: dict) -> Any:
    """Call ``func`` with its printed output swallowed (probes with other inputs must not clutter the message)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return func(*args, **kwargs)

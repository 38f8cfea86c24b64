"""Checks that teach: the helpers called in every exercise's check cell.

Each check prints one short line starting with ``✓`` when it passes. When it fails it raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0) whose message says what was expected,
what was found, and a hint about the usual mistake::

    ✗ y_pred: expected shape (100, 1); found shape (100,)
      Hint: your output has shape (100,), expected (100, 1): did you forget keepdims=True (in a sum or
      mean) or a .reshape(100, 1)?

In Jupyter only that message is shown (no traceback through this module), so hidden test code never leaks into it.

- :func:`check_value` — numbers, bools, strings, sequences and dicts, with a tolerance for floats;
- :func:`check_array` — NumPy arrays: shape, dtype and values;
- :func:`check_function` — run a function on several cases (visible ones, and different hidden ones when grading);
- :func:`check_model` — a Keras model's layers, shapes, parameter count, loss and optimizer;
- :func:`check_trained` — a trained model's test metric against a threshold for full or quick mode;
- :func:`train_or_load` — train once and save ``name.keras``; later runs (and the grader) load the file.

This module imports only NumPy; Keras is imported inside the functions that need it.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import numbers
import os
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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
]

# --------------------------------------------------------------------------------------------------------------
# Hints for the classic mistakes (tests assert these texts; change them there too).
# --------------------------------------------------------------------------------------------------------------
HINT_NONE_RETURNED = "your function returned None: did you forget `return`?"
HINT_NONE_VALUE = "the value is None: did you forget to assign it, or does the function computing it lack a `return`?"
HINT_NOT_IMPLEMENTED = "replace `raise NotImplementedError()` with your solution, then run that cell again."
HINT_UNDEFINED = "run the cell that defines `{name}` first (and check the spelling of the name)."
HINT_LIST = (
    "you returned a Python list; wrap it in np.array(...) (or compute it with NumPy operations instead of "
    "appending to a list in a loop)."
)
HINT_INT_DTYPE = (
    "your result has an integer dtype ({dtype}): did you use integer division `//`, or build it from integers? "
    "Use `/`, or convert with .astype(float)."
)
HINT_INT_VALUE = "your result is a whole number: did you use integer division `//` or int(...)? Use `/`."
HINT_NAN = (
    "your result contains NaN (not a number): look for 0/0, log(0) or an overflowing exp(); "
    "when training, a too-large learning rate or unscaled inputs."
)
HINT_INF = "your result contains inf: look for a division by zero, log(0) or an overflowing exp()."
HINT_SIGN = (
    "your result has the opposite sign: check the sign in your formula (a gradient-descent step subtracts the "
    "gradient, w - lr * grad; and (y_pred - y) is not (y - y_pred))."
)
HINT_TWICE = (
    "your result is 2 times the expected one: did you forget a factor 1/2 (e.g. the 1/2 in a loss "
    "written as 1/2 * (y_pred - y)**2)?"
)
HINT_HALF = (
    "your result is half the expected one: did you add an extra factor 1/2, or forget the 2 that "
    "differentiating a square brings down?"
)
HINT_SUM_NOT_MEAN = (
    "your result is {k} times the expected one: did you take a sum where a mean was needed "
    "(forgot to divide by n = {k})?"
)
HINT_MEAN_NOT_SUM = (
    "your result is 1/{k} of the expected one: did you divide by n = {k} where a sum was needed, or divide twice?"
)
HINT_FACTOR = "your result is {r} times the expected one: check the constant factors in your formula."
HINT_OFFSET = (
    "every value is off by the same amount (found - expected = {d}): check the bias/intercept term "
    "or a constant you add."
)
HINT_TRANSPOSED_VALUES = (
    "your result is the transpose of the expected one: swap the order of a matrix product or add .T."
)
HINT_KEEPDIMS = (
    "your output has shape {found}, expected {expected}: did you forget keepdims=True (in a sum or mean) "
    "or a .reshape({args})?"
)
HINT_EXTRA_AXIS = (
    "your output has shape {found}, expected {expected}: it has an extra axis of length 1; remove it with "
    "{fix} (or drop keepdims=True)."
)
HINT_TRANSPOSED = (
    "your output has shape {found}, expected {expected}: it looks transposed; check the order of the factors "
    "in the matrix product (X @ w, not w @ X) or add .T."
)
HINT_BROADCAST = (
    "your output has shape {found}, expected {expected}: subtracting an (n,) array from an (n, 1) array "
    "broadcasts to an (n, n) matrix; give both the same shape first (e.g. .reshape(-1, 1) or .ravel())."
)
HINT_RESHAPE = (
    "your output has the right number of elements ({n}) but shape {found} instead of {expected}: check your reshape."
)
HINT_ARRAY_FOR_SCALAR = (
    "you returned an array of shape {shape}; expected a single number: use .item() or float(...) "
    "(a (1, n) @ (n, 1) product gives a (1, 1) array)."
)
HINT_NOT_REDUCED = "you returned an array of shape {shape}; expected a single number: did you forget np.sum or np.mean?"
HINT_SOFTMAX_NOT_SIGMOID = (
    "use activation='softmax' in the last layer for one-of-K classification: softmax makes the K outputs a "
    "probability distribution; sigmoid treats each output on its own (for one output unit or multi-label)."
)
HINT_SIGMOID_NOT_SOFTMAX = (
    "use activation='sigmoid' for a single output unit: softmax over one unit always outputs 1.0."
)
HINT_LOGITS = (
    "your last layer has no activation, so it outputs raw scores (logits): add activation='{expected}' "
    "(or keep it linear and pass from_logits=True to the loss)."
)
HINT_SPARSE_LOSS = (
    "your labels are integers (0, 1, ..., K-1): use loss='sparse_categorical_crossentropy'; "
    "'categorical_crossentropy' needs one-hot labels (keras.utils.to_categorical)."
)
HINT_ONEHOT_LOSS = (
    "your labels are one-hot vectors: use loss='categorical_crossentropy'; "
    "'sparse_categorical_crossentropy' needs integer labels."
)
HINT_BINARY_LOSS = (
    "two classes with one sigmoid output unit need loss='binary_crossentropy'; "
    "the categorical losses are for K softmax outputs."
)
HINT_CATEGORICAL_LOSS = (
    "binary_crossentropy is for one sigmoid output (two classes); for K classes with a softmax output use "
    "'sparse_categorical_crossentropy' (integer labels) or 'categorical_crossentropy' (one-hot labels)."
)
HINT_REGRESSION_LOSS = "this is a regression problem: use a regression loss such as 'mse' (mean squared error)."
HINT_CLASSIFICATION_LOSS = "this is a classification problem: use a cross-entropy loss, not a regression loss."
HINT_FROM_LOGITS_TWICE = (
    "the loss has from_logits=True but the last layer already applies {activation}: drop from_logits=True "
    "(or remove the activation)."
)
HINT_NOT_COMPILED = "call model.compile(optimizer=..., loss=..., metrics=[...]) before this check."
HINT_NOT_BUILT = "start the model with keras.Input(shape=...) so that Keras knows the input shape."
HINT_FLATTEN = "add layers.Flatten() between the last convolution/pooling layer and the first Dense layer."
HINT_OUTPUT_UNITS = "the last layer needs one unit per output ({units}): for classification, one per class."
HINT_INPUT_SHAPE = "check keras.Input(shape=...): it is the shape of ONE sample, without the batch dimension."
HINT_PARAMS = (
    "parameter counts per layer are listed above: a Dense layer with m inputs and k units has (m + 1) * k; "
    "a Conv2D layer with c input channels, f filters and an h x w kernel has (h * w * c + 1) * f."
)
HINT_CHANCE = (
    "{metric} {value} is chance level: the model has not learned anything. Check that the loss matches the "
    "labels and the last-layer activation, that the inputs are scaled (e.g. pixels / 255), and the learning rate."
)
HINT_UNDERTRAINED = (
    "train longer or improve the model; check that the test data is prepared like the training data and that "
    "the last-layer activation and the loss match the labels. If the model was loaded from a saved .keras file, "
    "delete that file (or pass retrain=True) to train it again."
)
HINT_NAN_LOSS = (
    "the model outputs NaN: training diverged. Lower the learning rate and check that the inputs are scaled."
)
HINT_HISTORY = (
    "pass the trained model and data=(x_test, y_test): the History from fit() holds training metrics, "
    "and this check measures the held-out test set."
)
HINT_RETURN_MODEL = "return the trained model from your function (`return model`), not the History from fit()."

_MAX_INLINE = 12  # arrays with at most this many elements are shown in full
_THIS_FILE = os.path.abspath(__file__)


# --------------------------------------------------------------------------------------------------------------
# The exception
# --------------------------------------------------------------------------------------------------------------
class CheckFailed(AssertionError):
    """A check did not pass: says what was expected, what was found, and hints at the likely mistake.

    Attributes
    ----------
    name, expected, found : str
        What was checked, and short descriptions of the expected and the found value.
    hints : list of str
        Hints for the likely mistake (the automatic one first, then the exercise author's).
    details : list of str
        Extra lines (the failing case's inputs, a short traceback, per-layer parameter counts ...).

    Examples
    --------
    >>> err = CheckFailed("mse", expected="0.5", found="1", hints=["did you forget the 1/2?"])
    >>> print(err)
    ✗ mse: expected 0.5; found 1
      Hint: did you forget the 1/2?
    """

    def __init__(
        self,
        name: str,
        expected: str,
        found: str,
        hints: Iterable[str | None] = (),
        details: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.expected = expected
        self.found = found
        self.hints = [h for h in hints if h]
        self.details = [d for d in details if d]
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"✗ {self.name}: expected {self.expected}; found {self.found}"]
        for detail in self.details:
            lines.extend("  " + line for line in detail.splitlines())
        lines.extend(f"  Hint: {hint}" for hint in self.hints)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable despite the keyword-rich constructor (e.g. across worker processes)
        return (type(self), (self.name, self.expected, self.found, self.hints, self.details))

    def _render_traceback_(self) -> list[str]:
        """What IPython/Jupyter shows instead of a traceback: just the message (no check internals)."""
        first, *rest = self.message.splitlines()
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {first}", *rest]


class HiddenCaseFailed(AssertionError):
    """A hidden test failed; says which kind of case (in the author's words), never its code or values.

    The original failure is kept as ``__cause__`` for the instructor's autograded notebook; the student's
    feedback shows only :attr:`description`.
    """

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(f"your code passed the visible checks but failed a hidden case: {description}")

    def __reduce__(self):
        return (type(self), (self.description,))

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31mHiddenCaseFailed\x1b[0m: {self.args[0]}"]


class hidden_case:  # noqa: N801 - used as a context manager, reads like a statement
    """Wrap one hidden test: ``with dlcourse.checks.hidden_case("a single-sample input"): check_...(...)``.

    Any failure inside (a failed check, or an error raised by the student's code) becomes
    :class:`HiddenCaseFailed` carrying the author's description of the case, which is all the student's
    feedback shows of it.
    """

    def __init__(self, description: str) -> None:
        if not description or not description.strip():
            raise ValueError("hidden_case needs a description of the case, e.g. 'a single-sample input'")
        self.description = description.strip()

    def __enter__(self) -> "hidden_case":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, HiddenCaseFailed):
            return False
        raise HiddenCaseFailed(self.description) from exc


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _passed(text: str) -> None:
    print(f"✓ {text}")


# --------------------------------------------------------------------------------------------------------------
# Describing values briefly
# --------------------------------------------------------------------------------------------------------------
def _is_number(x: Any) -> bool:
    return isinstance(x, (numbers.Number, np.number)) and not isinstance(x, (bool, np.bool_))


def _is_float(x: Any) -> bool:
    return isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _to_numpy(x: Any) -> Any:
    """Tensors (TensorFlow, Keras, JAX, torch) become NumPy arrays; everything else is returned unchanged."""
    if x is None or isinstance(x, (np.ndarray, np.generic, numbers.Number, str, bytes, list, tuple, Mapping)):
        return x
    if hasattr(x, "numpy") and callable(x.numpy):
        try:
            return np.asarray(x.numpy())
        except Exception:
            pass
    if hasattr(x, "__array__"):
        try:
            return np.asarray(x)
        except Exception:
            pass
    return x


def _shape_str(shape: Sequence[int | None]) -> str:
    return str(tuple(None if d is None else int(d) for d in shape))


def _num(x: Any, digits: int = 6) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (numbers.Integral, np.integer)):
        return str(int(x))
    if isinstance(x, (numbers.Real, np.floating)):
        text = f"{float(x):.{digits}g}"
        return text if any(c in text for c in ".ena") else text + ".0"  # 2.0 stays visibly a float
    return str(x)


def _num_pair(found: Any, expected: Any) -> tuple[str, str]:
    """Format two numbers with enough digits that they look different."""
    for digits in (6, 10, 17):
        f, e = _num(found, digits), _num(expected, digits)
        if f != e:
            break
    return f, e


def _array_text(arr: np.ndarray) -> str:
    with np.printoptions(precision=6, suppress=False, threshold=_MAX_INLINE, edgeitems=3, linewidth=10_000):
        text = np.array2string(arr, separator=", ")
    return " ".join(text.split())


def _describe(x: Any) -> str:
    """A short, one-line description of a value for messages."""
    x = _to_numpy(x)
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if _is_number(x):
        return _num(x)
    if isinstance(x, str):
        return repr(x) if len(x) <= 60 else repr(x[:57]) + "..."
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return _num(x.item())
        if x.size <= _MAX_INLINE:
            return f"{_array_text(x)} (shape {_shape_str(x.shape)}, {x.dtype})"
        return f"an array of shape {_shape_str(x.shape)}, dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        kind = "list" if isinstance(x, list) else "tuple"
        if len(x) <= 6:
            inner = ", ".join(_describe(item) for item in x)
            text = f"[{inner}]" if kind == "list" else f"({inner}{',' if len(x) == 1 else ''})"
            if len(text) <= 100:
                return f"a {kind} {text}"
        return f"a {kind} of {len(x)} items"
    if isinstance(x, Mapping):
        keys = ", ".join(repr(k) for k in list(x)[:8])
        return f"a dict with keys {keys}{', ...' if len(x) > 8 else ''}"
    if callable(x):
        return f"the function {getattr(x, '__name__', type(x).__name__)}"
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def _kind(x: Any) -> str:
    """What kind of thing x is, for "expected a number; found a string" messages."""
    x = _to_numpy(x)
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return f"a bool ({bool(x)})"
    if _is_number(x):
        return f"a number ({_num(x)})"
    if isinstance(x, str):
        return f"a string ({_describe(x)})"
    if isinstance(x, np.ndarray):
        return f"an array of shape {_shape_str(x.shape)}"
    if isinstance(x, list):
        return f"a Python list of {len(x)} items"
    if isinstance(x, tuple):
        return f"a tuple of {len(x)} items"
    if isinstance(x, Mapping):
        return "a dict"
    if inspect.isgenerator(x):
        return "a generator"
    return f"a {type(x).__name__}"


# --------------------------------------------------------------------------------------------------------------
# Comparing values
# --------------------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------------------
# check_value, check_array
# --------------------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------------------
# check_function
# --------------------------------------------------------------------------------------------------------------
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
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) != _THIS_FILE]
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


# --------------------------------------------------------------------------------------------------------------
# Keras models
# --------------------------------------------------------------------------------------------------------------
_ACTIVATION_ALIASES = {None: "linear", "none": "linear", "": "linear"}


def _activation_name(act: Any) -> str:
    if act is None or isinstance(act, str):
        name = _ACTIVATION_ALIASES.get(act.lower() if isinstance(act, str) else act, act)
        return str(name).lower()
    name = getattr(act, "__name__", None)
    if name is None:  # a layer or an object used as activation (e.g. keras.layers.LeakyReLU())
        name = type(act).__name__
    return _snake(name)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (name[i - 1].islower() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _layer_activation(layer: Any) -> str | None:
    cls = type(layer).__name__
    if cls == "Softmax":
        return "softmax"
    if cls == "ReLU":
        return "relu"
    if hasattr(layer, "activation"):
        return _activation_name(layer.activation)
    return None


def _layer_summary(layer: Any) -> str:
    cls = type(layer).__name__
    parts: list[str] = []
    for attr in ("units", "filters", "output_dim"):
        if hasattr(layer, attr):
            parts.append(str(getattr(layer, attr)))
    for attr in ("kernel_size", "pool_size"):
        if hasattr(layer, attr):
            parts.append(str(tuple(getattr(layer, attr))))
    if hasattr(layer, "rate"):
        parts.append(_num(layer.rate))
    if hasattr(layer, "activation") and cls not in ("Softmax",):
        parts.append(_activation_name(layer.activation))
    return f"{cls}({', '.join(parts)})" if parts else cls


def _model_layers(model: Any) -> list:
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _layer_spec(spec: Any) -> tuple[str, dict]:
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, type):
        return spec.__name__, {}
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[1], Mapping):
        cls = spec[0] if isinstance(spec[0], str) else spec[0].__name__
        return cls, dict(spec[1])
    raise ValueError(f"layer spec {spec!r}: use 'Dense' or ('Dense', {{'units': 10, 'activation': 'softmax'}})")


def _spec_summary(cls: str, attrs: Mapping) -> str:
    parts = [f"{k}={v!r}" for k, v in attrs.items()]
    return f"{cls}({', '.join(parts)})" if parts else cls


def _class_matches(layer: Any, cls: str) -> bool:
    return any(c.__name__ == cls for c in type(layer).__mro__)


def _attr_matches(layer: Any, attr: str, want: Any) -> tuple[bool, Any]:
    """Whether the layer's attribute matches; also the found value, normalised for messages."""
    if attr == "activation":
        found = _layer_activation(layer)
        wanted = _activation_name(want)
        return found == wanted, found
    if attr == "output_shape":
        try:
            found = tuple(layer.output.shape)
        except Exception:
            return False, "unknown (the model is not built)"
        want = tuple(want)
        if len(want) == len(found) - 1:
            want = (None, *want)
        return _shape_matches(found, want), found
    if not hasattr(layer, attr):
        return False, f"no attribute {attr!r}"
    found = getattr(layer, attr)
    if attr in ("kernel_size", "strides", "pool_size", "dilation_rate") and isinstance(found, (tuple, list)):
        found = tuple(found)
        want = (want,) * len(found) if isinstance(want, int) else tuple(want)
        return found == want, found
    if isinstance(want, str) and isinstance(found, str):
        return found.lower() == want.lower(), found
    if _is_number(want) and _is_number(found) and not isinstance(want, (numbers.Integral, np.integer)):
        return math.isclose(float(found), float(want), rel_tol=1e-6, abs_tol=1e-12), found
    return found == want, found


def _fmt_shape_any(shape: Any) -> str:
    if isinstance(shape, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return _shape_str(shape)
    return str(shape)


def _loss_name(loss: Any) -> str | None:
    aliases = {
        "mse": "mean_squared_error",
        "mae": "mean_absolute_error",
        "mape": "mean_absolute_percentage_error",
        "msle": "mean_squared_logarithmic_error",
    }
    if loss is None:
        return None
    if isinstance(loss, str):
        name = loss
    elif isinstance(getattr(loss, "name", None), str):
        name = loss.name
    elif hasattr(loss, "__name__"):
        name = loss.__name__
    elif isinstance(loss, type):
        name = _snake(loss.__name__)
    else:
        name = _snake(type(loss).__name__)
    name = name.lower()
    return aliases.get(name, name)


def _loss_hint(expected: str, found: str) -> str | None:
    pairs = {
        ("sparse_categorical_crossentropy", "categorical_crossentropy"): HINT_SPARSE_LOSS,
        ("categorical_crossentropy", "sparse_categorical_crossentropy"): HINT_ONEHOT_LOSS,
    }
    if (expected, found) in pairs:
        return pairs[(expected, found)]
    if expected == "binary_crossentropy" and "categorical" in found:
        return HINT_BINARY_LOSS
    if "categorical" in expected and found == "binary_crossentropy":
        return HINT_CATEGORICAL_LOSS
    regression = ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh")
    if expected in regression and "crossentropy" in found:
        return HINT_REGRESSION_LOSS
    if "crossentropy" in expected and found in regression:
        return HINT_CLASSIFICATION_LOSS
    return None


def _optimizer_name(opt: Any) -> str:
    if isinstance(opt, str):
        name = opt
    elif isinstance(opt, type):
        name = opt.__name__
    else:
        name = type(opt).__name__
    return name.lower().replace("_", "")


def _is_keras_model(obj: Any) -> bool:
    return hasattr(obj, "layers") and hasattr(obj, "count_params")


def check_model(
    model: Any,
    *,
    layers: Sequence[Any] | None = None,
    input_shape: Sequence[int | None] | None = None,
    output_shape: Sequence[int | None] | None = None,
    params: int | Mapping[str, int] | None = None,
    loss: Any = None,
    optimizer: Any = None,
    name: str = "model",
) -> None:
    """Check a Keras model's architecture and compilation, comparing only what is asked for.

    Parameters
    ----------
    model
        The student's ``keras.Model``.
    layers
        Expected layers in order (Input layers are ignored): class names, or ``(class_name, {attribute: value})``
        pairs, e.g. ``[("Dense", {"units": 64, "activation": "relu"}), ("Dense", {"units": 10,
        "activation": "softmax"})]``. Attributes are read from the layer (``units``, ``activation``, ``filters``,
        ``kernel_size``, ``strides``, ``padding``, ``pool_size``, ``rate``, ``name`` ...; ``output_shape`` is the
        layer's output shape); raw config dicts are never compared, so the check survives Keras upgrades.
    input_shape, output_shape
        With or without the batch dimension: ``(28, 28, 1)`` and ``(None, 28, 28, 1)`` are the same.
    params
        Total parameter count, or a dict with any of ``total``, ``trainable``, ``non_trainable``.
    loss
        Expected loss name (``"sparse_categorical_crossentropy"``, ``"mse"``, a Loss class or function).
    optimizer
        Expected optimizer name (``"adam"``), class or instance, or a dict ``{"name": "sgd", "learning_rate": 0.01}``.
    name
        Name shown in messages.

    Raises
    ------
    CheckFailed
        At the first difference, with hints for the usual mistakes (missing Flatten, sigmoid vs softmax output,
        sparse vs one-hot loss, a model that is not built or not compiled).
    """
    __tracebackhide__ = True
    if model is None:
        raise CheckFailed(name, "a Keras model", "None", [HINT_NONE_VALUE]) from None
    if not _is_keras_model(model):
        hint = HINT_RETURN_MODEL if hasattr(model, "history") and hasattr(model, "params") else None
        raise CheckFailed(name, "a Keras model", _kind(model), [hint]) from None
    found_layers = _model_layers(model)
    checked: list[str] = []

    if layers is not None:
        specs = [_layer_spec(spec) for spec in layers]
        want_seq = " → ".join(_spec_summary(cls, attrs) for cls, attrs in specs)
        found_seq = " → ".join(_layer_summary(layer) for layer in found_layers)
        if len(specs) != len(found_layers):
            hints = []
            found_classes = [type(layer).__name__ for layer in found_layers]
            if any(cls == "Flatten" for cls, _ in specs) and "Flatten" not in found_classes:
                hints.append(HINT_FLATTEN)
            raise CheckFailed(
                name,
                _count(len(specs), "layer"),
                _count(len(found_layers), "layer"),
                hints,
                [f"expected: {want_seq}", f"found:    {found_seq}"],
            ) from None
        last = len(specs) - 1
        for i, ((cls, attrs), layer) in enumerate(zip(specs, found_layers)):
            position = f"layer {i + 1} of {len(specs)}"
            if not _class_matches(layer, cls):
                hints = [HINT_FLATTEN] if cls == "Flatten" else []
                raise CheckFailed(
                    name,
                    f"{position} to be {cls}",
                    _layer_summary(layer),
                    hints,
                    [f"expected: {want_seq}", f"found:    {found_seq}"],
                ) from None
            for attr, want in attrs.items():
                ok, got = _attr_matches(layer, attr, want)
                if ok:
                    continue
                hints = []
                if attr == "activation" and i == last:
                    wanted = _activation_name(want)
                    if wanted == "softmax" and got == "sigmoid":
                        hints.append(HINT_SOFTMAX_NOT_SIGMOID)
                    elif wanted == "sigmoid" and got == "softmax":
                        hints.append(HINT_SIGMOID_NOT_SOFTMAX)
                    elif got == "linear" and wanted in ("softmax", "sigmoid"):
                        hints.append(HINT_LOGITS.format(expected=wanted))
                if attr == "units" and i == last:
                    hints.append(HINT_OUTPUT_UNITS.format(units=want))
                shown_want = _activation_name(want) if attr == "activation" else want
                raise CheckFailed(
                    name,
                    f"{position} ({cls}) to have {attr}={shown_want!r}",
                    f"{attr}={got!r}",
                    hints,
                    [f"expected: {want_seq}", f"found:    {found_seq}"],
                ) from None
        checked.append(_count(len(specs), "layer"))

    for label, want in (("input shape", input_shape), ("output shape", output_shape)):
        if want is None:
            continue
        try:
            got = model.input_shape if label == "input shape" else model.output_shape
        except (AttributeError, ValueError):
            raise CheckFailed(name, f"{label} {_fmt_shape_any(tuple(want))}", "no shape yet (the model is not built)",
                              [HINT_NOT_BUILT]) from None
        want = tuple(want)
        if isinstance(got, tuple) and len(want) == len(got) - 1:
            want = (None, *want)
        if not (isinstance(got, tuple) and _shape_matches(got, want)):
            hint = HINT_INPUT_SHAPE if label == "input shape" else None
            if label == "output shape" and isinstance(got, tuple) and len(got) == len(want) and want[-1] != got[-1]:
                hint = HINT_OUTPUT_UNITS.format(units=want[-1])
            raise CheckFailed(name, f"{label} {_fmt_shape_any(want)}", f"{label} {_fmt_shape_any(got)}",
                              [hint]) from None
        checked.append(f"{label} {_fmt_shape_any(got)}")

    if params is not None:
        try:
            total = model.count_params()
            trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
        except ValueError:
            raise CheckFailed(name, f"{params} parameters", "no parameters yet (the model is not built)",
                              [HINT_NOT_BUILT]) from None
        counts = {"total": int(total), "trainable": int(trainable), "non_trainable": int(total - trainable)}
        wanted = {"total": params} if not isinstance(params, Mapping) else dict(params)
        for key, want in wanted.items():
            if counts[key] != want:
                label = "parameters" if key == "total" else f"{key.replace('_', '-')} parameters"
                per_layer = [f"{_layer_summary(layer)}: {layer.count_params():,}" for layer in found_layers]
                raise CheckFailed(name, f"{want:,} {label}", f"{counts[key]:,}", [HINT_PARAMS],
                                  ["parameters per layer:", *("  " + line for line in per_layer)]) from None
        checked.append(f"{counts['total']:,} parameters")

    if loss is not None or optimizer is not None:
        if getattr(model, "optimizer", None) is None:
            want = " and ".join(
                text for text in (loss is not None and f"loss {_loss_name(loss)!r}",
                                  optimizer is not None and f"optimizer {_optimizer_name(_opt_spec(optimizer)[0])!r}")
                if text
            )
            raise CheckFailed(name, f"a compiled model ({want})", "a model that is not compiled",
                              [HINT_NOT_COMPILED]) from None
    if loss is not None:
        want, got = _loss_name(loss), _loss_name(model.loss)
        if want != got:
            raise CheckFailed(name, f"loss {want!r}", f"loss {got!r}", [_loss_hint(want, got or "")]) from None
        activation = _layer_activation(found_layers[-1]) if found_layers else None
        from_logits = bool(getattr(model.loss, "from_logits", False))
        if "crossentropy" in want and activation is not None:
            if from_logits and activation in ("softmax", "sigmoid"):
                raise CheckFailed(name, "from_logits=False (the last layer applies " + activation + ")",
                                  "from_logits=True",
                                  [HINT_FROM_LOGITS_TWICE.format(activation=activation)]) from None
            if not from_logits and activation == "linear":
                expected_act = "sigmoid" if want == "binary_crossentropy" else "softmax"
                raise CheckFailed(name, f"last-layer activation {expected_act!r} for loss {want!r}",
                                  "activation 'linear' (logits) with from_logits=False",
                                  [HINT_LOGITS.format(expected=expected_act)]) from None
        checked.append(f"loss {want}")
    if optimizer is not None:
        opt_name, opt_attrs = _opt_spec(optimizer)
        got_opt = model.optimizer
        if _optimizer_name(opt_name) != _optimizer_name(got_opt):
            raise CheckFailed(name, f"optimizer {_optimizer_name(opt_name)!r}",
                              f"optimizer {_optimizer_name(got_opt)!r}") from None
        for attr, want in opt_attrs.items():
            got_value = getattr(got_opt, attr, None)
            try:
                got_value = float(np.asarray(_to_numpy(got_value)))
            except (TypeError, ValueError):
                pass
            if not (_is_number(got_value) and math.isclose(got_value, float(want), rel_tol=1e-5)):
                hint = (
                    "pass it when creating the optimizer, e.g. keras.optimizers.Adam(learning_rate=1e-3) "
                    "(Keras 3 has no lr=)."
                )
                raise CheckFailed(name, f"optimizer {attr}={want!r}", f"{attr}={_describe(got_value)}",
                                  [hint if attr == "learning_rate" else None]) from None
        checked.append(f"optimizer {_optimizer_name(got_opt)}")
    _passed(f"{name}: {', '.join(checked) if checked else 'is a Keras model'} as expected")


def _opt_spec(optimizer: Any) -> tuple[Any, dict]:
    if isinstance(optimizer, Mapping):
        spec = dict(optimizer)
        return spec.pop("name"), spec
    return optimizer, {}


# --------------------------------------------------------------------------------------------------------------
# Trained models
# --------------------------------------------------------------------------------------------------------------
def _quick_mode() -> bool:
    from dlcourse import runtime

    return bool(runtime.QUICK)


def _find_metric(metrics: Mapping[str, Any], metric: str) -> str | None:
    if metric in metrics:
        return metric
    aliases = {"accuracy": ("acc", "compile_metrics"), "acc": ("accuracy",)}
    for alias in aliases.get(metric, ()):
        if alias in metrics:
            return alias
    endings = [key for key in metrics if key.endswith(metric)]
    return endings[0] if len(endings) == 1 else None


def check_trained(
    model_or_metrics: Any,
    *,
    metric: str = "accuracy",
    full: float = 0.88,
    quick: float = 0.5,
    data: Any = None,
    higher_is_better: bool = True,
    name: str | None = None,
) -> float:
    """Check a trained model's metric on held-out data against the threshold for the current mode.

    Parameters
    ----------
    model_or_metrics
        A trained Keras model (then ``data`` is required and the model is evaluated on it), a dict of metrics
        (e.g. from ``model.evaluate(..., return_dict=True)``), or a number.
    metric
        The metric's name in the results (``"accuracy"``, ``"loss"``, ``"mae"`` ...).
    full, quick
        Thresholds in full mode (what students run) and quick mode (``DLCOURSE_QUICK=1``, CI).
    data
        ``(x_test, y_test)`` or a dataset (e.g. a ``tf.data.Dataset`` of batches) to evaluate on.
    higher_is_better
        True for accuracy-like metrics (pass when ``value >= threshold``); False for losses (``value <= threshold``).
    name
        Name shown in messages (default ``"test <metric>"``).

    Returns
    -------
    float
        The metric's value (useful for ``dlcourse.report``).
    """
    __tracebackhide__ = True
    label = name or f"test {metric}"
    quick_mode = _quick_mode()
    threshold = quick if quick_mode else full
    mode = "quick" if quick_mode else "full"
    op = "≥" if higher_is_better else "≤"
    want = f"{metric} {op} {threshold:g} (the {mode}-mode threshold)"
    model = None
    if model_or_metrics is None:
        raise CheckFailed(label, want, "None instead of a trained model", [HINT_NONE_VALUE]) from None
    if isinstance(model_or_metrics, Mapping):
        metrics = dict(model_or_metrics)
    elif _is_number(model_or_metrics) or isinstance(model_or_metrics, np.ndarray):
        metrics = {metric: float(np.asarray(model_or_metrics))}
    elif hasattr(model_or_metrics, "evaluate"):
        model = model_or_metrics
        if data is None:
            raise TypeError("check_trained: pass data=(x_test, y_test) (or a test dataset) to evaluate a model")
        try:
            if isinstance(data, (tuple, list)) and len(data) == 2:
                metrics = model.evaluate(data[0], data[1], verbose=0, return_dict=True)
            else:
                metrics = model.evaluate(data, verbose=0, return_dict=True)
        except Exception as exc:
            text = str(exc)
            compiled = getattr(model, "optimizer", None) is not None
            hint = HINT_NOT_COMPILED if not compiled or "compile" in text else (
                "the test data must be prepared exactly like the training data (shape, scaling, dtype)."
            )
            text = text if len(text) <= 300 else text[:297] + "..."
            raise CheckFailed(label, want, f"evaluation failed: {type(exc).__name__}: {text}", [hint]) from None
    elif hasattr(model_or_metrics, "history"):
        raise CheckFailed(label, want, "a History object", [HINT_HISTORY]) from None
    elif isinstance(model_or_metrics, (list, tuple)):
        hint = "pass the model and data=(x_test, y_test), or the dict from model.evaluate(..., return_dict=True)."
        raise CheckFailed(label, want, _kind(model_or_metrics), [hint]) from None
    else:
        raise CheckFailed(label, want, _kind(model_or_metrics)) from None
    key = _find_metric(metrics, metric)
    if key is None:
        raise CheckFailed(
            label, want, f"no {metric!r} among the metrics {sorted(metrics)}",
            [f"compile the model with metrics=[{metric!r}]."],
        ) from None
    value = float(np.asarray(_to_numpy(metrics[key])))
    if math.isnan(value):
        raise CheckFailed(label, want, f"{metric} = nan", [HINT_NAN_LOSS]) from None
    passed = value >= threshold if higher_is_better else value <= threshold
    if not passed:
        hints = []
        if higher_is_better and "acc" in metric:
            classes = None
            try:
                classes = int(model.output_shape[-1]) if model is not None else None
            except Exception:
                pass
            chance = None if classes is None else (0.5 if classes == 1 else 1 / classes)
            if chance is not None and value <= 1.5 * chance:
                hints.append(HINT_CHANCE.format(metric=metric, value=f"{value:.4f}"))
        if not hints:
            hints.append(HINT_UNDERTRAINED)
        raise CheckFailed(label, want, f"{metric} = {value:.4f}", hints) from None
    _passed(f"{label} = {value:.4f} {op} {threshold:g} (the {mode}-mode threshold)")
    return value


# --------------------------------------------------------------------------------------------------------------
# Train once, then load
# --------------------------------------------------------------------------------------------------------------
def _history_path(path: Path) -> Path:
    return path.with_name(path.name[: -len(".keras")] + ".history.json")


def train_or_load(path: str | os.PathLike, build_and_train: Callable[[], Any], *, retrain: bool = False) -> Any:
    """Load the trained model saved at ``path``; if there is none, train it with ``build_and_train()`` and save it.

    Notebooks wrap their long training runs in this, so that a rerun (and the grader) loads the saved model
    instead of training again::

        def train():
            model = build_model()
            model.fit(x_train, y_train, epochs=EPOCHS, validation_split=0.1)
            return model

        model = dlcourse.checks.train_or_load("mnist_dense.keras", train)

    The training history is saved beside the model (``mnist_dense.history.json``) and restored as
    ``model.history`` (a ``keras.callbacks.History``), so learning-curve plots work after loading too.

    Parameters
    ----------
    path
        Where the model is saved; must end in ``.keras`` (relative paths are relative to the notebook).
    build_and_train
        A function without arguments that builds, compiles and trains the model, and returns it.
    retrain
        Train again even if the file exists (and overwrite it).

    Returns
    -------
    keras.Model
    """
    __tracebackhide__ = True
    import keras

    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"train_or_load: {path} must end in .keras (Keras 3's file format)")
    if _quick_mode():
        # A model trained on quick-mode data must never be mistaken later for the full-mode one students grade.
        path = path.with_name(path.name[: -len(".keras")] + ".quick.keras")
    history_path = _history_path(path)
    if path.exists() and not retrain:
        try:
            model = keras.models.load_model(path)
        except Exception as exc:
            raise RuntimeError(
                f"could not load {path} ({type(exc).__name__}: {exc}). Delete the file, or pass retrain=True, "
                "to train the model again."
            ) from exc
        if history_path.exists():
            history = keras.callbacks.History()
            history.history = json.loads(history_path.read_text(encoding="utf-8"))
            history.epoch = list(range(len(next(iter(history.history.values()), []))))
            model.history = history
        print(f"Loaded the trained model from {path} (delete the file or pass retrain=True to train again).")
        return model
    print(f"No saved model at {path}: training it now.")
    model = build_and_train()
    if model is None:
        raise CheckFailed("train_or_load", "a trained Keras model", "None",
                          ["your training function returned None: did you forget `return model`?"]) from None
    if not hasattr(model, "save"):
        hint = HINT_RETURN_MODEL if hasattr(model, "history") else None
        raise CheckFailed("train_or_load", "a trained Keras model", _kind(model), [hint]) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name[: -len(".keras")] + ".partial.keras")
    model.save(partial)  # write under another name first: an interrupted save never leaves a broken path
    os.replace(partial, path)
    history = getattr(model, "history", None)
    record = getattr(history, "history", None)
    if isinstance(record, Mapping) and record:
        plain = {key: [float(v) for v in values] for key, values in record.items()}
        history_path.write_text(json.dumps(plain), encoding="utf-8")
    print(f"Saved the trained model to {path}.")
    return model

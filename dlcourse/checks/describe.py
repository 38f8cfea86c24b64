"""Describing values briefly, for one-line messages."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

_MAX_INLINE = 12  # arrays with at most this many elements are shown in full

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


def _tensor_problem(x: Any) -> Any:
    """Why NumPy cannot read a torch tensor (it requires grad, or it lives on a GPU): the hint, or None.

    Duck-typed (``.detach`` and ``.device.type``, as torch tensors have), so that this package never imports torch.
    """
    device = getattr(getattr(x, "device", None), "type", None)
    if not isinstance(device, str) or not callable(getattr(x, "detach", None)):
        return None
    from .hints import cause

    if getattr(x, "requires_grad", False) is True:
        return cause("requires_grad")
    if device != "cpu":
        return cause("tensor_device", device=device)
    return None


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
    problem = _tensor_problem(x)
    if problem is not None:
        shape = f" of shape {_shape_str(x.shape)}" if hasattr(x, "shape") else ""
        where = "that still requires grad" if problem.cause == "requires_grad" else f"on the {x.device.type} device"
        return f"a torch tensor{shape} {where}"
    return f"a {type(x).__name__}"


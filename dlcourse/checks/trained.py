"""``check_trained``: a trained model's metric against the threshold for full or quick mode."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .describe import _is_number, _kind, _to_numpy
from .failure import CheckFailed, _passed
from .hints import HINT_UNDERTRAINED, cause

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
        raise CheckFailed(label, want, "None instead of a trained model", [cause("none_value")]) from None
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
            hint = cause("not_compiled") if not compiled or "compile" in text else (
                "the test data must be prepared exactly like the training data (shape, scaling, dtype)."
            )
            text = text if len(text) <= 300 else text[:297] + "..."
            raise CheckFailed(label, want, f"evaluation failed: {type(exc).__name__}: {text}", [hint]) from None
    elif hasattr(model_or_metrics, "history"):
        raise CheckFailed(label, want, "a History object", [cause("history")]) from None
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
        raise CheckFailed(label, want, f"{metric} = nan", [cause("nan_loss")]) from None
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
                hints.append(cause("chance", metric=metric, value=f"{value:.4f}"))
        # without evidence for a cause (chance level), a checklist as the neutral next step
        raise CheckFailed(label, want, f"{metric} = {value:.4f}", hints,
                          next_step=None if hints else HINT_UNDERTRAINED) from None
    _passed(f"{label} = {value:.4f} {op} {threshold:g} (the {mode}-mode threshold)")
    return value

"""``check_model``: a Keras model's layers, shapes, parameter count, loss and optimizer (no Keras import)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .compare import _shape_matches
from .describe import _describe, _is_number, _kind, _num, _shape_str, _to_numpy
from .failure import CheckFailed, _count, _passed
from .hints import HINT_PARAMS, cause

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
        ("sparse_categorical_crossentropy", "categorical_crossentropy"): cause("sparse_loss"),
        ("categorical_crossentropy", "sparse_categorical_crossentropy"): cause("onehot_loss"),
    }
    if (expected, found) in pairs:
        return pairs[(expected, found)]
    if expected == "binary_crossentropy" and "categorical" in found:
        return cause("binary_loss")
    if "categorical" in expected and found == "binary_crossentropy":
        return cause("categorical_loss")
    regression = ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh")
    if expected in regression and "crossentropy" in found:
        return cause("regression_loss")
    if "crossentropy" in expected and found in regression:
        return cause("classification_loss")
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
        raise CheckFailed(name, "a Keras model", "None", [cause("none_value")]) from None
    if not _is_keras_model(model):
        hint = cause("return_model") if hasattr(model, "history") and hasattr(model, "params") else None
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
                hints.append(cause("flatten"))
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
                hints = [cause("flatten")] if cls == "Flatten" else []
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
                        hints.append(cause("softmax_not_sigmoid"))
                    elif wanted == "sigmoid" and got == "softmax":
                        hints.append(cause("sigmoid_not_softmax"))
                    elif got == "linear" and wanted in ("softmax", "sigmoid"):
                        hints.append(cause("logits", expected=wanted))
                if attr == "units" and i == last:
                    hints.append(cause("output_units", units=want))
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
                              [cause("not_built")]) from None
        want = tuple(want)
        if isinstance(got, tuple) and len(want) == len(got) - 1:
            want = (None, *want)
        if not (isinstance(got, tuple) and _shape_matches(got, want)):
            hint = cause("input_shape") if label == "input shape" else None
            if label == "output shape" and isinstance(got, tuple) and len(got) == len(want) and want[-1] != got[-1]:
                hint = cause("output_units", units=want[-1])
            raise CheckFailed(name, f"{label} {_fmt_shape_any(want)}", f"{label} {_fmt_shape_any(got)}",
                              [hint]) from None
        checked.append(f"{label} {_fmt_shape_any(got)}")

    if params is not None:
        try:
            total = model.count_params()
            trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
        except ValueError:
            raise CheckFailed(name, f"{params} parameters", "no parameters yet (the model is not built)",
                              [cause("not_built")]) from None
        counts = {"total": int(total), "trainable": int(trainable), "non_trainable": int(total - trainable)}
        wanted = {"total": params} if not isinstance(params, Mapping) else dict(params)
        for key, want in wanted.items():
            if counts[key] != want:
                label = "parameters" if key == "total" else f"{key.replace('_', '-')} parameters"
                per_layer = [f"{_layer_summary(layer)}: {layer.count_params():,}" for layer in found_layers]
                raise CheckFailed(name, f"{want:,} {label}", f"{counts[key]:,}", [],
                                  ["parameters per layer:", *("  " + line for line in per_layer)],
                                  next_step=HINT_PARAMS) from None
        checked.append(f"{counts['total']:,} parameters")

    if loss is not None or optimizer is not None:
        if getattr(model, "optimizer", None) is None:
            want = " and ".join(
                text for text in (loss is not None and f"loss {_loss_name(loss)!r}",
                                  optimizer is not None and f"optimizer {_optimizer_name(_opt_spec(optimizer)[0])!r}")
                if text
            )
            raise CheckFailed(name, f"a compiled model ({want})", "a model that is not compiled",
                              [cause("not_compiled")]) from None
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
                                  [cause("from_logits_twice", activation=activation)]) from None
            if not from_logits and activation == "linear":
                expected_act = "sigmoid" if want == "binary_crossentropy" else "softmax"
                raise CheckFailed(name, f"last-layer activation {expected_act!r} for loss {want!r}",
                                  "activation 'linear' (logits) with from_logits=False",
                                  [cause("logits", expected=expected_act)]) from None
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

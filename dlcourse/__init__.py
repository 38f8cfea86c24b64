"""dlcourse: the helper package every course notebook imports.

``import dlcourse`` is deliberately light (no TensorFlow): the names below are loaded on first use.

- ``dlcourse.setup()``, ``dlcourse.pick(full=..., quick=...)``, ``dlcourse.report(name, value)``, ``dlcourse.QUICK``
  (module :mod:`dlcourse.runtime`);
- dataset loaders ``load_mnist``, ``load_fashion_mnist``, ``load_imdb``, ``load_imdb_text``, ``imdb_word_index``,
  ``cats_and_dogs``, ``load_housing``, ``housing_csv``, ``load_glove``,
  ``split_validation`` (package :mod:`dlcourse.data`);
- pretrained networks ``efficientnet_lite0``, ``imagenet_class_names``, ``decode_top_k`` (package
  :mod:`dlcourse.pretrained`: ImageNet weights from an installed package, offline);
- ``dlcourse.checks`` (checks that teach), ``dlcourse.plots`` (one helper per kind of plot) and
  ``dlcourse.sample_quality`` (the judge of generated images).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "2026.11.0"

_RUNTIME = ("setup", "pick", "report", "QUICK", "is_quick")
_DATA = (
    "load_mnist",
    "load_fashion_mnist",
    "load_imdb",
    "load_imdb_text",
    "imdb_word_index",
    "cats_and_dogs",
    "load_housing",
    "housing_csv",
    "load_glove",
    "split_validation",
    "imdb_dir",
    "cats_and_dogs_dir",
)
_PRETRAINED = ("efficientnet_lite0", "imagenet_class_names", "decode_top_k")
_SUBMODULES = ("checks", "plots", "data", "runtime", "pretrained", "sample_quality")

__all__ = [*_RUNTIME, *_DATA, *_PRETRAINED, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _RUNTIME:
        return getattr(importlib.import_module("dlcourse.runtime"), name)
    if name in _DATA:
        return getattr(importlib.import_module("dlcourse.data"), name)
    if name in _PRETRAINED:
        return getattr(importlib.import_module("dlcourse.pretrained"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"dlcourse.{name}")
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

"""``train_or_load``: train once and save ``name.keras``; later runs (and the grader) load the file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .describe import _kind
from .failure import CheckFailed
from .hints import cause
from .trained import _quick_mode

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
        hint = cause("return_model") if hasattr(model, "history") else None
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


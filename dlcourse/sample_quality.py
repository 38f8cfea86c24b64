"""How good are generated digits or clothes? One evaluator for every generative model of the course.

Inception weights (what FID uses) cannot be downloaded here, so the course trains its own judge: a small convnet
classifier of MNIST or Fashion-MNIST, trained once with a fixed seed and kept in the data cache like any derived
data (``<cache>/derived/judge-<dataset>-<version>.npz``, its weights as arrays, so they load on every Keras
backend). On 1,000 generated images it reports:

- the **class distribution** (a generator that draws only a few classes has collapsed onto a few modes),
- the **mean top-class confidence** (sharp, recognisable samples are classified with confidence),
- a **Fréchet distance** between the classifier's penultimate-layer features of the samples and of the real test
  images: the idea of FID (Heusel et al., 2017) with a network the course trains itself. It compares the mean and
  covariance of the two feature clouds, so it sees both quality and diversity. Values are comparable only with
  each other (same judge, same number of samples), not with published FID figures.

Example::

    quality = dlcourse.sample_quality.evaluate(generated_images, dataset="mnist")
    print(quality)                      # one line: confidence, smallest class share, Fréchet distance
    quality.class_shares                # array of 10 shares summing to 1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Bump when the judge's architecture or training changes: cached judges of another version are retrained.
JUDGE_VERSION = 1
JUDGE_SEED = 20_260_101
DATASETS = ("mnist", "fashion_mnist")
N_CLASSES = 10


def _load(dataset: str):
    from dlcourse.data import load_fashion_mnist, load_mnist

    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}.")
    return load_mnist() if dataset == "mnist" else load_fashion_mnist()


def _build_judge():
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    features = layers.Dense(128, activation="relu", name="features")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="class_probabilities")(features)
    return keras.Model(inputs, outputs, name="judge")


def _train_judge(dataset: str, quick: bool) -> dict:
    import keras
    import numpy as np

    (x_train, y_train), (x_test, y_test) = _load(dataset)
    keras.utils.set_random_seed(JUDGE_SEED)
    model = _build_judge()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if quick:
        # quick mode (CI) only needs a judge that works, not figures worth quoting: 1 epoch on 10,000 images
        x_train, y_train, epochs = x_train[:10_000], y_train[:10_000], 1
        print(f"Training a quick-mode sample-quality judge for {dataset} (seconds; its figures are not comparable "
              f"with full mode) ...")
    else:
        epochs = 4
        print(f"Training the sample-quality judge for {dataset} once (about a minute; kept in the data cache) ...")
    model.fit(x_train[..., None] / 255.0, y_train, epochs=epochs, batch_size=128, verbose=2)
    accuracy = model.evaluate(x_test[..., None] / 255.0, y_test, verbose=0)[1]
    weights = {f"w{i:02d}": w for i, w in enumerate(model.get_weights())}
    return {**weights, "test_accuracy": np.array(accuracy)}


_JUDGES: dict[tuple[str, bool], Any] = {}


def judge(dataset: str = "mnist"):
    """The cached classifier that judges samples of ``dataset`` (trained on first use, about a minute).

    In quick mode (``DLCOURSE_QUICK=1``) a smaller judge (1 epoch on 10,000 images, seconds) is trained and cached
    under its own name: enough to run a notebook end to end, not to quote its figures.

    Returns a Keras model from 28×28×1 images in [0, 1] to 10 class probabilities; its layer ``"features"`` gives
    the 128 features the Fréchet distance compares. ``judge(...).test_accuracy`` is its accuracy on the real test
    set (0.990 for MNIST, 0.894 for Fashion-MNIST, measured).
    """
    from dlcourse.runtime import is_quick

    quick = is_quick()
    if (dataset, quick) in _JUDGES:
        return _JUDGES[dataset, quick]
    from dlcourse.data import store

    import keras

    # quick mode keeps its own, smaller judge under another name, so that it is never used for full-mode figures
    suffix = ".quick" if quick else ""
    arrays = store.derived_arrays(
        f"judge-{dataset}-v{JUDGE_VERSION}{suffix}.npz", lambda: _train_judge(dataset, quick),
        meta=f"judge {dataset} v{JUDGE_VERSION} seed {JUDGE_SEED}{suffix}",
    )
    model = _build_judge()
    model.set_weights([arrays[k] for k in sorted(k for k in arrays if k.startswith("w"))])
    model.test_accuracy = float(arrays["test_accuracy"])
    model.feature_model = keras.Model(model.input, [model.get_layer("features").output, model.output])
    _JUDGES[dataset, quick] = model
    return model


def as_judge_input(images: Any):
    """Images as the judge reads them: float32 ``(n, 28, 28, 1)`` in [0, 1].

    Accepts uint8 in [0, 255] or floats in [0, 1], shaped ``(n, 28, 28)`` or ``(n, 28, 28, 1)``, NumPy arrays or
    tensors of any backend. Raises ``ValueError`` naming the fix for floats outside [0, 1] (a ``tanh`` generator's
    [-1, 1] output, say), NaNs or another shape.
    """
    import numpy as np

    if hasattr(images, "detach"):  # a torch tensor that may require grad
        images = images.detach().cpu()
    x = np.asarray(images)
    shape = x.shape
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise ValueError(f"Expected images of shape (n, 28, 28) or (n, 28, 28, 1), got {shape}.")
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0
    x = x.astype("float32")
    if not np.isfinite(x).all():
        raise ValueError(f"{int((~np.isfinite(x)).sum())} pixel values are NaN or infinite: the generator diverged.")
    low, high = float(x.min()), float(x.max())
    if low < -1e-3 or high > 1 + 1e-3:
        fix = "rescale with (x + 1) / 2" if low >= -1 - 1e-3 and high <= 1 + 1e-3 else "rescale them to [0, 1]"
        raise ValueError(f"Pixel values run from {low:.3g} to {high:.3g}, the judge expects [0, 1]: {fix}.")
    return np.clip(x, 0.0, 1.0)


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors (rows are samples).

    ``|mu_a - mu_b|² + tr(S_a + S_b - 2 (S_a S_b)^½)``: 0 for identical statistics, growing with any difference in
    the mean or the spread of the features.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(5000, 3))
    >>> round(frechet_distance(a, a + [2.0, 0, 0]), 2)  # a shift of 2 in one direction
    4.0
    """
    import numpy as np

    a, b = np.asarray(features_a, dtype=np.float64), np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"Expected two (n, d) feature arrays with the same d, got {a.shape} and {b.shape}.")
    if min(len(a), len(b)) < 2:
        raise ValueError("Each set needs at least 2 samples to have a covariance.")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr((S_a S_b)^½) = Σ √λ over the eigenvalues λ of S_a^½ S_b S_a^½, a symmetric positive semi-definite matrix:
    # eigh is exact where a general matrix square root turns complex or warns on the singular covariances that
    # dead ReLU features give
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum()
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)



@dataclass
class SampleQuality:
    """What the judge says of a set of images (see :func:`evaluate`)."""

    dataset: str
    n: int
    class_shares: Any  # (10,) array: share of the samples the judge puts in each class
    mean_confidence: float  # mean over samples of the largest class probability
    frechet_distance: float  # to the real test images' features
    class_names: list[str] = field(default_factory=list)
    # share of the samples the judge puts in the class they were asked for (conditional generators; None otherwise)
    label_agreement: float | None = None

    @property
    def smallest_class_share(self) -> float:
        return float(min(self.class_shares))

    def as_row(self) -> dict[str, float]:
        """The figures as one table row (for a pandas DataFrame of several models)."""
        row = {"samples": self.n, "mean top-class confidence": round(self.mean_confidence, 3),
               "smallest class share": round(self.smallest_class_share, 3),
               "Fréchet distance": round(self.frechet_distance, 2)}
        if self.label_agreement is not None:
            row["label agreement"] = round(self.label_agreement, 3)
        return row

    def __str__(self) -> str:
        rarest = int(self.class_shares.argmin())
        return (f"{self.n} samples: mean top-class confidence {self.mean_confidence:.3f}, smallest class share "
                f"{self.smallest_class_share:.1%} ({self.class_names[rarest]}), Fréchet distance to the real test "
                f"images {self.frechet_distance:.2f}"
                + ("" if self.label_agreement is None else
                   f", judged as the class asked for: {self.label_agreement:.1%}"))


def _features(model, x, batch_size: int = 500):
    import keras
    import numpy as np

    feats, probs = [], []
    for start in range(0, len(x), batch_size):
        f, p = model.feature_model(x[start : start + batch_size], training=False)
        feats.append(keras.ops.convert_to_numpy(f))  # not np.asarray: a PyTorch tensor may require grad
        probs.append(keras.ops.convert_to_numpy(p))
    return np.concatenate(feats), np.concatenate(probs)


_REAL_FEATURES: dict[str, Any] = {}


def _class_indices(labels: Any, n: int):
    """The labels a conditional generator was asked for, as n class indices, or a ValueError that says what is off."""
    import numpy as np

    asked = np.asarray(labels)
    if asked.ndim == 2 and asked.shape == (n, N_CLASSES) and set(np.unique(asked)) <= {0, 1}:
        raise ValueError(f"labels have the shape {asked.shape} of one-hot vectors: pass the {n} class indices "
                         "instead (labels.argmax(axis=1)).")
    if asked.ndim == 2 and asked.shape[1] == 1:
        asked = asked[:, 0]
    if asked.shape != (n,) or not np.issubdtype(asked.dtype, np.integer):
        raise ValueError(f"labels: expected {n} integer class indices (one per image), found an array of shape "
                         f"{asked.shape} and type {asked.dtype}.")
    if asked.min() < 0 or asked.max() >= N_CLASSES:
        raise ValueError(f"labels: expected class indices from 0 to {N_CLASSES - 1}, found values from {asked.min()} "
                         f"to {asked.max()}.")
    return asked


def evaluate(images: Any, dataset: str = "mnist", labels: Any = None) -> SampleQuality:
    """Judge generated (or real) images: class shares, mean top-class confidence, Fréchet distance to real data.

    Parameters
    ----------
    images
        At least 200 images, ``(n, 28, 28)`` or ``(n, 28, 28, 1)``, uint8 or floats in [0, 1] (see
        :func:`as_judge_input`). Use the same ``n`` (the course uses 1,000) when comparing models: the Fréchet
        distance of a small set is biased upwards.
    dataset
        ``"mnist"`` or ``"fashion_mnist"``: which judge, and which real test images to compare with.
    labels
        For a conditional generator: the class each image was generated for (``n`` integers); the result's
        ``label_agreement`` is then the share of images the judge puts in that class.
    """
    import numpy as np

    x = as_judge_input(images)
    if len(x) < 200:
        raise ValueError(f"Got {len(x)} images: the Fréchet distance needs at least 200 (the course uses 1,000).")
    asked = None if labels is None else _class_indices(labels, len(x))  # before the judge: bad input fails at once
    model = judge(dataset)
    if dataset not in _REAL_FEATURES:
        (_, _), (x_test, _) = _load(dataset)
        _REAL_FEATURES[dataset] = _features(model, as_judge_input(x_test))[0]
    features, probabilities = _features(model, x)
    predicted = probabilities.argmax(axis=1)
    shares = np.bincount(predicted, minlength=N_CLASSES) / len(x)
    if dataset == "mnist":
        names = [str(d) for d in range(N_CLASSES)]
    else:
        from dlcourse.data import FASHION_MNIST_CLASSES

        names = list(FASHION_MNIST_CLASSES)
    return SampleQuality(dataset=dataset, n=len(x), class_shares=shares,
                         mean_confidence=float(probabilities.max(axis=1).mean()),
                         frechet_distance=frechet_distance(features, _REAL_FEATURES[dataset]), class_names=names,
                         label_agreement=None if asked is None else float(np.mean(predicted == asked)))

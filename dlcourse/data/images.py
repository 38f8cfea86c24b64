"""Image datasets: MNIST, Fashion-MNIST (NumPy arrays, like ``keras.datasets``) and cats vs dogs (``tf.data``)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

from dlcourse.data import store

_IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def read_idx(path: str | Path):
    """Read a gzip'd IDX file (the MNIST format) into a writable uint8 NumPy array."""
    import numpy as np

    with gzip.open(path, "rb") as stream:
        magic = stream.read(4)
        if len(magic) < 4 or magic[0:2] != b"\x00\x00" or magic[2] != 0x08:
            raise ValueError(f"{path} is not an IDX file of unsigned bytes")
        ndim = magic[3]
        dims = struct.unpack(f">{ndim}I", stream.read(4 * ndim))
        array = np.empty(dims, dtype=np.uint8)
        # Decompress straight into the array: no intermediate copy (this keeps a cached MNIST load well under 1 s).
        view = memoryview(array).cast("B")
        filled = 0
        while filled < len(view):
            n = stream.readinto(view[filled:])
            if not n:
                raise ValueError(f"{path}: {filled} bytes of data for shape {dims} (truncated?)")
            filled += n
        if stream.read(1):
            raise ValueError(f"{path}: more data than its shape {dims} says")
    return array


def _load_idx_dataset(name: str):
    located = store.locate(name)
    if located.form == "npz":
        import numpy as np

        with np.load(located.path()) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    return _idx_arrays(located)


def _idx_arrays(located):
    """The four IDX arrays, decompressed once into an uncompressed ``.npz`` in the writable cache.

    Gunzipping 55 MB takes about a second on a busy 2-core machine; reading the decompressed copy takes a tenth of
    that. The copy is named after the verified content hashes, so a changed source never meets a stale copy.
    """
    import hashlib

    key = hashlib.sha256("".join(f.content_sha256 or f.sha256 or f.path for f in located.source.files).encode())
    folder = located.path().parent
    arrays = store.derived_arrays(
        f"{located.dataset.name}-idx-{key.hexdigest()[:12]}.npz",
        lambda: dict(zip(("x_train", "y_train", "x_test", "y_test"), (read_idx(folder / f) for f in _IDX_FILES))),
    )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist():
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    The same arrays as ``keras.datasets.mnist.load_data()``, found through the course's data layer (shared
    directory, local cache, or a verified download).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x``: uint8 arrays of shape ``(n, 28, 28)`` with grey levels 0-255; ``y``: uint8 labels 0-9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, y_train[:5]
    ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))
    """
    return _load_idx_dataset("mnist")


#: Fashion-MNIST class names, by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def load_fashion_mnist():
    """Load Fashion-MNIST: 60,000 training and 10,000 test images of clothing in 10 classes.

    The same arrays as ``keras.datasets.fashion_mnist.load_data()``; class names are in
    :data:`FASHION_MNIST_CLASSES`.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x``: uint8 arrays of shape ``(n, 28, 28)``; ``y``: uint8 labels 0-9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    >>> FASHION_MNIST_CLASSES[y_train[0]]
    'Ankle boot'
    """
    return _load_idx_dataset("fashion-mnist")


def cats_and_dogs_dir() -> Path:
    """The directory with ``train/``, ``validation/`` and ``test/`` (each with ``cats/`` and ``dogs/``)."""
    return store.locate("cats_and_dogs").path()


def cats_and_dogs(image_size=(180, 180), batch_size=32, seed=42, shuffle=True):
    """The small Dogs-vs-Cats set as three ``tf.data`` datasets, as in Chollet's chapter 8.

    Parameters
    ----------
    image_size
        ``(height, width)`` every photo is resized to.
    batch_size
        Images per batch.
    seed
        Seed of the training set's shuffling (the validation and test sets keep a fixed order).
    shuffle
        Shuffle the training set (every epoch).

    Returns
    -------
    train_ds, val_ds, test_ds
        Datasets of ``(images, labels)`` batches: float32 RGB images with values 0-255 of shape
        ``(batch, height, width, 3)`` and int32 labels, 0 = cat, 1 = dog. Greyscale and CMYK photos are
        converted to RGB by TensorFlow's decoder.

    Examples
    --------
    >>> train_ds, val_ds, test_ds = cats_and_dogs(image_size=(180, 180), batch_size=32)
    >>> images, labels = next(iter(train_ds))
    >>> images.shape
    TensorShape([32, 180, 180, 3])
    """
    import keras  # imports TensorFlow: only here, never when dlcourse is imported

    root = cats_and_dogs_dir()
    options = dict(
        labels="inferred",
        label_mode="int",
        class_names=["cats", "dogs"],
        color_mode="rgb",
        image_size=tuple(image_size),
        batch_size=batch_size,
    )
    train_ds = keras.utils.image_dataset_from_directory(root / "train", shuffle=shuffle, seed=seed, **options)
    val_ds = keras.utils.image_dataset_from_directory(root / "validation", shuffle=False, **options)
    test_ds = keras.utils.image_dataset_from_directory(root / "test", shuffle=False, **options)
    return train_ds, val_ds, test_ds

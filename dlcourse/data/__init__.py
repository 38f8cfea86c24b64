"""Course datasets: one call per dataset, wherever the data lives.

Loaders (Keras conventions)::

    load_mnist(), load_fashion_mnist()          -> (x_train, y_train), (x_test, y_test)   uint8 arrays
    load_imdb(num_words=None, maxlen=None)      -> integer sequences (start=1, oov=2, index_from=3)
    load_imdb_text()                            -> raw review strings and labels
    imdb_word_index()                           -> {word: rank}
    cats_and_dogs(image_size=(180, 180))        -> train_ds, val_ds, test_ds (tf.data)
    load_housing()                              -> pandas DataFrame
    housing_csv()                               -> the path of housing.csv (for tf.data.TextLineDataset)
    load_glove(dim=50)                          -> words, vectors
    split_validation(x, y, fraction=0.2)        -> (x_train, y_train), (x_val, y_val), seeded and stratified
    imdb_dir(), cats_and_dogs_dir()             -> the unpacked folders, for keras.utils.*_dataset_from_directory

Each looks in the read-only shared directory ``DLCOURSE_DATA`` (for example on a JupyterHub), then in the local
cache (``DLCOURSE_CACHE`` or the course folder's ``coursedata/``), then downloads with a verified hash; see
:mod:`dlcourse.data.store` and ``coursedata/README.md``. Importing this package imports neither TensorFlow nor
NumPy: each loader imports what it needs.
"""

from dlcourse.data.errors import (
    DataError,
    DatasetIntegrityError,
    DatasetNotFoundError,
    DataWarning,
    DownloadError,
    UnknownDatasetError,
)
from dlcourse.data.images import FASHION_MNIST_CLASSES, cats_and_dogs, cats_and_dogs_dir, load_fashion_mnist, load_mnist
from dlcourse.data.splits import split_validation
from dlcourse.data.store import locate
from dlcourse.data.tables import housing_csv, load_housing
from dlcourse.data.text import imdb_dir, imdb_word_index, load_glove, load_imdb, load_imdb_text

__all__ = [
    "load_mnist",
    "load_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "load_imdb",
    "load_imdb_text",
    "imdb_word_index",
    "cats_and_dogs",
    "cats_and_dogs_dir",
    "imdb_dir",
    "load_housing",
    "housing_csv",
    "load_glove",
    "split_validation",
    "locate",
    "DataError",
    "DatasetNotFoundError",
    "DatasetIntegrityError",
    "DownloadError",
    "UnknownDatasetError",
    "DataWarning",
]

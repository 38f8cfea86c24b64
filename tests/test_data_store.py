"""The data layer's registry, resolution order, verification and error messages (no network, no TensorFlow)."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from datahelpers import ROOT, SHARED, needs_shared

from dlcourse.data import registry, store
from dlcourse.data.errors import (
    DatasetIntegrityError,
    DatasetNotFoundError,
    DataWarning,
    UnknownDatasetError,
)


# Every test gets an empty cache, no shared directory, no mirror and downloads turned off.
pytestmark = pytest.mark.usefixtures("isolated_data")


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``directory`` with its size and modification time."""
    return {
        str(p.relative_to(directory)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(directory.rglob("*"))
    }


def copy_into(relpaths: list[str], dest: Path) -> None:
    for rel in relpaths:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / rel, target)


# --- Registry ----------------------------------------------------------------------------------------------------


def test_registry_entries_are_complete():
    datasets = registry.load()
    assert {"mnist", "fashion-mnist", "imdb", "imdb_word_index", "cats_and_dogs", "housing", "glove"} <= set(datasets)
    for dataset in datasets.values():
        assert dataset.title and dataset.licence and dataset.citation and dataset.homepage.startswith("https://")
        assert dataset.size > 0 and dataset.sources
        for source in dataset.sources:
            for spec in source.files:
                kind, digest = spec.check
                assert re.fullmatch(r"[0-9a-f]{64}", digest), (dataset.name, spec.path)
                assert spec.url is None or spec.url.startswith("https://")
    # every dataset but the pip-installed GloVe can be downloaded from its canonical URL
    for name in ("mnist", "fashion-mnist", "imdb", "imdb_word_index", "cats_and_dogs", "housing"):
        assert any(s.downloadable for s in registry.get(name).sources), name


@needs_shared
def test_registry_hashes_agree_with_the_mirror_readme():
    readme = (SHARED / "README.md").read_text(encoding="utf-8")
    for dataset in registry.load().values():
        if dataset.module:
            continue  # GloVe's hashes are of the installed package's files
        for source in dataset.sources:
            for spec in source.files:
                assert spec.check[1] in readme, f"{dataset.name}: {spec.path} hash not in the mirror's README"


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(UnknownDatasetError, match="Known datasets: mnist, fashion-mnist"):
        store.locate("cifar10")


def test_registry_rejects_entries_without_a_hash(tmp_path):
    bad = tmp_path / "registry.toml"
    bad.write_text(
        '[datasets.x]\ntitle="x"\ndescription="x"\nsize=1\nlicence="x"\nhomepage="https://x"\ncitation="x"\n'
        '[[datasets.x.sources]]\nform="f"\nfiles=[{path="a"}]\n'
    )
    with pytest.raises(ValueError, match="needs exactly one of"):
        registry.load(bad)


# --- Hashing -----------------------------------------------------------------------------------------------------


def test_tree_digest_matches_the_shell_recipe(tmp_path):
    tree = tmp_path / "tree"
    (tree / "b" / "c").mkdir(parents=True)
    (tree / "a.txt").write_text("alpha\n")
    (tree / "b" / "Z.txt").write_text("zulu\n")
    (tree / "b" / "c" / "x y.txt").write_bytes(b"\x00\xff")
    (tree / "B.txt").write_text("capital sorts first in C locale\n")
    shell = subprocess.run(
        "find . -type f | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
        shell=True, cwd=tree, capture_output=True, text=True, check=True,
    ).stdout.split()[0]  # fmt: skip
    assert store.tree_digest(tree) == (shell, 4)


@needs_shared
def test_tree_digest_of_the_mirrors_cats_and_dogs():
    spec = registry.get("cats_and_dogs").tree.files[0]
    assert store.tree_digest(SHARED / spec.path) == (spec.tree_sha256, spec.count)


@needs_shared
def test_content_hash_accepts_a_remade_gzip_container(isolated_data):
    # mnist is checked after decompression: a different gzip container of the same bytes is accepted
    copy_into(["mnist/t10k-labels-idx1-ubyte.gz"], isolated_data)
    path = isolated_data / "mnist/t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1, mtime=0))
    spec = registry.get("mnist").sources[0].files[3]
    assert store.check_file(spec, path).status == "ok"


@needs_shared
def test_verification_is_remembered_until_the_file_changes(isolated_data, monkeypatch):
    copy_into(["housing/housing.tgz"], isolated_data)
    assert store.locate("housing").place == "cache"
    calls = []
    real = store.sha256_file
    monkeypatch.setattr(store, "sha256_file", lambda p: calls.append(p) or real(p))
    store.locate("housing")
    assert calls == [], "an unchanged, verified file must not be hashed again"
    path = isolated_data / "housing/housing.tgz"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    store.locate("housing")
    assert len(calls) == 1, "a file whose modification time changed must be hashed again"


# --- Resolution order and the shared directory ---------------------------------------------------------------------


@needs_shared
def test_shared_directory_comes_first_and_is_never_written(monkeypatch, isolated_data):
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    copy_into(["housing/housing.tgz"], isolated_data)  # a cache copy exists too
    before = snapshot(SHARED)
    located = store.locate("housing")
    assert located.place == "shared" and located.root == SHARED
    from dlcourse.data import load_housing, load_mnist

    load_housing()
    load_mnist()
    assert snapshot(SHARED) == before
    assert (isolated_data / ".state" / "verified.json").is_file(), "verification results belong in the cache"


@needs_shared
def test_read_only_shared_directory_in_tmp(monkeypatch, isolated_data, tmp_path):
    shared = tmp_path / "shared"
    copy_into(["housing/housing.tgz", "imdb_word_index.json", *[f"mnist/{f}" for f in _MNIST]], shared)
    for path in [shared, *shared.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    before = snapshot(shared)
    try:
        from dlcourse.data import imdb_word_index, load_housing, load_mnist

        assert load_housing().shape == (20640, 10)
        assert load_mnist()[0][0].shape == (60000, 28, 28)
        assert imdb_word_index()["the"] == 1
        assert store.locate("mnist").place == "shared"
        assert snapshot(shared) == before, "the data layer wrote into the shared directory"
    finally:
        for path in [shared, *shared.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


_MNIST = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


@needs_shared
def test_incomplete_shared_copy_falls_back_to_the_cache_and_says_so(monkeypatch, isolated_data, tmp_path):
    shared = tmp_path / "shared"
    copy_into([f"mnist/{f}" for f in _MNIST[:2]], shared)  # the test half is missing
    copy_into([f"mnist/{f}" for f in _MNIST], isolated_data)
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    expected = r"shared data directory .* broken copy of 'mnist'.*t10k-images-idx3-ubyte.gz missing"
    with pytest.warns(DataWarning, match=expected):
        located = store.locate("mnist")
    assert located.place == "cache"


@needs_shared
def test_corrupt_shared_file_falls_back_with_both_hashes(monkeypatch, isolated_data, tmp_path):
    shared = tmp_path / "shared"
    copy_into(["housing/housing.tgz"], shared)
    copy_into(["housing/housing.tgz"], isolated_data)
    path = shared / "housing/housing.tgz"
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    expected = registry.get("housing").sources[0].files[0].sha256
    with pytest.warns(DataWarning) as record:
        assert store.locate("housing").place == "cache"
    message = str(record[0].message)
    assert expected in message and hashlib.sha256(bytes(data)).hexdigest() in message


def test_missing_shared_directory_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "no-such-dir"))
    with pytest.warns(DataWarning, match="does not exist"), pytest.raises(DatasetNotFoundError) as info:
        store.locate("housing")
    assert "no-such-dir" in str(info.value)


# --- Nothing anywhere, damaged copies -------------------------------------------------------------------------------


def test_offline_and_nowhere_names_every_place_and_the_fix(isolated_data):
    with pytest.raises(DatasetNotFoundError) as info:
        store.locate("fashion-mnist")
    message = str(info.value)
    assert "'fashion-mnist'" in message
    assert "shared directory: not set" in message
    assert str(isolated_data) in message and "fashion-mnist/train-images-idx3-ubyte.gz" in message
    assert "dlcourse fetch fashion-mnist" in message and "DLCOURSE_DATA" in message
    assert "DLCOURSE_OFFLINE" in message
    assert isinstance(info.value, FileNotFoundError)  # plain `except FileNotFoundError` works too


@needs_shared
def test_corrupt_cached_file_offline_gives_both_hashes_and_keeps_the_file(isolated_data):
    copy_into(["housing/housing.tgz"], isolated_data)
    path = isolated_data / "housing/housing.tgz"
    data = path.read_bytes()[:-10] + b"0123456789"
    path.write_bytes(data)
    with pytest.raises(DatasetIntegrityError) as info:
        store.locate("housing")
    message = str(info.value)
    assert registry.get("housing").sources[0].files[0].sha256 in message
    assert hashlib.sha256(data).hexdigest() in message
    assert "dlcourse fetch housing" in message
    assert path.read_bytes() == data, "nothing is deleted without a good replacement"


@needs_shared
def test_truncated_cached_file_is_caught_by_its_size(isolated_data):
    copy_into(["fashion-mnist/t10k-labels-idx1-ubyte.gz"], isolated_data)
    path = isolated_data / "fashion-mnist/t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    finding = store.check_file(registry.get("fashion-mnist").sources[0].files[3], path)
    assert finding.status == "corrupt" and "100 bytes instead of 5,148" in finding.detail


def test_unwritable_cache_says_how_to_fix(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DLCOURSE_CACHE", str(blocker / "cache"))
    monkeypatch.setenv("DLCOURSE_MIRROR", "http://127.0.0.1:9/")
    monkeypatch.delenv("DLCOURSE_OFFLINE")
    with pytest.raises(store.DataError, match="DLCOURSE_CACHE to a writable directory"):
        store.locate("housing")


@needs_shared
def test_status_is_cheap_and_reports_places(monkeypatch, isolated_data):
    assert store.status("housing").place == "missing"
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    assert store.status("housing").place == "shared"
    imdb = store.status("imdb")
    assert imdb.place == "shared" and "unpacked into the cache" in imdb.detail
    assert store.status("glove").place == "package"
    assert not (isolated_data / "aclImdb").exists(), "status never prepares anything"


# --- Import budget -----------------------------------------------------------------------------------------------


def test_import_dlcourse_is_light_and_fast():
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "import dlcourse, dlcourse.data\n"
        "f = dlcourse.load_mnist\n"
        "print(time.perf_counter() - t)\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'numpy') if m in sys.modules))\n"
    )
    times = []
    for _ in range(3):  # best of three: the machine is shared
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        seconds, modules = out.stdout.splitlines()
        times.append(float(seconds))
        assert modules == "[]", f"importing dlcourse pulled in {modules}"
    assert min(times) < 0.5, f"import dlcourse took {min(times):.2f} s"


# --- Trees prepared from an archive, derived files ---------------------------------------------------------------


def _fake_prepared_tree(root: Path, archive_check: str) -> None:
    import json

    tree = root / "cats_and_dogs_small"
    for rel in ("train/cats/cat.0.jpg", "validation/dogs/dog.1000.jpg"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(rel.encode())
    digest, count = store.tree_digest(tree)
    marker = {"dataset": "cats_and_dogs", "archive_check": archive_check, "tree_sha256": digest, "count": count}
    (root / ".state/prepared").mkdir(parents=True)
    (root / ".state/prepared/cats_and_dogs_small.json").write_text(json.dumps(marker))


def test_a_tree_prepared_from_a_verified_archive_is_accepted_in_a_shared_directory(monkeypatch, tmp_path):
    """An instructor who ran `DLCOURSE_CACHE=/srv/data dlcourse fetch --all` can share /srv/data as is."""
    shared = tmp_path / "srv-data"
    zip_check = "sha256:" + registry.get("cats_and_dogs").sources[1].files[0].sha256
    _fake_prepared_tree(shared, zip_check)
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        located = store.locate("cats_and_dogs")
    assert located.place == "shared" and located.form == "tree"


def test_a_tree_with_a_record_from_an_unknown_archive_is_rejected(monkeypatch, tmp_path):
    shared = tmp_path / "srv-data"
    _fake_prepared_tree(shared, "sha256:" + "0" * 64)
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    with pytest.warns(DataWarning, match="tree digest"), pytest.raises(DatasetIntegrityError, match="instructor"):
        store.locate("cats_and_dogs")


def test_tokenised_imdb_is_read_from_the_shared_directory(monkeypatch, tmp_path, isolated_data):
    import numpy as np

    from dlcourse.data import text

    shared = tmp_path / "shared"
    (shared / "derived").mkdir(parents=True)
    ranks = np.tile(np.array([1, 2, 3], dtype=np.int32), 50000)
    np.savez(
        shared / "derived" / text._SEQUENCES,
        ranks=ranks,
        offsets=np.arange(0, 150001, 3, dtype=np.int64),
        labels=np.repeat(np.array([1, 0, 1, 0]), 12500).astype(np.int64),
        meta=np.array(text._meta()),
    )
    monkeypatch.setenv("DLCOURSE_DATA", str(shared))
    (x_train, y_train), (x_test, _) = text.load_imdb(num_words=100)
    assert x_train[0] == [1, 4, 5, 6] and len(x_test) == 25000
    assert not isolated_data.exists() or not (isolated_data / "derived").exists(), "nothing rebuilt in the cache"

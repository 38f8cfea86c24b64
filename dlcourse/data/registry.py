"""The dataset registry: ``coursedata/registry.toml`` read into small immutable records.

The registry is plain data kept apart from the code (one table per dataset: sources, hashes, sizes, licence,
citation); this module only parses and checks it. See the comments at the top of ``registry.toml`` for the format.

Examples
--------
>>> from dlcourse.data.registry import get
>>> get("mnist").licence
'CC BY-SA 3.0'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dlcourse.data.errors import UnknownDatasetError

#: The course folder's ``coursedata/`` directory: home of ``registry.toml`` and the default local cache.
COURSEDATA = Path(__file__).resolve().parents[2] / "coursedata"
REGISTRY_PATH = COURSEDATA / "registry.toml"

_CHECKS = ("sha256", "content_sha256", "tree_sha256")


@dataclass(frozen=True)
class FileSpec:
    """One file (or directory, for ``tree_sha256``) of a source, with the hash that verifies it."""

    path: str
    sha256: str | None = None
    content_sha256: str | None = None
    tree_sha256: str | None = None
    count: int | None = None
    size: int | None = None
    url: str | None = None

    @property
    def is_tree(self) -> bool:
        return self.tree_sha256 is not None

    @property
    def check(self) -> tuple[str, str]:
        """``(kind, expected digest)``: how this file is verified."""
        for kind in _CHECKS:
            value = getattr(self, kind)
            if value:
                return kind, value
        raise AssertionError(f"{self.path} has no hash")  # excluded by _parse_file


@dataclass(frozen=True)
class Source:
    """One form in which a dataset is accepted: a set of files, possibly an archive to prepare."""

    form: str
    files: tuple[FileSpec, ...]
    prepare: str | None = None
    note: str = ""

    @property
    def downloadable(self) -> bool:
        """True when every file has a canonical URL."""
        return all(f.url for f in self.files)


@dataclass(frozen=True)
class Dataset:
    """A registry entry."""

    name: str
    title: str
    description: str
    size: int
    licence: str
    homepage: str
    citation: str
    sources: tuple[Source, ...]
    package: str | None = None
    module: str | None = None
    needs: tuple[str, ...] = ()

    @property
    def tree(self) -> Source | None:
        """The unpacked form that archives are prepared into, if the dataset has one."""
        for source in self.sources:
            if source.form == "tree":
                return source
        return None


def _parse_file(dataset: str, raw: dict) -> FileSpec:
    unknown = set(raw) - {"path", "count", "size", "url", *_CHECKS}
    if unknown:
        raise ValueError(f"registry: {dataset}: unknown keys {sorted(unknown)} in file entry {raw}")
    if sum(1 for k in _CHECKS if raw.get(k)) != 1:
        raise ValueError(f"registry: {dataset}: file {raw.get('path')!r} needs exactly one of {_CHECKS}")
    return FileSpec(**raw)


def _parse(text: str) -> dict[str, Dataset]:
    data = tomllib.loads(text)
    datasets = {}
    for name, entry in data.get("datasets", {}).items():
        entry = dict(entry)
        entry["needs"] = tuple(entry.get("needs", ()))
        sources = tuple(
            Source(
                form=s["form"],
                files=tuple(_parse_file(name, f) for f in s["files"]),
                prepare=s.get("prepare"),
                note=s.get("note", ""),
            )
            for s in entry.pop("sources")
        )
        datasets[name] = Dataset(name=name, sources=sources, **entry)
        if any(s.prepare for s in sources) and datasets[name].tree is None:
            raise ValueError(f"registry: {name}: a source has 'prepare' but there is no 'tree' source to prepare")
    for name, dataset in datasets.items():
        for need in dataset.needs:
            if need not in datasets:
                raise ValueError(f"registry: {name} needs {need!r}, which is not in the registry")
    return datasets


def load(path: str | Path | None = None) -> dict[str, Dataset]:
    """Read and check the registry file (default :data:`REGISTRY_PATH`); returns ``{name: Dataset}``."""
    return _load(Path(path) if path is not None else REGISTRY_PATH)


@lru_cache(maxsize=None)
def _load(path: Path) -> dict[str, Dataset]:
    if not path.is_file():
        raise FileNotFoundError(
            f"The dataset registry {path} is missing. dlcourse reads it from the course folder: install the package "
            "from a clone of the course repository with `pip install -e .` (an installed wheel has no coursedata/)."
        )
    return _parse(path.read_text(encoding="utf-8"))


def names() -> list[str]:
    """Names of every dataset in the registry, in registry order."""
    return list(load())


def get(name: str) -> Dataset:
    """The registry entry of dataset ``name``."""
    datasets = load()
    if name not in datasets:
        raise UnknownDatasetError(f"Unknown dataset {name!r}. Known datasets: {', '.join(datasets)}.")
    return datasets[name]

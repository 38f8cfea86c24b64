"""Tabular datasets: California housing (Géron's version, as a pandas DataFrame)."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from dlcourse.data import store

_MEMBER = "housing/housing.csv"


def load_housing():
    """Load the California housing data of Géron's *Hands-On Machine Learning* as a pandas DataFrame.

    One row per district of the 1990 census (20,640 rows) and 10 columns: ``longitude``, ``latitude``,
    ``housing_median_age``, ``total_rooms``, ``total_bedrooms`` (207 values missing, on purpose),
    ``population``, ``households``, ``median_income`` (in tens of thousands of dollars), ``median_house_value``
    (the usual regression target, in dollars) and the categorical ``ocean_proximity``. Read straight from the
    verified ``housing.tgz``; nothing is unpacked.

    Examples
    --------
    >>> housing = load_housing()
    >>> housing.shape
    (20640, 10)
    >>> int(housing["total_bedrooms"].isna().sum())
    207
    """
    import pandas as pd

    path = store.locate("housing").path()
    with tarfile.open(path, "r:gz") as tar:
        member = tar.extractfile(_MEMBER)
        assert member is not None
        return pd.read_csv(member)


def housing_csv() -> Path:
    """The path of ``housing.csv`` itself, for readers that need a file (``tf.data.TextLineDataset``, ``csv``).

    The CSV is the one file inside the verified ``housing.tgz`` (the same data as :func:`load_housing`): a header
    line, then one line per district; a missing ``total_bedrooms`` is an empty field. It is unpacked once into
    ``<cache>/derived/`` under a name holding the archive's hash, so a changed archive never meets a stale copy
    (a copy left in the shared directory's ``derived/`` is used too).

    Examples
    --------
    >>> path = housing_csv()
    >>> path.read_text().splitlines()[0]
    'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity'
    """
    located = store.locate("housing")
    digest = located.source.files[0].sha256 or "unhashed"
    filename = f"housing-{digest[:12]}.csv"
    for candidate in store.derived_paths(filename):
        if candidate.is_file():
            return candidate
    with tarfile.open(located.path(), "r:gz") as tar:
        member = tar.extractfile(_MEMBER)
        assert member is not None
        data = member.read()
    target = store.cache_dir() / "derived" / filename
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{filename}.partial")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a crash never leaves a half-written CSV under the real name
    except OSError:
        # A read-only cache: a private temporary copy still gives readers their file.
        target = Path(tempfile.mkdtemp(prefix="dlcourse-")) / filename
        target.write_bytes(data)
    return target

"""Tabular datasets: California housing (Géron's version, as a pandas DataFrame)."""

from __future__ import annotations

import tarfile

from dlcourse.data import store


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
        member = tar.extractfile("housing/housing.csv")
        assert member is not None
        return pd.read_csv(member)

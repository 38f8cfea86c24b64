"""The California housing loader on the real data."""

from __future__ import annotations

import pytest
from datahelpers import SHARED, needs_shared


@pytest.fixture
def from_shared(isolated_data, monkeypatch):
    """``isolated_data``, reading from the shared course data mirror."""
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))


pytestmark = [needs_shared, pytest.mark.usefixtures("from_shared")]


def test_housing_dataframe():
    from dlcourse import load_housing

    housing = load_housing()
    assert housing.shape == (20640, 10)
    assert list(housing.columns) == [
        "longitude", "latitude", "housing_median_age", "total_rooms", "total_bedrooms", "population",
        "households", "median_income", "median_house_value", "ocean_proximity",
    ]  # fmt: skip
    assert housing["total_bedrooms"].isna().sum() == 207
    assert housing["ocean_proximity"].value_counts().to_dict() == {
        "<1H OCEAN": 9136, "INLAND": 6551, "NEAR OCEAN": 2658, "NEAR BAY": 2290, "ISLAND": 5,
    }  # fmt: skip
    assert housing["median_house_value"].between(14_999, 500_001).all()
    assert str(housing["median_income"].dtype) == "float64"


def test_housing_csv_is_the_file_in_the_archive_unpacked_once(isolated_data):
    from dlcourse import housing_csv, load_housing

    path = housing_csv()
    assert path.parent == isolated_data / "derived" and path.suffix == ".csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(load_housing().columns)
    assert len(lines) == 20641
    assert sum(",," in line for line in lines) == 207  # the missing total_bedrooms are empty fields
    stamp = path.stat().st_mtime_ns
    assert housing_csv() == path and path.stat().st_mtime_ns == stamp  # found, not unpacked again

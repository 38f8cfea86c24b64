"""The California housing loader on the real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DLCOURSE_DATA") or ROOT.parent / "shared" / "coursedata")
pytestmark = pytest.mark.skipif(
    not (SHARED / "README.md").is_file(), reason=f"the shared course data mirror {SHARED} is absent"
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DLCOURSE_DATA", str(SHARED))
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")


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

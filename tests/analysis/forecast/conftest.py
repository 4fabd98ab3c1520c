"""A small real store for the forecasting tests: UCDP GED 21.1 events of Mali and its neighbours."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import DATA_DIR

PRECISE = DATA_DIR / "ucdp_ged_211_precise" / "ged211_precise_1989_2018.csv.gz"
SAHEL = ["Mali", "Burkina Faso", "Niger", "Mauritania", "Algeria", "Senegal", "Guinea", "Ivory Coast"]


@pytest.fixture(scope="session")
def sahel_raw() -> pd.DataFrame:
    """The GED rows of Mali and its neighbours, read independently with pandas."""
    with gzip.open(PRECISE, "rt", encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    return frame[frame["country"].isin(SAHEL)].reset_index(drop=True)


@pytest.fixture(scope="session")
def sahel_csv(sahel_raw, tmp_path_factory):
    path = tmp_path_factory.mktemp("ged") / "ged211_sahel.csv"
    sahel_raw.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def sahel_store_path(sahel_csv, tmp_path_factory):
    """A store file holding those events (ingested once per test session)."""
    path = tmp_path_factory.mktemp("store") / "sahel.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, sahel_csv, "ucdp-ged", release="21.1")
    return path


@pytest.fixture
def sahel_store(sahel_store_path, tmp_path):
    """A private copy of the Sahel store (tests may change it)."""
    import shutil

    copy = tmp_path / "sahel.duckdb"
    shutil.copy(sahel_store_path, copy)
    with bluehelmet.open(copy) as store:
        yield store

"""Stores for the anatomy tests: the bundled real UCDP data plus the hand-written ACLED rows.

``anatomy_db`` holds GED 21.1 (1989-2018), both Candidate 26 releases, the ACD 23.1 and the
ACLED fixtures of ``tests/sources/fixtures/acled`` (Looting and Abduction sub-event types),
without boundaries: territory is measured on PRIO-GRID cells. ``anatomy_units_db`` is a copy
with Mali's admin1/admin2 units from the bundled OCHA COD-AB GeoJSON, so territory is measured
on cercles.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import bluehelmet
from bluehelmet.data import bundled

GED211 = "ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"
CANDIDATE = ["ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv", "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"]
ACD = "ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"
ACLED = Path(__file__).parent / "sources" / "fixtures" / "acled"
ADM = {1: "mali_admin_boundaries_ocha_codab/mli_adm1.geojson", 2: "mali_admin_boundaries_ocha_codab/mli_adm2.geojson"}


def load_mali_units(store) -> None:
    """Mali's admin1 and admin2 units into ``admin_units`` (through the boundaries reader when the
    store has one), then every Mali event gets its units by point in polygon."""
    from bluehelmet.sources import kinds

    if "boundaries" in kinds():
        for level in (1, 2):
            bluehelmet.ingest(store, bundled(ADM[level]), "boundaries")
        return
    from bluehelmet.geo.assign import assign_admin_units

    for level in (1, 2):
        for row in gpd.read_file(bundled(ADM[level])).itertuples():
            pcode = getattr(row, f"admin{level}Pcod")
            minx, miny, maxx, maxy = row.geometry.bounds
            store.con.execute(
                "INSERT INTO admin_units (uid, release, pcode, level, name, parent_pcode, admin1_pcode, admin1_name, "
                "country_iso3, geometry, min_x, min_y, max_x, max_y, source) "
                "VALUES (?, '2015-04-08', ?, ?, ?, ?, ?, ?, 'MLI', ?, ?, ?, ?, ?, 'ocha-codab')",
                [pcode, pcode, level, getattr(row, f"admin{level}Name"), "ML" if level == 1 else row.admin1Pcod,
                 row.admin1Pcod, row.admin1Name, shapely.to_wkb(row.geometry), minx, miny, maxx, maxy],
            )
    assign_admin_units(store.con, "country_iso3 = ?", ["MLI"])


@pytest.fixture(scope="session")
def anatomy_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("anatomy") / "anatomy.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, bundled(GED211), "ucdp-ged")
        for name in CANDIDATE:
            bluehelmet.ingest(store, bundled(name), "ucdp-candidate")
        bluehelmet.ingest(store, bundled(ACD), "ucdp-acd")
        for name in ("mali_dyadic_2023.csv", "mali_pre2019.csv"):
            bluehelmet.ingest(store, ACLED / name, "acled")
    return path


@pytest.fixture(scope="session")
def anatomy_units_db(anatomy_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("anatomy_units") / "anatomy_units.duckdb"
    shutil.copy(anatomy_db, path)
    with bluehelmet.open(path) as store:
        load_mali_units(store)
    return path


@pytest.fixture
def anatomy(anatomy_db):
    """The anatomy store opened for one test (tests that add evidence use ``anatomy_copy``)."""
    with bluehelmet.open(anatomy_db) as store:
        yield store


@pytest.fixture
def anatomy_copy(anatomy_db, tmp_path):
    """A private copy of the anatomy store, for tests that add analyst evidence."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(anatomy_db, path)
    with bluehelmet.open(path) as store:
        yield store


@pytest.fixture(scope="session")
def ged211():
    """The GED 21.1 rows as pandas reads them from the bundled file (the independent check)."""
    import pandas as pd

    frame = pd.read_csv(bundled(GED211))
    frame["date"] = pd.to_datetime(dict(year=frame["year"], month=frame["month"], day=frame["day"]))
    return frame

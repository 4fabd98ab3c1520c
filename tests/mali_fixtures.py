"""Stores with the bundled real Mali data for the threat analyses.

The boundaries come from the bundled OCHA COD-AB GeoJSON. When the store has a ``boundaries``
reader they are ingested with it; otherwise the rows are written here with GeoPandas in the
``admin_units`` columns the reader fills, and events are given their units by the same
``assign_admin_units`` an ingest runs.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import bluehelmet
from bluehelmet.data import bundled

GED211 = "ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"
CANDIDATE = ["ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv", "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"]
BOUNDARIES = {1: "mali_admin_boundaries_ocha_codab/mli_adm1.geojson", 2: "mali_admin_boundaries_ocha_codab/mli_adm2.geojson"}


def _has_boundaries_reader() -> bool:
    from bluehelmet.sources import kinds

    return "boundaries" in kinds()


def load_mali_boundaries(store) -> None:
    """Put Mali's admin1 and admin2 units in ``store`` and assign every event its units."""
    if _has_boundaries_reader():
        for level in (1, 2):
            bluehelmet.ingest(store, bundled(BOUNDARIES[level]), "boundaries")
        return
    from bluehelmet.geo.assign import assign_admin_units

    for level in (1, 2):
        frame = gpd.read_file(bundled(BOUNDARIES[level]))
        for row in frame.itertuples():
            pcode = getattr(row, f"admin{level}Pcod")
            minx, miny, maxx, maxy = row.geometry.bounds
            store.con.execute(
                "INSERT INTO admin_units (uid, release, pcode, level, name, parent_pcode, admin1_pcode, admin1_name, "
                "country_iso3, geometry, min_x, min_y, max_x, max_y, source) VALUES (?, '2015-04-08', ?, ?, ?, ?, ?, ?, 'MLI', ?, ?, ?, ?, ?, 'ocha-codab')",
                [pcode, pcode, level, getattr(row, f"admin{level}Name"), "ML" if level == 1 else row.admin1Pcod,
                 row.admin1Pcod, row.admin1Name, shapely.to_wkb(row.geometry), minx, miny, maxx, maxy],
            )
    assign_admin_units(store.con, "country_iso3 = ?", ["MLI"])


EVENT_DEFAULTS = {
    "source": "test", "release": "t1", "date_precision": "day", "location_precision": "exact",
    "country": "Mali", "country_iso3": "MLI", "deleted": False,
}


def add_events(store, rows: list[dict]) -> None:
    """Write hand-made events (canonical columns) and give them admin units and PRIO-GRID cells.

    Each row needs ``uid``, ``date_start``, ``violence_category``, ``latitude``, ``longitude``;
    missing columns take :data:`EVENT_DEFAULTS` or NULL.
    """
    from bluehelmet.geo.assign import assign_admin_units
    from bluehelmet.geo.priogrid import gid

    for row in rows:
        row = {**EVENT_DEFAULTS, **row}
        row.setdefault("source_id", row["uid"].split(":")[-1])
        row.setdefault("date_end", row["date_start"])
        row.setdefault("priogrid_gid", int(gid(row["latitude"], row["longitude"])) if row.get("latitude") is not None else None)
        cols = list(row)
        store.con.execute(
            f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols]
        )
    assign_admin_units(store.con, "source = 'test'")


@pytest.fixture(scope="session")
def mali_db(tmp_path_factory):
    """Path of a store with GED 21.1 (Mali rows), both Candidate releases and Mali's boundaries (read-only use)."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("mali")
    # The Mali rows of the real GED 21.1 extract, unchanged: the global file takes ten times longer to ingest.
    raw = pd.read_csv(bundled(GED211), dtype=str, keep_default_na=False)
    subset = folder / "ged211_precise_mali.csv"
    raw[raw["country"] == "Mali"].to_csv(subset, index=False)
    path = folder / "mali.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, subset, "ucdp-ged")
        for name in CANDIDATE:
            bluehelmet.ingest(store, bundled(name), "ucdp-candidate")
        load_mali_boundaries(store)
    return path


@pytest.fixture
def mali(mali_db):
    """The Mali store, opened for one test."""
    with bluehelmet.open(mali_db) as store:
        yield store


@pytest.fixture
def mali_units(tmp_path):
    """A fresh store with only Mali's boundaries (events are added by the test)."""
    with bluehelmet.open(tmp_path / "units.duckdb") as store:
        load_mali_boundaries(store)
        yield store

"""Admin units by point in polygon, on the bundled UCDP events and the Mali COD-AB boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from unidecode import unidecode

import bluehelmet
from bluehelmet.geo.assign import assign_admin_units

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
CANDIDATES = ["ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv", "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"]
FOLDER = "mali_admin_boundaries_ocha_codab"
ADM1 = f"{FOLDER}/mli_admbnda_adm1_gov_ocha_itos/mli_admbnda_adm1_gov_ocha_itos.shp"
ADM2 = f"{FOLDER}/mli_admbnda_adm2_gov_ocha_itos/mli_admbnda_adm2_gov_ocha_itos.shp"
EVENTS = [SAMPLE, *CANDIDATES]
COLUMNS = "uid, admin1_pcode, admin1_name, admin2_pcode, admin2_name, admin_assigned_by"


def _assigned(store) -> pd.DataFrame:
    return store.sql(f"SELECT {COLUMNS} FROM events ORDER BY uid")


@pytest.fixture(scope="module")
def boundaries_first(tmp_path_factory):
    from bluehelmet.data import bundled

    with bluehelmet.open(tmp_path_factory.mktemp("bf") / "s.duckdb") as store:
        for path in (ADM1, ADM2, *EVENTS):
            bluehelmet.ingest(store, bundled(path))
        yield _assigned(store)


def test_same_units_whichever_order(boundaries_first, store, data):
    for path in (*EVENTS, ADM2, ADM1):
        bluehelmet.ingest(store, data(path))
    pd.testing.assert_frame_equal(_assigned(store), boundaries_first)
    assert boundaries_first["admin2_pcode"].notna().sum() > 50


def test_hand_checked_events(boundaries_first):
    units = boundaries_first.set_index("uid")
    # id: (UCDP's own adm_1 / adm_2 in the raw file) -> the COD-AB unit containing the point.
    expected = {
        "203499": ("ML02", "ML0207"),  # Koulikoro region / Nara cercle (Nara town)
        "12989": ("ML06", "ML0605"),   # Tombouctou region / Niafunke cercle (Lere town)
        "237564": ("ML05", "ML0506"),  # Mopti region / Douentza cercle (Boulikessi village)
        # UCDP: Gao region / Ansongo cercle; N'Tillit (I-n-Tilelt) is a commune of the Gao cercle,
        # and the point lies in it.
        "352268": ("ML07", "ML0701"),
        "431002": ("ML05", "ML0501"),  # Mopti region / Mopti cercle (Denga-Ouro village)
        "609655": ("ML04", "ML0405"),  # Segou region / Niono cercle (Niono town)
        "612181": ("ML01", "ML0101"),  # Kayes region / Kayes cercle (Kayes town)
        "612459": ("ML08", "ML0804"),  # Kidal region / Tessalit cercle (Tessalit town)
        # UCDP: Ménaka region / Ménaka cercle; the 2015 boundaries predate the Ménaka region.
        "612357": ("ML07", "ML0704"),
    }
    for event_id, (admin1, admin2) in expected.items():
        row = units.loc[f"ucdp:{event_id}"]
        assert (row["admin1_pcode"], row["admin2_pcode"]) == (admin1, admin2), event_id
        assert row["admin_assigned_by"] == "point-in-polygon"
    assert units.loc["ucdp:203499", "admin2_name"] == "Nara"
    # Known only to its region (where_prec 4): the region, no cercle.
    assert tuple(units.loc["ucdp:256789", ["admin1_pcode", "admin2_pcode"]].fillna("-")) == ("ML05", "-")
    # A larger area (where_prec 5, "Réserve partielle de faune d'Ansongo-Ménaka"): no unit.
    assert units.loc["ucdp:433894", ["admin1_pcode", "admin2_pcode"]].isna().all()


def test_agrees_with_ucdp_names_and_leaves_other_countries_alone(boundaries_first, data):
    raw = pd.concat([pd.read_csv(data(p)) for p in EVENTS]).drop_duplicates("id", keep="last")
    raw["uid"] = "ucdp:" + raw["id"].astype(str)
    merged = raw.merge(boundaries_first, on="uid")
    # Every assigned event is a Mali event; no event elsewhere got a Mali unit.
    assigned = merged[merged["admin1_pcode"].notna()]
    assert set(assigned["country"]) == {"Mali"}
    mali_precise = merged[(merged["country"] == "Mali") & merged["where_prec"].isin([1, 2, 3]) & merged["adm_2"].notna()]
    assert mali_precise["admin2_pcode"].notna().all()
    # Same cercle as UCDP's own adm_2, accents and " cercle" aside (Ménaka's 2016 cercles aside).
    ucdp = mali_precise["adm_2"].map(lambda s: unidecode(s).removesuffix(" cercle").lower())
    ours = mali_precise["admin2_name"].map(lambda s: unidecode(s).lower())
    new_cercles = ucdp.isin(["tidermene", "anderamboukane", "inekar"])
    agreement = (ucdp == ours)[~new_cercles].mean()
    assert agreement >= 0.9, mali_precise.loc[ucdp != ours, ["id", "adm_2", "admin2_name"]]


def test_region_boundaries_alone_then_cercles(store, data):
    bluehelmet.ingest(store, data(SAMPLE))
    bluehelmet.ingest(store, data(ADM1))
    nara = store.sql("SELECT admin1_pcode, admin2_pcode FROM events WHERE uid = 'ucdp:203499'").iloc[0]
    assert nara["admin1_pcode"] == "ML02" and pd.isna(nara["admin2_pcode"])
    bluehelmet.ingest(store, data(ADM2))
    nara = store.sql("SELECT admin1_pcode, admin2_pcode FROM events WHERE uid = 'ucdp:203499'").iloc[0]
    assert (nara["admin1_pcode"], nara["admin2_pcode"]) == ("ML02", "ML0207")


def test_cercles_alone_give_the_region_too(store, data):
    bluehelmet.ingest(store, data(ADM2))
    bluehelmet.ingest(store, data(SAMPLE))
    row = store.sql("SELECT admin1_pcode, admin1_name, admin2_pcode FROM events WHERE uid = 'ucdp:12989'").iloc[0]
    assert tuple(row) == ("ML06", "Tombouctou", "ML0605")


def test_many_events_in_one_vectorised_pass(store, data):
    """200,000 synthetic points over Mali's bounding box: every one inside a cercle gets it."""
    bluehelmet.ingest(store, data(ADM2))
    rng = np.random.default_rng(7)
    n = 200_000
    lon, lat = rng.uniform(-12.3, 4.3, n), rng.uniform(10.1, 25.0, n)
    store.con.register(
        "_synthetic",
        pa.table({"uid": [f"t:{i}" for i in range(n)], "lon": lon, "lat": lat}),
    )
    store.con.execute(
        "INSERT INTO events (uid, source, source_id, longitude, latitude) SELECT uid, 'test', uid, lon, lat FROM _synthetic"
    )
    assert assign_admin_units(store.con) == store.sql(
        "SELECT count(*) AS n FROM events WHERE admin2_pcode IS NOT NULL")["n"][0]
    units = store.admin_units(level=2)
    import geopandas as gpd

    points = gpd.GeoDataFrame({"uid": [f"t:{i}" for i in range(0, n, 997)]},
                              geometry=gpd.points_from_xy(lon[::997], lat[::997]), crs=4326)
    joined = gpd.sjoin(points, units[["pcode", "geometry"]], predicate="within", how="left")
    stored = store.sql("SELECT uid, admin2_pcode FROM events WHERE uid LIKE 't:%'").set_index("uid")["admin2_pcode"]
    expected = joined.drop_duplicates("uid").set_index("uid")["pcode"]
    assert (stored.loc[expected.index].fillna("-") == expected.fillna("-")).all()
    assert expected.notna().sum() > 50 and expected.isna().sum() > 50


def test_an_event_just_outside_its_countrys_polygons_takes_the_nearest_unit(store, data, tmp_path):
    """UCDP 240312 (2017, coded Mali) lies 142 m outside the generalised COD-AB polygons, nearest
    to Mopti / Douentza (distances checked with GeoPandas in UTM 30N). Variants of real rows test
    the two limits: the country the source coded, and the distance."""
    precise = pd.read_csv(data("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"), dtype=str)
    rows = precise[precise["id"].isin(["240312", "254895"])].set_index("id")
    as_burkina = rows.loc[["240312"]].assign(id="9240312", country="Burkina Faso")
    # Burkina Faso's 254895 is 1,034 m from Mali's polygons: as if coded Mali, still too far.
    as_mali = rows.loc[["254895"]].assign(id="9254895", country="Mali")
    events = pd.concat([rows.loc[["240312"]].reset_index(), as_burkina, as_mali])
    path = tmp_path / "ged211_border.csv"
    events[precise.columns].to_csv(path, index=False)
    for boundaries in (ADM1, ADM2):
        bluehelmet.ingest(store, data(boundaries))
    bluehelmet.ingest(store, path, "ucdp-ged")
    units = _assigned(store).set_index("uid")
    assert tuple(units.loc["ucdp:240312", ["admin1_pcode", "admin2_pcode", "admin2_name", "admin_assigned_by"]]) == (
        "ML05", "ML0506", "Douentza", "nearest-unit",
    )
    assert units.loc[["ucdp:9240312", "ucdp:9254895"], ["admin1_pcode", "admin2_pcode"]].isna().all().all()

"""The threat matrix, checked against values computed independently from the raw files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import bluehelmet
from bluehelmet.analysis.threats import threat_matrix
from bluehelmet.data import bundled
from bluehelmet.errors import InvalidRequestError, NotFoundError

from mali_fixtures import BOUNDARIES, GED211, add_events, load_mali_boundaries

MOPTI = (14.49, -4.19)  # Mopti town: region ML05, cercle ML0501
GAO = (16.27, -0.04)  # Gao town: ML07 / ML0701
OUTSIDE = (20.0, 10.0)  # in Niger/Algeria: outside every Mali unit


@pytest.fixture(scope="module")
def ged_mali_2018():
    """GED 21.1 Mali events of 2018 read straight from the CSV, with their admin1 by a GeoPandas join."""
    raw = pd.read_csv(bundled(GED211)).drop_duplicates("id")
    raw = raw[(raw["country"] == "Mali") & (raw["year"] == 2018)].copy()
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs="EPSG:4326")
    units = gpd.read_file(bundled(BOUNDARIES[1]))[["admin1Pcod", "geometry"]]
    joined = gpd.sjoin(points, units, how="left", predicate="intersects").drop_duplicates("id")
    joined["admin1Pcod"] = joined["admin1Pcod"].fillna("unassigned")
    joined["uid"] = "ucdp:" + joined["id"].astype(str)
    return joined


def test_matrix_by_admin1_matches_the_raw_file(mali, ged_mali_2018):
    matrix = threat_matrix(mali, "MLI", "2018-01", "2018-12", by=["admin1"])
    got = matrix.frame.set_index("admin1_code")
    raw = ged_mali_2018
    one_sided = raw["type_of_violence"].str.lower().str.startswith("one")
    expected = raw.assign(
        civ_best=raw["best_death"].where(one_sided, 0),
        civ_low=raw["low_death"].where(one_sided, 0),
        civ_high=raw["high_death"].where(one_sided, 0),
        os=one_sided.astype(int),
    ).groupby("admin1Pcod").agg(events=("id", "size"), best=("civ_best", "sum"), low=("civ_low", "sum"),
                                high=("civ_high", "sum"), os=("os", "sum"), ids=("uid", lambda s: sorted(s)))
    assert sorted(got.index) == sorted(expected.index)
    for code, row in expected.iterrows():
        assert got.loc[code, "events"] == row["events"], code
        assert got.loc[code, "civilian_deaths_best"] == row["best"], code
        assert got.loc[code, "civilian_deaths_low"] == row["low"], code
        assert got.loc[code, "civilian_deaths_high"] == row["high"], code
        assert got.loc[code, "one_sided_share"] == pytest.approx(row["os"] / row["events"], abs=1e-4)
        assert list(got.loc[code, "event_ids"]) == row["ids"], code
    # UCDP codes no abductions or sexual violence: the columns are empty, not zero.
    assert got["abductions"].isna().all() and got["sexual_violence"].isna().all()
    assert matrix.totals()["events"] == len(raw)


def _registry_side(con, role: str) -> pd.DataFrame:
    """Canonical name and kind of each event's side from the registry tables, as the registry wrote them."""
    rows = con.execute(
        "SELECT ea.event_uid, ea.position, a.name, a.kind FROM event_actors ea JOIN actors a USING (actor_id) "
        "WHERE ea.role = ? AND ea.status IN ('auto', 'decided')", [role]
    ).df().sort_values(["event_uid", "position", "name"])
    return rows.groupby("event_uid").agg(
        name=("name", " + ".join), kind=("kind", lambda k: k.iloc[0] if k.nunique() == 1 else "mixed")
    )


def test_matrix_by_actor_uses_the_registry_side_a_and_dyads(mali, ged_mali_2018):
    frame = threat_matrix(mali, "MLI", "2018-01", "2018-12", by=["actor"]).frame.set_index("perpetrator")
    raw = ged_mali_2018.set_index("uid")
    side_a, side_b = _registry_side(mali.con, "side_a"), _registry_side(mali.con, "side_b")
    assert len(side_a), "the registry resolved no side: this test needs it"
    name_a = side_a["name"].reindex(raw.index).fillna(raw["side_a"])
    kind_a = side_a["kind"].reindex(raw.index).fillna("unresolved")
    name_b = side_b["name"].reindex(raw.index).fillna(raw["side_b"])
    kind_b = side_b["kind"].reindex(raw.index).fillna("unresolved")
    one = raw["type_of_violence"].str.lower().str.startswith("one")
    expected = pd.DataFrame({
        "perpetrator": name_a.where(one, name_a + " vs " + name_b),
        "kind": kind_a.where(one, kind_a + " vs " + kind_b),
        "deaths": raw["best_death"].where(one, 0),
    }).groupby(["perpetrator", "kind"]).agg(events=("deaths", "size"), deaths=("deaths", "sum")).reset_index()
    assert len(expected) == len(frame)
    for row in expected.itertuples():
        assert frame.loc[row.perpetrator, "perpetrator_kind"] == row.kind, row.perpetrator
        assert frame.loc[row.perpetrator, "events"] == row.events, row.perpetrator
        assert frame.loc[row.perpetrator, "civilian_deaths_best"] == row.deaths, row.perpetrator


def test_without_the_registry_raw_side_names_are_used(mali_db, ged_mali_2018, tmp_path):
    import shutil

    copy = tmp_path / "no-registry.duckdb"
    shutil.copy(mali_db, copy)
    with bluehelmet.open(copy) as store:
        store.con.execute("DROP TABLE IF EXISTS event_actors")
        frame = threat_matrix(store, "MLI", "2018-01", "2018-12", by=["actor"]).frame.set_index("perpetrator")
    raw = ged_mali_2018
    one_sided = raw[raw["type_of_violence"].str.lower().str.startswith("one")]
    for side_a, group in one_sided.groupby("side_a"):
        assert frame.loc[side_a, "civilian_deaths_best"] == group["best_death"].sum()
        assert frame.loc[side_a, "perpetrator_kind"] == "unresolved"
    battles = raw[~raw["type_of_violence"].str.lower().str.startswith("one")]
    dyads = (battles["side_a"] + " vs " + battles["side_b"]).value_counts()
    for dyad, count in dyads.items():
        assert frame.loc[dyad, "events"] == count
        assert frame.loc[dyad, "perpetrator_kind"] == "unresolved vs unresolved"
    assert frame["events"].sum() == len(raw)


def test_unassigned_events_are_counted_not_dropped(mali_units):
    add_events(mali_units, [
        {"uid": "t:1", "date_start": "2020-03-02", "violence_category": "one_sided", "latitude": MOPTI[0], "longitude": MOPTI[1],
         "side_a": "JNIM", "side_b": "Civilians", "deaths_best": 4, "deaths_low": 3, "deaths_high": 6},
        {"uid": "t:2", "date_start": "2020-03-05", "violence_category": "one_sided", "latitude": OUTSIDE[0], "longitude": OUTSIDE[1],
         "side_a": "IS", "side_b": "Civilians", "deaths_best": 7},
        {"uid": "t:3", "date_start": "2020-04-01", "violence_category": "state_based", "latitude": GAO[0], "longitude": GAO[1],
         "side_a": "Government of Mali", "side_b": "IS", "deaths_best": 9, "deaths_civilians": 2},
    ])
    frame = threat_matrix(mali_units, "MLI", "2020-03", "2020-04", by=["admin1"]).frame.set_index("admin1_code")
    assert frame.loc["unassigned", "events"] == 1 and list(frame.loc["unassigned", "event_ids"]) == ["t:2"]
    assert frame.loc["unassigned", "civilian_deaths_best"] == 7
    # No interval for the civilian part of a battle: low = high = best = deaths_civilians.
    assert frame.loc["ML07", ["civilian_deaths_best", "civilian_deaths_low", "civilian_deaths_high"]].tolist() == [2, 2, 2]
    assert frame.loc["ML05", ["civilian_deaths_best", "civilian_deaths_low", "civilian_deaths_high"]].tolist() == [4, 3, 6]
    assert frame["events"].sum() == 3


def test_abductions_and_sexual_violence_where_the_source_codes_them(mali_units):
    base = {"violence_category": "one_sided", "latitude": MOPTI[0], "longitude": MOPTI[1], "side_b": "Civilians", "deaths_best": 0}
    add_events(mali_units, [
        {**base, "uid": "a:1", "date_start": "2021-01-03", "side_a": "JNIM", "native_subtype": "Abduction/forced disappearance"},
        {**base, "uid": "a:2", "date_start": "2021-01-09", "side_a": "JNIM", "native_subtype": "Abduction/forced disappearance"},
        {**base, "uid": "a:3", "date_start": "2021-01-20", "side_a": "Military Forces of Mali (2021-)", "native_subtype": "Sexual violence"},
        {**base, "uid": "a:4", "date_start": "2021-01-21", "side_a": "JNIM", "native_subtype": "Attack", "deaths_best": 3},
    ])
    frame = threat_matrix(mali_units, "MLI", "2021-01", "2021-01", by=["actor", "month"]).frame.set_index("perpetrator")
    assert frame.loc["JNIM", "abductions"] == 2 and frame.loc["JNIM", "sexual_violence"] == 0
    assert frame.loc["JNIM", "events"] == 3 and frame.loc["JNIM", "civilian_deaths_best"] == 3
    # A state force is a perpetrator like any other.
    assert frame.loc["Military Forces of Mali (2021-)", "sexual_violence"] == 1


def test_actor_registry_names_and_kinds_replace_raw_names(mali_units):
    add_events(mali_units, [
        {"uid": "r:1", "date_start": "2019-05-01", "violence_category": "one_sided", "latitude": MOPTI[0], "longitude": MOPTI[1],
         "side_a": "Katiba Macina", "side_b": "Civilians", "deaths_best": 5},
        {"uid": "r:2", "date_start": "2019-05-02", "violence_category": "one_sided", "latitude": MOPTI[0], "longitude": MOPTI[1],
         "side_a": "FAMa", "side_b": "Civilians", "deaths_best": 8},
        {"uid": "r:3", "date_start": "2019-05-03", "violence_category": "state_based", "latitude": GAO[0], "longitude": GAO[1],
         "side_a": "Government of Mali", "side_b": "ISGS", "deaths_best": 10, "deaths_civilians": 1},
        {"uid": "r:4", "date_start": "2019-05-04", "violence_category": "one_sided", "latitude": GAO[0], "longitude": GAO[1],
         "side_a": "Unknown gunmen", "side_b": "Civilians", "deaths_best": 2},
    ])
    con = mali_units.con
    # The registry's tables, as the actors layer defines them, holding only these hand-written rows.
    con.execute("CREATE TABLE IF NOT EXISTS actors (actor_id VARCHAR, name VARCHAR, kind VARCHAR, country_iso3 VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS event_actors (event_uid VARCHAR, role VARCHAR, position INTEGER, raw_name VARCHAR, "
                "actor_id VARCHAR, score DOUBLE, method VARCHAR, status VARCHAR)")
    con.execute("DELETE FROM actors")
    con.execute("DELETE FROM event_actors")
    con.execute("INSERT INTO actors (actor_id, name, kind, country_iso3) VALUES ('jnim', 'JNIM', 'jihadist', NULL), ('fama', 'Malian Armed Forces (FAMa)', 'state_force', 'MLI'), "
                "('wagner', 'Wagner Group', 'foreign_force', NULL), ('isgs', 'Islamic State Sahel', 'jihadist', NULL)")
    con.execute("INSERT INTO event_actors (event_uid, role, position, raw_name, actor_id, score, method, status) VALUES "
                "('r:1', 'side_a', 0, 'Katiba Macina', 'jnim', 0.9, 'alias', 'auto'), "
                "('r:2', 'side_a', 0, 'FAMa', 'fama', 1, 'alias', 'auto'), "
                "('r:2', 'side_a', 1, 'FAMa', 'wagner', 1, 'alias', 'auto'), "
                "('r:3', 'side_a', 0, 'Government of Mali', 'fama', 1, 'alias', 'auto'), "
                "('r:3', 'side_b', 0, 'ISGS', 'isgs', 1, 'alias', 'auto'), "
                "('r:4', 'side_a', 0, 'Unknown gunmen', NULL, 0, 'none', 'unresolved')")
    matrix = threat_matrix(mali_units, "MLI", "2019-05", "2019-05", by=["actor"])
    assert matrix.registry_used
    frame = matrix.frame.set_index("perpetrator")
    assert frame.loc["JNIM", "perpetrator_kind"] == "jihadist" and frame.loc["JNIM", "civilian_deaths_best"] == 5
    joint = "Malian Armed Forces (FAMa) + Wagner Group"
    assert frame.loc[joint, "perpetrator_kind"] == "mixed" and frame.loc[joint, "events"] == 1
    dyad = "Malian Armed Forces (FAMa) vs Islamic State Sahel"
    assert frame.loc[dyad, "perpetrator_kind"] == "state_force vs jihadist" and frame.loc[dyad, "civilian_deaths_best"] == 1
    assert frame.loc["Unknown gunmen", "perpetrator_kind"] == "unresolved"
    kinds = threat_matrix(mali_units, "MLI", "2019-05", "2019-05", by=["kind"]).frame.set_index("perpetrator_kind")
    assert kinds.loc["jihadist", "events"] == 1 and kinds["events"].sum() == 4


def test_boundaries_before_or_after_events_give_the_same_matrix(tmp_path):
    frames = []
    for order in ("events-first", "boundaries-first"):
        with bluehelmet.open(tmp_path / f"{order}.duckdb") as store:
            if order == "boundaries-first":
                load_mali_boundaries(store)
            bluehelmet.ingest(store, bundled("ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"), "ucdp-candidate")
            if order == "events-first":
                load_mali_boundaries(store)
            frames.append(threat_matrix(store, "MLI", "2025-12", "2026-02", by=["admin2", "category"]).frame)
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert frames[0]["events"].sum() == 33  # Mali rows of Candidate 26.0.2 (PROVENANCE.md)


def test_candidate_battle_civilian_deaths_come_from_deaths_civilians(mali):
    raw = pd.read_csv(bundled("ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"))
    first = pd.read_csv(bundled("ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv"))
    both = pd.concat([first[~first["id"].isin(raw["id"])], raw])  # 26.0.2 revises the ids it repeats
    both = both[both["country"] == "Mali"]
    expected = both["deaths_civilians"].where(both["type_of_violence"] != 3, both["best"]).sum()
    frame = threat_matrix(mali, "MLI", "2025-12", "2026-02", by=["category"]).frame
    assert frame["civilian_deaths_best"].sum() == expected
    assert frame["events"].sum() == len(both)


def test_bad_input_says_what_exists(mali, store):
    with pytest.raises(NotFoundError, match=r"no events for country 'XYZ'.*countries with events are: .*MLI, "):
        threat_matrix(mali, "XYZ", "2018-01", "2018-12")
    with pytest.raises(NotFoundError, match=r"no admin1 or admin2 unit 'Atlantis' in MLI.*ML05 Mopti"):
        threat_matrix(mali, "MLI", "2018-01", "2018-12", area="Atlantis")
    with pytest.raises(NotFoundError, match=r"no events in Mali from 2019-01-01 to 2019-12-31; it has .* from 1990-\d\d to 2026-\d\d"):
        threat_matrix(mali, "MLI", "2019-01", "2019-12")
    with pytest.raises(InvalidRequestError, match="wrong order"):
        threat_matrix(mali, "MLI", "2018-12", "2018-01")
    with pytest.raises(InvalidRequestError, match=r"--from .2018-13. is not a year \(YYYY\), a month"):
        threat_matrix(mali, "MLI", "2018-13", "2018-12")
    with pytest.raises(InvalidRequestError, match="unknown --by nope"):
        threat_matrix(mali, "MLI", "2018-01", "2018-12", by=["nope"])
    bluehelmet.ingest(store, bundled("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"), "ucdp-ged")
    with pytest.raises(NotFoundError, match=r"no admin2 boundaries are loaded for MLI.*--by grid needs no boundaries"):
        threat_matrix(store, "MLI", "1989-01", "2022-12", by=["admin2"])
    # Grid needs no boundaries.
    grid = threat_matrix(store, "MLI", "1989-01", "2022-12", by=["grid"]).frame
    assert grid["events"].sum() == 7


def test_area_filter_and_grid_cell(mali, ged_mali_2018):
    mopti = threat_matrix(mali, "MLI", "2018-01", "2018-12", area="Mopti", by=["admin2"])
    assert mopti.area.code == "ML05" and mopti.area.level == "admin1"
    assert mopti.totals()["events"] == (ged_mali_2018["admin1Pcod"] == "ML05").sum()
    cell = int(ged_mali_2018["priogrid_gid"].mode()[0]) if "priogrid_gid" in ged_mali_2018 else None
    from bluehelmet.geo.priogrid import gid

    gids = gid(ged_mali_2018["latitude"], ged_mali_2018["longitude"])
    cell = int(pd.Series(gids).mode()[0])
    one = threat_matrix(mali, "MLI", "2018-01", "2018-12", area=f"grid:{cell}", by=["month"])
    assert one.totals()["events"] == (gids == cell).sum()


def test_area_names_match_without_accents_and_misspellings_get_the_closest(mali, ged_mali_2018):
    # COD-AB writes Segou, Menaka and Tin-Essako; French texts write Ségou, Ménaka, Tin Essako.
    segou = threat_matrix(mali, "MLI", "2018-01", "2018-12", area="Ségou", by=["admin2"])
    assert (segou.area.code, segou.area.level) == ("ML04", "admin1")
    assert segou.totals()["events"] == (ged_mali_2018["admin1Pcod"] == "ML04").sum() == 6
    cercles = gpd.read_file(bundled(BOUNDARIES[2]))[["admin2Pcod", "geometry"]]
    in_cercle = gpd.sjoin(ged_mali_2018.drop(columns="index_right"), cercles, how="left", predicate="intersects")
    menaka = threat_matrix(mali, "MLI", "2018-01", "2018-12", area="ménaka", by=["month"])
    assert (menaka.area.code, menaka.area.level) == ("ML0704", "admin2")
    assert menaka.totals()["events"] == (in_cercle["admin2Pcod"] == "ML0704").sum() == 36
    assert threat_matrix(mali, "MLI", "2017-01", "2018-12", area="tin essako").area.code == "ML0802"
    with pytest.raises(NotFoundError, match=r"unit 'Tombouktou' in MLI; the closest: Tombouctou \(ML06, admin1\), "
                                            r"Tombouctou \(ML0601, admin2\); its admin1 units are: ML01 Kayes"):
        threat_matrix(mali, "MLI", "2018-01", "2018-12", area="Tombouktou")


def test_one_country_at_a_time_and_a_misspelt_one_gets_the_closest(mali):
    with pytest.raises(InvalidRequestError, match=r"one country at a time, and --country 'MLI,BFA' names 2 \(MLI, BFA\)"):
        threat_matrix(mali, "MLI,BFA", "2018-01", "2018-12")
    with pytest.raises(InvalidRequestError, match=r"'Mali, Burkina Faso' names 2 \(MLI, BFA\)"):
        threat_matrix(mali, "Mali, Burkina Faso", "2018-01", "2018-12")
    with pytest.raises(NotFoundError, match=r"no events for country 'Malli' in the store; the closest with events: Mali \(MLI\); "):
        threat_matrix(mali, "Malli", "2018-01", "2018-12")
    # A real country without events gets no spelling advice, and one name with a comma is one name.
    with pytest.raises(NotFoundError, match=r"no events for country 'Korea, Republic of' in the store; the \d+ countries with events"):
        threat_matrix(mali, "Korea, Republic of", "2018-01", "2018-12")

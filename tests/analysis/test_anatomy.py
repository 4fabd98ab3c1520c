"""Anatomy profiles on the bundled real data: every value recomputed with pandas from the files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from anatomy_fixtures import ACLED, anatomy, anatomy_copy, anatomy_db, anatomy_units_db, ged211  # noqa: F401

import bluehelmet
from bluehelmet.analysis.anatomy import NoEventsError, main_perpetrators, profile
from bluehelmet.analysis.anatomy_compare import compare, profile_over_time
from bluehelmet.analysis.evidence import add_evidence, evidence_for, revise_evidence
from bluehelmet.data import bundled
from bluehelmet.errors import InvalidRequestError, NotFoundError

START, END = "2017-03-01", "2018-12-31"


def gid(lat, lon):
    """PRIO-GRID cell id (Tollefsen et al. 2012): 0.5 degree cells numbered from (-90, -180) row by row."""
    return (np.floor((lat + 90) / 0.5) * 720 + np.floor((lon + 180) / 0.5) + 1).astype(int)


@pytest.fixture(scope="module")
def jnim_rows(ged211):
    rows = ged211[((ged211["side_a"] == "JNIM") | (ged211["side_b"] == "JNIM")) & ged211["date"].between(START, END)]
    return rows.copy()


@pytest.fixture(scope="module")
def jnim(anatomy_db):
    with bluehelmet.open(anatomy_db) as store:
        return profile(store, "JNIM", START, END)


def value(prof, dimension, key):
    return prof.dimensions[dimension].indicator(key).value


def test_profile_covers_the_same_events_as_the_file(jnim, jnim_rows):
    assert jnim.actor_id == "ucdp:6716"
    assert jnim.events == len(jnim_rows)
    assert set(jnim.event_frame["uid"]) == {f"ucdp:{i}" for i in jnim_rows["id"]}


def test_posture_toward_civilians_matches_pandas(jnim, jnim_rows):
    targeting = jnim_rows[(jnim_rows["type_of_violence"] == "One-sided violence") & (jnim_rows["side_a"] == "JNIM")]
    assert value(jnim, "civilian_posture", "civilian_targeting_share") == pytest.approx(len(targeting) / len(jnim_rows))
    # The reduced GED file has no civilian-death column: one-sided deaths are civilians by definition.
    assert value(jnim, "civilian_posture", "civilian_deaths_targeting") == targeting["best_death"].sum()
    assert value(jnim, "civilian_posture", "civilian_deaths_per_targeting_event") == pytest.approx(
        targeting["best_death"].sum() / len(targeting))
    ind = jnim.dimensions["civilian_posture"].indicator("civilian_targeting_share")
    assert set(ind.evidence) <= {f"ucdp:{i}" for i in targeting["id"]} and ind.evidence_count == len(targeting)


def test_posture_trend_compares_halves_per_month(jnim, jnim_rows):
    targeting = jnim_rows[(jnim_rows["type_of_violence"] == "One-sided violence") & (jnim_rows["side_a"] == "JNIM")]
    middle = pd.Timestamp(START) + (pd.Timestamp(END) - pd.Timestamp(START)) / 2
    n1, n2 = (targeting["date"] <= middle).sum(), (targeting["date"] > middle).sum()
    # Every month of 2017-03..2018-12 has GED events in the countries concerned: 11 months each side.
    ratio = ((n2 + 0.5) / 11) / ((n1 + 0.5) / 11)
    expected = "rising" if ratio >= 1.5 else "falling" if ratio <= 1 / 1.5 else "stable"
    assert value(jnim, "civilian_posture", "posture_trend") == expected
    assert f"{n1} one-sided events" in jnim.dimensions["civilian_posture"].indicator("posture_trend").display


def test_territory_on_priogrid_cells_matches_pandas(jnim, jnim_rows):
    assert jnim.spatial_unit == "priogrid"
    rows = jnim_rows.assign(cell=gid(jnim_rows["latitude"], jnim_rows["longitude"]),
                            month=jnim_rows["date"].dt.to_period("M"))
    per_cell = rows.groupby("cell").agg(events=("id", "size"), months=("month", "nunique"))
    months = 22
    threshold = max(3, int(np.ceil(0.25 * months)))
    shares = per_cell["events"] / per_cell["events"].sum()
    assert value(jnim, "territorial_control", "units_active") == len(per_cell)
    assert value(jnim, "territorial_control", "persistent_units") == int((per_cell["months"] >= threshold).sum())
    assert value(jnim, "territorial_control", "max_persistence") == pytest.approx(per_cell["months"].max() / months)
    assert value(jnim, "territorial_control", "concentration_hhi") == pytest.approx(float((shares**2).sum()))


def test_coordination_counts_days_with_attacks_in_several_cells(jnim, jnim_rows):
    attacks = jnim_rows[jnim_rows["side_a"] == "JNIM"].assign(cell=lambda f: gid(f["latitude"], f["longitude"]))
    per_day = attacks.groupby("date")["cell"].nunique()
    assert value(jnim, "command_and_control", "coordinated_days") == int((per_day >= 2).sum())


def test_grievances_come_from_the_acd(jnim):
    acd = pd.read_csv(bundled("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"))
    mine = acd[acd["side_b_id"].astype(str).str.split(", ").apply(lambda ids: "6716" in ids) & acd["year"].between(2017, 2018)]
    keys = {i.key for i in jnim.dimensions["political_grievances"].indicators}
    assert keys == {f"acd_{c}" for c in mine["conflict_id"].unique()}
    assert jnim.facts["has_political_grievance"] is True
    assert "government" in jnim.facts["incompatibility"]
    assert set(mine["incompatibility"]) == {2}


def test_lineage_indicators_come_from_the_registry(jnim):
    merged = jnim.dimensions["command_and_control"].indicator("merged_from")
    assert merged.value == 3 and "Ansar Dine" in merged.display
    assert all("source:" in e for e in merged.evidence)


def test_relationships_list_the_adversaries_of_the_file(jnim, jnim_rows):
    adversaries = jnim.dimensions["relationships"].indicator("adversaries")
    top = jnim_rows[jnim_rows["side_b"] == "JNIM"]["side_a"].value_counts()
    assert f"Government of Mali ({top['Government of Mali']})" in adversaries.display


def test_economy_is_not_coded_by_ucdp(jnim):
    ind = jnim.dimensions["economy"].indicator("economy_events")
    assert ind.value is None and "not coded" in ind.display and ind.confidence == "low"


def test_economy_from_acled_sub_event_types(anatomy):
    rows = pd.read_csv(ACLED / "mali_dyadic_2023.csv")
    economy = rows[rows["sub_event_type"].isin(["Looting/property destruction", "Abduction/forced disappearance"])]
    jnim_rows = economy[economy["actor1"].str.startswith("JNIM")]
    prof = profile(anatomy, "JNIM", "2023-01-01", "2023-12-31")
    ind = prof.dimensions["economy"].indicator("economy_events")
    assert ind.value == len(jnim_rows) == 1
    assert ind.evidence == [f"acled:{i}" for i in jnim_rows["event_id_cnty"]]
    assert prof.facts["economy_involved"] is True
    is_sahel = economy[economy["actor1"] == "Islamic State (Sahel)"]
    prof = profile(anatomy, "Islamic State (Sahel)", "2023-01-01", "2023-12-31")
    assert prof.dimensions["economy"].indicator("economy_events").value == len(is_sahel) == 1


def test_acled_territory_events_are_counted(anatomy):
    rows = pd.read_csv(ACLED / "mali_pre2019.csv")
    taken = rows[rows["ACTOR1"].str.startswith("MNLA") & rows["EVENT_TYPE"].isin(
        ["Headquarters or base established", "Non-violent transfer of territory", "Battle-Non-state actor overtakes territory"])]
    prof = profile(anatomy, "MNLA", "2017-01-01", "2017-12-31")
    assert prof.dimensions["territorial_control"].indicator("territory_events").value == len(taken) == 2
    assert prof.facts["holds_territory"] is True


def test_lineage_profile_adds_the_predecessors_events(anatomy, ged211):
    prof = profile(anatomy, "JNIM", "2012-01-01", END, lineage=True)
    ansar = ged211[((ged211["side_a"] == "Ansar Dine") | (ged211["side_b"] == "Ansar Dine")) & (ged211["date"] >= "2012-01-01")]
    assert {f"ucdp:{i}" for i in ansar["id"]} <= set(prof.event_frame["uid"])
    assert "ucdp:1157" in prof.actor_ids


def test_territory_on_cercles_when_boundaries_are_loaded(anatomy_units_db, jnim_rows):
    import geopandas as gpd

    with bluehelmet.open(anatomy_units_db) as store:
        prof = profile(store, "JNIM", START, END, country="MLI")
    assert prof.spatial_unit == "admin2"
    acd = pd.read_csv(bundled("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"))
    mali_conflicts = acd[(acd["location"] == "Mali") & acd["year"].between(2017, 2018)
                         & acd["side_b_id"].astype(str).str.split(", ").apply(lambda ids: "6716" in ids)]
    assert {i.key for i in prof.dimensions["political_grievances"].indicators} == {f"acd_{c}" for c in mali_conflicts["conflict_id"].unique()}
    units = gpd.read_file(bundled("mali_admin_boundaries_ocha_codab/mli_adm2.geojson"))
    mali = jnim_rows[jnim_rows["country"] == "Mali"]
    points = gpd.GeoDataFrame(mali, geometry=gpd.points_from_xy(mali["longitude"], mali["latitude"]), crs=units.crs)
    joined = gpd.sjoin(points, units[["admin2Pcod", "geometry"]], predicate="intersects").drop_duplicates("id")
    assert value(prof, "territorial_control", "units_active") == joined["admin2Pcod"].nunique()
    top = joined["admin2Pcod"].value_counts()
    assert value(prof, "territorial_control", "concentration_hhi") == pytest.approx(float(((top / top.sum()) ** 2).sum()))


def test_unknown_actor_suggests_the_nearest_names(anatomy):
    with pytest.raises(NotFoundError, match=r"nearest names: JNIM \(ucdp:6716\)"):
        profile(anatomy, "Jnimm")


def test_period_without_events_says_what_exists(anatomy, jnim_rows):
    with pytest.raises(NoEventsError) as err:
        profile(anatomy, "JNIM", "2019-06-01", "2019-06-30")
    message = str(err.value)
    assert "no events between 2019-06-01 and 2019-06-30" in message
    assert f"2017: {(jnim_rows['date'].dt.year == 2017).sum()}" in message


def test_analyst_evidence_is_part_of_the_profile_with_its_source(anatomy_copy):
    entry = add_evidence(anatomy_copy, "ucdp:6716", dimension="civilian_posture", tag="protective",
                         text="Runs its own courts settling land disputes", source="UN Panel of Experts on Mali, S/2018/581",
                         evidence_date="2018-08-09", entered_by="analyst.one", confidence="high")
    add_evidence(anatomy_copy, "ucdp:6716", dimension="economy", tag="taxation", text="Levies zakat on herds",
                 source="Field report 12", evidence_date="2020-01-10", entered_by="analyst.one")
    prof = profile(anatomy_copy, "JNIM", START, END)
    posture = prof.dimensions["civilian_posture"]
    assert [e.evidence_id for e in posture.analyst] == [entry.evidence_id]
    assert posture.indicator(f"analyst_{entry.evidence_id}").evidence == [entry.cite()]
    assert "S/2018/581" in entry.cite() and "analyst.one" in entry.cite()
    assert prof.facts["protective_evidence"] == 1
    # Evidence dated after the period's end is not used for it.
    assert prof.facts["economy_evidence"] == 0


def test_evidence_is_versioned_and_survives_a_restart(anatomy_copy):
    entry = add_evidence(anatomy_copy, "ucdp:6716", dimension="engagement_history", tag="contact", text="Met via elders",
                         source="Mission note 4", evidence_date="2018-03-01", entered_by="a")
    revise_evidence(anatomy_copy, entry.evidence_id, entered_by="b", text="Met via elders of Boni", confidence="high")
    path = anatomy_copy.path
    anatomy_copy.close()
    with bluehelmet.open(path) as store:
        latest = evidence_for(store, "ucdp:6716")
        history = evidence_for(store, "ucdp:6716", history=True)
        assert [(e.version, e.text, e.entered_by) for e in latest] == [(2, "Met via elders of Boni", "b")]
        assert [(e.version, e.entered_by) for e in history] == [(1, "a"), (2, "b")]
        revise_evidence(store, entry.evidence_id, entered_by="c", withdraw=True)
        assert evidence_for(store, "ucdp:6716") == []


@pytest.mark.parametrize("missing, message", [
    ({"source": ""}, "needs a source"),
    ({"source": None}, "needs a source"),
    ({"evidence_date": None}, "needs the date"),
    ({"evidence_date": "last spring"}, "must be YYYY-MM-DD"),
    ({"dimension": "morale"}, "unknown dimension 'morale'"),
    ({"tag": "bribery"}, "unknown tag 'bribery' for economy"),
    ({"entered_by": " "}, "say who enters"),
])
def test_evidence_without_source_or_date_is_refused(anatomy_copy, missing, message):
    entry = dict(dimension="economy", text="Taxes a market", source="Report", evidence_date="2018-01-01", entered_by="a", tag="taxation")
    with pytest.raises(InvalidRequestError, match=message):
        add_evidence(anatomy_copy, "ucdp:6716", **{**entry, **missing})
    assert evidence_for(anatomy_copy, "ucdp:6716") == []


def test_main_perpetrators_rank_by_civilians_killed(anatomy, ged211):
    rows = ged211[(ged211["country"] == "Mali") & ged211["date"].between("2017-01-01", "2018-12-31")
                  & (ged211["type_of_violence"] == "One-sided violence")]
    expected = rows.groupby("side_a")["best_death"].sum().sort_values(ascending=False)
    found = main_perpetrators(anatomy, "MLI", "2017-01-01", "2018-12-31", n=3)
    assert list(found["civilian_deaths"]) == list(expected.head(3).values)
    assert found["name"].iloc[0] == expected.index[0]


def test_profile_over_time_by_year(jnim, jnim_rows):
    yearly = profile_over_time(jnim)
    targeting = jnim_rows[(jnim_rows["type_of_violence"] == "One-sided violence") & (jnim_rows["side_a"] == "JNIM")]
    expected = targeting.groupby(targeting["date"].dt.year).size()
    assert list(yearly["period"]) == ["2017", "2018"]
    assert list(yearly["targeting_events"]) == list(expected.values)
    assert list(yearly["events"]) == list(jnim_rows.groupby(jnim_rows["date"].dt.year).size().values)


def test_compare_puts_groups_side_by_side(anatomy):
    table, profiles = compare(anatomy, ["JNIM", "Government of Mali"], START, END, country="MLI")
    assert list(table.columns) == ["figure", "JNIM", "Government of Mali"]
    row = table.set_index("figure").loc["one-sided events"]
    assert row["JNIM"] == profiles[0].facts["targeting_events"]
    assert row["Government of Mali"] == profiles[1].facts["targeting_events"]
    with pytest.raises(InvalidRequestError, match="at least two"):
        compare(anatomy, ["JNIM"])


def test_every_dimension_has_confidence_and_date(jnim):
    assert set(jnim.dimensions) == {
        "political_grievances", "economy", "territorial_control", "command_and_control", "civilian_posture",
        "political_aim", "relationships", "engagement_history", "designation"}
    for dim in jnim.dimensions.values():
        assert dim.confidence in ("low", "medium", "high") and dim.assessed_on == jnim.assessed_on
        for ind in dim.indicators:
            # Traceable: event ids, ACD rows, registry edges or documents behind every non-empty value.
            if ind.value not in (None, 0, False) and ind.basis != "events":
                assert ind.evidence, (dim.key, ind.key)
            if ind.basis == "events" and ind.evidence_count and ind.evidence:
                assert all(e.startswith(("ucdp:", "acled:")) for e in ind.evidence)

"""PoC toolbox: indicators from hand-written events, ratings from the rules, citations."""

from __future__ import annotations

import re

import pytest

from bluehelmet.analysis.toolbox import indicators, load_rules, side_group, toolbox_fit
from bluehelmet.geo.distance import haversine_km

from mali_fixtures import add_events

MOPTI = (14.49, -4.19)
SEED_TEXTS = ("seed-peace-and-security-are-not-the-same-thing.txt", "seed-protecting-civilians-and-managing-threats.txt")


@pytest.mark.parametrize("name, kind, expected", [
    ("Government of Mali", "unresolved", "state"),
    ("Government of France", "unresolved", "foreign"),
    ("Military Forces of Mali (2021-)", "unresolved", "state"),
    ("Wagner Group", "unresolved", "foreign"),
    ("JNIM", "unresolved", "violent_extremist"),
    ("IS", "unresolved", "violent_extremist"),
    ("Dan na Ambassagou", "unresolved", "communal"),
    ("Fulani", "unresolved", "communal"),
    ("MINUSMA", "unresolved", "un"),
    ("CMA", "unresolved", "other"),
    ("anything", "jihadist", "violent_extremist"),
    ("anything", "rebel", "other"),
])
def test_side_groups(name, kind, expected):
    assert side_group(name, kind, "Mali") == expected


def _ev(uid, category, side_a, side_b, deaths, civ=None):
    return {"uid": uid, "date_start": "2020-05-01", "violence_category": category, "latitude": MOPTI[0], "longitude": MOPTI[1],
            "side_a": side_a, "side_b": side_b, "deaths_best": deaths, "deaths_civilians": civ}


@pytest.fixture
def context(mali_units):
    add_events(mali_units, [
        _ev("k:1", "one_sided", "JNIM", "Civilians", 10),
        _ev("k:2", "one_sided", "Government of Mali", "Civilians", 30),
        _ev("k:3", "state_based", "Government of Mali", "JNIM", 5, 1),
        _ev("k:4", "non_state", "Dogon", "Fulani", 4, 0),
        _ev("k:5", "state_based", "Government of France", "JNIM", 3, 0),
    ])
    return mali_units


def test_indicators_from_events(context):
    values = indicators(context, "MLI", "2020-05", "2020-05")
    assert values["events"] == 5
    assert values["violent_extremist_share"] == pytest.approx(3 / 5)
    assert values["communal_share"] == pytest.approx(1 / 5)
    assert values["state_presence_share"] == pytest.approx(2 / 5)
    assert values["ct_foreign_events"] == 1
    assert values["one_sided_civilian_deaths"] == 40
    assert values["state_foreign_civilian_death_share"] == pytest.approx(30 / 40)
    assert values["un_positions"] == 0 and values["median_km_to_un"] != values["median_km_to_un"]  # NaN: unknown


def test_un_indicators_use_the_positions_in_force(context):
    # Hand-placed yearly (RADPKO) bases of 2020: Sevare, 10 km from the Mopti events, and Gao.
    sevare, gao = (14.53, -4.10), (16.27, -0.04)
    for uid, base, point in (("r:1", "Sevare", sevare), ("r:2", "Gao", gao)):
        context.con.execute(
            "INSERT INTO un_bases (uid, mission, country, country_iso3, base, year, latitude, longitude) "
            "VALUES (?, 'MINUSMA', 'Mali', 'MLI', ?, 2020, ?, ?)", [uid, base, *point])
    values = indicators(context, "MLI", "2020-05", "2020-05")
    km = float(haversine_km(MOPTI[0], MOPTI[1], *sevare))
    assert 9 < km < 11
    assert values["un_positions"] == 2
    assert values["events_near_un"] == 5 and values["median_km_to_un"] == pytest.approx(km)
    # Only Sevare lies in the Mopti region; the distances are to the nearest position anywhere.
    mopti = indicators(context, "MLI", "2020-05", "2020-05", area="Mopti")
    assert mopti["un_positions"] == 1 and mopti["median_km_to_un"] == pytest.approx(km)
    # With Sevare's base a 2019 one, the nearest position in force in May 2020 is Gao's.
    context.con.execute("UPDATE un_bases SET year = 2019 WHERE base = 'Sevare'")
    moved = indicators(context, "MLI", "2020-05", "2020-05")
    assert moved["un_positions"] == 1
    assert moved["median_km_to_un"] == pytest.approx(float(haversine_km(MOPTI[0], MOPTI[1], *gao)))


def test_ratings_follow_the_rules(context):
    values, fits, rules = toolbox_fit(context, "MLI", "2020-05", "2020-05")
    fit = {f.tool: f for f in fits}
    hr = fit["human-rights-monitoring"]
    # base 1, +1 state/foreign share >= 0.1, +1 CT/foreign forces present; access unknown: no penalty.
    assert hr.score == 3 and hr.rating == "good fit"
    assert any("75% of civilian deaths" in r for r in hr.reasons)
    presence = fit["protection-by-presence"]
    assert presence.score == 0 - 1 - 1 and presence.rating == "constrained"
    ceasefire = fit["local-ceasefire-mediation"]
    # +2 communal violence (20% >= 15%), -1 violent extremists dominate (60% >= 50%).
    assert ceasefire.score == 1 and ceasefire.rating == "possible with care"
    assert len(fits) == 7


def test_rules_are_mapped_to_the_policy_and_cite_the_source_texts():
    rules = load_rules()
    names = {t["name"] for t in rules["tools"]}
    for expected in ("Protection by presence", "Engagement with armed groups", "Human rights monitoring and reporting",
                     "Robust operations (use of force to protect civilians)", "Local ceasefire and mediation support"):
        assert expected in names
    for tool in rules["tools"]:
        assert set(tool["tiers"]) <= {"I", "II", "III"}
        assert set(tool["phases"]) <= {"prevention", "pre-emption", "response", "consolidation"}
        assert tool["cite"] and set(tool["cite"]) <= set(rules["sources"])
    # Quotations in the rationales are verbatim from the source texts.
    from pathlib import Path

    folder = Path("/work/shared/background")
    if not folder.exists():
        pytest.skip("the source texts are not beside this checkout")
    corpus = " ".join(" ".join((folder / name).read_text(encoding="utf-8").split()) for name in SEED_TEXTS)
    corpus = corpus.replace("’", "'").replace("“", '"').replace("”", '"')
    for tool in rules["tools"]:
        for quote in re.findall(r'"([^"]{12,})"', " ".join(tool["rationale"].split())):
            assert quote in corpus, f"{tool['id']}: not in the source texts: {quote!r}"

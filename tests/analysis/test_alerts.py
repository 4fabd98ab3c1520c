"""Alerts on hand-written events: each rule, its reason and events, deduplication and the log."""

from __future__ import annotations

import pytest

from bluehelmet.analysis.alerts import alert_log, load_rules, run_alerts
from bluehelmet.errors import InputFileError
from bluehelmet.geo.distance import haversine_km

from mali_fixtures import add_events

MOPTI = (14.49, -4.19)
GAO = (16.27, -0.04)
UN_GAO = (16.30, -0.02)  # a hand-placed UN position about 4 km from the Gao events


def _event(uid, day, point, **extra):
    return {"uid": uid, "date_start": day, "violence_category": "one_sided", "latitude": point[0], "longitude": point[1],
            "side_a": "JNIM", "side_b": "Civilians", "deaths_best": 1, **extra}


@pytest.fixture
def scene(mali_units):
    add_events(mali_units, [
        # Lookback: JNIM already in Mopti; nobody in Gao.
        _event("h:1", "2019-06-01", MOPTI),
        # Window 2020-01..2020-03.
        _event("w:1", "2020-01-05", MOPTI, deaths_best=12, deaths_low=10, deaths_high=15),  # massacre size
        _event("w:2", "2020-02-05", MOPTI, deaths_best=2),
        _event("w:3", "2020-02-10", GAO, side_a="Dozos (Mali)", deaths_best=1),  # new perpetrator in Gao
        {**_event("w:4", "2020-03-01", GAO, deaths_best=3, deaths_civilians=0), "violence_category": "state_based",
         "side_a": "Government of Mali", "side_b": "IS"},
    ])
    mali_units.con.execute(
        "INSERT INTO un_bases (uid, mission, country, country_iso3, base, year, latitude, longitude, troops) "
        "VALUES ('radpko:gao:2020', 'MINUSMA', 'Mali', 'MLI', 'Gao', 2020, ?, ?, 1200)", list(UN_GAO)
    )
    return mali_units


def test_each_rule_fires_with_its_reason_and_events(scene):
    result = run_alerts(scene, "MLI", "2020-01", "2020-03")
    alerts = result.alerts
    by_rule = {rule: group for rule, group in alerts.groupby("rule")}
    massacre = by_rule["massacre"].iloc[0]
    assert list(massacre["event_ids"]) == ["w:1"] and "12 civilians killed (low 10, high 15)" in massacre["reason"]
    threshold = by_rule["civilian-deaths-threshold"].iloc[0]
    assert threshold["area_code"] == "ML0501" and sorted(threshold["event_ids"]) == ["w:1", "w:2"]
    assert threshold["reason"].startswith("14 civilian deaths in Mopti")
    newcomer = by_rule["new-perpetrator"]
    assert list(newcomer["subject"]) == ["Dozos (Mali)"] and list(newcomer.iloc[0]["event_ids"]) == ["w:3"]
    near = by_rule["attack-near-un"].set_index("subject")
    assert set(near.index) == {"w:3", "w:4"}
    km = float(haversine_km(GAO[0], GAO[1], UN_GAO[0], UN_GAO[1]))
    assert f"{km:.1f} km from the MINUSMA position Gao" in near.loc["w:4", "reason"]
    assert set(alerts["status"]) == {"new"}


def test_alerts_are_deduplicated_and_logged_as_repeats(scene):
    first = run_alerts(scene, "MLI", "2020-01", "2020-03").alerts
    second = run_alerts(scene, "MLI", "2020-01", "2020-03").alerts
    assert set(second["status"]) == {"repeat"} and set(second["times_seen"]) == {2}
    log = alert_log(scene.con)
    assert len(log) == len(first) and set(log["times_seen"]) == {2}
    # A later, overlapping window: the massacre and the near-UN events are not new again.
    later = run_alerts(scene, "MLI", "2020-01", "2020-04").alerts.set_index("rule")
    assert later.loc["massacre", "status"] == "repeat"


def test_rules_come_from_a_readable_file(scene, tmp_path):
    custom = tmp_path / "rules.yaml"
    custom.write_text("rules:\n  - id: big\n    type: massacre\n    civilian_deaths_at_least: 2\n    severity: high\n")
    alerts = run_alerts(scene, "MLI", "2020-01", "2020-03", rules_path=custom, log=False).alerts
    # w:4 is a battle with no civilian deaths: it is not a massacre of any size.
    assert sorted(s for ids in alerts["event_ids"] for s in ids) == ["w:1", "w:2"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    type: nonsense\n")
    with pytest.raises(InputFileError, match="needs an 'id' and a 'type' from threshold, massacre"):
        load_rules(bad)
    bundled = load_rules()
    assert {r["type"] for r in bundled.rules} == {
        "threshold", "massacre", "new_hotspot", "new_perpetrator", "near_un_position", "forecast_risk"
    }
    assert all(r.get("rationale") for r in bundled.rules)


def test_without_un_positions_the_rule_says_so(mali_units):
    add_events(mali_units, [_event("z:1", "2020-01-05", GAO)])
    result = run_alerts(mali_units, "MLI", "2020-01", "2020-01", log=False)
    assert any("no UN positions" in note for note in result.notes)


def test_a_window_without_events_says_whether_the_data_reach_it(mali, tmp_path):
    """No alert in a window the store does not cover is not a quiet window: the note says which."""
    import pandas as pd

    from bluehelmet.analysis.alerts import evaluate
    from bluehelmet.data import bundled

    from mali_fixtures import CANDIDATE, GED211

    # The months of Mali's events, read straight from the bundled files.
    ged = pd.read_csv(bundled(GED211), usecols=["country", "year", "month"])
    ged = ged[ged["country"] == "Mali"]
    candidate = pd.concat(pd.read_csv(bundled(name), usecols=["country", "date_start"]) for name in CANDIDATE)
    candidate = candidate[candidate["country"] == "Mali"]["date_start"].str[:7]
    months = sorted(zip(ged["year"], ged["month"]))
    assert (months[0], months[-1], candidate.min(), candidate.max()) == ((1990, 6), (2018, 12), "2026-01", "2026-02")
    rules = tmp_path / "massacre.yaml"
    rules.write_text("rules:\n  - id: massacre\n    type: massacre\n    civilian_deaths_at_least: 10\n")

    after = evaluate(mali, "MLI", "2026-03", "2026-05", rules=load_rules(rules))
    assert after.alerts.empty
    assert after.notes == [
        "no event of civilian harm in Mali from 2026-03-01 to 2026-05-31, so the rules on events had nothing to count; "
        "the store's events there end in 2026-02: load newer data before reading no alert as a quiet window"
    ]
    gap = evaluate(mali, "MLI", "2019-06", "2019-08", rules=load_rules(rules))
    assert gap.notes[0].endswith("the nearest events there are in 2018-12 and 2026-01")
    before = evaluate(mali, "MLI", "1980", "1981", rules=load_rules(rules))
    assert before.notes[0].endswith("the store's events there start in 1990-06")
    # A window with events needs no such note.
    assert evaluate(mali, "MLI", "2018-10", "2018-12", rules=load_rules(rules)).notes == []

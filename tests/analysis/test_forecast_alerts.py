"""The forecast_risk alert rule on the real Mali data: fires exactly for the cells over the threshold."""

from __future__ import annotations

import duckdb
import pytest

from bluehelmet.analysis.alerts import AlertRules, default_rules_path, evaluate, load_rules, log_alerts
from bluehelmet.analysis.forecast.predict import forecast_frame

from mali_fixtures import add_events

THRESHOLD = 0.1  # 14 of Mali's 287 cells reach it for 2019-01, the highest 0.23


@pytest.fixture(scope="module")
def setup(mali_db, tmp_path_factory):
    import bluehelmet

    rules = tmp_path_factory.mktemp("rules") / "forecast.yaml"
    rules.write_text(
        "rules:\n  - id: fc\n    type: forecast_risk\n"
        f"    probability_at_least: {THRESHOLD}\n    training_window_months: 120\n    severity: medium\n"
    )
    with bluehelmet.open(mali_db) as store:
        result = evaluate(store, "MLI", "2018-10", "2018-12", rules=load_rules(rules))
        # The expectation, from the forecasting layer directly (not through the alert rule).
        frame = forecast_frame(store, "MLI", train_until="2018-12", horizons=[1], window=120)
        events = store.sql(
            "SELECT uid, CAST(priogrid_gid AS VARCHAR) AS cell FROM events WHERE country_iso3 = 'MLI' "
            "AND NOT coalesce(deleted, false) AND violence_category IN ('state_based', 'non_state', 'one_sided', 'riot') "
            "AND date_start BETWEEN DATE '2018-01-01' AND DATE '2018-12-31'"
        )
        later = evaluate(store, "MLI", "2018-12", "2018-12", rules=load_rules(rules))
    return result, frame, events, later


def test_alerts_fire_for_the_cells_over_the_threshold_only(setup):
    result, frame, events, _ = setup
    next_month = frame[(frame["horizon"] == 1) & (frame["country_iso3"] == "MLI")]
    cells = next_month["unit_id"].astype(int).astype(str)
    above = set(cells[next_month["prob_any"] >= THRESHOLD])
    below = set(cells[next_month["prob_any"] < THRESHOLD])
    assert above and below, "the Mali forecast needs cells on both sides of the threshold for this test"
    alerts = result.alerts.set_index("area_code")
    assert set(alerts.index) == above
    assert not set(alerts.index) & below
    top = next_month.sort_values("prob_any", ascending=False).iloc[0]
    cell = str(int(top["unit_id"]))
    alert = alerts.loc[cell]
    assert alert["reason"].startswith(
        f"forecast: P(any civilian death in 2019-01) = {top['prob_any']:.2f} in cell {cell} "
        f"({top['latitude']:.2f}, {top['longitude']:.2f})"
    )
    assert alert["reason"].endswith("trained on events up to 2018-12")
    assert alert["probability"] == pytest.approx(top["prob_any"]) and alert["expected_deaths"] == pytest.approx(top["mean"])
    # Traceability: the cell's events of 2018 (the 12 months up to the origin).
    for code, row in alerts.iterrows():
        assert sorted(row["event_ids"]) == sorted(events.loc[events["cell"] == code, "uid"])
    assert sum(len(ids) for ids in alerts["event_ids"]) > 0


def test_forecast_alerts_are_deduplicated(setup, tmp_path):
    result, _, _, later = setup
    # Another window ending in the same month raises the same alerts (same ids), so a log marks them as repeats.
    assert set(later.alerts["alert_id"]) == set(result.alerts["alert_id"])
    con = duckdb.connect(str(tmp_path / "log.duckdb"))
    try:
        assert set(log_alerts(con, result)["status"]) == {"new"}
        again = log_alerts(con, later)
        assert set(again["status"]) == {"repeat"} and set(again["times_seen"]) == {2}
    finally:
        con.close()


def test_without_events_before_the_window_the_rule_says_so(mali_units):
    # The store's only event comes after the window: nothing to train on, so a note instead of an error.
    add_events(mali_units, [{"uid": "late:1", "date_start": "2020-06-01", "violence_category": "one_sided",
                             "latitude": 14.49, "longitude": -4.19, "deaths_best": 2}])
    rules = AlertRules(default_rules_path(), 12, [{"id": "fc", "type": "forecast_risk"}])
    result = evaluate(mali_units, "MLI", "2020-01", "2020-03", rules=rules)
    assert result.alerts.empty
    assert any(note.startswith("fc: no forecast for MLI trained to 2020-03") for note in result.notes)

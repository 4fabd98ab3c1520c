"""``bluehelmet peacekeeping``: the --format json contract, errors, and the stored workflows."""

from __future__ import annotations

import pandas as pd

from un_peacekeeping_store import raw, un_store_file, un_store_path  # noqa: F401

MALICIOUS = "Malicious Act"


def test_fatalities_json_is_one_object_per_group_with_its_key_and_fatalities(cli, un_store_path, raw):
    result = cli("--db", un_store_path, "peacekeeping", "fatalities", "--by", "mission", "--incident", MALICIOUS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert isinstance(rows, list) and all(set(r) == {"mission", "fatalities"} for r in rows)
    expected = raw[raw["type_of_incident"] == MALICIOUS]["mission_acronym"].value_counts()
    assert rows[0] == {"mission": "MINUSMA", "fatalities": int(expected["MINUSMA"])}
    assert {r["mission"]: r["fatalities"] for r in rows} == expected.to_dict()


def test_each_grouping_in_json(cli, un_store_path, raw):
    minusma = raw[raw["mission_acronym"] == "MINUSMA"]
    expected = {
        "year": minusma.groupby(minusma["incident_date"].dt.year).size().to_dict(),
        "month": minusma.groupby(minusma["incident_date"].dt.strftime("%Y-%m")).size().to_dict(),
        "incident": minusma["type_of_incident"].value_counts().to_dict(),
        "nationality": minusma["casualty_nationality"].value_counts().to_dict(),
    }
    for by, counts in expected.items():
        result = cli("--db", un_store_path, "peacekeeping", "fatalities", "--by", by, "--mission", "MINUSMA", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert {r[by]: r["fatalities"] for r in result.json()} == counts


def test_csv_and_table_formats(cli, un_store_path):
    csv = cli("--db", un_store_path, "peacekeeping", "fatalities", "--by", "incident", "--mission", "MINUSMA", "--format", "csv")
    assert csv.stdout.lstrip("\ufeff").splitlines()[0] == "incident,fatalities"
    table = cli("--db", un_store_path, "peacekeeping", "deadliest")
    assert table.exit_code == 0 and "MINUSMA" in table.stdout


def test_unknown_mission_and_incident_are_one_clear_line(cli, un_store_path):
    result = cli("--db", un_store_path, "peacekeeping", "fatalities", "--by", "year", "--mission", "MINUSNA")
    assert result.exit_code == 2
    assert "unknown mission 'MINUSNA'; did you mean MINUSMA" in result.stderr
    result = cli("--db", un_store_path, "peacekeeping", "fatalities", "--incident", "Ambush")
    assert result.exit_code == 2 and "unknown incident type 'Ambush'" in result.stderr


def test_rates_trend_and_gaps(cli, un_store_path):
    rates = cli("--db", un_store_path, "peacekeeping", "rates", "MINUSMA", "--incident", MALICIOUS, "--format", "json").json()
    by_year = {r["year"]: r for r in rates}
    assert by_year[2016]["troops_source"] == "radpko" and by_year[2016]["rate_per_1000"] > 0
    assert by_year[2021]["rate_per_1000"] is None and "no radpko troop figure" in by_year[2021]["coverage"]
    trend = cli("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "2017-12-08", "--format", "json").json()
    assert [m["model"] for m in trend["models"]] == ["poisson", "negative_binomial"]
    assert trend["periods"][0]["last_month"] == "2017-11" and trend["periods"][1]["first_month"] == "2017-12"
    gaps = cli("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "2017-12-08", "--exposure", "troops")
    assert gaps.exit_code == 2 and "2020-01..2023-11" in gaps.stderr


def test_presence_commands(cli, un_store_path):
    summary = cli("--db", un_store_path, "peacekeeping", "presence", "summary", "--country", "MLI",
                  "--from", "2013-07-01", "--to", "2018-12-31", "--by", "admin1_name", "--format", "json").json()
    mopti = next(r for r in summary if r["admin1_name"] == "Mopti")
    assert mopti["share_within_10km"] <= mopti["share_within_25km"] <= mopti["share_within_50km"]
    positions = cli("--db", un_store_path, "peacekeeping", "presence", "positions", "MINUSMA", "--by", "year", "--format", "json").json()
    assert {r["year"]: r["bases"] for r in positions}[2016] == 15
    events = cli("--db", un_store_path, "peacekeeping", "presence", "events", "--country", "MLI", "--from", "2025-01-01", "--format", "json").json()
    assert events and all(r["position_source"] == "none" and r["distance_km"] is None for r in events)


def test_presence_without_events_says_which_filter_matched_nothing(cli, un_store_path):
    """A misspelt country or an empty period was an empty table with no word, where
    ``events`` names the filter and what the store has instead."""
    for command in ("summary", "events", "gaps"):
        result = cli("--db", un_store_path, "peacekeeping", "presence", command, "--country", "Mail",
                     "--from", "2017", "--to", "2017", "--format", "json")
        assert result.exit_code == 0 and result.json() == []
        assert "note: no event has country 'Mail'; the closest in the store: 'Mali'" in result.stderr
    late = cli("--db", un_store_path, "peacekeeping", "presence", "summary", "--country", "MLI", "--from", "2030")
    assert "note: no event falls in the period asked for" in late.stderr
    found = cli("--db", un_store_path, "peacekeeping", "presence", "summary", "--country", "Mali", "--from", "2017", "--to", "2017")
    assert found.exit_code == 0 and "note:" not in found.stderr


def test_dates_in_other_formats_are_refused_by_trend_ct_risk_and_hrddp(cli, un_store_path):
    trend = cli("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "08/12/2017")
    assert trend.exit_code == 2
    assert "--change '08/12/2017' is not a year (YYYY), a month (YYYY-MM) or a day (YYYY-MM-DD)" in trend.stderr
    junk = cli("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "soon")
    assert junk.exit_code == 2 and "Traceback" not in junk.stderr and "--change 'soon'" in junk.stderr
    whole = cli("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "2017-12-08",
                "--from", "2014", "--to", "2019", "--format", "json").json()
    assert whole["end"] == "2019-12" and whole["periods"][1]["fatalities"] == 33
    ct = cli("--db", un_store_path, "peacekeeping", "ct-risk", "create", "MINUSMA", "--country", "Mail", "--by", "x")
    assert ct.exit_code == 2 and "did you mean Mali (MLI)?" in ct.stderr
    hrddp = cli("--db", un_store_path, "peacekeeping", "hrddp", "register", "FAMa", "--type", "logistics",
                "--from", "01/02/2018", "--to", "2018-12-31", "--by", "HRO")
    assert hrddp.exit_code == 2 and "--from '01/02/2018' is not a year" in hrddp.stderr


def test_every_table_goes_to_a_file_in_the_formats_analysts_open(cli, un_store_path, tmp_path):
    import json

    import pandas as pd

    db = ("--db", un_store_path, "peacekeeping")
    period = ("--country", "MLI", "--from", "2013-07-01", "--to", "2018-12-31")
    for command in (("deadliest",), ("rates", "MINUSMA"), ("presence", "positions", "MINUSMA", "--by", "year"),
                    ("presence", "summary", *period), ("presence", "gaps", *period, "--min-deaths", "1")):
        out = tmp_path / f"{command[-1]}.csv"
        assert cli(*db, *command, "--format", "csv", "--out", out).exit_code == 0, command
        assert out.read_text(encoding="utf-8-sig") == cli(*db, *command, "--format", "csv").stdout.lstrip("\ufeff"), command
        assert len(pd.read_csv(out)) > 0, command
    # Events with their distance to the nearest position, as points for QGIS.
    out = tmp_path / "distances.geojson"
    assert cli(*db, "presence", "events", *period, "--format", "geojson", "--out", out).exit_code == 0
    features = json.loads(out.read_text())["features"]
    events = cli(*db, "presence", "events", *period, "--format", "json").json()
    assert len(features) == len(events) > 100
    for feature, event in zip(features, events):
        assert feature["properties"] == event
        assert feature["geometry"]["coordinates"] == [event["longitude"], event["latitude"]]
    table = cli(*db, "presence", "events", *period).stdout
    assert "latitude" not in table and "distance_km" in table
    result = cli(*db, "deadliest", "--format", "parquet")
    assert result.exit_code == 2 and "give --out FILE.parquet" in result.stderr
    result = cli(*db, "trend", "MINUSMA", "--change", "2017-12-08", "--format", "hxl")
    assert result.exit_code == 2 and "choose table, csv, json or xlsx" in result.stderr


def test_ct_risk_and_hrddp_workflows(cli, un_store_path, tmp_path):
    db = ("--db", un_store_path)
    bad = cli(*db, "peacekeeping", "ct-risk", "create", "MINUSMA", "--partner", "Zorgon Liberation Brigade", "--by", "A")
    assert bad.exit_code == 2 and "unknown actor" in bad.stderr
    created = cli(*db, "peacekeeping", "ct-risk", "create", "MINUSMA", "--country", "MLI", "--partner", "FAMa",
                  "--ct-start", "2017-12-08", "--by", "A. Planner")
    assert created.exit_code == 0 and created.stdout.strip() == "ct-MINUSMA-1"
    rated = cli(*db, "peacekeeping", "ct-risk", "rate", "ct-MINUSMA-1", "--risk", "impartiality", "--scenario", "with_ct",
                "--rating", "very_high", "--rationale", "Deadliest mission by malicious acts", "--source", "UN fatalities", "--by", "A. Planner")
    assert rated.exit_code == 0 and "version 2" in rated.stdout
    compared = cli(*db, "peacekeeping", "ct-risk", "compare", "ct-MINUSMA-1", "--format", "json").json()
    assert {r["risk"]: r["with_ct_rating"] for r in compared}["impartiality"] == "very_high"
    history = cli(*db, "peacekeeping", "ct-risk", "history", "ct-MINUSMA-1", "--format", "json").json()
    assert [h["changed_by"] for h in history] == ["A. Planner", "A. Planner"]

    registered = cli(*db, "peacekeeping", "hrddp", "register", "FAMa", "--type", "logistics", "--from", "2018-01-01",
                     "--to", "2018-12-31", "--mission", "MINUSMA", "--by", "HRO Bamako")
    assert registered.exit_code == 0 and registered.stdout.startswith("hrddp-1: Government of Mali (ucdp:72)")
    no_decider = cli(*db, "peacekeeping", "hrddp", "decide", "hrddp-1", "--decision", "reject", "--by", "")
    assert no_decider.exit_code == 2 and "needs the name of the person" in no_decider.stderr
    assert cli(*db, "peacekeeping", "hrddp", "decide", "hrddp-1", "--decision", "defer", "--by", "Head of Mission").exit_code == 0
    audit = cli(*db, "peacekeeping", "hrddp", "audit", "hrddp-1", "--format", "json").json()
    assert [a["action"] for a in audit] == ["register", "decide"]
    html = tmp_path / "record.html"
    assert cli(*db, "peacekeeping", "hrddp", "record", "hrddp-1", "--html", html).exit_code == 0
    assert "Head of Mission" in html.read_text(encoding="utf-8")
    listed = cli(*db, "peacekeeping", "hrddp", "list", "--format", "json").json()
    assert listed[0]["status"] == "defer"


def test_trend_as_a_workbook_holds_the_months_fitted(cli, un_store_path, raw, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "minusma-trend.xlsx"
    args = ("--db", un_store_path, "peacekeeping", "trend", "MINUSMA", "--change", "2017-12-08")
    result = cli(*args, "--format", "xlsx", "--out", path)
    assert result.exit_code == 0, result.stderr
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["rate ratio", "periods", "months", "about"]
    sheets = {name: list(book[name].values) for name in book.sheetnames}

    # The months are the series fitted: every month of the mission, zero months included,
    # counted independently from the raw file.
    minusma = raw[(raw["mission_acronym"] == "MINUSMA") & (raw["type_of_incident"] == MALICIOUS)]
    counted = minusma.groupby(minusma["incident_date"].dt.strftime("%Y-%m")).size()
    header, *months = sheets["months"]
    assert header == ("month", "fatalities", "exposure", "after")
    assert {m: f for m, f, _, _ in months if f} == counted.to_dict()
    assert sum(f for _, f, _, after in months if after) == counted[counted.index >= "2017-12"].sum()
    # From the mission's first to its last fatality of any cause, every month once.
    dates = raw.loc[raw["mission_acronym"] == "MINUSMA", "incident_date"]
    span = pd.period_range(dates.min().to_period("M"), dates.max().to_period("M"), freq="M").astype(str).tolist()
    assert [m for m, *_ in months] == span and all(isinstance(f, int) for _, f, _, _ in months)

    # The same figures as the JSON, as numbers.
    as_json = cli(*args, "--format", "json").json()
    assert as_json["months"][0] == dict(zip(header, months[0]))
    ratios = {row[0]: row[1] for row in sheets["rate ratio"][1:]}
    assert ratios == {m["model"]: m["rate_ratio"] for m in as_json["models"]}
    about = dict(sheets["about"][1:])
    assert about["change_date"] == "2017-12-08" and "peacekeeping fatalities" in about["source"]

    assert cli(*args, "--format", "xlsx").exit_code == 2  # a workbook needs --out
    csv_path = tmp_path / "trend.csv"
    assert cli(*args, "--format", "csv", "--out", csv_path).exit_code == 0
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0] == "period,first_month,last_month,months,fatalities,exposure,rate"

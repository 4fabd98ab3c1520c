"""The threats, trends, hotspots, toolbox, alerts and report commands on the real Mali store."""

from __future__ import annotations

import csv
import io
import json


def test_threats_formats(cli, mali_db):
    table = cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-01", "--to", "2018-12")
    assert table.exit_code == 0, table.stderr
    assert "Mopti" in table.stdout and "183 events" in table.stdout
    rows = list(csv.DictReader(io.StringIO(cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-01",
                                                 "--to", "2018-12", "--by", "admin2", "--by", "kind", "-f", "csv").stdout.lstrip("\ufeff"))))
    assert sum(int(r["events"]) for r in rows) == 183
    assert all(len(r["event_ids"].split(";")) == int(r["events"]) for r in rows)
    data = cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-01", "--to", "2018-12", "--by", "month", "-f", "json").json()
    assert [r["month"] for r in data] == [f"2018-{m:02d}" for m in range(1, 13)]
    geo = json.loads(cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-01", "--to", "2018-12",
                         "--by", "admin1", "-f", "geojson").stdout)
    kinds = {f["properties"]["admin1_code"]: f["geometry"] and f["geometry"]["type"] for f in geo["features"]}
    assert kinds["ML05"] in ("Polygon", "MultiPolygon")


def test_bad_input_is_one_clear_line(cli, mali_db):
    result = cli("--db", mali_db, "threats", "--country", "ZZZ", "--from", "2018-01", "--to", "2018-12")
    assert result.exit_code == 2 and "no events for country 'ZZZ'" in result.stderr and "MLI" in result.stderr
    result = cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-12", "--to", "2018-01")
    assert result.exit_code == 2 and "wrong order" in result.stderr
    result = cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2019-01", "--to", "2019-06")
    assert result.exit_code == 2 and "no events in Mali" in result.stderr and "to 2026-" in result.stderr
    result = cli("--db", mali_db, "threats", "--country", "MLI", "--from", "2018-01", "--to", "2018-12", "--area", "ML99")
    assert result.exit_code == 2 and "ML05 Mopti" in result.stderr


def test_analysis_commands(cli, mali_db, tmp_path):
    trends = cli("--db", mali_db, "trends", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "-f", "json")
    assert trends.exit_code == 0, trends.stderr
    assert {r["flag"] for r in trends.json()} <= {"escalation", "de-escalation", "stable", "too few events"}
    hot = cli("--db", mali_db, "hotspots", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "--level", "admin2", "-f", "json")
    assert hot.exit_code == 0 and all(r["pattern"] != "no pattern" for r in hot.json())
    tools = cli("--db", mali_db, "toolbox", "--country", "MLI", "--from", "2018-01", "--to", "2018-12", "-f", "json")
    assert tools.exit_code == 0 and len(tools.json()) == 7
    alerts = cli("--db", mali_db, "alerts", "--country", "MLI", "--from", "2018-10", "--to", "2018-12", "--no-log", "-f", "json")
    assert alerts.exit_code == 0, alerts.stderr
    assert any(a["rule"] == "massacre" and a["event_ids"] for a in alerts.json())
    out = tmp_path / "r.html"
    report = cli("--db", mali_db, "report", "--country", "MLI", "--from", "2018-01", "--to", "2018-12", "--out", out)
    assert report.exit_code == 0 and out.exists() and str(out) in report.stdout.replace("\n", "")

"""The threats, trends, hotspots, toolbox, alerts and report commands on the real Mali store."""

from __future__ import annotations

import csv
import io
import json

import pytest

import bluehelmet


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


def test_toolbox_to_a_workbook_and_files(cli, mali_db, tmp_path):
    from openpyxl import load_workbook

    from bluehelmet.analysis.toolbox import toolbox_fit

    args = ("--db", mali_db, "toolbox", "--country", "MLI", "--from", "2018-01", "--to", "2018-12", "--area", "ML05")
    fits = cli(*args, "-f", "json").json()
    path = tmp_path / "mopti-toolbox.xlsx"
    assert cli(*args, "-f", "xlsx", "--out", path).exit_code == 0
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["toolbox fit", "context indicators"]
    header, *rows = list(book["toolbox fit"].values)
    assert [dict(zip(header, row)) for row in rows] == [{k: fit[k] for k in header} for fit in fits]
    assert len(rows) == 7
    # A read-only sheet leaves out a row's empty last cell (median_km_to_un: no UN position).
    indicators = {row[0]: row[1] if len(row) > 1 else None for row in list(book["context indicators"].values)[1:]}
    with bluehelmet.open(mali_db, read_only=True) as store:
        values, _, _ = toolbox_fit(store, "MLI", "2018-01", "2018-12", area="ML05")
    # Excel keeps 15 significant digits; a missing value is an empty cell.
    expected = {k: None if v != v else v for k, v in values.items() if not k.startswith("_")}
    assert indicators == {k: pytest.approx(v, rel=1e-14) if isinstance(v, float) else v for k, v in expected.items()}
    assert indicators["area"] == "Mopti (ML05, admin1, MLI)" and indicators["events"] == 97

    csv_path = tmp_path / "fit.csv"
    assert cli(*args, "-f", "csv", "--out", csv_path).exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))) == 7
    assert cli(*args, "-f", "xlsx").exit_code == 2 and cli(*args, "-f", "geojson").exit_code == 2

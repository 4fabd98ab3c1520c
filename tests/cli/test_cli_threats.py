"""The threats, trends, hotspots, toolbox, alerts and report commands on the real Mali store."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import bundled

from mali_fixtures import BOUNDARIES, GED211


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


def test_alerts_log_needs_no_window(cli, mali_db, tmp_path):
    """`alerts --log`, an example of the command's help, shows the log without --country/--from/--to."""
    import shutil

    db = tmp_path / "mali.duckdb"
    shutil.copy(mali_db, db)
    rules = tmp_path / "massacre.yaml"
    rules.write_text("rules:\n  - id: massacre\n    type: massacre\n    civilian_deaths_at_least: 10\n    severity: critical\n")
    run = cli("--db", db, "alerts", "--country", "MLI", "--from", "2018-12", "--to", "2018-12", "--rules", rules, "-f", "json")
    assert run.exit_code == 0, run.stderr
    # GED 21.1: the one-sided events of Mali in December 2018 with at least 10 deaths.
    raw = pd.read_csv(bundled(GED211))
    raw = raw[(raw["country"] == "Mali") & (raw["year"] == 2018) & (raw["month"] == 12)
              & (raw["type_of_violence"] == "One-sided violence") & (raw["best_death"] >= 10)]
    expected = sorted(f"ucdp:{i}" for i in raw["id"])
    assert len(expected) == 2 and sorted(a["subject"] for a in run.json()) == expected
    log = cli("--db", db, "alerts", "--log", "-f", "json")
    assert log.exit_code == 0, log.stderr
    assert sorted(a["subject"] for a in log.json()) == expected and all(a["times_seen"] == 1 for a in log.json())
    assert [a["subject"] for a in cli("--db", db, "alerts", "--log", "--country", "Mali", "-f", "json").json()] != []
    assert cli("--db", db, "alerts", "--log", "--country", "NER", "-f", "json").json() == []
    table = cli("--db", db, "alerts", "--log")
    assert table.exit_code == 0 and "Alert log: 2 alert(s)" in table.stdout
    missing = cli("--db", db, "alerts", "--country", "MLI")
    assert missing.exit_code == 2 and "give --country, --from and --to for the alert window (or --log" in missing.stderr


def test_out_without_format_writes_the_format_of_its_suffix(cli, mali_db, tmp_path):
    """`--out mali.xlsx` without --format is a workbook, not a drawing of a table under that name."""
    import geopandas as gpd
    from openpyxl import load_workbook

    period = ("--country", "MLI", "--from", "2018-01", "--to", "2018-12")
    raw = pd.read_csv(bundled(GED211))
    mali_2018 = raw[(raw["country"] == "Mali") & (raw["year"] == 2018)]
    assert len(mali_2018) == 183
    book = tmp_path / "out" / "mali.xlsx"
    assert cli("--db", mali_db, "threats", *period, "--by", "admin2", "--out", book).exit_code == 0
    header, *rows = list(load_workbook(book, read_only=True).active.values)
    assert sum(dict(zip(header, row))["events"] for row in rows) == 183
    geo = tmp_path / "mali.geojson"
    assert cli("--db", mali_db, "threats", *period, "--by", "admin1", "-o", geo).exit_code == 0
    units = gpd.read_file(geo)
    assert units["events"].sum() == 183 and set(units.geometry.dropna().geom_type) <= {"Polygon", "MultiPolygon"}
    data = tmp_path / "trends.json"
    assert cli("--db", mali_db, "trends", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "-o", data).exit_code == 0
    trends = json.loads(data.read_text())
    assert sum(r["baseline_events"] + r["recent_events"] for r in trends) == ((raw["country"] == "Mali") & raw["year"].isin([2017, 2018])).sum()
    table = tmp_path / "tools.csv"
    assert cli("--db", mali_db, "toolbox", *period, "--area", "ML05", "-o", table).exit_code == 0
    assert len(pd.read_csv(table)) == 7
    # events wrote the newest 100 rows of its screen table; a file gets them all.
    events = tmp_path / "events.xlsx"
    assert cli("--db", mali_db, "events", *period, "-o", events).exit_code == 0
    assert len(pd.read_excel(events)) == 183
    # A suffix that names no format keeps the table.
    text = tmp_path / "mali.txt"
    assert cli("--db", mali_db, "threats", *period, "-o", text).exit_code == 0 and "┃ admin1_code" in text.read_text()


def test_trends_take_an_area_and_levels_in_any_case(cli, mali_db):
    """`trends --area Mopti --level Admin2`: the cercles of Mopti, against GED 21.1 read with GeoPandas."""
    import geopandas as gpd

    raw = pd.read_csv(bundled(GED211))
    raw = raw[(raw["country"] == "Mali") & raw["year"].isin([2017, 2018])]
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs="EPSG:4326")
    cercles = gpd.read_file(bundled(BOUNDARIES[2]))[["admin1Pcod", "admin2Pcod", "geometry"]]
    joined = gpd.sjoin(points, cercles, how="left", predicate="intersects").drop_duplicates("id")
    # A point just outside every generalised polygon takes the nearest unit within 1 km (geo/assign.py).
    outside = joined["admin2Pcod"].isna()
    utm = "EPSG:32630"
    near = gpd.sjoin_nearest(points[outside.to_numpy()].to_crs(utm), cercles.to_crs(utm), max_distance=1000)
    joined = pd.concat([joined[~outside], near.to_crs("EPSG:4326")]).drop_duplicates("id")
    assert len(near) == 1  # ucdp:240312, 14.7743 -1.111, in Douentza
    mopti = joined[joined["admin1Pcod"] == "ML05"]
    run = cli("--db", mali_db, "trends", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "--area", "Mopti",
              "--level", "Admin2", "-f", "json")
    assert run.exit_code == 0, run.stderr
    rows = {r["area_code"]: r["baseline_events"] + r["recent_events"] for r in run.json()}
    # Events of the region placed only at its level have no cercle: the 'unassigned' row.
    assert rows == {**mopti.dropna(subset=["admin2Pcod"]).groupby("admin2Pcod").size().to_dict(),
                    **({"unassigned": int(mopti["admin2Pcod"].isna().sum())} if mopti["admin2Pcod"].isna().any() else {})}
    table = cli("--db", mali_db, "trends", "--country", "MLI", "--from", "2017-01", "--to", "2018-12")
    assert "(2018-10..2018-12 against 2017-01..2018-09)" in table.stdout
    zero = cli("--db", mali_db, "trends", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "--recent", "0")
    assert zero.exit_code == 2 and "--recent 0: the recent window is a number of months, at least 1" in zero.stderr
    hot = cli("--db", mali_db, "hotspots", "--country", "MLI", "--from", "2017-01", "--to", "2018-12", "--level", "Admin2", "-f", "json")
    assert hot.exit_code == 0 and all(r["location"].startswith("ML") or r["location"] == "unassigned" for r in hot.json())

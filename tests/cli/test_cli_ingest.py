"""The ingest, events, batches and quarantine commands."""

from __future__ import annotations

import json

import pytest

from csv_rows import read_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


def test_ingest_json_is_one_object(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    result = cli("--db", db, "ingest", data(SAMPLE), "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert {k: report[k] for k in ("rows_in", "stored", "updated", "unchanged", "rejected")} == {
        "rows_in": 1000, "stored": 1000, "updated": 0, "unchanged": 0, "rejected": 0,
    }


def test_events_filters_and_formats(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    result = cli("--db", db, "events", "--country", "MLI", "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 7 and {r["country_iso3"] for r in rows} == {"MLI"}
    geo = json.loads(cli("--db", db, "events", "--country", "MLI", "--format", "geojson").stdout)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 7
    hxl = cli("--db", db, "events", "--country", "MLI", "--format", "hxl").stdout.splitlines()
    assert "#affected+killed" in hxl[1] and len(hxl) == 2 + 7


def test_unknown_kind_is_a_clear_error(cli, data, tmp_path):
    result = cli("--db", tmp_path / "s.duckdb", "ingest", data(SAMPLE), "--source", "nope")
    assert result.exit_code == 2
    assert "unknown source kind 'nope'" in result.stderr and "ucdp-ged" in result.stderr


def test_period_in_wrong_order(cli, tmp_path):
    result = cli("--db", tmp_path / "s.duckdb", "events", "--from", "2020-01-01", "--to", "2019-01-01")
    assert result.exit_code == 2 and "wrong order" in result.stderr


def test_events_parquet_is_geoparquet_and_csv_opens_in_excel(cli, data, tmp_path):
    import geopandas as gpd
    import pandas as pd

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    out = tmp_path / "mali.parquet"
    assert cli("--db", db, "events", "--country", "MLI", "--format", "parquet", "--out", out).exit_code == 0
    frame = gpd.read_parquet(out)
    assert len(frame) == 7 and frame.crs.to_epsg() == 4326
    import pyarrow.parquet as pq

    assert str(pq.read_schema(out).field("date_start").type) == "date32[day]"  # a date in QGIS, not a timestamp
    raw = pd.read_csv(data(SAMPLE))
    mali = raw[raw["country"] == "Mali"].set_index(raw.loc[raw["country"] == "Mali", "id"].astype(str))
    for row in frame.itertuples():
        assert row.geometry.x == mali.loc[row.source_id, "longitude"] and row.geometry.y == mali.loc[row.source_id, "latitude"]
    csv_out = tmp_path / "mali.csv"
    cli("--db", db, "events", "--country", "MLI", "--format", "csv", "--out", csv_out)
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    assert len(pd.read_csv(csv_out, encoding="utf-8-sig")) == 7


def test_parquet_needs_an_out_file(cli, tmp_path):
    result = cli("--db", tmp_path / "s.duckdb", "events", "--format", "parquet")
    assert result.exit_code == 2 and "--out" in result.stderr


def test_dates_print_as_dates_in_every_text_format(cli, data, tmp_path):
    """DATE columns print as YYYY-MM-DD (the GED file gives "2022-03-27 00:00:00.000"), not as
    midnight timestamps; timestamps with a time of day keep it."""
    import pandas as pd

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    raw = pd.read_csv(data(SAMPLE), dtype=str)
    expected = dict(zip(raw.loc[raw["country"] == "Mali", "id"], raw.loc[raw["country"] == "Mali", "date_start"].str[:10]))
    rows = json.loads(cli("--db", db, "events", "--country", "MLI", "--format", "json").stdout)
    assert {r["source_id"]: r["date_start"] for r in rows} == expected
    table = cli("--db", db, "events", "--country", "MLI").stdout
    assert "2022-03-27 " in table and "00:00:00" not in table
    csv_out = tmp_path / "mali.csv"
    cli("--db", db, "events", "--country", "MLI", "--format", "csv", "--out", csv_out)
    written = pd.read_csv(csv_out, encoding="utf-8-sig", dtype=str)
    assert dict(zip(written["source_id"], written["date_start"])) == expected
    batches_out = tmp_path / "batches.json"
    cli("--db", db, "batches", "--format", "json", "--out", batches_out)
    batches = json.loads(batches_out.read_text())
    assert batches[0]["finished_at"][10] == "T"  # a real timestamp keeps its time


def test_an_incident_sheet_without_hashtags_asks_for_a_map(cli, tmp_path):
    from pathlib import Path

    sheet = Path(__file__).parents[1] / "sources/fixtures/incidents/mopti_jmac.csv"
    result = cli("--db", tmp_path / "s.duckdb", "ingest", sheet)
    assert result.exit_code == 2
    assert "cannot tell what kind of file" in result.stderr and "date of incident" in result.stderr
    assert "--source incidents --map MAP.yaml" in result.stderr


def test_a_terminal_table_shows_the_newest_hundred_and_says_how_many_are_left(cli, data, tmp_path):
    import pandas as pd

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    raw = pd.read_csv(data(SAMPLE), usecols=["id", "date_start"], dtype=str)
    assert len(raw) == 1000
    result = cli("--db", db, "events")
    assert "the newest 100 of 1,000 events" in result.stdout
    assert "900 older events not shown" in " ".join(result.stderr.split())
    newest = raw.sort_values("date_start", ascending=False)["id"].iloc[0]  # 459062, 2022-12-19
    assert f"ucdp:{newest}" in result.stdout
    # Asked for, every event is shown; files are never capped.
    assert "1,000 events" in cli("--db", db, "events", "--limit", "1000").stdout
    assert len(json.loads(cli("--db", db, "events", "--format", "json").stdout)) == 1000
    assert "not shown" not in cli("--db", db, "events", "--country", "MLI").stderr


def test_a_bad_file_among_several_stores_nothing_and_the_others_load(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    unknown = data("geopko_v23_dashboard_aggregates/data_wrangling_v.2.3.R")  # a kind bluehelmet does not read
    radpko = data("radpko_bases_country_year/radpko_bases_cc_y.csv")
    result = cli("--db", db, "ingest", data(SAMPLE), unknown, radpko, "--json")
    assert result.exit_code == 2
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("source_kind") for r in reports] == ["ucdp-ged", None, "radpko"]
    assert reports[1]["file"] == str(unknown) and "cannot tell what kind of file" in reports[1]["error"]
    stderr = " ".join(result.stderr.split())
    assert "cannot tell what kind of file" in stderr
    assert "1 of 3 files stored nothing: data_wrangling_v.2.3.R (the others are ingested)" in stderr
    batches = json.loads(cli("--db", db, "batches", "--format", "json").stdout)
    assert [b["source_kind"] for b in batches] == ["ucdp-ged", "radpko"]


def test_a_fault_with_one_file_among_several_leaves_the_others_to_load(cli, data, tmp_path, monkeypatch):
    import bluehelmet

    real_ingest = bluehelmet.ingest
    acd = data("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv")

    def failing_on_acd(store, path, *args, **kwargs):
        if path == acd:  # a fault of the program's, not of the file
            raise RuntimeError("simulated fault")
        return real_ingest(store, path, *args, **kwargs)

    monkeypatch.setattr(bluehelmet, "ingest", failing_on_acd)
    db = tmp_path / "s.duckdb"
    radpko = data("radpko_bases_country_year/radpko_bases_cc_y.csv")
    result = cli("--db", db, "ingest", data(SAMPLE), acd, radpko, "--json")
    assert result.exit_code == 2
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("source_kind") for r in reports] == ["ucdp-ged", None, "radpko"]
    assert "unexpected RuntimeError (simulated fault); please report it" in reports[1]["error"]
    assert "1 of 3 files stored nothing: UcdpPrioConflict_v23_1.csv" in " ".join(result.stderr.split())
    # Alone, the fault ends the command with its traceback, to be reported.
    with pytest.raises(RuntimeError, match="simulated fault"):
        cli("--db", db, "ingest", acd)


def test_a_csv_or_hxl_file_is_written_from_the_store_with_the_same_rows(cli, data, tmp_path):
    """--out FILE in csv/hxl goes straight from DuckDB to the file; its rows are those of the
    DataFrame route (standard output), booleans aside (true/false against True/False)."""
    import io

    import pandas as pd

    import bluehelmet

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    with bluehelmet.open(db) as store:  # microseconds ending in 0, which DuckDB would shorten
        store.con.execute("UPDATE events SET updated_at = TIMESTAMP '2026-11-21 18:41:36.75608' WHERE uid < 'ucdp:2'")
    for fmt, skip in (("csv", None), ("hxl", [1])):
        shown = pd.read_csv(io.StringIO(cli("--db", db, "events", "--format", fmt).stdout), dtype=str, skiprows=skip)
        out = tmp_path / f"events.{fmt}.csv"
        assert cli("--db", db, "events", "--format", fmt, "--out", out).exit_code == 0
        assert out.read_bytes().startswith(b"\xef\xbb\xbfuid,source,")
        written = pd.read_csv(out, encoding="utf-8-sig", dtype=str, skiprows=skip)
        assert len(written) == 1000 and list(written.columns) == list(shown.columns)
        for column in ("civilian_targeting", "deleted"):
            shown[column], written[column] = shown[column].str.lower(), written[column].str.lower()
        pd.testing.assert_frame_equal(written, shown)
    tags = (tmp_path / "events.hxl.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert tags.startswith("#event+id,#meta+source,")
    limited = tmp_path / "newest.csv"
    cli("--db", db, "events", "--format", "csv", "--limit", "3", "--out", limited)
    assert list(pd.read_csv(limited, encoding="utf-8-sig", dtype=str)["source_id"]) == ["459062", "456839", "460151"]


def test_a_failed_export_leaves_the_earlier_file_alone(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    out = tmp_path / "mali.csv"
    out.write_text("an earlier export\n")
    result = cli("--db", db, "events", "--from", "2019-02-30", "--format", "csv", "--out", out)
    assert result.exit_code == 2 and "--from '2019-02-30'" in result.stderr
    assert out.read_text() == "an earlier export\n" and sorted(p.name for p in tmp_path.iterdir()) == ["mali.csv", "s.duckdb"]


def test_a_geoparquet_file_is_written_from_the_store_with_the_same_rows(cli, data, tmp_path):
    """--format parquet --out FILE streams Arrow batches from the store: the same rows and
    points as the DataFrame route, a string column stays a string when all its values are
    missing, and an event without coordinates gets an empty geometry."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    import bluehelmet
    from bluehelmet.exports import write_frame

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    sheet = tmp_path / "unplaced.json"
    sheet.write_text(json.dumps([
        {"ref": "U-1", "date": "2023-05-02", "place": "somewhere near Menaka", "killed": 2},
        {"ref": "U-2", "date": "2023-05-03", "place": "Gao", "lat": 16.272, "lon": -0.044, "killed": 0},
    ]))
    (tmp_path / "unplaced.yaml").write_text(
        "country: MLI\ncolumns:\n  id: ref\n  date: date\n  location: place\n  latitude: lat\n  longitude: lon\n  killed: killed\n"
    )
    assert cli("--db", db, "ingest", sheet, "--map", tmp_path / "unplaced.yaml").exit_code == 0
    streamed = tmp_path / "events.parquet"
    assert cli("--db", db, "events", "--format", "parquet", "--out", streamed).exit_code == 0
    via_frame = tmp_path / "via_frame.parquet"
    with bluehelmet.open(db, read_only=True) as store:
        write_frame(store.events(), "parquet", via_frame)
    a, b = gpd.read_parquet(streamed), gpd.read_parquet(via_frame)
    assert len(a) == 1002 and a.crs.to_epsg() == 4326 and list(a.columns) == list(b.columns)
    assert list(a["uid"]) == list(b["uid"])
    for column in a.columns.drop("geometry"):
        assert a[column].astype(object).where(a[column].notna(), None).tolist() == \
            b[column].astype(object).where(b[column].notna(), None).tolist(), column
    placed = a["latitude"].notna()
    assert a.geometry[~placed].isna().all() and list(a.loc[~placed, "source_id"]) == ["U-1"]
    assert (a.geometry[placed].x == a.loc[placed, "longitude"]).all() and (a.geometry[placed].y == a.loc[placed, "latitude"]).all()
    schema = pq.read_schema(streamed)
    assert str(schema.field("date_start").type) == "date32[day]" and str(schema.field("release").type) == "string"
    assert json.loads(schema.metadata[b"geo"])["columns"]["geometry"]["geometry_types"] == ["Point"]
    empty = tmp_path / "none.parquet"
    assert cli("--db", db, "events", "--country", "XYZ", "--format", "parquet", "--out", empty).exit_code == 0
    none = gpd.read_parquet(empty)
    assert len(none) == 0 and list(none.columns) == list(a.columns) and none.crs.to_epsg() == 4326


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def test_json_and_geojson_files_are_written_from_the_store_with_the_same_events(cli, data, tmp_path):
    """--format json|geojson --out FILE: DuckDB writes the objects; they hold what standard
    output (the DataFrame route) shows, timestamps in ISO 8601 to the microsecond, and an event
    without coordinates is a feature with a null geometry in both."""

    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    sheet = tmp_path / "unplaced.json"
    sheet.write_text(json.dumps([{"ref": "U-1", "date": "2023-05-02", "place": "somewhere near Ménaka", "killed": 2}]))
    (tmp_path / "unplaced.yaml").write_text("country: MLI\ncolumns:\n  id: ref\n  date: date\n  location: place\n  killed: killed\n")
    assert cli("--db", db, "ingest", sheet, "--map", tmp_path / "unplaced.yaml").exit_code == 0
    import bluehelmet

    with bluehelmet.open(db) as store:  # microseconds ending in 0, which DuckDB would shorten
        store.con.execute("UPDATE events SET updated_at = TIMESTAMP '2026-11-21 18:41:36.75608' WHERE source_id = '15321'")

    def assert_same_events(written: list[dict], shown: list[dict]) -> None:
        assert len(written) == len(shown) == 1001
        for w, s in zip(written, shown):
            assert w == s and list(w) == list(s), w["uid"]

    out = tmp_path / "events.json"
    assert cli("--db", db, "events", "--format", "json", "--out", out).exit_code == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    oldest = written[-1]  # the sample's earliest event, id 15321, on 1989-01-07
    assert (oldest["source_id"], oldest["date_start"], oldest["updated_at"]) == ("15321", "1989-01-07", "2026-11-21T18:41:36.756080")
    assert_same_events(written, json.loads(cli("--db", db, "events", "--format", "json").stdout))
    unplaced = next(e for e in written if e["source_id"] == "U-1")
    assert unplaced["location_name"] == "somewhere near Ménaka" and unplaced["deaths_best"] == 2
    # Native columns stay JSON text, as on standard output and in CSV.
    header, rows = read_rows(data(SAMPLE))
    relid = next(r[header.index("relid")] for r in rows if r[0] == "15321")
    assert isinstance(oldest["native"], str) and json.loads(oldest["native"])["relid"] == relid

    out = tmp_path / "events.geojson"
    assert cli("--db", db, "events", "--format", "geojson", "--out", out).exit_code == 0
    written = json.loads(out.read_text(encoding="utf-8"), parse_constant=_not_json)
    # Strict JSON: Python's parser would take the NaN an empty point is written with.
    shown = json.loads(cli("--db", db, "events", "--format", "geojson").stdout, parse_constant=_not_json)
    assert written["type"] == shown["type"] == "FeatureCollection"
    assert [f["geometry"] for f in written["features"]] == [f["geometry"] for f in shown["features"]]
    assert_same_events([f["properties"] for f in written["features"]], [f["properties"] for f in shown["features"]])
    by_id = {f["properties"]["source_id"]: f for f in written["features"]}
    assert by_id["U-1"]["geometry"] is None
    for row in rows[:50]:  # longitude first, as RFC 7946 orders them
        point = [float(row[header.index("longitude")]), float(row[header.index("latitude")])]
        assert by_id[row[0]]["geometry"] == {"type": "Point", "coordinates": point}
    empty = tmp_path / "none.geojson"
    assert cli("--db", db, "events", "--country", "XYZ", "--format", "geojson", "--out", empty).exit_code == 0
    assert json.loads(empty.read_text()) == {"type": "FeatureCollection", "features": []}


def test_db_after_the_command_is_taken_as_the_global_option(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    assert cli("ingest", data(SAMPLE), "--db", db).exit_code == 0
    assert len(json.loads(cli("events", "--country", "MLI", "--db", db, "--format", "json").stdout)) == 7
    assert len(json.loads(cli("events", f"--db={db}", "--country", "MLI", "--format", "json").stdout)) == 7
    assert json.loads(cli("--db", db, "batches", "--format", "json").stdout)[0]["stored"] == 1000


def test_quarantine_on_screen_shows_the_first_hundred_and_files_get_all(cli, data, tmp_path):
    import csv as csv_module

    import pandas as pd

    rows = list(csv_module.reader(data(SAMPLE).read_text(encoding="utf-8").splitlines(keepends=True)))
    header = rows[0]
    for row in rows[1:151]:
        row[header.index("date_start")] = "sometime"  # 150 rows whose date cannot be read
    bad = tmp_path / "ged231_bad_dates.csv"
    with bad.open("w", newline="", encoding="utf-8") as out:
        csv_module.writer(out).writerows(rows)
    db = tmp_path / "s.duckdb"
    report = cli("--db", db, "ingest", bad, "--source", "ucdp-ged", "--json").json()
    assert (report["rejected"], report["stored"]) == (150, 850)
    result = cli("--db", db, "quarantine")
    assert "the first 100 of 150 quarantined rows" in result.stdout
    assert "50 more rows not shown" in " ".join(result.stderr.split())
    out = tmp_path / "rejected.csv"
    cli("--db", db, "quarantine", "--format", "csv", "--out", out)
    rejected = pd.read_csv(out, encoding="utf-8-sig")
    assert len(rejected) == 150 and set(rejected["value"]) == {"sometime"} and set(rejected["column_name"]) == {"date_start"}


def test_report_names_what_merged_rows_are_for_each_kind(cli, data, tmp_path):
    from pathlib import Path

    db = tmp_path / "s.duckdb"
    geopko = cli("--db", db, "ingest", data("geopko_v23_dashboard_aggregates/FrontMap_v.2.3.csv"))
    lines = geopko.stdout.splitlines()
    # One line per fact however narrow the terminal: the header line is not wrapped.
    assert lines[0] == "FrontMap_v.2.3.csv as geopko-v2 -> un_deployments release 2.3"
    assert lines[2] == "  1,417 rows merged into their location-years (one row per monthly troop figure)"
    monadic = Path(__file__).parents[1] / "sources" / "fixtures" / "acled" / "burkina_monadic_2022.csv"
    acled = cli("--db", db, "ingest", monadic)
    assert "  4 actor rows merged into their events (a monadic export has one row per actor)" in acled.stdout.splitlines()
    acd = cli("--db", db, "ingest", data("ucdp_prio_acd_251/UcdpPrioConflict_v25_1_semicolon_resaved.csv")).stdout
    assert acd.splitlines()[0] == "UcdpPrioConflict_v25_1_semicolon_resaved.csv as ucdp-acd -> conflicts release 25.1"

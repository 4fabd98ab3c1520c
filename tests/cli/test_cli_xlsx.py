"""Excel workbooks (--format xlsx): the events and every table, with typed cells, within Excel's limits."""

from __future__ import annotations

import csv
import datetime as dt
import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

import bluehelmet
from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports import write_frame
from bluehelmet.exports.workbook import MAX_CELL_CHARS, cell_value, check_fits
from csv_rows import read_rows, write_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


def _sheet(path):
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, list(rows[0]), rows[1:]


def test_events_workbook_holds_the_csv_rows_as_typed_cells(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data(SAMPLE))
    assert cli("--db", db, "events", "--format", "csv", "--out", tmp_path / "events.csv").exit_code == 0
    result = cli("--db", db, "events", "--format", "xlsx", "--out", tmp_path / "events.xlsx")
    assert result.exit_code == 0, result.stderr

    with bluehelmet.open(db) as store:  # the columns the store keeps as whole numbers
        relation = store.con.sql("SELECT * FROM events LIMIT 0")
        integers = {c for c, t in zip(relation.columns, relation.types) if str(t) in ("INTEGER", "BIGINT")}
    assert {"deaths_best", "deaths_civilians", "priogrid_gid", "batch_id"} <= integers
    sheet, header, rows = _sheet(tmp_path / "events.xlsx")
    with open(tmp_path / "events.csv", encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert header == list(expected[0]) and len(rows) == len(expected) == 1000
    assert sheet.title == "events" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}1001"
    for row, want in zip(rows, expected):
        cells = dict(zip(header, row))
        assert cells["uid"] == want["uid"]  # the same events in the same order, newest first
        for column, text in want.items():
            value = cells[column]
            if text == "":
                assert value is None, (column, value)
            elif column in ("date_start", "date_end"):
                assert value == dt.datetime.fromisoformat(text), column  # a date cell
            elif column == "updated_at":  # Excel keeps times to the millisecond
                assert abs(value - dt.datetime.fromisoformat(text)) < dt.timedelta(milliseconds=1)
            elif column in integers:
                assert value == int(text) and isinstance(value, int), column
            elif column in ("latitude", "longitude"):
                assert value == float(text), column
            elif column in ("civilian_targeting", "deleted"):
                assert value is (text == "true"), column
            else:
                assert value == text, column
    first = dict(zip(header, rows[0]))
    assert first["uid"] == "ucdp:459062" and json.loads(first["native"])["relid"]


def test_a_text_longer_than_a_cell_is_cut_marked_and_counted(cli, data, tmp_path):
    header, rows = read_rows(data(SAMPLE), 5)
    article = "Mopti; " + "x" * 40_000
    rows[0][header.index("source_article")] = article
    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", write_rows(tmp_path / "ged231.csv", header, rows), "--source", "ucdp-ged")
    result = cli("--db", db, "events", "--format", "xlsx", "--out", tmp_path / "long.xlsx")
    assert result.exit_code == 0, result.stderr
    assert "1 cells longer than Excel's 32,767 characters were cut" in result.stderr
    _, header_out, rows_out = _sheet(tmp_path / "long.xlsx")
    cut = [v for row in rows_out for v in row if isinstance(v, str) and "[... cut:" in v]
    assert len(cut) == 1 and MAX_CELL_CHARS - 2 <= len(cut[0]) <= MAX_CELL_CHARS and cut[0].startswith("Mopti; xxx")
    kept = cut[0].index(" [... cut:")  # the characters of the text still in the cell
    assert f"cut: {len(article) - kept:,} more characters" in cut[0]


def test_cells_hold_what_excel_can_and_say_what_it_cannot():
    assert cell_value("Gao\x0bMénaka\x00") == ("Gao\\x0bMénaka\\x00", False)  # refused by Excel: escaped
    assert cell_value("line one\nline two\tend") == ("line one\nline two\tend", False)
    assert cell_value(pd.NA) == cell_value(pd.NaT) == cell_value(float("nan")) == (None, False)
    assert cell_value(pd.Timestamp("2018-05-17 10:30")) == (dt.datetime(2018, 5, 17, 10, 30), False)
    aware = dt.datetime(2018, 5, 17, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cell_value(aware) == (dt.datetime(2018, 5, 17, 10, 0), False)
    check_fits(1_048_575)  # the header and 1,048,575 rows fill a sheet
    with pytest.raises(InvalidRequestError, match="1,048,576 rows do not fit in an Excel sheet"):
        check_fits(1_048_576)


def test_every_table_writes_a_workbook(cli, data, tmp_path):
    db = tmp_path / "s.duckdb"
    cli("--db", db, "ingest", data("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"))
    shown = json.loads(cli("--db", db, "peacekeeping", "deadliest", "--format", "json").stdout)
    assert cli("--db", db, "peacekeeping", "deadliest", "--format", "xlsx", "--out", tmp_path / "d.xlsx").exit_code == 0
    _, header, rows = _sheet(tmp_path / "d.xlsx")
    assert [dict(zip(header, row)) for row in rows] == shown
    needs_out = cli("--db", db, "peacekeeping", "deadliest", "--format", "xlsx")
    assert needs_out.exit_code == 2 and "--format xlsx writes a file: give --out FILE.xlsx" in needs_out.stderr

    # A geometry goes in as well-known text.
    square = shapely.box(-4.0, 14.0, -3.0, 15.0)
    frame = gpd.GeoDataFrame({"pcode": ["ML0501"], "day": [pd.Timestamp("2018-01-01")]}, geometry=[square], crs="EPSG:4326")
    write_frame(frame, "xlsx", tmp_path / "units.xlsx")
    _, header, rows = _sheet(tmp_path / "units.xlsx")
    assert header == ["pcode", "day", "geometry"]
    assert rows[0][:2] == ("ML0501", dt.datetime(2018, 1, 1)) and shapely.from_wkt(rows[0][2]).equals(square)

"""Input that once stopped an ingest with a traceback: each now quarantines its row or fails clearly.

Every case is a real bundled file (or a test fixture) spoiled in one place, the way files arrive:
a count typed or overflowed past what a count can be, a download cut short, a sheet damaged, a
JSON export with odd keys.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from csv_rows import read_rows, write_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
ACD = "ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"
CANDIDATE_XLSX = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.xlsx"
FIXTURES = Path(__file__).parent / "fixtures"
TOO_BIG = "not a count (infinite, NaN or over 2,147,483,647)"


def _accounted(report) -> bool:
    return report.rows_in == report.stored + report.updated + report.unchanged + report.rejected


def _quarantined(store) -> list[tuple]:
    frame = store.quarantine()
    return list(zip(frame["row_number"], frame["column_name"], frame["value"], frame["reason"]))


def test_counts_past_what_a_count_can_be_are_quarantined_not_fatal(store, data, tmp_path):
    header, rows = read_rows(data(SAMPLE), 20)
    best = header.index("best")
    rows[0][best], rows[5][best], rows[9][header.index("high")] = "3000000000", "1e308", "inf"
    report = bluehelmet.ingest(store, write_rows(tmp_path / "ged231.csv", header, rows), "ucdp-ged")

    assert (report.stored, report.rejected) == (17, 3) and _accounted(report)
    assert _quarantined(store) == [
        (2, "best", "3000000000", f"best is {TOO_BIG}"),
        (7, "best", "1e308", f"best is {TOO_BIG}"),
        (11, "high", "inf", f"high is {TOO_BIG}"),
    ]
    kept = set(store.events()["source_id"])
    assert kept == {r[header.index("id")] for i, r in enumerate(rows) if i not in (0, 5, 9)}


def test_acled_fatalities_and_incident_counts_past_a_count(store, tmp_path):
    header, rows = read_rows(FIXTURES / "acled" / "mali_dyadic_2023.csv")
    rows[2][header.index("fatalities")] = "99999999999999999999"
    report = bluehelmet.ingest(store, write_rows(tmp_path / "acled.csv", header, rows), "acled")
    assert (report.stored, report.rejected) == (len(rows) - 1, 1)
    assert _quarantined(store) == [(4, "fatalities", "99999999999999999999", f"fatalities is {TOO_BIG}")]

    incidents = json.loads((FIXTURES / "incidents" / "gao_incidents.json").read_text(encoding="utf-8"))
    incidents[1]["dead"] = 1e300
    path = tmp_path / "gao_incidents.json"
    path.write_text(json.dumps(incidents), encoding="utf-8")
    with bluehelmet.open(tmp_path / "incidents.duckdb") as other:
        report = bluehelmet.ingest(other, path, "incidents", column_map=FIXTURES / "incidents" / "gao_incidents.toml")
        assert (report.stored, report.rejected) == (len(incidents) - 1, 1)
        [(row, column, _, reason)] = _quarantined(other)
        assert (row, column, reason) == (2, "dead", f"killed is {TOO_BIG}")


def test_a_conflict_year_past_any_integer_is_quarantined(store, data, tmp_path):
    header, rows = read_rows(data(ACD))
    rows[3][header.index("year")] = "99999999999999999999"
    report = bluehelmet.ingest(store, write_rows(tmp_path / "acd.csv", header, rows), "ucdp-acd")
    assert (report.rows_in, report.stored, report.rejected) == (len(rows), len(rows) - 1, 1)
    assert _quarantined(store)[0][:3] == (5, "year", "99999999999999999999")


def test_a_gzip_cut_short_is_named_as_such(store, data, tmp_path):
    whole = gzip.compress(data(SAMPLE).read_bytes())
    cut = tmp_path / "ged231.csv.gz"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(InputFileError, match="ged231.csv.gz: a damaged or truncated gzip file"):
        bluehelmet.ingest(store, cut)
    assert len(store.batches()) == 0


def test_a_field_longer_than_the_csv_module_takes_does_not_stop_detection(store, data, tmp_path):
    header, rows = read_rows(data(SAMPLE), 5)
    rows[0][header.index("source_article")] = "x" * 200_000
    report = bluehelmet.ingest(store, write_rows(tmp_path / "ged231.csv", header, rows))
    assert (report.source_kind, report.stored) == ("ucdp-ged", 5)
    assert store.sql("SELECT max(length(sources)) AS n FROM events")["n"][0] >= 200_000  # source_article, whole


def test_a_workbook_whose_sheet_is_damaged_fails_clearly(store, data, tmp_path):
    damaged = tmp_path / "GEDEvent_v26_0_2.xlsx"
    with zipfile.ZipFile(data(CANDIDATE_XLSX)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # the sheet's XML stops mid-row
            target.writestr(item, content)
    with pytest.raises(InputFileError, match="a damaged Excel workbook: its sheet cannot be read"):
        bluehelmet.ingest(store, damaged)
    assert len(store.batches()) == 0


def test_odd_json_exports_fail_clearly_or_load(store, tmp_path):
    latin1 = tmp_path / "ucdp-api-gedevents.json"
    latin1.write_bytes('{"Result": [{"where_description": "Ménaka"}]}'.encode("latin-1"))
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte 36"):
        bluehelmet.ingest(store, latin1, "ucdp-api")

    column_map = FIXTURES / "incidents" / "gao_incidents.toml"
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputFileError, match="nested too deeply"):
        bluehelmet.ingest(store, deep, "incidents", column_map=column_map)

    # A blank key is named like a blank header cell, and kept with the rest.
    incidents = json.loads((FIXTURES / "incidents" / "gao_incidents.json").read_text(encoding="utf-8"))
    for record in incidents:
        record[""] = "unlabelled"
    blank = tmp_path / "blank_key.json"
    blank.write_text(json.dumps(incidents), encoding="utf-8")
    report = bluehelmet.ingest(store, blank, "incidents", column_map=column_map)
    assert (report.stored, report.rejected) == (len(incidents), 0)
    natives = [json.loads(n) for n in store.sql("SELECT native FROM events")["native"]]
    assert all(n[f"column_{list(incidents[0]).index('') + 1}"] == "unlabelled" for n in natives)


def test_a_date_end_that_is_not_a_date_is_quarantined_not_replaced(store, data, tmp_path):
    header, rows = read_rows(data(SAMPLE), 8)
    end = header.index("date_end")
    spoiled = {0: "2019-02-30", 2: "31/12/2019", 4: "45000", 6: "9999-12-31"}
    for i, value in spoiled.items():
        rows[i][end] = value
    rows[1][end] = ""  # no end date: a one-day event
    report = bluehelmet.ingest(store, write_rows(tmp_path / "ged231.csv", header, rows), "ucdp-ged")

    assert (report.stored, report.rejected) == (4, 4)
    assert [(r, c, v) for r, c, v, _ in _quarantined(store)] == [(i + 2, "date_end", v) for i, v in spoiled.items()]
    one_day = store.events().set_index("source_id").loc[rows[1][header.index("id")]]
    assert str(one_day["date_end"])[:10] == rows[1][header.index("date_start")][:10]


NOT_FINITE = "is not a finite number (infinite or NaN)"


def test_non_finite_coordinates_are_not_called_swapped(store, data, tmp_path):
    # NaN and infinity parse as numbers beyond 90, and were quarantined as "latitude and
    # longitude look swapped".
    header, rows = read_rows(data(SAMPLE), 6)
    lat, lon = header.index("latitude"), header.index("longitude")
    rows[0][lat], rows[1][lat], rows[2][lon], rows[3][lat] = "NaN", "inf", "-inf", "1e400"
    report = bluehelmet.ingest(store, write_rows(tmp_path / "ged231.csv", header, rows), "ucdp-ged")
    assert (report.stored, report.rejected) == (2, 4) and _accounted(report)
    assert _quarantined(store) == [
        (2, "latitude", "NaN", f"latitude {NOT_FINITE}"),
        (3, "latitude", "inf", f"latitude {NOT_FINITE}"),
        (4, "longitude", "-inf", f"longitude {NOT_FINITE}"),
        (5, "latitude", "1e400", f"latitude {NOT_FINITE}"),
    ]

    header, rows = read_rows(FIXTURES / "acled" / "mali_dyadic_2023.csv")
    rows[0][header.index("latitude")] = "NaN"
    with bluehelmet.open(tmp_path / "acled.duckdb") as other:
        report = bluehelmet.ingest(other, write_rows(tmp_path / "acled.csv", header, rows), "acled")
        assert report.rejected == 1
        assert _quarantined(other) == [(2, "latitude", "NaN", f"latitude {NOT_FINITE}")]

    incidents = json.loads((FIXTURES / "incidents" / "gao_incidents.json").read_text(encoding="utf-8"))
    incidents[0]["latitude"] = float("inf")
    path = tmp_path / "gao_incidents.json"
    path.write_text(json.dumps(incidents), encoding="utf-8")
    with bluehelmet.open(tmp_path / "incidents.duckdb") as other:
        report = bluehelmet.ingest(other, path, "incidents", column_map=FIXTURES / "incidents" / "gao_incidents.toml")
        assert report.rejected == 1
        assert _quarantined(other) == [(1, "latitude", "inf", f"latitude {NOT_FINITE}")]  # JSON records count from 1

"""Excel workbooks given to the table readers (UCDP publishes Candidate events as .xlsx too),
and files that are not text at all."""

from __future__ import annotations

import csv
import json
import zipfile

import openpyxl
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from event_rows import canonical_rows

CANDIDATE_CSV = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"
CANDIDATE_XLSX = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.xlsx"
FATALITIES = "un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"
def test_candidate_workbook_gives_the_events_of_its_csv(data, tmp_path):
    with bluehelmet.open(tmp_path / "from_xlsx.duckdb") as from_xlsx, bluehelmet.open(tmp_path / "from_csv.duckdb") as from_csv:
        report = bluehelmet.ingest(from_xlsx, data(CANDIDATE_XLSX))  # kind found from the sheet's header
        assert (report.source_kind, report.release) == ("ucdp-candidate", "26.0.2")
        assert (report.rows_in, report.stored, report.rejected) == (1298, 1298, 0)
        bluehelmet.ingest(from_csv, data(CANDIDATE_CSV))
        assert canonical_rows(from_xlsx) == canonical_rows(from_csv)
        event = from_xlsx.events().set_index("source_id").loc["618155"]
        assert str(event["date_start"])[:10] == "2026-02-21" and event["deaths_civilians"] == 18
        assert (event["latitude"], event["longitude"]) == (34.3854, 70.6639)
        # The native columns keep each file's own spelling, and the two files spell two differently
        # (checked in the files themselves: 'true' in the workbook, 'True' and '770.0' in the CSV).
        native_x = from_xlsx.events().set_index("source_id")["native"].map(json.loads)
        native_c = from_csv.events().set_index("source_id")["native"].map(json.loads)
        differing = {k for uid in native_x.index for k in native_x[uid] if native_x[uid][k] != native_c[uid][k]}
        assert differing == {"active_year", "gwnoa", "gwnob"}
        assert (native_x["618155"]["active_year"], native_c["618155"]["active_year"]) == ("true", "True")


def test_workbook_rejects_carry_the_row_numbers_excel_shows(data, tmp_path, store):
    book = openpyxl.load_workbook(data(CANDIDATE_XLSX))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=10, column=header.index("latitude") + 1).value = 123.4
    sheet.cell(row=20, column=header.index("date_start") + 1).value = "2026-02-30"
    # Formatted but empty rows below the data, as Excel leaves them.
    sheet.cell(row=sheet.max_row + 5, column=1).number_format = "0.00"
    path = tmp_path / "GEDEvent_v26_0_2_edited.xlsx"
    book.save(path)
    report = bluehelmet.ingest(store, path)
    assert (report.rows_in, report.stored, report.rejected) == (1298, 1296, 2)
    q = store.quarantine(report.batch_id).sort_values("row_number")
    assert q["row_number"].tolist() == [10, 20]
    assert q["column_name"].tolist() == ["latitude", "date_start"]
    assert q["value"].tolist()[1] == "2026-02-30" and q["value"].tolist()[0].startswith("123.4, ")  # latitude, longitude


def test_a_workbook_of_un_fatalities_reads_as_its_csv(data, tmp_path, store):
    with open(data(FATALITIES), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "fatalities.xlsx"
    book.save(path)
    report = bluehelmet.ingest(store, path)
    assert report.source_kind == "un-fatalities"
    assert (report.rows_in, report.stored, report.rejected) == (4429, 4423, 6)
    from_csv = bluehelmet.ingest(store, data(FATALITIES))
    assert (from_csv.unchanged, from_csv.rejected) == (4423, 6)
    # The same duplicate casualties, at the same rows, whichever file they came from.
    rows_of = lambda batch: store.quarantine(batch)["row_number"].tolist()  # noqa: E731
    assert rows_of(report.batch_id) == rows_of(from_csv.batch_id) == [1900, 1903, 2076, 2079, 2144, 2186]


def test_a_missing_sheet_header_and_a_damaged_workbook(tmp_path, store):
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, empty, "ucdp-ged")
    assert str(error.value) == f"{empty}: the sheet 'Sheet' is empty: its first row should name the columns"
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match="cannot be read as an Excel workbook"):
        bluehelmet.ingest(store, damaged, "un-fatalities")
    assert store.count("events") == 0 and store.count("un_fatalities") == 0


def test_a_zip_under_another_name_and_binary_files_are_named_not_parsed(data, tmp_path, store):
    # A .zip is opened (tests/sources/test_zip_archives.py); a zip saved as .csv is named for what it is.
    archive = tmp_path / "ged231-csv.csv"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"), "ged231.csv")
    with pytest.raises(InputFileError, match=r"a zip archive, not a data file: unzip it and ingest the file inside \(ged231.csv\)"):
        bluehelmet.ingest(store, archive, "ucdp-ged")
    binary = tmp_path / "export.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputFileError, match="binary data, not delimited text"):
        bluehelmet.ingest(store, binary, "acled")
    assert len(store.batches()) == 0

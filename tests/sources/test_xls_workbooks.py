"""Excel 97-2003 workbooks (.xls), as older mission logs are kept, and workbooks misnamed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xlrd

import bluehelmet
from bluehelmet.errors import InputFileError
from csv_rows import read_rows, write_rows
from event_rows import canonical_rows

# The header and first 120 events of the bundled GEDEvent_v26_0_2.xlsx, saved cell by cell as
# .xls (numbers as numbers, dates as date cells) by scripts/make_xls_fixture.py.
XLS = Path(__file__).parent / "fixtures/xls/GEDEvent_v26_0_2.xls"
CANDIDATE_CSV = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"
CANDIDATE_XLSX = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.xlsx"
def test_the_fixture_holds_typed_cells():
    # What the reader has to turn back into text: numbers stored as doubles, days as date serials.
    sheet = xlrd.open_workbook(XLS).sheet_by_index(0)
    header = sheet.row_values(0)
    first = sheet.row(1)
    assert sheet.nrows == 121
    assert first[header.index("id")].ctype == xlrd.XL_CELL_NUMBER and first[header.index("id")].value == 618155.0
    assert first[header.index("date_start")].ctype == xlrd.XL_CELL_DATE
    assert first[header.index("gwnob")].ctype == xlrd.XL_CELL_EMPTY


def test_an_xls_workbook_gives_the_events_of_its_csv(data, tmp_path):
    header, rows = read_rows(data(CANDIDATE_CSV), 120)
    csv_path = write_rows(tmp_path / "GEDEvent_v26_0_2.csv", header, rows)
    with bluehelmet.open(tmp_path / "xls.duckdb") as from_xls, bluehelmet.open(tmp_path / "csv.duckdb") as from_csv:
        report = bluehelmet.ingest(from_xls, XLS)  # kind and release from the sheet's header and the name
        assert (report.source_kind, report.release) == ("ucdp-candidate", "26.0.2")
        assert (report.rows_in, report.stored, report.rejected) == (120, 120, 0)
        bluehelmet.ingest(from_csv, csv_path)
        assert canonical_rows(from_xls) == canonical_rows(from_csv)
        event = from_xls.events().set_index("source_id").loc["618155"]
        assert str(event["date_start"])[:10] == "2026-02-21" and event["deaths_civilians"] == 18
        assert (event["latitude"], event["longitude"]) == (34.3854, 70.6639)

        # Cell for cell the same as the .xlsx it was saved from, native columns included.
        from_xlsx = bluehelmet.ingest(from_xls, data(CANDIDATE_XLSX))
        assert (from_xlsx.stored, from_xlsx.updated, from_xlsx.unchanged) == (1298 - 120, 0, 120)


def test_a_workbook_is_read_whatever_its_name_says(data, tmp_path, store):
    # An .xlsx saved under an .xls name, and an .xls under an .xlsx name.
    xlsx_named_xls = shutil.copy(data(CANDIDATE_XLSX), tmp_path / "GEDEvent_v26_0_2.xls")
    assert bluehelmet.ingest(store, xlsx_named_xls).stored == 1298
    xls_named_xlsx = shutil.copy(XLS, tmp_path / "GEDEvent_v26_0_2_copy.xlsx")
    assert bluehelmet.ingest(store, xls_named_xlsx, "ucdp-candidate", release="26.0.2").unchanged == 120


def test_web_pages_and_damaged_xls_files_are_clear_errors(tmp_path, store, capsys):
    page = tmp_path / "incidents.xls"
    page.write_text("<html><body><table><tr><td>date</td></tr></table></body></html>")
    with pytest.raises(InputFileError, match="it is a web page or XML, not a workbook: open it in Excel and save it"):
        bluehelmet.ingest(store, page, "incidents")
    cut = tmp_path / "GEDEvent_v26_0_2.xls"
    cut.write_bytes(XLS.read_bytes()[:3000])
    with pytest.raises(InputFileError, match=r"cannot be read as an Excel 97-2003 workbook: .*\(File is truncated"):
        bluehelmet.ingest(store, cut)
    assert capsys.readouterr().out == ""  # the reader's own warnings are not printed
    assert len(store.batches()) == 0


def test_an_xls_whose_sheet_is_damaged_fails_clearly(store, tmp_path):
    # The workbook's globals are whole; the records after the sheet's opening (BOF) record are not.
    content = bytearray(XLS.read_bytes())
    sheet_opens = content.find(b"\x09\x08\x10\x00\x00\x06\x10\x00")  # BIFF8 BOF of a worksheet
    assert sheet_opens > 0
    content[sheet_opens + 8 : sheet_opens + 72] = b"\xff" * 64
    damaged = tmp_path / "GEDEvent_v26_0_2.xls"
    damaged.write_bytes(content)
    with pytest.raises(InputFileError, match="a damaged Excel 97-2003 workbook: its sheet cannot be read"):
        bluehelmet.ingest(store, damaged, "ucdp-candidate")
    with pytest.raises(InputFileError, match="a damaged Excel 97-2003 workbook"):
        bluehelmet.ingest(store, damaged)
    assert len(store.batches()) == 0

"""Reading saved UCDP API pages: the same events as the GED CSV, through the same mapping."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.ucdp_api import read_ucdp_api_json
from bluehelmet.sources.ucdp_ged import read_ged_csv
from event_rows import canonical_rows
from ucdp_recordings import api_event, api_pages, dumps, sample_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
CANDIDATE_1 = "ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv"
API = "https://ucdpapi.pcr.uu.se"


def _jsonl(path, pages):
    path.write_text("".join(dumps(p) + "\n" for p in pages), encoding="utf-8")
    return path


def test_api_pages_read_exactly_like_the_csv(tmp_path, data):
    rows = sample_rows()
    path = _jsonl(tmp_path / "saved.jsonl", api_pages(rows, version="23.1", base_url=API, pagesize=400))
    result = read_ucdp_api_json(path)
    assert result.kind == "ucdp-api" and result.release == "23.1"  # release from the pages' URLs
    assert result.rows_in == 1000 and result.rejects.num_rows == 0
    from_api = result.arrow().drop_columns(["_row"]).sort_by("uid")
    from_csv = read_ged_csv(data(SAMPLE)).arrow().drop_columns(["_row"]).sort_by("uid")
    assert from_api.column_names == from_csv.column_names
    for column in from_csv.column_names:
        assert from_api.column(column).to_pylist() == from_csv.column(column).to_pylist(), column


def test_csv_then_api_of_the_same_release_changes_nothing(store, tmp_path, data):
    first = bluehelmet.ingest(store, data(SAMPLE))
    path = _jsonl(tmp_path / "ucdp-api-gedevents-v23.1.jsonl", api_pages(sample_rows(), version="23.1", base_url=API, pagesize=1000))
    again = bluehelmet.ingest(store, path)
    assert again.source_kind == "ucdp-api"
    assert (again.rows_in, again.stored, again.updated, again.unchanged) == (1000, 0, 0, 1000)
    assert store.count("events") == first.stored == 1000


def test_candidate_pages_are_candidate_events(store, tmp_path, data):
    raw = pd.read_csv(data(CANDIDATE_1), dtype=str, keep_default_na=False)
    rows = raw.to_dict("records")
    path = _jsonl(tmp_path / "pages.jsonl", api_pages(rows, version="26.0.1", base_url=API, pagesize=500))
    result = read_ucdp_api_json(path)
    assert result.release == "26.0.1"
    assert set(result.arrow().column("source").to_pylist()) == {"ucdp-candidate"}
    assert result.records.num_rows == len(raw) == 1727
    # Candidate CSV first, then the same release from the API: every event unchanged.
    bluehelmet.ingest(store, data(CANDIDATE_1))
    report = bluehelmet.ingest(store, path)
    assert report.unchanged == 1727 and report.updated == report.stored == 0


def test_single_page_and_event_array(tmp_path):
    rows = sample_rows()[:30]
    page = api_pages(rows, version="23.1", base_url=API, pagesize=30)[0]
    page["NextPageUrl"] = page["PreviousPageUrl"] = None
    one_page = tmp_path / "ged_v23_1_page.json"
    one_page.write_text(json.dumps(page), encoding="utf-8")
    result = read_ucdp_api_json(one_page)
    assert result.records.num_rows == 30 and result.release == "23.1"  # from the file name
    array = tmp_path / "events.json"
    array.write_text(json.dumps([api_event(r) for r in rows]), encoding="utf-8")
    assert read_ucdp_api_json(array, release="23.1").records.num_rows == 30


def test_bad_event_is_quarantined_with_its_record_number(store, tmp_path):
    rows = [dict(r) for r in sample_rows()[:50]]
    rows[41]["best"] = "-3"
    rows[7]["latitude"] = "95.5"
    path = _jsonl(tmp_path / "ucdp-api-gedevents-v23.1.jsonl", api_pages(rows, version="23.1", base_url=API, pagesize=20))
    report = bluehelmet.ingest(store, path)
    assert (report.rows_in, report.stored, report.rejected) == (50, 48, 2)
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[42, "reason"] == "best is negative"
    assert q.loc[8, "column_name"] == "latitude"


def test_detected_by_content(tmp_path):
    path = _jsonl(tmp_path / "anything.jsonl", api_pages(sample_rows()[:5], version="23.1", base_url=API, pagesize=5))
    assert detect_kind(path).name == "ucdp-api"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"], ids=["bom", "le-without-bom", "be-without-bom"])
def test_pages_saved_as_utf16_read_like_utf8(tmp_path, encoding):
    # Saved again by a Windows editor as "Unicode". Without --source the file was not recognised
    # ("cannot tell what kind of file this is": the detection looked for key names in the raw
    # bytes), and without a byte-order mark the reader said "not UTF-8 text".
    pages = api_pages(sample_rows()[:120], version="23.1", base_url=API, pagesize=50)
    text = "".join(dumps(p) + "\n" for p in pages)
    utf8 = tmp_path / "saved.jsonl"
    utf8.write_text(text, encoding="utf-8")
    utf16 = tmp_path / "saved_unicode.jsonl"
    utf16.write_text(text, encoding=encoding)
    assert detect_kind(utf16).name == "ucdp-api"
    with bluehelmet.open(tmp_path / "a.duckdb") as a, bluehelmet.open(tmp_path / "b.duckdb") as b:
        assert bluehelmet.ingest(a, utf8).stored == 120
        report = bluehelmet.ingest(b, utf16)
        assert (report.source_kind, report.release, report.stored, report.rejected) == ("ucdp-api", "23.1", 120, 0)
        assert canonical_rows(a) == canonical_rows(b)
    # One page, pretty-printed over many lines, is read whole.
    pretty = tmp_path / "ged_v23_1_page.json"
    pretty.write_text(json.dumps(pages[0], indent=2), encoding=encoding)
    assert read_ucdp_api_json(pretty).records.num_rows == 50
    # Cut in the middle of a character, the text cannot be decoded: it says so as UTF-16.
    cut = tmp_path / "saved_cut.jsonl"
    cut.write_bytes(utf16.read_bytes()[:10_001])
    with pytest.raises(InputFileError) as error:
        read_ucdp_api_json(cut)
    assert str(error.value) == (
        f"{cut}: UTF-16 text that does not decode (truncated data): it is damaged or cut short; "
        "save UCDP API JSON as UTF-8"
    )


def test_not_an_api_page_is_a_clear_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"data": [1, 2]}), encoding="utf-8")
    with pytest.raises(InputFileError, match="not a UCDP API page.*found data"):
        read_ucdp_api_json(path)
    broken = tmp_path / "y.jsonl"
    broken.write_text(dumps({"Result": []}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="row 2"):
        read_ucdp_api_json(broken)


def test_pages_with_different_keys_and_pretty_printed_files(store, tmp_path):
    # Pages are read one at a time; a later page without a key (and with one more) still lines up
    # by name, and row numbers run on across pages.
    rows = [dict(r) for r in sample_rows()[:45]]
    pages = api_pages(rows, version="23.1", base_url=API, pagesize=20)
    for event in pages[2]["Result"]:
        del event["source_office"]
        event["note_added_later"] = "x"
    pages[2]["Result"][1]["best"] = "-1"  # event 42
    path = _jsonl(tmp_path / "ucdp-api-gedevents-v23.1.jsonl", pages)
    report = bluehelmet.ingest(store, path)
    assert (report.rows_in, report.stored, report.rejected) == (45, 44, 1)
    assert store.quarantine(report.batch_id)["row_number"].tolist() == [42]
    native = store.sql("SELECT native FROM events WHERE uid = ?", [f"ucdp:{rows[44]['id']}"])["native"][0]
    assert json.loads(native)["note_added_later"] == "x" and json.loads(native).get("source_office") is None
    # The same first page, pretty-printed over many lines, is one page.
    pretty = tmp_path / "ged_v23_1_page.json"
    pretty.write_text(json.dumps(pages[0], indent=2), encoding="utf-8")
    assert read_ucdp_api_json(pretty).records.num_rows == 20

"""Text the CSV parser cannot take as it is: a row it cannot split (quarantined, the rest stored),
text in an encoding it does not read (re-encoded), and bytes that are not text (refused, naming
where). Each case is a real bundled file spoiled in one place."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import openpyxl
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources.ucdp_ged import read_ged_csv
from csv_rows import csv_text, read_rows
from event_rows import canonical_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
CANDIDATE_CSV = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"


def _sample_lines(data, n: int) -> list[str]:
    """The header and first ``n`` rows of the GED sample, as the file's own lines."""
    header, rows = read_rows(data(SAMPLE), n)
    return csv_text(header, rows).splitlines(keepends=True)


def _ids(store) -> list[str]:
    return sorted(store.events()["source_id"])


def test_a_quote_that_never_closes_quarantines_its_row_only(store, data, tmp_path):
    lines = _sample_lines(data, 20)
    header, rows = read_rows(data(SAMPLE), 20)
    # Row 3 of the file (the second event): its second field opens a quote that never closes.
    first, rest = lines[2].split(",", 1)
    lines[2] = f'{first},"{rest}'
    path = tmp_path / "ged231.csv"
    path.write_text("".join(lines), encoding="utf-8")

    report = bluehelmet.ingest(store, path, "ucdp-ged")

    assert (report.rows_in, report.stored, report.rejected) == (20, 19, 1)
    assert _ids(store) == sorted(r[0] for i, r in enumerate(rows) if i != 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [3]
    assert q["column_name"].tolist() == ["relid"]
    assert q["reason"][0].startswith("a quote in the row is not closed where its field ends")
    assert q["value"][0].startswith(f'{rows[1][0]},"{rows[1][1]}')


def test_a_row_past_the_line_limit_is_quarantined_not_the_file(store, data, tmp_path):
    header, rows = read_rows(data(SAMPLE), 10)
    rows[0][header.index("source_article")] = "x" * 3_000_000
    path = tmp_path / "ged231.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")

    report = bluehelmet.ingest(store, path, "ucdp-ged")

    assert (report.rows_in, report.stored, report.rejected) == (10, 9, 1)
    assert _ids(store) == sorted(r[0] for r in rows[1:])
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [2]
    assert q["reason"][0].startswith("the row is longer than the 2,000,000 bytes a row may hold")
    assert q["value"][0].startswith(",".join(rows[0][:3]))


def test_big_endian_utf16_reads_as_its_utf8(data, tmp_path):
    text = "".join(_sample_lines(data, 50))
    utf8, utf16 = tmp_path / "ged231.csv", tmp_path / "ged231_unicode.csv"
    utf8.write_text(text, encoding="utf-8")
    utf16.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    with bluehelmet.open(tmp_path / "a.duckdb") as a, bluehelmet.open(tmp_path / "b.duckdb") as b:
        assert bluehelmet.ingest(a, utf8).stored == 50
        report = bluehelmet.ingest(b, utf16)  # the kind is found from the decoded header
        assert (report.source_kind, report.stored, report.rejected) == ("ucdp-ged", 50, 0)
        assert canonical_rows(a) == canonical_rows(b)


def test_a_nul_byte_deep_in_the_file_refuses_it_naming_the_line(store, data, tmp_path):
    lines = _sample_lines(data, 400)
    assert sum(len(line.encode()) for line in lines[:300]) > 65536  # beyond the sniffed head
    lines[300] = lines[300][:1] + "\x00\x00" + lines[300][1:]
    path = tmp_path / "ged231.csv"
    path.write_text("".join(lines), encoding="utf-8")
    offset = sum(len(line.encode()) for line in lines[:300]) + 1

    with pytest.raises(InputFileError, match=rf"a NUL byte at line 301 \(byte {offset:,}\): the file is damaged"):
        bluehelmet.ingest(store, path, "ucdp-ged")
    with pytest.raises(InputFileError, match="line 301"):
        bluehelmet.ingest(store, path)  # the kind is found from the header, then the read stops
    assert len(store.batches()) == 0


def _with_nul_past_the_first_megabyte(text: str, delimiter: bytes = b",") -> tuple[bytes, int, int]:
    """``text`` as UTF-8 with a NUL byte inside the second field of the first line past its first
    megabyte (beyond what is sniffed); returns the bytes, the NUL's offset and its line."""
    raw = text.encode("utf-8")
    line_start = raw.index(b"\n", 1 << 20) + 1
    offset = raw.index(delimiter, line_start) + 2  # after the field's first character
    return raw[:offset] + b"\x00" + raw[offset:], offset, raw[:offset].count(b"\n") + 1


def test_a_nul_byte_deep_in_a_gzip_file_refuses_it_naming_the_line(cli, store, data, tmp_path):
    # The NUL used to be stored inside the event's relid (in native), without a word: a gzip
    # file was not searched past the head the kind is told from.
    header, rows = read_rows(data(SAMPLE))
    copies = [[str(10_000_000 + int(row[0])), *row[1:]] for row in rows]  # the sample again, new ids
    raw, offset, line = _with_nul_past_the_first_megabyte(csv_text(header, rows + copies))
    path = tmp_path / "ged231.csv.gz"
    path.write_bytes(gzip.compress(raw))
    expected = (
        f"{path}: a NUL byte at line {line:,} (byte {offset:,} of the decompressed text): the file is damaged "
        "or partly binary; repair or export it again (nothing was stored)"
    )

    result = cli("--db", tmp_path / "cli.duckdb", "ingest", path, "--source", "ucdp-ged")
    assert (result.exit_code, " ".join(result.stderr.split())) == (2, f"error: {expected}")
    for kind in ("ucdp-ged", None):  # the kind given, or found from the header
        with pytest.raises(InputFileError) as error:
            bluehelmet.ingest(store, path, kind)
        assert str(error.value) == expected
    with pytest.raises(InputFileError, match=f"line {line:,}"):
        read_ged_csv(path)  # the reader's own pass, outside the store
    assert store.count("events") == 0 and len(store.batches()) == 0
    with bluehelmet.open(tmp_path / "cli.duckdb") as cli_store:
        assert cli_store.count("events") == 0 and len(cli_store.batches()) == 0


def test_a_nul_byte_deep_in_a_gzip_incident_sheet_refuses_it(store, tmp_path):
    # The incident reader loads its sheet as a table before mapping it (GED streams its rows).
    fixtures = Path(__file__).parent / "fixtures" / "incidents"
    head, *lines = (fixtures / "mopti_jmac.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    # The log's rows over and over past a megabyte, each with an incident number of its own.
    repeated = [f"MOP-{n:06d};" + lines[n % len(lines)].split(";", 1)[1] for n in range(8000)]
    raw, offset, line = _with_nul_past_the_first_megabyte(head + "".join(repeated), b";")
    path = tmp_path / "mopti_jmac.csv.gz"
    path.write_bytes(gzip.compress(raw))

    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, path, "incidents", column_map=fixtures / "mopti_jmac.yaml")
    assert str(error.value).startswith(f"{path}: a NUL byte at line {line:,} (byte {offset:,} of the decompressed text)")
    assert store.count("events") == 0 and len(store.batches()) == 0


def test_binary_bytes_are_refused_without_being_echoed(store, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(bytes(range(1, 256)) * 100)  # no NUL, but control bytes throughout
    with pytest.raises(InputFileError) as raised:
        bluehelmet.ingest(store, path)
    assert str(raised.value) == f"{path}: binary data, not delimited text: give a CSV, TSV or .xlsx file"


def test_a_file_holding_only_a_byte_order_mark_is_empty(store, tmp_path):
    path = tmp_path / "ged231.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(InputFileError, match="the file is empty"):
        bluehelmet.ingest(store, path)
    with pytest.raises(InputFileError, match="the file is empty"):
        bluehelmet.ingest(store, path, "ucdp-ged")


def _candidate_workbook(data, path, n: int, edit=None):
    header, rows = read_rows(data(CANDIDATE_CSV), n)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if edit:
        edit(book, header)
    book.save(path)
    return header, rows


def test_a_stray_cell_far_right_and_line_breaks_in_the_header(store, data, tmp_path):
    def edit(book, header):
        sheet = book.active
        sheet.cell(row=1, column=header.index("where_description") + 1).value = "where\ndescription"
        sheet.cell(row=1, column=16000).value = "checked"  # a label typed far to the right
        sheet.cell(row=3, column=16000).value = "yes"
        sheet.cell(row=4, column=len(header) + 3).value = "see annex"  # a note in a column without a name

    path = tmp_path / "GEDEvent_v26_0_2.xlsx"
    header, rows = _candidate_workbook(data, path, 12, edit)

    report = bluehelmet.ingest(store, path)

    assert (report.source_kind, report.rows_in, report.stored, report.rejected) == ("ucdp-candidate", 12, 12, 0)
    native = store.events().set_index("source_id")["native"].map(json.loads)
    first = native[rows[0][0]]
    assert first["where description"] == rows[0][header.index("where_description")]
    # Only the columns holding something are kept: the header's, the note's and the far label's
    # (native holds the columns bluehelmet does not map, blank cells as null).
    extra = set(first) - set(header)
    assert len(extra) == 3 and {"where description", "checked"} < extra
    assert native[rows[1][0]]["checked"] == "yes" and first["checked"] is None
    (unnamed,) = extra - {"where description", "checked"}
    assert native[rows[2][0]][unnamed] == "see annex" and first[unnamed] is None


def test_an_empty_first_sheet_names_the_sheets_after_it(store, data, tmp_path):
    def edit(book, header):
        book.active.title = "Data"
        book.create_sheet("Notes", 0)

    path = tmp_path / "GEDEvent_v26_0_2.xlsx"
    _candidate_workbook(data, path, 3, edit)
    expected = (
        f"{path}: the sheet 'Notes' is empty: its first row should name the columns; only the first sheet is "
        "read, and the workbook also has 'Data': move the table to the first sheet or save its sheet as CSV"
    )
    # The same words whether the kind is being detected, or given to a table reader or to the
    # incident reader, which reads workbooks cell by cell (each had its own).
    for kind in (None, "ucdp-candidate", "incidents"):
        with pytest.raises(InputFileError) as error:
            bluehelmet.ingest(store, path, kind)
        assert str(error.value) == expected
    assert store.count("events") == 0


def test_incident_json_saved_as_utf16_loads_and_an_empty_one_says_so(store, tmp_path):
    fixtures = Path(__file__).parent / "fixtures" / "incidents"
    column_map = fixtures / "gao_incidents.toml"
    text = (fixtures / "gao_incidents.json").read_text(encoding="utf-8")
    utf16 = tmp_path / "gao_incidents_unicode.json"
    utf16.write_text(text, encoding="utf-16")  # what Notepad's "Unicode" saves

    report = bluehelmet.ingest(store, utf16, "incidents", column_map=column_map)

    assert (report.rows_in, report.stored, report.rejected) == (len(json.loads(text)), len(json.loads(text)), 0)
    # Without a byte-order mark (some Windows tools write none), told by the NULs between letters.
    no_mark = tmp_path / "gao_incidents_le.json"
    no_mark.write_bytes(text.encode("utf-16-le"))
    with bluehelmet.open(tmp_path / "le.duckdb") as other:
        again = bluehelmet.ingest(other, no_mark, "incidents", column_map=column_map)
        assert (again.stored, again.rejected) == (report.stored, 0)
        assert canonical_rows(other) == canonical_rows(store)
    empty = tmp_path / "gao_none.json"
    empty.write_text("[]", encoding="utf-8")
    with pytest.raises(InputFileError, match="the JSON holds no incidents: its array of incidents is empty"):
        bluehelmet.ingest(store, empty, "incidents", column_map=column_map)
    assert len(store.batches()) == 1

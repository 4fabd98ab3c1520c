"""UCDP GED and Candidate CSV readers on the bundled real files and on bad input."""

from __future__ import annotations

import gzip
import importlib

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError, MissingColumnsError
from bluehelmet.sources.ucdp_ged import read_ged_csv, release_from_filename
from csv_rows import csv_text, read_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
CANDIDATE_1 = "ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv"
CANDIDATE_2 = "ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv"
PRECISE = "ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"
# The module, not the function of the same name that the package exports.
ingest_module = importlib.import_module("bluehelmet.ingest")


def test_read_sample_matches_pandas(data):
    path = data(SAMPLE)
    result = read_ged_csv(path)
    raw = pd.read_csv(path)
    assert result.release == "23.1"
    assert result.kind == "ucdp-ged"
    assert result.records.num_rows == len(raw) == 1000
    assert result.rejects.num_rows == 0
    events = result.arrow().to_pandas().set_index("source_id")
    raw = raw.set_index(raw["id"].astype(str))
    # Deaths, sides and dates agree row by row with an independent read.
    assert (events.loc[raw.index, "deaths_best"].to_numpy() == raw["best"].to_numpy()).all()
    assert (events.loc[raw.index, "side_b"].to_numpy() == raw["side_b"].to_numpy()).all()
    assert events.loc["300380", "date_start"].isoformat() == "2013-01-03"
    # Violence types map to the common categories, counts preserved.
    counts = events["violence_category"].value_counts().to_dict()
    expected = raw["type_of_violence"].map({1: "state_based", 2: "non_state", 3: "one_sided"}).value_counts().to_dict()
    assert counts == expected


def test_sample_country_codes_and_priogrid(data):
    events = read_ged_csv(data(SAMPLE)).arrow().to_pandas()
    raw = pd.read_csv(data(SAMPLE))
    assert events["country_iso3"].notna().all(), events.loc[events["country_iso3"].isna(), "country"].unique()
    mali = events[events["country"] == "Mali"]
    assert len(mali) == 7 and set(mali["country_iso3"]) == {"MLI"}
    # The computed PRIO-GRID cell equals UCDP's own where UCDP gives one.
    joined = events.set_index("source_id")["priogrid_gid"].loc[raw["id"].astype(str)].to_numpy()
    assert (joined == raw["priogrid_gid"].to_numpy()).all()


def test_release_from_filename():
    from pathlib import Path

    assert release_from_filename(Path("GEDEvent_v26_0_2.csv")) == "26.0.2"
    assert release_from_filename(Path("ged211_precise_1989_2018.csv.gz")) == "21.1"
    assert release_from_filename(Path("ucdpged_sample1000_v23_1.csv")) == "23.1"
    assert release_from_filename(Path("ged251.csv")) == "25.1"


def test_reduced_variant_reads_all_rows(data):
    result = read_ged_csv(data(PRECISE))
    with gzip.open(data(PRECISE), "rt", encoding="utf-8") as handle:
        raw = pd.read_csv(handle)
    assert result.records.num_rows == len(raw) == 159_194
    events = result.arrow().to_pandas()
    one_sided = raw["type_of_violence"].eq("One-sided violence")
    assert (events["violence_category"] == "one_sided").sum() == one_sided.sum()
    assert events["deaths_best"].sum() == raw["best_death"].sum()
    # Every country name of the variant maps to ISO3, hyphens and commas included.
    assert events["country_iso3"].notna().all()
    assert set(events.loc[events["country"] == "Bosnia-Herzegovina", "country_iso3"]) == {"BIH"}
    # Civilians killed = best estimate of one-sided events in the reduced variant.
    assert events["deaths_civilians"].sum() == raw.loc[one_sided, "best_death"].sum()


def test_candidate_revisions_are_updates_with_history(store, data):
    first = bluehelmet.ingest(store, data(CANDIDATE_1))
    second = bluehelmet.ingest(store, data(CANDIDATE_2))
    assert first.source_kind == second.source_kind == "ucdp-candidate"
    ids_1 = set(pd.read_csv(data(CANDIDATE_1))["id"])
    ids_2 = set(pd.read_csv(data(CANDIDATE_2))["id"])
    shared = ids_1 & ids_2
    assert len(shared) == 11
    assert second.updated == 11 and second.stored == 1298 - 11
    assert store.count("events") == len(ids_1 | ids_2)
    uid = f"ucdp:{sorted(shared)[0]}"
    history = store.event_history(uid)
    assert list(history["release"]) == ["26.0.1", "26.0.2"]


def test_same_file_twice_changes_nothing(store, data):
    first = bluehelmet.ingest(store, data(SAMPLE))
    before = store.sql("SELECT * FROM events ORDER BY uid")
    again = bluehelmet.ingest(store, data(SAMPLE))
    assert again.already_ingested and again.stored == again.updated == 0
    assert again.unchanged == first.rows_in
    assert len(store.batches()) == 1
    pd.testing.assert_frame_equal(before, store.sql("SELECT * FROM events ORDER BY uid"))


def test_same_bytes_under_another_name_are_recognised_before_reading(store, data, tmp_path, monkeypatch):
    # A file of the size of an ingested one is hashed first, so a copy is never read.
    first = bluehelmet.ingest(store, data(SAMPLE))
    assert store.batches()["file_bytes"].tolist() == [data(SAMPLE).stat().st_size]
    copy = tmp_path / "renamed_ged231.csv"
    copy.write_bytes(data(SAMPLE).read_bytes())

    def read_the_file(*args):
        raise AssertionError("the copy was read")

    monkeypatch.setattr(ingest_module, "_read_and_write", read_the_file)
    again = bluehelmet.ingest(store, copy, "ucdp-ged")
    assert again.already_ingested and again.file == str(copy)
    assert again.stored == again.updated == 0 and again.unchanged == first.rows_in
    assert len(store.batches()) == 1


def test_same_bytes_recognised_after_reading_when_earlier_sizes_are_unknown(store, data, tmp_path):
    # Batches of a store made before sizes were recorded: the hash, taken during the read,
    # still finds the copy, and the read is undone.
    first = bluehelmet.ingest(store, data(SAMPLE))
    store.con.execute("UPDATE ingest_batches SET file_bytes = NULL")
    copy = tmp_path / "renamed_ged231.csv"
    copy.write_bytes(data(SAMPLE).read_bytes())
    again = bluehelmet.ingest(store, copy, "ucdp-ged")
    assert again.already_ingested and again.unchanged == first.rows_in
    assert len(store.batches()) == 1 and store.count("events") == 1000


def test_older_release_does_not_overwrite_newer(store, data):
    bluehelmet.ingest(store, data(SAMPLE))
    report = bluehelmet.ingest(store, data(PRECISE))
    overlap = store.sql("SELECT count(*) AS n FROM events WHERE release = '23.1'")["n"][0]
    assert overlap == 1000
    assert report.updated == 0
    assert report.rows_in == report.stored + report.updated + report.unchanged + report.rejected


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _sample_lines(data, n=5):
    return read_rows(data(SAMPLE), n)


def test_bad_rows_go_to_quarantine_with_reasons(store, data, tmp_path):
    header, rows = _sample_lines(data, 8)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["date_start"]] = "2013-02-30 00:00:00.000"  # impossible date
    rows[2][col["latitude"]], rows[2][col["longitude"]] = "181.2", "12.5"  # swapped
    rows[3][col["best"]] = "-4"  # negative deaths
    rows[4][col["id"]] = rows[0][col["id"]]  # duplicate id in file
    rows[5][col["longitude"]] = "200.5"  # out of range
    path = _write(tmp_path, "ged231_bad.csv", csv_text(header, rows))
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert report.rows_in == 8
    assert report.stored == 3 and report.rejected == 5
    quarantine = store.quarantine(report.batch_id).set_index("row_number")
    assert quarantine.loc[3, "reason"] == "unparsable or impossible date"
    assert quarantine.loc[3, "value"].startswith("2013-02-30")
    assert quarantine.loc[4, "reason"] == "latitude and longitude look swapped"
    assert quarantine.loc[5, "column_name"] == "best" and quarantine.loc[5, "reason"] == "best is negative"
    assert "duplicate id" in quarantine.loc[6, "reason"]
    assert quarantine.loc[7, "reason"] == "longitude out of range -180 to 180"
    # Of the two rows with one id, the first is kept, with its own content.
    kept = store.sql("SELECT side_a, deaths_best, latitude FROM events WHERE uid = ?", [f"ucdp:{rows[0][col['id']]}"])
    assert kept.to_dict("records") == [
        {"side_a": rows[0][col["side_a"]], "deaths_best": int(rows[0][col["best"]]), "latitude": float(rows[0][col["latitude"]])}
    ]
    assert store.count("events") == 3


def test_an_empty_best_is_quarantined_not_stored_as_unknown_deaths(store, data, tmp_path):
    # Every row of the bundled GED and Candidate files has its best estimate (checked on all
    # four: 1000 + 159,194 + 1727 + 1298 rows, none empty), so an empty one is a damaged row.
    header, rows = _sample_lines(data, 4)
    rows[2][header.index("best")] = ""  # row 4: 401115, best 10 in UCDP's file
    rows[3][header.index("low")] = ""  # low may be empty: an unknown low estimate
    path = _write(tmp_path, "ged231_no_best.csv", csv_text(header, rows))
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.rows_in, report.stored, report.rejected) == (4, 3, 1)
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "reason"]].values.tolist() == [[4, "best", "best is empty"]]
    assert pd.isna(q["value"][0])
    assert store.sql("SELECT deaths_low FROM events WHERE uid = 'ucdp:212545'")["deaths_low"].isna().all()
    # The reader that spills to Parquet (the library's read_ged_csv) rejects the same row.
    result = read_ged_csv(path)
    assert result.rejects.column("row_number").to_pylist() == [4]
    assert result.rejects.column("reason").to_pylist() == ["best is empty"]


@pytest.mark.parametrize("relative, name, kind", [
    (SAMPLE, "ged231_ids.csv", "ucdp-ged"),
    (CANDIDATE_2, "GEDEvent_v26_0_2_ids.csv", "ucdp-candidate"),
])
def test_ids_that_are_not_whole_numbers_are_quarantined(store, data, tmp_path, relative, name, kind):
    header, rows = read_rows(data(relative), 6)
    col = header.index("id")
    kept_as_float = rows[4][col]
    rows[1][col], rows[2][col], rows[3][col] = "abc", "1e308", "12.5"
    # A tool that held the ids as floats wrote 448810.0: the same event, stored under its id.
    rows[4][col] = kept_as_float + ".0"
    report = bluehelmet.ingest(store, _write(tmp_path, name, csv_text(header, rows)), kind)
    assert (report.rows_in, report.stored, report.rejected) == (6, 3, 3)
    q = store.quarantine(report.batch_id)
    reason = "id is not a whole number (UCDP event ids are whole numbers)"
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "id", "abc", reason], [4, "id", "1e308", reason], [5, "id", "12.5", reason],
    ]
    stored = store.sql("SELECT uid, source_id FROM events WHERE uid = ?", [f"ucdp:{kept_as_float}"])
    assert stored["source_id"].tolist() == [kept_as_float]


def test_quarantine_shows_counts_and_dates_as_the_file_wrote_them(store, data, tmp_path):
    header, rows = _sample_lines(data, 5)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["best"]] = "-5"  # not -5.0
    rows[1][col["deaths_civilians"]] = "2.50"  # not 2.5
    rows[2][col["date_start"]] = "1899-12-31 00:00:00.000"  # not 1899-12-31
    rows[3][col["date_end"]] = "2015-04-18 00:00:00.000"  # before its date_start 2015-04-19
    report = bluehelmet.ingest(store, _write(tmp_path, "ged231_as_written.csv", csv_text(header, rows)), "ucdp-ged")
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [2, "best", "-5", "best is negative"],
        [3, "deaths_civilians", "2.50", "deaths_civilians is not a whole number"],
        [4, "date_start", "1899-12-31 00:00:00.000", "date outside 1946 to today"],
        [5, "date_end", "2015-04-18 00:00:00.000", "date_end is before date_start"],
    ]


def test_row_numbers_after_a_row_the_parser_skipped(store, data, tmp_path):
    # Row 3 cannot be split; row 5 has an impossible date: its number must still be 5.
    header, rows = _sample_lines(data, 5)
    rows[3][header.index("date_start")] = "2013-13-01 00:00:00.000"
    lines = csv_text(header, rows).splitlines()
    lines[2] = ",".join(lines[2].split(",")[:10])
    path = _write(tmp_path, "ged231_skip.csv", "\n".join(lines) + "\n")
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.rows_in, report.stored, report.rejected) == (5, 3, 2)
    quarantine = store.quarantine(report.batch_id)
    assert quarantine["row_number"].tolist() == [3, 5]
    assert quarantine["reason"].tolist()[1] == "unparsable or impossible date"


def test_truncated_row_rejected_others_stored(store, data, tmp_path):
    header, rows = _sample_lines(data, 3)
    text = csv_text(header, rows)
    lines = text.splitlines()
    lines[2] = ",".join(lines[2].split(",")[:10])  # row 3 loses its last columns
    path = _write(tmp_path, "ged231_trunc.csv", "\n".join(lines) + "\n")
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.stored, report.rejected) == (2, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [3]
    assert "cannot be split" in q["reason"][0]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8-sig"])
def test_latin1_and_bom_files(store, data, tmp_path, encoding):
    header, rows = _sample_lines(data, 3)
    rows[0][header.index("side_b")] = "Forces armées maliennes"
    path = _write(tmp_path, "ged231_enc.csv", csv_text(header, rows), encoding=encoding)
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert report.stored == 3
    names = set(store.events()["side_b"])
    assert "Forces armées maliennes" in names


def test_semicolon_delimiter(store, data, tmp_path):
    header, rows = _sample_lines(data, 4)
    path = _write(tmp_path, "ged231_semi.csv", csv_text(header, rows, delimiter=";"))
    assert bluehelmet.ingest(store, path, "ucdp-ged").stored == 4


def test_missing_columns_named(store, tmp_path):
    path = _write(tmp_path, "ged231_cols.csv", "id,side_a,latitude\n1,x,2\n")
    with pytest.raises(MissingColumnsError) as info:
        bluehelmet.ingest(store, path, "ucdp-ged")
    message = str(info.value)
    assert "type_of_violence" in message and "best" in message and "found 3 column(s): id, side_a, latitude" in message
    assert store.count("events") == 0 and len(store.batches()) == 0


def test_empty_file(store, tmp_path):
    path = _write(tmp_path, "ged231_empty.csv", "")
    with pytest.raises(InputFileError, match="empty"):
        bluehelmet.ingest(store, path, "ucdp-ged")


def test_wrong_kind_for_reader(store, data):
    with pytest.raises(MissingColumnsError, match="not a ucdp-ged file"):
        bluehelmet.ingest(store, data("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"), "ucdp-ged")


def test_missing_file_is_a_clear_error_also_at_a_path_ingested_before(store, data, tmp_path):
    path = tmp_path / "ged231_moved.csv"
    path.write_bytes(data(SAMPLE).read_bytes())
    bluehelmet.ingest(store, path)
    path.unlink()
    with pytest.raises(InputFileError, match="no such file"):
        bluehelmet.ingest(store, path, "ucdp-ged")
    with pytest.raises(InputFileError, match="no such file"):
        bluehelmet.ingest(store, tmp_path / "never_there.csv", "ucdp-ged")
    folder = tmp_path / "downloads"
    folder.mkdir()
    with pytest.raises(InputFileError, match="a folder, not a file, and an empty one"):
        bluehelmet.ingest(store, folder)
    (folder / "ged231.csv").write_bytes(data(SAMPLE).read_bytes())
    with pytest.raises(InputFileError, match=r"a folder, not a file: give the files in it, such as .*downloads/ged231.csv"):
        bluehelmet.ingest(store, folder)


def test_a_store_table_named_like_the_parser_rejects_is_left_alone(store, data, tmp_path):
    # The streamed ingest reads the CSV parser's temporary reject tables on the store's own
    # connection; a table of the store with the same name must neither be read nor dropped.
    store.con.execute("CREATE TABLE csv_rejects (note VARCHAR)")
    store.con.execute("INSERT INTO csv_rejects VALUES ('kept')")
    header, rows = _sample_lines(data, 3)
    lines = csv_text(header, rows).splitlines()
    lines[2] = ",".join(lines[2].split(",")[:10])
    path = _write(tmp_path, "ged231_trunc2.csv", "\n".join(lines) + "\n")
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.stored, report.rejected) == (2, 1)
    assert store.quarantine(report.batch_id)["row_number"].tolist() == [3]
    assert store.sql("SELECT note FROM main.csv_rejects")["note"].tolist() == ["kept"]


def test_utf16_tab_separated_export(store, data, tmp_path):
    # Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab-separated.
    header, rows = _sample_lines(data, 5)
    rows[0][header.index("side_b")] = "Forces armées maliennes"
    path = _write(tmp_path, "ged231_unicode.txt", csv_text(header, rows, delimiter="\t"), encoding="utf-16")
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.stored, report.rejected) == (5, 0)
    assert "Forces armées maliennes" in set(store.events()["side_b"])


def test_a_stray_latin1_byte_quarantines_its_row_only(store, data, tmp_path):
    # A UTF-8 file with one row pasted in from a Windows export: read as UTF-8, that row rejected.
    header, rows = read_rows(data(SAMPLE))
    relid = header.index("relid")
    victim = next(i for i, r in enumerate(rows) if r[relid].startswith("SYR-"))
    lines = csv_text(header, rows).encode("utf-8").split(b"\n")
    # No row before it spans lines, so record k is line k (0-based, after the header).
    line = victim + 1
    assert lines[line].startswith(rows[victim][0].encode() + b",")
    lines[line] = lines[line].replace(b"SYR-", b"SYR\xe9-", 1)
    path = tmp_path / "ged231_mixed.csv"
    path.write_bytes(b"\n".join(lines))
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.rows_in, report.stored, report.rejected) == (1000, 999, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [victim + 2]  # as a spreadsheet numbers rows: header = 1
    assert "not valid UTF-8" in q["reason"][0] and q["raw"][0].startswith(rows[victim][0] + ",")
    # The stray byte itself is kept, as an escape, in the field that holds it and in the line.
    assert q["column_name"][0] == "relid"
    assert q["value"][0] == rows[victim][relid].replace("SYR-", "SYR\\xe9-", 1)
    assert "SYR\\xe9-" in q["raw"][0]
    # The other rows keep their accents (read as Latin-1, 'é' would become 'Ã©').
    assert "Bas-Uélé province" in set(store.events()["admin1_name"])


def test_a_stray_byte_inside_a_multiline_field_is_kept_with_its_whole_record(store, data, tmp_path):
    # The byte sits on the second line of a quoted source_article, after every other record that
    # span lines, in a gzip file: the record is read back whole from where the parser found it.
    header, rows = read_rows(data(SAMPLE))
    article = header.index("source_article")
    spanning = [i for i, r in enumerate(rows) if "\n" in r[article]]
    victim = spanning[-1]
    original = rows[victim][article]
    rows[victim][article] = original.replace("\n", "\n<stray>", 1)
    text = csv_text(header, rows).encode("utf-8")
    assert text.count(b"<stray>") == 1
    path = tmp_path / "ged231_mixed.csv.gz"
    path.write_bytes(gzip.compress(text.replace(b"<stray>", b"\xe9")))  # a Latin-1 'é'
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.rows_in, report.stored, report.rejected) == (1000, 999, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [victim + 2]
    escaped = original.replace("\n", "\n\\xe9", 1)
    assert (q["column_name"][0], q["value"][0]) == ("source_article", escaped)
    spoiled_row = rows[victim][:article] + [escaped] + rows[victim][article + 1 :]
    assert q["raw"][0] == csv_text(header, [spoiled_row]).split("\n", 1)[1].removesuffix("\n")


def test_an_empty_coordinate_is_quarantined_not_stored_unplaced(store, data, tmp_path):
    # No row of the bundled GED and Candidate releases lacks a coordinate (checked on all four
    # files, 163,219 rows): an empty one is a damaged row.
    header, rows = _sample_lines(data, 5)
    rows[1][header.index("latitude")] = ""
    rows[3][header.index("longitude")] = " "
    path = _write(tmp_path, "ged231_unplaced.csv", csv_text(header, rows))
    report = bluehelmet.ingest(store, path, "ucdp-ged")
    assert (report.rows_in, report.stored, report.rejected) == (5, 3, 2)
    q = store.quarantine(report.batch_id).sort_values("row_number")
    assert q[["row_number", "column_name", "reason"]].values.tolist() == [
        [3, "latitude", "latitude is empty"], [5, "longitude", "longitude is empty"],
    ]
    assert store.sql("SELECT count(*) AS n FROM events WHERE latitude IS NULL OR longitude IS NULL")["n"][0] == 0

"""UCDP/PRIO Armed Conflict Dataset: the clean v23.1 CSV and the spreadsheet-mangled v25.1."""

from __future__ import annotations

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.sources import detect_kind
from bluehelmet.sources.ucdp_acd import read_acd_csv

ACD_231 = "ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"
ACD_251 = "ucdp_prio_acd_251/UcdpPrioConflict_v25_1_semicolon_resaved.csv"


@pytest.fixture(scope="module")
def raw_231():
    from bluehelmet.data import bundled

    return pd.read_csv(bundled(ACD_231), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def raw_251():
    from bluehelmet.data import bundled

    return pd.read_csv(bundled(ACD_251), sep=";", dtype=str, keep_default_na=False)


def _uids(frame: pd.DataFrame) -> set[str]:
    return set(frame["conflict_id"] + ":" + frame["year"])


def test_v231_every_row_read(data, raw_231):
    result = read_acd_csv(data(ACD_231))
    assert (result.kind, result.table, result.release) == ("ucdp-acd", "conflicts", "23.1")
    assert result.rejects.num_rows == 0
    assert result.records.num_rows == len(raw_231) == 2626
    records = result.records.to_pandas().set_index("uid")
    assert set(records.index) == _uids(raw_231)
    raw = raw_231.set_index(raw_231["conflict_id"] + ":" + raw_231["year"])
    # ISO dates, empty where the file is empty.
    expected = pd.to_datetime(raw["start_date2"]).dt.date
    assert (records.loc[raw.index, "start_date2"].to_numpy() == expected.to_numpy()).all()
    ended = raw["ep_end_date"] != ""
    assert records.loc[raw.index[~ended], "ep_end_date"].isna().all()
    assert (records.loc[raw.index[ended], "ep_end_date"].to_numpy() == pd.to_datetime(raw.loc[ended, "ep_end_date"]).dt.date.to_numpy()).all()
    assert (records.loc[raw.index, "intensity_level"].to_numpy() == raw["intensity_level"].astype(int).to_numpy()).all()
    assert (records.loc[raw.index, "side_b"].to_numpy() == raw["side_b"].to_numpy()).all()


def test_v251_reads_all_but_the_broken_row(data, raw_251):
    result = read_acd_csv(data(ACD_251))
    assert result.release == "25.1"
    good = raw_251[(raw_251["conflict_id"] != "") & (raw_251["year"].str.fullmatch(r"\d{4}"))]
    assert len(raw_251) == 2752 and len(good) == 2750
    assert result.rows_in == 2752
    assert result.records.num_rows == len(good)
    records = result.records.to_pandas().set_index("uid")
    assert set(records.index) == _uids(good)
    # d-m-yyyy dates read as the same days pandas reads with that format.
    raw = good.set_index(good["conflict_id"] + ":" + good["year"])
    for column in ("start_date", "start_date2"):
        expected = pd.to_datetime(raw[column], format="%d-%m-%Y").dt.date
        assert (records.loc[raw.index, column].to_numpy() == expected.to_numpy()).all(), column
    assert records.loc["11342:2012", "start_date"].isoformat() == "1997-05-29"


def test_truncated_row_is_rejected_with_its_row_number(store, data):
    report = bluehelmet.ingest(store, data(ACD_251))
    assert (report.rows_in, report.stored, report.rejected) == (2752, 2750, 2)
    q = store.quarantine(report.batch_id).set_index("row_number")
    # Line 42 of the file (conflict 11349, China/ETIM) stops after territory_name.
    assert q.loc[42, "column_name"] == "year"
    assert "truncated after territory_name" in q.loc[42, "reason"] and "year" in q.loc[42, "reason"]
    assert "11349" in q.loc[42, "value"] and "East Turkestan" in q.loc[42, "value"]
    assert '"conflict_id": "11349"' in q.loc[42, "raw"] or '"conflict_id":"11349"' in q.loc[42, "raw"]
    # Line 43 holds the rest of that row, shifted left, without a conflict id: its "location"
    # is the year 2008, and its dates are those of the China/ETIM episode.
    assert q.loc[43, "column_name"] == "conflict_id"
    assert q.loc[43, "reason"].startswith("no conflict_id: the rest of the row above")
    assert q.loc[43, "value"].startswith("2008 | ")
    assert "10-8-2008" in q.loc[43, "raw"]
    assert store.count("conflicts") == 2750


def test_mali_conflict_years_2022_2024(store, data, raw_251):
    bluehelmet.ingest(store, data(ACD_251))
    mali = raw_251[(raw_251["location"] == "Mali") & raw_251["year"].isin(["2022", "2023", "2024"])]
    expected = set(zip(mali["year"].astype(int), mali["side_b"]))
    assert {"JNIM", "IS", "FLA"} <= {side for _, side in expected}
    stored = store.sql(
        "SELECT year, side_b, side_a, release FROM conflicts WHERE location = 'Mali' AND year BETWEEN 2022 AND 2024"
    )
    assert set(zip(stored["year"], stored["side_b"])) == expected
    assert set(stored["side_a"]) == {"Government of Mali"} and set(stored["release"]) == {"25.1"}
    fla = store.sql("SELECT start_date2 FROM conflicts WHERE side_b = 'FLA' AND year = 2023")
    row = mali[(mali["side_b"] == "FLA") & (mali["year"] == "2023")]
    assert pd.Timestamp(fla["start_date2"][0]) == pd.to_datetime(row["start_date2"].iloc[0], format="%d-%m-%Y")


def test_reingest_is_idempotent(store, data, tmp_path):
    first = bluehelmet.ingest(store, data(ACD_251))
    before = store.sql("SELECT * EXCLUDE (batch_id, updated_at) FROM conflicts ORDER BY uid")
    same = bluehelmet.ingest(store, data(ACD_251))
    assert same.already_ingested and same.unchanged == 2750
    # Other bytes (LF line ends), same rows: nothing stored or updated.
    copy = tmp_path / "acd_v25_1_lf.csv"
    copy.write_bytes(data(ACD_251).read_bytes().replace(b"\r\n", b"\n"))
    again = bluehelmet.ingest(store, copy)
    assert (again.stored, again.updated, again.unchanged, again.rejected) == (0, 0, 2750, 2)
    assert again.rows_in == first.rows_in
    pd.testing.assert_frame_equal(before, store.sql("SELECT * EXCLUDE (batch_id, updated_at) FROM conflicts ORDER BY uid"))


def test_newer_release_revises_conflict_years(store, data, raw_231, raw_251):
    bluehelmet.ingest(store, data(ACD_231))
    report = bluehelmet.ingest(store, data(ACD_251))
    assert report.rows_in == report.stored + report.updated + report.unchanged + report.rejected
    new_years = _uids(raw_251[raw_251["year"].str.fullmatch(r"\d{4}") & (raw_251["conflict_id"] != "")]) - _uids(raw_231)
    assert report.stored == len(new_years)
    assert store.count("conflicts") == len(_uids(raw_231) | (new_years))


@pytest.mark.parametrize("relative", [ACD_231, ACD_251])
def test_detected_from_header(cli, data, tmp_path, relative):
    assert detect_kind(data(relative)).name == "ucdp-acd"
    result = cli("--db", tmp_path / "s.duckdb", "ingest", data(relative), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["source_kind"] == "ucdp-acd" and result.json()["table"] == "conflicts"


def test_bad_codes_are_quarantined(store, data, tmp_path):
    lines = data(ACD_231).read_text(encoding="utf-8").splitlines()
    header = lines[0].replace('"', "").split(",")
    rows = [line for line in lines[1:6]]
    fields = rows[1].split('","')
    fields[header.index("intensity_level")] = "7"
    rows[1] = '","'.join(fields)
    fields = rows[3].split('","')
    fields[header.index("start_date")] = "31-31-1990"
    rows[3] = '","'.join(fields)
    path = tmp_path / "acd_bad.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    report = bluehelmet.ingest(store, path, "ucdp-acd")
    assert (report.stored, report.rejected) == (3, 2)
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[3, "reason"] == "intensity_level is not one of 1, 2" and q.loc[3, "value"] == "7"
    assert q.loc[5, "column_name"] == "start_date" and q.loc[5, "value"] == "31-31-1990"


def test_a_row_without_conflict_id_elsewhere_is_just_missing_one(store, data, tmp_path):
    # Not after a cut row: the plain reason, not the "rest of the row above" one.
    lines = data(ACD_231).read_text(encoding="utf-8").splitlines()
    rows = lines[1:4]
    rows[1] = '""' + rows[1][rows[1].index(","):]
    path = tmp_path / "acd_no_id.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    report = bluehelmet.ingest(store, path, "ucdp-acd")
    assert (report.stored, report.rejected) == (2, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [3] and q["reason"].tolist() == ["missing conflict_id"]

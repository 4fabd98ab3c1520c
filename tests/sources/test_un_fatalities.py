"""UN peacekeeping fatalities reader on the bundled real file and on bad input."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import bundled
from bluehelmet.errors import MissingColumnsError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.un_fatalities import read_un_fatalities
from csv_rows import read_rows, write_rows

FATALITIES = "un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(bundled(FATALITIES), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def result():
    return read_un_fatalities(bundled(FATALITIES))


def test_casualty_id_is_the_key_and_repeated_casualties_are_rejected(raw, result):
    # id is unique, casualty_id is not: six casualties are listed twice.
    assert raw["id"].is_unique
    repeated = raw[raw["casualty_id"].duplicated(keep="first")]
    assert len(repeated) == len(raw) - raw["casualty_id"].nunique() == 6
    assert result.rows_in == len(raw) == 4429
    assert result.records.num_rows == raw["casualty_id"].nunique()
    rejects = result.rejects.to_pandas()
    # Row numbers as a spreadsheet shows them: header is row 1.
    assert sorted(rejects["row_number"]) == sorted(repeated.index + 2)
    first = raw.index[raw["casualty_id"] == repeated["casualty_id"].iloc[0]][0] + 2
    message = rejects.sort_values("row_number")["value"].iloc[0]
    assert f"first listed at row {first}" in message and "Serbia and Montenegro" in message
    assert result.records.column("uid").to_pylist()[0] == "un-fatality:" + raw["casualty_id"].iloc[0]


def test_values_match_an_independent_read(raw, result):
    stored = result.records.to_pandas()
    kept = raw.drop_duplicates("casualty_id")
    minusma = kept[kept["mission_acronym"] == "MINUSMA"]
    assert len(minusma) == 311
    expected = minusma["type_of_incident"].value_counts().to_dict()
    got = stored[stored["mission"] == "MINUSMA"]["incident_type"].value_counts().to_dict()
    assert got == expected
    assert got["Malicious Act"] == (minusma["type_of_incident"] == "Malicious Act").sum()
    assert result.release == raw["last_update"].max() == "2025-04-04"
    assert set(stored["release"]) == {"2025-04-04"}
    # Personnel types are trimmed ('Local ' in the file).
    assert (stored["personnel_type"] == "Local").sum() == (kept["casualty_personnel_type"] == "Local ").sum()
    row = stored.set_index("source_id").loc["UNTSO-1948-07-02408"]
    assert row["incident_date"].isoformat() == "1948-07-06"
    assert row["m49_code"] == 250 and row["nationality_iso3"] == "FRA" and row["gender"] == "M"
    # Blank isocode3: the ISO3 comes from the nationality's name where there is one.
    ivorians = stored[stored["nationality"] == "Côte dIvoire"]
    assert len(ivorians) == (kept["casualty_nationality"] == "Côte dIvoire").sum() > 0
    assert set(ivorians["nationality_iso3"]) == {"CIV"}
    assert stored.loc[stored["nationality"] == "ZZ [Undetermined]", "nationality_iso3"].isna().all()
    native = pd.read_json(io.StringIO(stored["native"].iloc[0]), typ="series")
    assert set(native.index) == {"id", "isocode3", "last_update"}


def test_detected_from_header_and_reingest_changes_nothing(store, data, cli, tmp_path):
    path = data(FATALITIES)
    assert detect_kind(path).name == "un-fatalities"
    report = cli("--db", tmp_path / "cli.duckdb", "ingest", path, "--json").json()
    assert report["source_kind"] == "un-fatalities" and report["stored"] == 4423 and report["rejected"] == 6
    first = bluehelmet.ingest(store, path)
    before = store.sql("SELECT * FROM un_fatalities ORDER BY uid")
    # Same rows from a copy with other bytes: every row is unchanged, not stored again.
    copy = tmp_path / "copy.csv"
    copy.write_text(path.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")
    again = bluehelmet.ingest(store, copy, "un-fatalities")
    assert not again.already_ingested
    assert again.unchanged == first.stored and again.stored == again.updated == 0
    assert again.rows_in == again.stored + again.updated + again.unchanged + again.rejected
    pd.testing.assert_frame_equal(
        before.drop(columns=["batch_id", "updated_at"]),
        store.sql("SELECT * FROM un_fatalities ORDER BY uid").drop(columns=["batch_id", "updated_at"]),
    )


def _rows(data, n):
    return read_rows(data(FATALITIES), n)


def _write(tmp_path, header, rows, name="fatalities.csv"):
    return write_rows(tmp_path / name, header, rows)


def test_bad_rows_are_quarantined_with_reasons(store, data, tmp_path):
    header, rows = _rows(data, 8)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["incident_date"]] = "1948-13-40"
    rows[2][col["mission_acronym"]] = ""
    rows[3][col["mission_acronym"]] = "MINUSNA"
    rows[4][col["incident_date"]] = "1931-01-01"
    rows[5][col["casualty_id"]] = " "
    rows[6][col["incident_date"]] = "2025-06-01"  # after last_update 2025-04-04
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "un-fatalities")
    assert report.rows_in == 8 and report.stored == 2 and report.rejected == 6
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[3, "column_name"] == "incident_date" and q.loc[3, "value"] == "1948-13-40"
    assert q.loc[3, "reason"].startswith("unparsable or impossible date")
    assert q.loc[4, "reason"] == "missing mission"
    assert q.loc[5, "value"] == "MINUSNA" and q.loc[5, "reason"].startswith("unknown mission acronym")
    assert q.loc[6, "reason"] == "incident date outside May 1948 to today"
    assert q.loc[7, "reason"] == "missing casualty_id"
    assert q.loc[8, "reason"] == "incident date is after the file's last_update"


def test_ids_and_m49_codes_that_are_not_whole_numbers_are_quarantined(store, data, raw, tmp_path):
    # In the UN's file id numbers the rows (1 to 4,429, every row has one) and m49_code is a
    # country code written as a float (250.0), empty for 52 casualties (ZZ [Undetermined],
    # Côte dIvoire...): an empty code is the UN's own, junk is not.
    assert raw["id"].str.fullmatch(r"[0-9]+").all() and sorted(raw["id"].astype(int)) == list(range(1, 4430))
    assert (raw["m49_code"] == "").sum() == 52 and raw.loc[raw["m49_code"] != "", "m49_code"].str.fullmatch(r"[0-9]{1,3}\.0").all()
    header, rows = _rows(data, 7)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["id"]] = "abc"
    rows[2][col["id"]] = "12.5"
    rows[3][col["m49_code"]] = "12.5"  # was stored as 12
    rows[4][col["m49_code"]] = "abc"  # was stored as an unknown code
    rows[5][col["m49_code"]] = ""
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "un-fatalities")
    assert (report.rows_in, report.stored, report.rejected) == (7, 3, 4)
    q = store.quarantine(report.batch_id)
    id_reason = "id is not a whole number (the file numbers its rows 1, 2, 3...)"
    m49_reason = "m49_code is not a UN M49 country code (a whole number of up to three digits)"
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "id", "abc", id_reason],
        [4, "id", "12.5", id_reason],
        [5, "m49_code", "12.5", m49_reason],
        [6, "m49_code", "abc", m49_reason],
    ]
    codes = store.sql("SELECT source_id, m49_code FROM un_fatalities ORDER BY source_id").set_index("source_id")["m49_code"]
    assert codes["UNTSO-1948-07-02408"] == 250 and pd.isna(codes[rows[5][col["casualty_id"]]])


def test_missing_columns_and_wrong_file(data, tmp_path):
    header, rows = _rows(data, 3)
    keep = [i for i, h in enumerate(header) if h != "mission_acronym"]
    path = _write(tmp_path, [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    with pytest.raises(MissingColumnsError, match="mission_acronym") as info:
        read_un_fatalities(path)
    assert str(path) in str(info.value)
    with pytest.raises(MissingColumnsError, match="not a un-fatalities file"):
        read_un_fatalities(data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"))


def test_cli_reports_wrong_file_in_one_line(cli, data, tmp_path):
    result = cli("--db", tmp_path / "s.duckdb", "ingest", "--source", "un-fatalities",
                 data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"))
    assert result.exit_code == 2
    assert "missing required column(s) casualty_id" in result.stderr

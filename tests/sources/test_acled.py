"""ACLED CSV reader on hand-written exports that follow ACLED's codebook, and on bad input.

The fixtures under fixtures/acled/ are written for these tests (Mali and Burkina Faso events
in ACLED's columns and actor naming); they are not ACLED data. Expected categories below are
worked out by hand from the codebook and the mapping rules in docs/ingest-acled.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import bluehelmet
from bluehelmet.errors import MissingColumnsError
from bluehelmet.sources.acled import read_acled
from bluehelmet.sources.acled_taxonomy import EVENT_TYPES
from bluehelmet.sources.dates import date_sql
from csv_rows import csv_text, read_rows, write_rows

FIXTURES = Path(__file__).parent / "fixtures" / "acled"
DYADIC = FIXTURES / "mali_dyadic_2023.csv"
MONADIC = FIXTURES / "burkina_monadic_2022.csv"
OLD = FIXTURES / "mali_pre2019.csv"
DELETIONS = FIXTURES / "deletions.csv"
DOC = Path(__file__).parents[2] / "docs" / "ingest-acled.md"


def _accounted(report) -> bool:
    return report.rows_in == report.stored + report.updated + report.unchanged + report.rejected


def _events(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM events ORDER BY uid").set_index("source_id")


def test_dyadic_export_maps_every_column(store):
    report = bluehelmet.ingest(store, DYADIC)
    raw = pd.read_csv(DYADIC, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    assert report.source_kind == "acled" and report.rows_in == len(raw) == 11
    assert report.stored == 11 and report.rejected == 0 and report.merged == 0 and _accounted(report)
    newest = dt.datetime.fromtimestamp(raw["timestamp"].astype(int).max(), dt.timezone.utc).date().isoformat()
    assert report.release == newest == "2023-03-13"
    events = _events(store)
    assert (events.loc[raw.index, "uid"] == "acled:" + raw.index).all()
    assert (events.loc[raw.index, "side_a"] == raw["actor1"]).all()
    assert (events.loc[raw.index, "native_type"] == raw["event_type"]).all()
    assert (events.loc[raw.index, "native_subtype"] == raw["sub_event_type"]).all()
    fatalities = raw["fatalities"].astype(int)
    assert (events.loc[raw.index, "deaths_best"] == fatalities).all()
    assert (events.loc[raw.index, "deaths_low"] == fatalities).all()
    assert (events.loc[raw.index, "deaths_high"] == fatalities).all()
    # Civilian deaths are known only for civilian-targeting events.
    targeted = raw["civilian_targeting"].ne("") | raw["event_type"].eq("Violence against civilians")
    assert events.loc[raw.index[targeted], "deaths_civilians"].tolist() == fatalities[targeted].tolist()
    assert events.loc[raw.index[~targeted], "deaths_civilians"].isna().all()
    assert set(events["country_iso3"]) == {"MLI"}
    assert events.loc["MLI1003", "admin1_name"] == "Segou" and events.loc["MLI1003", "admin2_name"] == "Niono"
    assert events.loc["MLI1003", "admin_assigned_by"] == "source"
    assert events.loc["MLI1002", "date_precision"] == "week" and events.loc["MLI1002", "location_precision"] == "near"
    assert events.loc["MLI1001", "assoc_actor_a"] == "Wagner Group"
    native = json.loads(events.loc["MLI1007", "native"])
    assert native["tags"] == "crowd size=around 300" and native["disorder_type"] == "Demonstrations"
    assert events.loc["MLI1001", "source_count"] == 2  # "Studio Tamani; Le Challenger"


def test_current_taxonomy_categories(store):
    bluehelmet.ingest(store, DYADIC)
    expected = {
        "MLI1001": "state_based",  # FAMa (inter 1) vs JNIM
        "MLI1002": "non_state",  # JNIM vs IS Sahel
        "MLI1003": "one_sided",  # Wagner, violence against civilians
        "MLI1004": "state_based",  # JNIM IED on FAMa, no civilian targeting
        "MLI1005": "one_sided",  # IED with civilian targeting
        "MLI1006": "non_state",  # Dan Na Ambassagou vs Fulani militia (inter 4 and 4)
        "MLI1007": "protest",
        "MLI1008": "riot",  # mob violence stays a riot, though it targets a civilian
        "MLI1009": "strategic_development",  # looting/property destruction
        "MLI1010": "one_sided",  # abduction
        "MLI1011": "one_sided",  # sexual violence
    }
    events = _events(store)
    assert events["violence_category"].to_dict() == expected
    assert events.loc["MLI1008", "civilian_targeting"] and not events.loc["MLI1004", "civilian_targeting"]


def test_pre2019_export_with_old_column_names_and_dates(store):
    report = bluehelmet.ingest(store, OLD, release="2018-06-30")
    assert report.stored == 11 and report.rejected == 0 and report.release == "2018-06-30"
    events = _events(store)
    expected = {
        "MLI500": "state_based",  # Battle-No change of territory, army vs Ansar Dine
        "MLI501": "state_based",  # Battle-Government regains territory
        "MLI502": "non_state",  # Battle-Non-state actor overtakes territory, GATIA vs MNLA
        "MLI503": "strategic_development",  # Headquarters or base established
        "MLI504": "strategic_development",  # Non-violent transfer of territory
        "MLI505": "non_state",  # Remote violence by AQIM on MINUSMA (inter 8, not state forces)
        "MLI506": "one_sided",  # Remote violence against Civilians (inter2 7), no targeting column
        "MLI507": "riot",  # Riots/Protests by rioters (inter 5)
        "MLI508": "protest",  # Riots/Protests by protesters (inter 6)
        "MLI509": "strategic_development",
        "MLI510": "one_sided",
    }
    assert events["violence_category"].to_dict() == expected
    raw = pd.read_csv(OLD, dtype=str).set_index("EVENT_ID_CNTY")
    # 14-May-17 style dates, read independently with pandas.
    parsed = pd.to_datetime(raw["EVENT_DATE"], format="%d-%b-%y").dt.strftime("%Y-%m-%d")
    assert [str(d)[:10] for d in events.loc[raw.index, "date_start"]] == parsed.tolist()
    assert events.loc["MLI509", "assoc_actor_a"] == "Ansar Dine"  # ALLY_ACTOR_1
    assert events.loc["MLI509", "location_precision"] == "admin1"  # geo_precision 3
    assert events.loc["MLI506", "deaths_civilians"] == int(raw.loc["MLI506", "FATALITIES"])
    assert json.loads(events.loc["MLI500", "native"])["data_id"] == raw.loc["MLI500", "DATA_ID"]


def test_monadic_export_rebuilds_events(store):
    raw = pd.read_csv(MONADIC, dtype=str, keep_default_na=False)
    report = bluehelmet.ingest(store, MONADIC)
    n_events = raw["event_id_cnty"].nunique()
    assert report.rows_in == len(raw) == 9 and n_events == 5
    # Each file row counts once, in its event's outcome; merged rows are the extra actor rows.
    assert report.stored == 9 and report.merged == len(raw) - n_events == 4 and _accounted(report)
    assert store.count("events") == n_events
    events = _events(store)
    for event_id, rows in raw.groupby("event_id_cnty"):
        sides = {s for s in (events.loc[event_id, "side_a"], events.loc[event_id, "side_b"]) if isinstance(s, str)}
        assert sides == set(rows["actor1"]), event_id
        assert events.loc[event_id, "side_a"] == rows["actor1"].iloc[0]
        assert events.loc[event_id, "deaths_best"] == int(rows["fatalities"].iloc[0])
    assert events.loc["BFA2001", "assoc_actor_a"] == "VDP: Volunteers for the Defense of the Homeland"
    assert events.loc["BFA2001", "side_a_kind_code"] == "State forces"
    assert events.loc["BFA2001", "violence_category"] == "state_based"  # inter given as a name
    assert events.loc["BFA2005", "violence_category"] == "non_state"
    assert events.loc["BFA2002", "violence_category"] == "one_sided"
    assert str(events.loc["BFA2002", "date_start"])[:10] == "2022-03-19"  # "19 March 2022"
    assert set(events["country_iso3"]) == {"BFA"}
    batch = store.batches().iloc[-1]
    assert batch["rows_in"] == batch["stored"] + batch["updated"] + batch["unchanged"] + batch["rejected"]


def test_monadic_actor_row_that_disagrees_is_rejected(store, tmp_path):
    header, rows = read_rows(MONADIC)
    col = {name: i for i, name in enumerate(header)}
    rows[3][col["fatalities"]] = "7"  # second actor row of BFA2002 (file row 5) says 7, the first 6
    report = bluehelmet.ingest(store, write_rows(tmp_path / "monadic.csv", header, rows), "acled")
    assert report.rejected == 1 and report.stored == 8 and report.merged == 3 and _accounted(report)
    quarantine = store.quarantine(report.batch_id).set_index("row_number")
    assert quarantine.loc[5, "column_name"] == "fatalities"
    assert quarantine.loc[5, "reason"] == "actor row disagrees with the event's first row on fatalities"
    assert quarantine.loc[5, "value"] == "7 (row 4)"


def test_bad_rows_are_quarantined_with_reasons(store, tmp_path):
    header, rows = read_rows(DYADIC)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["event_date"]] = "2023-02-30"  # row 3: impossible date
    rows[2][col["longitude"]] = "200.4"  # row 4: out of range
    rows[3][col["fatalities"]] = "-2"  # row 5: negative
    rows[5][col["event_type"]] = "Armed attack"  # row 7: not an ACLED type
    rows[6][col["year"]] = "2022"  # row 8: year disagrees with event_date
    duplicate = list(rows[0])  # row 13: MLI1001 again
    swapped = list(rows[3])  # row 14: Dourou again, coordinates reversed
    swapped[col["event_id_cnty"]], swapped[col["fatalities"]] = "MLI1012", "1"
    swapped[col["latitude"]], swapped[col["longitude"]] = rows[3][col["longitude"]], rows[3][col["latitude"]]
    rows += [duplicate, swapped]
    report = bluehelmet.ingest(store, write_rows(tmp_path / "bad.csv", header, rows), "acled")
    assert report.rows_in == 13 and report.rejected == 7 and report.stored == 6 and _accounted(report)
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert (q.loc[3, "column_name"], q.loc[3, "value"], q.loc[3, "reason"]) == (
        "event_date", "2023-02-30", "unparsable or impossible date")
    assert (q.loc[4, "column_name"], q.loc[4, "reason"]) == ("longitude", "longitude out of range -180 to 180")
    assert (q.loc[5, "value"], q.loc[5, "reason"]) == ("-2", "fatalities is negative")
    assert q.loc[7, "value"] == "Armed attack" and q.loc[7, "reason"].startswith("unknown ACLED event type")
    assert q.loc[8, "reason"] == "year disagrees with event_date"
    assert q.loc[13, "reason"].startswith("duplicate event_id_cnty in a dyadic export")
    assert q.loc[13, "value"] == "MLI1001 (first at row 2)"
    assert q.loc[14, "reason"].startswith("latitude and longitude look swapped")
    assert q.loc[14, "value"] == "-3.450, 14.333"
    # The other Dourou event, with the coordinates the swapped row reverses, is kept.
    assert set(_events(store).index) == {"MLI1001", "MLI1005", "MLI1008", "MLI1009", "MLI1010", "MLI1011"}


def test_a_year_that_is_not_a_whole_number_is_quarantined(store, tmp_path):
    # ACLED's codebook: year is the year of event_date. An empty year says nothing; junk does.
    header, rows = read_rows(DYADIC)
    col = header.index("year")
    rows[1][col] = "abc"  # row 3: was stored
    rows[2][col] = ""  # row 4: stored, its date gives the year
    rows[3][col] = "12.5"  # row 5
    report = bluehelmet.ingest(store, write_rows(tmp_path / "years.csv", header, rows), "acled")
    assert (report.rows_in, report.stored, report.rejected) == (11, 9, 2) and _accounted(report)
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "year", "abc", "year is not a whole number"],
        [5, "year", "12.5", "year is not a whole number"],
    ]
    assert _events(store).loc["MLI1003", "date_start"].date().isoformat() == "2023-01-22"


def test_a_junk_timestamp_is_quarantined_and_does_not_date_the_export(store, tmp_path):
    # The newest timestamp is the export's release: 0 would date it 1970 and 9999999999 (the
    # year 2286) would make every later export look older, so neither revised events again.
    header, rows = read_rows(DYADIC)
    col = header.index("timestamp")
    rows[1][col] = "0"  # row 3
    rows[2][col] = "9999999999"  # row 4
    rows[3][col] = "abc"  # row 5
    rows[4][col] = ""  # row 6: no timestamp, stored
    report = bluehelmet.ingest(store, write_rows(tmp_path / "stamps.csv", header, rows), "acled")
    assert (report.rows_in, report.stored, report.rejected) == (11, 8, 3) and _accounted(report)
    reason = "timestamp is not a Unix time or date-time from 1997 to today"
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "timestamp", "0", reason], [4, "timestamp", "9999999999", reason], [5, "timestamp", "abc", reason],
    ]
    # The newest good timestamp, MLI1011's 1678725611.
    assert report.release == "2023-03-13"


def test_a_deletion_time_past_any_date_is_quarantined_not_fatal(store, tmp_path):
    path = tmp_path / "deletions.csv"
    path.write_text(DELETIONS.read_text(encoding="utf-8").replace("MLI1011,1680086400", "MLI1011,9000000000000000000"), encoding="utf-8")
    report = bluehelmet.ingest(store, path, "acled-deletions")
    assert (report.rows_in, report.rejected) == (3, 1) and _accounted(report)
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "deleted_timestamp", "9000000000000000000", "deleted_timestamp is not a Unix time or a date"],
    ]


def test_a_stray_latin1_byte_quarantines_its_row_with_the_byte_kept(store, tmp_path):
    # Notes written in French (UTF-8), one of them pasted in from a Windows export (Latin-1).
    header, rows = read_rows(DYADIC)
    notes = header.index("notes")
    for row in rows:
        row[notes] = "Le 8 janvier, des éléments armés ont attaqué le marché à Ségou. " + row[notes]
    rows[4][notes] = rows[4][notes].replace("Ségou", "<stray>", 1)
    text = csv_text(header, rows).encode("utf-8").replace(b"<stray>", b"S\xe9gou")
    path = tmp_path / "notes_fr.csv"
    path.write_bytes(text)
    report = bluehelmet.ingest(store, path, "acled")
    assert (report.rows_in, report.stored, report.rejected) == (len(rows), len(rows) - 1, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [6] and q["column_name"][0] == "notes"
    assert q["value"][0] == rows[4][notes].replace("<stray>", "S\\xe9gou")
    assert q["raw"][0].startswith(rows[4][0] + ",") and "S\\xe9gou" in q["raw"][0]
    assert all("Ségou" in note for note in _events(store)["notes"])


def test_hxl_row_under_the_header_is_skipped(store, tmp_path):
    header, rows = read_rows(DYADIC)
    tags = ["#event+code", "#date+occurred", "#date+year", "", "", "#event+type", "#event+type+sub", "#group+name+first"]
    tags += [""] * (len(header) - len(tags))
    report = bluehelmet.ingest(store, write_rows(tmp_path / "hdx.csv", header, [tags] + rows))
    assert report.source_kind == "acled"
    assert report.rows_in == report.stored == len(rows) and report.rejected == 0


def test_missing_columns_are_named(tmp_path, cli):
    header, rows = read_rows(DYADIC)
    keep = [i for i, h in enumerate(header) if h not in ("fatalities", "latitude")]
    path = write_rows(tmp_path / "cut.csv", [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    with pytest.raises(MissingColumnsError) as caught:
        read_acled(path)
    assert caught.value.missing == ["latitude", "fatalities"]
    result = cli("--db", tmp_path / "s.duckdb", "ingest", path, "--source", "acled")
    assert result.exit_code == 2 and "latitude, fatalities" in result.stderr and "cut.csv" in result.stderr


def test_deletions_flag_events_and_keep_history(store):
    bluehelmet.ingest(store, DYADIC)
    report = bluehelmet.ingest(store, DELETIONS)
    deleted = pd.read_csv(DELETIONS, dtype=str)
    assert report.source_kind == "acled-deletions" and report.rows_in == len(deleted) == 3
    # MLI9999 is not in the store: nothing to delete, counted unchanged.
    assert report.deleted == 2 and report.updated == 2 and report.unchanged == 1 and _accounted(report)
    events = _events(store)
    assert events.loc[["MLI1002", "MLI1011"], "deleted"].all()
    assert not events.drop(["MLI1002", "MLI1011"])["deleted"].any()
    assert len(store.event_history("acled:MLI1002")) == 2
    assert report.release == dt.datetime.fromtimestamp(1680086400, dt.timezone.utc).date().isoformat()


def test_newer_export_updates_and_older_one_does_not(store, tmp_path):
    header, rows = read_rows(DYADIC)
    col = {name: i for i, name in enumerate(header)}
    bluehelmet.ingest(store, DYADIC)
    revised = [list(r) for r in rows]
    revised[0][col["fatalities"]] = "9"  # MLI1001 revised upwards in a later export
    revised[0][col["timestamp"]] = "1680000000"
    newer = bluehelmet.ingest(store, write_rows(tmp_path / "newer.csv", header, revised))
    assert newer.updated == 1 and newer.unchanged == 10 and newer.release == "2023-03-28"
    assert _events(store).loc["MLI1001", "deaths_best"] == 9
    older = [list(r) for r in rows]
    older[0][col["fatalities"]] = "4"
    again = bluehelmet.ingest(store, write_rows(tmp_path / "older.csv", header, older), release="2023-02-01")
    assert again.updated == 0 and _events(store).loc["MLI1001", "deaths_best"] == 9


def test_taxonomy_table_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for event_type in EVENT_TYPES:
        assert f"| {event_type.name} | {event_type.taxonomy} |" in text, event_type.name


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2019-05-14", "2019-05-14"),
        ("14 May 2019", "2019-05-14"),
        ("14-May-19", "2019-05-14"),
        ("14-May-97", "1997-05-14"),
        ("14/05/2019", "2019-05-14"),
        ("2019-02-30", None),
        ("30/02/2019", None),
        ("soon", None),
    ],
)
def test_dates_in_acled_formats(text, expected):
    value = duckdb.execute(f"SELECT {date_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [text]).fetchall()[0][0]
    assert (value.isoformat() if value else None) == expected


@pytest.mark.parametrize("path", [DYADIC, OLD])
def test_one_row_per_event_shortcut_gives_what_the_general_path_gives(path, monkeypatch):
    # Exports with no repeated id skip the per-event windows; forcing the general path on the
    # same file must give the very same records and rejects.
    import bluehelmet.sources.acled as acled

    shortcut = []
    original = acled._assemble_single_rows
    monkeypatch.setattr(acled, "_assemble_single_rows", lambda con: (shortcut.append(True), original(con)))
    fast = read_acled(path)
    assert shortcut, "the file was expected to take the one-row-per-event shortcut"
    monkeypatch.setattr(acled, "_ids_repeat", lambda con: True)
    general = read_acled(path)
    assert fast.records.num_rows == general.records.num_rows > 0
    assert fast.arrow().sort_by("uid").equals(general.arrow().sort_by("uid"))
    assert fast.rejects.equals(general.rejects)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=["bom", "le-without-bom"])
def test_api_json_saved_as_utf16_is_detected_and_read(store, tmp_path, encoding):
    # Detection looked for the key names in the raw bytes, where UTF-16 has a NUL between
    # letters: "cannot tell what kind of file this is".
    page = FIXTURES / "api" / "page1.json"
    saved = tmp_path / "acled_page1_unicode.json"
    saved.write_text(page.read_text(encoding="utf-8"), encoding=encoding)
    report = bluehelmet.ingest(store, saved)
    expected = {event["event_id_cnty"] for event in json.loads(page.read_text(encoding="utf-8"))["data"]}
    assert (report.source_kind, report.stored, report.rejected) == ("acled", len(expected), 0)
    assert set(_events(store).index) == expected

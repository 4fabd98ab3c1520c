"""Mission incident sheets: CSV + YAML map, JSON + TOML map, XLSX, HXL, and bad input.

The sheets are written for these tests in the shape mission incident logs take; expected
values are read from the fixture files independently (csv/json/openpyxl) or worked out by hand.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources.column_map import FIELDS
from bluehelmet.sources.hxl_tags import TAG_FIELDS
from bluehelmet.sources.incidents import read_incidents
from csv_rows import csv_text

FIXTURES = Path(__file__).parent / "fixtures" / "incidents"
DOC = Path(__file__).parents[2] / "docs" / "ingest-incidents.md"


def _accounted(report) -> bool:
    return report.rows_in == report.stored + report.updated + report.unchanged + report.rejected


def _events(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM events ORDER BY uid").set_index("source_id")


def test_csv_with_yaml_map(store):
    path = FIXTURES / "mopti_jmac.csv"
    report = bluehelmet.ingest(store, path, "incidents", column_map=FIXTURES / "mopti_jmac.yaml")
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False).set_index("Incident No.")
    assert report.rows_in == report.stored == len(raw) == 6 and _accounted(report)
    events = _events(store)
    assert set(events["source"]) == {"incidents:jmac-mopti"}
    assert (events.loc[raw.index, "uid"] == "incidents:jmac-mopti:" + raw.index).all()
    assert (events.loc[raw.index, "deaths_best"] == raw["Killed"].astype(int)).all()
    assert (events.loc[raw.index, "side_a"].fillna("") == raw["Alleged perpetrator"]).all()
    assert (events.loc[raw.index, "native_type"] == raw["Incident type"]).all()
    dates = pd.to_datetime(raw["Date of incident"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    assert [str(d)[:10] for d in events.loc[raw.index, "date_start"]] == dates.tolist()
    # Category and sensitivity through the map's value tables; unmapped "EEI" stays unknown.
    assert events.loc["MOP-2023-014", "violence_category"] == "one_sided"
    assert events.loc["MOP-2023-015", "violence_category"] == "state_based"
    assert pd.isna(events.loc["MOP-2023-017", "violence_category"])
    assert events["sensitivity"].to_dict() == {
        "MOP-2023-014": "restricted", "MOP-2023-015": "restricted", "MOP-2023-016": "confidential",
        "MOP-2023-017": "restricted",  # blank cell: the map's default
        "MOP-2023-018": "public", "MOP-2023-019": "restricted",
    }
    native = json.loads(events.loc["MOP-2023-016", "native"])
    assert native == {"injured": 0, "abducted": 5}
    assert set(events["country_iso3"]) == {"MLI"} and events.loc["MOP-2023-014", "admin2_name"] == "Bandiagara"


def test_json_with_toml_map_derives_stable_ids(store, tmp_path):
    path = FIXTURES / "gao_incidents.json"
    report = bluehelmet.ingest(store, path, "incidents", column_map=FIXTURES / "gao_incidents.toml")
    records = json.loads(path.read_text())
    assert report.stored == len(records) == 4
    events = store.sql("SELECT * FROM events ORDER BY date_start")
    assert events["deaths_best"].tolist() == [r["dead"] for r in records]
    assert set(events["sensitivity"]) == {"confidential"} and set(events["source"]) == {"incidents:sector-east"}
    # The id documented: sha256 of the mapped values in field order, joined by \x1f.
    toml_columns = ["date", "latitude", "longitude", "location", "admin1", "admin2", "perpetrator",
                    "victim_group", "killed", "injured", "category", "description", "sources"]
    mapping = dict(zip(toml_columns, ["date", "latitude", "longitude", "locality", "region", "cercle", "author",
                                       "victims", "dead", "wounded", "category", "narrative", "source"]))
    first = records[0]
    values = [str(first[mapping[f]]) for f in FIELDS if f in mapping]
    expected = "h" + hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:16]
    assert expected in set(events["source_id"])
    # Same incidents in another order, with an extra column: same ids, nothing new.
    shuffled = [dict(r, note="re-export") for r in reversed(records)]
    again = tmp_path / "gao_again.json"
    again.write_text(json.dumps(shuffled))
    second = bluehelmet.ingest(store, again, "incidents", column_map=FIXTURES / "gao_incidents.toml")
    assert second.stored == 0 and second.rows_in == 4 and store.count("events") == 4


def _workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Incidents"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


XLSX_MAP = """
source_name: sector-west
sheet: Incidents
columns:
  id: Ref
  date: Date
  admin1: Region
  location: Place
  latitude: Lat
  longitude: Lon
  perpetrator: Perpetrator
  killed: Killed
  category: Type
values:
  category:
    Attack on civilians: one_sided
"""


def test_xlsx_built_with_openpyxl(store, tmp_path):
    import datetime as dt

    rows = [
        ["Ref", "Date", "Region", "Place", "Lat", "Lon", "Perpetrator", "Killed", "Type"],
        ["SW-1", dt.datetime(2023, 4, 2), "Segou", "Dogofry", 14.717, -5.533, "Wagner Group", 9, "Attack on civilians"],
        ["SW-2", "05/04/2023", "Segou", "Niono", 14.252, -5.993, "JNIM", 0, "Abduction"],
        ["SW-3", dt.date(2023, 4, 11), "Segou", "Macina", 13.962, -5.357, "Katiba Macina", 2.0, "Attack on civilians"],
        [None, None, None, None, None, None, None, None, None],  # a formatted but empty line
    ]
    path = _workbook(tmp_path / "west.xlsx", rows)
    (tmp_path / "west.yaml").write_text(XLSX_MAP)
    report = bluehelmet.ingest(store, path, "incidents", column_map=tmp_path / "west.yaml")
    assert report.rows_in == report.stored == 3 and _accounted(report)
    events = _events(store)
    assert [str(d)[:10] for d in events["date_start"]] == ["2023-04-02", "2023-04-05", "2023-04-11"]
    assert events["deaths_best"].tolist() == [9, 0, 2]
    assert events.loc["SW-1", "violence_category"] == "one_sided" and events.loc["SW-1", "sensitivity"] == "restricted"
    assert events.loc["SW-3", "latitude"] == pytest.approx(13.962)


def test_an_empty_sheet_named_by_the_map_is_named(store, tmp_path):
    # It said "the sheet is empty", in words of its own, without naming the sheet.
    path = _workbook(tmp_path / "west.xlsx", [])
    (tmp_path / "west.yaml").write_text(XLSX_MAP)
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, path, "incidents", column_map=tmp_path / "west.yaml")
    assert str(error.value) == f"{path}: the sheet 'Incidents' is empty: its first row should name the columns"


def test_date_cells_are_read_whatever_format_the_map_declares(store, tmp_path):
    """A map's date_format is for dates typed as text (the sheet's "05/04/2023"); the date cells
    of the same sheet are read too, as Excel stores them."""
    import datetime as dt

    rows = [
        ["Ref", "Date", "Region", "Place", "Lat", "Lon", "Perpetrator", "Killed", "Type"],
        ["SW-1", dt.datetime(2023, 4, 2), "Segou", "Dogofry", 14.717, -5.533, "Wagner Group", 9, "Attack on civilians"],
        ["SW-2", "05/04/2023", "Segou", "Niono", 14.252, -5.993, "JNIM", 0, "Abduction"],
        ["SW-3", dt.date(2023, 4, 11), "Segou", "Macina", 13.962, -5.357, "Katiba Macina", 2, "Attack on civilians"],
    ]
    path = _workbook(tmp_path / "west.xlsx", rows)
    (tmp_path / "west.yaml").write_text('date_format: "%d/%m/%Y"\n' + XLSX_MAP)
    report = bluehelmet.ingest(store, path, "incidents", column_map=tmp_path / "west.yaml")
    assert report.stored == 3 and report.rejected == 0
    assert [str(d)[:10] for d in _events(store)["date_start"]] == ["2023-04-02", "2023-04-05", "2023-04-11"]


def test_hxl_sheet_is_detected_without_source(cli, tmp_path):
    path = FIXTURES / "menaka_hxl.csv"
    db = tmp_path / "s.duckdb"
    result = cli("--db", db, "ingest", path, "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert report["source_kind"] == "incidents" and report["rows_in"] == report["stored"] == len(rows) - 2
    with bluehelmet.open(db) as store:
        events = _events(store)
    data = {r[0]: r for r in rows[2:]}
    assert set(events.index) == set(data)
    assert events.loc["MEN-101", "admin1_pcode"] == data["MEN-101"][3]
    assert events.loc["MEN-101", "deaths_best"] == int(data["MEN-101"][9])
    assert events.loc["MEN-102", "violence_category"] == "non_state"  # "#event+type" written non-state
    assert set(events["source"]) == {"incidents:menaka-hxl"} and set(events["sensitivity"]) == {"restricted"}
    assert json.loads(events.loc["MEN-101", "native"]) == {"injured": int(data["MEN-101"][10])}


def test_hxl_tags_in_the_first_row_of_a_workbook(store, tmp_path):
    rows = [
        ["#event+id", "#date", "#adm1 +name", "#affected +killed", "#group +name"],
        ["K-1", "2023-05-01", "Kidal", 1, "Unknown armed men"],
    ]
    path = _workbook(tmp_path / "kidal.xlsx", rows)
    report = bluehelmet.ingest(store, path)
    assert report.source_kind == "incidents" and report.stored == 1
    event = _events(store).loc["K-1"]
    assert event["admin1_name"] == "Kidal" and event["side_a"] == "Unknown armed men" and event["deaths_best"] == 1


def test_bad_rows_are_quarantined(store, tmp_path):
    header = ["Incident No.", "Date of incident", "Killed", "Lat", "Long"]
    rows = [
        ["A-1", "04/01/2023", "2", "14.263", "-3.295"],
        ["A-2", "31/02/2023", "1", "14.263", "-3.295"],  # no 31 February
        ["A-3", "sometime in March", "0", "", ""],  # not a date
        ["A-4", "05/01/2023", "-3", "14.263", "-3.295"],
        ["A-5", "06/01/2023", "a few", "14.263", "-3.295"],
        ["A-6", "07/01/2023", "1", "-3.295", "194.263"],
    ]
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    (tmp_path / "bad.yaml").write_text(
        "source_name: test\ndate_format: '%d/%m/%Y'\ncolumns:\n  id: Incident No.\n  date: Date of incident\n"
        "  killed: Killed\n  latitude: Lat\n  longitude: Long\n"
    )
    report = bluehelmet.ingest(store, path, "incidents", column_map=tmp_path / "bad.yaml")
    assert report.rows_in == 6 and report.stored == 1 and report.rejected == 5 and _accounted(report)
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert (q.loc[3, "column_name"], q.loc[3, "value"]) == ("Date of incident", "31/02/2023")
    assert q.loc[3, "reason"].startswith("date cannot be read")
    assert q.loc[4, "value"] == "sometime in March"
    assert (q.loc[5, "column_name"], q.loc[5, "value"], q.loc[5, "reason"]) == ("Killed", "-3", "killed is negative")
    assert q.loc[6, "reason"] == "killed is not a number"
    assert q.loc[7, "reason"] == "longitude out of range -180 to 180"


def test_lowest_and_highest_counts_of_the_killed(store, tmp_path):
    # A sheet with an estimate range, each column optional. A range that does not hold the
    # count is stored as written, as the GED reader stores it: UCDP's own data has such events
    # (Mali's ucdp:13123 in the bundled GED 21.1 has best 0, low 7, high 7).
    header = ["Ref", "Date", "Tués", "Tués min", "Tués max"]
    rows = [
        ["R-1", "2023-01-04", "5", "3", "9"],
        ["R-2", "2023-01-05", "4", "", ""],  # no range given: killed fills both
        ["R-3", "2023-01-06", "0", "7", "7"],
        ["R-4", "2023-01-07", "2", "-1", "x"],
    ]
    path = tmp_path / "range.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    (tmp_path / "range.yaml").write_text(
        "source_name: range\ncolumns:\n  id: Ref\n  date: Date\n  killed: Tués\n"
        "  killed_low: Tués min\n  killed_high: Tués max\n"
    )
    report = bluehelmet.ingest(store, path, "incidents", column_map=tmp_path / "range.yaml")
    assert (report.rows_in, report.stored, report.rejected) == (4, 3, 1)
    deaths = _events(store)[["deaths_best", "deaths_low", "deaths_high"]]
    assert deaths.loc[["R-1", "R-2", "R-3"]].values.tolist() == [[5, 3, 9], [4, 4, 4], [0, 7, 7]]
    q = store.quarantine(report.batch_id)
    assert q[["row_number", "column_name", "value", "reason"]].values.tolist() == [
        [5, "Tués min", "-1", "killed_low is negative"]
    ]


def test_map_naming_a_missing_column_is_a_clear_error(cli, tmp_path):
    bad_map = tmp_path / "wrong.yaml"
    bad_map.write_text((FIXTURES / "mopti_jmac.yaml").read_text().replace("killed: Killed", "killed: Tués"))
    with pytest.raises(InputFileError) as caught:
        read_incidents(FIXTURES / "mopti_jmac.csv", column_map=bad_map)
    message = str(caught.value)
    assert str(bad_map) in message and "'Tués'" in message and "mopti_jmac.csv" in message
    result = cli("--db", tmp_path / "s.duckdb", "ingest", FIXTURES / "mopti_jmac.csv", "--map", bad_map)
    assert result.exit_code == 2 and "Tués" in result.stderr and "wrong.yaml" in result.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_map_column_missing_from_a_table_under_a_title_lists_the_tables_columns(tmp_path, suffix):
    bad_map = tmp_path / "wrong.yaml"
    bad_map.write_text((FIXTURES / "mopti_jmac.yaml").read_text().replace("killed: Killed", "killed: Tués"))
    rows = [["JMAC Mopti - incident log"], [], *_mopti_rows()]
    path = tmp_path / f"titled{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(";".join(row) for row in rows) + "\n", encoding="utf-8")
    else:
        _workbook(path, rows)
    with pytest.raises(InputFileError) as caught:
        read_incidents(path, column_map=bad_map)
    # The columns listed are the table's, not the title's.
    assert "no such column; its columns are: " + ", ".join(rows[2]) in str(caught.value)


def test_map_with_unknown_category_value_is_refused(tmp_path):
    bad_map = tmp_path / "cats.toml"
    bad_map.write_text('[columns]\ndate = "date"\n[values.category]\n"Killing of civilians" = "massacre"\n')
    with pytest.raises(InputFileError, match="'massacre', which is not one of: state_based"):
        read_incidents(FIXTURES / "gao_incidents.json", column_map=bad_map)


def test_sheet_without_map_or_tags_asks_for_a_map(tmp_path):
    with pytest.raises(InputFileError, match="needs a column map"):
        read_incidents(FIXTURES / "mopti_jmac.csv")


def test_an_hxl_export_of_events_reads_back_as_incidents(cli, data, tmp_path):
    """``bluehelmet events --format hxl`` gives a sheet another mission can ingest with no map:
    each event comes back with its dates, place, sides, deaths (best, low, high, civilians),
    category, headline, sources and sensitivity."""
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    cli("--db", first, "ingest", data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"))
    sheet = tmp_path / "mali_hxl.csv"
    assert cli("--db", first, "events", "--country", "MLI", "--format", "hxl", "--out", sheet).exit_code == 0
    result = cli("--db", second, "ingest", sheet, "--json")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["source_kind"], result.json()["stored"], result.json()["rejected"]) == ("incidents", 7, 0)
    compared = [
        "date_start", "date_end", "latitude", "longitude", "location_name", "country_iso3", "admin1_name",
        "admin2_name", "side_a", "side_b", "deaths_best", "deaths_low", "deaths_high", "deaths_civilians",
        "violence_category", "headline", "sources", "sensitivity",
    ]
    with bluehelmet.open(first, read_only=True) as store:
        before = store.events(country="MLI").set_index("uid")[compared]
    with bluehelmet.open(second, read_only=True) as store:
        after = store.events().set_index("source_id")[compared]
    assert set(after.index) == set(before.index)  # the export's uid is the new source id
    pd.testing.assert_frame_equal(after.loc[before.index], before, check_dtype=False, check_names=False)


def test_fields_and_tags_are_documented():
    text = DOC.read_text(encoding="utf-8")
    for field_name in FIELDS:
        assert f"| `{field_name}` |" in text, field_name
    for _, hashtag, attributes in TAG_FIELDS:
        tag = hashtag + "".join(f"+{a}" for a in sorted(attributes))
        assert f"`{tag}`" in text, tag


def _mopti_rows() -> list[list[str]]:
    with open(FIXTURES / "mopti_jmac.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.mark.parametrize("above", [
    [["JMAC Mopti - incident log, January 2023"], []],             # a title, then a blank line
    [[], ["Source: JMAC", None, "Printed 2023-02-01"], [None]],    # blank, a note, blank
    [[]],                                                           # a blank first row
])
def test_a_workbook_whose_table_sits_under_a_title_is_read_from_its_header(store, tmp_path, above):
    rows = _mopti_rows()
    path = _workbook(tmp_path / "mopti.xlsx", [*above, *rows])
    report = bluehelmet.ingest(store, path, "incidents", column_map=FIXTURES / "mopti_jmac.yaml")
    assert (report.rows_in, report.stored) == (len(rows) - 1, len(rows) - 1 - report.rejected)
    events = _events(store)
    assert set(events.index) == {row[0] for row in rows[1:]}
    first = rows[1]
    assert events.loc[first[0], "admin2_name"] == first[3] and events.loc[first[0], "deaths_best"] == int(first[9])
    # Rejected rows are numbered as the sheet numbers them, title rows included.
    flat = bluehelmet.ingest(store, _workbook(tmp_path / "flat.xlsx", rows), "incidents",
                             column_map=FIXTURES / "mopti_jmac.yaml")
    offset = len(above)
    assert [n - offset for n in store.quarantine(report.batch_id)["row_number"]] == list(store.quarantine(flat.batch_id)["row_number"])


def test_an_hxl_workbook_under_a_title_is_detected(store, tmp_path):
    rows = [
        ["Sector West weekly incidents"],
        [],
        ["Ref", "Date", "Region", "Killed", "Perpetrator"],
        ["#event+id", "#date", "#adm1+name", "#affected+killed", "#group+name"],
        ["W-1", "2023-05-01", "Kidal", 2, "Unknown armed men"],
        ["W-2", "2023-05-03", "Gao", 0, "ISGS"],
    ]
    report = bluehelmet.ingest(store, _workbook(tmp_path / "west.xlsx", rows))
    assert (report.source_kind, report.rows_in, report.stored) == ("incidents", 2, 2)
    events = _events(store)
    assert events.loc["W-1", "admin1_name"] == "Kidal" and events.loc["W-1", "deaths_best"] == 2
    assert events.loc["W-2", "side_a"] == "ISGS"


@pytest.mark.parametrize("above", [
    ["JMAC Mopti - incident log, January 2023", ""],                  # a title, then a blank line
    ["Incident log;;;", "Source: JMAC;;Printed 2023-02-01", ";;;"],  # notes in cells of their own
    [""],                                                             # a blank first line
])
def test_a_csv_whose_table_sits_under_a_title_is_read_from_its_header(store, tmp_path, above):
    lines = (FIXTURES / "mopti_jmac.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[2].split(";")
    fields[0], fields[9] = "MOP-X-1", "-2"  # a negative count: rejected by the row checks
    broken = "MOP-X-2;12/01/2023;Mopti"  # too few fields: rejected by the parser
    table = [*lines, ";".join(fields), broken]
    titled, flat = tmp_path / "titled.csv", tmp_path / "flat.csv"
    titled.write_text("\n".join([*above, *table]) + "\n", encoding="utf-8")
    flat.write_text("\n".join(table) + "\n", encoding="utf-8")
    mapping = FIXTURES / "mopti_jmac.yaml"
    report = bluehelmet.ingest(store, titled, "incidents", column_map=mapping)
    assert (report.rows_in, report.stored, report.rejected) == (len(table) - 1, len(lines) - 1, 2)
    assert set(_events(store).index) == {line.split(";")[0] for line in lines[1:]}
    # Rejected rows keep the line numbers of the file they came from, title lines included.
    rejected = store.quarantine(report.batch_id).set_index("row_number")
    # (the parser names the first column the short row lacks, the fourth)
    assert rejected["column_name"].to_dict() == {len(above) + len(table) - 1: "Killed", len(above) + len(table): "Cercle"}
    assert rejected.loc[len(above) + len(table), "value"] == broken
    # The same table without the lines above it gives the same events.
    with bluehelmet.open(tmp_path / "flat.duckdb") as other:
        plain = bluehelmet.ingest(other, flat, "incidents", column_map=mapping)
        assert [n + len(above) for n in other.quarantine(plain.batch_id)["row_number"]] == list(rejected.index)
        compared = ["uid", "date_start", "latitude", "longitude", "admin2_name", "side_a", "deaths_best", "sensitivity"]
        pd.testing.assert_frame_equal(_events(other)[compared], _events(store)[compared])


@pytest.mark.parametrize(("above", "encoding"), [
    (["Ménaka sector incidents, March 2023,,,", ""], "utf-8"),
    ([""], "utf-8"),                                        # a blank first line
    (["Ménaka sector incidents"], "latin-1"),              # a Windows export
    (["Ménaka sector incidents", "Printed 2023-04-01"], "utf-16"),  # Excel's "Unicode text"
])
def test_an_hxl_csv_under_a_title_is_detected(cli, tmp_path, above, encoding):
    lines = (FIXTURES / "menaka_hxl.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "menaka.csv"
    path.write_text("\n".join([*above, *lines]) + "\n", encoding=encoding)
    db = tmp_path / "s.duckdb"
    result = cli("--db", db, "ingest", path, "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert (report["source_kind"], report["rows_in"], report["stored"]) == ("incidents", len(lines) - 2, len(lines) - 2)
    with bluehelmet.open(db) as store:
        events = _events(store)
    first = lines[2].split(",")
    assert events.loc[first[0], "admin2_name"] == first[4] and events.loc[first[0], "deaths_best"] == int(first[9])
    assert events.loc[first[0], "admin1_name"] == "Ménaka"  # read in the file's own encoding


def test_a_nul_byte_below_a_title_in_a_gzip_sheet_is_refused_naming_its_line(store, tmp_path):
    import gzip

    lines = (FIXTURES / "menaka_hxl.csv").read_text(encoding="utf-8").splitlines()
    first = lines[2].split(",")
    # Enough incidents to put the NUL past the head that is checked for binary bytes.
    rows = [",".join([f"MEN-{n}", *first[1:]]) for n in range(1, 2001)]
    table = ["Ménaka sector incidents", "", *lines[:2], *rows]
    broken = 2 + 2 + 1500  # the title, the blank line, header and tags, then row 1500
    table[broken - 1] = table[broken - 1].replace("Tidermene", "Tider\x00mene")
    path = tmp_path / "menaka.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(table) + "\n")
    with pytest.raises(InputFileError, match=f"a NUL byte at line {broken:,}"):
        bluehelmet.ingest(store, path)
    assert store.sql("SELECT count(*) AS n FROM events")["n"][0] == 0

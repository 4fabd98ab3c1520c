"""``bluehelmet events`` on the bundled GED 23.1 sample: where files go, and why an answer is empty.

Counts were taken from the CSV with Python's csv module: 35 rows with country
``DR Congo (Zaire)``, 9 ``Myanmar (Burma)``, 7 ``Mali`` (3 of them in ``Mopti region``).
"""

from __future__ import annotations

import csv

import pytest

from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports import write_frame
from bluehelmet.store import EventFilter
from bluehelmet.store.no_events import no_events_reason

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


@pytest.fixture
def sample_db(cli, data, tmp_path):
    db = tmp_path / "events.duckdb"
    assert cli("--db", db, "ingest", data(SAMPLE)).exit_code == 0
    return db


def _csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_out_into_folders_not_made_yet_makes_them(cli, sample_db, tmp_path):
    out = tmp_path / "exports" / "mali" / "events.csv"
    result = cli("--db", sample_db, "events", "--country", "MLI", "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert [row["source_id"] for row in _csv_rows(out)] and len(_csv_rows(out)) == 7


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_out_naming_a_folder_is_refused_before_any_work(cli, sample_db, tmp_path, fmt):
    folder = tmp_path / "reports"
    folder.mkdir()
    result = cli("--db", sample_db, "events", "--country", "MLI", "--format", fmt, "--out", folder)
    assert result.exit_code == 2
    assert f"cannot write {folder}: it is a folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(folder.iterdir()) == []


def test_out_under_a_file_is_refused_for_every_command(cli, sample_db, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("kept\n")
    for command in (["events"], ["batches"], ["quarantine"], ["threats", "--area", "MLI"]):
        result = cli("--db", sample_db, *command, "--format", "csv", "--out", a_file / "out.csv")
        assert result.exit_code == 2, command
        assert f"{a_file} is a file, not a folder" in result.stderr, command
    assert a_file.read_text() == "kept\n"


def test_write_frame_refuses_a_folder_in_the_python_api(sample_db, tmp_path):
    import bluehelmet

    with bluehelmet.open(sample_db, read_only=True) as store:
        frame = store.events(country="MLI")
    with pytest.raises(InvalidRequestError, match="it is a folder"):
        write_frame(frame, "csv", tmp_path)
    write_frame(frame, "csv", tmp_path / "new" / "mali.csv")
    assert len(_csv_rows(tmp_path / "new" / "mali.csv")) == 7


@pytest.mark.parametrize(
    ("country", "expected"),
    [("Democratic Republic of the Congo", 35), ("Burma", 9), ("DR Congo (Zaire)", 35), ("cod", 35), ("Mali", 7)],
)
def test_a_country_is_found_by_any_usual_name(cli, sample_db, country, expected):
    result = cli("--db", sample_db, "events", "--country", country, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(result.json()) == expected


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (["--country", "XYZ"], "no event has country 'XYZ'; the store has SYR, AFG, IND, MEX, COD"),
        (["--admin1", "Mopti regoin"], "no event has admin1 'Mopti regoin'; the closest in the store: 'Mopti region'"),
        (["--source", "ged"], "no event has source 'ged'; the closest in the store: 'ucdp-ged'"),
        (["--category", "protest"], "no event has violence category 'protest'; the store has"),
        (["--from", "1900", "--to", "1920"], "no event falls in the period asked for; the store's events run from 1989-"),
        (["--actor", "Kel Tamasheq"], "no event has a side named like 'Kel Tamasheq'; `bluehelmet actors search Kel Tamasheq`"),
        (["--country", "MLI", "--admin1", "Kabul province"], "no event matches all the filters together"),
    ],
)
def test_an_empty_answer_names_the_filter_that_matched_nothing(cli, sample_db, args, note):
    result = cli("--db", sample_db, "events", *args)
    assert result.exit_code == 0
    assert "0 events" in result.stdout
    assert f"note: {note}" in " ".join(result.stderr.split())


def test_no_note_when_events_are_found_or_none_were_asked_for(cli, sample_db):
    assert "note:" not in cli("--db", sample_db, "events", "--country", "MLI").stderr
    assert "note:" not in cli("--db", sample_db, "events", "--limit", "0").stderr


def test_the_reason_is_in_the_python_api(sample_db, store):
    import bluehelmet

    assert no_events_reason(store, EventFilter(country="MLI")) == (
        "the store holds no events: load some with `bluehelmet ingest FILE`"
    )
    with bluehelmet.open(sample_db, read_only=True) as sample:
        assert no_events_reason(sample, EventFilter(country="MLI")) is None
        assert no_events_reason(sample, EventFilter(admin1="mopti")) == (
            "no event has admin1 'mopti'; the closest in the store: 'Mopti region'"
        )


def test_quarantine_of_a_batch_the_store_never_had_says_so(cli, sample_db):
    result = cli("--db", sample_db, "quarantine", "--batch", "7")
    assert result.exit_code == 2
    assert "there is no batch 7 in this store: its batches are 1 to 1" in " ".join(result.stderr.split())
    # The sample's own batch rejected nothing: an empty table, not an error.
    assert cli("--db", sample_db, "quarantine", "--batch", "1").exit_code == 0


@pytest.mark.parametrize("country", ["MLI,COD", "mli, cod", "Mali,Democratic Republic of the Congo"])
def test_several_countries_joined_by_commas(cli, sample_db, country):
    result = cli("--db", sample_db, "events", "--country", country, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(result.json()) == 7 + 35


def test_a_list_of_countries_in_the_python_api(sample_db):
    import bluehelmet

    with bluehelmet.open(sample_db, read_only=True) as store:
        assert store.count_events(country=["MLI", "Burma"]) == 7 + 9
        # A name with a comma of its own stays one name.
        assert store.count_events(country="Korea, Republic of") == 0
        assert store.count_events(admin1=123) == 0  # not a type error


def test_every_output_file_option_is_checked_before_the_work(cli, sample_db, tmp_path):
    folder = tmp_path / "charts"
    folder.mkdir()
    checks = [
        ("actors", "lineage", "JNIM", "--chart", folder),
        ("forecast", "backtest", "--region", "MLI", "--scores", folder),
        ("forecast", "backtest", "--region", "MLI", "--report", folder),
        ("forecast", "predict", "--region", "MLI", "--train-until", "2018-12", "--out", tmp_path / "f.csv", "--map", folder),
    ]
    for args in checks:
        result = cli("--db", sample_db, *args)
        assert result.exit_code == 2, args
        assert f"cannot write {folder}: it is a folder" in " ".join(result.stderr.split()), args
    assert list(folder.iterdir()) == [] and not (tmp_path / "f.csv").exists()
    # A chart into folders not made yet makes them, as --out does.
    chart = tmp_path / "lineage" / "jnim.svg"
    assert cli("--db", sample_db, "actors", "lineage", "JNIM", "--chart", chart).exit_code == 0
    assert chart.read_text().lstrip().startswith("<?xml")

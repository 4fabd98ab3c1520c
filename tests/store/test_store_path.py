"""What --db may name: a DuckDB file (new or existing), never a folder or a data file."""

from __future__ import annotations

import pytest

import bluehelmet
from bluehelmet.errors import StoreError

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


def test_a_data_file_given_as_the_store_is_refused_and_left_alone(cli, data, tmp_path):
    # DuckDB would open the CSV as an in-memory database: the ingest would report 1,000 rows
    # stored and keep none.
    sheet = tmp_path / "events.csv"
    sheet.write_bytes(data(SAMPLE).read_bytes())
    result = cli("--db", sheet, "ingest", data(SAMPLE))
    assert result.exit_code == 2
    assert "is not a bluehelmet store (a DuckDB database file)" in result.stderr
    assert f"bluehelmet ingest {sheet}" in " ".join(result.stderr.split())
    assert sheet.read_bytes() == data(SAMPLE).read_bytes()


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="it is a folder; give a file such as .*bluehelmet.duckdb"):
        bluehelmet.open(tmp_path)


def test_a_new_path_becomes_a_store_that_keeps_what_is_ingested(data, tmp_path):
    path = tmp_path / "new" / "mission.duckdb"
    with bluehelmet.open(path) as store:
        assert bluehelmet.ingest(store, data(SAMPLE)).stored == 1000
    assert path.read_bytes()[8:12] == b"DUCK"
    with bluehelmet.open(path, read_only=True) as store:
        assert store.count("events") == 1000


def test_a_reading_command_on_no_store_says_the_store_is_new(cli, data, tmp_path):
    typo = tmp_path / "missoin.duckdb"
    result = cli("--db", typo, "events")
    assert result.exit_code == 0 and "0 events" in result.stdout
    assert f"there was no store at {typo}; it is new and empty" in " ".join(result.stderr.split())
    # Loading data into a new store is what ingest is for: no note.
    fresh = tmp_path / "fresh.duckdb"
    assert "no store" not in cli("--db", fresh, "ingest", data(SAMPLE)).stderr
    assert "no store" not in cli("--db", fresh, "events").stderr


def test_a_store_held_by_another_process_names_that_process(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    bluehelmet.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match=rf"is in use by another process \(PID {holder.pid}\), such as an ingest"):
            bluehelmet.open(path)
    finally:
        holder.kill()
        holder.wait()

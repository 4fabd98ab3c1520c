"""A streamed read that fails inside the store's transaction reports its own error, and leaves nothing."""

from __future__ import annotations

import duckdb
import pytest

from bluehelmet.sources.base import REJECT_SCHEMA, StreamedRead
from bluehelmet.store.engine import apply_streamed


def test_the_readers_error_is_reported_not_the_aborted_transaction(store, tmp_path):
    cleaned: list[str] = []

    def prepare(con):
        con.execute("CREATE TEMP VIEW _half_made AS SELECT 1 AS x")
        con.execute("SELECT * FROM read_csv('no-such-file.csv')")  # fails: the transaction is aborted
        raise AssertionError("not reached")

    def cleanup(con):
        cleaned.append("files")  # what is not SQL is still cleaned up
        con.execute("DROP VIEW IF EXISTS _half_made")

    events = tmp_path / "events.csv"
    events.write_text("id\n1\n")
    read = StreamedRead(
        kind="ucdp-ged", table="events", release=None, prepare=prepare,
        parser_rejects=lambda con: REJECT_SCHEMA.empty_table(), cleanup=cleanup,
    )
    with pytest.raises(duckdb.IOException, match="no-such-file.csv"):
        with store.transaction() as con:
            apply_streamed(con, read, path=events, file_bytes=events.stat().st_size, sha256="")
    assert cleaned == ["files"]
    # The rollback took the view and the batch with it.
    assert store.con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_half_made'").fetchall() == [(0,)]
    assert len(store.batches()) == 0

"""A killed ingest leaves nothing behind: re-running it stores each event exactly once."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time

import pandas as pd

import bluehelmet

PRECISE = "ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"

# The child ingests for real, but an extra step, run inside the ingest transaction after the
# rows are written, announces itself and stalls: the parent kills the child right there.
CHILD = """
import sys, time, pathlib
import bluehelmet
from bluehelmet.ingest import after_ingest

marker = pathlib.Path(sys.argv[3])

@after_ingest("stall-for-crash-test")
def stall(con, table, batch_id):
    rows = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    marker.write_text(str(rows))
    time.sleep(120)

store = bluehelmet.open(sys.argv[1])
bluehelmet.ingest(store, sys.argv[2], "ucdp-ged")
"""


def test_sigkill_mid_ingest_then_rerun_stores_each_event_once(tmp_path, data):
    db = tmp_path / "crash.duckdb"
    marker = tmp_path / "inside-transaction"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(data(PRECISE)), str(marker)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the ingest process ended before reaching the transaction"
            assert time.monotonic() < deadline, "the ingest never reached its transaction"
            time.sleep(0.05)
        written_before_kill = int(marker.read_text() or 0)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert written_before_kill == 159_194  # the rows were in the store, uncommitted, when killed

    with bluehelmet.open(db) as store:
        assert store.count("events") == 0  # the killed transaction left nothing
        assert len(store.batches()) == 0
        report = bluehelmet.ingest(store, data(PRECISE), "ucdp-ged")
        assert report.stored == 159_194 and not report.already_ingested
    with bluehelmet.open(db) as store:  # and after a restart
        per_uid = store.sql("SELECT uid, count(*) AS n FROM events GROUP BY uid")
        with gzip.open(data(PRECISE), "rt", encoding="utf-8") as handle:
            ids = pd.read_csv(handle, usecols=["id"])["id"]
        assert len(per_uid) == ids.nunique() == 159_194
        assert per_uid["n"].max() == 1
        assert len(store.batches()) == 1

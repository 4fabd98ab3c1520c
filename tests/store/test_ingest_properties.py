"""Property: for any mix of good and bad rows, rows_in = stored + updated + unchanged + rejected."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bluehelmet
from bluehelmet.data import bundled

SAMPLE = bundled("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv")
with open(SAMPLE, encoding="utf-8") as _handle:
    _ROWS = list(csv.reader(_handle))
HEADER, ROWS = _ROWS[0], _ROWS[1:]
COL = {name: i for i, name in enumerate(HEADER)}

# What a row can suffer on its way through spreadsheets and scripts.
DAMAGE = {
    "none": lambda r: r,
    "impossible_date": lambda r: _set(r, "date_start", "2019-02-31 00:00:00.000"),
    "text_date": lambda r: _set(r, "date_start", "last tuesday"),
    "negative_deaths": lambda r: _set(r, "best", "-3"),
    "text_deaths": lambda r: _set(r, "best", "many"),
    "latitude_out_of_range": lambda r: _set(r, "latitude", "123.4"),
    "longitude_text": lambda r: _set(r, "longitude", "east"),
    "missing_id": lambda r: _set(r, "id", ""),
    "revised": lambda r: _set(r, "best", str(int(r[COL["best"]]) + 7)),
    "truncated": lambda r: r[:12],
}


def _set(row: list[str], column: str, value: str) -> list[str]:
    row = list(row)
    row[COL[column]] = value
    return row


rows_strategy = st.lists(
    st.tuples(st.integers(0, len(ROWS) - 1), st.sampled_from(sorted(DAMAGE))), min_size=1, max_size=25
)


def _write(path: Path, picks: list[tuple[int, str]]) -> set[str]:
    """Write the picked rows; return the ids of the rows that are valid."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    valid = set()
    for index, damage in picks:
        row = DAMAGE[damage](ROWS[index])
        writer.writerow(row)
        if damage in ("none", "revised"):
            valid.add(row[COL["id"]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return valid


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=rows_strategy, second=rows_strategy)
def test_every_row_is_accounted_for(first, second):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with bluehelmet.open(tmp / "p.duckdb") as store:
            valid = set()
            for n, picks in enumerate((first, second)):
                path = tmp / f"ged231_part{n}.csv"
                valid |= _write(path, picks)
                report = bluehelmet.ingest(store, path, "ucdp-ged")
                assert report.rows_in == len(picks)
                assert report.rows_in == report.stored + report.updated + report.unchanged + report.rejected
                assert store.quarantine(report.batch_id).shape[0] == report.rejected
            # Every valid event is stored exactly once, and nothing else is.
            stored = store.sql("SELECT source_id, count(*) AS n FROM events GROUP BY 1")
            assert set(stored["source_id"]) == valid
            assert stored["n"].max() == 1 if len(stored) else True

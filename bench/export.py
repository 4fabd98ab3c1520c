"""Exporting a million events to a file: straight from the store against the DataFrame route.

The store is made by ingesting the resampled GED file of ``bench/ingest.py`` (the 1,000 real
events of the bundled GED 23.1 sample resampled to ``--rows`` rows with new ids). Two ways of
writing every event to a ``--format`` file (csv, json, geojson, parquet or xlsx), each in its own
process so that peak memory is its own (``xlsx``: a sheet holds at most 1,048,575 rows, so
give ``--rows 100000``):

- ``store``: ``bluehelmet.exports.write_events_file`` (what ``bluehelmet events --format F
  --out FILE`` runs): DuckDB reads the rows under a 2 GB memory cap and writes the CSV or JSON
  itself, or hands Arrow batches to the GeoParquet or workbook writer;
- ``dataframe``: ``store.events()`` into pandas, then ``write_frame(...)``, the route the
  other formats take.

Run: ``.venv/bin/python bench/export.py [--format csv|json|geojson|parquet|xlsx] [--rows 1000000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import make_input, run_in_fresh_process  # noqa: E402  (the same input and runner as the ingest benchmark)

WORKERS = {
    "store": """
import bluehelmet
from bluehelmet.exports import write_events_file
from bluehelmet.store import EventFilter
with bluehelmet.open(DB) as store:
    write_events_file(store, EventFilter(), OUT, fmt=FORMAT)
""",
    "dataframe": """
import bluehelmet
from bluehelmet.exports import write_frame
with bluehelmet.open(DB) as store:
    write_frame(store.events(), FORMAT, OUT)
""",
}


def measure(name: str, db: Path, out: Path, fmt: str) -> dict:
    """Run one export in a fresh process; return its seconds, peak RSS (MB) and file size."""
    result = run_in_fresh_process(f"{name} export", WORKERS[name], {"DB": str(db), "OUT": str(out), "FORMAT": fmt})
    result["mb"] = out.stat().st_size / 1e6
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("csv", "json", "geojson", "parquet", "xlsx"), default="csv", dest="fmt")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import bluehelmet

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source, db = folder / "ged_resampled.csv", folder / "events.duckdb"
        started = time.perf_counter()
        make_input("ucdp-ged", args.rows, source)
        with bluehelmet.open(db) as store:
            stored = bluehelmet.ingest(store, source, "ucdp-ged").stored
        source.unlink()
        print(f"store: {stored:,} GED events resampled from the 1,000 real events of GED 23.1 "
              f"(made in {time.perf_counter() - started:.0f} s)")
        runs: dict[str, list[dict]] = {name: [] for name in WORKERS}
        for round_ in range(1, args.rounds + 1):
            for name, found in runs.items():
                found.append(measure(name, db, folder / f"{name}.{args.fmt}", args.fmt))
            print(f"round {round_}: " + ", ".join(f"{n} {r[-1]['seconds']:.1f} s" for n, r in runs.items()), flush=True)
    medians = {}
    for name, found in runs.items():
        seconds = sorted(r["seconds"] for r in found)
        medians[name] = statistics.median(seconds)
        print(f"{name:>10}: {medians[name]:6.1f} s median ({seconds[0]:.1f}-{seconds[-1]:.1f})  "
              f"peak {max(r['peak_mb'] for r in found):,.0f} MB  file {found[0]['mb']:,.0f} MB")
    print(f"straight from the store: {medians['dataframe'] / medians['store']:.1f}x faster than the DataFrame route")


if __name__ == "__main__":
    main()

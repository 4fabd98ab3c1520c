"""Ingest speed and memory on a million GED rows, against DuckDB's own CSV read and pandas.

The input is made by resampling the 1,000 real events of the bundled UCDP GED 23.1 sample
(with replacement) to 1,000,000 rows, each given a new unique id: the figures below are for
*resampled real rows*, not for a real million-event file.

``--source acled`` measures the ACLED reader the same way, on the eleven hand-written dyadic
rows of the test fixtures (no ACLED data is shipped) resampled to ``--rows`` events.

Three measurements, each in its own process so that peak memory (max RSS) is its own:

- ``bluehelmet``: ``bluehelmet.ingest`` into a new store (read, validate, map, write, index);
- ``duckdb``: ``CREATE TABLE t AS SELECT * FROM read_csv(file)``, the floor;
- ``pandas``: ``pandas.read_csv(file)`` alone, what an analyst would otherwise do.

Each time starts before the library is imported, so it includes the import (about half a
second for pandas or bluehelmet), as a user's run would.

Targets: bluehelmet throughput at least 0.4x DuckDB's raw read and at least 2x pandas; peak
memory under 1.5 GB.

Each measurement runs ``--rounds`` times (default 3), the three alternating, and the medians are
compared: on a shared virtual machine single runs vary by a fifth.

``--cores N`` pins every measurement to the first N processors, to show how the three scale
with cores: DuckDB's reads use every core they are given, pandas.read_csv uses one.

``--parsers`` also times the fastest CSV readers at hand on the same file, each reading it into
memory and nothing more: DuckDB without a database file, pyarrow (which must be told that
values hold line breaks, as GED's source fields do) and polars when it is installed (it is not
a dependency: ``.venv/bin/pip install polars``). No ingest can be faster than its read, so the
fastest of these bounds what the "2x pandas" target can reach on the machine.

Run: ``.venv/bin/python bench/ingest.py [--source ucdp-ged|acled] [--rows 1000000] [--rounds 3] [--cores N] [--parsers]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Per source: the rows resampled, their id column, the SQL giving row k a fresh id, and what
# the input is, as printed.
SOURCES = {
    "ucdp-ged": (
        ROOT / "src/bluehelmet/data/ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv",
        "id", "CAST(10000000 + k AS VARCHAR)", "GED rows resampled from the 1,000 real events of GED 23.1",
    ),
    "acled": (
        ROOT / "tests/sources/fixtures/acled/mali_dyadic_2023.csv",
        "event_id_cnty", "'MLI' || CAST(100000 + k AS VARCHAR)",
        "ACLED events resampled from the 11 hand-written dyadic rows of the test fixtures",
    ),
}

WORKERS = {
    "bluehelmet": """
import bluehelmet
store = bluehelmet.open(DB)
report = bluehelmet.ingest(store, FILE, KIND)
assert report.stored == report.rows_in - report.rejected, report
rows = report.stored
""",
    "duckdb": """
import duckdb
con = duckdb.connect(DB)
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{FILE}')")
rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
""",
    "pandas": """
import pandas
rows = len(pandas.read_csv(FILE, low_memory=False))
""",
}

# Readers timed with --parsers: the file into memory, no store.
PARSERS = {
    "duckdb in memory": """
import duckdb
con = duckdb.connect()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{FILE}')")
rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
""",
    "pyarrow": """
import pyarrow.csv
rows = pyarrow.csv.read_csv(FILE, parse_options=pyarrow.csv.ParseOptions(newlines_in_values=True)).num_rows
""",
    "polars": """
import polars
rows = polars.read_csv(FILE, infer_schema_length=10000).height
""",
}


def make_input(source: str, rows: int, out: Path) -> None:
    """Resample the source's rows to ``rows`` rows with fresh unique ids."""
    sample, id_column, fresh_id, _ = SOURCES[source]
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""
        COPY (
          WITH sample AS (SELECT * FROM read_csv('{sample}', all_varchar=true)),
               picks AS (SELECT range AS k, CAST(floor(random() * (SELECT count(*) FROM sample)) AS INTEGER) AS pick
                         FROM range({rows})),
               numbered AS (SELECT *, row_number() OVER () - 1 AS pick FROM sample)
          SELECT * EXCLUDE (k, pick) REPLACE ({fresh_id} AS {id_column})
          FROM picks JOIN numbered USING (pick) ORDER BY k
        ) TO '{out}' (HEADER, DELIMITER ',')
        """
    )


def run_in_fresh_process(name: str, body: str, variables: dict[str, str], cores: int | None = None) -> dict:
    """Run ``body`` (Python source, with ``variables`` defined) in a new interpreter, on the first
    ``cores`` processors if given; return its seconds, ``rows`` if it sets them, and its peak RSS
    in MB (``peak_mb``)."""
    # VmHWM (peak resident memory) starts afresh at exec, unlike ru_maxrss, which a child
    # inherits from the process that started it.
    # Pinning happens before duckdb is imported, so its thread pool is sized to what it may use.
    pin = f"import os\nos.sched_setaffinity(0, range({cores}))\n" if cores else ""
    code = (
        pin + "import time, json\n"
        + "".join(f"{variable} = {value!r}\n" for variable, value in variables.items())
        + "t0 = time.perf_counter()\n"
        + body
        + "\nelapsed = time.perf_counter() - t0\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(json.dumps({'seconds': elapsed, 'rows': globals().get('rows'), 'peak_mb': int(hwm) / 1024}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"the {name} run failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def measure(name: str, file: Path, workdir: Path, source: str, cores: int | None = None) -> dict:
    """Run one worker in a fresh process (on the first ``cores`` processors if given); return
    seconds, rows and peak RSS in MB."""
    db = workdir / f"{name.replace(' ', '_')}.duckdb"
    # Every round starts from no store at all (a second ingest would only find the file in).
    for leftover in (db, db.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    variables = {"FILE": str(file), "DB": str(db), "KIND": source}
    return run_in_fresh_process(name, (WORKERS | PARSERS)[name], variables, cores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=sorted(SOURCES), default="ucdp-ged", help="the reader measured")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three measurements; medians are compared")
    parser.add_argument("--cores", type=int, default=None, help="pin every measurement to the first N processors")
    parser.add_argument("--parsers", action="store_true", help="also time the fastest CSV readers at hand (read alone)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        file = workdir / f"{args.source}_resampled.csv"
        started = time.perf_counter()
        make_input(args.source, args.rows, file)
        size_mb = file.stat().st_size / 1e6
        cores = args.cores or len(os.sched_getaffinity(0))
        print(f"on {cores} of {os.cpu_count()} processors")
        print(f"input: {args.rows:,} {SOURCES[args.source][3]} "
              f"({size_mb:,.0f} MB, made in {time.perf_counter() - started:.1f} s)")
        # The three alternate round by round, so a slow spell of the machine (disk flushes,
        # other tenants) touches all of them; each figure is the median of its rounds.
        runs: dict[str, list[dict]] = {"duckdb": [], "pandas": [], "bluehelmet": []}
        if args.parsers:
            runs |= {name: [] for name in PARSERS if name != "polars" or importlib.util.find_spec("polars")}
            if "polars" not in runs:
                print("polars is not installed; '.venv/bin/pip install polars' to time it too")
        for round_ in range(1, args.rounds + 1):
            for name, found in runs.items():
                found.append(measure(name, file, workdir, args.source, args.cores))
            print(f"round {round_}: " + ", ".join(f"{n} {r[-1]['seconds']:.2f} s" for n, r in runs.items()), flush=True)
    results = {}
    for name, found in runs.items():
        seconds = sorted(r["seconds"] for r in found)
        results[name] = {"seconds": statistics.median(seconds), "rows": found[0]["rows"], "peak_mb": max(r["peak_mb"] for r in found)}
        print(f"{name:>16}: {results[name]['seconds']:7.2f} s median ({seconds[0]:.2f}-{seconds[-1]:.2f})  "
              f"{results[name]['rows'] / results[name]['seconds']:>10,.0f} rows/s  peak {results[name]['peak_mb']:,.0f} MB")
    bh, dk, pd_ = results["bluehelmet"], results["duckdb"], results["pandas"]
    vs_duckdb = dk["seconds"] / bh["seconds"]
    vs_pandas = pd_["seconds"] / bh["seconds"]
    print(f"bluehelmet throughput = {vs_duckdb:.2f}x DuckDB raw read (target >= 0.4), "
          f"{vs_pandas:.2f}x pandas.read_csv (target >= 2); peak {bh['peak_mb']:,.0f} MB (target < 1,500)")
    readers = {name: found for name, found in results.items() if name in PARSERS}
    if readers:
        fastest = min(readers, key=lambda name: readers[name]["seconds"])
        ceiling = pd_["seconds"] / readers[fastest]["seconds"]
        print(f"fastest read alone: {fastest}, {readers[fastest]['seconds']:.2f} s = {ceiling:.2f}x pandas.read_csv: "
              f"no ingest of this file can do better on these processors")


if __name__ == "__main__":
    main()

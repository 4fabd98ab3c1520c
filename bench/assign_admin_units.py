"""Benchmark: admin units for a million events by point in polygon (Mali cercles and regions).

Run with ``python bench/assign_admin_units.py [N]``; prints the time of the assignment.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import bluehelmet
from bluehelmet.data import bundled
from bluehelmet.geo.assign import assign_admin_units

FOLDER = "mali_admin_boundaries_ocha_codab"


def main(n: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as folder, bluehelmet.open(Path(folder) / "bench.duckdb") as store:
        for level in ("adm1_gov_ocha_itos", "adm2_gov_ocha_itos"):
            bluehelmet.ingest(store, bundled(f"{FOLDER}/mli_admbnda_{level}/mli_admbnda_{level}.shp"))
        rng = np.random.default_rng(1)
        store.con.register("_points", pa.table({
            "uid": pa.array([f"b:{i}" for i in range(n)]),
            "lon": rng.uniform(-12.3, 4.3, n), "lat": rng.uniform(10.1, 25.0, n),
        }))
        # Every point coded Mali: the points outside its polygons are all tried against the nearest unit.
        store.con.execute(
            "INSERT INTO events (uid, source, source_id, country_iso3, longitude, latitude) "
            "SELECT uid, 'bench', uid, 'MLI', lon, lat FROM _points"
        )
        started = time.perf_counter()
        assigned = assign_admin_units(store.con)
        print(f"{n:,} events, {assigned:,} assigned in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

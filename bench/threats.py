"""Threat-assessment speed on a 1,000,000-event store, against the same work in raw DuckDB SQL and pandas.

The store is made by **resampling real events**: the Mali events of the bundled UCDP GED 21.1
extract (sides, violence type, death estimates) are drawn with replacement to 1,000,000 rows,
each placed at a random point inside one of Mali's 50 admin2 units (COD-AB), drawn in
proportion to the real events per unit, on a random day of 2009-2018, with a new unique id.
The figures below are for resampled real rows, not for a real million-event file.

Measured for one country-year (2018, about 100,000 events), median of ``--repeat`` runs:

- ``threat_matrix`` by admin2 x perpetrator kind x category x month, with and without the
  event ids of each row; the same aggregation in raw DuckDB SQL on the same store (the
  floor); and in pandas on a frame already in memory (its load time reported apart);
- ``hotspots`` on admin2 units and on PRIO-GRID cells (24 months: 2017-2018);
- the whole situation report (HTML), and as PDF.

Targets: the matrix within 2x of raw DuckDB SQL and faster than pandas; the whole report under
30 seconds. Run: ``.venv/bin/python bench/threats.py [--events 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

import bluehelmet
from bluehelmet.data import bundled
from bluehelmet.geo.priogrid import gid

ROOT = Path(__file__).resolve().parents[1]
GED = "ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"
ADM = {1: "mali_admin_boundaries_ocha_codab/mli_adm1.geojson", 2: "mali_admin_boundaries_ocha_codab/mli_adm2.geojson"}

RAW_SQL = """
SELECT coalesce(admin2_pcode, 'unassigned') AS admin2_code,
       coalesce(admin2_name, 'unassigned') AS admin2_name,
       coalesce(admin1_name, 'unassigned') AS admin1_name,
       CASE WHEN violence_category IN ('one_sided', 'riot') THEN 'unresolved' ELSE 'unresolved vs unresolved' END AS perpetrator_kind,
       violence_category, strftime(date_start, '%Y-%m') AS month,
       count(*) AS events,
       sum(CASE WHEN violence_category = 'one_sided' THEN coalesce(deaths_best, deaths_civilians, 0) ELSE coalesce(deaths_civilians, 0) END) AS best,
       sum(CASE WHEN violence_category = 'one_sided' THEN coalesce(deaths_low, deaths_best, deaths_civilians, 0) ELSE coalesce(deaths_civilians, 0) END) AS low,
       sum(CASE WHEN violence_category = 'one_sided' THEN coalesce(deaths_high, deaths_best, deaths_civilians, 0) ELSE coalesce(deaths_civilians, 0) END) AS high,
       count_if(violence_category = 'one_sided') AS one_sided,
       count_if(violence_category = 'one_sided') / count(*) AS one_sided_share,
       CASE WHEN count(native_subtype) > 0 THEN count_if(lower(native_subtype) LIKE '%abduction%') END AS abductions,
       CASE WHEN count(native_subtype) > 0 THEN count_if(lower(native_subtype) LIKE '%sexual violence%') END AS sexual_violence
       {ids}
FROM events
WHERE country_iso3 = 'MLI' AND date_start BETWEEN DATE '2018-01-01' AND DATE '2018-12-31' AND NOT coalesce(deleted, false)
  AND violence_category IN ('state_based', 'non_state', 'one_sided', 'riot')
GROUP BY ALL
"""


def pandas_matrix(frame: pd.DataFrame, with_ids: bool) -> pd.DataFrame:
    """The same aggregation in pandas, on the events already in memory."""
    f = frame[(frame["country_iso3"] == "MLI") & (frame["date_start"] >= pd.Timestamp("2018-01-01"))
              & (frame["date_start"] <= pd.Timestamp("2018-12-31")) & ~frame["deleted"].fillna(False)
              & frame["violence_category"].isin(["state_based", "non_state", "one_sided", "riot"])].copy()
    one = f["violence_category"] == "one_sided"
    civ = f["deaths_civilians"].fillna(0)
    f["best"] = np.where(one, f["deaths_best"].fillna(f["deaths_civilians"]).fillna(0), civ)
    f["low"] = np.where(one, f["deaths_low"].fillna(f["deaths_best"]).fillna(0), civ)
    f["high"] = np.where(one, f["deaths_high"].fillna(f["deaths_best"]).fillna(0), civ)
    f["one"] = one.astype(int)
    f["abd"] = f["native_subtype"].str.lower().str.contains("abduction", na=False)
    f["sex"] = f["native_subtype"].str.lower().str.contains("sexual violence", na=False)
    f["coded"] = f["native_subtype"].notna()
    f["admin2_code"] = f["admin2_pcode"].fillna("unassigned")
    f["admin2_name"] = f["admin2_name"].fillna("unassigned")
    f["admin1_name"] = f["admin1_name"].fillna("unassigned")
    f["perpetrator_kind"] = np.where(f["violence_category"].isin(["one_sided", "riot"]), "unresolved", "unresolved vs unresolved")
    f["month"] = f["date_start"].dt.strftime("%Y-%m")
    aggs = dict(events=("uid", "size"), best=("best", "sum"), low=("low", "sum"), high=("high", "sum"), one_sided=("one", "sum"),
                abductions=("abd", "sum"), sexual_violence=("sex", "sum"), coded=("coded", "sum"))
    if with_ids:
        aggs["event_ids"] = ("uid", lambda s: sorted(s))
    out = f.groupby(["admin2_code", "admin2_name", "admin1_name", "perpetrator_kind", "violence_category", "month"]).agg(**aggs)
    out["one_sided_share"] = out["one_sided"] / out["events"]
    out.loc[out["coded"] == 0, ["abductions", "sexual_violence"]] = np.nan
    return out.reset_index()


def build_store(path: Path, n: int, seed: int = 2018) -> float:
    """Write the resampled store; returns the seconds it took."""
    import geopandas as gpd

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    raw = pd.read_csv(bundled(GED)).drop_duplicates("id")
    mali = raw[raw["country"] == "Mali"].reset_index(drop=True)
    units = gpd.read_file(bundled(ADM[2]))
    pts = gpd.GeoDataFrame(mali, geometry=gpd.points_from_xy(mali["longitude"], mali["latitude"]), crs="EPSG:4326")
    counts = gpd.sjoin(pts, units[["admin2Pcod", "geometry"]], predicate="intersects")["admin2Pcod"].value_counts()
    weights = units["admin2Pcod"].map(counts).fillna(0).to_numpy() + 1.0  # every unit gets some events
    unit_of = rng.choice(len(units), size=n, p=weights / weights.sum())
    lat = np.empty(n)
    lon = np.empty(n)
    for u in np.unique(unit_of):
        idx = np.flatnonzero(unit_of == u)
        geom = units.geometry.iloc[u]
        minx, miny, maxx, maxy = geom.bounds
        todo = idx
        while todo.size:
            x = rng.uniform(minx, maxx, todo.size * 2)
            y = rng.uniform(miny, maxy, todo.size * 2)
            inside = shapely.contains_xy(geom, x, y)
            take = min(todo.size, int(inside.sum()))
            lon[todo[:take]] = x[inside][:take]
            lat[todo[:take]] = y[inside][:take]
            todo = todo[take:]
    rows = mali.iloc[rng.integers(0, len(mali), size=n)].reset_index(drop=True)
    days = pd.Timestamp("2009-01-01") + pd.to_timedelta(rng.integers(0, 3652, size=n), unit="D")
    category = rows["type_of_violence"].str.lower().map(
        lambda t: "one_sided" if t.startswith("one") else ("non_state" if t.startswith("non") else "state_based")
    )
    table = pd.DataFrame({
        "uid": [f"bench:{i}" for i in range(n)], "source": "ucdp-ged", "source_id": [str(i) for i in range(n)], "release": "21.1-resampled",
        "date_start": days.date, "date_end": days.date, "latitude": lat, "longitude": lon, "country": "Mali", "country_iso3": "MLI",
        "priogrid_gid": gid(lat, lon).astype("int32"), "violence_category": category.to_numpy(),
        "side_a": rows["side_a"].to_numpy(), "side_b": rows["side_b"].to_numpy(),
        "deaths_best": rows["best_death"].astype("int32"), "deaths_low": rows["low_death"].astype("int32"),
        "deaths_high": rows["high_death"].astype("int32"), "deleted": np.zeros(n, dtype=bool),
    })
    table = pa.Table.from_pandas(table, preserve_index=False)
    with bluehelmet.open(path) as store:
        store.con.register("bench_rows", table)
        store.con.execute("INSERT INTO events BY NAME SELECT * FROM bench_rows")
        store.con.unregister("bench_rows")
        _load_units(store)
    return time.perf_counter() - started


def _load_units(store) -> None:
    """Mali's units: with the boundaries reader when there is one, else written as that reader would."""
    from bluehelmet.geo.assign import assign_admin_units
    from bluehelmet.sources import kinds

    if "boundaries" in kinds():
        for level in (1, 2):
            bluehelmet.ingest(store, bundled(ADM[level]), "boundaries")
        return
    import geopandas as gpd

    for level in (1, 2):
        frame = gpd.read_file(bundled(ADM[level]))
        for row in frame.itertuples():
            minx, miny, maxx, maxy = row.geometry.bounds
            pcode = getattr(row, f"admin{level}Pcod")
            store.con.execute(
                "INSERT INTO admin_units (uid, release, pcode, level, name, parent_pcode, admin1_pcode, admin1_name, country_iso3, "
                "geometry, min_x, min_y, max_x, max_y, source) VALUES (?, '2015-04-08', ?, ?, ?, ?, ?, ?, 'MLI', ?, ?, ?, ?, ?, 'ocha-codab')",
                [pcode, pcode, level, getattr(row, f"admin{level}Name"), "ML" if level == 1 else row.admin1Pcod, row.admin1Pcod,
                 row.admin1Name, shapely.to_wkb(row.geometry), minx, miny, maxx, maxy],
            )
    assign_admin_units(store.con, "country_iso3 = ?", ["MLI"])


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the store at this path")
    args = parser.parse_args()
    from bluehelmet.analysis.hotspots import hotspots
    from bluehelmet.analysis.threats import threat_matrix
    from bluehelmet.reports import write_report

    folder = Path(tempfile.mkdtemp(prefix="bench-threats-"))
    db = args.keep or folder / "bench.duckdb"
    if not db.exists():
        print(f"building a {args.events:,}-event store (resampled real GED 21.1 Mali events) ...", flush=True)
        print(f"  built in {build_store(db, args.events):.1f} s", flush=True)
    results = []
    with bluehelmet.open(db) as store:
        year_events = store.con.execute(
            "SELECT count(*) FROM events WHERE date_start BETWEEN DATE '2018-01-01' AND DATE '2018-12-31'"
        ).fetchall()[0][0]
        by = ["admin2", "kind", "category", "month"]
        t_ids, m = timed(lambda: threat_matrix(store, "MLI", "2018-01", "2018-12", by=by), args.repeat)
        t_noids, _ = timed(lambda: threat_matrix(store, "MLI", "2018-01", "2018-12", by=by, with_event_ids=False), args.repeat)
        t_sql_ids, raw = timed(lambda: store.con.execute(RAW_SQL.format(ids=", list(uid ORDER BY uid) AS event_ids")).df(), args.repeat)
        t_sql, _ = timed(lambda: store.con.execute(RAW_SQL.format(ids="")).df(), args.repeat)
        started = time.perf_counter()
        frame = store.con.execute(
            "SELECT uid, country_iso3, date_start, deleted, violence_category, deaths_best, deaths_low, deaths_high, deaths_civilians, "
            "native_subtype, admin2_pcode, admin2_name, admin1_name FROM events"
        ).df()
        frame["date_start"] = pd.to_datetime(frame["date_start"])
        t_load = time.perf_counter() - started
        t_pd_ids, pdm = timed(lambda: pandas_matrix(frame, True), args.repeat)
        t_pd, _ = timed(lambda: pandas_matrix(frame, False), args.repeat)
        assert len(m.frame) == len(raw) == len(pdm), (len(m.frame), len(raw), len(pdm))
        assert int(m.frame["civilian_deaths_best"].sum()) == int(raw["best"].sum()) == int(pdm["best"].sum())
        t_hot2, hot = timed(lambda: hotspots(store, "MLI", "2017-01", "2018-12", level="admin2"), args.repeat)
        t_hotg, hotg = timed(lambda: hotspots(store, "MLI", "2017-01", "2018-12", level="grid"), args.repeat)
        t_html, _ = timed(lambda: write_report(store, "MLI", "2018-01", "2018-12", folder / "report.html"), 1)
        t_pdf, _ = timed(lambda: write_report(store, "MLI", "2018-01", "2018-12", folder / "report.pdf"), 1)
        results = [
            ("threat matrix, with event ids (bluehelmet)", t_ids, f"{t_ids / t_sql_ids:.2f}x raw SQL with ids; {t_pd_ids / t_ids:.1f}x faster than pandas"),
            ("threat matrix, no ids (bluehelmet)", t_noids, f"{t_noids / t_sql:.2f}x raw SQL; {t_pd / t_noids:.1f}x faster than pandas"),
            ("same aggregation, raw DuckDB SQL, with ids", t_sql_ids, ""),
            ("same aggregation, raw DuckDB SQL, no ids", t_sql, ""),
            ("same aggregation, pandas, with ids (frame in memory)", t_pd_ids, f"+ {t_load:.2f} s to load the 1M events into pandas"),
            ("same aggregation, pandas, no ids (frame in memory)", t_pd, ""),
            ("hotspots, 50 admin2 units x 24 months", t_hot2, f"{(hot['pattern'] != 'no pattern').sum() - 1} units with a pattern"),
            (f"hotspots, {len(hotg) - 1} PRIO-GRID cells x 24 months", t_hotg, ""),
            ("situation report, HTML (whole)", t_html, ""),
            ("situation report, PDF (whole)", t_pdf, ""),
        ]
    print(f"\nstore: {args.events:,} resampled events; country-year 2018: {year_events:,} events; matrix rows: {len(m.frame):,}\n")
    print("| measurement | seconds (median) | note |\n| --- | ---: | --- |")
    for name, seconds, note in results:
        print(f"| {name} | {seconds:.3f} | {note} |")


if __name__ == "__main__":
    main()

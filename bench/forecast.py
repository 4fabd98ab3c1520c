"""Benchmark: the Africa PRIO-GRID-month panel (DuckDB vs plain pandas) and the full backtest.

Ingests the bundled UCDP GED 21.1 precise-location extract into a fresh store, builds the Africa
panel 1989-2018 both ways (checking they agree), then runs the rolling-origin backtest (12
origins x 12 horizons, every baseline and the learned model over several seeds), reporting wall
time and peak resident memory of each stage. Writes the HTML report, every score as CSV, and a
JSON summary into --out.

    python bench/forecast.py --out bench/out/forecast
    python bench/forecast.py --origins 4 --seeds 0   # a quicker run
    python bench/forecast.py --context               # with UN presence and ACD features
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import bluehelmet
from bluehelmet.analysis.forecast.backtest import DEFAULT_MODELS, Prepared, quarterly_origins, run_backtest
from bluehelmet.analysis.forecast.context import conflict_intensity, context_status, un_presence
from bluehelmet.analysis.forecast.features import build_features
from bluehelmet.analysis.forecast.months import month_id
from bluehelmet.analysis.forecast.panel import build_panel, build_panel_pandas
from bluehelmet.analysis.forecast.region import resolve_region
from bluehelmet.analysis.forecast.report import pooled_table, skill_table, write_report
from bluehelmet.data import bundled

STAGES: list[dict] = []
CONTEXT_FILES = [
    ("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv", "ucdp-acd"),
    ("geopko_v1_africa/geopko.csv", "geopko"),
    ("radpko_bases_country_year/radpko_bases_cc_y.csv", "radpko"),
]


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def stage(name: str):
    """Time a stage and sample its peak resident memory every 20 ms."""
    peak = [_rss_mb()]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    clock = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - clock
        done.set()
        thread.join()
        peak[0] = max(peak[0], _rss_mb())
        STAGES.append({"stage": name, "seconds": round(seconds, 2), "peak_rss_mb": round(peak[0], 1)})
        print(f"{name:<40} {seconds:9.2f} s   peak RSS {peak[0]:8.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench/out/forecast"))
    parser.add_argument("--region", default="africa")
    parser.add_argument("--first-origin", default="2014-12")
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--step", type=int, default=3)
    parser.add_argument("--horizons", type=int, default=12)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--window", type=int, default=120)
    parser.add_argument("--store", type=Path, default=None, help="reuse a store that already holds GED 21.1")
    parser.add_argument("--panel-only", action="store_true", help="only compare the panel builds")
    parser.add_argument(
        "--context", action="store_true",
        help="also ingest UCDP/PRIO ACD 23.1, Geo-PKO v1 and RADPKO, so UN presence and conflict-intensity features are used",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    origins = quarterly_origins(args.first_origin, args.origins, args.step)
    horizons = list(range(1, args.horizons + 1))
    print(f"cores: {os.cpu_count()}  region: {args.region}  origins: {len(origins)}  horizons: {len(horizons)}  seeds: {seeds}")

    db = args.store or args.out / "bench.duckdb"
    if args.store is None and db.exists():
        db.unlink()
    with bluehelmet.open(db) as store:
        if args.store is None:
            with stage("ingest GED 21.1 (159,194 events)"):
                bluehelmet.ingest(store, bundled("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"), "ucdp-ged")
            if args.context:
                with stage("ingest context (ACD 23.1, Geo-PKO v1, RADPKO)"):
                    for relative, kind in CONTEXT_FILES:
                        bluehelmet.ingest(store, bundled(relative), kind)
        start, end = month_id("1989-01"), month_id("2018-12")
        with stage("region (cells as of first origin)"):
            region = resolve_region(store, args.region, cutoff=origins[0])
        # Alternate the two builds three times (the first run also warms the file cache) and
        # compare medians, so neither side profits from running second.
        for run in range(1, 4):
            with stage(f"panel, DuckDB SQL (run {run})"):
                panel = build_panel(store, region, start, end)
            with stage(f"panel, plain pandas (run {run})"):
                # pandas gets the raw tables and does the filtering, joining and grouping itself.
                events = store.con.execute("SELECT uid, priogrid_gid, date_start, violence_category, deaths_best, side_a FROM events").df()
                resolved = {"event_actors", "actors"} <= set(store.tables())
                event_actors = store.con.execute("SELECT event_uid, role, actor_id FROM event_actors").df() if resolved else None
                actors = store.con.execute("SELECT actor_id, kind FROM actors").df() if resolved else None
                reference = build_panel_pandas(events, region, start, end, event_actors, actors)
        for name in ("osv_deaths", "sb_deaths", "ns_events", "osv_deaths_state", "osv_deaths_nonstate"):
            assert np.array_equal(reference[name].to_numpy(), panel.series[name].ravel()), name
        duck = float(np.median([s["seconds"] for s in STAGES if s["stage"].startswith("panel, DuckDB")]))
        plain = float(np.median([s["seconds"] for s in STAGES if s["stage"].startswith("panel, plain pandas")]))
        print(f"panel: {len(region):,} cells x {end - start + 1} months; median DuckDB {duck:.2f} s, pandas {plain:.2f} s: {plain / duck:.1f}x")
        if args.panel_only:
            return
        with stage("features (all origins)"):
            context = {**un_presence(store, region, panel.months), **conflict_intensity(store, region, panel.months)}
            features = build_features(panel, context)
        prepared = Prepared(panel, features, context_status(store))
        results = {}
        for model in DEFAULT_MODELS:
            with stage(f"backtest {model}" + (f" x {len(seeds)} seeds" if model == "hurdle_lgbm" else "")):
                results[model] = run_backtest(
                    store, args.region, origins=origins, horizons=horizons, models=[model], seeds=seeds,
                    window=args.window, prepared=prepared,
                )
    import pandas as pd

    from bluehelmet.analysis.forecast.backtest import BacktestResult

    scores = pd.concat([r.scores for r in results.values()], ignore_index=True)
    pit = {k: v for r in results.values() for k, v in r.pit.items()}
    meta = results["hurdle_lgbm"].meta | {"models": list(DEFAULT_MODELS)}
    meta["timings"] = {s["stage"]: s["seconds"] for s in STAGES}
    combined = BacktestResult(scores, pit, meta)
    with stage("report"):
        write_report(combined, args.out / "backtest.html")
    scores.to_csv(args.out / "scores.csv", index=False)
    pooled = combined.pooled()
    skill = combined.skill("conflictology", "crps")
    by_h = combined.by_horizon()
    panel_ratio = float(np.median([s["seconds"] for s in STAGES if s["stage"].startswith("panel, plain pandas")])) / float(
        np.median([s["seconds"] for s in STAGES if s["stage"].startswith("panel, DuckDB")]))
    backtest_seconds = sum(s["seconds"] for s in STAGES if s["stage"].startswith(("backtest", "features", "region", "panel, DuckDB SQL (run 1)")))
    summary = {
        "region": meta["region"], "units": meta["units"], "origins": meta["origins"], "horizons": horizons,
        "seeds": seeds, "stages": STAGES, "panel_speedup": panel_ratio, "backtest_seconds": backtest_seconds,
        "pooled": pooled.to_dict(orient="records"), "skill_vs_conflictology": skill.to_dict(orient="records"),
        "crps_by_horizon": by_h["crps"].unstack("model").to_dict(), "ap_by_horizon": by_h["ap"].unstack("model").to_dict(),
        "deaths_outside_region": meta["deaths_outside_region"], "features": meta["features"],
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    print()
    print(pooled_table(combined).to_string())
    print()
    print(skill_table(combined).to_string())
    print()
    print(by_h[["crps", "ap"]].unstack("model").round(4).to_string())
    print(f"\npanel speed-up DuckDB vs pandas: {panel_ratio:.1f}x; backtest (region+panel+features+models): {backtest_seconds / 60:.1f} min")


if __name__ == "__main__":
    main()

"""``make demo``: load the bundled real data into a fresh store and run the main analyses.

Each analysis layer adds a section to :data:`SECTIONS`; every section prints what it found and
where it wrote its outputs. Run with ``python -m bluehelmet.demo --out demo``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.table import Table

import bluehelmet
from bluehelmet.data import bundled

console = Console(width=120)

# (bundled file, source kind), in the order an analyst would load them: places first.
BUNDLED_FILES: list[tuple[str, str]] = [
    ("mali_admin_boundaries_ocha_codab/mli_admbnda_adm0_gov/mli_admbnda_adm0_gov.shp", "boundaries"),
    ("mali_admin_boundaries_ocha_codab/mli_admbnda_adm1_gov_ocha_itos/mli_admbnda_adm1_gov_ocha_itos.shp", "boundaries"),
    ("mali_admin_boundaries_ocha_codab/mli_admbnda_adm2_gov_ocha_itos/mli_admbnda_adm2_gov_ocha_itos.shp", "boundaries"),
    ("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv", "ucdp-ged"),
    ("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz", "ucdp-ged"),
    ("ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv", "ucdp-candidate"),
    ("ucdp_ged_candidate_26/GEDEvent_v26_0_2.csv", "ucdp-candidate"),
    ("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv", "ucdp-acd"),
    ("ucdp_prio_acd_251/UcdpPrioConflict_v25_1_semicolon_resaved.csv", "ucdp-acd"),
    ("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv", "un-fatalities"),
    ("geopko_v1_africa/geopko.csv", "geopko"),
    ("geopko_v23_dashboard_aggregates/FrontMap_v.2.3.csv", "geopko-v2"),
    ("radpko_bases_country_year/radpko_bases_cc_y.csv", "radpko"),
]

Section = Callable[[bluehelmet.Store, Path], None]
SECTIONS: list[tuple[str, Section]] = []


def section(title: str) -> Callable[[Section], Section]:
    """Register a demo section (layers call this at import)."""

    def decorator(function: Section) -> Section:
        SECTIONS.append((title, function))
        return function

    return decorator


def load_bundled_data(store: bluehelmet.Store) -> Table:
    """Ingest every bundled file and return the summary table."""
    table = Table(title="Bundled real data ingested", caption="merged: rows folded into another row's record (one event, one location-year)")
    for column in ("file", "kind", "rows in", "stored", "updated", "unchanged", "rejected", "merged"):
        table.add_column(column, justify="left" if column in ("file", "kind") else "right")
    for relative, kind in BUNDLED_FILES:
        report = bluehelmet.ingest(store, bundled(relative), kind)
        table.add_row(
            Path(relative).name, kind, f"{report.rows_in:,}", f"{report.stored:,}", f"{report.updated:,}",
            f"{report.unchanged:,}", f"{report.rejected:,}", f"{report.merged:,}" if report.merged else "",
        )
    return table


def run(out: Path) -> Path:
    """Build the demo in ``out`` (replacing an earlier demo) and return the store's path."""
    _import_sections()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db = out / "bluehelmet.duckdb"
    started = time.perf_counter()
    with bluehelmet.open(db) as store:
        with console.status("Ingesting the bundled real data ..."):
            summary = load_bundled_data(store)
        console.print(summary)
        rejected = store.quarantine()
        if len(rejected):
            console.print(f"{len(rejected)} rejected row(s) are in quarantine, for example:")
            for row in rejected.head(3).itertuples():
                console.print(f"  batch {row.batch_id} row {row.row_number} column {row.column_name}: {row.reason}", highlight=False)
        for title, function in SECTIONS:
            console.rule(title)
            function(store, out)
    console.rule()
    console.print(f"Store: [bold]{db.resolve()}[/] (open it with bluehelmet --db {db} ...)", highlight=False)
    console.print(f"Outputs: [bold]{out.resolve()}[/]  ({time.perf_counter() - started:.1f} s)", highlight=False)
    return db


def _import_sections() -> None:
    """Import the modules whose demo sections run after the ingest."""
    import bluehelmet.reports.demo_report  # noqa: F401
    from bluehelmet.analysis import peacekeeping_demo  # noqa: F401
    import bluehelmet.reports.anatomy_demo  # noqa: F401
    import bluehelmet.analysis.forecast.demo  # noqa: F401


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo"), help="folder for the store and outputs (replaced)")
    run(parser.parse_args().out)


if __name__ == "__main__":
    # Run the package's copy of this module, whose SECTIONS the layers register into on import.
    from bluehelmet.demo import main as package_main

    package_main()

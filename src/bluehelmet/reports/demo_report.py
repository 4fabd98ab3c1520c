"""The situation report section of ``make demo``: Mali, 2017-2018, from the bundled real data."""

from __future__ import annotations

from pathlib import Path

from bluehelmet.demo import console, section

DEMO_PERIOD = ("2017-01", "2018-12")  # the last two years of the bundled GED 21.1 extract


@section("Situation report: Mali")
def situation_report_mali(store, out: Path) -> None:
    """Write ``situation-report-mali.html`` (and the alert log) for 2017-2018."""
    from bluehelmet.analysis.alerts import run_alerts
    from bluehelmet.analysis.threats import threat_matrix
    from bluehelmet.reports import write_report

    start, end = DEMO_PERIOD
    matrix = threat_matrix(store, "MLI", start, end, by=["actor"])
    totals = matrix.totals()
    console.print(
        f"Mali {start}..{end}: {int(totals['events']):,} events of civilian harm, "
        f"{int(totals['civilian_deaths_best']):,} civilian deaths (best), {totals['one_sided_share']:.0%} one-sided",
        highlight=False,
    )
    for row in matrix.frame.head(5).itertuples():
        console.print(f"  {row.perpetrator}: {row.civilian_deaths_best:,} civilian deaths in {row.events} events", highlight=False)
    alerts = run_alerts(store, "MLI", "2018-10", end)
    console.print(f"{len(alerts.alerts)} alert(s) for 2018-10..2018-12 written to the alert log", highlight=False)
    path = write_report(store, "MLI", start, end, out / "situation-report-mali.html")
    console.print(f"Situation report: [bold]{path.resolve()}[/]", highlight=False)

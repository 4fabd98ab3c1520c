"""``bluehelmet threats``, ``trends``, ``hotspots``, ``toolbox``, ``alerts`` and ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from bluehelmet.cli.app import app, err, open_store, output_file
from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports import output_format, write_frame

out = Console()
PERIOD_HELP = "YYYY-MM-DD, or YYYY-MM or YYYY for a whole month or year."


def _ids_as_text(frame, fmt: str):
    """Lists of event ids: kept for json, joined with ';' for csv, dropped for the table."""
    frame = frame.copy()
    for col in [c for c in frame.columns if c.endswith("event_ids")]:
        if fmt == "table":
            frame = frame.drop(columns=col)
        elif fmt != "json":
            frame[col] = frame[col].map(lambda ids: ";".join(ids))
        else:
            frame[col] = frame[col].map(list)
    return frame


@app.command()
def threats(
    ctx: typer.Context,
    country: str = typer.Option(..., help="ISO3 code (MLI) or country name."),
    start: str = typer.Option(..., "--from", help=f"First month of the period, {PERIOD_HELP}"),
    end: str = typer.Option(..., "--to", help=f"Last month of the period, {PERIOD_HELP}"),
    by: List[str] = typer.Option(["admin1"], "--by", help="admin1, admin2, grid, actor, kind, category or month; repeat to cross them."),
    area: Optional[str] = typer.Option(None, help="Only this admin1/admin2 unit (P-code or name) or PRIO-GRID cell (grid:GID)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, geojson (needs an area in --by), or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file instead of the screen."),
) -> None:
    """The threat matrix: civilian harm by place, perpetrator, violence type and month.

    Each row counts events, civilian deaths (best, low, high), the share of one-sided
    violence, abductions and sexual violence (where the source codes them), and lists its
    event ids (csv/json). Events outside every loaded unit form the 'unassigned' row.

    Examples:

      bluehelmet threats --country MLI --from 2018-01 --to 2018-12 --by admin1

      bluehelmet threats --country MLI --from 2018-01 --to 2018-12 --by admin2 --by kind --format csv

      bluehelmet threats --country MLI --from 2018-01 --to 2018-12 --by grid --format geojson -o mali.geojson
    """
    from bluehelmet.analysis.threats import threat_matrix, with_geometry

    fmt = output_format(fmt, out_path)
    by = [b for item in by for b in item.split(",") if b.strip()]
    with open_store(ctx) as store:
        matrix = threat_matrix(store, country, start, end, area=area, by=by)
        if fmt == "geojson":
            write_frame(with_geometry(store.con, matrix), fmt, out_path)
            return
    totals = matrix.totals()
    title = (
        f"Civilian harm in {matrix.area.label()}, {matrix.period.label()}: {int(totals['events']):,} events, "
        f"{int(totals['civilian_deaths_best']):,} civilian deaths (best)"
    )
    write_frame(_ids_as_text(matrix.frame, fmt), fmt, out_path, title=title)


@app.command()
def trends(
    ctx: typer.Context,
    country: str = typer.Option(..., help="ISO3 code or country name."),
    start: str = typer.Option(..., "--from", help=f"First month of the baseline, {PERIOD_HELP}"),
    end: str = typer.Option(..., "--to", help=f"Last month, {PERIOD_HELP}"),
    level: str = typer.Option("admin1", help="country, admin1, admin2 or grid."),
    area: Optional[str] = typer.Option(None, help="Only this admin1/admin2 unit (P-code or name) or PRIO-GRID cell (grid:GID)."),
    recent: int = typer.Option(3, help="How many of the last months are 'recent'."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
) -> None:
    """Is it getting worse? Each area's recent months against its own baseline.

    Exact conditional Poisson test, rate ratio with a 95% interval, Benjamini-Hochberg
    q-values, and escalation / de-escalation flags.

    Examples:

      bluehelmet trends --country MLI --from 2017-01 --to 2018-12 --level admin1 --recent 3

      bluehelmet trends --country MLI --from 2017-01 --to 2018-12 --area Mopti --level admin2
    """
    from bluehelmet.analysis.trends import trends as compute

    fmt = output_format(fmt, out_path)
    with open_store(ctx) as store:
        frame = compute(store, country, start, end, level=level, area=area, recent_months=recent)
    title = "Trends: recent months against the baseline"
    if len(frame):
        title += f" ({frame['recent_period'][0]} against {frame['baseline_period'][0]})"
    if fmt == "table":
        frame = frame[["area_code", "area_name", "flag", "baseline_events", "recent_events", "rate_ratio", "ci_low", "ci_high",
                       "p_value", "q_value", "baseline_civilian_deaths", "recent_civilian_deaths"]]
    write_frame(_ids_as_text(frame, fmt), fmt, out_path, title=title)


@app.command()
def hotspots(
    ctx: typer.Context,
    country: str = typer.Option(..., help="ISO3 code or country name."),
    start: str = typer.Option(..., "--from", help=f"First month, {PERIOD_HELP}"),
    end: str = typer.Option(..., "--to", help=f"Last month, {PERIOD_HELP}"),
    level: str = typer.Option("grid", help="admin2 (needs boundaries) or grid (PRIO-GRID, computed)."),
    metric: str = typer.Option("events", help="events or civilian_deaths."),
    all_rows: bool = typer.Option(False, "--all", help="Also list locations with no pattern."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
) -> None:
    """Emerging hotspots: Getis-Ord Gi* per month and a Mann-Kendall trend per location.

    Patterns: new, consecutive, intensifying, persistent, diminishing, historical, sporadic.

    Example:

      bluehelmet hotspots --country MLI --from 2017-01 --to 2018-12 --level admin2
    """
    from bluehelmet.analysis.hotspots import hotspots as compute

    fmt = output_format(fmt, out_path)
    with open_store(ctx) as store:
        frame = compute(store, country, start, end, level=level, metric=metric)
    if not all_rows:
        frame = frame[frame["pattern"] != "no pattern"]
    if fmt == "table":
        frame = frame[["location", "name", "pattern", "hot_months", "months", "gi_star_last", "trend_z", "trend_p", "events", "civilian_deaths"]]
    write_frame(_ids_as_text(frame, fmt), fmt, out_path, title="Emerging hotspots of civilian harm")


@app.command()
def toolbox(
    ctx: typer.Context,
    country: str = typer.Option(..., help="ISO3 code or country name."),
    start: str = typer.Option(..., "--from", help=f"First month, {PERIOD_HELP}"),
    end: str = typer.Option(..., "--to", help=f"Last month, {PERIOD_HELP}"),
    area: Optional[str] = typer.Option(None, help="An admin1/admin2 unit (P-code or name) or grid:GID."),
    rules: Optional[Path] = typer.Option(None, help="Another toolbox rule file (YAML)."),
    fmt: str = typer.Option(
        "table", "--format", "-f",
        help="table, csv or json (the tools' fit), or xlsx with --out (the fit and the context indicators, two sheets).",
    ),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
) -> None:
    """Which PoC tools fit the area: context indicators and a rating per tool with its reasons.

    Examples:

      bluehelmet toolbox --country MLI --from 2018-01 --to 2018-12 --area ML05

      bluehelmet toolbox --country MLI --from 2018-01 --to 2018-12 --area ML05 --format xlsx --out mopti-toolbox.xlsx
    """
    import pandas as pd

    from bluehelmet.analysis.toolbox import fits_frame, toolbox_fit
    from bluehelmet.exports.frames import write_xlsx_sheets

    fmt = output_format(fmt, out_path)
    if fmt not in ("table", "csv", "json", "xlsx"):
        raise InvalidRequestError(f"--format {fmt} does not fit the toolbox; choose table, csv, json or xlsx")
    if fmt == "xlsx" and out_path is None:
        raise InvalidRequestError("--format xlsx writes a file: give --out FILE.xlsx")
    with open_store(ctx) as store:
        values, fits, _ = toolbox_fit(store, country, start, end, area=area, rules_path=rules)
    indicators = pd.DataFrame([{"indicator": k, "value": v} for k, v in values.items() if not k.startswith("_")])
    if fmt == "xlsx":
        write_xlsx_sheets({"toolbox fit": fits_frame(fits), "context indicators": indicators}, out_path)
        return
    if fmt == "table" and out_path is None:
        write_frame(indicators, "table", title="Context indicators")
    write_frame(fits_frame(fits), fmt, out_path, title="PoC toolbox fit")


@app.command()
def alerts(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, help="ISO3 code or country name (with --log: only its alerts)."),
    start: Optional[str] = typer.Option(None, "--from", help=f"First day or month of the alert window, {PERIOD_HELP}"),
    end: Optional[str] = typer.Option(None, "--to", help=f"Last day or month of the window, {PERIOD_HELP}"),
    area: Optional[str] = typer.Option(None, help="Only this unit or cell."),
    rules: Optional[Path] = typer.Option(None, help="A rule file (YAML); default: the bundled alerts.yaml."),
    no_log: bool = typer.Option(False, "--no-log", help="Do not write the alerts to the store's alert log."),
    show_log: bool = typer.Option(False, "--log", help="Show the alert log instead of evaluating."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
) -> None:
    """Evaluate the alert rules over a window; each alert gives its reason and event ids.

    Rules (thresholds, massacre size, new hotspot, new perpetrator in an area, attack near a
    UN position, forecast risk of civilian deaths next month) are in a readable YAML file. Alerts are deduplicated and logged: one raised
    again is marked 'repeat'.

    Examples:

      bluehelmet alerts --country MLI --from 2018-10 --to 2018-12

      bluehelmet alerts --country MLI --from 2018-10 --to 2018-12 --rules my-rules.yaml --format json

      bluehelmet alerts --log
    """
    from bluehelmet.analysis.alerts import alert_log, run_alerts
    from bluehelmet.analysis.scope import resolve_country

    fmt = output_format(fmt, out_path)
    # The log needs no window: `alerts --log` is the whole log, `--log --country MLI` Mali's.
    if not show_log and not (country and start and end):
        raise InvalidRequestError("give --country, --from and --to for the alert window (or --log to show the alert log)")
    with open_store(ctx) as store:
        if show_log:
            log = alert_log(store.con, resolve_country(store.con, country) if country else None)
            title = f"Alert log: {len(log):,} alert(s)"
            if fmt == "table":
                log = log[["last_logged_at", "times_seen", "severity", "rule", "country", "area_name", "reason"]]
            write_frame(_ids_as_text(log, fmt), fmt, out_path, title=title)
            return
        result = run_alerts(store, country, start, end, area=area, rules_path=rules, log=not no_log)
    for note in result.notes:
        err.print(f"note: {note}", highlight=False)
    frame = result.alerts
    if fmt == "table":
        frame = frame[["severity", "rule", "area_name", "reason", "status", "event_ids"]].assign(
            events=frame["event_ids"].map(len)
        )
    write_frame(_ids_as_text(frame, fmt), fmt, out_path, title=f"{len(result.alerts)} alert(s) for {result.area.label()}, {result.window.label()}")


@app.command()
def report(
    ctx: typer.Context,
    country: str = typer.Option(..., help="ISO3 code or country name."),
    start: str = typer.Option(..., "--from", help=f"First month, {PERIOD_HELP}"),
    end: str = typer.Option(..., "--to", help=f"Last month, {PERIOD_HELP}"),
    out_file: Path = typer.Option(..., "--out", "-o", callback=output_file, help="FILE.html (one self-contained file) or FILE.pdf."),
    recent: int = typer.Option(3, help="Months at the end of the period compared with the rest (trends, alerts)."),
    cards: int = typer.Option(3, help="Anatomy cards of this many main perpetrators, linked from the report (0: none)."),
    forecast: bool = typer.Option(
        True, "--forecast/--no-forecast",
        help="Early-warning section: forecast map and top cells for the month after the period, plus forecast alerts "
        "(trains a model: a few seconds per country).",
    ),
) -> None:
    """Write a situation report: map, perpetrators, trends, hotspots, alerts, forecast, toolbox, sources.

    The HTML is one file that works offline (charts and map inline); .pdf is rendered with
    WeasyPrint.

    Example:

      bluehelmet report --country MLI --from 2017-01 --to 2018-12 --out mali.html

      bluehelmet report --country MLI --from 2018-01 --to 2018-12 --out mali.pdf --no-forecast
    """
    from bluehelmet.reports import write_report

    with open_store(ctx) as store:
        path = write_report(store, country, start, end, out_file, recent_months=recent, perpetrator_cards=cards,
                            forecast=forecast)
    out.print(f"Situation report written: [bold]{path}[/]", highlight=False)

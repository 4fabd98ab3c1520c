"""``bluehelmet peacekeeping``: peacekeeper safety, protection by presence, CT-risk assessments, HRDDP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer

from bluehelmet.cli.app import app, err, open_store, output_file
from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports import write_frame
from bluehelmet.exports.frames import render
from bluehelmet.exports.output_path import prepare_output

FORMAT_HELP = (
    "table, csv, json (an array of objects, one per row), hxl, or parquet or xlsx (with --out); "
    "geojson for rows with coordinates."
)
OUT_HELP = "Write to a file instead of the terminal (CSV opens in Excel)."

pk_app = typer.Typer(
    help=(
        "Peace operations: peacekeeper safety, protection by presence, CT-association risks and "
        "HRDDP screening, on the UN fatalities, Geo-PKO and RADPKO data in the store.\n\n"
        "  bluehelmet peacekeeping deadliest --incident \"Malicious Act\"\n\n"
        "  bluehelmet peacekeeping fatalities --by year --mission MINUSMA --incident \"Malicious Act\"\n\n"
        "  bluehelmet peacekeeping rates MINUSMA\n\n"
        "  bluehelmet peacekeeping trend MINUSMA --change 2017-12-08\n\n"
        "  bluehelmet peacekeeping presence summary --country MLI --from 2013-07-01\n\n"
        "  bluehelmet peacekeeping ct-risk create MINUSMA --country MLI --partner FAMa --ct-start 2017-12-08 --by NAME\n\n"
        "  bluehelmet peacekeeping hrddp register FAMa --type logistics --from 2018-01-01 --to 2018-12-31 --by NAME"
    ),
    no_args_is_help=True,
)
presence_app = typer.Typer(help="Protection by presence: UN positions and distances from events to them.", no_args_is_help=True)
ct_app = typer.Typer(help="CT-association risk assessments of a mission (six risks, two scenarios, stored with history).", no_args_is_help=True)
hrddp_app = typer.Typer(help="HRDDP screening of proposed UN support to non-UN security forces.", no_args_is_help=True)
pk_app.add_typer(presence_app, name="presence")
pk_app.add_typer(ct_app, name="ct-risk")
pk_app.add_typer(hrddp_app, name="hrddp")
app.add_typer(pk_app, name="peacekeeping")


def _out(frame: pd.DataFrame, fmt: str, title: str | None = None, out: Path | None = None) -> None:
    """Every table of these commands, in any output format (write_frame says what a format needs)."""
    write_frame(frame, fmt, out, title=title)


# -- peacekeeper safety ----------------------------------------------------------------------


@pk_app.command()
def fatalities(
    ctx: typer.Context,
    by: str = typer.Option("mission", help="mission, year, month, incident, personnel or nationality (or several, comma-separated)."),
    mission: Optional[str] = typer.Option(None, help="Only this mission (acronym, e.g. MINUSMA)."),
    incident: Optional[str] = typer.Option(None, help="Only this type of incident: Malicious Act, Accident, Illness, Self-Inflicted..."),
    personnel: Optional[str] = typer.Option(None, help="Only this personnel type: Military, Police, International Civilian, Local..."),
    start: Optional[str] = typer.Option(None, "--from", help="First incident day, YYYY-MM-DD, or a month (YYYY-MM) or year (YYYY)."),
    end: Optional[str] = typer.Option(None, "--to", help="Last incident day, YYYY-MM-DD, or a month (YYYY-MM) or year (YYYY)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Peacekeeper fatalities counted by mission, year, month, incident, personnel or nationality.

    Examples:

      bluehelmet peacekeeping fatalities --by mission --incident "Malicious Act"

      bluehelmet peacekeeping fatalities --by nationality --mission MINUSMA --format json
    """
    from bluehelmet.analysis.peacekeeping import fatalities as count

    with open_store(ctx) as store:
        frame = count(store, by, mission=mission, incident=incident, personnel=personnel, start=start, end=end)
    _out(frame, fmt, f"{int(frame['fatalities'].sum()):,} fatalities", out_path)


@pk_app.command()
def deadliest(
    ctx: typer.Context,
    incident: str = typer.Option("Malicious Act", help="Type of incident to rank by; 'all' for every cause."),
    top: int = typer.Option(10, help="How many missions to show."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Missions ranked by peacekeeper fatalities (by default: killed by malicious acts).

    Example: bluehelmet peacekeeping deadliest --incident "Malicious Act" --top 5
    """
    from bluehelmet.analysis.peacekeeping import deadliest_missions

    with open_store(ctx) as store:
        frame = deadliest_missions(store, None if incident.lower() == "all" else incident, top)
    _out(frame, fmt, f"Deadliest UN missions ({incident})", out_path)


@pk_app.command()
def rates(
    ctx: typer.Context,
    mission: str = typer.Argument(..., help="Mission acronym, e.g. MINUSMA."),
    incident: Optional[str] = typer.Option(None, help="Only this type of incident (e.g. Malicious Act)."),
    personnel: str = typer.Option("Military", help="Personnel counted in the numerator (Military matches a troop denominator; 'all' for everyone)."),
    troops_source: str = typer.Option("radpko", "--troops-source", help="radpko (1999-2019), geopko-v2.3 (1994-2024) or geopko-v1."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Fatalities per 1,000 deployed troops per year; years without troop figures say so.

    Example: bluehelmet peacekeeping rates MINUSMA --incident "Malicious Act"
    """
    from bluehelmet.analysis.peacekeeping import fatality_rates

    with open_store(ctx) as store:
        frame = fatality_rates(store, mission, incident=incident, personnel=personnel, source=troops_source)
    _out(frame, fmt, f"{mission.upper()}: fatalities per 1,000 troops", out_path)


@pk_app.command()
def trend(
    ctx: typer.Context,
    mission: str = typer.Argument(..., help="Mission acronym."),
    change: str = typer.Option(..., "--change", help="The day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY) from which the rate may have changed, e.g. the start of support to a CT force."),
    incident: Optional[str] = typer.Option("Malicious Act", help="Type of incident ('all' for every cause)."),
    personnel: Optional[str] = typer.Option(None, help="Only this personnel type."),
    start: Optional[str] = typer.Option(None, "--from", help="First month of the series, YYYY-MM (or YYYY: its January); default: the mission's first fatality."),
    end: Optional[str] = typer.Option(None, "--to", help="Last month of the series, YYYY-MM (or YYYY: its December), counted whole; default: the mission's last fatality."),
    exposure: str = typer.Option("months", help="months (fatalities per month) or troops (per troop-month; gaps are an error)."),
    troops_source: str = typer.Option("radpko", "--troops-source", help="With --exposure troops: radpko, geopko-v2.3 or geopko-v1."),
    fmt: str = typer.Option(
        "table", "--format", "-f",
        help="table, csv (the two tables one after the other), json (one object, with the months) or "
        "xlsx (a workbook: rate ratio, periods, months, about; needs --out).",
    ),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to this file instead of the screen."),
) -> None:
    """Rate ratio of monthly fatalities after/before a date (Poisson and negative binomial, 95% CI).

    Example (Security Council resolution 2391 of 8 December 2017 asked MINUSMA to support the
    G5 Sahel Joint Force):

      bluehelmet peacekeeping trend MINUSMA --change 2017-12-08

      bluehelmet peacekeeping trend MINUSMA --change 2017-12-08 --format xlsx --out minusma-trend.xlsx
    """
    from bluehelmet.analysis.peacekeeping import trend_test
    from bluehelmet.exports.frames import write_xlsx_sheets

    if fmt not in ("table", "csv", "json", "xlsx"):
        raise InvalidRequestError(f"--format {fmt} does not fit a test result; choose table, csv, json or xlsx")
    if fmt == "xlsx" and out_path is None:
        raise InvalidRequestError("--format xlsx writes a file: give --out FILE.xlsx")
    with open_store(ctx) as store:
        result = trend_test(store, mission, change, incident=None if (incident or "").lower() == "all" else incident,
                            personnel=personnel, start=start, end=end, exposure=exposure, troops_source=troops_source)
    if fmt == "xlsx":
        write_xlsx_sheets(result.sheets(), out_path)
        return
    if fmt == "json":
        text = json.dumps(result.as_dict(), indent=1, default=str) + "\n"
    else:
        title = f"{result.mission} {result.incident or 'all causes'}: before and after {result.change_date}"
        text = render(pd.DataFrame(result.periods), fmt, title=title) + render(result.to_frame(), fmt, title="Rate ratio after/before")
        if fmt == "table":
            text += result.note + "\n"
    if out_path is None:
        typer.echo(text, nl=False)
    else:
        # A BOM makes Excel read a CSV as UTF-8, as every CSV this tool writes.
        out_path.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")


# -- presence --------------------------------------------------------------------------------


@presence_app.command("positions")
def presence_positions(
    ctx: typer.Context,
    mission: str = typer.Argument(..., help="Mission acronym."),
    by: str = typer.Option("month", help="month (Geo-PKO v1 maps) or year (RADPKO bases)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """A mission's positions by month (Geo-PKO v1) or bases by year (RADPKO).

    Example: bluehelmet peacekeeping presence positions MINUSMA --by year
    """
    from bluehelmet.analysis.presence import bases_by_year, positions_by_month

    if by not in ("month", "year"):
        raise InvalidRequestError(f"--by must be month or year, not {by!r}")
    with open_store(ctx) as store:
        frame = positions_by_month(store, mission) if by == "month" else bases_by_year(store, mission)
    _out(frame, fmt, f"{mission.upper()} positions by {by}", out_path)


def _distances(store, country, start, end, category, mission):
    """The events asked for with their distances; when none match, a note on stderr names the
    filter that matched nothing, as ``events`` does (a misspelt country was an empty table)."""
    from bluehelmet.analysis.presence import event_distances
    from bluehelmet.store import EventFilter
    from bluehelmet.store.no_events import no_events_reason

    chosen = EventFilter(country=country, start=start, end=end, category=category)
    events = store.events(chosen)
    if events.empty:
        reason = no_events_reason(store, chosen) or "no event matches all the filters together"
        err.print(f"note: {reason}", highlight=False, soft_wrap=True)
    return event_distances(store, events, mission=mission)


@presence_app.command("events")
def presence_events(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, help="ISO3 code or country name of the events."),
    start: Optional[str] = typer.Option(None, "--from", help="First event date."),
    end: Optional[str] = typer.Option(None, "--to", help="Last event date."),
    category: Optional[str] = typer.Option(None, help="Violence category, e.g. one_sided."),
    mission: Optional[str] = typer.Option(None, help="Only this mission's positions count."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Each event with the distance (km) to the nearest UN position in force in its month.

    Example: bluehelmet peacekeeping presence events --country MLI --from 2013-07-01 --format csv -o d.csv
    """
    with open_store(ctx) as store:
        frame = _distances(store, country, start, end, category, mission)
    columns = ["uid", "date_start", "admin1_name", "admin2_name", "deaths_civilians", "distance_km",
               "nearest_mission", "nearest_location", "position_source"]
    if fmt != "table":  # files and maps get each event's point (GeoJSON, GeoParquet open in QGIS)
        columns[2:2] = ["latitude", "longitude"]
    frame = frame[columns].assign(distance_km=lambda f: f["distance_km"].round(2))
    _out(frame, fmt, f"{len(frame):,} events", out_path)


@presence_app.command("summary")
def presence_summary_command(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, help="ISO3 code or country name of the events."),
    start: Optional[str] = typer.Option(None, "--from", help="First event date."),
    end: Optional[str] = typer.Option(None, "--to", help="Last event date."),
    category: Optional[str] = typer.Option(None, help="Violence category, e.g. one_sided."),
    mission: Optional[str] = typer.Option(None, help="Only this mission's positions count."),
    by: str = typer.Option("admin1_name,year", help="Grouping columns, comma-separated (admin1_name, admin2_name, year...)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Share of civilian deaths within 10, 25 and 50 km of a UN position, per area and period.

    Example: bluehelmet peacekeeping presence summary --country MLI --from 2013-07-01 --to 2018-12-31
    """
    from bluehelmet.analysis.presence import presence_summary

    with open_store(ctx) as store:
        frame = _distances(store, country, start, end, category, mission)
    _out(presence_summary(frame, by=[b.strip() for b in by.split(",")]), fmt, "Civilian deaths near UN positions", out_path)


@presence_app.command("gaps")
def presence_gaps(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, help="ISO3 code or country name of the events."),
    start: Optional[str] = typer.Option(None, "--from", help="First event date."),
    end: Optional[str] = typer.Option(None, "--to", help="Last event date."),
    by: str = typer.Option("admin2_name", help="Area column(s), comma-separated."),
    radius: float = typer.Option(50, help="No position within this many km of any of the area's events."),
    min_deaths: int = typer.Option(10, "--min-deaths", help="Civilian deaths an area must reach to be listed."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help=OUT_HELP),
) -> None:
    """Areas with high civilian harm and no UN presence nearby.

    Example: bluehelmet peacekeeping presence gaps --country MLI --from 2013-07-01 --to 2018-12-31
    """
    from bluehelmet.analysis.presence import harm_without_presence

    with open_store(ctx) as store:
        frame = _distances(store, country, start, end, None, None)
    _out(harm_without_presence(frame, by=[b.strip() for b in by.split(",")], radius_km=radius, min_deaths=min_deaths),
         fmt, f"Civilian harm with no UN position within {radius:g} km", out_path)


# -- CT-association risks --------------------------------------------------------------------


@ct_app.command("create")
def ct_create(
    ctx: typer.Context,
    mission: str = typer.Argument(..., help="Mission acronym."),
    by: str = typer.Option(..., "--by", help="Your name (recorded in the history)."),
    country: Optional[str] = typer.Option(None, help="Host country (for the state and partner indicators): ISO3 code or name, in English or French."),
    partner: List[str] = typer.Option([], "--partner", help="A force the mission would support (id or name; repeat)."),
    ct_start: Optional[str] = typer.Option(None, "--ct-start", help="Day CT support began or would begin, YYYY-MM-DD (or a month, YYYY-MM)."),
    title: Optional[str] = typer.Option(None, help="Title of the assessment."),
) -> None:
    """Start an assessment: computes the data indicators and prints the new id.

    Example: bluehelmet peacekeeping ct-risk create MINUSMA --country MLI --partner FAMa --ct-start 2017-12-08 --by "J. Analyst"
    """
    from bluehelmet.analysis.ct_risk import create_assessment

    with open_store(ctx) as store:
        typer.echo(create_assessment(store, mission, country=country, partners=partner, ct_start=ct_start, title=title, by=by))


@ct_app.command("rate")
def ct_rate(
    ctx: typer.Context,
    assessment: str = typer.Argument(..., help="Assessment id, e.g. ct-MINUSMA-1."),
    risk: str = typer.Option(..., help="impartiality, capability, judicial_penal, complicity, predatory_state or political_space."),
    scenario: str = typer.Option(..., help="without_ct or with_ct."),
    rating: str = typer.Option(..., help="low, moderate, high or very_high."),
    rationale: str = typer.Option(..., help="Why (cite the indicators or reports)."),
    source: List[str] = typer.Option([], "--source", help="A source for the rating (repeat)."),
    by: str = typer.Option(..., "--by", help="Your name."),
) -> None:
    """Rate one risk in one scenario, with rationale and sources.

    Example: bluehelmet peacekeeping ct-risk rate ct-MINUSMA-1 --risk complicity --scenario with_ct --rating very_high --rationale "..." --source "OHCHR 2023" --by "J. Analyst"
    """
    from bluehelmet.analysis.ct_risk import rate_risk

    with open_store(ctx) as store:
        version = rate_risk(store, assessment, risk, scenario, rating, rationale, source, by=by)
    typer.echo(f"{assessment} version {version}")


@ct_app.command("refresh")
def ct_refresh(ctx: typer.Context, assessment: str = typer.Argument(...), by: str = typer.Option(..., "--by")) -> None:
    """Recompute an assessment's data indicators from the store as it is now."""
    from bluehelmet.analysis.ct_risk import refresh_indicators

    with open_store(ctx) as store:
        typer.echo(f"{assessment} version {refresh_indicators(store, assessment, by=by)}")


@ct_app.command("compare")
def ct_compare(
    ctx: typer.Context,
    assessment: str = typer.Argument(..., help="Assessment id."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """The six risks side by side: indicators, ratings without and with CT tasks."""
    from bluehelmet.analysis.ct_risk import compare_scenarios

    with open_store(ctx) as store:
        frame = compare_scenarios(store, assessment)
    if fmt == "table":
        frame = frame[["risk", "indicators", "without_ct_rating", "with_ct_rating"]]
    _out(frame, fmt, assessment)


@ct_app.command("history")
def ct_history(ctx: typer.Context, assessment: str = typer.Argument(...),
               fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """Every change to an assessment: version, who, when, what."""
    from bluehelmet.analysis.ct_risk import assessment_history

    with open_store(ctx) as store:
        _out(assessment_history(store, assessment), fmt, assessment)


@ct_app.command("list")
def ct_list(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """Every stored assessment."""
    from bluehelmet.analysis.ct_risk import list_assessments

    with open_store(ctx) as store:
        _out(list_assessments(store), fmt, "CT-risk assessments")


# -- HRDDP -----------------------------------------------------------------------------------


@hrddp_app.command("register")
def hrddp_register(
    ctx: typer.Context,
    recipient: str = typer.Argument(..., help="Recipient force: actor id or name (resolved through the registry)."),
    support_type: str = typer.Option(..., "--type", help="training, funding, logistics, operational_support or joint_operations."),
    start: str = typer.Option(..., "--from", help="First day of the support, YYYY-MM-DD; a month (YYYY-MM) or year (YYYY) starts on its first day."),
    end: str = typer.Option(..., "--to", help="Last day of the support, YYYY-MM-DD; a month (YYYY-MM) or year (YYYY) ends on its last day."),
    by: str = typer.Option(..., "--by", help="Who registers it."),
    mission: Optional[str] = typer.Option(None, help="The mission providing the support."),
    description: str = typer.Option("", help="What is proposed."),
    lookback: Optional[int] = typer.Option(None, "--lookback-months", help="Look-back window (default from the criteria: 36)."),
) -> None:
    """Register proposed support; the evidence and risk level are computed at once.

    Example: bluehelmet peacekeeping hrddp register FAMa --type logistics --from 2018-01-01 --to 2018-12-31 --mission MINUSMA --by "HRO Bamako"
    """
    from bluehelmet.analysis.hrddp import load_case, register_support

    with open_store(ctx) as store:
        case = register_support(store, recipient, support_type, start, end, by=by, mission=mission,
                                description=description, lookback_months=lookback)
        body = load_case(store, case)
    ev = body["evidence"]
    typer.echo(f"{case}: {body['recipient_name']} ({body['recipient_id']}), {ev['events']} one-sided events and "
               f"{ev['civilian_deaths']} civilian deaths in {ev['window'][0]}..{ev['window'][1]}; risk {body['risk']['level']}")


@hrddp_app.command("mitigate")
def hrddp_mitigate(ctx: typer.Context, case: str = typer.Argument(...),
                   measure: str = typer.Option(..., help="The mitigating measure."),
                   by: str = typer.Option(..., "--by")) -> None:
    """Add a mitigating measure to a case."""
    from bluehelmet.analysis.hrddp import add_mitigation

    with open_store(ctx) as store:
        typer.echo(f"{case} version {add_mitigation(store, case, measure, by=by)}")


@hrddp_app.command("decide")
def hrddp_decide(
    ctx: typer.Context, case: str = typer.Argument(...),
    decision: str = typer.Option(..., help="approve, approve_with_mitigation, defer or reject."),
    by: str = typer.Option(..., "--by", help="The person taking the decision."),
    note: str = typer.Option("", help="Reasons, conditions."),
) -> None:
    """Record the decision on a case and who took it."""
    from bluehelmet.analysis.hrddp import decide

    with open_store(ctx) as store:
        typer.echo(f"{case} version {decide(store, case, decision, by=by, note=note)}")


@hrddp_app.command("refresh")
def hrddp_refresh(ctx: typer.Context, case: str = typer.Argument(...), by: str = typer.Option(..., "--by")) -> None:
    """Pull the evidence again after new ingests and re-apply the criteria."""
    from bluehelmet.analysis.hrddp import refresh_evidence

    with open_store(ctx) as store:
        typer.echo(f"{case} version {refresh_evidence(store, case, by=by)}")


@hrddp_app.command("list")
def hrddp_list(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """Every case with its risk level and status."""
    from bluehelmet.analysis.hrddp import list_cases

    with open_store(ctx) as store:
        _out(list_cases(store), fmt, "HRDDP cases")


@hrddp_app.command("audit")
def hrddp_audit(ctx: typer.Context, case: str = typer.Argument(...),
                fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """The audit trail of a case."""
    from bluehelmet.analysis.hrddp import case_audit

    with open_store(ctx) as store:
        _out(case_audit(store, case), fmt, case)


@hrddp_app.command("record")
def hrddp_record(ctx: typer.Context, case: str = typer.Argument(...),
                 html: Path = typer.Option(..., "--html", callback=output_file, help="Write the printable HTML record here.")) -> None:
    """Write a case's printable HTML record (evidence, risk, measures, decision, audit trail).

    Example: bluehelmet peacekeeping hrddp record hrddp-1 --html hrddp-1.html
    """
    from bluehelmet.analysis.hrddp import render_record

    with open_store(ctx) as store:
        text = render_record(store, case)
    prepare_output(html).write_text(text, encoding="utf-8")
    typer.echo(f"wrote {html}")

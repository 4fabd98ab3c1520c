"""``bluehelmet anatomy``: an armed group's profile and engagement options; compare; analyst evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from bluehelmet.cli.app import app, open_store, output_file
from bluehelmet.exports.output_path import prepare_output

FORMATS = ("table", "json", "html", "md")


class _ProfileByDefault(TyperGroup):
    """``bluehelmet anatomy JNIM`` means ``bluehelmet anatomy profile JNIM``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["profile", *args]
        return super().parse_args(ctx, args)


anatomy_app = typer.Typer(
    cls=_ProfileByDefault,
    help=(
        "The anatomy of an armed group and the options to engage it.\n\n"
        "A profile scores the four criteria of tailored engagement (political grievances, involvement "
        "in the economy, territorial control, command and control), its posture toward civilians, its "
        "aim, relationships and engagement history, each with the events or documents behind it; "
        "engagement options follow from readable rules with reasons, risks and preconditions. Examples:\n\n"
        "  bluehelmet anatomy JNIM --from 2017-03-01 --to 2018-12-31\n\n"
        "  bluehelmet anatomy JNIM --country MLI --format html --out jnim.html\n\n"
        "  bluehelmet anatomy compare JNIM IS \"Government of Mali\" --country MLI --format html --out compare.html\n\n"
        "  bluehelmet anatomy evidence add JNIM --dimension economy --tag taxation --text \"Levies zakat on herds near Boni\" "
        "--source \"Crisis Group report, 2019\" --date 2019-05-28 --by j.doe"
    ),
    no_args_is_help=True,
)
app.add_typer(anatomy_app, name="anatomy")
evidence_app = typer.Typer(
    help="Analyst evidence about an actor: add (with a source and a date), list, revise and withdraw. Nothing is "
    "deleted: a revision or a withdrawal is a new version of the entry, with who and when.",
    no_args_is_help=True,
)
anatomy_app.add_typer(evidence_app, name="evidence")
out = Console(width=140)


def _emit(text: str, out_path: Optional[Path]) -> None:
    if out_path:
        prepare_output(out_path).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out_path}")
    else:
        typer.echo(text)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        from bluehelmet.errors import InvalidRequestError

        raise InvalidRequestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


@anatomy_app.command("profile")
def profile_command(
    ctx: typer.Context,
    actor: str = typer.Argument(..., help="An actor id (ucdp:6716) or a name (JNIM, GSIM, Government of Mali...)."),
    start: Optional[str] = typer.Option(None, "--from", help="First date, YYYY-MM-DD (default: its first event)."),
    end: Optional[str] = typer.Option(None, "--to", help="Last date, YYYY-MM-DD (default: its last event)."),
    country: Optional[str] = typer.Option(None, help="Only its events in this country (ISO3 or name)."),
    lineage: bool = typer.Option(False, "--lineage", help="Count its predecessors' events too (JNIM with Ansar Dine...)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, html (a profile card) or md."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to this file."),
) -> None:
    """An actor's anatomy profile and engagement options over a period.

    Examples:

      bluehelmet anatomy JNIM --from 2017-03-01 --to 2018-12-31

      bluehelmet anatomy "Government of Mali" --country MLI --format html --out gov-mali.html
    """
    from bluehelmet.analysis.anatomy import profile
    from bluehelmet.analysis.engagement import engagement_options
    from bluehelmet.reports.anatomy_card import profile_markdown, render_card

    _check_format(fmt)
    with open_store(ctx) as store:
        prof = profile(store, actor, start, end, lineage=lineage, country=country)
        options = engagement_options(prof)
        if fmt == "html":
            _emit(render_card(store, prof, options), out_path)
            return
    if fmt == "json":
        _emit(json.dumps({"profile": prof.as_dict(), "engagement": options.as_dict()}, ensure_ascii=False, default=str, indent=1), out_path)
    elif fmt == "md":
        _emit(profile_markdown(prof, options), out_path)
    else:
        _print_table(prof, options)


def _print_table(prof, options) -> None:
    out.print(f"[bold]{prof.name}[/] ({prof.actor_id}, {prof.kind}) {prof.start} to {prof.end}: {prof.events:,} events", highlight=False)
    for note in prof.notes:
        out.print(f"[dim]note: {note}[/]", highlight=False)
    for dim in prof.dimensions.values():
        table = Table(title=f"{dim.title} (confidence {dim.confidence}){': ' + dim.summary if dim.summary else ''}", title_justify="left")
        for column in ("indicator", "value", "basis", "conf.", "evidence"):
            table.add_column(column, overflow="fold")
        for i in dim.indicators:
            evidence = "; ".join(i.evidence[:3]) + (f" ... ({i.evidence_count:,})" if i.evidence_count > 3 else "")
            table.add_row(i.label, i.display, i.basis, i.confidence, evidence)
        if not dim.indicators:
            table.add_row("(none)", "no data proxy and no analyst record", "", "", "")
        out.print(table)
    out.rule("Engagement options")
    for o in options.proposed:
        out.print(f"[bold]{o.title}[/] (tier {o.tier})", highlight=False)
        for r in o.reasons:
            out.print(f"  + {r}", highlight=False)
        for r in o.risks:
            out.print(f"  ! {r}", highlight=False)
        for r in o.preconditions:
            out.print(f"  > {r}", highlight=False)
    for o in options.not_proposed:
        out.print(f"[dim]not proposed: {o.title}: {'; '.join(o.blocked_by)}[/]", highlight=False)


@anatomy_app.command()
def compare(
    ctx: typer.Context,
    actors: list[str] = typer.Argument(..., help="Two or more actor ids or names."),
    start: Optional[str] = typer.Option(None, "--from", help="First date, YYYY-MM-DD."),
    end: Optional[str] = typer.Option(None, "--to", help="Last date, YYYY-MM-DD."),
    country: Optional[str] = typer.Option(None, help="Only events in this country."),
    lineage: bool = typer.Option(False, "--lineage", help="Count each actor's predecessors' events too."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, html (table and chart) or md."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to this file."),
) -> None:
    """Groups side by side over the same period.

    Example: bluehelmet anatomy compare JNIM IS "Government of Mali" --country MLI --from 2017-01-01 --to 2018-12-31
    """
    from bluehelmet.analysis.anatomy_compare import compare as compare_groups
    from bluehelmet.reports.anatomy_card import render_compare

    _check_format(fmt)
    with open_store(ctx) as store:
        if fmt == "html":
            _emit(render_compare(store, actors, start, end, lineage=lineage, country=country), out_path)
            return
        table, profiles = compare_groups(store, actors, start, end, lineage=lineage, country=country)
    if fmt == "json":
        _emit(json.dumps({"period": {"start": profiles[0].start, "end": profiles[0].end},
                          "actors": [{"actor_id": p.actor_id, "name": p.name} for p in profiles],
                          "figures": table.to_dict("records")}, ensure_ascii=False, default=str, indent=1), out_path)
    elif fmt == "md":
        from bluehelmet.reports.anatomy_card import markdown_table

        _emit(markdown_table(table), out_path)
    else:
        rich = Table(title=f"{profiles[0].start} to {profiles[0].end}", title_justify="left")
        for column in table.columns:
            rich.add_column(str(column), overflow="fold")
        for row in table.itertuples(index=False):
            rich.add_row(*[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row])
        out.print(rich)


@evidence_app.command("add")
def evidence_add(
    ctx: typer.Context,
    actor: str = typer.Argument(..., help="An actor id or name."),
    dimension: str = typer.Option(..., help="political_grievances, economy, territorial_control, command_and_control, "
                                  "civilian_posture, political_aim, relationships, engagement_history or designation."),
    text: str = typer.Option(..., help="What the evidence shows, in one statement."),
    source: Optional[str] = typer.Option(None, help="Where it comes from (report, interview reference, URL). Required."),
    date: Optional[str] = typer.Option(None, "--date", help="The date the evidence refers to, YYYY-MM-DD. Required."),
    by: str = typer.Option(..., "--by", help="Who enters it."),
    tag: Optional[str] = typer.Option(None, help="For some dimensions, what kind: e.g. economy taxation, civilian_posture "
                                      "protective, political_aim maximum_harm, engagement_history commitment, designation ct_listed."),
    confidence: str = typer.Option("medium", help="low, medium or high."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored entry as JSON."),
) -> None:
    """Record analyst evidence about an actor; entries without a source or a date are refused.

    Example: bluehelmet anatomy evidence add JNIM --dimension civilian_posture --tag protective
    --text "Settles land disputes through its own courts" --source "UN panel report S/2019/xxx" --date 2019-08-01 --by j.doe
    """
    from bluehelmet.analysis.anatomy import find_actor
    from bluehelmet.analysis.evidence import add_evidence

    with open_store(ctx) as store:
        entry = add_evidence(store, find_actor(store, actor), dimension=dimension, text=text, source=source,
                             evidence_date=date, entered_by=by, confidence=confidence, tag=tag)
    if as_json:
        typer.echo(json.dumps(entry.as_dict(), ensure_ascii=False))
    else:
        out.print(f"stored evidence E{entry.evidence_id} v{entry.version} on {entry.actor_id} ({entry.dimension})", highlight=False)


def _evidence_id(value: str) -> int:
    """An entry's id as `evidence list` shows it (E12) or as a number (12)."""
    text = value.strip()
    digits = text[1:] if text[:1] in ("E", "e") else text
    if not digits.isdigit():
        raise typer.BadParameter(f"{value!r} is not an evidence id: give it as `evidence list` shows it (E12) or as 12")
    return int(digits)


@evidence_app.command("revise")
def evidence_revise(
    ctx: typer.Context,
    evidence_id: str = typer.Argument(..., help="The entry, as `evidence list` shows it (E12) or 12."),
    by: str = typer.Option(..., "--by", help="Who revises it."),
    text: Optional[str] = typer.Option(None, help="The new statement."),
    source: Optional[str] = typer.Option(None, help="The new source."),
    date: Optional[str] = typer.Option(None, "--date", help="The new date the evidence refers to, YYYY-MM-DD."),
    dimension: Optional[str] = typer.Option(None, help="The new dimension."),
    tag: Optional[str] = typer.Option(None, help="The new tag."),
    confidence: Optional[str] = typer.Option(None, help="low, medium or high."),
    as_json: bool = typer.Option(False, "--json", help="Print the new version as JSON."),
) -> None:
    """Correct an entry: a new version with the fields given, the others as they were; earlier
    versions stay (`evidence list --history`). Revising a withdrawn entry brings it back.

    Example: bluehelmet anatomy evidence revise E3 --confidence high --source "UN panel report S/2020/xxx" --by j.doe
    """
    from bluehelmet.analysis.evidence import revise_evidence

    with open_store(ctx) as store:
        entry = revise_evidence(store, _evidence_id(evidence_id), entered_by=by, text=text, source=source, evidence_date=date,
                                dimension=dimension, tag=tag, confidence=confidence)
    if as_json:
        typer.echo(json.dumps(entry.as_dict(), ensure_ascii=False))
    else:
        out.print(f"stored evidence E{entry.evidence_id} v{entry.version} on {entry.actor_id} ({entry.dimension})", highlight=False)


@evidence_app.command("withdraw")
def evidence_withdraw(
    ctx: typer.Context,
    evidence_id: str = typer.Argument(..., help="The entry, as `evidence list` shows it (E12) or 12."),
    by: str = typer.Option(..., "--by", help="Who withdraws it."),
) -> None:
    """Withdraw an entry: profiles and cards no longer use it, and its versions stay on record
    (`evidence list --history`). `evidence revise` brings it back.

    Example: bluehelmet anatomy evidence withdraw E3 --by j.doe
    """
    from bluehelmet.analysis.evidence import revise_evidence

    with open_store(ctx) as store:
        entry = revise_evidence(store, _evidence_id(evidence_id), entered_by=by, withdraw=True)
    out.print(f"withdrew evidence E{entry.evidence_id} (version {entry.version}) on {entry.actor_id}", highlight=False)


@evidence_app.command("list")
def evidence_list(
    ctx: typer.Context,
    actor: Optional[str] = typer.Argument(None, help="An actor id or name (default: every actor)."),
    dimension: Optional[str] = typer.Option(None, help="Only this dimension."),
    history: bool = typer.Option(False, "--history", help="Every version, not only the latest."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List analyst evidence (latest version of each entry), with who entered it and when.

    Example: bluehelmet anatomy evidence list JNIM --dimension economy
    """
    from bluehelmet.analysis.anatomy import find_actor
    from bluehelmet.analysis.evidence import evidence_for

    with open_store(ctx) as store:
        ids = [find_actor(store, actor)] if actor else None
        entries = evidence_for(store, ids, dimension=dimension, history=history)
    if as_json:
        typer.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False))
        return
    for e in entries:
        state = "withdrawn " if e.withdrawn else ""
        out.print(f"E{e.evidence_id} v{e.version} {state}{e.actor_id} {e.dimension}{'/' + e.tag if e.tag else ''} [{e.confidence}] "
                  f"{e.text} -- {e.source}, {e.evidence_date} (by {e.entered_by}, {e.entered_at:%Y-%m-%d %H:%M})", highlight=False,
                  soft_wrap=True)  # one line per entry, for grep and files
    if not entries:
        out.print("no analyst evidence")

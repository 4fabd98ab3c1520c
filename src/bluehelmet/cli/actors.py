"""``bluehelmet actors``: search, show, resolve, lineage, unresolved, decide, decisions, withdraw,
evaluate, refresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console

from bluehelmet.cli.app import app, err, open_store, output_file
from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports import output_format, write_frame

actors_app = typer.Typer(
    help=(
        "Armed actors: the registry, their lineage, and resolving raw names.\n\n"
        "The registry comes from the UCDP actor list v22.1 and a curated Sahel file; a new store "
        "seeds it by itself, and `actors refresh` brings an older store's up to this version's. Examples:\n\n"
        "  bluehelmet actors resolve \"Military Forces of Mali (2021-)\" --on 2022-03-27\n\n"
        "  bluehelmet actors lineage JNIM --chart jnim.svg\n\n"
        "  bluehelmet actors unresolved\n\n"
        "  bluehelmet actors decide \"Katiba Serma\" --new-actor --kind jihadist --country MLI\n\n"
        "  bluehelmet actors decisions --name serma\n\n"
        "  bluehelmet actors withdraw 3 --note \"recorded in error\""
    ),
    no_args_is_help=True,
)
app.add_typer(actors_app, name="actors")
# One line per actor, alias or candidate, whatever the width: piped into grep or a file, a
# line cut at 80 columns would split an actor from its aliases.
out = Console(soft_wrap=True)

BEHIND_NOTE = (
    "note: this store's actor registry is not the one bundled with this bluehelmet (it was seeded or refreshed "
    "by another version): `bluehelmet actors refresh` updates it and keeps what analysts added; "
    "--dry-run shows what would change"
)


def _note_if_behind(store) -> None:
    """Say on stderr when the store's registry is not the bundled one (a millisecond to check)."""
    from bluehelmet.actors import registry_behind

    if registry_behind(store):
        err.print(BEHIND_NOTE, highlight=False, soft_wrap=True)


def _list_format(fmt: str, as_json: bool, out_path: Optional[Path], what: str) -> str:
    """The format a listing is written in: ``--json``, else ``--format``, else the suffix of
    ``--out`` (decided here, so that a list kept as a list in JSON stays one in ``--out x.json``)."""
    fmt = "json" if as_json else fmt
    if fmt not in ("table", "csv", "json", "xlsx"):
        raise InvalidRequestError(f"--format {fmt} does not fit {what}; choose table, csv, json or xlsx")
    return output_format(fmt, out_path)


def _actor_id(store, name_or_id: str, on: Optional[str] = None) -> str:
    """An actor id from an id or a name (resolved); errors name the candidates."""
    from bluehelmet.actors import Registry, resolver_for
    from bluehelmet.errors import NotFoundError

    registry = Registry.load(store)
    if name_or_id in registry.actors:
        return name_or_id
    result = resolver_for(store).resolve(name_or_id, on)
    if result.actor_id and result.status != "review":
        return result.actor_id
    hint = ", ".join(f"{c.actor_id} ({c.name})" for c in result.candidates[:5]) or "none"
    raise NotFoundError(f"no actor is clearly named {name_or_id!r}; candidates: {hint}. Pass an id instead.")


@actors_app.command()
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Part of a name or alias (any language, accents optional)."),
    kind: Optional[str] = typer.Option(None, help="Only this kind (jihadist, rebel, militia, state_force...)."),
    country: Optional[str] = typer.Option(None, help="Only actors of this country or fighting in it (ISO3)."),
    limit: int = typer.Option(20, help="At most this many actors."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the same as --format json)."),
) -> None:
    """Find actors whose name or any alias contains QUERY.

    Example: bluehelmet actors search azawad --kind rebel
    """
    from bluehelmet.actors import Registry

    fmt = _list_format(fmt, as_json, out_path, "a list of actors")
    with open_store(ctx) as store:
        rows = Registry.load(store).search(query, kind=kind, country=country, limit=limit)
        _note_if_behind(store)
    if fmt == "json" and out_path is None:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if fmt != "table" or out_path is not None:
        frame = pd.DataFrame(rows, columns=["actor_id", "name", "kind", "country", "matching_aliases"])
        if fmt != "json":  # one cell of text for a spreadsheet
            frame["matching_aliases"] = frame["matching_aliases"].map("; ".join)
        write_frame(frame, fmt, out_path)
        return
    for r in rows:
        out.print(f"[bold]{r['actor_id']}[/] {r['name']}  ({r['kind']}, {r['country']})  aliases: {'; '.join(r['matching_aliases'])}", highlight=False)
    if not rows:
        out.print("no actor matches")


@actors_app.command()
def show(
    ctx: typer.Context,
    actor: str = typer.Argument(..., help="An actor id (ucdp:6716) or a name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """An actor with its aliases, lineage edges and event count.

    Example: bluehelmet actors show ucdp:1158
    """
    from bluehelmet.actors import Registry, predecessors, successors
    from bluehelmet.actors.schema import ensure_actor_tables

    with open_store(ctx) as store:
        actor_id = _actor_id(store, actor)
        registry = Registry.load(store)
        ensure_actor_tables(store.con)
        events = store.con.execute("SELECT count(DISTINCT event_uid) FROM event_actors WHERE actor_id = ?", [actor_id]).fetchall()[0][0]
        _note_if_behind(store)
    info = registry.as_dict(actor_id)
    info["events"] = events
    info["predecessors"] = predecessors(actor_id, registry)
    info["successors"] = successors(actor_id, registry)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, default=str))
        return
    out.print(f"[bold]{info['actor_id']}[/] {info['name']}  kind {info['kind']}  country {info['country_iso3']}  "
              f"active {info['active_from'] or '?'} to {info['active_to'] or '-'}  events {events:,}", highlight=False)
    out.print(f"source: {info['source']}", highlight=False)
    for a in info["aliases"]:
        period = f" [{a['valid_from'] or ''}..{a['valid_to'] or ''}]" if a["valid_from"] or a["valid_to"] else ""
        out.print(f"  alias {a['alias']!r} ({a['lang'] or '?'}, {a['alias_type']}){period}", highlight=False)
    for e in info["lineage"]:
        out.print(f"  {e['from_id']} {e['relation']} {e['to_id'] or ''} {e['date'] or '(undated)'}", highlight=False)


@actors_app.command()
def resolve(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A raw actor name as a source wrote it."),
    on: Optional[str] = typer.Option(None, "--on", help="The event's date, YYYY-MM-DD."),
    country: Optional[str] = typer.Option(None, "--country", help="The event's country (ISO3 or name): chooses between "
                                          "actors that share the name (ELN in Colombia, Bolivia, Peru)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Resolve a raw name to an actor, with score, method and reason.

    Examples:

      bluehelmet actors resolve "JNIM: Jama'at Nusrat al-Islam wal-Muslimin"

      bluehelmet actors resolve "Military Forces of Mali (2021-)" --on 2022-03-27 --json

      bluehelmet actors resolve ELN --country Colombia
    """
    from bluehelmet.actors import resolver_for
    from bluehelmet.geo.countries import require_iso3

    iso3 = require_iso3(country) if country else None
    with open_store(ctx) as store:
        result = resolver_for(store).resolve(name, on, iso3)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    out.print(f"[bold]{result.actor_id or '-'}[/] {result.name or ''}  score {result.score:.2f}  {result.method}  [{result.status}]", highlight=False)
    out.print(f"  {result.reason}", highlight=False)
    if result.status == "review":
        for c in result.candidates[:5]:
            out.print(f"  candidate {c.actor_id} {c.name} ({c.score:.2f})", highlight=False)


@actors_app.command()
def lineage(
    ctx: typer.Context,
    actor: str = typer.Argument(..., help="An actor id or name (JNIM, MNLA, ucdp:539)."),
    on: Optional[str] = typer.Option(None, "--on", help="Also say what it was called, and its coalition's members, on this date."),
    chart: Optional[Path] = typer.Option(None, "--chart", callback=output_file, help="Draw the lineage chart to this .svg or .png file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Predecessors, successors and descendants of an actor; with --chart, a timeline chart.

    Examples:

      bluehelmet actors lineage AQIM            (all descendants of AQIM)

      bluehelmet actors lineage MNLA --on 2025-01-01

      bluehelmet actors lineage JNIM --chart jnim.png
    """
    from bluehelmet.actors import Registry, coalition_members, descendants, name_on, predecessors, successors

    with open_store(ctx) as store:
        actor_id = _actor_id(store, actor, on)
        registry = Registry.load(store)
    info = {
        "actor_id": actor_id, "name": registry.actors[actor_id].name,
        "predecessors": predecessors(actor_id, registry), "successors": successors(actor_id, registry),
        "descendants": descendants(actor_id, registry),
        "members": coalition_members(actor_id, on, registry),
    }
    if on:
        info["on"] = on
        info["name_on"] = name_on(actor_id, on, registry)
    if chart:
        from bluehelmet.actors.chart import lineage_chart

        info["chart"] = str(lineage_chart(actor_id, chart, registry))
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False))
        return
    label = lambda ids: ", ".join(f"{i} {registry.actors[i].name}" for i in ids) or "none"  # noqa: E731
    out.print(f"[bold]{actor_id}[/] {info['name']}" + (f"  (called {info['name_on']!r} on {on})" if on else ""), highlight=False)
    out.print(f"  predecessors: {label(info['predecessors'])}", highlight=False)
    out.print(f"  successors:   {label(info['successors'])}", highlight=False)
    out.print(f"  descendants:  {label(info['descendants'])}", highlight=False)
    if info["members"]:
        out.print(f"  members{' on ' + on if on else ''}: {label(info['members'])}", highlight=False)
    if chart:
        out.print(f"  chart: {info['chart']}", highlight=False)


@actors_app.command()
def unresolved(
    ctx: typer.Context,
    limit: int = typer.Option(30, help="At most this many names (0: every name in review)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file,
                                            help="Write to a file (its suffix picks the format: .csv, .json, .xlsx)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the same as --format json)."),
) -> None:
    """The review queue: raw names of events not resolved automatically, most frequent first, with candidates.

    Decide each with `bluehelmet actors decide`. To work through the queue in a spreadsheet:

      bluehelmet actors unresolved --limit 0 --out review.xlsx
    """
    from bluehelmet.actors.review import candidates_text, review_queue

    fmt = _list_format(fmt, as_json, out_path, "the review queue")
    if limit < 0:
        raise InvalidRequestError(f"--limit {limit}: give a number of names, or 0 for every name in review")
    with open_store(ctx) as store:
        queue = review_queue(store, limit=limit or None)
    if fmt == "json" and out_path is None:
        typer.echo(json.dumps(queue.to_dict(orient="records"), ensure_ascii=False))
        return
    if fmt != "table" or out_path is not None:
        if fmt != "json":  # one cell of text for a spreadsheet
            queue["candidates"] = queue["candidates"].map(candidates_text)
        write_frame(queue, fmt, out_path)
        return
    for item in queue.itertuples(index=False):
        out.print(f"[bold]{item.raw_name}[/]  {item.events:,} events  -> {candidates_text(item.candidates)}", highlight=False)
    if queue.empty:
        out.print("nothing to review")


@actors_app.command()
def decide(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The raw name the decision is about."),
    accept: Optional[str] = typer.Option(None, "--accept", help="This name IS this actor id."),
    reject: Optional[str] = typer.Option(None, "--reject", help="This name is NOT this actor id."),
    alias: Optional[str] = typer.Option(None, "--alias", help="Add the name as an alias of this actor id."),
    new_actor: bool = typer.Option(False, "--new-actor", help="Create a new actor named NAME."),
    kind: Optional[str] = typer.Option(None, help="For --new-actor: its kind."),
    country: Optional[str] = typer.Option(None, help="For --new-actor: its country (ISO3)."),
    by: Optional[str] = typer.Option(None, "--by", envvar="USER", help="Who decides (default $USER)."),
    note: Optional[str] = typer.Option(None, help="Why."),
) -> None:
    """Record an analyst's decision; it persists in the store, wins over automatic matches,
    and the events it affects are re-resolved at once.

    `actors decisions` lists the decisions, and `actors withdraw ID` takes one back.

    Examples:

      bluehelmet actors decide "Islamic State" --accept ucdp:234

      bluehelmet actors decide "Katiba Serma" --new-actor --kind jihadist --country MLI
    """
    from bluehelmet.actors import record_decision

    chosen = [(a, v) for a, v in (("accept", accept), ("reject", reject), ("alias", alias)) if v] + ([("new_actor", None)] if new_actor else [])
    if len(chosen) != 1:
        raise InvalidRequestError("give exactly one of --accept ID, --reject ID, --alias ID or --new-actor")
    action, actor_id = chosen[0]
    with open_store(ctx) as store:
        decision = record_decision(store, name, action, actor_id, decided_by=by, note=note, kind=kind, country_iso3=country)
    out.print(f"decision {decision.decision_id}: {decision.raw_name!r} {decision.action} {decision.actor_id or ''}", highlight=False)


@actors_app.command()
def decisions(
    ctx: typer.Context,
    name: Optional[str] = typer.Option(None, "--name", help="Only decisions about raw names containing this (case and accents ignored)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the same as --format json)."),
) -> None:
    """The analysts' decisions recorded in the store, newest first: id, raw name, action, actor
    and its name, who, when, note, and for a withdrawn decision who withdrew it, when and why.

    Examples:

      bluehelmet actors decisions --name fano

      bluehelmet actors decisions -f xlsx -o decisions.xlsx
    """
    from bluehelmet.actors import list_decisions

    fmt = _list_format(fmt, as_json, out_path, "a list of decisions")
    with open_store(ctx) as store:
        frame = list_decisions(store, name=name)
    if fmt == "table" and out_path is None and frame.empty:
        out.print(f"no decision about a name containing {name!r}" if name else "no decision recorded yet", highlight=False)
        return
    write_frame(frame, fmt, out_path, title=f"{len(frame):,} decision{'s' if len(frame) != 1 else ''}, newest first")


@actors_app.command()
def withdraw(
    ctx: typer.Context,
    decision_id: int = typer.Argument(..., help="The decision's id, as `actors decide` printed it and `actors decisions` lists it."),
    by: Optional[str] = typer.Option(None, "--by", envvar="USER", help="Who withdraws it (default $USER)."),
    note: Optional[str] = typer.Option(None, help="Why."),
) -> None:
    """Withdraw a decision: it no longer counts, and the events it affected are re-resolved at once.

    The name falls back to the decision before it on the same name, or to the automatic match.
    An alias the decision added is removed; a local actor it created (--new-actor) is removed
    with its aliases, unless another decision, a lineage edge or evidence still names it. The
    decision stays in `actors decisions`, marked withdrawn with who, when and why.

    Example: bluehelmet actors withdraw 3 --note "Fano is not FAN"
    """
    from bluehelmet.actors import withdraw_decision

    with open_store(ctx) as store:
        done = withdraw_decision(store, decision_id, withdrawn_by=by, note=note)
    removed = [f"{done.aliases_removed} alias{'es' if done.aliases_removed != 1 else ''} removed"] if done.aliases_removed else []
    if done.actor_removed:
        removed.append(f"actor {done.actor_removed} removed")
    out.print(f"withdrew {done.decision.describe()}: " + ", ".join([*removed, f"{done.events_reresolved:,} events re-resolved"]),
              highlight=False)


@actors_app.command()
def evaluate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure the resolver on the labelled sets (ucdp_variants, perturbed, sahel).

    Each set: n, top1_accuracy, precision_at_accept, coverage (share auto-accepted).
    """
    from bluehelmet.actors import Registry
    from bluehelmet.actors.evaluate import evaluate as run

    with open_store(ctx) as store:
        registry = Registry.load(store)
    results = run(registry)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False))
        return
    for name, figures in results.items():
        out.print(f"[bold]{name}[/]: n {figures['n']:,}  top-1 {figures['top1_accuracy']:.3f}  "
                  f"precision at accept {figures['precision_at_accept']:.3f}  coverage {figures['coverage']:.3f}", highlight=False)


@actors_app.command()
def refresh(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object listing every change."),
) -> None:
    """Bring the store's bundled registry (UCDP actor list, curated Sahel file) up to the one
    bundled with this version of bluehelmet, and re-resolve the events whose actors change.

    Analysts' actors, aliases, lineage edges and decisions are kept. An actor the bundle no
    longer has stays when an analyst's alias or edge, or a decision, names it. Running it
    again changes nothing.

    Examples:

      bluehelmet actors refresh --dry-run

      bluehelmet actors refresh
    """
    from bluehelmet.actors import refresh_registry

    with open_store(ctx) as store:
        report = refresh_registry(store, dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    for line in _refresh_lines(report):
        out.print(line, highlight=False, soft_wrap=True)


# Each kind of change lists this many rows on screen; --json lists them all.
SHOWN_CHANGES = 20


def _refresh_lines(report) -> list[str]:
    """The refresh report as lines of text: a heading, counts, then the rows changed."""
    if not report.changed:
        lines = [f"the store's actor registry is the one bundled with this bluehelmet: nothing {'to change' if report.dry_run else 'changed'}"]
    else:
        lines = ["dry run, nothing was changed; a refresh would make these changes:" if report.dry_run
                 else "refreshed the store's actor registry from the one bundled with this bluehelmet:"]
        for label, part in (("actors", report.actors), ("aliases", report.aliases), ("lineage edges", report.edges)):
            lines.append(f"  {label}: {len(part['added']):,} added, {len(part['updated']):,} updated, {len(part['removed']):,} removed")
        lines.append(f"  events re-resolved: {report.events_reresolved:,}")
        for label, part, name in (
            ("actor", report.actors, lambda r: f"{r['actor_id']} {r['name']}"),
            ("alias", report.aliases, lambda r: f"{r['alias']!r} of {r['actor_id']}"),
            ("edge", report.edges, lambda r: f"{r['from_id']} {r['relation']} {r['to_id'] or ''} {r['date'] or '(undated)'}"),
        ):
            for sign, change in (("+", "added"), ("~", "updated"), ("-", "removed")):
                rows = part[change]
                for row in rows[:SHOWN_CHANGES]:
                    lines.append(f"  {sign} {label} {name(row)}" + (f": {_fields_changed(row['changed'])}" if change == "updated" else ""))
                if len(rows) > SHOWN_CHANGES:
                    lines.append(f"  ... and {len(rows) - SHOWN_CHANGES:,} more {label}s {change} (--json lists every one)")
    for row in report.kept:
        lines.append(f"  kept actor {row['actor_id']} {row['name']}, which the bundled registry no longer has: "
                     f"named by {', '.join(row['held_by'])}")
    if report.dry_run and report.changed:
        lines.append("run `bluehelmet actors refresh` without --dry-run to make them")
    return lines


def _fields_changed(changed: dict) -> str:
    # Short values say what changed at a glance; long ones (sources) only name the field.
    short = lambda value: value is None or len(str(value)) <= 40  # noqa: E731
    return ", ".join(
        f"{name} ({old or 'none'} -> {new or 'none'})" if short(old) and short(new) else name
        for name, (old, new) in changed.items()
    )

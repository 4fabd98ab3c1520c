"""``bluehelmet events``: list and export events with filters."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress

from bluehelmet.cli.app import TABLE_ROWS, app, err, open_store, output_file
from bluehelmet.exports import FILE_FORMATS, FORMATS, output_format, write_events_file, write_frame
from bluehelmet.store import EventFilter
from bluehelmet.store.no_events import no_events_reason

TABLE_COLUMNS = [
    "uid", "date_start", "country_iso3", "admin1_name", "admin2_name", "violence_category",
    "side_a", "side_b", "deaths_best", "deaths_civilians",
]


@app.command()
def events(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, help="ISO3 code (MLI) or country name, in English or French; several joined by commas (MLI,BFA,NER)."),
    admin1: Optional[str] = typer.Option(None, help="Admin1 name or P-code."),
    admin2: Optional[str] = typer.Option(None, help="Admin2 name or P-code."),
    start: Optional[str] = typer.Option(None, "--from", help="First day, YYYY-MM-DD; a month (YYYY-MM) or year (YYYY) starts on its first day."),
    end: Optional[str] = typer.Option(None, "--to", help="Last day, YYYY-MM-DD; a month (YYYY-MM) or year (YYYY) ends on its last day."),
    actor: Optional[str] = typer.Option(None, help="Raw actor name (part of it, any side)."),
    actor_id: Optional[str] = typer.Option(None, "--actor-id", help="Canonical actor id (see `bluehelmet actors search`)."),
    lineage: bool = typer.Option(False, "--lineage", help="With --actor-id: include the actor's predecessors' events."),
    category: Optional[str] = typer.Option(None, help="state_based, non_state, one_sided, protest, riot, strategic_development."),
    source: Optional[str] = typer.Option(None, help="Source kind, e.g. ucdp-ged."),
    limit: Optional[int] = typer.Option(None, help=f"At most this many events, newest first (default: all; {TABLE_ROWS} in a table)."),
    fmt: str = typer.Option("table", "--format", "-f", help=f"One of {', '.join(FORMATS)}."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file (required for parquet and xlsx)."),
) -> None:
    """List events, newest first, filtered by place, period, actor and violence category.

    Examples:

      bluehelmet events --country MLI --from 2019-01-01 --category one_sided

      bluehelmet events --country MLI --format geojson --out mali.geojson

      bluehelmet events --country MLI --from 2018 --to 2018 --format xlsx --out mali-2018.xlsx
    """
    fmt = output_format(fmt, out_path)
    with open_store(ctx) as store:
        ids = None
        if actor_id:
            from bluehelmet.actors import Registry, lineage_ids

            registry = Registry.load(store)
            registry.actor(actor_id)
            ids = lineage_ids(actor_id, registry) if lineage else [actor_id]
        chosen = EventFilter(
            country=country, admin1=admin1, admin2=admin2, start=start, end=end,
            actor=actor, actor_id=ids, category=category, source=source,
        )
        if out_path is not None and fmt in FILE_FORMATS:
            # Straight from the store to the file: a whole store's events need no DataFrame.
            with Progress(transient=True, console=err) as bar:
                task = bar.add_task(f"Writing {out_path.name}", total=None)
                cut = write_events_file(
                    store, chosen, out_path, fmt=fmt, limit=limit,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            if cut:
                err.print(f"{cut:,} cells longer than Excel's 32,767 characters were cut (marked in the cell); "
                          "--format csv or parquet keeps the whole text", highlight=False)
            if limit != 0 and store.count_events(chosen) == 0:
                _say_why_none(store, chosen)
            return
        capped = fmt == "table" and limit is None
        frame = store.events(chosen, limit=TABLE_ROWS if capped else limit)
        total = store.count_events(chosen) if capped and len(frame) == TABLE_ROWS else len(frame)
        if total == 0 and limit != 0:
            _say_why_none(store, chosen)
    if fmt == "table":
        frame = frame[TABLE_COLUMNS]
    title = f"{total:,} events" if total == len(frame) else f"the newest {len(frame):,} of {total:,} events"
    write_frame(frame, fmt, out_path, title=title)
    if total > len(frame) and capped:
        err.print(f"{total - len(frame):,} older events not shown: --limit N shows more, "
                  "--format csv --out FILE writes them all", highlight=False)


def _say_why_none(store, chosen: EventFilter) -> None:
    """After an empty answer: name the filter that matched nothing, with what the store has instead."""
    reason = no_events_reason(store, chosen) or "no event matches all the filters together"
    err.print(f"note: {reason}", highlight=False, soft_wrap=True)

"""``bluehelmet ingest``, ``batches``, ``quarantine`` and ``sources``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer
from rich.console import Console

from bluehelmet.cli.app import TABLE_ROWS, app, err, open_store, output_file, show_error
from bluehelmet.errors import BluehelmetError
from bluehelmet.exports import FORMATS, write_frame
from bluehelmet.sources.registry import get_kind

out = Console()

# What the ingest's stages do, in words (the stages are named in bluehelmet.ingest).
STAGE_LABELS = {
    "unzipping": "unzipping the table inside",
    "admin-units": "placing events in administrative units",
    "actors": "resolving actor names against the registry",
}


@app.command()
def ingest(
    ctx: typer.Context,
    files: List[Path] = typer.Argument(..., help="Files to ingest, one transaction each.", exists=False),
    source: Optional[str] = typer.Option(None, "--source", "-s", help="The kind of file (see `bluehelmet sources`); detected when omitted."),
    release: Optional[str] = typer.Option(None, help="The source's release (e.g. 23.1), when the file name does not say it."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON: one object per file, one per line (with an 'error' for a file that stored nothing)."),
    column_map: Optional[Path] = typer.Option(
        None, "--map", "-m", help="Column map (YAML or TOML) of an incident sheet: which column is the date, place, killed... (docs/ingest-incidents.md)."
    ),
) -> None:
    """Load files into the store and report rows in, stored, updated, unchanged and rejected.

    Rejected rows go to quarantine with their row number, column, value and reason
    (`bluehelmet quarantine`). Ingesting the same file again changes nothing. A file that
    cannot be read stores nothing and is reported; the other files are still ingested.

    Examples:

      bluehelmet ingest GEDEvent_v26_0_2.csv

      bluehelmet ingest ged251-csv.zip      (reads the CSV inside)

      bluehelmet ingest geopko.zip/FrontMap_v.2.3.csv   (one table of several in a zip)

      bluehelmet --db mission.duckdb ingest incidents.xlsx --source incidents --map jmac.yaml
    """
    import bluehelmet

    failed: list[Path] = []
    with open_store(ctx, loads_data=True) as store:
        for path in files:
            with err.status(f"Ingesting {path.name} ...", spinner="dots") as status:

                def show(stage: str) -> None:
                    status.update(f"Ingesting {path.name}: {STAGE_LABELS.get(stage, stage)} ...")

                # A column map only makes sense for incident sheets: it implies --source incidents.
                options = {"column_map": column_map} if column_map else {}
                kind = source or ("incidents" if column_map else None)
                try:
                    report = bluehelmet.ingest(store, path, kind, release=release, progress=show, **options)
                except Exception as exc:
                    # Each file is its own transaction: one bad file leaves the others to load.
                    # A failure that is not a problem with the file (a fault of bluehelmet's)
                    # ends a single-file ingest with its traceback, to be reported.
                    if len(files) == 1:
                        raise
                    if not isinstance(exc, BluehelmetError):
                        exc = UnexpectedIngestError(path, exc)
                    show_error(exc)
                    if as_json:  # still one object per file, for scripts reading the lines
                        typer.echo(json.dumps({"file": str(path), "error": str(exc)}))
                    failed.append(path)
                    continue
            if as_json:
                typer.echo(json.dumps(report.as_dict()))
            else:
                _print_report(report, path)
    if failed:
        raise IngestFailures(failed, len(files))


class UnexpectedIngestError(BluehelmetError):
    """A file of several failed for a reason that is not a problem with the file itself."""

    def __init__(self, path: Path, cause: Exception) -> None:
        super().__init__(
            f"{path}: stored nothing: an unexpected {type(cause).__name__} ({cause}); please report it "
            "with the file's kind and this message"
        )


class IngestFailures(BluehelmetError):
    """Some of several files could not be ingested (each was reported as it failed)."""

    def __init__(self, failed: list[Path], total: int) -> None:
        super().__init__(
            f"{len(failed)} of {total} files stored nothing: {', '.join(p.name for p in failed)} "
            "(the others are ingested)"
        )


def _print_report(report, given: Path) -> None:
    note = " (already ingested: nothing changed)" if report.already_ingested else ""
    # The file's name, or ARCHIVE.zip/TABLE.csv for the table read inside a zip (whether the
    # zip was given, or its table as ARCHIVE.zip/TABLE.csv).
    on_disk = next((p for p in (given, *given.parents) if p.exists()), given)
    name = Path(report.file).relative_to(on_disk.parent)
    out.print(
        f"[bold]{name}[/] as {report.source_kind} -> {report.table}"
        f"{' release ' + report.release if report.release else ''}{note}\n"
        f"  rows in {report.rows_in:,}  stored {report.stored:,}  updated {report.updated:,}  "
        f"unchanged {report.unchanged:,}  rejected {report.rejected:,}"
        + (f"  (deleted {report.deleted:,})" if report.deleted else "")
        + (f"\n  {report.merged:,} {get_kind(report.source_kind).merged_rows}" if report.merged else ""),
        highlight=False,
        soft_wrap=True,  # a report line stays one line in a log or a pipe
    )
    if report.rejected and not report.already_ingested:
        out.print(f"  see the rejected rows: bluehelmet quarantine --batch {report.batch_id}", highlight=False)


@app.command()
def batches(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, or xlsx (with --out)."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file instead of the screen."),
) -> None:
    """List every ingest: file, sha256, kind, release, time and counts."""
    with open_store(ctx, read_only=False) as store:
        frame = store.batches()
    if fmt == "table":
        frame = frame[["batch_id", "source_kind", "file_name", "release", "finished_at", "rows_in", "stored", "updated", "unchanged", "rejected"]]
    write_frame(frame, fmt, out_path, title="Ingest batches")


@app.command()
def quarantine(
    ctx: typer.Context,
    batch: Optional[int] = typer.Option(None, "--batch", "-b", help="Only this batch."),
    fmt: str = typer.Option("table", "--format", "-f", help=f"One of {', '.join(FORMATS)}."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", callback=output_file, help="Write to a file instead of the screen."),
) -> None:
    """Show rejected rows: batch, row number, column, value and reason."""
    with open_store(ctx) as store:
        frame = store.quarantine(batch)
    total = len(frame)
    if fmt == "table" and out_path is None:
        frame = frame.drop(columns=["raw"]).head(TABLE_ROWS)
    shown = f"the first {len(frame):,} of {total:,}" if len(frame) < total else f"{total:,}"
    write_frame(frame, fmt, out_path, title=f"{shown} quarantined rows")
    if len(frame) < total:
        err.print(f"{total - len(frame):,} more rows not shown: --format csv --out FILE writes them all", highlight=False)


@app.command()
def sources() -> None:
    """List the kinds of file bluehelmet reads (the values of --source)."""
    from bluehelmet.sources import kinds

    frame = pd.DataFrame(
        [{"kind": k.name, "table": k.table, "description": k.description} for k in sorted(kinds().values(), key=lambda k: k.name)]
    )
    write_frame(frame, "table", title="Source kinds")

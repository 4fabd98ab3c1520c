"""``bluehelmet download ...``: the only commands that fetch data from the internet."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from bluehelmet.cli.app import app, err

out = Console()

download_app = typer.Typer(
    help=(
        "Download source data (the only commands that use the internet).\n\n"
        "Each writes files to --out and prints where they are and their SHA-256; "
        "load them with `bluehelmet ingest FILE`.\n\n"
        "  bluehelmet download ucdp-ged --version 25.1 --out data\n\n"
        "  UCDP_TOKEN=... bluehelmet download ucdp-api --version 25.1 --country 432"
    ),
    no_args_is_help=True,
)
app.add_typer(download_app, name="download")


@download_app.command("ucdp-ged")
def ucdp_ged(
    version: str = typer.Option(..., "--version", "-v", help="GED release: 25.1 (yearly zip) or 26.0.2 (monthly Candidate CSV)."),
    out_dir: Path = typer.Option(Path("."), "--out", "-o", help="Folder for the download and the unzipped CSV."),
    base_url: str = typer.Option(
        "https://ucdp.uu.se/downloads", "--base-url", help="Where UCDP publishes its downloads (change only for a mirror)."
    ),
    sha256: Optional[str] = typer.Option(
        None, "--sha256", help="Expected SHA-256 of the file; on a mismatch the download is deleted and nothing is kept."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Download the official UCDP GED CSV of a release, check it, and unzip it.

    Fetches https://ucdp.uu.se/downloads/ged/ged<VV><V>-csv.zip (for 25.1: ged251-csv.zip),
    writes <file>.sha256 next to it, and unzips the CSV. Give --sha256 to verify the file
    against a checksum you trust.

    Examples:

      bluehelmet download ucdp-ged --version 25.1 --out data

      bluehelmet ingest data/GEDEvent_v25_1.csv
    """
    from bluehelmet.sources.download import download_ged_csv

    with _progress_bar(f"GED {version}", in_bytes=True) as progress:
        got = download_ged_csv(version, out_dir=out_dir, base_url=base_url, sha256=sha256, progress=progress)
    if as_json:
        typer.echo(json.dumps(got.as_dict()))
        return
    out.print(f"{got.path}  sha256 {got.sha256}  ({got.bytes:,} bytes)", highlight=False, soft_wrap=True)
    out.print(f"CSV: {got.csv_path}  (load it with: bluehelmet ingest {got.csv_path})", highlight=False, soft_wrap=True)


@download_app.command("ucdp-api")
def ucdp_api(
    version: str = typer.Option(..., "--version", "-v", help="GED release as the API names it: 25.1, or 26.0.2 for Candidate events."),
    token: str = typer.Option(
        ..., "--token", envvar="UCDP_TOKEN", show_default=False,
        help="UCDP API access token (or set $UCDP_TOKEN). It is sent to the API only, never stored or printed.",
    ),
    country: Optional[str] = typer.Option(None, "--country", help="Gleditsch-Ward country code(s), e.g. 432 (Mali) or 432,439."),
    start_date: Optional[str] = typer.Option(None, "--start-date", help="First date, YYYY-MM-DD (API filter StartDate)."),
    end_date: Optional[str] = typer.Option(None, "--end-date", help="Last date, YYYY-MM-DD (API filter EndDate)."),
    pagesize: int = typer.Option(1000, "--pagesize", help="Events per page (1 to 1000)."),
    out_dir: Path = typer.Option(Path("."), "--out", "-o", help="Folder for the JSON Lines file."),
    base_url: str = typer.Option("https://ucdpapi.pcr.uu.se", "--base-url", help="The UCDP API (change only for a mirror)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Fetch GED or Candidate events from the UCDP API into a JSON Lines file.

    Follows the API's pages, retries passing server errors, and saves one page per line in
    ucdp-api-gedevents-v<version>[-filters].jsonl. The API needs a token from UCDP
    (https://ucdp.uu.se/apidocs).

    Examples:

      export UCDP_TOKEN=...

      bluehelmet download ucdp-api --version 25.1 --country 432 --out data

      bluehelmet ingest data/ucdp-api-gedevents-v25.1-Country-432.jsonl
    """
    from bluehelmet.sources.download import fetch_ucdp_api

    filters = {"Country": country, "StartDate": start_date, "EndDate": end_date}
    with _progress_bar(f"UCDP API {version}", in_bytes=False) as progress:
        got = fetch_ucdp_api(
            version, token, base_url=base_url, filters=filters, out_dir=out_dir, pagesize=pagesize, progress=progress
        )
    if as_json:
        typer.echo(json.dumps(got.as_dict()))
        return
    total = f" of {got.total_count:,}" if got.total_count is not None else ""
    out.print(
        f"{got.path}  {got.events:,}{total} events in {got.pages} page(s)  sha256 {got.sha256}\n"
        f"load it with: bluehelmet ingest {got.path}",
        highlight=False,
        soft_wrap=True,
    )


@contextmanager
def _progress_bar(label: str, *, in_bytes: bool) -> Iterator:
    """A rich progress bar on stderr, and the ``progress(done, total)`` callback that drives it."""
    counter = [DownloadColumn(), TransferSpeedColumn()] if in_bytes else [MofNCompleteColumn(), TextColumn("events")]
    with Progress(TextColumn("{task.description}"), BarColumn(), *counter, TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


# ACLED lives in its own module (its credentials and filters differ); it joins this group here.
from bluehelmet.cli.download_acled import register as _register_acled  # noqa: E402

_register_acled(download_app)

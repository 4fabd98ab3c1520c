"""``bluehelmet download acled``: fetch ACLED events from the API into a JSON file.

The command lives on the ``download`` group; :func:`register` adds it there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from bluehelmet.cli.app import output_file

out = Console()


def acled(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, "--country", "-c", help="ACLED's country name, e.g. Mali or 'Burkina Faso'."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First event date, YYYY-MM-DD."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last event date, YYYY-MM-DD."),
    out_path: Optional[Path] = typer.Option(
        None, "--out", "-o", callback=output_file, help="The JSON file to write. Default: acled-<country>-<from>-<to>.json here."
    ),
    key: Optional[str] = typer.Option(None, "--key", envvar="ACLED_KEY", show_envvar=True, help="ACLED access key.", show_default=False),
    email: Optional[str] = typer.Option(None, "--email", envvar="ACLED_EMAIL", show_envvar=True, help="E-mail of the ACLED account."),
    base_url: Optional[str] = typer.Option(None, "--base-url", envvar="ACLED_API_URL", help="The API's /acled/read address (for a mirror)."),
    limit: int = typer.Option(5000, "--limit", min=1, help="Rows per page."),
    ingest: bool = typer.Option(False, "--ingest", help="Ingest the file into the store (--db) once downloaded."),
) -> None:
    """Download ACLED events for a country and period into a JSON file, then ingest it.

    The key and e-mail come from --key/--email or $ACLED_KEY/$ACLED_EMAIL; they are sent to
    ACLED only and never written to the file or shown in messages. Pages are fetched until
    one comes back empty; server errors are retried.

    Examples:

      export ACLED_KEY=... ACLED_EMAIL=analyst@example.org

      bluehelmet download acled --country Mali --from 2022-01-01 --to 2022-12-31

      bluehelmet download acled --country Mali --from 2024-01-01 --out mali.json --ingest
    """
    from bluehelmet.sources.acled_api import download_acled

    target = out_path or Path(_default_name(country, date_from, date_to))
    with out.status("Downloading from ACLED ...", spinner="dots") as status:
        summary = download_acled(
            target,
            country=country,
            date_from=date_from,
            date_to=date_to,
            key=key,
            email=email,
            base_url=base_url,
            limit=limit,
            on_page=lambda page, rows: status.update(f"Downloading from ACLED: page {page} ({rows:,} rows)"),
        )
    out.print(f"wrote {summary.rows:,} events in {summary.pages} page(s) to {summary.path}", highlight=False)
    if ingest:
        import bluehelmet
        from bluehelmet.cli.app import open_store
        from bluehelmet.cli.ingest import _print_report

        with open_store(ctx, loads_data=True) as store:
            _print_report(bluehelmet.ingest(store, summary.path, "acled"), summary.path)
    else:
        out.print(f"ingest it with: bluehelmet ingest {summary.path}", highlight=False)


def _default_name(country: str | None, date_from: str | None, date_to: str | None) -> str:
    parts = ["acled", (country or "all").lower().replace(" ", "-"), date_from or "start", date_to or "now"]
    return "-".join(parts) + ".json"


def register(download_app: typer.Typer) -> None:
    """Add ``acled`` to the ``download`` command group."""
    download_app.command("acled")(acled)

"""The Typer application, the global ``--db`` option, and the one place errors are shown."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from bluehelmet.errors import BluehelmetError

from typer import Abort, Exit
from typer.exceptions import TyperException

app = typer.Typer(
    name="bluehelmet",
    help=(
        "Protection of civilians analysis for UN peace operations.\n\n"
        "Ingest conflict events (UCDP, ACLED, mission incident sheets) and UN peacekeeping data "
        "into one store, then ask who threatens civilians where. Start with:\n\n"
        "  bluehelmet ingest FILE      load a file (its kind is detected)\n\n"
        "  bluehelmet events --country MLI --from 2018-01-01\n\n"
        "The store is an embedded DuckDB file: --db PATH, else $BLUEHELMET_DB, else your user data folder."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

err = Console(stderr=True)

# A table on screen shows at most this many rows unless asked for more: a table of a whole
# store would take minutes to draw and nobody reads it; files get every row.
TABLE_ROWS = 100


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Optional[Path] = typer.Option(
        None, "--db", envvar="BLUEHELMET_DB", help="The store file (DuckDB). Default: $BLUEHELMET_DB or the user data folder."
    ),
) -> None:
    ctx.obj = {"db": db}


def open_store(ctx: typer.Context, *, read_only: bool = False, loads_data: bool = False):
    """The store named by ``--db`` (created if it does not exist).

    A command that only reads (``loads_data`` false) and finds no store says so on stderr: a
    mistyped ``--db`` would otherwise answer every question with an empty table.
    """
    import bluehelmet
    from bluehelmet.store import default_db_path

    root = ctx.find_root()
    db = (root.obj or {}).get("db")
    path = Path(db) if db is not None else default_db_path()
    if not loads_data and not path.exists():
        err.print(
            f"note: there was no store at {path}; it is new and empty. "
            f"Load data first: bluehelmet --db {path} ingest FILE",
            highlight=False, soft_wrap=True,
        )
    return bluehelmet.open(path, read_only=read_only)


def output_file(path: Optional[Path]) -> Optional[Path]:
    """The callback of every ``--out FILE`` option: refuse a place no file can be written
    before the command does its work (a report takes a minute), not after."""
    from bluehelmet.exports.output_path import check_output_path

    if path is None:
        return None
    try:
        return check_output_path(path)
    except BluehelmetError as exc:
        raise typer.BadParameter(str(exc)) from exc


def show_error(exc: BluehelmetError) -> None:
    """Print a problem the user can fix, as every command shows it."""
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)


def _unwrap_help(command) -> None:
    """Join the lines of each paragraph of ``command``'s help (and its subcommands') into one.

    Docstrings are wrapped for the source file; the help screen wraps again to the terminal,
    and the two together leave a ragged text of half-empty lines. A line that starts a list
    item (``- ``) or is indented (an example) keeps its own line.
    """
    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        command.help = "\n\n".join(re.sub(r"\n(?![ \t]|- )", " ", p) for p in paragraphs)
    for sub in getattr(command, "commands", {}).values():  # a group's commands
        _unwrap_help(sub)


def _db_first(args: list[str]) -> list[str]:
    """``args`` with a ``--db PATH`` given after the command moved before it, where it belongs.

    ``bluehelmet events --db mission.duckdb`` is what people type; the global option is read
    only before the command, so it is moved there rather than refused.
    """
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if i > 0 and arg.startswith("--db="):
            return [arg, *args[:i], *args[i + 1:]]
        if i > 0 and arg == "--db" and i + 1 < len(args):
            return [arg, args[i + 1], *args[:i], *args[i + 2:]]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 usage error, 2 a problem the user can fix)."""
    from bluehelmet.cli import commands  # noqa: F401  (registers the commands)

    command = typer.main.get_command(app)
    _unwrap_help(command)
    try:
        command.main(args=_db_first(sys.argv[1:] if argv is None else list(argv)), prog_name="bluehelmet", standalone_mode=False)
    except BluehelmetError as exc:
        show_error(exc)
        return 2
    except Abort:
        err.print("aborted")
        return 1
    except Exit as exc:
        return exc.exit_code
    except TyperException as exc:  # usage errors: unknown option, missing argument...
        exc.show(file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    return 0

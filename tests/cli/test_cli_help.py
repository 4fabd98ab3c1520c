"""Help screens read as prose: a paragraph's lines are joined, and the terminal wraps them."""

from __future__ import annotations

import re

import typer

from bluehelmet.cli import app
from bluehelmet.cli.app import _unwrap_help


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_help_paragraph_is_one_line_but_lists_and_examples():
    from bluehelmet.cli import commands  # noqa: F401  (registers the commands)

    root = typer.main.get_command(app)
    wrapped = [p for p, c in _commands(root) if c.help and re.search(r"\n(?!\n|[ \t]|- )", c.help.strip())]
    assert len(wrapped) > 10  # the docstrings are wrapped for the source file

    _unwrap_help(root)

    helps = {" ".join(p): c.help for p, c in _commands(root) if c.help}
    assert not [p for p, text in helps.items() if re.search(r"[^\n]\n(?![ \t]|- |\n)", text)]
    assert (
        "Each row counts events, civilian deaths (best, low, high), the share of one-sided violence, "
        "abductions and sexual violence (where the source codes them), and lists its event ids (csv/json)."
    ) in helps["threats"]
    # Examples keep their own lines.
    assert "\n\n  bluehelmet ingest ged251-csv.zip" in helps["ingest"]


def test_help_on_screen_wraps_at_the_terminal_not_the_docstring(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("threats", "--help")
    assert result.exit_code == 0
    # In the docstring "one-sided" ends a line; on a wide screen the sentence goes on.
    assert any("the share of one-sided violence, abductions" in line for line in result.stdout.splitlines())


def test_python_dash_m_bluehelmet_runs_the_command_line(tmp_path):
    # Where the console script is not on PATH (a notebook's kernel, Windows), the module runs it.
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "bluehelmet", "--db", str(tmp_path / "x.duckdb"), "sources"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "ucdp-ged" in run.stdout

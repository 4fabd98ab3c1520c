"""The command line: a thin layer over the library (every command is a library call too)."""

from bluehelmet.cli.app import app, main

__all__ = ["app", "main"]

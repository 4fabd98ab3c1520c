"""Imports every command module so each registers its commands on the app."""

from bluehelmet.cli import actors, anatomy, download, events, forecast, ingest, peacekeeping, threats  # noqa: F401

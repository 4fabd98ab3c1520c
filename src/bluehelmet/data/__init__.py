"""The openly licensed real data bundled with bluehelmet (see PROVENANCE.md and docs/data-sources.md)."""

from __future__ import annotations

from pathlib import Path

from bluehelmet.errors import NotFoundError

DATA_DIR = Path(__file__).resolve().parent


def bundled(relative: str) -> Path:
    """The path of a bundled data file, e.g. ``bundled("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv")``."""
    path = DATA_DIR / relative
    if not path.exists():
        raise NotFoundError(f"no bundled data file {relative!r} in {DATA_DIR}")
    return path

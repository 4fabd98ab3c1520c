"""Fixtures for the threat analyses: stores with the bundled real Mali data (see mali_fixtures.py)."""

from __future__ import annotations

import pytest

import bluehelmet
from bluehelmet.data import bundled

from mali_fixtures import CANDIDATE, GED211, load_mali_boundaries


@pytest.fixture(scope="session")
def mali_db(tmp_path_factory):
    """Path of a store with GED 21.1, both Candidate releases and Mali's boundaries (read-only use)."""
    path = tmp_path_factory.mktemp("mali") / "mali.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, bundled(GED211), "ucdp-ged")
        for name in CANDIDATE:
            bluehelmet.ingest(store, bundled(name), "ucdp-candidate")
        load_mali_boundaries(store)
    return path


@pytest.fixture
def mali(mali_db):
    """The Mali store, opened for one test."""
    with bluehelmet.open(mali_db) as store:
        yield store


@pytest.fixture
def mali_units(tmp_path):
    """A fresh store with only Mali's boundaries (events are added by the test)."""
    with bluehelmet.open(tmp_path / "units.duckdb") as store:
        load_mali_boundaries(store)
        yield store

"""Fixtures for the threat analyses: stores with the bundled real Mali data (see tests/mali_fixtures.py)."""

from mali_fixtures import mali, mali_db, mali_units  # noqa: F401

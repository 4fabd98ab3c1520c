"""The Mali store fixtures for the command tests (see tests/mali_fixtures.py)."""

from mali_fixtures import mali, mali_db, mali_units  # noqa: F401

"""Shared fixtures: the bundled real data, fresh stores, and running the CLI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import bluehelmet

from bluehelmet.data import DATA_DIR as DATA


def data_file(relative: str) -> Path:
    """A file of the bundled real data (src/bluehelmet/data), failing clearly if absent."""
    path = DATA / relative
    assert path.exists(), f"bundled data file missing: {path}"
    return path


@pytest.fixture
def data():
    """``data('ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv')`` -> Path."""
    return data_file


@pytest.fixture
def store(tmp_path):
    """A new, empty store in a temporary folder."""
    with bluehelmet.open(tmp_path / "test.duckdb") as s:
        yield s


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli(capsys):
    """Run ``bluehelmet ARGS...`` in-process: ``cli("--db", path, "ingest", file)``."""
    from bluehelmet.cli import main

    def run(*args) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run

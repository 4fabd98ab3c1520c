"""Reading real CSV rows to spoil them, and writing them back, for the readers' bad-input tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def read_rows(path: Path, n: int | None = None) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``n`` data rows (all when None) of a CSV file."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:] if n is None else rows[1 : n + 1]


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows as CSV text with ``\\n`` line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue()


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write the rows as a UTF-8 CSV file at ``path`` and return it."""
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path

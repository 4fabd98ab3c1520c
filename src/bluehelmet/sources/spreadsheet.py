"""Excel workbooks, read as the delimited text every table reader already knows.

UCDP publishes its Candidate events as ``.xlsx`` as well as CSV, and missions keep their logs in
Excel. A workbook's first sheet (or a named one) is written out as UTF-8 CSV, cell by cell, so
that one reader per source serves both formats and a workbook ingests to the same rows as its
CSV: dates are written as ISO dates (``2026-02-21``, with the time only when there is one),
numbers as Python writes them, blank cells as empty fields. Sheet row numbers are kept (the
header is row 1), so a rejected row points at the row Excel shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bluehelmet.errors import InputFileError

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm"}


def is_spreadsheet(path: str | Path) -> bool:
    """Whether ``path`` names an Excel workbook bluehelmet reads (``.xlsx``, ``.xlsm``)."""
    return Path(path).suffix.lower() in SPREADSHEET_SUFFIXES


@contextmanager
def sheet_rows(path: str | Path, sheet: str | None = None) -> Iterator[Iterator[tuple]]:
    """The rows of a workbook's sheet (the first unless ``sheet`` names one), as tuples of cell values.

    Raises :class:`InputFileError` for a file that is not a workbook and for a sheet that does
    not exist (naming the sheets there are).
    """
    import openpyxl  # loaded only when a workbook is read

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputFileError(path, f"cannot be read as an Excel workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(path, f"no sheet {sheet!r}; the sheets are: {', '.join(book.sheetnames)}")
        yield (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
    finally:
        book.close()


def first_rows(path: str | Path) -> tuple[tuple, ...]:
    """The first two rows of the first sheet (fewer when the sheet is shorter).

    Finding a file's kind asks for them twice (an HXL tag row? which header?), and opening a
    workbook reads its whole table of strings, seconds for a big one: each version of a file
    is opened for them once.
    """
    stat = Path(path).stat()
    return _first_rows(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _first_rows(path: str, mtime_ns: int, size: int) -> tuple[tuple, ...]:
    with sheet_rows(path) as rows:
        return tuple(itertools.islice(rows, 2))


def spreadsheet_header(path: str | Path) -> list[str]:
    """The first row of the first sheet, as text (empty list for an empty sheet)."""
    rows = first_rows(path)
    return [cell_text(c) for c in rows[0]] if rows else []


def cell_text(value: object) -> str:
    """A cell as the text a CSV export of the sheet would hold ('' for a blank cell)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def sheet_to_csv(path: str | Path, target: Path, sheet: str | None = None) -> int:
    """Write a workbook's sheet to ``target`` as UTF-8 CSV; returns the number of rows below the header.

    Blank rows at the end of the sheet are left out (they are formatting); blank rows between
    data rows are kept, so the rows keep the numbers Excel shows.
    """
    blank_run: list[tuple] = []
    written = 0
    with sheet_rows(path, sheet) as rows, open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        header = next(rows, None)
        if header is None or not any(cell_text(c).strip() for c in header):
            raise InputFileError(path, "the sheet is empty: its first row should name the columns")
        writer.writerow([cell_text(c) for c in header])
        for row in rows:
            cells = [cell_text(c) for c in row]
            if not any(c.strip() for c in cells):
                blank_run.append(cells)
                continue
            writer.writerows(blank_run)
            written += len(blank_run) + 1
            blank_run.clear()
            writer.writerow(cells)
    return written

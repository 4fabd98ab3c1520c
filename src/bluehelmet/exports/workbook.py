"""Rows written as an Excel workbook (.xlsx): typed cells, a frozen header row and a filter.

A CSV opens in Excel too, but Excel then guesses what each cell is. A workbook says it: days
are date cells, counts are numbers, names and codes are text, and the header row stays in view
with a filter on every column.

Excel's limits are met here rather than by the analyst opening the file: a sheet holds at most
1,048,576 rows, the header included (more is an error before anything is written), and a cell
at most 32,767 characters (a longer text is cut, and the cell says how much is missing and
where the whole text is). Control characters that a workbook cannot hold (all but tab and
line breaks) are written as ``\\xNN`` escapes, as the quarantine shows stray bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from bluehelmet.errors import InvalidRequestError

MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


def check_fits(rows: int) -> None:
    """Raise :class:`InvalidRequestError` if ``rows`` data rows (and a header) overflow a sheet."""
    if rows + 1 > MAX_ROWS:
        raise InvalidRequestError(
            f"{rows:,} rows do not fit in an Excel sheet (at most {MAX_ROWS - 1:,} below the header): "
            "narrow the selection (--from/--to, --country, --limit) or write csv or parquet"
        )


def write_workbook(
    columns: Sequence[str],
    rows: Iterable[Sequence],
    path: str | Path,
    *,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` under a header of ``columns`` as the one sheet of an .xlsx at ``path``.

    Returns the number of cells whose text was cut to Excel's 32,767 characters. The sheet is
    called ``sheet``, or after the file. ``progress(rows)`` is called every thousand rows and at
    the end: a workbook takes about a millisecond per row of fifty columns. Raises
    :class:`InvalidRequestError` when the rows overflow a sheet (nothing is saved then; callers
    that know the count call :func:`check_fits` before any work).
    """
    return write_sheets({sheet or sheet_name(Path(path)): (columns, rows)}, path, progress=progress)


def write_sheets(
    sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]],
    path: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write an .xlsx at ``path`` with one sheet per ``{name: (columns, rows)}``, in that order.

    Each sheet is as :func:`write_workbook` makes it; names are made to fit Excel's rules.
    Returns the number of cells cut in all; ``progress`` counts the rows of all sheets.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    written = cut = 0
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(_fit_sheet_name(name))
        sheet_rows, sheet_cut = _fill(sheet, columns, rows, progress, counted_before=written)
        written += sheet_rows
        cut += sheet_cut
    if progress is not None:
        progress(written)
    book.save(Path(path))
    return cut


def _fill(
    sheet, columns: Sequence[str], rows: Iterable[Sequence], progress: Callable[[int], None] | None, *, counted_before: int
) -> tuple[int, int]:
    """Write the header and ``rows`` into a write-only ``sheet``, calling ``progress`` with the
    rows of the workbook so far (``counted_before`` plus this sheet's) every thousand rows.
    Returns the rows written and the cells cut."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Set before the first row: a write-only sheet writes its columns and panes at the top.
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(len(str(name)) + 2, 10), 40)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = cut = 0
    for row in rows:
        written += 1
        if written + 1 > MAX_ROWS:
            check_fits(written)
        values = []
        for value in row:
            value, was_cut = cell_value(value)
            cut += was_cut
            values.append(value)
        sheet.append(values)
        if progress is not None and (counted_before + written) % 1000 == 0:
            progress(counted_before + written)
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{written + 1}"
    return written, cut


def cell_value(value: object) -> tuple[object, bool]:
    """A value as a workbook cell holds it (None for a blank), and whether its text was cut."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, False
    if isinstance(value, float):
        return (None if math.isnan(value) else value), False
    if isinstance(value, pd.Timestamp):
        return _plain(value.to_pydatetime()), False
    if isinstance(value, (bool, int, dt.date, dt.time)):  # datetime is a date
        return _plain(value), False
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        return cell_value(value.item())
    text = value.hex() if isinstance(value, bytes) else str(value)
    text = _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) <= MAX_CELL_CHARS:
        return text, False
    note = " [... cut: {} more characters in Excel; the csv or parquet export keeps the whole text]"
    # Room for the note with the longest count it can hold; the count written is the exact one.
    keep = MAX_CELL_CHARS - len(note.format(f"{len(text):,}"))
    return text[:keep] + note.format(f"{len(text) - keep:,}"), True


def sheet_name(path: Path) -> str:
    """A sheet name from the file's name, within Excel's rules (31 characters, no []:*?/\\)."""
    return _fit_sheet_name(path.stem)


def _fit_sheet_name(name: str) -> str:
    name = _SHEET_NAME_ILLEGAL.sub("_", name).strip("'")[:31]
    return name or "Sheet1"


def _plain(value):
    # A timezone-aware time cannot be a workbook cell: the store writes UTC without a zone.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value

"""Excel workbooks, read as the delimited text every table reader already knows.

UCDP publishes its Candidate events as ``.xlsx`` as well as CSV, and missions keep their logs in
Excel, some still in the Excel 97-2003 format (``.xls``). A workbook's first sheet (or a named
one) is written out as UTF-8 CSV, cell by cell, so that one reader per source serves every
format and a workbook ingests to the same events as its CSV: dates are written as ISO dates
(``2026-02-21``, with the time only when there is one), numbers as Python writes them, blank
cells as empty fields. ``native`` keeps each file's own text, which can differ (UCDP's
Candidate CSV writes ``625.0`` and ``True`` where its workbook holds the number 625 and the
boolean true), so the one ingested after the other counts its events as updated. Sheet row
numbers are kept (the header is row 1), so a rejected row points at the row Excel shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

from bluehelmet.errors import InputFileError

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
# The first bytes of an Excel 97-2003 workbook (an OLE2 compound file); .xlsx is a zip ("PK").
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_spreadsheet(path: str | Path) -> bool:
    """Whether ``path`` names an Excel workbook bluehelmet reads (``.xlsx``, ``.xlsm``, ``.xls``)."""
    return Path(path).suffix.lower() in SPREADSHEET_SUFFIXES


@contextmanager
def sheet_rows(path: str | Path, sheet: str | None = None) -> Iterator[Iterator[tuple]]:
    """The rows of a workbook's sheet (the first unless ``sheet`` names one), as tuples of cell values.

    The format is told by the file's first bytes, not its name: a workbook saved as ``.xls``
    that is really an ``.xlsx`` (or the other way round) is read all the same. Raises
    :class:`InputFileError` for a file that is not a workbook and for a sheet that does not
    exist (naming the sheets there are).
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(len(_OLE2_MAGIC))
    reader = _xls_rows if head == _OLE2_MAGIC else _xlsx_rows
    with reader(path, sheet) as rows:
        yield rows


@contextmanager
def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[Iterator[tuple]]:
    import openpyxl  # loaded only when a workbook is read

    # Given an open file, openpyxl reads the workbook whatever the file is called (given a
    # path, it refuses a name ending in .xls before looking inside).
    with open(path, "rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InputFileError(path, f"cannot be read as an Excel workbook: {exc}{_html_hint(path)}") from None
        try:
            _check_sheet(path, sheet, book.sheetnames)
            yield (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
        except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            # The sheet's XML is read row by row: damage inside it shows only while reading.
            raise InputFileError(path, f"a damaged Excel workbook: its sheet cannot be read ({exc})") from None
        finally:
            book.close()


@contextmanager
def _xls_rows(path: Path, sheet: str | None) -> Iterator[Iterator[tuple]]:
    """An Excel 97-2003 sheet's rows, with cell values of the types openpyxl gives for ``.xlsx``."""
    import xlrd  # loaded only when an .xls workbook is read

    # xlrd writes its warnings to stdout; keep them, to explain a failure.
    log = io.StringIO()
    try:
        book = xlrd.open_workbook(path, on_demand=True, logfile=log)
    except Exception as exc:  # xlrd raises several types for a damaged file
        warned = [line.split("***", 1)[-1].strip(" !") for line in log.getvalue().splitlines() if "***" in line]
        because = f" ({warned[-1]})" if warned else ""
        raise InputFileError(path, f"cannot be read as an Excel 97-2003 workbook: {exc}{because}") from None
    try:
        _check_sheet(path, sheet, book.sheet_names())
        try:
            # Loaded on demand: damage inside the sheet shows only now.
            chosen = book.sheet_by_name(sheet) if sheet else book.sheet_by_index(0)
        except Exception as exc:  # xlrd raises several types for a damaged sheet
            raise InputFileError(path, f"a damaged Excel 97-2003 workbook: its sheet cannot be read ({exc})") from None
        yield (tuple(_xls_value(cell, book.datemode) for cell in row) for row in chosen.get_rows())
    finally:
        book.release_resources()


def _xls_value(cell, datemode: int) -> object:
    """A cell of an .xls sheet as openpyxl would give it: None, str, int, float, bool, datetime."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError):
            return value  # not a day Excel can show: keep the serial number
    if kind == xlrd.XL_CELL_NUMBER:
        # .xls stores every number as a double; a whole number is shown, and exported, without ".0".
        return int(value) if value.is_integer() else value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, f"#ERROR{value}")
    return value


def _check_sheet(path: Path, sheet: str | None, names: list[str]) -> None:
    if sheet is not None and sheet not in names:
        raise InputFileError(path, f"no sheet {sheet!r}; the sheets are: {', '.join(names)}")


def _html_hint(path: Path) -> str:
    """Web systems often export an HTML table named .xls: say so, and how to get a workbook."""
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return " (it is a web page or XML, not a workbook: open it in Excel and save it as .xlsx or CSV)"
    return ""


# Rows read to find a sheet's header and HXL tag row: mission workbooks often open with a
# title, a period or a blank line above their table.
HEAD_ROWS = 20


def first_rows(path: str | Path) -> tuple[tuple, ...]:
    """The first :data:`HEAD_ROWS` rows of the first sheet (fewer when the sheet is shorter).

    Finding a file's kind asks for them twice (an HXL tag row? which header?), and opening a
    workbook reads its whole table of strings, seconds for a big one: each version of a file
    is opened for them once.
    """
    stat = Path(path).stat()
    return _first_rows(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _first_rows(path: str, mtime_ns: int, size: int) -> tuple[tuple, ...]:
    with sheet_rows(path) as rows:
        return tuple(itertools.islice(rows, HEAD_ROWS))


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
    data rows are kept, so the rows keep the numbers Excel shows. Columns with neither a name
    nor a value are left out too: a stray cell far to the right would otherwise make every
    row thousands of fields wide. A value in a column without a name is kept, under the name
    the parser gives any unnamed column (``column12``). A line break typed inside a header
    cell (Alt+Enter) becomes a space.
    """
    blank_run: list[list[str]] = []
    written = 0
    with sheet_rows(path, sheet) as rows, open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        header = [" ".join(cell_text(c).split()) for c in next(rows, None) or ()]
        width = _filled_width(header)
        if not width:
            raise empty_sheet_error(path, sheet)
        header = header[:width]
        used = {i for i, name in enumerate(header) if name}
        writer.writerow(header)
        for row in rows:
            cells = [cell_text(c) for c in row]
            filled = _filled_width(cells)
            if not filled:
                blank_run.append([""] * width)
                continue
            used.update(i for i in range(filled) if cells[i].strip())
            writer.writerows(blank_run)
            written += len(blank_run) + 1
            blank_run.clear()
            # Padded to the header; longer only where a value lies beyond it.
            writer.writerow(cells[: max(width, filled)] + [""] * (width - len(cells)))
    if used != set(range(width)):
        _keep_columns(target, sorted(used))
    return written


def _filled_width(cells: list[str]) -> int:
    """How many cells a row spans up to its last non-blank one."""
    return max((i + 1 for i, text in enumerate(cells) if text.strip()), default=0)


def _keep_columns(target: Path, keep: list[int]) -> None:
    """Rewrite the CSV ``target`` with the columns ``keep`` only, every row as wide as the header.

    A second pass over the CSV, not the workbook: needed only for a sheet with unnamed columns
    that are empty, or values beyond the header.
    """
    draft = target.with_name(target.name + ".draft")
    target.rename(draft)
    with open(draft, encoding="utf-8", newline="") as source, open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for cells in csv.reader(source):
            cells += [""] * (keep[-1] + 1 - len(cells))
            writer.writerow([cells[i] for i in keep])
    draft.unlink()


def sheet_names(path: str | Path) -> list[str]:
    """The names of a workbook's sheets, in the order Excel shows their tabs."""
    with open(path, "rb") as handle:
        if handle.read(len(_OLE2_MAGIC)) == _OLE2_MAGIC:
            import xlrd

            book = xlrd.open_workbook(path, on_demand=True, logfile=io.StringIO())
            try:
                return book.sheet_names()
            finally:
                book.release_resources()
        import openpyxl

        handle.seek(0)
        book = openpyxl.load_workbook(handle, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()


def empty_sheet_error(path: str | Path, sheet: str | None = None) -> InputFileError:
    """The error for a sheet with nothing in its first row: ``sheet``, or the first sheet when
    ``sheet`` is None (the one read by default), named either way.

    For the first sheet, the workbook's other sheets are named too: a table behind a cover or
    notes sheet is the usual cause.

    >>> str(empty_sheet_error("log.xlsx", "Incidents"))
    "log.xlsx: the sheet 'Incidents' is empty: its first row should name the columns"
    """
    names = [sheet] if sheet is not None else sheet_names(path)
    problem = f"the sheet {names[0]!r} is empty: its first row should name the columns"
    if len(names) > 1:
        problem += (
            f"; only the first sheet is read, and the workbook also has {', '.join(repr(n) for n in names[1:])}: "
            "move the table to the first sheet or save its sheet as CSV"
        )
    return InputFileError(path, problem)

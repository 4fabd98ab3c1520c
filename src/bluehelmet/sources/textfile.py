"""Loading delimited text files as analysts receive them, fast and without losing a row.

Handles UTF-8 with or without a byte-order mark, Latin-1 (Windows exports), comma, semicolon,
tab and pipe delimiters, gzip-compressed files, and rows with too few or too many fields, which
become rejects with their row number instead of stopping the load. The work is done by
DuckDB's CSV reader, so a million-row file loads in seconds.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import mmap
import shutil
import tempfile
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bluehelmet.errors import InputFileError, MissingColumnsError
from bluehelmet.sources.archive import zip_hint
from bluehelmet.sources.base import REJECT_SCHEMA, ReadResult, sql_identifier
from bluehelmet.sources.map_data import refuse_map_data
from bluehelmet.sources.spreadsheet import HEAD_ROWS, is_spreadsheet, sheet_to_csv

DELIMITERS = [",", ";", "\t", "|"]
_SNIFF_BYTES = 1 << 20
_MAX_RECORD_BYTES = 2_000_000  # DuckDB's default max_line_size
_SCAN_CHUNK = 1 << 22


@dataclass
class DelimitedFile:
    """A delimited file as a DuckDB relation of text columns.

    Materialised: a temp table with ``_row``, the parser's rejects and ``rows_in``. Streaming:
    a view without ``_row`` (rows are numbered by position after the pass), no rejects yet, and
    ``rows_in`` -1 (see :func:`load_delimited`); the reader calls :meth:`close` after the pass.
    """

    path: Path
    relation: str  # every column VARCHAR; the temp table also has _row BIGINT
    header: list[str]
    delimiter: str
    encoding: str
    rejects: pa.Table  # rows the CSV parser itself could not split into the header's columns
    rows_in: int
    scratch: tempfile.TemporaryDirectory | None = None  # a UTF-8 copy the view reads (sheet, UTF-16 BE)
    text_path: Path | None = None  # the text the parser read: path itself, or that copy
    nul_scan: GzipNulScan | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Start looking for NUL bytes in gzip text, alongside DuckDB's read (see :class:`GzipNulScan`)."""
        # Every other byte of UTF-16 text is NUL; an uncompressed file was searched before the
        # read, and a UTF-8 copy (of a sheet, of big-endian UTF-16) is never gzip.
        if (self.text_path or self.path).suffix == ".gz" and self.encoding != "utf-16" and self.nul_scan is None:
            self.nul_scan = GzipNulScan(self.path)

    def close(self) -> None:
        """Remove the UTF-8 copy a streaming view reads (once the view is read), and stop a NUL
        scan that is no longer needed."""
        if self.scratch is not None:
            self.scratch.cleanup()
            self.scratch = None
        if self.nul_scan is not None:
            self.nul_scan.cancel()

    def rejects_after_pass(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        """The parser's rejects, once the file has been read through (by the load, or by the
        reader's pass over a streaming view).

        Raises :class:`InputFileError` for gzip text with a NUL byte: every reader asks for the
        rejects after its pass and before anything is stored, so the file is refused whole.
        """
        if self.nul_scan is not None:
            self.nul_scan.refuse_found()
        # Only UTF-8 text has rows rejected as not UTF-8, to be read back from the file.
        source = self.text_path if self.encoding == "utf-8" else None
        return parser_rejects(con, len(self.header), source, self.delimiter)

    def read_result(
        self, kind: str, table: str, records, row_rejects: pa.Table, release: str | None, deleted_uids: list[str] | None = None
    ) -> ReadResult:
        """A reader's result for this file: its ``records``, the rows the parser could not split
        followed by those the row checks rejected, and every row of the file in ``rows_in``."""
        return ReadResult(
            kind=kind, table=table, records=records, rejects=pa.concat_tables([self.rejects, row_rejects]),
            rows_in=self.rows_in, release=release, deleted_uids=deleted_uids or [],
        )


def open_bytes(path: Path):
    """``path`` opened for reading bytes, decompressed if it is gzip (``.gz``)."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def open_text_head(path: Path) -> bytes:
    """The first megabyte of a file, decompressed if it is gzip.

    Raises :class:`InputFileError` for a gzip file that is damaged or cut short (a download
    that stopped) before its first megabyte.
    """
    try:
        with open_bytes(path) as handle:
            return handle.read(_SNIFF_BYTES)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputFileError(path, f"a damaged or truncated gzip file ({exc}): download or compress it again") from None


def sniff_encoding(head: bytes) -> str:
    """The encoding to read a file in, from its first megabyte.

    'utf-16' with a UTF-16 byte-order mark (Excel's "Unicode text"); 'utf-8' when the head
    decodes as UTF-8 (a BOM is fine) or mostly does; else 'latin-1' (Windows exports). A UTF-8
    file with a few stray Latin-1 bytes (rows pasted in from another export) stays UTF-8: its
    rows that do not decode go to quarantine, where Latin-1 would garble every other row.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    # A multi-byte character may be cut at the end of the sample: leave out the last 3 bytes.
    text = (head[:-3] if len(head) == _SNIFF_BYTES else head).decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    if not broken:
        return "utf-8"
    # Latin-1 text almost never holds a valid UTF-8 sequence by chance.
    decoded = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return "utf-8" if decoded > broken else "latin-1"


def refuse_binary(path: Path, head: bytes) -> None:
    """Stop at a file that is not text, before the CSV parser reports it in its own words.

    ``head`` is the file's first megabyte (:func:`open_text_head`). A zip, or a head with NUL
    bytes or many other control characters, is not text.
    """
    if head.startswith(b"PK\x03\x04"):
        raise InputFileError(path, zip_hint(path))
    if sniff_encoding(head) == "utf-16":  # every other byte of UTF-16 text is NUL
        return
    sample = head[:65536]
    if b"\x00" in sample or sum(map(sample.count, _CONTROL_BYTES)) > len(sample) // 100:
        raise InputFileError(path, "binary data, not delimited text: give a CSV, TSV or .xlsx file")


def _refuse_nul_bytes(path: Path) -> None:
    """Stop at an uncompressed text file with a NUL byte past its head: a damaged copy, whose
    NULs would end up inside the values of a row. Once per read, so not in kind detection,
    which needs the head only. A gzip file is scanned during the read instead (:class:`GzipNulScan`)."""
    if path.suffix == ".gz":
        return
    offset = _first_nul(path)
    if offset is not None:
        raise InputFileError(path, _nul_problem(path, offset))


def _nul_problem(path: Path, offset: int, *, copy: Path | None = None, lines_above: int = 0) -> str:
    """What to say of a NUL byte at ``offset`` of the text of ``path`` (decompressed, for gzip).

    ``copy`` is the text below a title that was searched instead, ``lines_above`` the lines
    left out of it: its byte offsets are not the file's, so only the line is named.
    """
    if copy is None:
        line = _line_at(path, offset)
        where = f" (byte {offset:,}" + (" of the decompressed text" if path.suffix == ".gz" else "") + ")"
    else:
        line, where = _line_at(copy, offset) + lines_above, ""
    return f"a NUL byte at line {line:,}{where}: the file is damaged or partly binary; repair or export it again (nothing was stored)"


class GzipNulScan:
    """A search for the first NUL byte in the decompressed text of a gzip file, made in a thread
    while DuckDB reads the file.

    An uncompressed file is searched before the read, at memory speed (:func:`_first_nul`). For
    gzip the search has to decompress the file, which DuckDB does again in its own reader: 2.5
    to 3.5 s of processor time for a million GED rows (160 MB compressed, 630 MB of text; the
    whole ingest takes about 30 s of processor time). Run beside the read, on processor time the
    read leaves free (DuckDB decompresses on one thread), it is over long before the read is; a
    search beforehand would add all of it to the wait. Checking the parsed values for NUL with
    SQL instead would spare the decompression but need a check in each reader's own query (the
    GED reader streams its rows into the store, the others load a table), and would still have
    to read the file again to name the line. The reader waits for the search once its pass is
    done (:meth:`refuse_found`), before anything is stored.

    A damaged gzip stops the search without a word: DuckDB's read of the same bytes fails, and
    says so.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset: int | None = None
        self._stop = threading.Event()
        # A daemon: a read that failed before its pass never waits for the search.
        self._thread = threading.Thread(target=self._search, name=f"nul-scan {path.name}", daemon=True)
        self._thread.start()

    def _search(self) -> None:
        position = 0
        try:
            with gzip.open(self.path, "rb") as handle:
                while not self._stop.is_set() and (chunk := handle.read(_SCAN_CHUNK)):
                    found = chunk.find(b"\x00")
                    if found >= 0:
                        self.offset = position + found
                        return
                    position += len(chunk)
        except (OSError, EOFError, zlib.error):
            return

    def refuse_found(self) -> None:
        """Wait for the search; raise :class:`InputFileError` naming the line and byte of a NUL."""
        self._thread.join()
        if self.offset is not None:
            raise InputFileError(self.path, _nul_problem(self.path, self.offset))

    def cancel(self) -> None:
        """Stop the search (the reader is done with the file)."""
        self._stop.set()


# Bytes that never appear in delimited text (tab, line feed, form feed and carriage return do).
_CONTROL_BYTES = [bytes([b]) for b in (*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F)]


def _first_nul(path: Path) -> int | None:
    """The offset of the first NUL byte in ``path``, or None.

    Mapped rather than read: the search runs at memory speed, a fraction of a second for a
    gigabyte the page cache holds (the parser reads the same pages next).
    """
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        found = mapped.find(b"\x00")
    return found if found >= 0 else None


def _line_at(path: Path, offset: int) -> int:
    """The line (from 1) that the byte at ``offset`` of the text of ``path`` lies on (decompressed,
    for gzip). Only when a file is refused, so read again in chunks."""
    lines, left = 1, offset
    with open_bytes(path) as handle:
        while left > 0 and (chunk := handle.read(min(left, _SCAN_CHUNK))):
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


@dataclass(frozen=True)
class TableStart:
    """Where the table of a delimited file starts, below a title or notes: the header's line
    (counted from 0, so the number of lines above it) and the delimiter that splits it."""

    line: int
    delimiter: str


def locate_table(path: Path, find_header: Callable[[list[list[str]]], int | None]) -> TableStart | None:
    """Where the table starts in a delimited file that has lines above its header.

    ``find_header`` is given the first :data:`~bluehelmet.sources.spreadsheet.HEAD_ROWS`
    records of the file split by one delimiter, and returns the index of the header among them
    or None. Each delimiter is tried, as a title line says nothing of the delimiter; where
    several find a header, the one splitting it into the most fields wins. None when no header
    is found.
    """
    head = open_text_head(path)
    text = head.decode(sniff_encoding(head), errors="replace").lstrip("\ufeff")
    # A head cut inside a record would end in a broken one; the last line is left out.
    lines = text.split("\n")[:-1] if len(head) == _SNIFF_BYTES else text.split("\n")
    found = []
    for delimiter in DELIMITERS:
        records = _head_records(lines, delimiter)
        index = find_header([fields for _, fields in records]) if records else None
        if index is not None:
            found.append((len(records[index][1]), -records[index][0], delimiter))
    if not found:
        return None
    _, line, delimiter = max(found)
    return TableStart(-line, delimiter)


def _head_records(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """The first records of ``lines`` split by ``delimiter``, each with the line it starts on."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records = []
    try:
        while len(records) < HEAD_ROWS:
            start = reader.line_num
            records.append((start, next(reader)))
    except (StopIteration, csv.Error):  # the end of the head, or a field past the csv module's limit
        pass
    return records


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most fields."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def load_delimited(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    kind: str,
    required: list[str],
    relation: str = "staging",
    aliases: dict[str, str] | None = None,
    materialise: bool = True,
    table_start: TableStart | None = None,
) -> DelimitedFile:
    """Load ``path`` into the temp table ``relation`` with every column as text.

    ``path`` is delimited text (see the module's docstring) or an Excel workbook, whose first
    sheet is read (:mod:`bluehelmet.sources.spreadsheet`).

    Parameters
    ----------
    con:
        A DuckDB connection of the reader's own (in memory).
    kind:
        The source kind, for error messages ("not a ucdp-ged file").
    required:
        Column names that must be in the header (after ``aliases`` are applied); when any is
        missing, :class:`MissingColumnsError` names them and lists the columns found.
    aliases:
        Header names to rename (case-insensitive), for sources whose releases renamed columns.
    materialise:
        True (default): load into a temp table and return the parser's rejects and the row
        count. False: create a streaming view instead, for readers that make one pass over a
        large file; they call :func:`parser_rejects` after the pass (``rows_in`` is -1).
    table_start:
        Where the table starts in a file with lines above its header (a title, a note), as
        :func:`locate_table` finds it: those lines are skipped, and rows keep their line numbers
        (for a materialised load only).

    Raises
    ------
    InputFileError
        The file is missing, empty, or has a header only with no way to read it.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    lines_above = table_start.line if table_start else 0
    if lines_above and not materialise:
        raise ValueError("a table below a title is loaded materialised, to number its rows as the file does")
    load = functools.partial(
        _load_text, con, path, kind=kind, required=required, relation=relation, aliases=aliases, materialise=materialise,
        lines_above=lines_above,
    )
    if is_spreadsheet(path):
        return _load_copy(path, lambda copy: sheet_to_csv(path, copy), lambda copy: load(copy, "utf-8", ","), materialise)
    head = open_text_head(path)
    if not head.removeprefix(b"\xef\xbb\xbf").strip():
        raise InputFileError(path, "the file is empty")
    refuse_map_data(path, kind, head)
    refuse_binary(path, head)
    encoding = sniff_encoding(head)
    if encoding != "utf-16":  # every other byte of UTF-16 text is NUL
        _refuse_nul_bytes(path)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = table_start.delimiter if table_start else sniff_delimiter(first_line)
    if lines_above:
        # DuckDB's own `skip` is not used: its sniffer fails on some files that start with a
        # blank line. The table is read from a copy without the lines above it instead.
        copied_encoding = "utf-8" if encoding == "utf-16" else encoding
        return _load_copy(
            path, lambda copy: _copy_below(path, copy, lines_above, encoding), lambda copy: load(copy, copied_encoding, delimiter),
            materialise,
        )
    if head.startswith(b"\xfe\xff"):
        # DuckDB reads UTF-16 as little-endian only; big-endian text is read from a UTF-8 copy.
        return _load_copy(path, lambda copy: _utf16_to_utf8(path, copy), lambda copy: load(copy, "utf-8", delimiter), materialise)
    return load(path, encoding, delimiter)


def _load_copy(
    path: Path, write: Callable[[Path], object], load: Callable[[Path], DelimitedFile], materialise: bool
) -> DelimitedFile:
    """Load a UTF-8 CSV copy of ``path`` that ``write`` makes (a workbook's sheet, re-encoded text).

    The copy lives in a scratch folder: removed once loaded, or for a streaming view when the
    reader calls :meth:`DelimitedFile.close`.
    """
    scratch = tempfile.TemporaryDirectory(prefix="bluehelmet-copy-")
    try:
        copy = Path(scratch.name) / f"{path.stem}.csv"
        write(copy)
        loaded = load(copy)
    except BaseException:
        scratch.cleanup()
        raise
    if materialise:
        scratch.cleanup()
    else:
        loaded.scratch = scratch
    return loaded


def _utf16_to_utf8(path: Path, target: Path) -> None:
    """Write the UTF-16 text of ``path`` (or its gzip) to ``target`` as UTF-8, in chunks."""
    with open_bytes(path) as raw, io.TextIOWrapper(raw, encoding="utf-16", newline="") as text:
        with open(target, "w", encoding="utf-8", newline="") as out:
            while chunk := text.read(1 << 22):
                out.write(chunk)


def _copy_below(path: Path, target: Path, lines_above: int, encoding: str) -> None:
    """Write the text of ``path`` below its first ``lines_above`` lines to ``target``: its bytes as
    they are (stray bytes stay for the parser to reject), or UTF-16 text as UTF-8.

    The copy is uncompressed text, searched for NUL bytes as any such file is (a gzip file's
    own search runs on the file DuckDB reads, here the copy).
    """
    with open_bytes(path) as raw, open(target, "wb") as out:
        if encoding != "utf-16":
            for _ in range(lines_above):
                raw.readline()
            shutil.copyfileobj(raw, out, 1 << 22)
        else:
            text = io.TextIOWrapper(raw, encoding="utf-16", newline="")
            for _ in range(lines_above):
                text.readline()
            while chunk := text.read(1 << 22):
                out.write(chunk.encode("utf-8"))
    offset = _first_nul(target) if target.stat().st_size else None
    if offset is not None:
        raise InputFileError(path, _nul_problem(path, offset, copy=target, lines_above=lines_above))


def _load_text(
    con, path: Path, text_path: Path, encoding: str, delimiter: str, *, kind: str, required: list[str],
    relation: str, aliases: dict[str, str] | None, materialise: bool, lines_above: int = 0,
) -> DelimitedFile:
    """:func:`load_delimited` once the text to read is known: ``text_path`` (``path`` itself, or a
    UTF-8 copy of a workbook's sheet, of big-endian UTF-16, or of the table below a title);
    errors name ``path``, and rows are numbered as in ``path``, ``lines_above`` the header."""

    options = dict(
        all_varchar=True,
        header=True,
        delim=delimiter,
        quote='"',
        escape='"',
        ignore_errors=True,
        store_rejects=True,
        null_padding=False,
        strict_mode=True,
        encoding=encoding,
        # Rejected lines go to DuckDB's reject tables, scoped per connection.
        rejects_table="csv_rejects",
        rejects_scan="csv_reject_scans",
        # Every column is text, so the sniffer only needs the header and a few lines.
        sample_size=2048,
    )
    try:
        raw_header = _described_header(text_path, options)
    except duckdb.Error as exc:
        # The sniffer reads the first rows as a sample: one broken row among them (a quote that
        # never closes, a field past the line limit) stops it for the whole file. The header
        # alone then names the columns, and the parser rejects the broken row by itself.
        raw_header = _header_alone(text_path, encoding, options)
        if raw_header is None:
            raise InputFileError(path, f"cannot be read as {kind}: {_first_line(exc)}") from exc
        options = {k: v for k, v in options.items() if k not in ("all_varchar", "sample_size")}
        options.update(auto_detect=False, columns={name: "VARCHAR" for name in raw_header})
    source = _read_csv_sql(text_path, options)
    renames = _renames(raw_header, aliases or {})
    header = [renames.get(h, h) for h in raw_header]
    _refuse_clashing_names(path, raw_header, header)
    missing = [c for c in required if c not in header]
    if missing:
        raise MissingColumnsError(path, missing, header, kind)

    # A header is whatever the file says: quotes in a column name must not end the identifier.
    select = ", ".join(f"{sql_identifier(old)} AS {sql_identifier(renames.get(old, old))}" for old in raw_header)
    loaded = DelimitedFile(path, relation, header, delimiter, encoding, REJECT_SCHEMA.empty_table(), -1, text_path=text_path)
    if not materialise:
        # No row number here: a window would force the whole pass onto one thread. The consumer
        # keeps the file's order (DuckDB preserves insertion order) and numbers rows by position
        # afterwards (:func:`row_number_sql`).
        con.execute(f"CREATE OR REPLACE TEMP VIEW {relation} AS SELECT {select} FROM {source}")
        return loaded
    # _row is the row number a spreadsheet shows (header = 1, below any lines above it).
    select += ", row_number() OVER () + 1 AS _row"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {select} FROM {source}")
    except duckdb.Error as exc:
        raise InputFileError(path, f"cannot be read as {kind}: {_first_line(exc)}") from exc
    loaded.rejects = loaded.rejects_after_pass(con)
    if loaded.rejects.num_rows:
        con.execute(f"UPDATE {relation} SET _row = _row + {skipped_before_sql(loaded.rejects, '_row - 1')}")
    if lines_above:
        con.execute(f"UPDATE {relation} SET _row = _row + {lines_above}")
        numbers = pc.add(loaded.rejects.column("row_number"), lines_above)
        loaded.rejects = loaded.rejects.set_column(0, "row_number", numbers.cast(pa.int64()))
    n_kept = con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
    loaded.rows_in = n_kept + loaded.rejects.num_rows
    return loaded


def _read_csv_sql(text_path: Path, options: dict) -> str:
    """DuckDB's ``read_csv`` of ``text_path`` with ``options``, as SQL."""
    return "read_csv(" + _duck_value(str(text_path)) + ", " + ", ".join(f"{k} = {_duck_value(v)}" for k, v in options.items()) + ")"


def _described_header(text_path: Path, options: dict) -> list[str]:
    """The column names DuckDB's sniffer gives ``text_path`` read with ``options``.

    Asked on a connection of its own: a failed statement would end the transaction an
    ingest holds open on the store's connection.
    """
    with duckdb.connect() as con:
        return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_read_csv_sql(text_path, options)}").fetchall()]


def _header_alone(text_path: Path, encoding: str, options: dict) -> list[str] | None:
    """The column names DuckDB gives the header of ``text_path``, read without the rows below it.

    The first record is written to a file of its own, so that empty and repeated names are
    made unique exactly as for any other file (``column1``, ``name_1``). None when even the
    header cannot be read.
    """
    text = open_text_head(text_path).decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=options["delim"]), None)
    except csv.Error:  # a header field past the csv module's own limit
        return None
    if not header:
        return None
    with tempfile.TemporaryDirectory(prefix="bluehelmet-header-") as scratch:
        alone = Path(scratch) / "header.csv"
        with open(alone, "w", encoding="utf-8", newline="") as out:
            csv.writer(out, delimiter=options["delim"]).writerow(header)
        try:
            return _described_header(alone, {**options, "encoding": "utf-8"})
        except duckdb.Error:
            return None


def _first_line(exc: Exception) -> str:
    """A DuckDB error without the lines of tuning advice that follow it."""
    return str(exc).strip().splitlines()[0]


def parser_rejects(
    con: duckdb.DuckDBPyConnection, n_columns: int, source: Path | None = None, delimiter: str = ","
) -> pa.Table:
    """Rows the CSV parser could not split, once the file has been read through.

    DuckDB logs one error per missing column of a short line: one row in, one reject out.
    ``source`` is the UTF-8 text file the parser read, split by ``delimiter``: a row it rejects
    as not UTF-8 is read back from it, so quarantine keeps the stray bytes (as ``\\xe9``
    escapes) where DuckDB's copy of the line has lost them (see :func:`raw_records`), and the
    value is then the field that holds them.
    """
    rejects = con.sql(
        "SELECT line::BIGINT AS row_number, first(column_name ORDER BY column_idx) AS column_name, "
        "first(csv_line) AS value, first(error_message ORDER BY column_idx) AS reason, "
        "first(csv_line) AS raw, first(error_type ORDER BY column_idx) AS error_type, "
        "first(line_byte_position)::BIGINT AS line_start, min(column_idx)::BIGINT AS column_idx "
        "FROM temp.csv_rejects GROUP BY line ORDER BY line"
    ).to_arrow_table()
    columns = {c: rejects.column(c).to_pylist() for c in ("reason", "error_type", "raw", "line_start", "column_idx")}
    undecodable = [i for i, error in enumerate(columns["error_type"]) if error == "INVALID ENCODING"]
    recovered = dict(zip(undecodable, raw_records(source, [(columns["line_start"][i], columns["raw"][i]) for i in undecodable])))
    reasons, values, raws = [], [], []
    for i, (message, line, column) in enumerate(zip(columns["reason"], columns["raw"], columns["column_idx"])):
        if i not in recovered:
            reasons.append(_parser_reason(columns["error_type"][i], message, n_columns))
            values.append(line)
            raws.append(line)
            continue
        record = recovered[i]
        reasons.append(
            "the row is not valid UTF-8 like the rest of the file (a stray byte of another encoding"
            + ("; kept as \\x escapes)" if record else ")")
        )
        values.append(_field(record, delimiter, column) if record else line)
        raws.append(record or line)
    rejects = rejects.drop_columns(["error_type", "line_start", "column_idx"])
    rejects = rejects.set_column(2, "value", pa.array(values, pa.string()))
    rejects = rejects.set_column(3, "reason", pa.array(reasons, pa.string()))
    return rejects.set_column(4, "raw", pa.array(raws, pa.string())).cast(REJECT_SCHEMA)


def _parser_reason(error_type: str, message: str, n_columns: int) -> str:
    """Why the CSV parser rejected a row, in words for the person who made the file."""
    if error_type == "UNQUOTED VALUE":
        return (
            f"a quote in the row is not closed where its field ends, so the row cannot be split into the "
            f"header's {n_columns} columns ({message})"
        )
    if error_type == "LINE SIZE OVER MAXIMUM":
        limit = f"{_MAX_RECORD_BYTES:,}"
        return f"the row is longer than the {limit} bytes a row may hold; the value kept here is its start ({message})"
    return f"row cannot be split into the header's {n_columns} columns ({message})"


def _field(record: str, delimiter: str, column_idx: int | None) -> str:
    """The ``column_idx``-th field (DuckDB counts from 1) of one CSV record; the record if none."""
    fields = next(csv.reader(io.StringIO(record), delimiter=delimiter), [])
    if column_idx is None or not 1 <= column_idx <= len(fields):
        return record
    return fields[column_idx - 1]


def raw_records(path: Path | None, rejected: list[tuple[int | None, str]]) -> list[str | None]:
    """The records of ``path`` that DuckDB rejected as not UTF-8, their stray bytes as escapes.

    ``rejected`` holds, in file order, the byte offset DuckDB logged for each record (counted
    from 1 in the versions seen) and its copy of the line, in which each stray byte, and
    sometimes the character after it, became '?'. Each record is read back from the file at
    that offset and checked against the copy: None where the two do not agree (or there is no
    file), so the caller keeps DuckDB's copy. The file is opened once and read forwards, which
    a gzip file needs to stay one pass.
    """
    if path is None or not rejected:
        return [None] * len(rejected)
    found: list[str | None] = []
    with open_bytes(path) as handle:
        for line_start, parsed_line in rejected:
            found.append(None)
            known = parsed_line.split("?", 1)[0]  # the part before the first lost byte is exact
            for offset in (line_start - 1, line_start) if line_start else ():
                handle.seek(offset)
                record = _one_record(handle)
                if record.startswith(known) and record.count("\n") == parsed_line.count("\n"):
                    found[-1] = record
                    break
    return found


def _one_record(handle) -> str:
    """The CSV record starting at the handle's position, undecodable bytes as ``\\xNN``.

    A record ends at a line break outside quotes, so lines are added while a quote is open;
    a record longer than DuckDB's own line limit is not one it could have read.
    """
    record, size, quotes = "", 0, 0
    while size < _MAX_RECORD_BYTES:
        line = handle.readline(_MAX_RECORD_BYTES)
        if not line:
            break
        size += len(line)
        quotes += line.count(b'"')
        record += line.decode("utf-8", errors="backslashreplace")
        if quotes % 2 == 0:
            break
    return record.rstrip("\r\n")


def drop_parser_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the CSV parser's reject tables, which DuckDB appends to on every scan.

    A reader on a connection that outlives one file (the store's own) starts each read afresh.
    They are temporary tables; naming the schema leaves any table of the store alone.
    """
    con.execute("DROP TABLE IF EXISTS temp.csv_rejects")
    con.execute("DROP TABLE IF EXISTS temp.csv_reject_scans")


def skipped_before_sql(rejects: pa.Table, kept_index: str) -> str:
    """SQL counting the rows the parser skipped before the ``kept_index``-th kept record (1-based).

    The parser skips the rows it rejects, so the k-th kept record is record
    k + (rejected records before it). With the rejected record numbers sorted (r_0 < r_1 ...),
    that count is the number of r_i - i that are <= k.
    """
    if not rejects.num_rows:
        return "0"
    rejected = np.sort(rejects.column("row_number").to_numpy() - 1)
    shifted = ", ".join(str(int(v)) for v in rejected - np.arange(rejected.size))
    return f"len(list_filter([{shifted}], lambda s: s <= {kept_index}))"


def row_number_sql(rejects: pa.Table, position: str = "file_row_number") -> str:
    """SQL for the spreadsheet row number (header = 1) of the kept record at 0-based ``position``."""
    return f"({position} + 2 + {skipped_before_sql(rejects, f'{position} + 1')})"


def _renames(header: list[str], aliases: dict[str, str]) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in aliases.items()}
    out = {}
    for h in header:
        clean = h.lstrip("\ufeff").strip()
        target = lowered.get(clean.lower(), clean)
        if target != h:
            out[h] = target
    return out


def _refuse_clashing_names(path: Path, raw_header: list[str], header: list[str]) -> None:
    """Stop when two columns read as one name (``best`` and ``BEST_EST``, both ``best``).

    DuckDB's column names ignore case, so such a file could only be read by dropping one of
    them unseen.
    """
    first: dict[str, str] = {}
    for raw, name in zip(raw_header, header):
        earlier = first.setdefault(name.lower(), raw)
        if earlier != raw:
            raise InputFileError(
                path, f"the columns {earlier!r} and {raw!r} both read as {name!r}: remove or rename one of them"
            )


def _duck_value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_duck_value(k)}: {_duck_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"

"""Loading delimited text files as analysts receive them, fast and without losing a row.

Handles UTF-8 with or without a byte-order mark, Latin-1 (Windows exports), comma, semicolon,
tab and pipe delimiters, gzip-compressed files, and rows with too few or too many fields, which
become rejects with their row number instead of stopping the load. The work is done by
DuckDB's CSV reader, so a million-row file loads in seconds.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bluehelmet.errors import InputFileError, MissingColumnsError
from bluehelmet.sources.base import REJECT_SCHEMA

DELIMITERS = [",", ";", "\t", "|"]
_SNIFF_BYTES = 1 << 20


@dataclass
class DelimitedFile:
    """A delimited file loaded into a DuckDB temp table of text columns plus ``_row``."""

    path: Path
    relation: str  # temp table name; every column VARCHAR, plus _row BIGINT
    header: list[str]
    delimiter: str
    encoding: str
    rejects: pa.Table  # rows the CSV parser itself could not split into the header's columns
    rows_in: int


def open_text_head(path: Path) -> bytes:
    """The first megabyte of a file, decompressed if it is gzip."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES)


def sniff_encoding(head: bytes) -> str:
    """'utf-8' when the head decodes as UTF-8 (a BOM is fine), else 'latin-1'."""
    try:
        # A multi-byte character may be cut at the end of the sample: ignore the last 3 bytes.
        head[:-3].decode("utf-8") if len(head) == _SNIFF_BYTES else head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "latin-1"


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
) -> DelimitedFile:
    """Load ``path`` into the temp table ``relation`` with every column as text.

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

    Raises
    ------
    InputFileError
        The file is missing, empty, or has a header only with no way to read it.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    head = open_text_head(path)
    if not head.strip():
        raise InputFileError(path, "the file is empty")
    encoding = sniff_encoding(head)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = sniff_delimiter(first_line)

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
        sample_size=-1 if path.stat().st_size < 50_000_000 else 20_480,
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {relation}_raw AS SELECT * FROM read_csv(?, "
            + ", ".join(f"{k} = {_duck_value(v)}" for k, v in options.items())
            + ")",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise InputFileError(path, f"cannot be read as {kind}: {exc}") from exc

    header = [d[0] for d in con.execute(f"SELECT * FROM {relation}_raw LIMIT 0").description]
    renames = _renames(header, aliases or {})
    header = [renames.get(h, h) for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise MissingColumnsError(path, missing, header, kind)

    # DuckDB logs one error per missing column of a short line: one row in, one reject out.
    parser_rejects = con.sql(
        "SELECT line::BIGINT AS row_number, first(column_name ORDER BY column_idx) AS column_name, "
        "first(csv_line) AS value, first(error_message ORDER BY column_idx) AS reason, "
        "first(csv_line) AS raw FROM csv_rejects GROUP BY line ORDER BY line"
    ).to_arrow_table()
    reject_rows = parser_rejects.column("row_number").to_numpy() if parser_rejects.num_rows else np.array([], dtype=np.int64)
    reject_reasons = [
        f"row cannot be split into the header's {len(header)} columns ({m})"
        for m in parser_rejects.column("reason").to_pylist()
    ]
    parser_rejects = parser_rejects.set_column(3, "reason", pa.array(reject_reasons, pa.string()))

    # _row is the row number a spreadsheet shows: record k (1-based among the rows DuckDB kept)
    # is data record k + (rejected records before it), plus 1 for the header.
    n_kept = con.execute(f"SELECT count(*) FROM {relation}_raw").fetchall()[0][0]
    record_numbers = _kept_record_numbers(n_kept, np.sort(reject_rows - 1))
    con.register(f"{relation}_rownums", pa.table({"_row": record_numbers + 1}))
    select_cols = ", ".join(
        f'r."{old}" AS "{renames.get(old, old)}"' for old in _raw_header(con, relation)
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {relation} AS "
        f"SELECT {select_cols}, n._row FROM "
        f"(SELECT *, row_number() OVER () AS _k FROM {relation}_raw) r "
        f"JOIN (SELECT _row, row_number() OVER () AS _k FROM {relation}_rownums) n USING (_k)"
    )
    con.execute(f"DROP TABLE {relation}_raw")
    con.unregister(f"{relation}_rownums")
    return DelimitedFile(
        path=path,
        relation=relation,
        header=header,
        delimiter=delimiter,
        encoding=encoding,
        rejects=parser_rejects.cast(REJECT_SCHEMA),
        rows_in=n_kept + parser_rejects.num_rows,
    )


def _kept_record_numbers(n_kept: int, rejected_records: np.ndarray) -> np.ndarray:
    """1-based record numbers of the kept records, given the sorted rejected ones."""
    k = np.arange(1, n_kept + 1, dtype=np.int64)
    if rejected_records.size == 0:
        return k
    # The k-th kept record is k plus the number of rejected records before it.
    shifted = rejected_records - np.arange(rejected_records.size)
    return k + np.searchsorted(shifted, k, side="right")


def _raw_header(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {relation}_raw LIMIT 0").description]


def _renames(header: list[str], aliases: dict[str, str]) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in aliases.items()}
    out = {}
    for h in header:
        clean = h.lstrip("\ufeff").strip()
        target = lowered.get(clean.lower(), clean)
        if target != h:
            out[h] = target
    return out


def _duck_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"

"""What every reader returns, and the vectorised row checks readers share.

A reader turns one input file into a :class:`ReadResult`: the canonical rows for one table of
the store (an Arrow table) and the rejected rows with their row number, column, value and
reason. Readers never write to the store and never print.

Row numbers are the line numbers a spreadsheet shows (the header is row 1, the first data row
is row 2); for formats without lines (JSON pages, shapefiles) they count records from 1.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from bluehelmet.store.digest import row_hash_sql
from bluehelmet.store.schema import canonical_columns

REJECT_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),
        ("column_name", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)


def reader_connection(**config: object) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for a reader (DuckDB's own progress bar off: the CLI
    shows progress, and library users must not get bars on their standard output)."""
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def empty_rejects() -> pa.Table:
    """A rejects table with no rows."""
    return REJECT_SCHEMA.empty_table()


@dataclass
class SpilledRecords:
    """Canonical rows written to a Parquet file instead of memory, for files of millions of rows.

    The file has the canonical columns plus ``_row`` and ``_reject`` (NULL for accepted rows);
    the store reads the accepted rows straight from it. The temporary folder goes away with
    this object.
    """

    path: Path
    num_rows: int
    folder: tempfile.TemporaryDirectory | None = None
    # SQL giving ``_row`` from Parquet's ``file_row_number`` when the file has no ``_row``
    # column (a reader that numbered rows by position after a parallel pass).
    row_sql: str | None = None

    def relation_sql(self, where: str = "_reject IS NULL") -> str:
        """A SQL query over the spilled rows, with ``_row``, filtered by ``where``."""
        path = sql_literal(str(self.path))
        if self.row_sql:
            return (
                f"SELECT * EXCLUDE (file_row_number), {self.row_sql} AS _row "
                f"FROM read_parquet({path}, file_row_number = true) WHERE {where}"
            )
        return f"SELECT * FROM read_parquet({path}) WHERE {where}"

    @property
    def column_names(self) -> list[str]:
        import pyarrow.parquet as pq

        return pq.read_schema(self.path).names

    def to_arrow(self) -> pa.Table:
        """The accepted rows as an Arrow table: canonical columns, ``_row``, ``row_hash``."""
        con = reader_connection()
        try:
            table = con.sql(self.relation_sql()).to_arrow_table()
        finally:
            con.close()
        tail = [c for c in ("_row", "row_hash") if c in table.column_names]
        head = [c for c in table.column_names if c not in (*tail, "_reject", "_reject_value")]
        return table.select(head + tail)

    def to_pandas(self):
        """The accepted rows as a DataFrame."""
        return self.to_arrow().to_pandas()

    def total(self, column: str) -> int:
        """The sum of a whole-number column over the accepted rows (0 when there are none)."""
        con = reader_connection()
        try:
            return int(con.execute(f'SELECT coalesce(sum("{column}"), 0) FROM ({self.relation_sql()})').fetchall()[0][0])
        finally:
            con.close()


@dataclass
class ReadResult:
    """The output of a reader for one file.

    Attributes
    ----------
    kind:
        The source kind (``ucdp-ged``, ``acled``...).
    table:
        The canonical table the records belong to (``events``, ``un_fatalities``...).
    records:
        One row per accepted input record, with the canonical columns of ``table`` (and
        ``_row``, the source row number), in memory or spilled to Parquet.
    rejects:
        One row per rejected input record (:data:`REJECT_SCHEMA`).
    rows_in:
        How many records the file held (accepted + rejected).
    release:
        The source's release or version, when the file says it.
    deleted_uids:
        uids the source withdraws (ACLED deletions); they count among ``rows_in``.

    A record may stand for several input rows (an ACLED monadic export gives one row per actor
    of an event): ``records`` then carries a ``_rows`` column with that number, so every input
    row is counted exactly once, in the outcome of the record it was merged into.
    """

    kind: str
    table: str
    records: pa.Table | SpilledRecords
    rejects: pa.Table = field(default_factory=empty_rejects)
    rows_in: int = 0
    release: str | None = None
    deleted_uids: list[str] = field(default_factory=list)

    def arrow(self) -> pa.Table:
        """The accepted rows as an Arrow table, whether held in memory or spilled to Parquet."""
        if isinstance(self.records, SpilledRecords):
            return self.records.to_arrow()
        return self.records

    def __post_init__(self) -> None:
        accounted = self.rows_in_records + self.rejects.num_rows + len(self.deleted_uids)
        if self.rows_in == 0:
            self.rows_in = accounted
        if accounted != self.rows_in:
            raise AssertionError(
                f"{self.kind} reader lost rows: {self.rows_in} in, {self.rows_in_records} "
                f"accepted, {self.rejects.num_rows} rejected, {len(self.deleted_uids)} deletions"
            )

    @property
    def rows_in_records(self) -> int:
        """How many input rows the accepted records stand for."""
        if "_rows" not in self.records.column_names:
            return self.records.num_rows
        if isinstance(self.records, SpilledRecords):
            return self.records.total("_rows")
        return int(pa.compute.sum(self.records.column("_rows")).as_py() or 0)

    @property
    def merged(self) -> int:
        """Input rows merged into another row's record (0 for one-row-per-record sources)."""
        return self.rows_in_records - self.records.num_rows


@dataclass
class StreamedRead:
    """A reader's rows as a query that the store runs itself, writing them in one pass.

    For big delimited files: rather than spilling its canonical rows to disk for the store to
    read back, the reader hands over a query, and the store inserts its rows straight into
    ``table`` (see :func:`bluehelmet.store.engine.apply_streamed`). ``prepare(con)`` defines the
    reader's temporary views on the store's connection and returns the query and its checks; the
    query's rows, in file order, carry the canonical columns, ``row_hash``, and
    ``_reject``/``_reject_value`` (the index of the first :class:`Check` a row breaks and the
    offending value; NULL for good rows).
    ``parser_rejects(con)`` gives the rows the CSV parser could not split, once the query has
    been read through; ``cleanup(con)`` drops the views.
    """

    kind: str
    table: str
    release: str | None
    prepare: Callable[[duckdb.DuckDBPyConnection], tuple[str, list["Check"]]]
    parser_rejects: Callable[[duckdb.DuckDBPyConnection], pa.Table]
    cleanup: Callable[[duckdb.DuckDBPyConnection], None]


@dataclass(frozen=True)
class Check:
    """One row-level rule, written as SQL over the reader's staging relation.

    ``bad`` is a boolean SQL expression that is true when the row breaks the rule;
    ``value`` is the SQL expression shown as the offending value (defaults to the column).
    """

    column: str | None
    bad: str
    reason: str
    value: str | None = None


# A whole number as text (a regular expression): digits, or digits with a zero decimal part
# (12345.0), as tools that hold a column as floats write them. For ids and codes.
WHOLE_NUMBER = "[0-9]+(\\.0+)?"

# Counts (deaths, injured...) are stored as INTEGER: a larger number, or an infinite or NaN one,
# is a typing slip (or an Excel overflow), not a count, and goes to quarantine.
MAX_COUNT = 2_147_483_647


def count_range_check(column: str | None, parsed: str, what: str, value: str | None = None) -> Check:
    """The check that the number ``parsed`` (a DOUBLE, NULL when absent) fits a stored count."""
    return Check(
        column, f"NOT isfinite({parsed}) OR {parsed} > {MAX_COUNT}",
        f"{what} is not a count (infinite, NaN or over {MAX_COUNT:,})", value=value or parsed,
    )


def count_checks(column: str | None, text: str, parsed: str, what: str | None = None, *, required: bool = False) -> list[Check]:
    """The checks every reader applies to a count (deaths, fatalities, injured...), in one wording.

    ``text`` is the SQL of the value as the file wrote it, which quarantine shows (``-5``, never
    the parsed ``-5.0``); ``parsed`` is the same value as a DOUBLE, NULL when it is not a number.
    An empty value is an unknown count and passes, unless ``required``. ``what`` names the count
    in the reasons (the column by default). In order of importance: empty (when required), not a
    number, negative, not a whole number, past a stored count.

    Example: ``count_checks("best", "best", "_best", required=True)`` quarantines a GED row
    whose ``best`` is empty, ``abc``, ``-5``, ``12.5`` or ``1e308``.
    """
    what = what or column or "count"
    empty = f"trim(coalesce({text}, '')) = ''"
    checks = [Check(column, empty, f"{what} is empty", value=text)] if required else []
    return checks + [
        Check(column, f"{parsed} IS NULL AND NOT ({empty})", f"{what} is not a number", value=text),
        Check(column, f"{parsed} < 0", f"{what} is negative", value=text),
        Check(column, f"{parsed} <> floor({parsed})", f"{what} is not a whole number", value=text),
        count_range_check(column, parsed, what, value=text),
    ]


def not_finite_checks(
    latitude: str | None, longitude: str | None, values: tuple[str, str] = ("latitude", "longitude")
) -> list[Check]:
    """The checks of a coordinate (parsed as ``_lat``/``_lon``) that is NaN or infinite.

    ``latitude`` and ``longitude`` name the file's columns, ``values`` the SQL shown in
    quarantine. NaN and infinity parse as numbers and compare beyond 90: a reader puts these
    before its swap and range checks, which would otherwise take them for swapped or out of range.
    """
    return [
        Check(latitude, "NOT isfinite(_lat)", "latitude is not a finite number (infinite or NaN)", value=values[0]),
        Check(longitude, "NOT isfinite(_lon)", "longitude is not a finite number (infinite or NaN)", value=values[1]),
    ]


def split_by_checks(
    con: duckdb.DuckDBPyConnection,
    staging: str,
    checks: list[Check],
    *,
    row_column: str = "_row",
    raw_expression: str | None = None,
) -> pa.Table:
    """Apply ``checks`` to the relation ``staging`` and return its rejected rows.

    A row that breaks several rules is reported once, with the first rule it breaks (the order
    of ``checks`` is the order of importance). The caller keeps the good rows with
    ``WHERE _reject IS NULL`` on the view ``<staging>_checked`` this function creates.
    """
    if not checks:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {staging}_checked AS SELECT *, NULL::INTEGER AS _reject FROM {staging}")
        return empty_rejects()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {staging}_checked AS "
        f"SELECT *, {reject_code_sql(checks)} AS _reject FROM {staging}"
    )
    raw = raw_expression or "NULL::VARCHAR"
    parts = []
    for i, c in enumerate(checks):
        value = c.value or (c.column if c.column else "NULL")
        parts.append(
            f"SELECT {row_column}::BIGINT AS row_number, {sql_literal(c.column)} AS column_name, "
            f"CAST({value} AS VARCHAR) AS value, {sql_literal(c.reason)} AS reason, "
            f"CAST({raw} AS VARCHAR) AS raw FROM {staging}_checked WHERE _reject = {i}"
        )
    rejects = con.sql(" UNION ALL ".join(parts) + " ORDER BY row_number").to_arrow_table()
    return rejects.cast(REJECT_SCHEMA)


def sql_literal(value: str | None) -> str:
    """A SQL string literal (or NULL) for a constant known to the reader, never user data."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A column name quoted for SQL (``"Incident No."``), however the file spelled it."""
    return '"' + name.replace('"', '""') + '"'


def json_object_sql(columns, value=sql_identifier, empty: str = "NULL") -> str:
    """SQL for a JSON object of ``columns`` by their names as the file spelled them.

    ``value`` gives each column's SQL (the column itself by default); ``empty`` is the SQL when
    there are no columns. Names are quoted however they are spelled, quotes included.
    """
    pairs = [f"{sql_literal(name)}, {value(name)}" for name in columns]
    return "json_object(" + ", ".join(pairs) + ")" if pairs else empty


def reject_code_sql(checks: list[Check]) -> str:
    """SQL giving the index of the first check a row breaks, or NULL when it breaks none."""
    if not checks:
        return "NULL::INTEGER"
    return "CASE " + " ".join(f"WHEN coalesce(({c.bad}), false) THEN {i}" for i, c in enumerate(checks)) + " END"


def reject_value_sql(checks: list[Check], code: str = "_reject") -> str:
    """SQL giving the offending value of a rejected row, given its reject code column."""
    if not checks:
        return "NULL::VARCHAR"
    cases = " ".join(
        f"WHEN {i} THEN CAST({c.value or c.column or 'NULL'} AS VARCHAR)" for i, c in enumerate(checks)
    )
    return f"CASE {code} {cases} END"


def rejects_from_codes(codes: pa.Table, checks: list[Check]) -> pa.Table:
    """Turn rows of (``_row``, ``_reject``, ``_reject_value``) into a rejects table."""
    code = codes.column("_reject").to_pylist()
    return pa.table(
        {
            "row_number": codes.column("_row").cast(pa.int64()),
            "column_name": pa.array([checks[i].column for i in code], pa.string()),
            "value": codes.column("_reject_value").cast(pa.string()),
            "reason": pa.array([checks[i].reason for i in code], pa.string()),
            "raw": pa.nulls(codes.num_rows, pa.string()),
        }
    ).cast(REJECT_SCHEMA)


_NUMBER_TYPES = ("INTEGER", "BIGINT", "DOUBLE", "SMALLINT")


def canonical_select(table: str, select: dict[str, str], numbers_only_where: str | None = None) -> list[str]:
    """SQL select items for every canonical column of ``table``, cast to its type.

    ``select`` maps canonical column names to SQL expressions; columns not given are NULL.
    ``numbers_only_where``: a condition (``_reject IS NULL``) outside which number columns are
    NULL, for a query that maps rejected rows too: their numbers failed the checks and may not
    cast (a death count of 1e20), where an accepted row's always do.
    """
    unknown = set(select) - set(canonical_columns(table))
    if unknown:
        raise KeyError(f"not columns of {table}: {sorted(unknown)}")
    items = []
    for column, sql_type in canonical_columns(table).items():
        base_type = sql_type.replace(" NOT NULL", "")
        expression = select.get(column, "NULL")
        if numbers_only_where and base_type in _NUMBER_TYPES and column in select:
            expression = f"CASE WHEN {numbers_only_where} THEN {expression} END"
        items.append(f"CAST({expression} AS {base_type}) AS {column}")
    return items


def to_canonical(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: dict[str, str],
    source_relation: str,
    where: str = "_reject IS NULL",
    row_column: str | None = "_row",
    rows_column: str | None = None,
) -> pa.Table:
    """Build the canonical Arrow table for ``table`` from SQL expressions over a relation.

    ``select`` maps canonical column names to SQL expressions; canonical columns not given are
    NULL. Every column is cast to its canonical type, so readers cannot drift from the schema.
    ``row_column`` (the source row number) is carried along as ``_row`` so the store can name
    the row of a duplicate id. ``rows_column`` (how many input rows a record was merged from)
    is carried along as ``_rows`` (see :class:`ReadResult`).
    """
    return con.sql(canonical_query(table, select, source_relation, where, row_column, rows_column)).to_arrow_table()


def spill_canonical(
    con: duckdb.DuckDBPyConnection, folder: tempfile.TemporaryDirectory, table: str, query: str
) -> SpilledRecords:
    """The rows of ``query`` (a :func:`canonical_query` for ``table``) written to a Parquet file
    in ``folder`` instead of memory, with their digest.

    For readers whose files run to millions of rows: the canonical rows never sit in memory
    as a whole, the store reads them back from the file. The folder goes with the result.
    """
    spill = Path(folder.name) / "records.parquet"
    # The digest is taken in this pass, so the store need not read every column again to
    # classify the rows. The spill holds accepted rows only; _reject is there because every
    # spill carries it.
    rows = con.execute(
        f"COPY (SELECT *, {row_hash_sql(table)} AS row_hash, NULL::INTEGER AS _reject FROM ({query})) "
        f"TO {sql_literal(str(spill))} (FORMAT parquet, ROW_GROUP_SIZE 122880)"
    ).fetchall()[0][0]
    return SpilledRecords(spill, rows, folder)


def canonical_query(
    table: str,
    select: dict[str, str],
    source_relation: str,
    where: str = "_reject IS NULL",
    row_column: str | None = "_row",
    rows_column: str | None = None,
) -> str:
    """The query behind :func:`to_canonical`, and the one to give :func:`spill_canonical`."""
    exprs = canonical_select(table, select)
    if row_column:
        exprs.append(f"CAST({row_column} AS BIGINT) AS _row")
    if rows_column:
        exprs.append(f"CAST({rows_column} AS BIGINT) AS _rows")
    query = f"SELECT {', '.join(exprs)} FROM {source_relation}"
    if where:
        query += f" WHERE {where}"
    return query


ReaderFunction = Callable[[Path], ReadResult]

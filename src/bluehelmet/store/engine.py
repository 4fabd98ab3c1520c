"""Writing a reader's output into the store: idempotent, revision-keeping, all-or-nothing.

For one :class:`~bluehelmet.sources.base.ReadResult` the engine, inside the caller's
transaction:

1. records an ingest batch (file, sha256, source kind, release, time);
2. rejects rows whose ``uid`` repeats inside the file (the first occurrence is kept);
3. classifies every accepted row against the store by ``uid`` and a digest of its content:
   *stored* (new), *updated* (content changed: the old version moves to the history table),
   or *unchanged* (same content, or an older release than the one stored);
4. applies the source's deletions (the stored row is kept, flagged ``deleted``, and its
   previous version goes to history);
5. writes the rejects to quarantine and the counts to the batch.

So ``rows_in = stored + updated + unchanged + rejected`` for every ingest, and ingesting the
same file twice changes nothing.

When a record was merged from several input rows (the actor rows of an ACLED monadic export
carry a ``_rows`` count), each of its rows counts in the record's outcome: two actor rows of a
new event add 2 to ``stored``, and ``merged`` says how many rows were folded into another row's
record, so ``stored + updated + unchanged - merged`` is the number of records written.

A :class:`~bluehelmet.sources.base.StreamedRead` (big UCDP CSVs) reaches the same outcome the
other way round (:func:`apply_streamed`): its rows are written first, in the one pass over the
file, and settled afterwards, because writing the wide rows is what costs.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bluehelmet.errors import InputFileError
from bluehelmet.sources.base import REJECT_SCHEMA, Check, ReadResult, SpilledRecords, StreamedRead, rejects_from_codes
from bluehelmet.sources.textfile import row_number_sql
from bluehelmet.store.digest import ensure_hash_version, row_hash_sql
from bluehelmet.store.schema import CANONICAL_TABLES, history_table


@dataclass
class IngestReport:
    """What one ingest did. ``rows_in = stored + updated + unchanged + rejected``."""

    batch_id: int | None
    file: str
    source_kind: str
    table: str
    release: str | None
    sha256: str
    rows_in: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int = 0
    # Input rows folded into another row's record (counted in stored/updated/unchanged too).
    merged: int = 0
    already_ingested: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def file_sha256(path: str | Path, companions: list[Path] | tuple[Path, ...] = ()) -> str:
    """The SHA-256 of a file's bytes, read in chunks so large files stay out of memory.

    ``companions`` are files beside it that the reader reads too (a shapefile's ``.dbf``,
    Geo-PKO's ``TCCMap``): their bytes count, each after its name, so that an update that
    corrects only one of them (a name, a P-code) is a new file, not one ingested already.
    """
    path = Path(path)
    digest = hashlib.sha256()
    if not path.is_file():
        raise InputFileError(path, "no such file")
    for part in [path, *companions]:
        if part != path:
            digest.update(part.name.encode())  # which file the bytes that follow are
        with open(part, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                digest.update(chunk)
    return digest.hexdigest()


def previous_ingest(con: duckdb.DuckDBPyConnection, sha256: str, kind: str) -> IngestReport | None:
    """The report of an earlier ingest of the very same file as the same kind, if any."""
    row = con.execute(
        "SELECT batch_id, file_path, source_kind, target_table, release, sha256, rows_in, rejected "
        "FROM ingest_batches WHERE sha256 = ? AND source_kind = ? ORDER BY batch_id DESC LIMIT 1",
        [sha256, kind],
    ).fetchall()
    if not row:
        return None
    row = row[0]
    batch_id, file_path, kind, table, release, sha, rows_in, rejected = row
    return IngestReport(
        batch_id=batch_id,
        file=file_path,
        source_kind=kind,
        table=table,
        release=release,
        sha256=sha,
        rows_in=rows_in,
        stored=0,
        updated=0,
        unchanged=rows_in - rejected,
        rejected=rejected,
        already_ingested=True,
    )


def apply_read_result(
    con: duckdb.DuckDBPyConnection,
    result: ReadResult,
    *,
    path: str | Path,
    file_bytes: int,
    sha256: str,
) -> IngestReport:
    """Write ``result`` into the store through ``con``; the caller owns the transaction.

    ``path``, ``file_bytes`` and ``sha256`` describe the file for the batch record; the store
    does not read it.
    """
    table = CANONICAL_TABLES[result.table]
    batch_id, now = _start_batch(con, result.kind, table.name, path, file_bytes, sha256, result.release)

    columns = list(table.columns)
    source = _register_source(con, result)
    source_columns = _source_columns(con, source)
    # Classification works on narrow rows (key, row number, release, digest); the wide
    # columns are read once more only for the rows written. Spilled readers computed the
    # digest in their own pass. _weight: how many input rows a record stands for.
    digest = "row_hash" if "row_hash" in source_columns else row_hash_sql(table.name)
    weight = "coalesce(_rows, 1)" if "_rows" in source_columns else "1"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _keys AS "
        f"SELECT uid, _row, release, {digest} AS row_hash, {weight} AS _weight, "
        f"row_number() OVER (PARTITION BY uid ORDER BY _row) AS _dup FROM {source}"
    )
    duplicates = _repeated_ids(con, "_keys", "_dup")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _classified AS
        SELECT k.uid, k._row, k.row_hash, k._weight,
               CASE WHEN t.uid IS NULL THEN 'stored' ELSE {_revision_sql(table.name, 'k', 't')} END AS _action
        FROM _keys k
        LEFT JOIN {table.name} t ON t.uid = k.uid
        WHERE k._dup = 1
        """
    )
    counts = dict(con.execute("SELECT _action, sum(_weight)::BIGINT FROM _classified GROUP BY 1").fetchall())
    merged = con.execute("SELECT coalesce(sum(_weight - 1), 0)::BIGINT FROM _classified").fetchall()[0][0]
    # A duplicate record merged from several rows rejects all of them, though quarantine shows one.
    duplicate_extra = con.execute("SELECT coalesce(sum(_weight - 1), 0)::BIGINT FROM _keys WHERE _dup > 1").fetchall()[0][0]
    col_list = ", ".join(columns)
    source_cols = ", ".join(f"s.{c}" for c in columns)
    engine_cols = "batch_id, first_batch_id, row_hash, updated_at"
    if counts.get("updated"):
        changed = "SELECT uid FROM _classified WHERE _action = 'updated'"
        _to_history(con, table.name, "uid", changed, now, batch_id)
        # Keep when the row was first stored across its revisions.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _first AS SELECT uid, first_batch_id FROM {table.name} "
            f"WHERE uid IN ({changed})"
        )
        con.execute(f"DELETE FROM {table.name} WHERE uid IN ({changed})")
        con.execute(
            f"INSERT INTO {table.name} ({col_list}, {engine_cols}) "
            f"SELECT {source_cols}, ?, f.first_batch_id, c.row_hash, ? "
            f"FROM {source} s JOIN _classified c ON c._row = s._row JOIN _first f ON f.uid = c.uid "
            f"WHERE c._action = 'updated'",
            [batch_id, now],
        )
    # _keys holds every incoming row, duplicates included: if all of them are to be stored,
    # nothing existed and nothing repeats (a first load), so write straight from the source.
    new_records = con.execute("SELECT count(*) FROM _classified WHERE _action = 'stored'").fetchall()[0][0]
    all_new = new_records == _count(con, "_keys")
    if all_new and counts.get("stored"):
        source_digest = "s.row_hash" if digest == "row_hash" else row_hash_sql(table.name, "s")
        con.execute(
            f"INSERT INTO {table.name} ({col_list}, {engine_cols}) "
            f"SELECT {source_cols}, ?, ?, {source_digest}, ? FROM {source} s",
            [batch_id, batch_id, now],
        )
    elif counts.get("stored"):
        con.execute(
            f"INSERT INTO {table.name} ({col_list}, {engine_cols}) "
            f"SELECT {source_cols}, ?, ?, c.row_hash, ? "
            f"FROM {source} s JOIN _classified c ON c._row = s._row WHERE c._action = 'stored'",
            [batch_id, batch_id, now],
        )

    deleted = _apply_deletions(con, table.name, result.deleted_uids, batch_id, now) if result.deleted_uids else 0

    rejects = pa.concat_tables([result.rejects.cast(REJECT_SCHEMA), duplicates.cast(REJECT_SCHEMA)])
    _quarantine(con, batch_id, rejects)

    report = IngestReport(
        batch_id=batch_id,
        file=str(path),
        source_kind=result.kind,
        table=table.name,
        release=result.release,
        sha256=sha256,
        rows_in=result.rows_in,
        stored=counts.get("stored", 0),
        updated=counts.get("updated", 0) + deleted,
        unchanged=counts.get("unchanged", 0) + (len(result.deleted_uids) - deleted),
        rejected=rejects.num_rows + duplicate_extra,
        deleted=deleted,
        merged=merged,
    )
    _finish_batch(con, report)
    for temp in ("_keys", "_classified", "_first"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    _drop_source(con, result)
    return report


def apply_streamed(
    con: duckdb.DuckDBPyConnection,
    read: StreamedRead,
    *,
    path: str | Path,
    file_bytes: int,
    sha256: str,
) -> IngestReport:
    """Run a reader's query and write its rows straight into the store; the caller owns the transaction.

    The same outcome as :func:`apply_read_result` (stored, updated, unchanged, rejected, with
    history and quarantine), reached the other way round, because writing the wide rows is the
    costly part and this way they are written once, in the one pass over the file:

    1. every row of the query goes into the table, rows that broke a check marked by a NULL
       ``row_hash`` (so the count of rows in the file is known without a second pass);
    2. if any row broke a check or repeats a uid of the file, a second pass numbers the rows,
       quarantines those rows with their row numbers, and removes them again (a parallel insert
       does not keep the file's order, so row numbers cannot come from the table);
    3. rows whose uid was already stored are settled like :func:`apply_read_result` settles them:
       unchanged (the new copy goes), or updated (the old version goes to history).
    """
    table = CANONICAL_TABLES[read.table]
    not_null = [c for c, t in table.columns.items() if "NOT NULL" in t]
    if any(not table.columns[c].startswith("VARCHAR") for c in not_null):
        raise TypeError(f"streamed ingest needs text NOT NULL columns, {table.name} has {not_null}")
    batch_id, now = _start_batch(con, read.kind, table.name, path, file_bytes, sha256, read.release)
    try:
        query, checks = read.prepare(con)
        columns = list(table.columns)
        # A rejected row may lack its key; it is stored for a moment only, so '' will do.
        values = ", ".join(f"coalesce({c}, '')" if c in not_null else c for c in columns)
        try:
            written = con.execute(
                f"INSERT INTO {table.name} ({', '.join(columns)}, batch_id, first_batch_id, row_hash, updated_at) "
                f"SELECT {values}, ?, ?, CASE WHEN _reject IS NULL THEN row_hash END, ? FROM ({query})",
                [batch_id, batch_id, now],
            ).fetchall()[0][0]
        except duckdb.Error as exc:
            raise InputFileError(path, f"cannot be read as {read.kind}: {exc}") from exc
        parser_rejects = read.parser_rejects(con)
        failed, repeats = con.execute(
            f"SELECT count(*) FILTER (row_hash IS NULL), "
            f"count(*) FILTER (row_hash IS NOT NULL) - count(DISTINCT uid) FILTER (row_hash IS NOT NULL) "
            f"FROM {table.name} WHERE batch_id = ?",
            [batch_id],
        ).fetchall()[0]
        row_rejects = REJECT_SCHEMA.empty_table()
        if failed or repeats:
            row_rejects = _settle_bad_rows(con, table.name, batch_id, query, checks, parser_rejects)
        counts = _settle_stored_uids(con, table.name, batch_id, now)
    except BaseException:
        # After a failed statement the transaction is aborted and refuses the cleanup's own
        # statements; the caller's rollback drops what ``prepare`` made, and the first error is
        # the one to report.
        with contextlib.suppress(duckdb.Error):
            read.cleanup(con)
        raise
    read.cleanup(con)
    rejects = pa.concat_tables([parser_rejects, row_rejects])
    _quarantine(con, batch_id, rejects)
    stored = written - failed - repeats - counts["updated"] - counts["unchanged"]
    report = IngestReport(
        batch_id=batch_id, file=str(path), source_kind=read.kind, table=table.name, release=read.release,
        sha256=sha256, rows_in=written + parser_rejects.num_rows, stored=stored, updated=counts["updated"],
        unchanged=counts["unchanged"], rejected=rejects.num_rows,
    )
    _finish_batch(con, report)
    return report


def _settle_bad_rows(con, table: str, batch_id: int, query: str, checks: list[Check], parser_rejects: pa.Table) -> pa.Table:
    """Quarantine records that broke a check or repeat a uid of the file; remove them from ``table``.

    A second pass over the file numbers its records (a window over the parser's output, in
    file order); rows the parser skipped shift the numbers after them.
    """
    number = row_number_sql(parser_rejects, position="(_k - 1)")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _numbered AS SELECT {number} AS _row, * FROM ("
        f"SELECT row_number() OVER () AS _k, uid, row_hash, _reject, _reject_value FROM ({query}))"
    )
    codes = con.sql("SELECT _row, _reject, _reject_value FROM _numbered WHERE _reject IS NOT NULL ORDER BY _row").to_arrow_table()
    con.execute(f"DELETE FROM {table} WHERE batch_id = ? AND row_hash IS NULL", [batch_id])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _repeats AS SELECT _row, uid, row_hash, "
        "row_number() OVER (PARTITION BY uid ORDER BY _row) AS _nth FROM _numbered WHERE _reject IS NULL"
    )
    duplicates = _repeated_ids(con, "_repeats", "_nth")
    if duplicates.num_rows:
        # Keep, for each repeated uid, one stored row with the content of its first occurrence.
        con.execute(
            f"""DELETE FROM {table} WHERE batch_id = ? AND uid IN (SELECT uid FROM _repeats WHERE _nth > 1)
            AND rowid NOT IN (
              SELECT min(t.rowid) FROM {table} t JOIN _repeats r ON r.uid = t.uid AND r.row_hash = t.row_hash AND r._nth = 1
              WHERE t.batch_id = ? GROUP BY t.uid)""",
            [batch_id, batch_id],
        )
    for temp in ("_numbered", "_repeats"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return pa.concat_tables([rejects_from_codes(codes, checks), duplicates.cast(REJECT_SCHEMA)])


def _settle_stored_uids(con, table: str, batch_id: int, now: datetime) -> dict[str, int]:
    """Settle this batch's rows whose uid was stored before: unchanged or updated.

    Unchanged (same digest and not deleted, or an older release than the stored one): the new
    copy goes. Updated: the stored version moves to history, and the new row keeps the batch in
    which the uid was first stored.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _settle AS
        SELECT n.rowid AS new_rowid, o.rowid AS old_rowid, o.first_batch_id, {_revision_sql(table, 'n', 'o')} AS _action
        FROM {table} n JOIN {table} o ON o.uid = n.uid AND o.batch_id <> n.batch_id
        WHERE n.batch_id = ?""",
        [batch_id],
    )
    counts = dict(con.execute("SELECT _action, count(*) FROM _settle GROUP BY 1").fetchall())
    if counts.get("unchanged"):
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT new_rowid FROM _settle WHERE _action = 'unchanged')")
    if counts.get("updated"):
        old = "SELECT old_rowid FROM _settle WHERE _action = 'updated'"
        _to_history(con, table, "rowid", old, now, batch_id)
        con.execute(
            f"UPDATE {table} SET first_batch_id = s.first_batch_id FROM _settle s "
            f"WHERE {table}.rowid = s.new_rowid AND s._action = 'updated'"
        )
        con.execute(f"DELETE FROM {table} WHERE rowid IN ({old})")
    con.execute("DROP TABLE IF EXISTS _settle")
    return {"updated": counts.get("updated", 0), "unchanged": counts.get("unchanged", 0)}


def _start_batch(
    con, kind: str, table: str, path: str | Path, file_bytes: int, sha256: str, release: str | None
) -> tuple[int, datetime]:
    """Record a new ingest batch; returns its id and start time."""
    ensure_hash_version(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    batch_id = con.execute("SELECT nextval('ingest_batch_ids')").fetchall()[0][0]
    con.execute(
        "INSERT INTO ingest_batches (batch_id, source_kind, target_table, file_name, file_path, "
        "file_bytes, sha256, release, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, kind, table, Path(path).name, str(path), file_bytes, sha256, release, now],
    )
    return batch_id, now


def _to_history(con, table: str, key: str, selected: str, now: datetime, batch_id: int) -> None:
    """Copy the stored rows whose ``key`` is among the query ``selected`` to ``table``'s history,
    as replaced now by ``batch_id``."""
    con.execute(
        f"INSERT INTO {history_table(table)} BY NAME SELECT t.*, ? AS replaced_at, ? AS replaced_by_batch "
        f"FROM {table} t WHERE t.{key} IN ({selected})",
        [now, batch_id],
    )


def _repeated_ids(con, relation: str, occurrence: str) -> pa.Table:
    """Quarantine rows for the rows of ``relation`` (``_row``, ``uid``) whose ``occurrence`` of
    their uid in the file is the second or later, in row order."""
    return con.sql(
        "SELECT _row::BIGINT AS row_number, 'uid' AS column_name, uid AS value, "
        "'duplicate id inside the file (its first row is kept)' AS reason, NULL::VARCHAR AS raw "
        f"FROM {relation} WHERE {occurrence} > 1 ORDER BY _row"
    ).to_arrow_table()


def _quarantine(con, batch_id: int, rejects: pa.Table) -> None:
    if rejects.num_rows:
        con.register("_rejects_arrow", rejects.cast(REJECT_SCHEMA))
        con.execute(
            "INSERT INTO quarantine SELECT ?, row_number, column_name, value, reason, raw FROM _rejects_arrow",
            [batch_id],
        )
        con.unregister("_rejects_arrow")


def _finish_batch(con, report: IngestReport) -> None:
    con.execute(
        "UPDATE ingest_batches SET finished_at = ?, rows_in = ?, stored = ?, updated = ?, "
        "unchanged = ?, rejected = ?, deleted = ? WHERE batch_id = ?",
        [
            datetime.now(timezone.utc).replace(tzinfo=None), report.rows_in, report.stored, report.updated,
            report.unchanged, report.rejected, report.deleted, report.batch_id,
        ],
    )


def _register_source(con: duckdb.DuckDBPyConnection, result: ReadResult) -> str:
    """Expose the reader's rows as the relation ``_incoming``, with a ``_row`` column."""
    records = result.records
    if isinstance(records, SpilledRecords):
        con.execute(f"CREATE OR REPLACE TEMP VIEW _incoming AS {records.relation_sql()}")
        return "_incoming"
    if "_row" not in records.column_names:
        # Formats without lines (JSON, shapefiles) number their records from 1.
        records = records.append_column("_row", pa.array(np.arange(1, records.num_rows + 1), pa.int64()))
    con.register("_incoming", records)
    return "_incoming"


def _source_columns(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]


def _drop_source(con: duckdb.DuckDBPyConnection, result: ReadResult) -> None:
    if isinstance(result.records, SpilledRecords):
        con.execute("DROP VIEW IF EXISTS _incoming")
    else:
        con.unregister("_incoming")


def _apply_deletions(con, table: str, uids: list[str], batch_id: int, now: datetime) -> int:
    """Flag withdrawn rows as deleted, keeping their previous version in history."""
    con.register("_deletions", pa.table({"uid": pa.array(uids, pa.string())}))
    target = f"SELECT uid FROM {table} WHERE uid IN (SELECT uid FROM _deletions) AND NOT coalesce(deleted, false)"
    n = con.execute(f"SELECT count(*) FROM ({target})").fetchall()[0][0]
    if n:
        _to_history(con, table, "uid", target, now, batch_id)
        con.execute(
            f"UPDATE {table} SET deleted = true, batch_id = ?, updated_at = ? WHERE uid IN ({target})",
            [batch_id, now],
        )
    con.unregister("_deletions")
    return n


def _revision_sql(table: str, incoming: str, stored: str) -> str:
    """SQL: what an incoming row does to the stored row of the same uid, 'unchanged' or 'updated'.

    Unchanged: the same digest (and the stored row not withdrawn), or an older release than the
    stored one. ``incoming`` and ``stored`` are the two rows' aliases.
    """
    withdrawn = f"coalesce({stored}.deleted, false)" if "deleted" in CANONICAL_TABLES[table].columns else "false"
    return (
        f"CASE WHEN {stored}.row_hash = {incoming}.row_hash AND NOT {withdrawn} THEN 'unchanged' "
        f"WHEN {_release_older(f'{incoming}.release', f'{stored}.release')} THEN 'unchanged' "
        "ELSE 'updated' END"
    )


def _release_older(incoming: str, stored: str) -> str:
    """SQL: the incoming release is known to be older than the stored one.

    Releases compare as dotted version numbers (21.1 < 23.1 < 26.0.2) or as ISO dates
    (ACLED exports: 2024-05-14 < 2024-06-04); when either is missing or of another form, the
    incoming row is taken as the newer.
    """
    def as_list(expr: str) -> str:
        return f"list_transform(string_split({expr}, '.'), lambda x: TRY_CAST(x AS INTEGER))"

    def numeric(expr: str) -> str:
        return f"regexp_full_match(coalesce({expr}, ''), '[0-9]+(\\.[0-9]+)*')"

    def iso_date(expr: str) -> str:
        return f"regexp_full_match(coalesce({expr}, ''), '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([ T].*)?')"

    return (
        f"(({numeric(incoming)} AND {numeric(stored)} "
        f"AND {as_list(incoming)} < {as_list(stored)}) "
        f"OR ({iso_date(incoming)} AND {iso_date(stored)} AND {incoming} < {stored}))"
    )

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
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.sources.base import REJECT_SCHEMA, ReadResult
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


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks so large files stay out of memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
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


def row_hash_sql(table: str, alias: str = "") -> str:
    """SQL for the digest of a row's content columns; NULL and '' hash differently."""
    prefix = f"{alias}." if alias else ""
    parts = [
        f"coalesce(CAST({prefix}{c} AS VARCHAR), chr(0))" for c in CANONICAL_TABLES[table].content_columns
    ]
    return f"md5(concat_ws(chr(31), {', '.join(parts)}))"


def apply_read_result(
    con: duckdb.DuckDBPyConnection,
    result: ReadResult,
    *,
    path: str | Path,
    sha256: str,
) -> IngestReport:
    """Write ``result`` into the store through ``con``; the caller owns the transaction."""
    table = CANONICAL_TABLES[result.table]
    history = history_table(table.name)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    batch_id = con.execute("SELECT nextval('ingest_batch_ids')").fetchall()[0][0]
    con.execute(
        "INSERT INTO ingest_batches (batch_id, source_kind, target_table, file_name, file_path, "
        "sha256, release, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, result.kind, table.name, Path(path).name, str(path), sha256, result.release, now],
    )

    columns = list(table.columns)
    con.register("_incoming_arrow", result.records)
    # Duplicate uids inside one file: keep the first row, reject the others.
    has_row = "_row" in result.records.column_names
    order = "_row" if has_row else "_pos"
    weight = "coalesce(_rows, 1)" if "_rows" in result.records.column_names else "1"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _incoming AS "
        f"SELECT *, row_number() OVER (PARTITION BY uid ORDER BY {order}) AS _dup, {weight} AS _weight, "
        f"{row_hash_sql(table.name)} AS row_hash "
        f"FROM (SELECT *, row_number() OVER () AS _pos FROM _incoming_arrow)"
    )
    con.unregister("_incoming_arrow")
    row_expr = "_row" if has_row else "_pos"
    duplicates = con.sql(
        f"SELECT i.{row_expr}::BIGINT AS row_number, 'uid' AS column_name, i.uid AS value, "
        f"'duplicate id inside the file (its first row is kept)' AS reason, NULL::VARCHAR AS raw "
        f"FROM _incoming i WHERE _dup > 1 ORDER BY 1"
    ).to_arrow_table()

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _classified AS
        SELECT i.*,
               CASE
                 WHEN t.uid IS NULL THEN 'stored'
                 WHEN t.row_hash = i.row_hash AND coalesce(t.deleted_flag, false) = false THEN 'unchanged'
                 WHEN {_release_older('i.release', 't.release')} THEN 'unchanged'
                 ELSE 'updated'
               END AS _action
        FROM _incoming i
        LEFT JOIN (SELECT uid, row_hash, release,
                          {'deleted' if 'deleted' in columns else 'false'} AS deleted_flag
                   FROM {table.name}) t USING (uid)
        WHERE i._dup = 1
        """
    )
    counts = dict(con.execute("SELECT _action, sum(_weight)::BIGINT FROM _classified GROUP BY 1").fetchall())
    merged = con.execute("SELECT coalesce(sum(_weight - 1), 0)::BIGINT FROM _classified").fetchall()[0][0]
    # A duplicate record merged from several rows rejects all of them, though quarantine shows one.
    duplicate_extra = con.execute("SELECT coalesce(sum(_weight - 1), 0)::BIGINT FROM _incoming WHERE _dup > 1").fetchall()[0][0]
    col_list = ", ".join(columns)
    engine_cols = "batch_id, first_batch_id, row_hash, updated_at"
    if counts.get("updated"):
        con.execute(
            f"INSERT INTO {history} SELECT t.*, ?, ? FROM {table.name} t "
            f"WHERE t.uid IN (SELECT uid FROM _classified WHERE _action = 'updated')",
            [now, batch_id],
        )
        # Keep when the row was first stored across its revisions.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _first AS SELECT uid, first_batch_id FROM {table.name} "
            f"WHERE uid IN (SELECT uid FROM _classified WHERE _action = 'updated')"
        )
        con.execute(
            f"DELETE FROM {table.name} WHERE uid IN (SELECT uid FROM _classified WHERE _action = 'updated')"
        )
        con.execute(
            f"INSERT INTO {table.name} ({col_list}, {engine_cols}) "
            f"SELECT {', '.join('c.' + c for c in columns)}, ?, f.first_batch_id, c.row_hash, ? "
            f"FROM _classified c JOIN _first f USING (uid) WHERE c._action = 'updated'",
            [batch_id, now],
        )
    if counts.get("stored"):
        con.execute(
            f"INSERT INTO {table.name} ({col_list}, {engine_cols}) "
            f"SELECT {col_list}, ?, ?, row_hash, ? FROM _classified WHERE _action = 'stored'",
            [batch_id, batch_id, now],
        )

    deleted = _apply_deletions(con, table.name, result.deleted_uids, batch_id, now) if result.deleted_uids else 0

    rejects = pa.concat_tables([result.rejects.cast(REJECT_SCHEMA), duplicates.cast(REJECT_SCHEMA)])
    if rejects.num_rows:
        con.register("_rejects_arrow", rejects)
        con.execute(
            "INSERT INTO quarantine SELECT ?, row_number, column_name, value, reason, raw FROM _rejects_arrow",
            [batch_id],
        )
        con.unregister("_rejects_arrow")

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
    con.execute(
        "UPDATE ingest_batches SET finished_at = ?, rows_in = ?, stored = ?, updated = ?, "
        "unchanged = ?, rejected = ?, deleted = ? WHERE batch_id = ?",
        [
            datetime.now(timezone.utc).replace(tzinfo=None),
            report.rows_in,
            report.stored,
            report.updated,
            report.unchanged,
            report.rejected,
            report.deleted,
            batch_id,
        ],
    )
    con.execute("DROP TABLE IF EXISTS _incoming")
    con.execute("DROP TABLE IF EXISTS _classified")
    return report


def _apply_deletions(con, table: str, uids: list[str], batch_id: int, now: datetime) -> int:
    """Flag withdrawn rows as deleted, keeping their previous version in history."""
    con.register("_deletions", pa.table({"uid": pa.array(uids, pa.string())}))
    target = f"SELECT uid FROM {table} WHERE uid IN (SELECT uid FROM _deletions) AND NOT coalesce(deleted, false)"
    n = con.execute(f"SELECT count(*) FROM ({target})").fetchall()[0][0]
    if n:
        con.execute(
            f"INSERT INTO {history_table(table)} SELECT t.*, ?, ? FROM {table} t WHERE t.uid IN ({target})",
            [now, batch_id],
        )
        con.execute(
            f"UPDATE {table} SET deleted = true, batch_id = ?, updated_at = ? WHERE uid IN ({target})",
            [batch_id, now],
        )
    con.unregister("_deletions")
    return n


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

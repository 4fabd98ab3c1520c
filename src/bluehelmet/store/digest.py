"""The digest of a row's content, which tells a revised row from an unchanged one."""

from __future__ import annotations

import duckdb

from bluehelmet.store.schema import CANONICAL_TABLES


def row_hash_sql(table: str, alias: str = "") -> str:
    """SQL for the digest of a row's content columns (NULL and '' hash differently).

    DuckDB's ``hash`` is fast, but its values may change between DuckDB versions: the store
    records which version hashed it (:func:`ensure_hash_version`) and re-hashes when it changes.
    """
    prefix = f"{alias}." if alias else ""
    columns = ", ".join(f"{prefix}{c}" for c in CANONICAL_TABLES[table].content_columns)
    return f"CAST(hash({columns}) AS VARCHAR)"


def ensure_hash_version(con: duckdb.DuckDBPyConnection) -> None:
    """Re-hash stored rows if they were hashed by another DuckDB version than this one."""
    version = f"duckdb-hash {duckdb.__version__}"
    rows = con.execute("SELECT value FROM store_meta WHERE key = 'row_hash'").fetchall()
    if rows and rows[0][0] == version:
        return
    for name in CANONICAL_TABLES:
        con.execute(f"UPDATE {name} SET row_hash = {row_hash_sql(name)}")
    con.execute("DELETE FROM store_meta WHERE key = 'row_hash'")
    con.execute("INSERT INTO store_meta VALUES ('row_hash', ?)", [version])

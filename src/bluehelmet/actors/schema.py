"""The store tables of the actors layer, created on first use.

- ``actors``: one row per canonical actor (``ucdp:539``, ``sahel:is-sahel``, ``local:...``).
- ``actor_aliases``: every name an actor goes by, with language, script, type, source and,
  where a name was only used for a while, the dates it was used.
- ``actor_lineage``: dated, sourced edges between actors (founded, renamed, split_from,
  merged_into, joined_coalition, left_coalition, allied_with, dissolved).
- ``actor_decisions``: what analysts decided about raw names (who, when, what); these win over
  automatic matches. A decision taken back keeps its row, marked withdrawn (who, when, why).
- ``event_actors``: each raw actor name of each event, resolved to an actor (or left for review).
"""

from __future__ import annotations

import duckdb

from bluehelmet.errors import StoreError

KINDS = (
    "state_force", "foreign_force", "un_regional_force", "rebel", "jihadist", "militia",
    "communal", "civilians", "unidentified",
)
RELATIONS = (
    "founded", "renamed", "split_from", "merged_into", "joined_coalition", "left_coalition",
    "allied_with", "dissolved",
)
ROLES = ("side_a", "side_b", "assoc_a", "assoc_b")
STATUSES = ("auto", "decided", "review")
DECISION_ACTIONS = ("accept", "reject", "alias", "new_actor")

DDL = [
    """CREATE TABLE IF NOT EXISTS actors (
      actor_id VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR, country_iso3 VARCHAR,
      active_from DATE, active_to DATE, source VARCHAR, description VARCHAR, origin VARCHAR,
      countries VARCHAR
    )""",
    # Stores made before actors carried every country they fight in.
    "ALTER TABLE actors ADD COLUMN IF NOT EXISTS countries VARCHAR",
    """CREATE TABLE IF NOT EXISTS actor_aliases (
      actor_id VARCHAR NOT NULL, alias VARCHAR NOT NULL, lang VARCHAR, script VARCHAR,
      alias_type VARCHAR, source VARCHAR, valid_from DATE, valid_to DATE, origin VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS actor_lineage (
      from_id VARCHAR NOT NULL, relation VARCHAR NOT NULL, to_id VARCHAR, date DATE,
      date_precision VARCHAR, source VARCHAR, note VARCHAR, origin VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS actor_decisions (
      decision_id BIGINT, raw_name VARCHAR NOT NULL, action VARCHAR NOT NULL, actor_id VARCHAR,
      decided_by VARCHAR, decided_at TIMESTAMP, note VARCHAR,
      withdrawn_at TIMESTAMP, withdrawn_by VARCHAR, withdrawal_note VARCHAR
    )""",
    # Stores made before a decision could be withdrawn gain the record of its withdrawal.
    "ALTER TABLE actor_decisions ADD COLUMN IF NOT EXISTS withdrawn_at TIMESTAMP",
    "ALTER TABLE actor_decisions ADD COLUMN IF NOT EXISTS withdrawn_by VARCHAR",
    "ALTER TABLE actor_decisions ADD COLUMN IF NOT EXISTS withdrawal_note VARCHAR",
    """CREATE TABLE IF NOT EXISTS event_actors (
      event_uid VARCHAR NOT NULL, role VARCHAR NOT NULL, position INTEGER, raw_name VARCHAR,
      actor_id VARCHAR, score DOUBLE, method VARCHAR, status VARCHAR, raw_side VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS actor_registry_meta (key VARCHAR, value VARCHAR)""",
]


def ensure_actor_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the actors layer's tables when they do not exist yet (idempotent).

    A store opened read-only is left as it is: DuckDB refuses even a ``CREATE TABLE IF NOT
    EXISTS`` there, and reading a store should not need writing it. Only a store made before
    decisions could be withdrawn cannot be read so, and says how to bring it up to date.
    """
    if _read_only(con):
        _refuse_older_decisions(con)
        return
    for statement in DDL:
        con.execute(statement)


def _refuse_older_decisions(con: duckdb.DuckDBPyConnection) -> None:
    """Stop, in words, where reading a store's decisions would fail on a column it lacks."""
    columns = {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'actor_decisions' AND database_name = current_database()"
    ).fetchall()}
    if columns and "withdrawn_at" not in columns:
        raise StoreError(
            "this store was made by an older bluehelmet, whose analysts' decisions cannot record a "
            "withdrawal: `bluehelmet --db PATH actors decisions` (or opening it once for writing and "
            "listing its decisions) brings it up to date; then open it read-only as before"
        )


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return bool(rows and rows[0][0])

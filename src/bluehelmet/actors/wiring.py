"""Wiring the resolver into the store: every ingest resolves its events' actor names.

Each raw side (``side_a``, ``side_b``, ``assoc_actor_a``, ``assoc_actor_b``) of each event becomes
rows of ``event_actors``, one per actor (multi-actor sides are split). Each DISTINCT raw side
is resolved once, so a million events cost what their few thousand distinct names cost; only
names whose resolution depends on the date (several actors share the name and the date chooses)
are resolved once per distinct date. When the registry or the decisions change,
:func:`reresolve_events` rewrites just the events whose resolution changed.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from bluehelmet.actors.decisions import load_decisions
from bluehelmet.actors.registry import Registry
from bluehelmet.actors.resolver import Resolver
from bluehelmet.actors.schema import ensure_actor_tables
from bluehelmet.ingest import after_ingest

_SIDE_COLUMNS = (("side_a", "side_a"), ("side_b", "side_b"), ("assoc_a", "assoc_actor_a"), ("assoc_b", "assoc_actor_b"))
_COLUMNS = "event_uid, role, position, raw_name, actor_id, score, method, status, raw_side"


def store_resolver(con: duckdb.DuckDBPyConnection) -> Resolver:
    """A resolver over the store's registry and its analysts' decisions."""
    return Resolver(Registry.load(con), load_decisions(con))


def _compute(con: duckdb.DuckDBPyConnection, where: str, params: list, resolver: Resolver) -> None:
    """Fill the temporary table ``_ea_new`` with the resolved actors of the events matching ``where``."""
    selects = " UNION ALL ".join(
        f"SELECT uid AS event_uid, date_start, '{role}' AS role, trim({column}) AS raw_side FROM events "
        f"WHERE ({where}) AND {column} IS NOT NULL AND trim({column}) <> ''"
        for role, column in _SIDE_COLUMNS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ea_sides AS {selects}", params * len(_SIDE_COLUMNS))
    rows: list[tuple] = []
    sensitive: list[str] = []
    for (raw_side,) in con.execute("SELECT DISTINCT raw_side FROM _ea_sides").fetchall():
        results = resolver.resolve_side(raw_side)
        if any(r.date_sensitive for r in results):
            sensitive.append(raw_side)
            continue
        rows += [(raw_side, None, False, i, r.raw_name, r.actor_id, r) for i, r in enumerate(results)]
    if sensitive:
        con.register("_ea_sensitive", pa.table({"raw_side": sensitive}))
        pairs = con.execute(
            "SELECT DISTINCT s.raw_side, s.date_start FROM _ea_sides s JOIN _ea_sensitive USING (raw_side)"
        ).fetchall()
        con.unregister("_ea_sensitive")
        for raw_side, on in pairs:
            rows += [(raw_side, on, True, i, r.raw_name, r.actor_id, r) for i, r in enumerate(resolver.resolve_side(raw_side, on))]
    mapping = pa.table({
        "raw_side": pa.array([r[0] for r in rows], pa.string()),
        "on_date": pa.array([r[1] for r in rows], pa.date32()),
        "sensitive": pa.array([r[2] for r in rows], pa.bool_()),
        "position": pa.array([r[3] for r in rows], pa.int32()),
        "raw_name": pa.array([r[4] for r in rows], pa.string()),
        # An actor in review is only a candidate: event_actors keeps NULL until an analyst decides.
        "actor_id": pa.array([r[6].actor_id if r[6].status != "review" else None for r in rows], pa.string()),
        "score": pa.array([float(r[6].score) for r in rows], pa.float64()),
        "method": pa.array([r[6].method for r in rows], pa.string()),
        "status": pa.array([r[6].status for r in rows], pa.string()),
    })
    con.register("_ea_map", mapping)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ea_new AS
        SELECT s.event_uid, s.role, m.position, m.raw_name, m.actor_id, m.score, m.method, m.status, s.raw_side
        FROM _ea_sides s JOIN _ea_map m ON m.raw_side = s.raw_side
          AND (NOT m.sensitive OR m.on_date IS NOT DISTINCT FROM s.date_start)"""
    )
    con.unregister("_ea_map")


def resolve_events(con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None, resolver: Resolver | None = None) -> int:
    """Resolve the actors of the events matching ``where`` (replacing earlier rows); returns rows written."""
    ensure_actor_tables(con)
    params = list(params or [])
    _compute(con, where, params, resolver or store_resolver(con))
    con.execute(f"DELETE FROM event_actors WHERE event_uid IN (SELECT uid FROM events WHERE {where})", params)
    con.execute(f"INSERT INTO event_actors ({_COLUMNS}) SELECT {_COLUMNS} FROM _ea_new")
    written = con.execute("SELECT count(*) FROM _ea_new").fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _ea_new")
    con.execute("DROP TABLE IF EXISTS _ea_sides")
    return written


def reresolve_events(con: duckdb.DuckDBPyConnection, resolver: Resolver | None = None) -> int:
    """Re-resolve every event against the current registry and decisions; rewrite only the
    events whose actors changed. Returns the number of events rewritten."""
    ensure_actor_tables(con)
    _compute(con, "true", [], resolver or store_resolver(con))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ea_changed AS
        SELECT DISTINCT event_uid FROM (
          (SELECT {_COLUMNS} FROM event_actors EXCEPT SELECT {_COLUMNS} FROM _ea_new)
          UNION ALL
          (SELECT {_COLUMNS} FROM _ea_new EXCEPT SELECT {_COLUMNS} FROM event_actors))"""
    )
    con.execute("DELETE FROM event_actors WHERE event_uid IN (SELECT event_uid FROM _ea_changed)")
    con.execute(f"INSERT INTO event_actors ({_COLUMNS}) SELECT {_COLUMNS} FROM _ea_new WHERE event_uid IN (SELECT event_uid FROM _ea_changed)")
    changed = con.execute("SELECT count(*) FROM _ea_changed").fetchall()[0][0]
    for table in ("_ea_changed", "_ea_new", "_ea_sides"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return changed


@after_ingest("actors")
def _resolve_after_ingest(con: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> None:
    if table == "events":
        resolve_events(con, "batch_id = ?", [batch_id])


def actor_events(store, actor_id: str, lineage: bool = False, registry: Registry | None = None, **filters) -> pd.DataFrame:
    """The events in which an actor took part; with ``lineage=True`` its predecessors' events too.

    >>> actor_events(store, "ucdp:6716", lineage=True)   # JNIM with Ansar Dine, al-Mourabitoun... # doctest: +SKIP
    """
    from bluehelmet.actors.lineage import lineage_ids

    registry = registry or Registry.load(store)
    registry.actor(actor_id)
    ids = lineage_ids(actor_id, registry) if lineage else [actor_id]
    return store.events(actor_id=ids, **filters)


def event_counts(store, actor_id: str, lineage: bool = False, registry: Registry | None = None) -> pd.DataFrame:
    """Events per actor for an actor (and, with ``lineage=True``, each predecessor), with a total row.

    The total counts each event once even when two predecessors appear in it.
    """
    from bluehelmet.actors.lineage import lineage_ids

    registry = registry or Registry.load(store)
    registry.actor(actor_id)
    ids = lineage_ids(actor_id, registry) if lineage else [actor_id]
    ensure_actor_tables(store.con)
    marks = ", ".join("?" for _ in ids)
    frame = store.sql(
        f"""SELECT ea.actor_id, count(DISTINCT ea.event_uid) AS events
        FROM event_actors ea JOIN events e ON e.uid = ea.event_uid AND NOT coalesce(e.deleted, false)
        WHERE ea.actor_id IN ({marks}) GROUP BY 1 ORDER BY 2 DESC, 1""",
        ids,
    )
    frame.insert(1, "name", [registry.actors[a].name for a in frame["actor_id"]])
    total = store.sql(
        f"""SELECT count(DISTINCT ea.event_uid) FROM event_actors ea JOIN events e ON e.uid = ea.event_uid
        AND NOT coalesce(e.deleted, false) WHERE ea.actor_id IN ({marks})""",
        ids,
    ).iloc[0, 0]
    return pd.concat([frame, pd.DataFrame([{"actor_id": "total", "name": "all together", "events": int(total)}])], ignore_index=True)

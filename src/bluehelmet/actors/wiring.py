"""Wiring the resolver into the store: every ingest resolves its events' actor names.

Each raw side (``side_a``, ``side_b``, ``assoc_actor_a``, ``assoc_actor_b``) of each event becomes
rows of ``event_actors``, one per actor (multi-actor sides are split). UCDP events carry UCDP's
own actor ids (GED's ``side_a_new_id``/``side_b_new_id``, comma-separated for multi-actor sides,
stored as ``side_a_source_id``/``side_b_source_id``): those are the UCDP actor list's ``ActorId``,
so such a side resolves to ``ucdp:<id>`` directly (method ``source_id``, score 1.0), the ids
paired in order with the side's names. This settles names UCDP gives to two actors ("SRF").
Names are resolved as usual when there is no id, when the ids and names do not pair up, or
for an id the registry does not know. Each DISTINCT raw side
is resolved once, so a million events cost what their few thousand distinct names cost; only
names whose resolution depends on the event (several actors share the name, and the date or the
event's country chooses between them: UCDP's three ELNs fight in Colombia, Bolivia and Peru)
are resolved once per distinct date and country. When the registry or the decisions change,
:func:`reresolve_events` rewrites just the events whose resolution changed.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from bluehelmet.actors.bundle import seed_registry
from bluehelmet.actors.decisions import load_decisions
from bluehelmet.actors.registry import Registry
from bluehelmet.actors.normalise import split_side
from bluehelmet.actors.resolver import Candidate, Resolution, Resolver
from bluehelmet.actors.schema import ensure_actor_tables
from bluehelmet.ingest import after_ingest

# (role, name column, the source's actor id column or None)
_SIDE_COLUMNS = (
    ("side_a", "side_a", "side_a_source_id"), ("side_b", "side_b", "side_b_source_id"),
    ("assoc_a", "assoc_actor_a", None), ("assoc_b", "assoc_actor_b", None),
)
_COLUMNS = "event_uid, role, position, raw_name, actor_id, score, method, status, raw_side"


_REGISTRY_TABLES = ("actors", "actor_aliases", "actor_lineage", "actor_decisions")
_resolvers: dict[tuple, Resolver] = {}


def _registry_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple:
    """A digest of everything a resolver is built from: any edit or decision changes it."""
    return tuple(
        tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} t").fetchall()[0])
        for table in _REGISTRY_TABLES
    )


def store_resolver(con: duckdb.DuckDBPyConnection) -> Resolver:
    """A resolver over the store's registry and its analysts' decisions.

    Building one takes about half a second; it is kept while the registry and the decisions
    stay as they were, so a series of ingests does not rebuild it each time.
    """
    # Seed a new store's registry before taking its fingerprint: an empty store would otherwise
    # share the key of any earlier empty store and reuse its resolver without being seeded.
    seed_registry(con)
    key = _registry_fingerprint(con)
    resolver = _resolvers.get(key)
    if resolver is None:
        _resolvers.clear()
        resolver = _resolvers[key] = Resolver(Registry.load(con), load_decisions(con))
    return resolver


def resolve_side_with_ids(
    resolver: Resolver, raw_side: str, source_ids: str | None, on=None, country: str | None = None
) -> list[Resolution]:
    """The actors of one event side, by UCDP's own actor ids when the source gives them.

    ``source_ids`` is GED's ``side_a_new_id``/``side_b_new_id`` ("1158" or "5880, 6836" for
    "GATIA, MSA"). Each id pairs with the side's name in the same position; an id the
    registry does not know leaves that name to the name resolver, and ids that do not pair
    up with the names (a coalition's one id for several names) leave the whole side to it.
    An analyst's decision about a name still wins over the id.

    >>> [r.actor_id for r in resolve_side_with_ids(resolver, "SRF", "1162")]   # doctest: +SKIP
    ['ucdp:1162']
    """
    ids = [i.strip() for i in (source_ids or "").split(",") if i.strip()]
    names = split_side(raw_side)
    # One id for several names is a coalition id (GED 23.1 gives "Giants Brigade, STC" one id),
    # which names no single actor of the list: the names are resolved one by one instead.
    if not ids or len(names) != len(ids):
        return resolver.resolve_side(raw_side, on, country)
    results = []
    for name, source_id in zip(names, ids):
        actor = resolver.registry.actors.get(f"ucdp:{source_id}")
        if actor is None or (resolver.decisions and resolver.decisions.accepted_for(name)):
            results.append(resolver.resolve(name, on, country))
            continue
        results.append(Resolution(
            name, actor.actor_id, actor.name, 1.0, "source_id", f"UCDP actor id {source_id} given by the source",
            "auto", [Candidate(actor.actor_id, actor.name, 1.0)],
        ))
    return results


def _compute(con: duckdb.DuckDBPyConnection, where: str, params: list, resolver: Resolver) -> str:
    """The resolved actors of the events matching ``where``, as SQL over two temporary relations.

    Leaves ``_ea_sides`` (one row per event side) and ``_ea_map`` (each distinct side's actors)
    in place for the returned query; :func:`_drop_work` removes them.
    """
    selects = " UNION ALL ".join(
        f"SELECT uid AS event_uid, date_start, country_iso3, '{role}' AS role, trim({column}) AS raw_side, "
        + (f"CASE WHEN source LIKE 'ucdp%' THEN nullif(trim({ids}), '') END" if ids else "NULL::VARCHAR")
        + f" AS side_ids FROM events WHERE ({where}) AND {column} IS NOT NULL AND trim({column}) <> ''"
        for role, column, ids in _SIDE_COLUMNS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ea_sides AS {selects}", params * len(_SIDE_COLUMNS))
    rows: list[tuple] = []
    sensitive: list[tuple[str, str | None]] = []
    for raw_side, side_ids in con.execute("SELECT DISTINCT raw_side, side_ids FROM _ea_sides").fetchall():
        results = resolve_side_with_ids(resolver, raw_side, side_ids)
        if any(r.date_sensitive or r.shared for r in results):
            sensitive.append((raw_side, side_ids))
            continue
        rows += [(raw_side, side_ids, None, None, False, i, r) for i, r in enumerate(results)]
    if sensitive:
        con.register("_ea_sensitive", pa.table({
            "raw_side": pa.array([s[0] for s in sensitive], pa.string()),
            "side_ids": pa.array([s[1] for s in sensitive], pa.string()),
        }))
        pairs = con.execute(
            """SELECT DISTINCT s.raw_side, s.side_ids, s.date_start, s.country_iso3 FROM _ea_sides s JOIN _ea_sensitive t
            ON t.raw_side = s.raw_side AND t.side_ids IS NOT DISTINCT FROM s.side_ids"""
        ).fetchall()
        con.unregister("_ea_sensitive")
        for raw_side, side_ids, on, country in pairs:
            results = resolve_side_with_ids(resolver, raw_side, side_ids, on, country)
            rows += [(raw_side, side_ids, on, country, True, i, r) for i, r in enumerate(results)]
    mapping = pa.table({
        "raw_side": pa.array([r[0] for r in rows], pa.string()),
        "side_ids": pa.array([r[1] for r in rows], pa.string()),
        "on_date": pa.array([r[2] for r in rows], pa.date32()),
        "on_country": pa.array([r[3] for r in rows], pa.string()),
        "sensitive": pa.array([r[4] for r in rows], pa.bool_()),
        "position": pa.array([r[5] for r in rows], pa.int32()),
        "raw_name": pa.array([r[6].raw_name for r in rows], pa.string()),
        # An actor in review is only a candidate: event_actors keeps NULL until an analyst decides.
        "actor_id": pa.array([r[6].actor_id if r[6].status != "review" else None for r in rows], pa.string()),
        "score": pa.array([float(r[6].score) for r in rows], pa.float64()),
        "method": pa.array([r[6].method for r in rows], pa.string()),
        "status": pa.array([r[6].status for r in rows], pa.string()),
    })
    con.register("_ea_map", mapping)
    return """SELECT s.event_uid, s.role, m.position, m.raw_name, m.actor_id, m.score, m.method, m.status, s.raw_side
        FROM _ea_sides s JOIN _ea_map m ON m.raw_side = s.raw_side AND m.side_ids IS NOT DISTINCT FROM s.side_ids
          AND (NOT m.sensitive OR (m.on_date IS NOT DISTINCT FROM s.date_start
                                   AND m.on_country IS NOT DISTINCT FROM s.country_iso3))"""


def _drop_work(con: duckdb.DuckDBPyConnection) -> None:
    con.unregister("_ea_map")
    con.execute("DROP TABLE IF EXISTS _ea_sides")


def resolve_events(con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None, resolver: Resolver | None = None) -> int:
    """Resolve the actors of the events matching ``where`` (replacing earlier rows); returns rows written."""
    ensure_actor_tables(con)
    params = list(params or [])
    resolved = _compute(con, where, params, resolver or store_resolver(con))
    con.execute(f"DELETE FROM event_actors WHERE event_uid IN (SELECT uid FROM events WHERE {where})", params)
    # Straight from the join: a million events make two million rows, not worth a copy first.
    written = con.execute(f"INSERT INTO event_actors ({_COLUMNS}) SELECT {_COLUMNS} FROM ({resolved})").fetchall()[0][0]
    _drop_work(con)
    return written


def reresolve_events(con: duckdb.DuckDBPyConnection, resolver: Resolver | None = None) -> int:
    """Re-resolve every event against the current registry and decisions; rewrite only the
    events whose actors changed. Returns the number of events rewritten."""
    ensure_actor_tables(con)
    resolved = _compute(con, "true", [], resolver or store_resolver(con))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ea_new AS {resolved}")
    _drop_work(con)
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
    for table in ("_ea_changed", "_ea_new"):
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

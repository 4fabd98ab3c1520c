"""The actor registry: canonical actors, their aliases and their lineage, in memory and in the store.

A new store seeds its registry from the bundled files by itself (the UCDP actor list v22.1 and
the curated Sahel file); after that the store is the registry, and analysts' additions live
there too. A store seeded by an older bluehelmet gets the bundled rows of this one with
:func:`bluehelmet.actors.refresh.refresh_registry` (``bluehelmet actors refresh``).

>>> import bluehelmet
>>> from bluehelmet.actors import Registry
>>> store = bluehelmet.open("demo.duckdb")                 # doctest: +SKIP
>>> registry = Registry.load(store)                        # doctest: +SKIP
>>> registry.actors["ucdp:6716"].name                      # doctest: +SKIP
'JNIM'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.actors.schema import KINDS, RELATIONS, ensure_actor_tables
from bluehelmet.errors import InputFileError, InvalidRequestError, NotFoundError


class RegistryFileError(InputFileError):
    """A registry file is inconsistent (duplicate ids, unknown actors, rename cycles, bad dates)."""


@dataclass
class Actor:
    actor_id: str
    name: str
    kind: str | None = None
    country_iso3: str | None = None
    active_from: date | None = None
    active_to: date | None = None
    source: str | None = None
    description: str | None = None
    origin: str | None = None  # ucdp | curated | analyst
    countries: str | None = None  # ISO3 codes of every country it fights in, comma-separated

    def country_set(self) -> frozenset[str]:
        """``country_iso3`` and every country of ``countries``."""
        codes = {c.strip() for c in (self.countries or "").split(",") if c.strip()}
        return frozenset(codes | ({self.country_iso3} if self.country_iso3 else set()))


@dataclass
class Alias:
    actor_id: str
    alias: str
    lang: str | None = None
    script: str | None = None  # latin | arabic | ...
    alias_type: str | None = None  # acronym | name | full_name | translation | pattern
    source: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    origin: str | None = None


@dataclass
class Edge:
    from_id: str
    relation: str
    to_id: str | None = None
    date: date | None = None
    date_precision: str | None = None  # day | month | year
    source: str | None = None
    note: str | None = None
    origin: str | None = None


_BUNDLED: list["Registry"] = []
_TABLES = (("actors", Actor), ("actor_aliases", Alias), ("actor_lineage", Edge))


@dataclass
class Registry:
    """Actors by id, every alias, and the lineage edges. Build with :meth:`load` or :meth:`bundled`."""

    actors: dict[str, Actor] = field(default_factory=dict)
    aliases: list[Alias] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    # -- building --------------------------------------------------------------------------
    @classmethod
    def bundled(cls) -> "Registry":
        """The registry made from the bundled UCDP actor list and the curated Sahel file (a fresh copy)."""
        import copy

        from bluehelmet.actors.curated import SAHEL_FILE, merge_curated
        from bluehelmet.actors.seed_ucdp import UCDP_ACTOR_FILE, read_ucdp_actors

        if not _BUNDLED:  # built once per process: seeding every new store stays fast
            registry = read_ucdp_actors(UCDP_ACTOR_FILE)
            merge_curated(registry, SAHEL_FILE)
            _BUNDLED.append(registry)
        return copy.deepcopy(_BUNDLED[0])

    @classmethod
    def load(cls, store_or_con) -> "Registry":
        """The registry of a store; a store without one is seeded from the bundled files first."""
        from bluehelmet.actors.bundle import seed_registry

        con = getattr(store_or_con, "con", store_or_con)
        seed_registry(con)
        return cls.from_connection(con)

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection) -> "Registry":
        registry = cls()
        for table, kind in _TABLES:
            names = [f.name for f in fields(kind)]
            rows = con.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            items = [kind(**dict(zip(names, row))) for row in rows]
            if kind is Actor:
                registry.actors = {a.actor_id: a for a in items}
            elif kind is Alias:
                registry.aliases = items
            else:
                registry.edges = items
        return registry

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replace the store's registry tables with this registry (one transaction is the caller's)."""
        ensure_actor_tables(con)
        for table, kind in _TABLES:
            items = list(self.actors.values()) if kind is Actor else self.aliases if kind is Alias else self.edges
            names = [f.name for f in fields(kind)]
            columns = {n: [getattr(i, n) for i in items] for n in names}
            types = {n: (pa.date32() if n in ("active_from", "active_to", "valid_from", "valid_to", "date") else pa.string()) for n in names}
            arrow = pa.table({n: pa.array(columns[n], type=types[n]) for n in names})
            con.execute(f"DELETE FROM {table}")
            con.register("_registry_rows", arrow)
            con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} FROM _registry_rows")
            con.unregister("_registry_rows")

    # -- reading ---------------------------------------------------------------------------
    def actor(self, actor_id: str) -> Actor:
        """The actor with this id; :class:`NotFoundError` names close ids when there is none."""
        try:
            return self.actors[actor_id]
        except KeyError:
            raise NotFoundError(f"no actor with id {actor_id!r} (ids look like ucdp:6716 or sahel:is-sahel)") from None

    def aliases_of(self, actor_id: str) -> list[Alias]:
        return [a for a in self.aliases if a.actor_id == actor_id]

    def add_alias(self, alias: Alias) -> None:
        key = (alias.actor_id, alias.alias)
        if not any((a.actor_id, a.alias) == key for a in self.aliases):
            self.aliases.append(alias)

    def search(self, query: str, *, kind: str | None = None, country: str | None = None, limit: int = 20) -> list[dict]:
        """Actors whose name or any alias contains ``query``, ignoring case, accents and
        punctuation: those whose own name matches first, then by name.

        Each is ``actor_id``, ``name``, ``kind``, ``country`` and up to four
        ``matching_aliases``. ``kind`` keeps one kind; ``country`` (ISO3) the actors of that
        country or fighting in it.
        """
        from bluehelmet.actors.normalise import normalise

        needle = normalise(query)
        if not needle:
            raise InvalidRequestError(f"nothing to search for in {query!r}: give part of a name or alias")
        hits: dict[str, set[str]] = {}
        for alias in self.aliases:
            if needle in normalise(alias.alias):
                hits.setdefault(alias.actor_id, set()).add(alias.alias)
        rows = []
        for actor_id, names in hits.items():
            actor = self.actors[actor_id]
            if (kind and actor.kind != kind) or (country and country.upper() not in actor.country_set()):
                continue
            rows.append({
                "actor_id": actor_id, "name": actor.name, "kind": actor.kind, "country": actor.country_iso3,
                "matching_aliases": sorted(names)[:4],
            })
        rows.sort(key=lambda r: (needle not in normalise(r["name"]), r["name"].casefold(), r["actor_id"]))
        return rows[:limit]

    def as_dict(self, actor_id: str) -> dict:
        """An actor with its aliases and lineage edges, as plain JSON-ready values."""
        actor = self.actor(actor_id)
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(actor).items()}
        out["aliases"] = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(a).items() if k != "actor_id"}
            for a in self.aliases_of(actor_id)
        ]
        out["lineage"] = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(e).items()}
            for e in self.edges
            if actor_id in (e.from_id, e.to_id)
        ]
        return out

    # -- checking --------------------------------------------------------------------------
    def validate(self, path: str | Path = "<registry>") -> None:
        """Raise :class:`RegistryFileError` for unknown kinds or relations, edges to unknown
        actors, dates out of order and cycles of renames or mergers."""
        for actor in self.actors.values():
            if actor.kind is not None and actor.kind not in KINDS:
                raise RegistryFileError(path, f"unknown kind; the kinds are {', '.join(KINDS)}", column="kind", value=f"{actor.actor_id}: {actor.kind}")
            if actor.active_from and actor.active_to and actor.active_from > actor.active_to:
                raise RegistryFileError(
                    path, f"dates out of order: active_from {actor.active_from} is after active_to {actor.active_to}",
                    column="active_from", value=actor.actor_id,
                )
        for alias in self.aliases:
            if alias.actor_id not in self.actors:
                raise RegistryFileError(path, "alias of an unknown actor", column="actor_id", value=f"{alias.actor_id}: {alias.alias}")
            if alias.valid_from and alias.valid_to and alias.valid_from > alias.valid_to:
                raise RegistryFileError(
                    path, f"dates out of order: the name was used from {alias.valid_from} to {alias.valid_to}",
                    column="valid_from", value=f"{alias.actor_id}: {alias.alias}",
                )
        for edge in self.edges:
            if edge.relation not in RELATIONS:
                raise RegistryFileError(path, f"unknown lineage relation; the relations are {', '.join(RELATIONS)}", column="relation", value=edge.relation)
            for end in (edge.from_id, edge.to_id):
                if end is not None and end not in self.actors:
                    raise RegistryFileError(
                        path, f"lineage edge {edge.from_id} {edge.relation} {edge.to_id} names an unknown actor",
                        column="to" if end == edge.to_id else "from", value=end,
                    )
            if edge.to_id is None and edge.relation not in ("founded", "dissolved"):
                raise RegistryFileError(path, f"a {edge.relation} edge needs a target actor ('to')", column="to", value=edge.from_id)
        self._check_cycles(path)

    def _check_cycles(self, path: str | Path) -> None:
        # A group cannot become itself again through renames and mergers.
        graph: dict[str, set[str]] = {}
        for edge in self.edges:
            # Splits are left out: a faction that splits off and later merges back is real history.
            if edge.relation in ("renamed", "merged_into") and edge.to_id:
                graph.setdefault(edge.from_id, set()).add(edge.to_id)
        state: dict[str, int] = {}

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                    raise RegistryFileError(path, "a cycle of renames/mergers: " + " -> ".join(cycle), column="lineage", value=nxt)
                if not state.get(nxt):
                    visit(nxt, trail + [nxt])
            state[node] = 2

        for start in sorted(graph):
            if not state.get(start):
                visit(start, [start])

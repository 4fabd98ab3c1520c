"""Bringing a store's bundled registry up to the one bundled with the installed bluehelmet.

A store seeds its registry once, when it is new; a later bluehelmet may ship a corrected or
extended UCDP list or curated file. :func:`refresh_registry` replaces the store's bundled rows
(actors, aliases and lineage edges of origin ``ucdp`` or ``curated``) with the installed
bundle's, keeps every other row (the analysts' actors, aliases and edges) and every decision,
and re-resolves the events whose actors change, all in one transaction. A second run finds
nothing to change.

An actor the installed bundle no longer has is removed with its bundled aliases and edges,
unless an analyst's alias or lineage edge, or a decision, names it: then its row stays as it
was, so that nothing an analyst did points at an actor that is gone, and the report names it
with what holds it.

>>> report = refresh_registry(bluehelmet.open("demo.duckdb"), dry_run=True)   # doctest: +SKIP
>>> [a["actor_id"] for a in report.actors["updated"]][:2]                     # doctest: +SKIP
['sahel:afisma', 'sahel:africa-corps']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass, field, fields
from datetime import date

from bluehelmet.actors.bundle import BUNDLED_ORIGINS, bundle_fingerprint, record_fingerprint, recorded_fingerprint
from bluehelmet.actors.decisions import load_decisions
from bluehelmet.actors.registry import Actor, Alias, Edge, Registry, RegistryFileError
from bluehelmet.errors import BluehelmetError


class RegistryRefreshError(BluehelmetError):
    """The store's registry with the installed bundle would be inconsistent; nothing was changed."""


@dataclass
class RefreshReport:
    """What a refresh changed (or, with ``dry_run``, would change).

    ``actors``, ``aliases`` and ``edges`` each hold ``added``, ``updated`` and ``removed`` rows
    as plain values (an update lists each changed field as ``[old, new]``); ``kept`` lists the
    actors the bundle dropped that stay because analysts' rows or decisions name them.
    """

    dry_run: bool
    actors: dict[str, list[dict]] = field(default_factory=dict)
    aliases: dict[str, list[dict]] = field(default_factory=dict)
    edges: dict[str, list[dict]] = field(default_factory=dict)
    kept: list[dict] = field(default_factory=list)
    events_reresolved: int = 0

    @property
    def changed(self) -> bool:
        """True when the registry or any event's actors changed (or would change)."""
        rows = (self.actors, self.aliases, self.edges)
        return any(items for part in rows for items in part.values()) or self.events_reresolved > 0

    def as_dict(self) -> dict:
        """The report as JSON-ready values (what ``actors refresh --json`` prints)."""
        return {
            "dry_run": self.dry_run, "changed": self.changed, "actors": self.actors, "aliases": self.aliases,
            "edges": self.edges, "kept": self.kept, "events_reresolved": self.events_reresolved,
        }


def refresh_registry(store, *, dry_run: bool = False) -> RefreshReport:
    """Bring a store's bundled registry up to this bluehelmet's, keeping what analysts added.

    Parameters
    ----------
    store:
        An open :class:`~bluehelmet.store.Store`.
    dry_run:
        Work everything out, events included, then roll back: the report says what would
        change and the store is left as it was.

    Raises :class:`RegistryRefreshError` when the analysts' lineage edges and the new bundled
    ones together would make a cycle of renames or mergers.
    """
    from bluehelmet.actors.wiring import reresolve_events

    con = store.con
    plan = _plan(Registry.load(store), Registry.bundled(), load_decisions(con))
    report = RefreshReport(dry_run, plan.actors, plan.aliases, plan.edges, plan.kept)
    if plan.rewrite:
        try:
            plan.registry.validate("the store's registry refreshed from the bundled one")
        except RegistryFileError as exc:
            problem = exc.problem if exc.value is None or str(exc.value) in exc.problem else f"{exc.problem}: {exc.value}"
            raise RegistryRefreshError(
                f"the analysts' rows and the registry bundled with this bluehelmet do not fit together ({problem}); "
                "the store was left as it was"
            ) from None
    con.execute("BEGIN TRANSACTION")
    try:
        if plan.rewrite:
            plan.registry.save(con)
        if recorded_fingerprint(con) != bundle_fingerprint():
            record_fingerprint(con)
        # Always, not only after a rewrite: a newer resolver may read the same names otherwise.
        report.events_reresolved = reresolve_events(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    # A dry run does the whole work so that its event count is the real one, then undoes it.
    con.execute("ROLLBACK" if dry_run else "COMMIT")
    return report


@dataclass
class _Plan:
    """The refreshed registry, and how the store's bundled rows differ from the bundle's."""

    registry: Registry
    actors: dict[str, list[dict]]
    aliases: dict[str, list[dict]]
    edges: dict[str, list[dict]]
    kept: list[dict]

    @property
    def rewrite(self) -> bool:
        return any(items for part in (self.actors, self.aliases, self.edges) for items in part.values())


def _plan(stored: Registry, bundle: Registry, decisions) -> _Plan:
    """The bundle, then the store's other rows in the store's order (so the store ends as a new
    one seeded by this bluehelmet would, plus what analysts added), and what changes."""
    bundled = lambda row: row.origin in BUNDLED_ORIGINS  # noqa: E731
    own_actors = {i: a for i, a in stored.actors.items() if not bundled(a)}
    own_aliases = [a for a in stored.aliases if not bundled(a)]
    own_edges = [e for e in stored.edges if not bundled(e)]
    holders = _holders(own_aliases, own_edges, decisions)
    # An analyst's actor keeps its id should the bundle come to use it: events point at theirs.
    new_actors = {i: a for i, a in bundle.actors.items() if i not in own_actors}
    kept = {i: a for i, a in stored.actors.items() if bundled(a) and i not in new_actors and i in holders}
    registry = Registry(
        {**new_actors, **{i: a for i, a in stored.actors.items() if i in own_actors or i in kept}},
        bundle.aliases + own_aliases,
        bundle.edges + own_edges,
    )
    return _Plan(
        registry,
        _differences(Actor, [a for a in stored.actors.values() if bundled(a) and a.actor_id not in kept],
                     list(new_actors.values()), ("actor_id",), ("actor_id", "name")),
        _differences(Alias, [a for a in stored.aliases if bundled(a)], bundle.aliases, ("actor_id", "alias"), ("actor_id", "alias")),
        _differences(Edge, [e for e in stored.edges if bundled(e)], bundle.edges,
                     ("from_id", "relation", "to_id"), ("from_id", "relation", "to_id", "date")),
        [{"actor_id": i, "name": a.name, "held_by": holders[i]} for i, a in kept.items()],
    )


def _holders(aliases: list[Alias], edges: list[Edge], decisions) -> dict[str, list[str]]:
    """For each actor id, the analysts' aliases and edges and the decisions standing that name it.

    A withdrawn decision holds nothing: it no longer counts, and keeping a dropped actor for it
    would leave that actor resolving names. Its record still names the actor's id.
    """
    holders: dict[str, list[str]] = {}
    for alias in aliases:
        holders.setdefault(alias.actor_id, []).append(f"alias {alias.alias!r}")
    for edge in edges:
        for end in dict.fromkeys((edge.from_id, edge.to_id)):
            if end:
                holders.setdefault(end, []).append(f"lineage edge {edge.from_id} {edge.relation} {edge.to_id or ''}".rstrip())
    for decision in decisions.all:
        if decision.actor_id and not decision.withdrawn:
            holders.setdefault(decision.actor_id, []).append(f"decision {decision.decision_id} ({decision.action} {decision.raw_name!r})")
    return holders


def _differences(kind: type, old: list, new: list, key: tuple[str, ...], shown: tuple[str, ...]) -> dict[str, list[dict]]:
    """Rows ``added``, ``removed`` and, where a removed and an added row share ``key``, ``updated``
    (with each changed field as ``[old, new]``). Rows are compared whole and counted, so a
    row the store holds twice is seen; each row is shown by its ``shown`` fields."""
    names = [f.name for f in fields(kind)]
    key_of = lambda row: tuple(row[names.index(k)] for k in key)  # noqa: E731
    plain = lambda row: {k: _plain(row[names.index(k)]) for k in shown}  # noqa: E731
    old_rows, new_rows = Counter(astuple(r) for r in old), Counter(astuple(r) for r in new)
    gone = list((old_rows - new_rows).elements())
    came_by_key: dict[tuple, list[tuple]] = {}
    for row in (new_rows - old_rows).elements():
        came_by_key.setdefault(key_of(row), []).append(row)
    removed, updated = [], []
    for before in gone:
        matches = came_by_key.get(key_of(before))
        if not matches:
            removed.append(plain(before))
            continue
        after = matches.pop(0)
        changed = {n: [_plain(b), _plain(a)] for n, b, a in zip(names, before, after) if b != a}
        updated.append({**plain(after), "changed": changed})
    added = [plain(row) for rows in came_by_key.values() for row in rows]
    order = lambda items: sorted(items, key=lambda item: [str(item[k]) for k in shown])  # noqa: E731
    return {"added": order(added), "updated": order(updated), "removed": order(removed)}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value

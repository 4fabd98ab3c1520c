"""Lineage queries: what a group was called on a date, where it came from, what it became.

Edges point from the older group to what it joined or became: ``A renamed B``, ``A merged_into
B`` and ``B split_from A`` all make A a predecessor of B; ``A joined_coalition C`` makes A a
member of C from that date (until ``A left_coalition C``). Edges without a date (most UCDP
edges) count as always true.

>>> from bluehelmet.actors import Registry, descendants
>>> registry = Registry.bundled()                           # doctest: +SKIP
>>> sorted(descendants("ucdp:539", registry))[:3]           # doctest: +SKIP
['sahel:is-sahel', 'sahel:isgs', 'ucdp:1161']
"""

from __future__ import annotations

from datetime import date

from bluehelmet.actors.registry import Registry

SUCCESSION = ("renamed", "merged_into")


def _registry(registry: Registry | None) -> Registry:
    return registry if registry is not None else _bundled()


def _bundled() -> Registry:
    from bluehelmet.actors.resolver import resolver_for

    return resolver_for(None).registry


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def predecessors(actor_id: str, registry: Registry | None = None) -> list[str]:
    """The actors ``actor_id`` directly came from (renamed from, merged from, split from)."""
    reg = _registry(registry)
    reg.actor(actor_id)
    out = [e.from_id for e in reg.edges if e.relation in SUCCESSION and e.to_id == actor_id]
    out += [e.to_id for e in reg.edges if e.relation == "split_from" and e.from_id == actor_id]
    return sorted(set(out))


def successors(actor_id: str, registry: Registry | None = None) -> list[str]:
    """The actors that directly came from ``actor_id`` (its new name, what it merged into, its splinters)."""
    reg = _registry(registry)
    reg.actor(actor_id)
    out = [e.to_id for e in reg.edges if e.relation in SUCCESSION and e.from_id == actor_id]
    out += [e.from_id for e in reg.edges if e.relation == "split_from" and e.to_id == actor_id]
    return sorted(set(out))


def _closure(actor_id: str, step, registry: Registry) -> list[str]:
    seen: set[str] = set()
    todo = [actor_id]
    while todo:
        for nxt in step(todo.pop(), registry):
            if nxt not in seen and nxt != actor_id:
                seen.add(nxt)
                todo.append(nxt)
    return sorted(seen)


def descendants(actor_id: str, registry: Registry | None = None) -> list[str]:
    """Every actor that came, directly or not, from ``actor_id`` (all descendants of AQIM...)."""
    return _closure(actor_id, successors, _registry(registry))


def ancestors(actor_id: str, registry: Registry | None = None) -> list[str]:
    """Every actor ``actor_id`` came from, directly or not."""
    return _closure(actor_id, predecessors, _registry(registry))


def lineage_ids(actor_id: str, registry: Registry | None = None) -> list[str]:
    """The actor and all its predecessors: the ids a lineage-aware event query counts together."""
    return [actor_id] + ancestors(actor_id, registry)


def name_on(actor_id: str, on: date | str, registry: Registry | None = None) -> str:
    """What the group was called on a date.

    Within the actor's own life, the alias in use on that date (UCDP's same-id renames, such as
    GSPC -> AQIM in January 2007); before it was founded under a new name, its predecessor's
    name (``renamed`` edges); after it was renamed or merged, what it was then called.
    """
    reg = _registry(registry)
    actor = reg.actor(actor_id)
    when = _as_date(on)
    for edge in reg.edges:
        if edge.to_id == actor_id and edge.relation == "renamed" and edge.date and when < edge.date:
            return name_on(edge.from_id, when, reg)
        if edge.from_id == actor_id and edge.relation in SUCCESSION and edge.date and when >= edge.date and edge.to_id:
            return name_on(edge.to_id, when, reg)
    dated = [a for a in reg.aliases_of(actor_id) if a.valid_from or a.valid_to]
    in_use = [a for a in dated if (a.valid_from is None or a.valid_from <= when) and (a.valid_to is None or when <= a.valid_to)]
    if in_use:
        # The acronym or short name analysts use, when the period has one; else the first.
        short = [a for a in in_use if a.alias_type == "acronym"]
        return (short or in_use)[0].alias
    return actor.name


def coalition_members(coalition_id: str, on: date | str | None = None, registry: Registry | None = None) -> list[str]:
    """The members of a coalition on a date (all members ever when ``on`` is None)."""
    reg = _registry(registry)
    reg.actor(coalition_id)
    when = _as_date(on)
    members: dict[str, bool] = {}
    events = sorted(
        (e for e in reg.edges if e.to_id == coalition_id and e.relation in ("joined_coalition", "left_coalition")),
        key=lambda e: (e.date or date.min),
    )
    for edge in events:
        if when is None or edge.date is None or edge.date <= when:
            members[edge.from_id] = edge.relation == "joined_coalition" or (when is None and members.get(edge.from_id, False))
    out = []
    for member, is_in in members.items():
        actor = reg.actors[member]
        alive = when is None or ((actor.active_from is None or actor.active_from <= when) and (actor.active_to is None or when <= actor.active_to))
        if (is_in or when is None) and alive:
            out.append(member)
    return sorted(out)


def edges_of(actor_ids: list[str], registry: Registry | None = None) -> list:
    """The lineage edges between the given actors (for charts and listings), oldest first."""
    reg = _registry(registry)
    wanted = set(actor_ids)
    return sorted(
        (e for e in reg.edges if e.from_id in wanted and (e.to_id is None or e.to_id in wanted)),
        key=lambda e: (e.date or date.min, e.from_id),
    )


def family(actor_id: str, registry: Registry | None = None) -> list[str]:
    """The actor, its ancestors, its descendants and its descendants' other ancestors (one tree)."""
    reg = _registry(registry)
    out = {actor_id, *ancestors(actor_id, reg), *descendants(actor_id, reg)}
    for other in list(out):
        out.update(ancestors(other, reg))
    return sorted(out)

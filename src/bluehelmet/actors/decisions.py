"""Analysts' decisions about raw names: they persist in the store and win over automatic matches.

Four actions, each recorded with who decided and when:

- ``accept``: this raw name is this actor;
- ``reject``: this raw name is *not* this actor (the resolver will not pick it again);
- ``alias``: add the raw name to the actor's aliases (it then resolves everywhere);
- ``new_actor``: create a local actor (``local:<slug>``) named by the raw name.

After a decision, the events whose names it changes are re-resolved
(:func:`bluehelmet.actors.wiring.reresolve_events`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bluehelmet.actors.normalise import normalise
from bluehelmet.actors.registry import Actor, Alias, Registry
from bluehelmet.actors.schema import DECISION_ACTIONS, KINDS, ensure_actor_tables
from bluehelmet.errors import InvalidRequestError


@dataclass
class Decision:
    decision_id: int
    raw_name: str
    action: str
    actor_id: str | None
    decided_by: str | None
    decided_at: datetime | None
    note: str | None


class Decisions:
    """The decisions of a store, indexed by normalised raw name; the latest decision wins."""

    def __init__(self, decisions: list[Decision]) -> None:
        self.all = sorted(decisions, key=lambda d: d.decision_id)
        self._accepted: dict[str, Decision] = {}
        self._rejected: dict[str, set[str]] = {}
        for decision in self.all:
            key = normalise(decision.raw_name)
            if decision.action in ("accept", "alias", "new_actor"):
                self._accepted[key] = decision
                self._rejected.get(key, set()).discard(decision.actor_id)
            elif decision.action == "reject":
                self._rejected.setdefault(key, set()).add(decision.actor_id)
                if key in self._accepted and self._accepted[key].actor_id == decision.actor_id:
                    del self._accepted[key]

    def accepted_for(self, raw_name: str) -> Decision | None:
        return self._accepted.get(normalise(raw_name))

    def rejected_for(self, raw_name: str) -> set[str]:
        return self._rejected.get(normalise(raw_name), set())


def load_decisions(store_or_con) -> Decisions:
    """Every decision recorded in a store."""
    con = getattr(store_or_con, "con", store_or_con)
    ensure_actor_tables(con)
    rows = con.execute(
        "SELECT decision_id, raw_name, action, actor_id, decided_by, decided_at, note FROM actor_decisions ORDER BY decision_id"
    ).fetchall()
    return Decisions([Decision(*row) for row in rows])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(name)).strip("-") or "actor"


def record_decision(
    store,
    raw_name: str,
    action: str,
    actor_id: str | None = None,
    *,
    decided_by: str | None = None,
    note: str | None = None,
    kind: str | None = None,
    country_iso3: str | None = None,
    name: str | None = None,
) -> Decision:
    """Record an analyst's decision in the store and re-resolve the events it affects.

    Parameters
    ----------
    raw_name:
        The name as the source wrote it.
    action:
        ``accept``, ``reject``, ``alias`` or ``new_actor``.
    actor_id:
        The actor accepted, rejected or given the alias (not for ``new_actor``).
    kind, country_iso3, name:
        For ``new_actor``: the new actor's kind, country and name (default: the raw name).

    >>> record_decision(store, "Katiba Serma", "new_actor", kind="jihadist", country_iso3="MLI")  # doctest: +SKIP
    """
    from bluehelmet.actors.wiring import reresolve_events

    raw_name = " ".join((raw_name or "").split())
    if not raw_name:
        raise InvalidRequestError("a decision needs the raw name it is about")
    if action not in DECISION_ACTIONS:
        raise InvalidRequestError(f"unknown decision {action!r}; the decisions are {', '.join(DECISION_ACTIONS)}")
    con = store.con
    registry = Registry.load(store)
    if action == "new_actor":
        if kind not in KINDS:
            raise InvalidRequestError(f"a new actor needs a kind, one of {', '.join(KINDS)} (got {kind!r})")
        base = f"local:{_slug(name or raw_name)}"
        actor_id, n = base, 1
        while actor_id in registry.actors:
            n += 1
            actor_id = f"{base}-{n}"
    elif not actor_id:
        raise InvalidRequestError(f"the decision {action!r} needs an actor id")
    else:
        registry.actor(actor_id)  # raises NotFoundError with a hint
    decided_at = datetime.now().replace(microsecond=0)
    with store.transaction():
        next_id = con.execute("SELECT coalesce(max(decision_id), 0) + 1 FROM actor_decisions").fetchall()[0][0]
        con.execute(
            "INSERT INTO actor_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
            [next_id, raw_name, action, actor_id, decided_by, decided_at, note],
        )
        if action == "new_actor":
            actor = Actor(actor_id, name or raw_name, kind, country_iso3, None, None, f"analyst decision {next_id}", note, "analyst")
            con.execute(
                "INSERT INTO actors (actor_id, name, kind, country_iso3, source, description, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [actor.actor_id, actor.name, actor.kind, actor.country_iso3, actor.source, actor.description, actor.origin],
            )
        if action in ("alias", "new_actor"):
            alias = Alias(actor_id, raw_name, None, None, "name", f"analyst decision {next_id}", None, None, "analyst")
            con.execute(
                "INSERT INTO actor_aliases (actor_id, alias, alias_type, source, origin) VALUES (?, ?, ?, ?, ?)",
                [alias.actor_id, alias.alias, alias.alias_type, alias.source, alias.origin],
            )
        reresolve_events(con)
    return Decision(next_id, raw_name, action, actor_id, decided_by, decided_at, note)

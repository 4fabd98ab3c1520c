"""Analysts' decisions about raw names: they persist in the store and win over automatic matches.

Four actions, each recorded with who decided and when:

- ``accept``: this raw name is this actor;
- ``reject``: this raw name is *not* this actor (the resolver will not pick it again);
- ``alias``: add the raw name to the actor's aliases (it then resolves everywhere);
- ``new_actor``: create a local actor (``local:<slug>``) named by the raw name.

After a decision, the events whose names it changes are re-resolved
(:func:`bluehelmet.actors.wiring.reresolve_events`). :func:`list_decisions` lists them, and
:func:`withdraw_decision` takes one back: its row stays, marked withdrawn, and it no longer counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from bluehelmet.actors.normalise import normalise
from bluehelmet.actors.registry import Actor, Alias, Registry
from bluehelmet.actors.schema import DECISION_ACTIONS, KINDS, ensure_actor_tables
from bluehelmet.errors import InvalidRequestError
from bluehelmet.store.schema import table_exists

_COLUMNS = "decision_id, raw_name, action, actor_id, decided_by, decided_at, note, withdrawn_at, withdrawn_by, withdrawal_note"


@dataclass
class Decision:
    decision_id: int
    raw_name: str
    action: str
    actor_id: str | None
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_note: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def describe(self) -> str:
        """``decision 3 ('Fano' alias ucdp:438)``, as messages name a decision."""
        target = f" {self.actor_id}" if self.actor_id else ""
        return f"decision {self.decision_id} ({self.raw_name!r} {self.action}{target})"


class Decisions:
    """The decisions of a store, indexed by normalised raw name; the latest decision wins.

    ``all`` holds every decision recorded, withdrawn ones included. A withdrawn decision does
    not count: the decisions are replayed in order without it, so the one it overrode on the
    same name (or, if none, the automatic match) applies again.
    """

    def __init__(self, decisions: list[Decision]) -> None:
        self.all = sorted(decisions, key=lambda d: d.decision_id)
        self._accepted: dict[str, Decision] = {}
        self._rejected: dict[str, set[str]] = {}
        for decision in self.all:
            if decision.withdrawn:
                continue
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
    rows = con.execute(f"SELECT {_COLUMNS} FROM actor_decisions ORDER BY decision_id").fetchall()
    return Decisions([Decision(*row) for row in rows])


def _source(decision_id: int) -> str:
    """The ``source`` of the actor and alias rows a decision adds: how a withdrawal finds them."""
    return f"analyst decision {decision_id}"


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
        # The id of an actor a withdrawn decision created is not reused: the record of that
        # decision keeps naming the actor it created, not a later one.
        taken = {row[0] for row in con.execute("SELECT actor_id FROM actor_decisions WHERE action = 'new_actor'").fetchall()}
        actor_id, n = base, 1
        while actor_id in registry.actors or actor_id in taken:
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
            "INSERT INTO actor_decisions (decision_id, raw_name, action, actor_id, decided_by, decided_at, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [next_id, raw_name, action, actor_id, decided_by, decided_at, note],
        )
        if action == "new_actor":
            actor = Actor(actor_id, name or raw_name, kind, country_iso3, None, None, _source(next_id), note, "analyst")
            con.execute(
                "INSERT INTO actors (actor_id, name, kind, country_iso3, source, description, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [actor.actor_id, actor.name, actor.kind, actor.country_iso3, actor.source, actor.description, actor.origin],
            )
        if action in ("alias", "new_actor"):
            alias = Alias(actor_id, raw_name, None, None, "name", _source(next_id), None, None, "analyst")
            con.execute(
                "INSERT INTO actor_aliases (actor_id, alias, alias_type, source, origin) VALUES (?, ?, ?, ?, ?)",
                [alias.actor_id, alias.alias, alias.alias_type, alias.source, alias.origin],
            )
        reresolve_events(con)
    return Decision(next_id, raw_name, action, actor_id, decided_by, decided_at, note)


# The columns of :func:`list_decisions`, in order.
LISTED = [
    "decision_id", "raw_name", "action", "actor_id", "actor_name", "decided_by", "decided_at", "note",
    "withdrawn_at", "withdrawn_by", "withdrawal_note",
]


def list_decisions(store, name: str | None = None) -> pd.DataFrame:
    """The decisions recorded in a store, newest first, withdrawn ones included.

    Columns: ``decision_id``, ``raw_name``, ``action``, ``actor_id``, ``actor_name`` (empty
    when the actor is no longer in the registry, as after the withdrawal of the decision that
    created it), ``decided_by``, ``decided_at``, ``note``, and ``withdrawn_at``,
    ``withdrawn_by``, ``withdrawal_note`` (empty while the decision stands).

    ``name`` keeps the decisions whose raw name contains it, ignoring case, accents and
    punctuation, as ``actors search`` does.

    >>> list_decisions(store, name="fano")[["decision_id", "action", "actor_id"]]   # doctest: +SKIP
    """
    con = store.con
    ensure_actor_tables(con)
    frame = con.execute(
        """SELECT d.decision_id, d.raw_name, d.action, d.actor_id, a.name AS actor_name, d.decided_by, d.decided_at,
          d.note, d.withdrawn_at, d.withdrawn_by, d.withdrawal_note
        FROM actor_decisions d LEFT JOIN actors a ON a.actor_id = d.actor_id
        ORDER BY d.decision_id DESC"""
    ).df()
    if name is not None:
        needle = normalise(name)
        if not needle:
            raise InvalidRequestError(f"nothing to look for in --name {name!r}: give part of a raw name")
        frame = frame[frame["raw_name"].map(lambda raw: needle in normalise(raw)).astype(bool)].reset_index(drop=True)
    return frame[LISTED]


@dataclass
class Withdrawal:
    """What :func:`withdraw_decision` did: the decision as now recorded, the analyst alias rows
    removed, the local actor removed (if the decision had created one) and the events rewritten."""

    decision: Decision
    aliases_removed: int
    actor_removed: str | None
    events_reresolved: int


def withdraw_decision(store, decision_id: int, *, withdrawn_by: str | None = None, note: str | None = None) -> Withdrawal:
    """Take back an analyst's decision, record who did it, when and why, and re-resolve the events.

    The decision's row stays, marked withdrawn, and no longer counts: a raw name falls back to
    the decision before it on the same name, or to the automatic match if there is none. An
    alias the decision added is removed from ``actor_aliases``; a local actor it created
    (``new_actor``) is removed with its aliases, unless another decision still standing, a
    lineage edge or an analyst's evidence entry names that actor (withdraw or remove those
    first). Everything happens in one transaction.

    Raises :class:`InvalidRequestError` for an id the store does not have, a decision already
    withdrawn, or a local actor still named elsewhere.

    >>> withdraw_decision(store, 3, withdrawn_by="j.doe", note="Fano is not FAN")   # doctest: +SKIP
    Withdrawal(decision=Decision(decision_id=3, ...), aliases_removed=1, actor_removed=None, events_reresolved=39)
    """
    from bluehelmet.actors.wiring import reresolve_events

    con = store.con
    ensure_actor_tables(con)
    withdrawn_at = datetime.now().replace(microsecond=0)
    with store.transaction():
        decision = _standing_decision(con, decision_id)
        actor_removed = None
        if decision.action == "new_actor":
            _refuse_if_named_elsewhere(con, decision)
            # A local actor's aliases all come from decisions: its own, and others' that were
            # withdrawn (their rows already gone) or that would have been refused just above.
            aliases = con.execute("DELETE FROM actor_aliases WHERE actor_id = ?", [decision.actor_id]).fetchall()[0][0]
            con.execute("DELETE FROM actors WHERE actor_id = ? AND origin = 'analyst'", [decision.actor_id])
            actor_removed = decision.actor_id
        else:
            aliases = con.execute(
                "DELETE FROM actor_aliases WHERE actor_id = ? AND source = ? AND origin = 'analyst'",
                [decision.actor_id, _source(decision.decision_id)],
            ).fetchall()[0][0]
        con.execute(
            "UPDATE actor_decisions SET withdrawn_at = ?, withdrawn_by = ?, withdrawal_note = ? WHERE decision_id = ?",
            [withdrawn_at, withdrawn_by, note, decision.decision_id],
        )
        events = reresolve_events(con)
    decision.withdrawn_at, decision.withdrawn_by, decision.withdrawal_note = withdrawn_at, withdrawn_by, note
    return Withdrawal(decision, int(aliases), actor_removed, events)


def _standing_decision(con, decision_id: int) -> Decision:
    """The decision ``decision_id``; an unknown or already withdrawn one is refused."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM actor_decisions WHERE decision_id = ?", [decision_id]).fetchall()
    if not rows:
        first, last = con.execute("SELECT min(decision_id), max(decision_id) FROM actor_decisions").fetchall()[0]
        known = (f"its decisions are numbered {first} to {last} (`bluehelmet actors decisions` lists them)"
                 if first is not None else "it has no decision yet")
        raise InvalidRequestError(f"no decision {decision_id} in this store: {known}")
    decision = Decision(*rows[0])
    if decision.withdrawn:
        raise InvalidRequestError(
            f"{decision.describe()} was already withdrawn on {decision.withdrawn_at:%Y-%m-%d %H:%M} by "
            f"{decision.withdrawn_by or 'an analyst'}; to decide about {decision.raw_name!r} again, "
            "record a new decision (`bluehelmet actors decide`)"
        )
    return decision


def _refuse_if_named_elsewhere(con, decision: Decision) -> None:
    """Refuse to remove the local actor a decision created while anything else names it.

    Removing it would leave those decisions, edges or evidence entries pointing at no actor.
    """
    actor_id = decision.actor_id
    holders = [
        Decision(*row).describe() for row in con.execute(
            f"SELECT {_COLUMNS} FROM actor_decisions WHERE actor_id = ? AND decision_id <> ? AND withdrawn_at IS NULL "
            "ORDER BY decision_id", [actor_id, decision.decision_id],
        ).fetchall()
    ]
    holders += [
        f"the lineage edge {from_id} {relation} {to_id or ''}".rstrip() for from_id, relation, to_id in con.execute(
            "SELECT from_id, relation, to_id FROM actor_lineage WHERE ? IN (from_id, to_id) ORDER BY ALL", [actor_id],
        ).fetchall()
    ]
    # Analysts' evidence (the anatomy layer's table, when the store has one) about the actor:
    # its profile would lose them. An entry counts while its latest version is not withdrawn.
    if table_exists(con, "actor_evidence"):
        holders += [
            f"evidence entry {evidence_id}" for (evidence_id,) in con.execute(
                """SELECT evidence_id FROM actor_evidence e WHERE actor_id = ? AND NOT withdrawn
                AND version = (SELECT max(version) FROM actor_evidence v WHERE v.evidence_id = e.evidence_id)
                ORDER BY evidence_id""", [actor_id],
            ).fetchall()
        ]
    if holders:
        named_by = holders[0] if len(holders) == 1 else f"{', '.join(holders[:-1])} and {holders[-1]}"
        raise InvalidRequestError(
            f"{decision.describe()} created the actor {actor_id}, which {named_by} still "
            f"{'names' if len(holders) == 1 else 'name'}: withdraw or remove {'it' if len(holders) == 1 else 'them'} first"
        )

"""Actors: the registry of armed actors, their lineage, and the resolver of raw names.

Armed groups in the Sahel change names, split, merge and join coalitions (MUJAO ->
al-Mourabitoun -> JNIM; ISGS -> IS Sahel; MNLA -> CMA -> CSP -> FLA). This package lets every
analysis see through names to the same actor, as of each event's date.

>>> import bluehelmet
>>> from bluehelmet.actors import resolve_actor, descendants
>>> resolve_actor("JNIM: Jama'at Nusrat al-Islam wal-Muslimin").actor_id   # doctest: +SKIP
'ucdp:6716'
"""

from bluehelmet.actors.bundle import registry_behind
from bluehelmet.actors.decisions import (
    Decision, Decisions, Withdrawal, list_decisions, load_decisions, record_decision, withdraw_decision,
)
from bluehelmet.actors.lineage import (
    ancestors, coalition_members, descendants, family, lineage_ids, name_on, predecessors, successors,
)
from bluehelmet.actors.refresh import RefreshReport, RegistryRefreshError, refresh_registry
from bluehelmet.actors.registry import Actor, Alias, Edge, Registry, RegistryFileError
from bluehelmet.actors.review import review_queue
from bluehelmet.actors.resolver import AUTO_ACCEPT, Candidate, Resolution, Resolver, resolve_actor, resolver_for
from bluehelmet.actors.schema import KINDS, RELATIONS, ensure_actor_tables
from bluehelmet.actors.wiring import actor_events, event_counts, reresolve_events, resolve_events

__all__ = [
    "AUTO_ACCEPT", "Actor", "Alias", "Candidate", "Decision", "Decisions", "Edge", "KINDS", "RELATIONS", "RefreshReport",
    "Registry", "RegistryFileError", "RegistryRefreshError", "Resolution", "Resolver", "Withdrawal", "actor_events",
    "ancestors", "coalition_members", "descendants", "ensure_actor_tables", "event_counts", "family", "lineage_ids",
    "list_decisions", "load_decisions", "name_on", "predecessors", "record_decision", "refresh_registry",
    "registry_behind", "reresolve_events", "resolve_actor", "resolve_events", "resolver_for", "review_queue", "successors",
    "withdraw_decision",
]

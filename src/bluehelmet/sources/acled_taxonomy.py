"""ACLED's event types, old and new, mapped to the store's common violence categories.

ACLED changed its taxonomy in 2019: the current one has six event types (Battles,
Explosions/Remote violence, Violence against civilians, Protests, Riots, Strategic
developments) with sub-event types; exports made before then use nine event types without
sub-types ("Battle-No change of territory", "Remote violence", "Riots/Protests"...). Both map
to :data:`~bluehelmet.store.schema.VIOLENCE_CATEGORIES` through one rule per event type:

- ``battle``: state_based when either side is state forces (inter code 1), else non_state;
- ``remote``: one_sided when the event targets civilians, else as ``battle``;
- ``riot_or_protest`` (old "Riots/Protests"): riot when either side is rioters (inter 5),
  else protest;
- the other rules name their category directly.

``docs/ingest-acled.md`` shows :data:`EVENT_TYPES` as a table; a test keeps the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AcledEventType:
    """One ACLED event type, the taxonomy it belongs to, and the rule giving its category."""

    name: str
    taxonomy: str  # "current" (2019-) or "pre-2019"
    rule: str  # battle | remote | one_sided | protest | riot | riot_or_protest | strategic_development
    explanation: str


EVENT_TYPES: tuple[AcledEventType, ...] = (
    AcledEventType("Battles", "current", "battle", "state_based if inter1 or inter2 is 1 (state forces), else non_state"),
    AcledEventType(
        "Explosions/Remote violence", "current", "remote",
        "one_sided if civilian_targeting is set, else state_based/non_state as for Battles",
    ),
    AcledEventType("Violence against civilians", "current", "one_sided", "one_sided (always targets civilians)"),
    AcledEventType("Protests", "current", "protest", "protest (excessive force against protesters included)"),
    AcledEventType("Riots", "current", "riot", "riot (violent demonstrations and mob violence)"),
    AcledEventType("Strategic developments", "current", "strategic_development", "strategic_development"),
    AcledEventType("Battle-No change of territory", "pre-2019", "battle", "as Battles"),
    AcledEventType("Battle-Government regains territory", "pre-2019", "battle", "as Battles"),
    AcledEventType("Battle-Non-state actor overtakes territory", "pre-2019", "battle", "as Battles"),
    AcledEventType(
        "Remote violence", "pre-2019", "remote",
        "as Explosions/Remote violence; without a civilian_targeting column, civilians as actor2 (inter2 = 7) mark targeting",
    ),
    AcledEventType("Violence against civilians", "pre-2019", "one_sided", "one_sided"),
    AcledEventType("Riots/Protests", "pre-2019", "riot_or_protest", "riot if inter1 or inter2 is 5 (rioters), else protest"),
    AcledEventType("Headquarters or base established", "pre-2019", "strategic_development", "strategic_development"),
    AcledEventType("Non-violent transfer of territory", "pre-2019", "strategic_development", "strategic_development"),
    AcledEventType("Strategic development", "pre-2019", "strategic_development", "strategic_development"),
)

# ACLED's actor types: numeric inter codes, and the names the 2024 exports write instead.
INTER_CODES: dict[str, int] = {
    "state forces": 1,
    "rebel group": 2,
    "rebel groups": 2,
    "political militia": 3,
    "political militias": 3,
    "identity militia": 4,
    "identity militias": 4,
    "rioters": 5,
    "protesters": 6,
    "civilians": 7,
    "external/other forces": 8,
    "external/other force": 8,
}


def event_type_key(name: str | None) -> str | None:
    """A spelling-tolerant key: case, spaces and spaces around '-' or '/' do not matter."""
    if name is None:
        return None
    text = " ".join(name.strip().lower().split())
    return re.sub(r"\s*([-/])\s*", r"\1", text) or None


def rules_by_key() -> dict[str, str]:
    """Event type key -> rule, for both taxonomies (shared names have the same rule)."""
    return {event_type_key(t.name): t.rule for t in EVENT_TYPES}


def category_sql(rule: str, inter1: str, inter2: str, civilian_targeting: str) -> str:
    """SQL for the violence category of an event, given SQL for its rule, inter codes and targeting."""
    armed = f"CASE WHEN {inter1} = 1 OR {inter2} = 1 THEN 'state_based' ELSE 'non_state' END"
    return (
        f"CASE {rule} "
        f"WHEN 'battle' THEN {armed} "
        f"WHEN 'remote' THEN CASE WHEN {civilian_targeting} THEN 'one_sided' ELSE {armed} END "
        f"WHEN 'riot_or_protest' THEN CASE WHEN {inter1} = 5 OR {inter2} = 5 THEN 'riot' ELSE 'protest' END "
        f"ELSE {rule} END"
    )

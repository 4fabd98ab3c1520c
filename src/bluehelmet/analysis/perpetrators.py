"""Who harmed civilians in an event: the perpetrator, its kind, and how the harm was attributed.

Rules (the same for every actor: state, partner, foreign and UN forces are perpetrators like any
other, "regardless of the perpetrators"):

- **One-sided violence** (UCDP type 3, ACLED violence against civilians) and **riots**: the
  perpetrator is side A (UCDP: side B is "Civilians"; ACLED: actor 1).
- **Battles** (state-based and non-state): civilians killed in cross-fire cannot be attributed
  to one side, so the harm goes to the **dyad** ``"A vs B"`` with kind ``"kindA vs kindB"`` and
  attribution ``dyad``.

Names and kinds come from the actor registry (tables ``actors`` and ``event_actors``) when it
exists and has resolved the event's side; otherwise from the raw side names the source wrote,
with kind ``unresolved``.
"""

from __future__ import annotations

ATTRIBUTED_TO_SIDE_A = ("one_sided", "riot")
UNRESOLVED = "unresolved"


def registry_available(con) -> bool:
    """Whether the actor registry's tables exist and hold at least one resolved event side."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"actors", "event_actors"} <= tables:
        return False
    return bool(con.execute("SELECT 1 FROM event_actors WHERE actor_id IS NOT NULL LIMIT 1").fetchall())


def resolved_sides_sql() -> str:
    """SQL of one row per (event, side) with the canonical name(s) and kind of that side.

    Several actors on one side (coalitions, joint operations) are joined with " + " in their
    position order, so an event is never counted twice; their kind is ``mixed`` when they differ.
    """
    return """
        SELECT ea.event_uid, ea.role,
               string_agg(a.name, ' + ' ORDER BY ea.position, a.name) AS name,
               CASE WHEN count(DISTINCT a.kind) = 1 THEN any_value(a.kind) ELSE 'mixed' END AS kind
        FROM event_actors ea JOIN actors a ON a.actor_id = ea.actor_id
        WHERE ea.role IN ('side_a', 'side_b') AND ea.actor_id IS NOT NULL
          AND lower(coalesce(ea.status, '')) NOT IN ('rejected', 'unresolved', 'review')
        GROUP BY ea.event_uid, ea.role
    """


def perpetrator_columns(use_registry: bool, alias: str = "e") -> tuple[str, str]:
    """(SELECT expressions, JOIN clause) giving ``perpetrator``, ``perpetrator_kind``, ``attribution``.

    ``alias`` is the events table's alias in the enclosing query.
    """
    if use_registry:
        joins = (
            f"LEFT JOIN ({resolved_sides_sql()}) ra ON ra.event_uid = {alias}.uid AND ra.role = 'side_a' "
            f"LEFT JOIN ({resolved_sides_sql()}) rb ON rb.event_uid = {alias}.uid AND rb.role = 'side_b'"
        )
        a_name, a_kind = f"coalesce(ra.name, {alias}.side_a, 'unknown')", f"coalesce(ra.kind, '{UNRESOLVED}')"
        b_name, b_kind = f"coalesce(rb.name, {alias}.side_b, 'unknown')", f"coalesce(rb.kind, '{UNRESOLVED}')"
    else:
        joins = ""
        a_name, a_kind = f"coalesce({alias}.side_a, 'unknown')", f"'{UNRESOLVED}'"
        b_name, b_kind = f"coalesce({alias}.side_b, 'unknown')", f"'{UNRESOLVED}'"
    side_a = "(" + ", ".join(f"'{c}'" for c in ATTRIBUTED_TO_SIDE_A) + ")"
    cat = f"{alias}.violence_category"
    select = (
        f"CASE WHEN {cat} IN {side_a} THEN {a_name} ELSE {a_name} || ' vs ' || {b_name} END AS perpetrator, "
        f"CASE WHEN {cat} IN {side_a} THEN {a_kind} ELSE {a_kind} || ' vs ' || {b_kind} END AS perpetrator_kind, "
        f"CASE WHEN {cat} IN {side_a} THEN 'side_a' ELSE 'dyad' END AS attribution"
    )
    return select, joins

"""Violence against civilians by given actors and their predecessors, from the event store.

An actor is the perpetrator of a one-sided event (UCDP type 3, ACLED "Violence against
civilians" and civilian-targeting remote violence) when it is on side A or associated with
side A of that event in ``event_actors``. Lineage-aware: an actor's predecessors count too
(FAMa's events are the Government of Mali's; JNIM's include Ansar Dine's).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from bluehelmet.errors import InvalidRequestError, NotFoundError
from bluehelmet.period_bounds import period_clauses
from bluehelmet.store.schema import table_exists

COLUMNS = [
    "uid", "source", "date_start", "country_iso3", "admin1_name", "admin2_name", "location_name",
    "side_a", "side_b", "deaths_best", "deaths_civilians", "sources", "perpetrator_id",
]


def resolve_actor_ids(store, names_or_ids: list[str]) -> list[str]:
    """Canonical ids for actor ids or names; :class:`NotFoundError` for any that is unknown.

    An id (``ucdp:72``) must be in the store's registry; a name (``FAMa``) must resolve
    without review. The message names every unknown actor and the candidates the resolver saw.
    """
    from bluehelmet.actors import Registry, resolve_actor

    registry = Registry.load(store)
    out, problems = [], []
    for raw in names_or_ids:
        text = (raw or "").strip()
        if not text:
            problems.append("an empty actor name")
            continue
        if text in registry.actors:
            out.append(text)
            continue
        result = resolve_actor(text, registry=store)
        if result.actor_id and result.status != "review":
            out.append(result.actor_id)
        else:
            seen = ", ".join(f"{c.actor_id} {c.name}" for c in result.candidates[:3]) or "no candidates"
            problems.append(f"{text!r} ({seen})")
    if problems:
        raise NotFoundError("unknown actor(s): " + "; ".join(problems) + " - use an id from `bluehelmet actors search`")
    return list(dict.fromkeys(out))


def violence_against_civilians(
    store, actor_ids: list[str], *, lineage: bool = True, country: str | None = None,
    start: str | date | None = None, end: str | date | None = None,
) -> pd.DataFrame:
    """One-sided events perpetrated by ``actor_ids`` (and, with ``lineage``, their predecessors).

    Returns one row per event (an event with two of the actors appears once) with the
    perpetrator's id, the death figures and the event's ``sources`` text.
    """
    from bluehelmet.actors import Registry, lineage_ids

    if not actor_ids:
        raise InvalidRequestError("give at least one actor")
    if not table_exists(store.con, "event_actors"):
        return pd.DataFrame(columns=COLUMNS)
    registry = Registry.load(store)
    perpetrator_of: dict[str, str] = {}
    for actor_id in actor_ids:
        registry.actor(actor_id)
        for member in (lineage_ids(actor_id, registry) if lineage else [actor_id]):
            perpetrator_of.setdefault(member, actor_id)
    ids = list(perpetrator_of)
    marks = ", ".join("?" for _ in ids)
    clauses, params = ["e.violence_category = 'one_sided'", "NOT coalesce(e.deleted, false)"], []
    if country:
        clauses.append("(upper(e.country_iso3) = upper(?) OR lower(e.country) = lower(?))")
        params += [country, country]
    period, days = period_clauses("e.date_start", start, end)
    clauses += period
    params += days
    frame = store.sql(
        f"""SELECT e.uid, e.source, e.date_start, e.country_iso3, e.admin1_name, e.admin2_name, e.location_name,
                   e.side_a, e.side_b, e.deaths_best, e.deaths_civilians, e.sources, min(ea.actor_id) AS actor_id
            FROM events e JOIN event_actors ea ON ea.event_uid = e.uid
            WHERE ea.actor_id IN ({marks}) AND ea.role IN ('side_a', 'assoc_a') AND {' AND '.join(clauses)}
            GROUP BY ALL ORDER BY e.date_start, e.uid""",
        ids + params,
    )
    frame["perpetrator_id"] = frame.pop("actor_id").map(perpetrator_of)
    return frame[COLUMNS]

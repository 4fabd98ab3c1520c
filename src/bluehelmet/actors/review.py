"""The review queue: the raw actor names of events that were not resolved automatically.

Each name comes with the number of events that carry it, its best candidates and the reason the
resolver gave, so that an analyst can decide it (:func:`bluehelmet.actors.record_decision`),
most frequent first: one decision settles every event with that name.
"""

from __future__ import annotations

import pandas as pd

from bluehelmet.actors.resolver import resolver_for
from bluehelmet.actors.schema import ensure_actor_tables

QUEUE_COLUMNS = ["raw_name", "events", "candidates", "reason"]


def review_queue(store, limit: int | None = 30) -> pd.DataFrame:
    """The names in review, most events first (then by name), at most ``limit`` (None: all).

    Columns: ``raw_name``, ``events`` (distinct events naming it), ``candidates`` (up to three
    dicts with ``actor_id``, ``name`` and ``score``, best first) and ``reason``.

    >>> review_queue(bluehelmet.open("demo/bluehelmet.duckdb"), limit=1)   # doctest: +SKIP
    """
    con = store.con
    ensure_actor_tables(con)
    rows = con.execute(
        "SELECT raw_name, count(DISTINCT event_uid) AS events FROM event_actors WHERE status = 'review' "
        "GROUP BY 1 ORDER BY 2 DESC, 1" + (" LIMIT ?" if limit is not None else ""),
        [limit] if limit is not None else [],
    ).fetchall()
    resolver = resolver_for(store)
    queue = []
    for raw_name, events in rows:
        found = resolver.resolve(raw_name)
        queue.append({"raw_name": raw_name, "events": events,
                      "candidates": [c.as_dict() for c in found.candidates[:3]], "reason": found.reason})
    return pd.DataFrame(queue, columns=QUEUE_COLUMNS)


def candidates_text(candidates: list[dict]) -> str:
    """Candidates as one line of text, for a terminal or a spreadsheet cell."""
    return "; ".join(f"{c['actor_id']} {c['name']} ({c['score']:.2f})" for c in candidates) or "no candidate"

"""Why a filter found no events: the one filter that matches nothing, and what the store holds instead.

An empty answer is ambiguous: there were no events, or the question was misspelt
(``--admin1 Tombouctou`` where the store says ``Timbuktu``, ``--source ged`` for ``ucdp-ged``,
a period before the data starts). Each filter is tried alone; the first that finds nothing
is named, with the store's own values closest to it.

>>> no_events_reason(store, EventFilter(country="MLI", admin1="Tombouktou"))  # doctest: +SKIP
"no event has admin1 'Tombouktou'; the closest in the store: 'Tombouctou'"
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING

from bluehelmet.store.store import EventFilter

if TYPE_CHECKING:
    from bluehelmet.store.store import Store

# The filters tried one at a time, each with the columns whose values are offered instead.
_SINGLE_FILTERS = {
    "country": ("country_iso3", "country"),
    "admin1": ("admin1_name", "admin1_pcode"),
    "admin2": ("admin2_name", "admin2_pcode"),
    "source": ("source",),
    "category": ("violence_category",),
    "actor": (),
    "actor_id": (),
}
_SHOWN = 8  # values listed when none is close


def no_events_reason(store: Store, chosen: EventFilter) -> str | None:
    """A sentence saying which filter of ``chosen`` matches no event of ``store``; None if each matches some.

    Only the fields a user sets are tried (place, period, actor, category, source); the
    question whether the combination is empty is the caller's, who has counted it.
    """
    unfiltered = EventFilter(include_deleted=chosen.include_deleted)
    if not store.count_events(unfiltered):
        return "the store holds no events: load some with `bluehelmet ingest FILE`"
    for name, columns in _SINGLE_FILTERS.items():
        value = getattr(chosen, name)
        if value and not store.count_events(replace(unfiltered, **{name: value})):
            return _none_with(store, name, value, columns)
    if (chosen.start or chosen.end) and not store.count_events(replace(unfiltered, start=chosen.start, end=chosen.end)):
        first, last = store.con.execute("SELECT min(date_start), max(date_start) FROM events").fetchall()[0]
        return f"no event falls in the period asked for; the store's events run from {first} to {last}"
    return None


def _none_with(store: Store, name: str, value, columns: tuple[str, ...]) -> str:
    """No event has ``value`` for the filter ``name``: say so, with the store's nearest values."""
    shown = value if isinstance(value, str) else ", ".join(value)
    if name == "actor":
        return f"no event has a side named like {shown!r}; `bluehelmet actors search {shown}` finds its other names"
    if name == "actor_id":
        return f"no event is resolved to the actor {shown!r}"
    # Most frequent first: the list stops after a few, and those should be the likely ones.
    values = {
        column: [text for (text,) in store.con.execute(
            f"SELECT CAST({column} AS VARCHAR) FROM events WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
        ).fetchall()]
        for column in columns
    }
    label = name.replace("category", "violence category")
    by_lower = {text.lower(): text for texts in values.values() for text in texts}
    asked = shown.lower()
    # A part of a value (``ged`` for ``ucdp-ged``), then a near spelling (``Tombouktou``).
    close = [text for text in by_lower if asked in text][:3] or difflib.get_close_matches(asked, list(by_lower), n=3, cutoff=0.6)
    if close:
        return f"no event has {label} {shown!r}; the closest in the store: " + ", ".join(repr(by_lower[c]) for c in close)
    # None is close: list the first column's values (country codes, admin names, sources).
    listed = values[columns[0]]
    more = f" and {len(listed) - _SHOWN:,} more" if len(listed) > _SHOWN else ""
    return f"no event has {label} {shown!r}; the store has " + ", ".join(listed[:_SHOWN]) + more + " (most events first)"

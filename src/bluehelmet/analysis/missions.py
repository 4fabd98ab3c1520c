"""Mission codes: tell a UN mission acronym from a typing error, and suggest the right one.

Every peacekeeping analysis takes a mission acronym (``MINUSMA``). A code is valid when the
store holds data for it (fatalities, Geo-PKO deployments or RADPKO bases) or when it is a UN
peace operation or office of :mod:`bluehelmet.sources.un_missions`. Matching ignores case and
returns the UN's own spelling.
"""

from __future__ import annotations

import difflib

from bluehelmet.errors import NotFoundError
from bluehelmet.sources.un_missions import KNOWN_MISSIONS

MISSION_TABLES = ("un_fatalities", "un_deployments", "un_bases")


def missions_in_store(store) -> list[str]:
    """The mission acronyms with data in the store's UN tables, sorted."""
    present = set(store.tables())
    parts = [f"SELECT DISTINCT mission FROM {t} WHERE mission IS NOT NULL" for t in MISSION_TABLES if t in present]
    if not parts:
        return []
    return [r[0] for r in store.con.execute(" UNION ".join(parts) + " ORDER BY 1").fetchall()]


def check_mission(store, code: str) -> str:
    """The UN spelling of mission ``code``; :class:`NotFoundError` with near matches if unknown.

    >>> check_mission(store, "minusma")      # doctest: +SKIP
    'MINUSMA'
    >>> check_mission(store, "MINUSNA")      # doctest: +SKIP
    NotFoundError: unknown mission 'MINUSNA'; did you mean MINUSMA, MINUSCA?
    """
    text = (code or "").strip()
    known = sorted(set(missions_in_store(store)) | KNOWN_MISSIONS)
    by_upper = {m.upper(): m for m in known}
    if text.upper() in by_upper:
        return by_upper[text.upper()]
    near = difflib.get_close_matches(text.upper(), list(by_upper), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_upper[n] for n in near)}?" if near else (
        "; missions with data in this store: " + (", ".join(missions_in_store(store)) or "none (ingest the UN files first)")
    )
    raise NotFoundError(f"unknown mission {text!r}{hint}")

"""What an analysis is about: an area (country, admin1, admin2 or PRIO-GRID cell) and a period.

Every threat analysis starts by resolving both, so bad input fails once, early, with a message
that says what exists: the countries that have events, the units of a country, the months a
country has events in.

>>> parse_period("2018-01", "2018-12")
Period(start=datetime.date(2018, 1, 1), end=datetime.date(2018, 12, 31))
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from bluehelmet.errors import InvalidRequestError, NotFoundError
from bluehelmet.geo import priogrid
from bluehelmet.period_bounds import parse_bound

LEVELS = ("country", "admin1", "admin2", "grid")


@dataclass(frozen=True)
class Period:
    """An inclusive range of days; a year or month given as a bound covers the whole of it."""

    start: date
    end: date

    def months(self) -> list[str]:
        """Every month of the period as ``YYYY-MM``, in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def parse_period(start: str | date, end: str | date) -> Period:
    """A :class:`Period` from two bounds (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); raises if reversed."""
    first = parse_bound(start, end=False, option="--from")
    last = parse_bound(end, end=True, option="--to")
    if first > last:
        raise InvalidRequestError(f"the period is in the wrong order: --from {start} is after --to {end}")
    return Period(first, last)


@dataclass(frozen=True)
class Area:
    """A place to analyse: a country, or one admin1/admin2 unit or PRIO-GRID cell inside it."""

    country: str  # ISO3
    level: str = "country"  # one of LEVELS
    code: str | None = None  # P-code or PRIO-GRID gid (as text); None for the country
    name: str | None = None

    def label(self) -> str:
        if self.level == "country":
            return self.name or self.country
        if self.level == "grid":
            return f"PRIO-GRID cell {self.code} ({self.country})"
        return f"{self.name} ({self.code}, {self.level}, {self.country})"

    def where(self) -> tuple[str, list]:
        """SQL condition on ``events`` selecting this area, and its parameters."""
        clauses, params = ["country_iso3 = ?"], [self.country]
        if self.level in ("admin1", "admin2"):
            clauses.append(f"{self.level}_pcode = ?")
            params.append(self.code)
        elif self.level == "grid":
            clauses.append("priogrid_gid = ?")
            params.append(int(self.code))
        return " AND ".join(clauses), params


def countries_with_events(con) -> list[tuple[str, int]]:
    """(ISO3, event count) of every country in the store, most events first."""
    return [
        (r[0], r[1])
        for r in con.execute(
            "SELECT country_iso3, count(*) FROM events WHERE country_iso3 IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    ]


def countries_with_boundaries(con) -> list[str]:
    """ISO3 of every country whose administrative units are loaded."""
    return [r[0] for r in con.execute("SELECT DISTINCT country_iso3 FROM admin_units ORDER BY 1").fetchall()]


def require_boundaries(con, country: str, level: str) -> None:
    """Raise :class:`NotFoundError` unless units of ``level`` are loaded for ``country``."""
    number = int(level[-1])
    have = con.execute(
        "SELECT count(*) FROM admin_units WHERE country_iso3 = ? AND level = ?", [country, number]
    ).fetchall()[0][0]
    if have:
        return
    loaded = countries_with_boundaries(con)
    raise NotFoundError(
        f"no {level} boundaries are loaded for {country}, so events cannot be grouped by {level}; "
        f"load them with `bluehelmet ingest <{country.lower()}_adm{number}.geojson>` "
        f"(countries with boundaries: {', '.join(loaded) or 'none'}); --by grid needs no boundaries"
    )


def resolve_country(con, country: str) -> str:
    """The ISO3 code of ``country`` (a code or a name) if the store has events there.

    The analyses cover one country at a time: a comma list (``MLI,BFA``), which ``events``
    accepts, is refused naming each country it holds, and a misspelt name is answered with the
    closest names of countries that have events.
    """
    from bluehelmet.geo.countries import country_name, nearest_countries

    text = (country or "").strip()
    iso3 = _iso3(text)
    if con.execute("SELECT 1 FROM events WHERE country_iso3 = ? LIMIT 1", [iso3]).fetchall():
        return iso3
    known = countries_with_events(con)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    # "Korea, Republic of" is one name with a comma of its own; "MLI,BFA" is a list.
    if len(parts) > 1 and iso3 == text.upper():
        raise InvalidRequestError(
            f"the threat analyses cover one country at a time, and --country {country!r} names {len(parts)} "
            f"({', '.join(_iso3(part) for part in parts)}): run the command once for each"
        )
    # A real country without events needs no spelling advice: only an unknown name gets it.
    close = [] if country_name(iso3) else nearest_countries(text, among=[c for c, _ in known])
    shown = ", ".join(sorted(c for c, _ in known))
    raise NotFoundError(
        f"no events for country {country!r} in the store; "
        + (f"the closest with events: {', '.join(close)}; " if close else "")
        + f"the {len(known)} countries with events are: {shown or 'none: ingest events first'}"
    )


def _iso3(text: str) -> str:
    """``text`` as an ISO3 code: itself when three letters, else the code of its name, else upper-cased."""
    from bluehelmet.geo.countries import iso3_from_name

    return text.upper() if len(text) == 3 else (iso3_from_name(text) or text.upper())


def resolve_area(con, country: str, area: str | None = None) -> Area:
    """An :class:`Area` from a country and an optional unit: P-code, unit name, or ``grid:GID``.

    >>> resolve_area(store.con, "MLI", "ML07")          # doctest: +SKIP
    Area(country='MLI', level='admin1', code='ML07', name='Gao')
    """
    from bluehelmet.geo.countries import country_name, name_key_sql

    iso3 = resolve_country(con, country)
    if not area:
        return Area(iso3, "country", None, country_name(iso3) or iso3)
    text = str(area).strip()
    if text.lower().startswith("grid:") or text.isdigit():
        gid_text = text.split(":", 1)[-1].strip()
        if not gid_text.isdigit() or not 1 <= int(gid_text) <= priogrid.COLUMNS * priogrid.ROWS:
            raise InvalidRequestError(f"{text!r} is not a PRIO-GRID cell: use grid:GID with GID from 1 to 259200")
        return Area(iso3, "grid", gid_text, f"cell {gid_text}")
    # Names match whatever their accents, case, hyphens and spaces: COD-AB writes "Segou" and
    # "Tin-Essako" where a French text writes "Ségou" and "Tin Essako". A name that is both a
    # region and a cercle (Mopti, Gao) is the region; the cercle has its own P-code.
    rows = con.execute(
        "SELECT pcode, level, name FROM admin_units WHERE country_iso3 = ? AND level IN (1, 2) "
        f"AND (upper(pcode) = upper(?) OR {name_key_sql('name')} = {name_key_sql('?')}) ORDER BY level, pcode",
        [iso3, text, text],
    ).fetchall()
    if rows:
        pcode, level, name = rows[0]
        return Area(iso3, f"admin{level}", pcode, name)
    units = con.execute(
        "SELECT pcode, name FROM admin_units WHERE country_iso3 = ? AND level = 1 ORDER BY pcode", [iso3]
    ).fetchall()
    if not units:
        raise NotFoundError(
            f"no boundaries are loaded for {iso3}, so area {text!r} cannot be found; load the country's "
            f"admin boundaries first (countries with boundaries: {', '.join(countries_with_boundaries(con)) or 'none'}), "
            "or give a PRIO-GRID cell as grid:GID"
        )
    shown = ", ".join(f"{p} {n}" for p, n in units)
    close = _closest_units(con, iso3, text)
    raise NotFoundError(
        f"no admin1 or admin2 unit {text!r} in {iso3}; "
        + (f"the closest: {', '.join(close)}; " if close else "")
        + f"its admin1 units are: {shown} (admin2 units: `bluehelmet threats --country {iso3} --by admin2`)"
    )


def _closest_units(con, iso3: str, text: str) -> list[str]:
    """'Tombouctou (ML06, admin1)' for the units of ``iso3`` whose name is spelt nearly like ``text``."""
    from bluehelmet.geo.countries import name_key_sql

    units = con.execute(
        f"SELECT {name_key_sql('name')}, name, pcode, level FROM admin_units "
        "WHERE country_iso3 = ? AND level IN (1, 2) AND name IS NOT NULL ORDER BY level, pcode",
        [iso3],
    ).fetchall()
    asked = con.execute(f"SELECT {name_key_sql('?')}", [text]).fetchall()[0][0]
    by_key: dict[str, list[str]] = {}
    for key, name, pcode, level in units:
        by_key.setdefault(key, []).append(f"{name} ({pcode}, admin{level})")
    close = difflib.get_close_matches(asked, list(by_key), n=3, cutoff=0.7)
    return [unit for key in close for unit in by_key[key]]


def event_months(con, area: Area) -> tuple[str | None, str | None, int]:
    """First and last month with events in ``area``, and the number of events."""
    where, params = area.where()
    first, last, n = con.execute(
        f"SELECT strftime(min(date_start), '%Y-%m'), strftime(max(date_start), '%Y-%m'), count(*) FROM events "
        f"WHERE {where} AND NOT coalesce(deleted, false)",
        params,
    ).fetchall()[0]
    return first, last, n


def require_events(con, area: Area, period: Period, extra_where: str = "true", extra_params: list | None = None) -> int:
    """The number of events in ``area`` and ``period``; raises a clear error when there are none."""
    where, params = area.where()
    n = con.execute(
        f"SELECT count(*) FROM events WHERE {where} AND date_start BETWEEN ? AND ? AND NOT coalesce(deleted, false) AND ({extra_where})",
        params + [period.start, period.end] + (extra_params or []),
    ).fetchall()[0][0]
    if n:
        return n
    first, last, total = event_months(con, area)
    raise NotFoundError(
        f"no events in {area.label()} from {period.label()}; "
        + (f"it has {total:,} event(s) from {first} to {last}" if total else "it has no events at all")
    )

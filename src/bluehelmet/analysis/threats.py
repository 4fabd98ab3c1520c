"""The threat matrix: civilian harm in an area and period, by place, perpetrator, violence and month.

One row per combination of the requested dimensions (``admin1``, ``admin2``, ``grid``,
``actor``, ``kind``, ``category``, ``month``) with:

- ``events``: events of political violence against or around civilians (violence categories
  :data:`HARM_CATEGORIES`);
- ``civilian_deaths_best`` / ``_low`` / ``_high``: one-sided violence counts all its deaths as
  civilian (UCDP: "deaths of civilians" is the whole toll of one-sided violence; ACLED: the
  fatalities of violence against civilians) with the source's low and high estimates; in battles
  only ``deaths_civilians`` counts, with low = high = best because no source gives an interval
  for that part;
- ``one_sided_events`` and ``one_sided_share`` (of the row's events);
- ``abductions`` and ``sexual_violence``: events whose sub-type says so (ACLED
  "Abduction/forced disappearance", "Sexual violence"); empty (NULL) where no event of the row
  comes from a source that codes sub-types, because UCDP does not record them;
- ``event_ids``: the ``uid`` of every event counted, so every number can be traced.

Events outside every loaded unit are counted in an ``unassigned`` row, never dropped.

>>> matrix = threat_matrix(store, "MLI", "2018-01", "2018-12", by=["admin1", "kind"])  # doctest: +SKIP
>>> matrix.frame[["admin1_name", "perpetrator_kind", "events", "civilian_deaths_best"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from bluehelmet.analysis.perpetrators import perpetrator_columns, registry_available
from bluehelmet.analysis.scope import Area, Period, parse_period, require_boundaries, require_events, resolve_area
from bluehelmet.errors import InvalidRequestError, NotFoundError

HARM_CATEGORIES = ("state_based", "non_state", "one_sided", "riot")
UNASSIGNED = "unassigned"

# Dimension -> the columns of the harm events that identify it.
DIMENSIONS: dict[str, list[str]] = {
    "admin1": ["admin1_code", "admin1_name"],
    "admin2": ["admin2_code", "admin2_name", "admin2_admin1_name"],
    "grid": ["priogrid_gid"],
    "actor": ["perpetrator", "perpetrator_kind"],
    "kind": ["perpetrator_kind"],
    "category": ["violence_category"],
    "month": ["month"],
}
AREA_DIMENSIONS = ("admin1", "admin2", "grid")

METRICS = [
    "events", "civilian_deaths_best", "civilian_deaths_low", "civilian_deaths_high",
    "one_sided_events", "one_sided_share", "abductions", "sexual_violence",
]


def harm_events_sql(
    con, area: Area, period: Period, categories: Sequence[str] = HARM_CATEGORIES, *, use_registry: bool | None = None
) -> tuple[str, list]:
    """SQL (and parameters) of the events of civilian harm in ``area`` and ``period``, one row each.

    The columns are those documented in the module docstring, per event, plus coordinates,
    the raw sides and the attribution. Every analysis of threats reads events through this
    query, so they all count the same way.
    """
    if use_registry is None:
        use_registry = registry_available(con)
    perp_select, perp_join = perpetrator_columns(use_registry, "e")
    where, params = area.where()
    where = " AND ".join(f"e.{c.strip()}" for c in where.split(" AND "))
    placeholders = ", ".join("?" for _ in categories)
    sql = f"""
        SELECT e.uid, e.source, e.release, e.date_start, strftime(e.date_start, '%Y-%m') AS month,
               e.violence_category, e.native_subtype, e.latitude, e.longitude, e.location_name,
               e.side_a, e.side_b,
               coalesce(e.admin1_pcode, '{UNASSIGNED}') AS admin1_code,
               coalesce(e.admin1_name, '{UNASSIGNED}') AS admin1_name,
               coalesce(e.admin2_pcode, '{UNASSIGNED}') AS admin2_code,
               coalesce(e.admin2_name, '{UNASSIGNED}') AS admin2_name,
               coalesce(e.admin1_name, '{UNASSIGNED}') AS admin2_admin1_name,
               coalesce(CAST(e.priogrid_gid AS VARCHAR), '{UNASSIGNED}') AS priogrid_gid,
               {perp_select},
               coalesce(e.deaths_best, 0) AS deaths_best,
               CASE WHEN e.violence_category = 'one_sided' THEN coalesce(e.deaths_best, e.deaths_civilians, 0)
                    ELSE coalesce(e.deaths_civilians, 0) END AS civilian_deaths_best,
               CASE WHEN e.violence_category = 'one_sided' THEN coalesce(e.deaths_low, e.deaths_best, e.deaths_civilians, 0)
                    ELSE coalesce(e.deaths_civilians, 0) END AS civilian_deaths_low,
               CASE WHEN e.violence_category = 'one_sided' THEN coalesce(e.deaths_high, e.deaths_best, e.deaths_civilians, 0)
                    ELSE coalesce(e.deaths_civilians, 0) END AS civilian_deaths_high,
               CASE WHEN e.native_subtype IS NOT NULL THEN lower(e.native_subtype) LIKE '%abduction%' END AS abduction,
               CASE WHEN e.native_subtype IS NOT NULL THEN lower(e.native_subtype) LIKE '%sexual violence%' END AS sexual_violence
        FROM events e {perp_join}
        WHERE {where} AND e.date_start BETWEEN ? AND ? AND NOT coalesce(e.deleted, false)
          AND e.violence_category IN ({placeholders})
    """
    return sql, params + [period.start, period.end, *categories]


def harm_events(con, area: Area, period: Period, categories: Sequence[str] = HARM_CATEGORIES) -> pd.DataFrame:
    """The events of civilian harm in ``area`` and ``period`` as a DataFrame (see :func:`harm_events_sql`)."""
    sql, params = harm_events_sql(con, area, period, categories)
    return con.execute(sql + " ORDER BY e.date_start, e.uid", params).df()


@dataclass
class ThreatMatrix:
    """The result of :func:`threat_matrix`: the frame plus what it is about and where it came from."""

    area: Area
    period: Period
    by: list[str]
    frame: pd.DataFrame
    registry_used: bool
    _con: object = field(default=None, repr=False)
    _harm: tuple[str, list] | None = field(default=None, repr=False)

    @property
    def sources(self) -> pd.DataFrame:
        """Events counted by source and release (computed when asked, for the citations)."""
        sql, params = self._harm
        return self._con.execute(
            f"SELECT source, release, count(*) AS events FROM ({sql}) h GROUP BY 1, 2 ORDER BY 1, 2", params
        ).df()

    def totals(self) -> dict[str, float]:
        """Totals over every row (events, civilian deaths, abductions...)."""
        out = {m: float(self.frame[m].sum()) for m in METRICS if m != "one_sided_share" and m in self.frame}
        out["one_sided_share"] = out["one_sided_events"] / out["events"] if out.get("events") else 0.0
        return out

    def event_ids(self) -> list[str]:
        """Every event id counted in the matrix."""
        return sorted({uid for ids in self.frame["event_ids"] for uid in ids})


def _validate_by(by: Sequence[str]) -> list[str]:
    by = [b.strip().lower() for b in by]
    unknown = [b for b in by if b not in DIMENSIONS]
    if unknown:
        raise InvalidRequestError(f"unknown --by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}")
    if sum(b in AREA_DIMENSIONS for b in by) > 1:
        raise InvalidRequestError("give at most one of admin1, admin2, grid in --by")
    return list(dict.fromkeys(by))


def threat_matrix(
    store,
    country: str,
    start: str,
    end: str,
    *,
    area: str | None = None,
    by: Sequence[str] = ("admin1",),
    categories: Sequence[str] = HARM_CATEGORIES,
    with_event_ids: bool = True,
) -> ThreatMatrix:
    """Civilian harm in an area and period, grouped by ``by``.

    Parameters
    ----------
    store:
        An open store.
    country:
        ISO3 code or name of a country with events in the store.
    start, end:
        The period, ``YYYY-MM`` (whole months) or ``YYYY-MM-DD``, inclusive.
    area:
        Optional admin1/admin2 P-code or name, or ``grid:GID``, inside the country.
    by:
        Dimensions, any of ``admin1``, ``admin2``, ``grid``, ``actor``, ``kind``, ``category``,
        ``month`` (at most one area dimension).
    with_event_ids:
        Keep the list of event ids of each row (``event_ids``).

    Raises
    ------
    NotFoundError
        Unknown country or area, no boundaries for an admin dimension, or no events in the period.
    InvalidRequestError
        A bad period or dimension.
    """
    con = store.con
    by = _validate_by(by)
    period = parse_period(start, end)
    place = resolve_area(con, country, area)
    for level in ("admin1", "admin2"):
        if level in by:
            require_boundaries(con, place.country, level)
    use_registry = registry_available(con)
    sql, params = harm_events_sql(con, place, period, categories, use_registry=use_registry)
    frame = aggregate(con, sql, params, by, with_event_ids=with_event_ids)
    if frame.empty:
        require_events(con, place, period)  # raises, saying which months have events
        raise NotFoundError(f"no events of {', '.join(categories)} in {place.label()} from {period.label()}")
    return ThreatMatrix(place, period, by, frame, use_registry, con, (sql, params))


def aggregate(con, harm_sql: str, params: list, by: Sequence[str], *, with_event_ids: bool = True) -> pd.DataFrame:
    """Group the harm events of ``harm_sql`` by the dimensions ``by`` (see :data:`DIMENSIONS`)."""
    columns = list(dict.fromkeys(c for b in by for c in DIMENSIONS[b]))
    keys = ", ".join(columns)
    ids = ", list(uid ORDER BY uid) AS event_ids" if with_event_ids else ""
    if "month" in columns:
        order = ", ".join([c for c in columns if c != "month"] + ["month"])
    else:
        order = ", ".join(["civilian_deaths_best DESC", "events DESC"] + columns)
    select = f"{keys}, " if keys else ""
    group = f"GROUP BY {keys}" if keys else ""
    sql = f"""
        SELECT {select}
               count(*) AS events,
               sum(civilian_deaths_best)::BIGINT AS civilian_deaths_best,
               sum(civilian_deaths_low)::BIGINT AS civilian_deaths_low,
               sum(civilian_deaths_high)::BIGINT AS civilian_deaths_high,
               count_if(violence_category = 'one_sided')::BIGINT AS one_sided_events,
               round(count_if(violence_category = 'one_sided') / count(*), 4) AS one_sided_share,
               CASE WHEN count(native_subtype) > 0 THEN count_if(abduction)::BIGINT END AS abductions,
               CASE WHEN count(native_subtype) > 0 THEN count_if(sexual_violence)::BIGINT END AS sexual_violence
               {ids}
        FROM ({harm_sql}) h
        {group}
        ORDER BY {order}
    """
    frame = con.execute(sql, params).df()
    renames = {"admin2_admin1_name": "admin1_name"} if "admin1_name" not in columns else {}
    return frame.rename(columns=renames)


def with_geometry(con, matrix: ThreatMatrix):
    """The matrix as a GeoDataFrame with the unit's polygon or the PRIO-GRID cell's square.

    Needs an area dimension in ``matrix.by``; the ``unassigned`` row keeps an empty geometry.
    """
    import geopandas as gpd
    import shapely

    from bluehelmet.geo import priogrid

    area_dims = [b for b in matrix.by if b in AREA_DIMENSIONS]
    if not area_dims:
        raise InvalidRequestError("a map (geojson) needs an area dimension: add --by admin1, admin2 or grid")
    frame = matrix.frame.copy()
    level = area_dims[0]
    if level == "grid":
        gids = pd.to_numeric(frame["priogrid_gid"], errors="coerce")
        geoms = [None if pd.isna(g) else shapely.box(*priogrid.bounds(int(g))) for g in gids]
    else:
        code_col = f"{level}_code"
        rows = con.execute(
            "SELECT pcode, geometry FROM admin_units WHERE country_iso3 = ? AND level = ?",
            [matrix.area.country, int(level[-1])],
        ).fetchall()
        shapes = {p: shapely.from_wkb(bytes(g)) for p, g in rows}
        geoms = [shapes.get(code) for code in frame[code_col]]
    if "event_ids" in frame:
        frame["event_ids"] = frame["event_ids"].map(lambda ids: ";".join(ids))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")

"""Where the UN is: peacekeeping positions by month or year, from Geo-PKO and RADPKO.

A *position* is a place with UN personnel at a time: a Geo-PKO deployment location (by month,
or by year for the aggregated release) or a RADPKO base (by year). Analyses ask which
positions were active at an event's date and how far the nearest was
(:func:`nearest_positions`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluehelmet.geo.distance import nearest
from bluehelmet.store.schema import table_has_rows

POSITION_COLUMNS = ["source", "mission", "name", "latitude", "longitude", "year", "month", "troops"]


def un_positions(con, country: str | None = None, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """UN positions with coordinates: Geo-PKO deployments and RADPKO bases.

    ``country`` is an ISO3 code; ``years`` an inclusive (first, last) range. ``month`` is empty
    for yearly rows. Returns the columns of :data:`POSITION_COLUMNS`.
    """
    parts, params = [], []
    for table, source, name, month in (
        ("un_deployments", "coalesce(source, 'geo-pko')", "location", "month"),
        ("un_bases", "'radpko'", "base", "NULL::INTEGER"),
    ):
        if not table_has_rows(con, table):
            continue
        clauses = ["latitude IS NOT NULL", "longitude IS NOT NULL"]
        if country:
            clauses.append("upper(country_iso3) = upper(?)")
            params.append(country)
        if years:
            clauses.append("year BETWEEN ? AND ?")
            params += [int(years[0]), int(years[1])]
        parts.append(
            f"SELECT {source} AS source, mission, {name} AS name, latitude, longitude, year, {month} AS month, "
            f"troops FROM {table} WHERE {' AND '.join(clauses)}"
        )
    if not parts:
        return pd.DataFrame(columns=POSITION_COLUMNS)
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY year, month NULLS FIRST, name", params).df()


def nearest_positions(events: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """For each event (``date_start``, ``latitude``, ``longitude``), the nearest UN position active then.

    A monthly position is active in its month; a yearly one in its year. Returns the events'
    index with ``un_position``, ``un_mission``, ``un_source`` and ``un_distance_km`` (infinite
    when no position was active).
    """
    out = pd.DataFrame(index=events.index, data={
        "un_position": None, "un_mission": None, "un_source": None, "un_distance_km": np.inf,
    })
    if events.empty or positions.empty:
        return out
    dates = pd.to_datetime(events["date_start"])
    keys = pd.DataFrame({"year": dates.dt.year, "month": dates.dt.month}, index=events.index)
    for (year, month), group in keys.groupby(["year", "month"]):
        active = positions[(positions["year"] == year) & (positions["month"].isna() | (positions["month"] == month))]
        if active.empty:
            continue
        ev = events.loc[group.index]
        idx, km = nearest(ev["latitude"], ev["longitude"], active["latitude"], active["longitude"])
        chosen = active.iloc[idx]
        out.loc[group.index, "un_position"] = chosen["name"].to_numpy()
        out.loc[group.index, "un_mission"] = chosen["mission"].to_numpy()
        out.loc[group.index, "un_source"] = chosen["source"].to_numpy()
        out.loc[group.index, "un_distance_km"] = km
    return out

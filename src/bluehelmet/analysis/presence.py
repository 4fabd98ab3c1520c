"""Protection by presence: where UN positions were, and how far each event was from one.

Positions come from three sources, each at its own resolution:

- Geo-PKO v1 (``un_deployments``, source ``geopko-v1``): a mission's locations on one of its
  deployment maps, coded for some months only (MINUSMA: 4-5 maps a year, 2014-2018). A map is
  taken to hold until the mission's next map, for at most ``max_map_age`` months.
- Geo-PKO v2.3 (``geopko-v2.3``): the locations of a mission in a year (1994-2024).
- RADPKO (``un_bases``): the bases of a mission in a year (1999-2019).

For each mission and month the most precise source that covers it is used: a current
Geo-PKO v1 map, else the year's Geo-PKO v2.3 locations, else the year's RADPKO bases. An
event's distance is the great-circle (haversine) distance to the nearest position of any
mission in the event's month; an event in a month no source covers gets no distance and
``position_source`` ``none``.

>>> frame = event_distances(store, store.events(country="MLI"))        # doctest: +SKIP
>>> presence_summary(frame, by=["admin1_name", "year"])                # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from bluehelmet.analysis.missions import check_mission
from bluehelmet.analysis.threats import UNASSIGNED
from bluehelmet.errors import InvalidRequestError
from bluehelmet.geo.distance import EARTH_RADIUS_KM, haversine_km  # noqa: F401  (haversine_km is part of this module's API)

RADII_KM = (10, 25, 50)
SOURCE_PRIORITY = ("geopko-v1", "geopko-v2.3", "radpko")


def all_positions(store, mission: str | None = None, country: str | None = None) -> pd.DataFrame:
    """Every UN position with coordinates from the three sources, one row per location and period.

    Columns: ``source``, ``mission``, ``year``, ``month`` (NULL for yearly sources),
    ``location``, ``latitude``, ``longitude``, ``troops``. ``mission`` (a name or code) and
    ``country`` (ISO3) narrow them.
    """
    code = check_mission(store, mission) if mission else None
    tables = set(store.tables())
    where, params = "", []
    if code:
        where += " AND mission = ?"
        params.append(code)
    if country:
        where += " AND upper(country_iso3) = upper(?)"
        params.append(country)
    parts = []
    if "un_deployments" in tables:
        parts.append(store.sql(
            "SELECT source, mission, CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month, location, "
            "latitude, longitude, troops FROM un_deployments WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
            + where, params))
    if "un_bases" in tables:
        parts.append(store.sql(
            "SELECT 'radpko' AS source, mission, CAST(year AS INTEGER) AS year, NULL::INTEGER AS month, "
            "base AS location, latitude, longitude, troops FROM un_bases "
            "WHERE latitude IS NOT NULL AND longitude IS NOT NULL" + where, params))
    columns = ["source", "mission", "year", "month", "location", "latitude", "longitude", "troops"]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def positions_in_period(store, country: str, start: date, end: date, max_map_age: int = 6) -> pd.DataFrame:
    """The UN positions in a country in force in any month from ``start`` to ``end``, each once.

    Per mission and month the most precise source is taken (see :func:`positions_for_months`),
    so a camp that Geo-PKO and RADPKO both record is not counted twice in one month. Columns:
    ``source``, ``mission``, ``location``, ``latitude``, ``longitude``.
    """
    months = np.arange(start.year * 12 + start.month - 1, end.year * 12 + end.month)
    in_force = positions_for_months(all_positions(store, country=country), months, max_map_age)
    columns = ["source", "mission", "location", "latitude", "longitude"]
    return in_force[columns].drop_duplicates(["mission", "location", "latitude", "longitude"]).reset_index(drop=True)


def positions_by_month(store, mission: str) -> pd.DataFrame:
    """Geo-PKO v1: the mission's positions and troops on each month's deployment map."""
    code = check_mission(store, mission)
    return store.sql(
        """SELECT printf('%04d-%02d', year, month) AS month, count(*) AS positions,
                  sum(troops) AS troops, count(*) FILTER (WHERE troops IS NULL) AS positions_without_troops
           FROM un_deployments WHERE mission = ? AND source = 'geopko-v1' GROUP BY 1 ORDER BY 1""",
        [code],
    )


def bases_by_year(store, mission: str) -> pd.DataFrame:
    """RADPKO: the mission's bases per year with troops, police and observers (yearly means)."""
    code = check_mission(store, mission)
    return store.sql(
        """SELECT CAST(year AS INTEGER) AS year, count(*) AS bases, round(sum(troops)) AS troops,
                  round(sum(police)) AS police, round(sum(observers)) AS observers
           FROM un_bases WHERE mission = ? GROUP BY 1 ORDER BY 1""",
        [code],
    )


def _month_index(year, month) -> np.ndarray:
    return np.asarray(year, dtype="int64") * 12 + np.asarray(month, dtype="int64") - 1


def positions_for_months(positions: pd.DataFrame, months: np.ndarray, max_map_age: int = 6) -> pd.DataFrame:
    """The positions in force in each month (month index = year * 12 + month - 1).

    Per mission and month: the latest Geo-PKO v1 map at most ``max_map_age`` months old and not
    superseded, else the year's Geo-PKO v2.3 locations, else the year's RADPKO bases.
    Returns the chosen positions with a ``month_index`` column.
    """
    months = np.unique(np.asarray(months, dtype="int64"))
    if not len(positions) or not len(months):
        return positions.assign(month_index=pd.Series(dtype="int64")).iloc[0:0]
    missions = positions["mission"].unique()
    grid = pd.DataFrame({
        "mission": np.repeat(missions, len(months)), "month_index": np.tile(months, len(missions)),
    })
    grid["year"] = grid["month_index"] // 12
    maps = positions[positions["source"] == "geopko-v1"]
    if len(maps):
        map_months = maps.assign(map_index=_month_index(maps["year"], maps["month"]))[["mission", "map_index"]]
        map_months = map_months.drop_duplicates().sort_values("map_index")
        grid = grid.sort_values("month_index")
        grid = pd.merge_asof(grid, map_months, left_on="month_index", right_on="map_index", by="mission",
                             direction="backward", tolerance=max_map_age)
    else:
        grid["map_index"] = np.nan
    yearly = positions[positions["source"] != "geopko-v1"][["mission", "source", "year"]].drop_duplicates()
    has = {s: set(map(tuple, yearly.loc[yearly["source"] == s, ["mission", "year"]].to_numpy())) for s in SOURCE_PRIORITY[1:]}
    keys = list(zip(grid["mission"], grid["year"]))
    grid["source"] = np.where(
        grid["map_index"].notna(), "geopko-v1",
        np.where([k in has["geopko-v2.3"] for k in keys], "geopko-v2.3",
                 np.where([k in has["radpko"] for k in keys], "radpko", "none")),
    )
    grid = grid[grid["source"] != "none"]
    pos = positions.assign(
        map_index=np.where(positions["source"] == "geopko-v1",
                           _month_index(positions["year"], positions["month"].fillna(1)), -1)
    )
    v1 = grid[grid["source"] == "geopko-v1"].merge(
        pos[pos["source"] == "geopko-v1"].drop(columns=["year"]), on=["mission", "map_index", "source"])
    other = grid[grid["source"] != "geopko-v1"].drop(columns=["map_index"]).merge(
        pos[pos["source"] != "geopko-v1"].drop(columns=["map_index"]), on=["mission", "year", "source"])
    out = pd.concat([v1, other], ignore_index=True)
    out["year"] = out["month_index"] // 12
    return out[["month_index", "mission", "source", "location", "latitude", "longitude", "troops"]]


def event_distances(store, events: pd.DataFrame, *, mission: str | None = None, max_map_age: int = 6) -> pd.DataFrame:
    """Each event with the distance (km) to the nearest UN position in force in its month.

    ``events`` needs ``date_start``, ``latitude`` and ``longitude`` (``store.events(...)``
    gives them). Added columns: ``year``, ``distance_km``, ``nearest_mission``,
    ``nearest_location``, ``position_source`` (``geopko-v1``, ``geopko-v2.3``, ``radpko`` or
    ``none`` when no source covers the month or the event has no coordinates). With
    ``mission``, only that mission's positions count.

    Vectorised: one BallTree (haversine) per month with events; 100,000 events take seconds.
    """
    from sklearn.neighbors import BallTree

    missing = {"date_start", "latitude", "longitude"} - set(events.columns)
    if missing:
        raise InvalidRequestError(f"events need the column(s) {', '.join(sorted(missing))}")
    out = events.copy()
    dates = pd.to_datetime(out["date_start"])
    out["year"] = dates.dt.year.astype("Int64")
    month_index = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)
    out["distance_km"] = np.nan
    out["nearest_mission"] = pd.Series([None] * len(out), dtype="object", index=out.index)
    out["nearest_location"] = pd.Series([None] * len(out), dtype="object", index=out.index)
    out["position_source"] = "none"
    valid = ~np.isnan(month_index) & out["latitude"].notna().to_numpy() & out["longitude"].notna().to_numpy()
    if not valid.any():
        return out
    positions = positions_for_months(all_positions(store, mission), month_index[valid].astype("int64"), max_map_age)
    distance = out["distance_km"].to_numpy(copy=True)
    near_mission = out["nearest_mission"].to_numpy(copy=True)
    near_location = out["nearest_location"].to_numpy(copy=True)
    near_source = out["position_source"].to_numpy(copy=True)
    positions = positions.sort_values("month_index", kind="stable")
    pos_month = positions["month_index"].to_numpy(dtype="int64")
    pos_coords = np.radians(positions[["latitude", "longitude"]].to_numpy(dtype="float64"))
    pos_mission = positions["mission"].to_numpy(dtype=object)
    pos_location = positions["location"].to_numpy(dtype=object)
    pos_source = positions["source"].to_numpy(dtype=object)
    coords = np.radians(out[["latitude", "longitude"]].to_numpy(dtype="float64"))
    event_index = np.flatnonzero(valid)
    event_month = month_index[valid].astype("int64")
    order = np.argsort(event_month, kind="stable")
    event_index, event_month = event_index[order], event_month[order]
    months, starts = np.unique(event_month, return_index=True)
    ends = np.append(starts[1:], len(event_month))
    for month, start, end in zip(months, starts, ends):
        lo, hi = np.searchsorted(pos_month, month, "left"), np.searchsorted(pos_month, month, "right")
        if lo == hi:
            continue
        rows = event_index[start:end]
        tree = BallTree(pos_coords[lo:hi], metric="haversine")
        dist, idx = tree.query(coords[rows], k=1)
        picked = lo + idx[:, 0]
        distance[rows] = dist[:, 0] * EARTH_RADIUS_KM
        near_mission[rows] = pos_mission[picked]
        near_location[rows] = pos_location[picked]
        near_source[rows] = pos_source[picked]
    out["distance_km"] = distance
    out["nearest_mission"] = near_mission
    out["nearest_location"] = near_location
    out["position_source"] = near_source
    return out


# The group of events that have no value in a grouping column: for areas, the events outside
# every loaded unit, named as the threat analyses name them.
NO_VALUE = UNASSIGNED


def _missing_as_no_value(groups: pd.DataFrame) -> pd.DataFrame:
    """``groups`` with the missing values of its text columns replaced by :data:`NO_VALUE`."""
    groups = groups.copy()
    for column in groups.columns:
        if not pd.api.types.is_numeric_dtype(groups[column]) and not pd.api.types.is_datetime64_any_dtype(groups[column]):
            groups[column] = groups[column].fillna(NO_VALUE)
    return groups


def presence_summary(
    frame: pd.DataFrame, by: str | list[str] = ("admin1_name", "year"), radii: tuple[int, ...] = RADII_KM,
    weight: str = "deaths_civilians",
) -> pd.DataFrame:
    """Share of civilian deaths within each radius of a UN position, per area and period.

    ``frame`` comes from :func:`event_distances`. Per group: ``events``, ``civilian_deaths``
    (sum of ``weight``), ``deaths_with_positions`` (deaths of events in months some source
    covers), ``uncovered_deaths`` (the rest: no share is claimed for them) and
    ``share_within_<r>km`` in percent of ``deaths_with_positions`` (NaN when none are covered).
    Events without a value in a text grouping column (no admin1 when the point lies outside the
    loaded boundaries) are grouped under ``NO_VALUE``, so that every row says what it counts.
    """
    groups = [by] if isinstance(by, str) else list(by)
    missing = [g for g in groups + [weight, "distance_km"] if g not in frame.columns]
    if missing:
        raise InvalidRequestError(f"cannot summarise: the frame has no column(s) {', '.join(missing)}")
    work = _missing_as_no_value(frame[groups])
    deaths = pd.to_numeric(frame[weight], errors="coerce").fillna(0)
    covered = frame["distance_km"].notna()
    work["events"] = 1
    work["civilian_deaths"] = deaths
    work["deaths_with_positions"] = deaths.where(covered, 0)
    work["uncovered_deaths"] = deaths.where(~covered, 0)
    for r in radii:
        work[f"deaths_within_{r}km"] = deaths.where(covered & (frame["distance_km"] <= r), 0)
    summary = work.groupby(groups, dropna=False).sum().reset_index()
    for r in radii:
        summary[f"share_within_{r}km"] = (
            100.0 * summary[f"deaths_within_{r}km"] / summary["deaths_with_positions"].where(summary["deaths_with_positions"] > 0)
        ).round(1)
        summary = summary.drop(columns=f"deaths_within_{r}km")
    for column in ("events", "civilian_deaths", "deaths_with_positions", "uncovered_deaths"):
        summary[column] = summary[column].astype("int64")
    return summary


def harm_without_presence(
    frame: pd.DataFrame, by: str | list[str] = ("admin2_name",), radius_km: float = 50, min_deaths: int = 10,
    weight: str = "deaths_civilians",
) -> pd.DataFrame:
    """Areas with high civilian harm and no UN position within ``radius_km`` of any of it.

    Groups of :func:`event_distances` output whose covered civilian deaths reach
    ``min_deaths`` and none of whose events lay within ``radius_km`` of a position, most
    deaths first, with the median distance to the nearest position. Events without a value in
    a text grouping column form the group ``NO_VALUE``.
    """
    groups = [by] if isinstance(by, str) else list(by)
    covered = frame[frame["distance_km"].notna()].copy()
    covered[groups] = _missing_as_no_value(covered[groups])
    covered["_deaths"] = pd.to_numeric(covered[weight], errors="coerce").fillna(0)
    covered["_near"] = covered["distance_km"] <= radius_km
    summary = covered.groupby(groups, dropna=False).agg(
        events=("_deaths", "size"), civilian_deaths=("_deaths", "sum"), events_near=("_near", "sum"),
        median_distance_km=("distance_km", "median"), nearest_km=("distance_km", "min"),
    ).reset_index()
    gaps = summary[(summary["events_near"] == 0) & (summary["civilian_deaths"] >= min_deaths)]
    gaps = gaps.drop(columns="events_near").sort_values(["civilian_deaths"] + groups, ascending=[False] + [True] * len(groups))
    gaps["civilian_deaths"] = gaps["civilian_deaths"].astype("int64")
    gaps[["median_distance_km", "nearest_km"]] = gaps[["median_distance_km", "nearest_km"]].round(1)
    return gaps.reset_index(drop=True)

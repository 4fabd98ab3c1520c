"""Giving events their administrative units by point in polygon.

Runs inside every ingest, so the order in which events and boundaries arrive does not matter:

* after events are written, the new and revised events get the admin1/admin2 unit that
  contains them;
* after boundaries are written, every event inside their bounding box whose units are
  missing, or were themselves found by point in polygon, is assigned again, so events stored
  earlier get units and a revised boundary moves its events.

Only as much as the event's location precision supports is assigned: events placed exactly,
near a place, at an admin2 unit, or of unknown precision get admin1 and admin2; events known
only to an admin1 unit get admin1; events placed in a larger region, a country or at sea get
none (a country centroid is not an event in the cercle around it). Events outside every unit
keep no P-code (analyses count them as "unassigned"). Units' names replace the source's
names, so that every event of a unit carries the same name; units are matched by geometry,
whatever country the source coded.

Boundaries such as OCHA's COD-AB are generalised, so a town on a border or a river bank can lie
a few hundred metres outside every polygon of its own country. An event inside no unit takes
the nearest unit of the country its source coded when that unit is within :data:`SNAP_KM`
(``admin_assigned_by`` 'nearest-unit'); a unit of a neighbouring country is never taken this way.

The work is vectorised (one STRtree query per level, of the units against a tree of the
points), so a million events take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from bluehelmet.geo.distance import haversine_km
from bluehelmet.ingest import after_ingest

_ASSIGNABLE = "coalesce(location_precision, 'unknown') NOT IN ('region', 'country', 'international')"
# How far outside its country's polygons an event may lie and still take the nearest unit: the
# generalisation error of COD-AB boundaries, well under the "near a place" precision of events.
SNAP_KM = 1.0
_BY_GEOMETRY = ("point-in-polygon", "nearest-unit")


@dataclass(frozen=True)
class _Units:
    """The units of one level; ``pcodes`` and ``names`` end in None, so index -1 maps to "no unit"."""

    pcodes: np.ndarray
    names: np.ndarray
    iso3: np.ndarray
    geometries: np.ndarray


def _units(con: duckdb.DuckDBPyConnection, level: int) -> _Units:
    rows = con.execute(
        "SELECT pcode, name, country_iso3, geometry FROM admin_units WHERE level = ? ORDER BY pcode", [level]
    ).fetchall()
    if not rows:
        none = np.array([None], dtype=object)
        return _Units(none, none, np.array([], dtype=object), np.array([], dtype=object))
    pcodes, names, iso3, wkb = zip(*rows)
    geometries = shapely.from_wkb([bytes(g) for g in wkb])
    shapely.prepare(geometries)
    return _Units(
        np.array([*pcodes, None], dtype=object), np.array([*names, None], dtype=object), np.array(iso3, dtype=object), geometries
    )


def _containing_unit(units: np.ndarray, points: np.ndarray, points_tree: shapely.STRtree) -> np.ndarray:
    """Index of the unit containing each point, -1 when none (a border point takes the first unit).

    The tree is built on the points and queried with the few, large polygons: three times
    faster than querying a million points against a tree of polygons.
    """
    index = np.full(len(points), -1, dtype=np.int64)
    if len(units) == 0 or len(points) == 0:
        return index
    unit_idx, point_idx = points_tree.query(units, predicate="intersects")
    order = np.lexsort((unit_idx, point_idx))
    point_idx, unit_idx = point_idx[order], unit_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    index[point_idx[first]] = unit_idx[first]
    return index


def _nearest_unit_of_own_country(units: _Units, points: np.ndarray, iso3: np.ndarray, index: np.ndarray) -> np.ndarray:
    """For points in no unit (``index`` -1), the index of the nearest unit of their own country
    within :data:`SNAP_KM`, -1 when there is none; other points get -1."""
    snapped = np.full(len(points), -1, dtype=np.int64)
    outside = np.flatnonzero((index == -1) & (iso3 != None))  # noqa: E711  (element-wise)
    if len(units.geometries) == 0 or outside.size == 0:
        return snapped
    # A search radius in degrees wide enough at the points' highest latitude; the true distance
    # in km is checked afterwards.
    lat = shapely.get_y(points[outside])
    widest = SNAP_KM / (111.32 * np.cos(np.radians(min(float(np.abs(lat).max()), 85.0))))
    # Near a unit and outside it means near its boundary; a tree of the outside points queried
    # with the few boundary lines is the fast way round (as in _containing_unit).
    edges = shapely.boundary(units.geometries)
    shapely.prepare(edges)
    unit_at, point_at = shapely.STRtree(points[outside]).query(edges, predicate="dwithin", distance=widest)
    same_country = units.iso3[unit_at] == iso3[outside[point_at]]
    point_at, unit_at = point_at[same_country], unit_at[same_country]
    if point_at.size == 0:
        return snapped
    # The nearest point of the unit's boundary, and the great-circle distance to it.
    ends = shapely.get_coordinates(shapely.shortest_line(points[outside[point_at]], units.geometries[unit_at])).reshape(-1, 2, 2)
    km = haversine_km(ends[:, 0, 1], ends[:, 0, 0], ends[:, 1, 1], ends[:, 1, 0])
    close = km <= SNAP_KM
    point_at, unit_at, km = point_at[close], unit_at[close], km[close]
    order = np.lexsort((km, point_at))
    first = order[np.unique(point_at[order], return_index=True)[1]]
    snapped[outside[point_at[first]]] = unit_at[first]
    return snapped


def assign_admin_units(
    con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None, *, reassign: bool = False
) -> int:
    """Fill admin1/admin2 names and P-codes of the events matching ``where``.

    Parameters
    ----------
    con:
        A connection to the store (inside the ingest transaction).
    where, params:
        A SQL filter on ``events`` and its parameters.
    reassign:
        Also recompute events whose units came from an earlier point-in-polygon assignment
        (after new boundaries); otherwise only events missing a P-code are looked at.

    Returns the number of events whose units were written.

    Examples
    --------
    >>> assign_admin_units(store.con, "country_iso3 = ?", ["MLI"])   # doctest: +SKIP
    89
    """
    if not con.execute("SELECT count(*) FROM admin_units").fetchall()[0][0]:
        return 0  # no boundaries loaded: nothing to assign, and no point tree to build
    missing = "(admin1_pcode IS NULL OR admin2_pcode IS NULL)"
    if reassign:
        missing = f"({missing} OR admin_assigned_by IN {_BY_GEOMETRY})"
    events = con.execute(
        f"SELECT uid, longitude, latitude, country_iso3, location_precision = 'admin1' AS admin1_only FROM events "
        f"WHERE {missing} AND {_ASSIGNABLE} AND latitude IS NOT NULL AND longitude IS NOT NULL "
        f"AND ({where})",
        params or [],
    ).fetchnumpy()
    n = len(events["uid"])
    if n == 0:
        return 0
    points = shapely.points(np.asarray(events["longitude"], dtype=float), np.asarray(events["latitude"], dtype=float))
    points_tree = shapely.STRtree(points)
    iso3 = np.asarray(events["country_iso3"], dtype=object)
    admin1_only = np.asarray(events["admin1_only"], dtype=bool)
    found: dict[str, np.ndarray] = {}
    by_nearest = np.zeros(n, dtype=bool)
    for level in (1, 2):
        units = _units(con, level)
        index = _containing_unit(units.geometries, points, points_tree)
        snapped = _nearest_unit_of_own_country(units, points, iso3, index)
        if level == 2:
            snapped[admin1_only] = -1
            index[admin1_only] = -1
        by_nearest |= snapped >= 0
        index = np.where(snapped >= 0, snapped, index)
        found[f"admin{level}_pcode"] = units.pcodes[index]
        found[f"admin{level}_name"] = units.names[index]
    hit = (found["admin1_pcode"] != None) | (found["admin2_pcode"] != None)  # noqa: E711  (element-wise)
    if not hit.any():
        return 0
    table = pa.table(
        {"uid": pa.array(np.asarray(events["uid"], dtype=object)[hit], pa.string())}
        | {k: pa.array(v[hit], pa.string()) for k, v in found.items()}
        | {"assigned_by": pa.array(np.where(by_nearest, _BY_GEOMETRY[1], _BY_GEOMETRY[0])[hit], pa.string())}
    )
    con.register("_assigned", table)
    try:
        # Admin2 units know their admin1: take it from the unit when the point fell between
        # admin1 polygons, or when only admin2 boundaries are loaded.
        con.execute(
            """
            UPDATE events e SET
              admin1_pcode = coalesce(a.admin1_pcode, u.admin1_pcode),
              admin1_name = coalesce(a.admin1_name, u.admin1_name),
              admin2_pcode = a.admin2_pcode,
              admin2_name = a.admin2_name,
              admin_assigned_by = a.assigned_by
            FROM _assigned a LEFT JOIN admin_units u ON u.pcode = a.admin2_pcode
            WHERE e.uid = a.uid
            """
        )
    finally:
        con.unregister("_assigned")
    return int(hit.sum())


@after_ingest("admin-units")
def _assign_after_ingest(con: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> None:
    if table == "events":
        assign_admin_units(con, "batch_id = ?", [batch_id])
    elif table == "admin_units":
        box = con.execute(
            "SELECT min(min_x), min(min_y), max(max_x), max(max_y) FROM admin_units WHERE batch_id = ?", [batch_id]
        ).fetchall()[0]
        if box[0] is not None:
            assign_admin_units(
                con, "longitude BETWEEN ? AND ? AND latitude BETWEEN ? AND ?",
                [box[0], box[2], box[1], box[3]], reassign=True,
            )

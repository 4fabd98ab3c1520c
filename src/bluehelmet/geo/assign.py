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
names, so that every event of a unit carries the same name; units are matched purely by
geometry, whatever country the source coded.

The work is vectorised (one STRtree query per level, of the units against a tree of the
points), so a million events take seconds.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from bluehelmet.ingest import after_ingest

_ASSIGNABLE = "coalesce(location_precision, 'unknown') NOT IN ('region', 'country', 'international')"


def _units(con: duckdb.DuckDBPyConnection, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = con.execute(
        "SELECT pcode, name, geometry FROM admin_units WHERE level = ? ORDER BY pcode", [level]
    ).fetchall()
    if not rows:
        return np.array([None], dtype=object), np.array([None], dtype=object), np.array([], dtype=object)
    pcodes, names, wkb = zip(*rows)
    geometries = shapely.from_wkb([bytes(g) for g in wkb])
    shapely.prepare(geometries)
    # A trailing None makes index -1 ("no unit") map to None without a Python loop.
    return np.array([*pcodes, None], dtype=object), np.array([*names, None], dtype=object), geometries


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
        missing = f"({missing} OR admin_assigned_by = 'point-in-polygon')"
    events = con.execute(
        f"SELECT uid, longitude, latitude, location_precision = 'admin1' AS admin1_only FROM events "
        f"WHERE {missing} AND {_ASSIGNABLE} AND latitude IS NOT NULL AND longitude IS NOT NULL "
        f"AND ({where})",
        params or [],
    ).fetchnumpy()
    n = len(events["uid"])
    if n == 0:
        return 0
    points = shapely.points(np.asarray(events["longitude"], dtype=float), np.asarray(events["latitude"], dtype=float))
    points_tree = shapely.STRtree(points)
    found: dict[str, np.ndarray] = {}
    for level in (1, 2):
        pcodes, names, units = _units(con, level)
        index = _containing_unit(units, points, points_tree)
        if level == 2:
            index[np.asarray(events["admin1_only"], dtype=bool)] = -1
        found[f"admin{level}_pcode"] = pcodes[index]
        found[f"admin{level}_name"] = names[index]
    hit = (found["admin1_pcode"] != None) | (found["admin2_pcode"] != None)  # noqa: E711  (element-wise)
    if not hit.any():
        return 0
    table = pa.table(
        {"uid": pa.array(np.asarray(events["uid"], dtype=object)[hit], pa.string())}
        | {k: pa.array(v[hit], pa.string()) for k, v in found.items()}
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
              admin_assigned_by = 'point-in-polygon'
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

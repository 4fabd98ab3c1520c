"""Giving events their administrative units by point in polygon.

Runs inside every ingest: after events are written, events with coordinates and no P-code get
the admin1/admin2 unit that contains them; after boundaries are written, every event in their
country without a P-code gets one. So the order in which events and boundaries arrive does not
matter. Events outside every unit keep no P-code (analyses count them as "unassigned").
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from bluehelmet.ingest import after_ingest


def _units(con: duckdb.DuckDBPyConnection, level: int) -> tuple[list[str], list[str], list[str], object]:
    rows = con.execute(
        "SELECT pcode, name, country_iso3, geometry FROM admin_units WHERE level = ? ORDER BY pcode", [level]
    ).fetchall()
    if not rows:
        return [], [], [], None
    pcodes, names, iso3, wkb = zip(*rows)
    return list(pcodes), list(names), list(iso3), shapely.STRtree(shapely.from_wkb(list(wkb)))


def assign_admin_units(con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None) -> int:
    """Fill admin1/admin2 names and P-codes of events matching ``where`` that lack them.

    Returns the number of events that got a unit. The names written are the boundaries'
    names; the source's own names stay in ``native`` when the reader kept them there.
    """
    if not con.execute("SELECT count(*) FROM admin_units").fetchall()[0][0]:
        return 0
    events = con.execute(
        f"SELECT uid, longitude, latitude FROM events WHERE admin2_pcode IS NULL AND admin1_pcode IS NULL "
        f"AND latitude IS NOT NULL AND longitude IS NOT NULL AND ({where})",
        params or [],
    ).fetchnumpy()
    if len(events["uid"]) == 0:
        return 0
    points = shapely.points(events["longitude"], events["latitude"])
    found: dict[str, np.ndarray] = {}
    for level in (1, 2):
        pcodes, names, _, tree = _units(con, level)
        index = np.full(len(points), -1)
        if tree is not None:
            point_idx, unit_idx = tree.query(points, predicate="intersects")
            # A point on a shared border touches two units: keep the first, deterministically.
            first = np.unique(point_idx, return_index=True)[1]
            index[point_idx[first]] = unit_idx[first]
        found[f"admin{level}_pcode"] = np.array([pcodes[i] if i >= 0 else None for i in index], dtype=object)
        found[f"admin{level}_name"] = np.array([names[i] if i >= 0 else None for i in index], dtype=object)
    hit = np.array([a is not None or b is not None for a, b in zip(found["admin1_pcode"], found["admin2_pcode"])])
    if not hit.any():
        return 0
    table = pa.table({"uid": events["uid"][hit], **{k: v[hit] for k, v in found.items()}})
    con.register("_assigned", table)
    # Admin2 units know their admin1: fill it from the unit when the point fell between admin1 polygons.
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
    con.unregister("_assigned")
    return int(hit.sum())


@after_ingest("admin-units")
def _assign_after_ingest(con: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> None:
    if table == "events":
        assign_admin_units(con, "batch_id = ?", [batch_id])
    elif table == "admin_units":
        countries = [r[0] for r in con.execute("SELECT DISTINCT country_iso3 FROM admin_units WHERE batch_id = ?", [batch_id]).fetchall()]
        for iso3 in countries:
            assign_admin_units(con, "country_iso3 = ?", [iso3])

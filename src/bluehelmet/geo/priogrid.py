"""PRIO-GRID cells, computed from coordinates rather than downloaded.

PRIO-GRID (Tollefsen, Strand & Buhaug 2012) divides the world into 0.5 x 0.5 degree cells
numbered row by row from the south-west corner: cell 1 covers longitude -180 to -179.5 and
latitude -90 to -89.5, and numbers grow eastward, then northward (720 cells a row, 360 rows).
"""

from __future__ import annotations

import numpy as np

CELL = 0.5
COLUMNS = 720
ROWS = 360


def gid_sql(lat: str = "latitude", lon: str = "longitude") -> str:
    """SQL giving the PRIO-GRID gid of a point (NULL when a coordinate is missing)."""
    row = f"least(greatest(floor(({lat} + 90) / {CELL}), 0), {ROWS - 1})"
    col = f"least(greatest(floor(({lon} + 180) / {CELL}), 0), {COLUMNS - 1})"
    return f"CAST({row} * {COLUMNS} + {col} + 1 AS INTEGER)"


def gid(lat, lon) -> np.ndarray:
    """PRIO-GRID gid of points (arrays or scalars).

    >>> int(gid(35.763369, 36.558974))  # UCDP GED event 300380, Syria
    181154
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    row = np.clip(np.floor((lat + 90) / CELL), 0, ROWS - 1)
    col = np.clip(np.floor((lon + 180) / CELL), 0, COLUMNS - 1)
    return (row * COLUMNS + col + 1).astype(np.int64)


def centroid(gid_values) -> tuple[np.ndarray, np.ndarray]:
    """(latitude, longitude) of the centres of cells."""
    g = np.asarray(gid_values, dtype=np.int64) - 1
    row, col = np.divmod(g, COLUMNS)
    return row * CELL - 90 + CELL / 2, col * CELL - 180 + CELL / 2

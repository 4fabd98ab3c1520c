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


def bounds(gid_value: int) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of one cell.

    >>> bounds(1)
    (-180.0, -90.0, -179.5, -89.5)
    """
    row, col = divmod(int(gid_value) - 1, COLUMNS)
    min_lat, min_lon = row * CELL - 90, col * CELL - 180
    return (float(min_lon), float(min_lat), float(min_lon + CELL), float(min_lat + CELL))


def neighbours(gid_value: int) -> list[int]:
    """The up to 8 cells around one cell (queen contiguity; no wrap at the poles or the date line)."""
    row, col = divmod(int(gid_value) - 1, COLUMNS)
    out = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = row + dr, col + dc
            if (dr or dc) and 0 <= r < ROWS and 0 <= c < COLUMNS:
                out.append(r * COLUMNS + c + 1)
    return out

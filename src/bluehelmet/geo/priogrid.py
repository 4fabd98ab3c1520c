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


def row_col(gid_values) -> tuple[np.ndarray, np.ndarray]:
    """Zero-based (row, column) of cells: row 0 is the southernmost, column 0 the westernmost.

    >>> [int(v) for v in row_col(181154)]
    [251, 433]
    """
    g = np.asarray(gid_values, dtype=np.int64) - 1
    return np.divmod(g, COLUMNS)


def gid_from_row_col(row, col) -> np.ndarray:
    """The gid of cells given zero-based rows and columns (columns wrap around the date line)."""
    return (np.asarray(row, dtype=np.int64) * COLUMNS + np.mod(np.asarray(col, dtype=np.int64), COLUMNS) + 1)


def neighbours(gid_values, radius: int = 1) -> np.ndarray:
    """The cells within ``radius`` rows and columns of each cell (queen contiguity), the cell excluded.

    Returns an array of shape ``(len(gid_values), (2 * radius + 1) ** 2 - 1)``; a neighbour beyond
    the poles is -1. Columns wrap around the date line, as the globe does.

    >>> neighbours([1000], 1).tolist()[0][:3]
    [279, 280, 281]
    """
    row, col = row_col(np.atleast_1d(gid_values))
    offsets = [(dr, dc) for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1) if (dr, dc) != (0, 0)]
    out = np.empty((row.size, len(offsets)), dtype=np.int64)
    for k, (dr, dc) in enumerate(offsets):
        r = row + dr
        out[:, k] = np.where((r >= 0) & (r < ROWS), gid_from_row_col(r, col + dc), -1)
    return out


def buffer_cells(gid_values, radius: int = 1) -> np.ndarray:
    """The cells plus every cell within ``radius`` of them, sorted and unique."""
    cells = np.unique(np.asarray(gid_values, dtype=np.int64))
    if radius <= 0 or cells.size == 0:
        return cells
    around = neighbours(cells, radius).ravel()
    return np.unique(np.concatenate([cells, around[around > 0]]))

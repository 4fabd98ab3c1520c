"""Great-circle distances and the nearest of a set of positions (UN bases, deployments, towns).

Generic: any layer that asks "how far is this event from the closest X" uses :func:`nearest`.
Distances are haversine distances on a sphere of radius 6,371.0088 km (the mean Earth radius);
the error against the ellipsoid is under 0.5 %, far below the location precision of event data.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points (arrays broadcast).

    >>> round(float(haversine_km(12.6392, -8.0029, 16.2667, -0.0333)), 0)  # Bamako to Gao
    955.0
    """
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest(lat, lon, target_lat, target_lon) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the index of the nearest target and its distance in km.

    Points and targets are 1-d arrays; with no targets every index is -1 and every distance
    is infinite. Memory grows with points x targets: call it in chunks for millions of points.

    >>> idx, km = nearest([16.27], [-0.04], [12.64, 16.27], [-8.0, -0.03])
    >>> int(idx[0]), round(float(km[0]), 1)
    (1, 1.1)
    """
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    target_lat = np.atleast_1d(np.asarray(target_lat, dtype=float))
    target_lon = np.atleast_1d(np.asarray(target_lon, dtype=float))
    if target_lat.size == 0 or lat.size == 0:
        return np.full(lat.shape, -1), np.full(lat.shape, np.inf)
    distances = haversine_km(lat[:, None], lon[:, None], target_lat[None, :], target_lon[None, :])
    index = np.argmin(distances, axis=1)
    return index, distances[np.arange(lat.size), index]

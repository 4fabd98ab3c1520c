"""Opening vector files (shapefiles, GeoJSON, GeoPackages) for the boundaries reader, so that a
damaged file fails naming what is wrong with it, and a damaged feature does not fail the file.

A shapefile is several files: the ``.shp`` holds the shapes, the ``.dbf`` their attributes (the
P-codes and names), the ``.shx`` the index that finds each shape. Without the ``.dbf`` GDAL reads
shapes with no columns at all, and without the ``.shx`` it reads nothing; both are named here
before reading. A ``.shp`` shorter than its header says (a download or copy that stopped) would
read as features with no geometry: it is refused as cut short.

GDAL reads a polygon whose ring is not closed, or has NaN coordinates, and warns; shapely then
refuses to build it, and one such feature used to stop the whole file with a GEOS exception.
:func:`read_features` reads every feature it can and says, for each one it cannot, what is wrong
with its geometry in plain words.

GeoJSON that GDAL cannot open at all is explained by :func:`geojson_problem` once GDAL has
failed: JSON that is not a FeatureCollection is named for what it is (a list of features, an
object without ``features``...).
"""

from __future__ import annotations

import json
import re
import struct
import warnings
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np

SHAPEFILE_PARTS = (".dbf", ".shx")
_SHP_FILE_CODE = 9994
_SHP_HEADER_BYTES = 100
NOT_FINITE = "coordinates that are not numbers (NaN or infinite)"
_GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature)"')
# The other objects GDAL reads as a layer of their own: one feature, or one geometry.
_GEOJSON_OBJECTS = {
    "Feature", "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
}
_EXPECTED_GEOJSON = 'boundaries are read from a GeoJSON FeatureCollection, {"type": "FeatureCollection", "features": [...]}'


def shapefile_companions(path: Path) -> list[Path]:
    """The files beside a ``.shp`` that are part of it, in any case (``MLI_ADM1.DBF``): its
    attributes, index, projection and encoding. Empty for any other file."""
    if path.suffix.lower() != ".shp":
        return []
    wanted = (*SHAPEFILE_PARTS, ".prj", ".cpg")
    return sorted(
        (p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() in wanted),
        key=lambda p: p.suffix.lower(),
    )


def missing_shapefile_parts(shp: str, names: Iterable[str]) -> list[str]:
    """The parts (``.dbf``, ``.shx``) of the shapefile ``shp`` that are not among ``names``
    (paths in the same naming, such as the members of a zip); matched without regard to case.

    >>> missing_shapefile_parts("adm1/mli_adm1.shp", ["adm1/mli_adm1.shp", "adm1/MLI_ADM1.DBF"])
    ['.shx']
    """
    stem = str(PurePosixPath(shp).with_suffix("")).lower()
    present = {name.lower() for name in names}
    return [part for part in SHAPEFILE_PARTS if stem + part not in present]


def missing_parts_problem(shp_name: str, missing: list[str]) -> str:
    """What to say of a shapefile without some of its parts."""
    return (
        "a shapefile needs its .dbf and .shx next to it (the .dbf holds the attributes, P-codes "
        f"included; the .shx indexes the shapes): {shp_name} has no {' and no '.join(missing)}"
    )


def shp_header_problem(head: bytes, size: int) -> str | None:
    """What is wrong with a ``.shp`` of ``size`` bytes whose first bytes are ``head``; None if nothing.

    The header gives the file's length (in 16-bit words): a file shorter than that was cut short.
    """
    if len(head) < _SHP_HEADER_BYTES or struct.unpack_from(">i", head, 0)[0] != _SHP_FILE_CODE:
        return "not a shapefile: its .shp does not start with a shapefile header"
    declared = struct.unpack_from(">i", head, 24)[0] * 2
    if size < declared:
        return (
            f"the .shp is cut short: its header says {declared:,} bytes, the file has {size:,} "
            "(a download or copy that stopped?); get the shapefile again"
        )
    return None


def map_data_kind(path: Path, head: bytes) -> str | None:
    """What map data the file is, from its name and first bytes (``GeoJSON``, ``a shapefile``,
    ``a GeoPackage``); None for anything else, tables included."""
    suffix = path.suffix.lower()
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".geojson" or (text.startswith(b"{") and _GEOJSON_TYPE.search(head)):
        return "GeoJSON"
    if suffix == ".shp" or head.startswith(struct.pack(">i", _SHP_FILE_CODE)):
        return "a shapefile"
    if suffix == ".gpkg":
        return "a GeoPackage"
    return None


def geojson_problem(document: object) -> str | None:
    """What a JSON document that GDAL could not read as GeoJSON is, and what was expected; None
    when it has the shape of GeoJSON (a FeatureCollection with a ``features`` list, a Feature, a
    geometry), whatever else GDAL found wrong with it.

    >>> geojson_problem({"type": "FeatureCollection", "items": []}).split(": boundaries")[0]
    'a FeatureCollection without its "features" list (its keys: type, items)'
    """
    if isinstance(document, list):
        if document and all(isinstance(f, dict) and f.get("type") == "Feature" for f in document):
            return f"a JSON list of {len(document):,} features, not a FeatureCollection: {_EXPECTED_GEOJSON}"
        return f"a JSON list of {len(document):,} values, not GeoJSON: {_EXPECTED_GEOJSON}"
    if not isinstance(document, dict):
        return f"a single JSON value ({json.dumps(document)[:40]}), not GeoJSON: {_EXPECTED_GEOJSON}"
    kind, features = document.get("type"), document.get("features")
    if (kind == "FeatureCollection" and isinstance(features, list)) or (isinstance(kind, str) and kind in _GEOJSON_OBJECTS):
        return None
    if not document:
        return f"an empty JSON object, not GeoJSON: {_EXPECTED_GEOJSON}"
    keys = ", ".join(list(document)[:10]) + (" ..." if len(document) > 10 else "")
    if kind == "FeatureCollection" and "features" not in document:
        return f'a FeatureCollection without its "features" list (its keys: {keys}): {_EXPECTED_GEOJSON}'
    if kind == "FeatureCollection":
        return f'a FeatureCollection whose "features" is {_json_kind(features)}, not a list: {_EXPECTED_GEOJSON}'
    if isinstance(features, list) and "type" in document:
        said = json.dumps(kind)[:40]
        return f'a JSON object with a "features" list whose "type" is {said}, not "FeatureCollection": {_EXPECTED_GEOJSON}'
    if isinstance(features, list):
        return f'a JSON object with a "features" list but no "type": {_EXPECTED_GEOJSON}'
    return f"a JSON object that is not GeoJSON (its keys: {keys}): {_EXPECTED_GEOJSON}"


def _json_kind(value: object) -> str:
    """How JSON calls the type of ``value``, with an article (``an object``, ``a number``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return json.dumps(value)
    return {dict: "an object", str: "text", int: "a number", float: "a number"}.get(type(value), "a list")


def read_features(source: str | Path):
    """Every feature of the vector file ``source`` (a path, or a GDAL ``/vsizip/`` name) as a
    GeoDataFrame, and what is wrong with the geometries that cannot be read.

    Returns ``(frame, unreadable)``: ``unreadable`` maps the position of a feature whose geometry
    GDAL gave but shapely cannot build (its geometry is None in ``frame``) to ``(value, reason)``.
    A feature with no geometry at all is not in ``unreadable``.
    """
    import geopandas as gpd
    import pyogrio

    with warnings.catch_warnings():
        # GDAL warns of each unclosed ring it reads and shapely of each geometry it cannot build:
        # those features are reported one by one (quarantined), not as warnings on the screen.
        warnings.filterwarnings("ignore", message="Non closed ring detected", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="invalid value encountered in from_wkb", category=RuntimeWarning)
        frame = gpd.read_file(source, engine="pyogrio", on_invalid="ignore")
        unreadable: dict[int, tuple[str | None, str]] = {}
        absent = np.flatnonzero(frame.geometry.isna().to_numpy())
        if len(absent):
            # Tell a geometry that is not there from one that is there but cannot be built.
            wkb = pyogrio.raw.read(source, columns=[], read_geometry=True)[2]
            unreadable = {int(i): geometry_problem(wkb[i]) for i in absent if wkb[i] is not None}
    return frame, unreadable


def geometry_problem(wkb: bytes) -> tuple[str | None, str]:
    """``(value, reason)`` for a geometry (WKB) that shapely refuses to build, in plain words.

    >>> two_points = struct.pack("<BIII4d", 1, 3, 1, 2, 0, 0, 1, 0)  # a Polygon whose ring is (0 0, 1 0)
    >>> geometry_problem(two_points)[0]
    'ring 1: 2 points, from (0, 0) to (1, 0)'
    """
    import shapely

    try:
        rings = _polygon_rings(wkb)
    except (ValueError, struct.error):
        rings = []
    for number, ring in enumerate(rings, start=1):
        bad = np.flatnonzero(~np.isfinite(ring).all(axis=1))
        if len(bad):
            x, y = ring[bad[0]]
            return f"ring {number}, point {bad[0] + 1}: ({x}, {y})", NOT_FINITE
    for number, ring in enumerate(rings, start=1):
        if not len(ring):
            continue
        (x0, y0), (xn, yn) = ring[0], ring[-1]
        span = f"ring {number}: {len(ring)} points, from ({x0:g}, {y0:g}) to ({xn:g}, {yn:g})"
        if len(ring) < 4:
            return span, "a ring of the polygon has fewer than 4 points (it needs 4 or more, the last the same as the first)"
        if (ring[0] != ring[-1]).any():
            return span, "a ring of the polygon is not closed (its last point is not its first)"
    try:
        shapely.from_wkb(wkb)
    except shapely.errors.GEOSException as exc:
        return None, f"the geometry cannot be read ({exc})"
    return None, "the geometry cannot be read"


def first_point_not_finite(geom) -> str | None:
    """The first point of a geometry with a NaN or infinite coordinate (``point 6: (nan, nan)``),
    or None. GEOS builds such a polygon when its ring is closed, but cannot repair or place it."""
    import shapely

    points = shapely.get_coordinates(geom)
    bad = np.flatnonzero(~np.isfinite(points).all(axis=1))
    if not len(bad):
        return None
    x, y = points[bad[0]]
    return f"point {bad[0] + 1}: ({x}, {y})"


def _polygon_rings(wkb: bytes) -> list[np.ndarray]:
    """The rings (x, y arrays) of a Polygon or MultiPolygon in WKB or EWKB, read without GEOS;
    an empty list for other geometry types."""
    rings: list[np.ndarray] = []

    def geometry(at: int) -> int:
        order = "<" if wkb[at] == 1 else ">"
        (code,) = struct.unpack_from(order + "I", wkb, at + 1)
        at += 5
        if code & 0x20000000:  # EWKB with an SRID
            at += 4
        dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)
        code &= 0x0FFFFFFF
        dims += {1: 1, 2: 1, 3: 2}.get(code // 1000, 0)  # ISO Z, M, ZM
        kind = code % 1000
        if kind not in (3, 6):
            raise ValueError("not a polygon")
        (count,) = struct.unpack_from(order + "I", wkb, at)
        at += 4
        for _ in range(count):
            if kind == 6:
                at = geometry(at)
                continue
            (points,) = struct.unpack_from(order + "I", wkb, at)
            at += 4
            values = np.frombuffer(wkb, dtype=order + "f8", count=points * dims, offset=at)
            rings.append(values.reshape(points, dims)[:, :2])
            at += 8 * points * dims
        return at

    geometry(0)
    return rings

"""Administrative boundaries with P-codes (OCHA COD-AB), from shapefiles, GeoJSON or zipped shapefiles.

OCHA's Common Operational Datasets for administrative boundaries (COD-AB) give each unit a
P-code (``ML07`` Gao region, ``ML0702`` Ansongo cercle) that humanitarian and mission data
share. One file holds one level (a zip of several levels is read one layer at a time, see
:mod:`bluehelmet.sources.archive`). The columns follow a few conventions, all recognised here
(``N`` is the level, matched without regard to case):

* the older ITOS shapefiles: ``adminNPcod`` (cut to 10 characters by the DBF format),
  ``adminNName``, ``adminNRefN``, ``adminNAltN``, ``date``, ``validOn``;
* the same as GeoJSON or geodatabase: ``adminNPcode``, ``adminNName_fr``/``adminNName_en``;
* the current template: ``ADMN_PCODE``, ``ADMN_FR``/``ADMN_EN``/``ADMN_PT``/``ADMN_ES``,
  ``ADMN_REF``, ``ADMNALT1FR``; and the 2024 one: ``admN_pcode``, ``admN_name``, ``valid_on``.

The level is the highest ``N`` with a P-code column; the parent is the P-code of level
``N - 1``. Geometry is stored as WKB in WGS84 (reprojected when the file's CRS is another),
with its bounding box; invalid polygons are repaired so that point-in-polygon tests work.
The release is the boundaries' ``date`` (else ``validOn``); a file's features share it, and a
feature whose date cannot be read takes the file's.

A feature whose geometry cannot be read (a ring not closed, NaN coordinates) is quarantined with
the reason; the others are stored (see :mod:`bluehelmet.sources.vector_file`). GeoJSON that GDAL
cannot open is explained in plain words: where its JSON stops parsing, or what the JSON is
instead of a FeatureCollection.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa
import shapely

from bluehelmet.errors import InputFileError
from bluehelmet.sources.archive import extracted, holds_vector_data, vector_in_zip
from bluehelmet.sources.base import REJECT_SCHEMA, ReadResult
from bluehelmet.sources.jsonfile import is_utf16, json_head, load_json
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.vector_file import (
    NOT_FINITE, SHAPEFILE_PARTS, first_point_not_finite, geojson_problem, map_data_kind, missing_parts_problem, read_features,
    shapefile_companions, shp_header_problem,
)
from bluehelmet.store.schema import canonical_columns

KIND = "boundaries"
SOURCE = "ocha-cod-ab"
SUFFIXES = {".shp", ".geojson", ".json", ".zip", ".gpkg"}
_PCODE = [r"admin{n}pcode?", r"adm{n}_pcode"]
_NAME = [
    r"admin{n}name_fr", r"admin{n}name", r"adm{n}_fr", r"admin{n}name_en", r"adm{n}_en", r"adm{n}_pt",
    r"adm{n}_es", r"adm{n}_name", r"adm{n}_ref",
]
_ALT_NAME = [r"admin{n}name_en", r"adm{n}_en", r"admin{n}altn", r"adm{n}alt1fr", r"adm{n}alt1en", r"adm{n}_name1", r"admin{n}refn", r"adm{n}_ref"]
_DATE = ["date", "validon", "valid_on"]
UTF16_GEOJSON = (
    'UTF-16 text (what Windows editors call "Unicode"): GeoJSON is read as UTF-8 (as its standard says); '
    'save it again as UTF-8 (in Notepad: File > Save As, Encoding "UTF-8"; in QGIS: Export > Save Features As, '
    "format GeoJSON)"
)


def read_boundaries(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read one level of COD-AB boundaries into ``admin_units`` rows.

    Parameters
    ----------
    path:
        A shapefile (``.shp`` with its ``.dbf``, ``.shx``, ``.prj``), a GeoJSON file, a
        GeoPackage, or a zip holding one of them (in any folder of the archive).
    release:
        The boundaries' date; by default from the ``date`` column.

    Raises
    ------
    InputFileError
        The file cannot be read as vector data (a shapefile without its ``.dbf`` or ``.shx``,
        a zip of several layers...), has no P-code column, or says it is in a projected CRS
        while its coordinates are degrees.

    Examples
    --------
    >>> result = read_boundaries("mli_admbnda_adm2_gov_ocha_itos.shp")    # doctest: +SKIP
    >>> result.records.num_rows, result.release                           # doctest: +SKIP
    (50, '2015-04-08')
    """
    path = Path(path)
    frame, unreadable = _read_frame(path)
    columns = {c.lower(): c for c in frame.columns if c != "geometry"}
    level = detect_level(list(columns))
    if level is None:
        found = ", ".join(list(columns.values())[:30]) or "no attribute columns at all (for a shapefile: is its .dbf damaged?)"
        raise InputFileError(
            path,
            "not a boundaries file: no P-code column (admin1Pcod, admin1Pcode, ADM1_PCODE or adm1_pcode for "
            f"levels 0-5); found: {found}",
        )
    found = _columns_of_level(columns, level)
    frame = _to_wgs84(frame, path)
    rows: dict[str, list] = {c: [] for c in [*canonical_columns("admin_units"), "_row"]}
    rejects: list[dict] = []
    for i, (record, geom) in enumerate(zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry), start=1):
        problem = _problem(record, geom, found, unreadable.get(i - 1))
        if problem:
            rejects.append(_reject(i, *problem, record))
            continue
        geom = _repaired(geom)
        if geom is None:
            rejects.append(_reject(i, "geometry", None, "the polygon has no area once repaired (its points lie on a line)", record))
            continue
        for column, value in _unit(record, geom, level, found, release).items():
            rows[column].append(value)
        rows["_row"].append(i)
    known = sorted({r for r in rows["release"] if r})
    release = release or (known[-1] if known else None)
    # A feature whose date cannot be read shares the file's release, as the others do.
    rows["release"] = [r or release for r in rows["release"]]
    return ReadResult(
        kind=KIND,
        table="admin_units",
        records=_records_table(rows),
        rejects=pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA) if rejects else REJECT_SCHEMA.empty_table(),
        rows_in=len(frame),
        release=release,
    )


def _columns_of_level(columns: dict[str, str], level: int) -> dict[str, str | list[str] | None]:
    """The file's columns for each part of a unit of ``level`` (None when absent)."""
    name = _find(columns, _NAME, level)
    return {
        "pcode": _find(columns, _PCODE, level),
        "name": name,
        "alt": _find_all(columns, _ALT_NAME, level, exclude={name}),
        "parent": _find(columns, _PCODE, level - 1) if level > 0 else None,
        "admin1": _find(columns, _PCODE, 1) if level >= 1 else None,
        "admin1_name": _find(columns, _NAME, 1) if level >= 1 else None,
        "country": _find(columns, _PCODE, 0),
        "country_name": _find(columns, _NAME, 0),
        "date": next((columns[d] for d in _DATE if d in columns), None),
    }


def _problem(
    record: dict, geom, found: dict, unreadable: tuple[str | None, str] | None = None
) -> tuple[str | None, str | None, str] | None:
    """(column, value, reason) when a feature cannot be stored, else None. ``unreadable`` is
    the (value, reason) of a geometry that is in the file but cannot be built."""
    if not _text(record.get(found["pcode"])):
        return found["pcode"], _json_value(record.get(found["pcode"])), "missing P-code"
    if unreadable:
        return "geometry", *unreadable
    if geom is None or geom.is_empty:
        return "geometry", None, "missing or empty geometry"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return "geometry", geom.geom_type, "geometry is not a polygon"
    point = first_point_not_finite(geom)
    if point:
        return "geometry", point, NOT_FINITE
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return "geometry", f"{minx}, {miny}, {maxx}, {maxy}", "coordinates outside longitude/latitude range"
    return None


def _repaired(geom):
    """``geom`` made valid (a self-crossing ring split at the crossing), keeping only its
    polygons: a stray line left by the repair cannot contain an event. None if no area is left."""
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom)
    if fixed.geom_type in ("Polygon", "MultiPolygon"):
        return fixed
    polygons = [p for p in shapely.get_parts(shapely.get_parts(fixed)) if p.geom_type == "Polygon"]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _unit(record: dict, geom, level: int, found: dict, release: str | None) -> dict:
    """The canonical row of one feature."""
    get = lambda key: _text(record.get(found[key])) if found[key] else None  # noqa: E731
    pcode, name = get("pcode"), get("name")
    # The first other spelling that differs (RefN is the name without accents: Segou).
    alt = next((o for o in (_text(record.get(c)) for c in found["alt"]) if o and o != name), None)
    minx, miny, maxx, maxy = geom.bounds
    return {
        "uid": pcode,
        "release": release or (_date_text(record.get(found["date"])) if found["date"] else None),
        "pcode": pcode,
        "level": level,
        "name": name,
        "name_alt": alt,
        "parent_pcode": get("parent"),
        "admin1_pcode": pcode if level == 1 else get("admin1"),
        "admin1_name": name if level == 1 else get("admin1_name"),
        "country_iso3": country_iso3(get("country") or pcode, get("country_name")),
        "geometry": shapely.to_wkb(geom),
        "min_x": minx,
        "min_y": miny,
        "max_x": maxx,
        "max_y": maxy,
        "source": SOURCE,
        "native": _native(record),
    }


def detect_level(lower_columns: list[str]) -> int | None:
    """The COD-AB level of a file from its (lower-case) column names: the deepest P-code.

    >>> detect_level(["admin0pcod", "admin1pcod", "admin2pcod", "admin2name"])
    2
    """
    for level in range(5, -1, -1):
        if _find({c: c for c in lower_columns}, _PCODE, level):
            return level
    return None


def country_iso3(pcode: str | None, name: str | None = None) -> str | None:
    """ISO3 of a country from a COD-AB P-code (``ML0702`` -> ``MLI``) or its name."""
    import pycountry

    from bluehelmet.geo.countries import iso3_from_name

    letters = re.match(r"[A-Za-z]+", pcode or "")
    code = letters.group(0).upper() if letters else ""
    if len(code) >= 3 and pycountry.countries.get(alpha_3=code[:3]):
        return code[:3]
    if len(code) >= 2 and pycountry.countries.get(alpha_2=code[:2]):
        return pycountry.countries.get(alpha_2=code[:2]).alpha_3
    return iso3_from_name(name)


def _find(columns: dict[str, str], patterns: list[str], level: int, exclude: set | None = None) -> str | None:
    for pattern in patterns:
        regex = re.compile(pattern.format(n=level) + "$")
        for lower, original in columns.items():
            if regex.fullmatch(lower) and original not in (exclude or set()):
                return original
    return None


def _find_all(columns: dict[str, str], patterns: list[str], level: int, exclude: set | None = None) -> list[str]:
    found = []
    for pattern in patterns:
        regex = re.compile(pattern.format(n=level) + "$")
        found += [o for lower, o in columns.items() if regex.fullmatch(lower) and o not in (exclude or set()) and o not in found]
    return found


def _read_frame(path: Path):
    """The features of the file (see :func:`read_features`), after the checks that name what is
    wrong with a whole file: a shapefile without its parts or cut short, a zip of several layers."""
    if not path.exists():
        raise InputFileError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputFileError(
            path, f"cannot be read as boundaries: expected a {', '.join(sorted(SUFFIXES))} file, not {path.suffix or 'no suffix'}"
        )
    with open(path, "rb") as handle:
        head = handle.read(100)
    if not head.strip():
        raise InputFileError(path, "the file is empty")
    source, member = str(path), None
    if suffix == ".shp":
        missing = [s for s in SHAPEFILE_PARTS if not path.with_suffix(s).exists() and not path.with_suffix(s.upper()).exists()]
        if missing:
            raise InputFileError(path, missing_parts_problem(path.name, missing))
        problem = shp_header_problem(head, path.stat().st_size)
        if problem:
            raise InputFileError(path, problem)
    elif suffix == ".zip":
        # GDAL looks for a shapefile at the top of a zip only: name the layer, wherever it sits.
        member = vector_in_zip(path)
        source = f"/vsizip/{path.resolve()}/{member}"
    try:
        frame, unreadable = read_features(source)
    except Exception as exc:  # pyogrio raises its own DataSourceError and friends
        if suffix in (".geojson", ".json"):
            _refuse_malformed_geojson(path)
        if member is not None and PurePosixPath(member).suffix.lower() == ".geojson":
            # The same words as for the file unzipped, naming it inside the archive.
            with extracted(path, member) as copy:
                _refuse_malformed_geojson(copy)
        # GDAL's advice to name a driver is for programmers, not for the analyst.
        said = re.sub(r"\s*It might help to specify the correct driver.*", "", str(exc)).replace(f"'{source}' ", "").rstrip(" .;")
        raise InputFileError(path, f"cannot be read as boundaries (shapefile, GeoJSON, GeoPackage or a zip of one): {said}") from exc
    if not len(frame):
        raise InputFileError(path, "holds no features: there are no administrative units to store")
    return frame, unreadable


def _refuse_malformed_geojson(path: Path) -> None:
    """Stop, in plain words, at a GeoJSON file GDAL could not read: JSON that does not parse (with
    its line and column, where GDAL's own character count does not point into the file), or JSON
    that is not a FeatureCollection (what it is instead). Called only once GDAL has failed, so
    that a valid file of tens of megabytes is not parsed twice; for a GeoJSON inside a zip, on
    the member extracted (:func:`~bluehelmet.sources.archive.extracted` names it
    ``ARCHIVE.zip/MEMBER``). UTF-16 text (a Windows editor's "Unicode") is refused saying how
    to save it as UTF-8: GDAL reads GeoJSON as UTF-8 only, as its standard (RFC 7946) says, and
    so do the GIS tools built on it (QGIS), so a copy saved as UTF-8 serves them all. Returns
    for a document shaped like GeoJSON, whose fault GDAL's own message names."""
    if is_utf16(path):  # GDAL reads no UTF-16, with or without a byte-order mark
        raise InputFileError(path, UTF16_GEOJSON)
    problem = geojson_problem(load_json(path, "GeoJSON"))
    if problem:
        raise InputFileError(path, problem)


def _to_wgs84(frame, path: Path):
    if frame.crs is None:
        # Without a .prj, COD-AB files are WGS84 by convention; the range check below guards it.
        return frame.set_crs(4326, allow_override=True)
    _refuse_degrees_in_projected_crs(frame, path)
    if frame.crs.to_epsg() != 4326:
        try:
            return frame.to_crs(4326)
        except Exception as exc:
            raise InputFileError(path, f"cannot reproject from {frame.crs} to WGS84: {exc}") from exc
    return frame


def _refuse_degrees_in_projected_crs(frame, path: Path) -> None:
    """Stop at a file whose CRS is in metres (UTM...) while every coordinate is within +-180 and
    +-90: degrees given the wrong CRS. Reprojected, the whole country would shrink to a few
    metres near the CRS's origin and be stored there without a word."""
    if not frame.crs.is_projected or frame.geometry.isna().all():
        return
    minx, miny, maxx, maxy = frame.geometry.total_bounds
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        raise InputFileError(
            path,
            f"the file says its coordinates are in {frame.crs.name} ({frame.crs.to_string()}), a projection "
            f"in metres, but they all lie within longitude/latitude range ({minx:g}, {miny:g} to {maxx:g}, "
            f"{maxy:g}): degrees given the wrong CRS; fix or remove the CRS (the .prj file, or the GeoJSON's "
            "\"crs\" member)",
        )


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _date_text(value) -> str | None:
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    text = _text(value)
    try:
        # "0000-00-00" or "not a date" is no release; the text stays in native.
        return date.fromisoformat(text[:10]).isoformat() if text else None
    except ValueError:
        return None


def _json_value(value):
    import pandas as pd

    if value is pd.NaT:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


def _native(record: dict) -> str:
    """Every attribute of a feature as JSON (dates as yyyy-mm-dd, missing values as null).

    Blank text is null too: a shapefile cannot tell the two apart, and the same units exported
    as GeoJSON must not look revised.
    """
    values = {k: _json_value(v) for k, v in record.items()}
    return json.dumps({k: None if isinstance(v, str) and not v.strip() else v for k, v in values.items()}, ensure_ascii=False, default=str)


def _reject(row: int, column: str | None, value, reason: str, record: dict) -> dict:
    return {
        "row_number": row,
        "column_name": column,
        "value": None if value is None else str(value),
        "reason": reason,
        "raw": _native(record),
    }


def _records_table(rows: dict[str, list]) -> pa.Table:
    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "BLOB": pa.binary(), "JSON": pa.string()}
    fields = {}
    for column, sql_type in canonical_columns("admin_units").items():
        fields[column] = pa.array(rows[column], types[sql_type.replace(" NOT NULL", "")])
    fields["_row"] = pa.array(rows["_row"], pa.int64())
    return pa.table(fields)


def _detect(path: Path) -> bool:
    """A shapefile, GeoJSON or GeoPackage (by its name), a zip holding one, or a ``.json`` of
    polygon features: boundaries, the one kind that reads vector data. Told by name, a damaged
    one still reaches the reader, which says what is wrong with it."""
    suffix = path.suffix.lower()
    if suffix in {".shp", ".geojson", ".gpkg"}:
        return True
    if suffix == ".zip":
        return holds_vector_data(path)
    if suffix != ".json":
        return False
    if is_utf16(path):  # which GDAL cannot open: told by its text, so that the reader says why
        return map_data_kind(path, json_head(path, 1 << 20).encode("utf-8")) == "GeoJSON"
    try:
        import pyogrio

        info = pyogrio.read_info(path)
    except Exception:
        return False
    return str(info.get("geometry_type") or "").replace("Multi", "").startswith("Polygon")


register(
    SourceKind(
        KIND,
        "admin_units",
        "Administrative boundaries with P-codes (OCHA COD-AB): shapefile, GeoJSON or zipped shapefile",
        read_boundaries,
        detect_file=_detect,
        reads_zip=True,
        companions=shapefile_companions,
    )
)

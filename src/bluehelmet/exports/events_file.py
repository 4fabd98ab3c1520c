"""Events written from the store straight to a file (CSV, HXL, JSON, GeoJSON, GeoParquet or an
Excel workbook), without a DataFrame.

DuckDB reads the events under a memory cap. For CSV and HXL it writes the rows itself and
Python adds only the header (and the hashtag row) with the byte-order mark that Excel needs;
for JSON and GeoJSON DuckDB writes the objects (one event per line) and Python wraps GeoJSON's
features in their collection; for GeoParquet the rows pass through in Arrow batches, each given
its point geometry, and so they do into a workbook, row by row. A million events to CSV take
about 21 s and 2 GB this way, against 95 s and 8 GB through pandas (`bench/RESULTS.md`). The
files hold what the DataFrame route writes (`exports/frames.py`), but for booleans in CSV,
written ``true``/``false``.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports.frames import HXL_TAGS
from bluehelmet.exports.output_path import prepare_output
from bluehelmet.exports.workbook import check_fits, sheet_name, write_workbook
from bluehelmet.sources.base import sql_identifier, sql_literal
from bluehelmet.store import EventFilter, Store

# What the export may hold in memory; the sort of a big store spills to disk beyond it. At 1 GB
# the sort of a million wide rows (notes, sources, the native JSON) sometimes failed to find a
# block: one run in six in bench/export.py.
EXPORT_MEMORY_LIMIT = "2GB"

FILE_FORMATS = ("csv", "hxl", "json", "geojson", "parquet", "xlsx")
_BATCH_ROWS = 100_000
# Microseconds always in six digits, as pandas writes them (DuckDB drops trailing zeros); JSON
# takes ISO 8601's "T" between day and time, which JavaScript's Date needs.
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_JSON_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def write_events_file(
    store: Store,
    filter: EventFilter,
    path: str | Path,
    *,
    fmt: str = "csv",
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the events ``filter`` selects, newest first, to ``path`` as ``fmt``.

    Returns the number of cells cut to Excel's limit of 32,767 characters (0 but for ``xlsx``).
    ``progress(done, total)`` follows the rows of a workbook, the one slow format (about a
    thousand events a second).

    ``csv``: UTF-8 with a byte-order mark and one header row; ``hxl``: the same with a row of
    HXL hashtags under the header; ``json``: an array of objects, one per event; ``geojson``: a
    FeatureCollection of points (RFC 7946: longitude, latitude), an event without coordinates
    with a null geometry; ``parquet``: GeoParquet 1.0 with a point geometry (EPSG:4326) from
    each event's coordinates, empty where it has none; ``xlsx``: one sheet of typed cells
    (``exports/workbook.py``), refused before anything is written when the events overflow
    Excel's 1,048,575 rows. The file is assembled beside ``path`` and moved there when
    complete, so a failed export leaves an earlier file at ``path`` as it was.
    """
    if fmt not in FILE_FORMATS:
        raise InvalidRequestError(f"cannot write events straight to a {fmt!r} file; choose one of {', '.join(FILE_FORMATS)}")
    path = prepare_output(path)
    whole = path.with_name(path.name + ".part")
    cut = 0
    try:
        with store.memory_capped(EXPORT_MEMORY_LIMIT):
            if fmt in ("json", "geojson"):
                query, params = store.events_query(filter, limit=limit)
                _write_json(store.con, query, params, whole, geojson=fmt == "geojson")
            elif fmt == "parquet":
                _write_geoparquet(store.events_relation(filter, limit=limit), whole)
            elif fmt == "xlsx":
                cut = _write_xlsx(store, filter, limit, whole, sheet=sheet_name(path), progress=progress)
            else:
                _write_delimited(store.events_relation(filter, limit=limit), whole, hxl=fmt == "hxl")
        # Only a complete file replaces what was at ``path``.
        whole.replace(path)
    finally:
        whole.unlink(missing_ok=True)
    return cut


def _write_xlsx(
    store: Store,
    filter: EventFilter,
    limit: int | None,
    path: Path,
    *,
    sheet: str,
    progress: Callable[[int, int], None] | None,
) -> int:
    total = store.count_events(filter)
    total = total if limit is None else min(total, limit)
    check_fits(total)
    relation = store.events_relation(filter, limit=limit)

    def rows():
        for batch in relation.to_arrow_reader(_BATCH_ROWS):
            columns = [column.to_pylist() for column in batch.columns]
            yield from zip(*columns)

    done = (lambda rows: progress(rows, total)) if progress else None
    return write_workbook(relation.columns, rows(), path, sheet=sheet, progress=done)


def _write_delimited(relation, path: Path, *, hxl: bool) -> None:
    body = path.with_name(path.name + ".rows")
    try:
        relation.write_csv(str(body), header=False, timestamp_format=_TIMESTAMP_FORMAT)
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            heading = csv.writer(out, lineterminator="\n")
            heading.writerow(relation.columns)
            if hxl:
                heading.writerow([HXL_TAGS.get(column, "") for column in relation.columns])
        with path.open("ab") as out, body.open("rb") as rows:
            shutil.copyfileobj(rows, out, length=16 * 1024 * 1024)
    finally:
        body.unlink(missing_ok=True)


def _write_json(con, query: str, params: list, path: Path, *, geojson: bool) -> None:
    """DuckDB's COPY of the events ``query`` selects, as a JSON array or GeoJSON features."""
    relation = con.sql(query, params=params)
    names, kinds = relation.columns, relation.types
    # An event's native columns are JSON text in the store; they stay a string, as in every
    # other format, rather than becoming nested objects in this one.
    values = [f"{sql_identifier(name)}::VARCHAR" if str(kind) == "JSON" else sql_identifier(name) for name, kind in zip(names, kinds)]
    if geojson:
        properties = ", ".join(f"{sql_identifier(name)} := {value}" for name, value in zip(names, values))
        select = (
            f"SELECT 'Feature' AS type, struct_pack({properties}) AS properties, "
            "CASE WHEN longitude IS NULL OR latitude IS NULL THEN NULL "
            "ELSE {'type': 'Point', 'coordinates': [longitude, latitude]} END AS geometry "
            f"FROM ({query})"
        )
    else:
        select = f"SELECT {', '.join(f'{v} AS {sql_identifier(n)}' for n, v in zip(names, values))} FROM ({query})"
    target = path.with_name(path.name + ".features") if geojson else path
    try:
        con.execute(
            f"COPY ({select}) TO {sql_literal(str(target))} "
            f"(FORMAT json, ARRAY true, TIMESTAMPFORMAT {sql_literal(_JSON_TIMESTAMP_FORMAT)})",
            params,
        )
        if geojson:
            with path.open("wb") as out, target.open("rb") as features:
                out.write(b'{"type": "FeatureCollection", "features": ')
                shutil.copyfileobj(features, out, length=16 * 1024 * 1024)
                out.write(b"}\n")
    finally:
        if geojson:
            target.unlink(missing_ok=True)


def _geo_metadata() -> bytes:
    """The file-level ``geo`` key of GeoParquet 1.0.0 for one WKB point column in EPSG:4326."""
    import pyproj

    column = {"encoding": "WKB", "geometry_types": ["Point"], "crs": pyproj.CRS("EPSG:4326").to_json_dict()}
    return json.dumps({"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}).encode()


def _write_geoparquet(relation, path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    writer = None
    try:
        for batch in relation.to_arrow_reader(_BATCH_ROWS):
            lon = batch.column("longitude").to_numpy(zero_copy_only=False).astype(float)
            lat = batch.column("latitude").to_numpy(zero_copy_only=False).astype(float)
            placed = ~(np.isnan(lon) | np.isnan(lat))
            wkb = np.full(len(lon), None, dtype=object)
            wkb[placed] = shapely.to_wkb(shapely.points(lon[placed], lat[placed]))
            table = pa.Table.from_batches([batch]).append_column("geometry", pa.array(wkb, pa.binary()))
            if writer is None:
                schema = table.schema.with_metadata({**(table.schema.metadata or {}), b"geo": _geo_metadata()})
                writer = pq.ParquetWriter(str(path), schema)
            writer.write_table(table.cast(writer.schema))
        if writer is None:  # no events: an empty file with the columns and the geometry
            empty = relation.limit(0).to_arrow_table().append_column("geometry", pa.array([], pa.binary()))
            pq.write_table(empty.replace_schema_metadata({**(empty.schema.metadata or {}), b"geo": _geo_metadata()}), str(path))
    finally:
        if writer is not None:
            writer.close()

"""Events written from the store straight to a file (CSV, HXL or GeoParquet), without a DataFrame.

DuckDB reads the events under a memory cap. For CSV and HXL it writes the rows itself and
Python adds only the header (and the hashtag row) with the byte-order mark that Excel needs;
for GeoParquet the rows pass through in Arrow batches, each given its point geometry. A million
events to CSV take about 21 s and 2 GB this way, against 95 s and 8 GB through pandas
(`bench/RESULTS.md`). The files hold what the DataFrame route writes (`exports/frames.py`),
but for booleans in CSV, written ``true``/``false``.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports.frames import HXL_TAGS
from bluehelmet.store import EventFilter, Store

# What the export may hold in memory; the sort of a big store spills to disk beyond it. At 1 GB
# the sort of a million wide rows (notes, sources, the native JSON) sometimes failed to find a
# block: one run in six in bench/export.py.
EXPORT_MEMORY_LIMIT = "2GB"

FILE_FORMATS = ("csv", "hxl", "parquet")
_BATCH_ROWS = 100_000


def write_events_file(
    store: Store, filter: EventFilter, path: str | Path, *, fmt: str = "csv", limit: int | None = None,
) -> None:
    """Write the events ``filter`` selects, newest first, to ``path`` as ``fmt``.

    ``csv``: UTF-8 with a byte-order mark and one header row; ``hxl``: the same with a row of
    HXL hashtags under the header; ``parquet``: GeoParquet 1.0 with a point geometry
    (EPSG:4326) from each event's coordinates, empty where it has none. The file is assembled
    beside ``path`` and moved there when complete, so a failed export leaves an earlier file at
    ``path`` as it was.
    """
    if fmt not in FILE_FORMATS:
        raise InvalidRequestError(f"cannot write events straight to a {fmt!r} file; choose one of {', '.join(FILE_FORMATS)}")
    path = Path(path)
    whole = path.with_name(path.name + ".part")
    try:
        with store.memory_capped(EXPORT_MEMORY_LIMIT):
            relation = store.events_relation(filter, limit=limit)
            if fmt == "parquet":
                _write_geoparquet(relation, whole)
            else:
                _write_delimited(relation, whole, hxl=fmt == "hxl")
        # Only a complete file replaces what was at ``path``.
        whole.replace(path)
    finally:
        whole.unlink(missing_ok=True)


def _write_delimited(relation, path: Path, *, hxl: bool) -> None:
    body = path.with_name(path.name + ".rows")
    try:
        # Microseconds always in six digits, as pandas writes them (DuckDB drops trailing zeros).
        relation.write_csv(str(body), header=False, timestamp_format="%Y-%m-%d %H:%M:%S.%f")
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            heading = csv.writer(out, lineterminator="\n")
            heading.writerow(relation.columns)
            if hxl:
                heading.writerow([HXL_TAGS.get(column, "") for column in relation.columns])
        with path.open("ab") as out, body.open("rb") as rows:
            shutil.copyfileobj(rows, out, length=16 * 1024 * 1024)
    finally:
        body.unlink(missing_ok=True)


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

"""Map data given to a reader of tables or records, named for what it is.

GeoJSON, a shapefile, a GeoPackage or a zipped shapefile given with ``--source geopko``,
``acled``, ``incidents``, ``ucdp-api``... would otherwise fail in the reader's own words (DuckDB's
CSV sniffer, "missing required columns", "not a UCDP API page"), none of which tells the
analyst that the file is fine but is read by another kind. Every reader of tables (delimited
text, workbooks) and of JSON records stops such a file here, with one message.
"""

from __future__ import annotations

from pathlib import Path

from bluehelmet.errors import InputFileError
from bluehelmet.sources.archive import holds_vector_data
from bluehelmet.sources.vector_file import map_data_kind

# GeoJSON names its type in its first bytes; a megabyte leaves room for a long "name" or "crs".
_HEAD_BYTES = 1 << 20


def refuse_map_data(path: Path, kind: str, head: bytes | None = None) -> None:
    """Stop at map data given to the reader of ``kind``, which reads tables or records.

    ``head`` is the file's first bytes as the reader sees them (decompressed, for a gzip file);
    read from the file when not given. A zip is map data when it holds a shapefile, GeoPackage
    or GeoJSON.

    Raises :class:`InputFileError` naming what the file is and ``--source boundaries``.
    """
    if head is None:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    what = map_data_kind(path, head) or ("a zipped shapefile" if holds_vector_data(path) else None)
    if what:
        raise InputFileError(
            path,
            f"{what} (map features), not a table: {kind} reads a table of records; "
            "administrative boundaries are ingested with --source boundaries",
        )

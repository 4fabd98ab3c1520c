"""Writing frames in the formats analysts open: CSV (Excel), JSON, GeoJSON and GeoParquet (QGIS), HXL."""

from bluehelmet.exports.events_file import FILE_FORMATS, write_events_file
from bluehelmet.exports.frames import FORMATS, output_format, write_frame

__all__ = ["FILE_FORMATS", "FORMATS", "output_format", "write_events_file", "write_frame"]

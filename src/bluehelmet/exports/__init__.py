"""Writing frames in the formats analysts open: CSV (Excel), JSON, GeoJSON and GeoParquet (QGIS), HXL."""

from bluehelmet.exports.events_file import write_events_file
from bluehelmet.exports.frames import FORMATS, write_frame

__all__ = ["FORMATS", "write_events_file", "write_frame"]

"""bluehelmet: protection of civilians analysis for UN peace operations.

>>> import bluehelmet
>>> store = bluehelmet.open("demo/bluehelmet.duckdb")   # doctest: +SKIP
>>> bluehelmet.ingest(store, "GEDEvent_v26_0_2.csv")     # doctest: +SKIP
"""

from bluehelmet.errors import BluehelmetError, InputFileError, NotFoundError
from bluehelmet.ingest import ingest
from bluehelmet.store import EventFilter, Store, open
from bluehelmet.store.engine import IngestReport

__version__ = "0.1.0"
__all__ = [
    "BluehelmetError",
    "EventFilter",
    "IngestReport",
    "InputFileError",
    "NotFoundError",
    "Store",
    "ingest",
    "open",
]

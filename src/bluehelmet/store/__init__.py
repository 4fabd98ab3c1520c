"""The canonical store: schema, persistence, idempotent ingest with revisions and quarantine.

``store.engine`` (the ingest engine) is imported by ``bluehelmet.ingest``, not here: readers
import the schema from this package, and the engine imports the readers' result type.
"""

from bluehelmet.store.store import EventFilter, Store, default_db_path, open

__all__ = ["EventFilter", "Store", "default_db_path", "open"]

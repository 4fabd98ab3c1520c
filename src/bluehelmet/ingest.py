"""Ingest: read a file with its reader and write it into the store, in one transaction.

This is where the layers meet: the reader (``sources``) turns the file into canonical rows,
the engine (``store``) writes them, and the steps that enrich events run before the commit,
so a store never holds half an ingest. Steps are registered by the layers that own them
(administrative units from ``geo``, actor resolution from ``actors``) with
:func:`after_ingest`.

>>> import bluehelmet
>>> with bluehelmet.open("demo.duckdb") as store:                       # doctest: +SKIP
...     report = bluehelmet.ingest(store, "ucdpged_sample1000_v23_1.csv")
>>> report.rows_in == report.stored + report.updated + report.unchanged + report.rejected  # doctest: +SKIP
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from bluehelmet.sources import detect_kind, get_kind
from bluehelmet.store.engine import IngestReport, apply_read_result, file_sha256, previous_ingest
from bluehelmet.store.store import Store

INGEST_MEMORY_LIMIT = "1GB"

# A step gets the connection (inside the ingest transaction), the table written and the batch id.
IngestStep = Callable[[duckdb.DuckDBPyConnection, str, int], None]
_STEPS: list[tuple[str, IngestStep]] = []


def after_ingest(name: str) -> Callable[[IngestStep], IngestStep]:
    """Register a step to run inside every ingest transaction, after the rows are written."""

    def decorator(step: IngestStep) -> IngestStep:
        _STEPS[:] = [(n, s) for n, s in _STEPS if n != name] + [(name, step)]
        return step

    return decorator


def ingest(
    store: Store,
    path: str | Path,
    kind: str | None = None,
    *,
    release: str | None = None,
    **reader_options,
) -> IngestReport:
    """Ingest one file into ``store`` and return what happened.

    Parameters
    ----------
    store:
        An open store.
    path:
        The file to read.
    kind:
        The source kind (``ucdp-ged``, ``acled``...); detected from the file when None.
    release:
        The source's release, when the file does not say it.

    The whole file is one transaction: a problem with the file raises and stores nothing;
    problems with rows send those rows to quarantine. Ingesting a file that was already
    ingested (same bytes, same kind) changes nothing and says so.
    """
    _load_steps()
    path = Path(path)
    source_kind = get_kind(kind) if kind else detect_kind(path)
    sha256 = file_sha256(path)
    earlier = previous_ingest(store.con, sha256, source_kind.name)
    if earlier is not None:
        earlier.file = str(path)
        return earlier
    options = dict(reader_options)
    if release:
        options["release"] = release
    result = source_kind.read(path, **options)
    # A million-row ingest spills to the store's temp folder rather than growing in memory.
    store.con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
    try:
        with store.transaction() as con:
            report = apply_read_result(con, result, path=path, sha256=sha256)
            for _, step in _STEPS:
                step(con, result.table, report.batch_id)
    finally:
        store.con.execute("RESET memory_limit")
    return report


def _load_steps() -> None:
    """Import the layers that register ingest steps (they register on import)."""
    import bluehelmet.geo.assign  # noqa: F401
    import bluehelmet.actors.wiring  # noqa: F401

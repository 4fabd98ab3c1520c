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

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import duckdb

from bluehelmet.errors import InputFileError
from bluehelmet.sources import detect_kind, get_kind
from bluehelmet.sources.archive import extracted, shown_name, table_in_zip, zip_member
from bluehelmet.sources.registry import SourceKind
from bluehelmet.store.engine import IngestReport, apply_read_result, apply_streamed, file_sha256, previous_ingest
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


def _folder_hint(folder: Path) -> str:
    """What to say when given a folder: the files in it to give instead (a shapefile's .shp first)."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    shapefiles = [p for p in files if p.suffix.lower() == ".shp"]
    named = (shapefiles or files)[:3]
    if not named:
        return "a folder, not a file, and an empty one"
    return "a folder, not a file: give the files in it, such as " + ", ".join(str(p) for p in named)


def ingest(
    store: Store,
    path: str | Path,
    kind: str | None = None,
    *,
    release: str | None = None,
    progress: Callable[[str], None] | None = None,
    **reader_options,
) -> IngestReport:
    """Ingest one file into ``store`` and return what happened.

    Parameters
    ----------
    store:
        An open store.
    path:
        The file to read. A ``.zip`` holding one table (``ged251-csv.zip``) is read as that
        table, recorded as ``ged251-csv.zip/GEDEvent_v25_1.csv``; one table of a zip holding
        several is named that way (``geopko.zip/FrontMap_v.2.3.csv``).
    kind:
        The source kind (``ucdp-ged``, ``acled``...); detected from the file when None.
    release:
        The source's release, when the file does not say it.
    progress:
        Called with the name of each stage as it begins: ``unzipping`` for a zip, ``reading``
        then ``writing`` (or ``reading and writing`` for big UCDP files, written as they are
        read), then each ingest step (``admin-units``, ``actors``). A million-row file takes
        tens of seconds.

    The whole file is one transaction: a problem with the file raises and stores nothing;
    problems with rows send those rows to quarantine. Ingesting a file that was already
    ingested (same bytes, same kind) changes nothing and says so.
    """
    _load_steps()
    path = Path(path)
    if path.is_dir():
        raise InputFileError(path, _folder_hint(path))
    options = dict(reader_options)
    if release:
        options["release"] = release
    stage = progress or _no_stage
    inside = None if path.exists() else zip_member(path)
    if inside is not None:
        path, member = inside  # one table of a zip, named ARCHIVE.zip/MEMBER
    elif not path.is_file():
        raise InputFileError(path, "no such file")
    else:
        # A zip holding one table (as UCDP publishes its releases) is ingested as that table.
        member = None if kind and get_kind(kind).reads_zip else table_in_zip(path)
    if member is None:
        return _ingest_file(store, path, kind, options, stage, shown=str(path))
    stage("unzipping")
    with extracted(path, member) as table:
        return _ingest_file(store, table, kind, options, stage, shown=shown_name(path, member))


def _ingest_file(
    store: Store, path: Path, kind: str | None, options: dict, stage: Callable[[str], None], *, shown: str
) -> IngestReport:
    """Ingest the file at ``path``, recorded in the batches and the report as ``shown``."""
    source_kind = get_kind(kind) if kind else detect_kind(path)
    size = path.stat().st_size
    with ThreadPoolExecutor(max_workers=1) as pool:
        if _may_be_ingested(store, shown, size, source_kind.name):
            # Most likely a re-run or a copy: hash first, and skip reading a file already in.
            hashing: Future = Future()
            hashing.set_result(file_sha256(path, source_kind.companion_files(path)))
            earlier = previous_ingest(store.con, hashing.result(), source_kind.name)
            if earlier is not None:
                earlier.file = shown
                return earlier
        else:
            # Hash the file while it is read (hashing a gigabyte takes about a second). No earlier
            # file had this size, so the bytes cannot be in already; the check after the read is
            # for a store whose batches predate recorded sizes.
            hashing = pool.submit(file_sha256, path, source_kind.companion_files(path))
        try:
            return _read_and_write(store, path, source_kind, options, hashing, stage, shown, size)
        except _AlreadyIngested as already:
            already.report.file = shown
            return already.report


class _AlreadyIngested(Exception):
    """The file's bytes were ingested before as the same kind: undo this ingest, report that one."""

    def __init__(self, report: IngestReport):
        super().__init__(report.file)
        self.report = report


def _read_and_write(
    store: Store,
    path: Path,
    source_kind: SourceKind,
    options: dict,
    hashing: Future,
    stage: Callable[[str], None],
    shown: str,
    size: int,
) -> IngestReport:
    """Read the file and write it in one transaction, undone if its hash shows it was in already.

    ``stage(name)`` is called as each stage begins; the batch records the file as ``shown``, of
    ``size`` bytes.
    """

    def check_not_ingested(con) -> str:
        sha256 = hashing.result()
        earlier = previous_ingest(con, sha256, source_kind.name)
        if earlier is not None:
            raise _AlreadyIngested(earlier)
        return sha256

    if source_kind.stream:
        result = None
    else:
        stage("reading")
        result = source_kind.read(path, **options)
    # A million-row ingest spills to the store's temp folder rather than growing in memory.
    with store.memory_capped(INGEST_MEMORY_LIMIT):
        with store.transaction() as con:
            stage("reading and writing" if result is None else "writing")
            if result is None:
                # Big files: the store reads the file and writes its rows in one pass.
                read = source_kind.stream(path, **options)
                report = apply_streamed(con, read, path=shown, file_bytes=size, sha256="")
                report.sha256 = check_not_ingested(con)
                con.execute("UPDATE ingest_batches SET sha256 = ? WHERE batch_id = ?", [report.sha256, report.batch_id])
            else:
                report = apply_read_result(
                    con, result, path=shown, file_bytes=size, sha256=check_not_ingested(con)
                )
            for name, step in _STEPS:
                stage(name)
                step(con, source_kind.table, report.batch_id)
    return report


def _no_stage(name: str) -> None:
    """Stages go unreported when nobody asked for progress."""


def _may_be_ingested(store: Store, shown: str, size: int, kind: str) -> bool:
    """Whether a file recorded as ``shown``, or one of the same size, was ingested as this kind before."""
    rows = store.con.execute(
        "SELECT count(*) FROM ingest_batches WHERE source_kind = ? AND (file_path = ? OR file_bytes = ?)",
        [kind, shown, size],
    ).fetchall()
    return bool(rows[0][0])


def _load_steps() -> None:
    """Import the layers that register ingest steps (they register on import)."""
    import bluehelmet.geo.assign  # noqa: F401
    import bluehelmet.actors.wiring  # noqa: F401

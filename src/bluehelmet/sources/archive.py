"""Zip archives: one holding a table is read as it (UCDP publishes its yearly GED and ACD releases
this way); any other given where a data file was expected is named for what it holds.

``ged251-csv.zip`` holds ``GEDEvent_v25_1.csv`` and nothing else, so an analyst who downloaded
it should not have to unzip it first. The table inside is extracted to a temporary folder and
ingested as a file of its own, recorded as ``ged251-csv.zip/GEDEvent_v25_1.csv`` (the way GDAL
and QGIS name a file inside a zip), with the sha256 and size of the table itself: the same CSV
ingested later unzipped is recognised as ingested already.

A zip of several tables (Geo-PKO v2.3's FrontMap, TCCMap and TTMap) is read one table at a
time, named the same way: ``geopko.zip/FrontMap_v.2.3.csv``. The tables beside it in its folder
of the archive are extracted with it, for readers that read a companion file from beside theirs
(FrontMap's contributing countries are in TCCMap).

A zip of a shapefile is not a table: the boundaries reader opens those itself, wherever in the
archive the shapefile sits (:func:`vector_in_zip`). A zip of several layers (a COD-AB download
often holds one shapefile per admin level) is read one layer at a time, each named inside the
archive (``cod-ab.zip/mli_admbnda_adm2.shp``): each layer is one level, with its own release
and its own feature numbers, so each is a batch of its own.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from bluehelmet.errors import BluehelmetError, InputFileError
from bluehelmet.sources.spreadsheet import SPREADSHEET_SUFFIXES
from bluehelmet.sources.vector_file import missing_parts_problem, missing_shapefile_parts, shp_header_problem

TABLE_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".gz"} | SPREADSHEET_SUFFIXES
# A .txt file is often the archive's read-me: it counts as the table only when nothing else does.
FALLBACK_SUFFIXES = {".txt"}
# The files of vector data, which the boundaries reader opens inside a zip without unzipping it.
VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson"}


def table_in_zip(path: str | Path) -> str | None:
    """The name of the one table inside the zip archive ``path``; None if ``path`` is not a
    ``.zip`` or holds vector data (a zipped shapefile).

    Raises :class:`InputFileError` for a damaged zip, and for a zip with no table or with
    several (naming what it holds).
    """
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return None
    names = _contents(path)
    suffixes = {name: PurePosixPath(name).suffix.lower() for name in names}
    if any(s in VECTOR_SUFFIXES for s in suffixes.values()):
        return None
    tables = [n for n in names if suffixes[n] in TABLE_SUFFIXES] or [
        n for n in names if suffixes[n] in FALLBACK_SUFFIXES
    ]
    if len(tables) == 1:
        return tables[0]
    if not tables:
        held = _listed(names) if names else "nothing"
        raise InputFileError(path, f"a zip archive with no CSV, Excel or JSON file inside (it holds {held})")
    raise InputFileError(
        path,
        f"a zip archive with {len(tables)} tables inside ({_listed(tables)}): ingest each one you want "
        f"by its name in the archive, as {shown_name(path, tables[0])}",
    )


def vector_in_zip(path: str | Path) -> str:
    """The name of the one vector layer (a shapefile's ``.shp``, a GeoPackage or a GeoJSON) in
    the zip archive ``path``, in whatever folder of the archive it sits.

    Raises :class:`InputFileError` for a damaged zip; a zip with no layer; one with several
    (naming the path to give for each); and a shapefile without its ``.dbf`` or ``.shx``, or
    whose ``.shp`` is cut short.
    """
    path = Path(path)
    names = _contents(path)
    layers = _layers(names)
    if not layers:
        held = _listed(names) if names else "nothing"
        raise InputFileError(path, f"a zip archive with no shapefile, GeoPackage or GeoJSON inside (it holds {held})")
    if len(layers) > 1:
        raise InputFileError(
            path,
            f"a zip archive with {len(layers)} layers ({_listed(layers)}): each is ingested as a file of its "
            "own (a layer of boundaries is one admin level, with its own release and feature numbers); give "
            f"each you want by its path in the archive: {' '.join(shown_name(path, layer) for layer in layers)}",
        )
    layer = layers[0]
    if PurePosixPath(layer).suffix.lower() == ".shp":
        missing = missing_shapefile_parts(layer, names)
        if missing:
            raise InputFileError(shown_name(path, layer), missing_parts_problem(PurePosixPath(layer).name, missing))
        with zipfile.ZipFile(path) as archive, archive.open(layer) as shp:
            problem = shp_header_problem(shp.read(100), archive.getinfo(layer).file_size)
        if problem:
            raise InputFileError(shown_name(path, layer), problem)
    return layer


def holds_vector_data(path: str | Path) -> bool:
    """Whether ``path`` is a zip archive with a shapefile, GeoPackage or GeoJSON inside (False
    for a damaged zip)."""
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return False
    try:
        return bool(_layers(_contents(path)))
    except InputFileError:
        return False


def _layers(names: list[str]) -> list[str]:
    """The vector files among a zip's ``names``, in name order (a COD-AB zip's adm0, adm1...)."""
    return sorted(n for n in names if PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES)


def zip_member(path: str | Path) -> tuple[Path, str] | None:
    """``ARCHIVE.zip/MEMBER`` split into the archive and the member's name in it; None when
    ``path`` is not inside a ``.zip`` file.

    Raises :class:`InputFileError` when the archive has no such member, listing its tables.
    """
    path = Path(path)
    for archive in path.parents:
        if archive.suffix.lower() == ".zip" and archive.is_file():
            break
    else:
        return None
    member = path.relative_to(archive).as_posix()
    names = _contents(archive)
    if member not in names:
        tables = [n for n in names if PurePosixPath(n).suffix.lower() in TABLE_SUFFIXES] or names
        held = _listed(tables) if tables else "nothing"
        raise InputFileError(path, f"no file {member} in the zip archive {archive.name} (it holds {held})")
    return archive, member


@contextlib.contextmanager
def extracted(path: str | Path, member: str) -> Iterator[Path]:
    """``member`` of the zip ``path`` extracted into a temporary folder, removed afterwards.

    The extracted file keeps the member's own name (readers take the release from it, as in
    ``GEDEvent_v25_1.csv``), and the other tables of its folder in the archive are extracted
    beside it, as are the files of the same name (a shapefile's ``.dbf``, ``.shx``, ``.prj``). An
    error raised about the extracted copy inside the block is told of ``ARCHIVE.zip/MEMBER``
    instead of a temporary path.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="bluehelmet-unzip-") as folder:
        # Only the member's own name: a path stored in the zip never leads outside the folder.
        target = Path(folder) / PurePosixPath(member).name
        with zipfile.ZipFile(path) as archive:
            for name in [member, *_tables_beside(archive, member), *_parts_beside(archive, member)]:
                with archive.open(name) as source, open(Path(folder) / PurePosixPath(name).name, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
        try:
            yield target
        except BluehelmetError as exc:
            _retell(exc, str(target), shown_name(path, member))
            raise


def zip_hint(path: Path) -> str:
    """What to say of a zip archive where a data file was expected (a zip saved as ``.csv``, or a
    zipped shapefile the boundaries reader could not open): unzip it, naming its files."""
    try:
        names = _files(path)
    except zipfile.BadZipFile as exc:
        return f"a damaged zip archive ({exc})"
    if not names:
        return "an empty zip archive"
    return f"a zip archive, not a data file: unzip it and ingest the file inside ({_listed(names)})"


def shown_name(path: str | Path, member: str) -> str:
    """How a file inside a zip is named to the user and in the ingest batches: ``ARCHIVE.zip/MEMBER``."""
    return f"{Path(path)}/{member}"


def _retell(exc: BluehelmetError, temporary: str, shown: str) -> None:
    """Rewrite ``exc``'s message (and path) to name the file inside the archive.

    Errors are built with their message already formatted, so the temporary path is replaced in
    place rather than rebuilding each kind of error.
    """
    exc.args = tuple(a.replace(temporary, shown) if isinstance(a, str) else a for a in exc.args)
    if isinstance(exc, InputFileError) and str(exc.path) == temporary:
        exc.path = Path(shown)


def _tables_beside(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The other tables in ``member``'s folder of the archive (not in folders below it)."""
    folder = PurePosixPath(member).parent
    return [
        m.filename for m in archive.infolist()
        if not m.is_dir() and m.filename != member and not _is_clutter(m.filename)
        and PurePosixPath(m.filename).parent == folder and PurePosixPath(m.filename).suffix.lower() in TABLE_SUFFIXES
    ]


def _parts_beside(archive: zipfile.ZipFile, member: str) -> list[str]:
    """The files of ``member``'s folder with its name and another suffix: the parts of a shapefile."""
    stem = str(PurePosixPath(member).with_suffix("")).lower()
    return [
        m.filename for m in archive.infolist()
        if not m.is_dir() and m.filename != member and str(PurePosixPath(m.filename).with_suffix("")).lower() == stem
        and PurePosixPath(m.filename).suffix.lower() not in TABLE_SUFFIXES
    ]


def _contents(path: Path) -> list[str]:
    """The files in the zip ``path`` but a machine's clutter; :class:`InputFileError` if damaged."""
    try:
        return [name for name in _files(path) if not _is_clutter(name)]
    except zipfile.BadZipFile as exc:
        raise InputFileError(path, f"a damaged zip archive ({exc})") from None


def _files(path: Path) -> list[str]:
    """The names of the files (not folders) in the zip ``path``; raises ``zipfile.BadZipFile``."""
    with zipfile.ZipFile(path) as archive:
        return [m.filename for m in archive.infolist() if not m.is_dir()]


def _is_clutter(name: str) -> bool:
    """Files a zip picks up from the machine that made it: macOS resource forks, hidden files."""
    parts = PurePosixPath(name).parts
    return parts[0] == "__MACOSX" or parts[-1].startswith(".")


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")

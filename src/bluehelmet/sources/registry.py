"""The kinds of input bluehelmet reads, and detection of a file's kind from its header."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bluehelmet.errors import InputFileError, UnknownSourceKindError
from bluehelmet.sources.archive import zip_hint
from bluehelmet.sources.base import ReadResult, StreamedRead
from bluehelmet.sources.spreadsheet import empty_sheet_error, is_spreadsheet, spreadsheet_header
from bluehelmet.sources.textfile import open_text_head, refuse_binary, sniff_delimiter, sniff_encoding

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".gz"}


@dataclass(frozen=True)
class SourceKind:
    """One kind of input: its name, target table, reader and header test."""

    name: str
    table: str
    description: str
    read: Callable[..., ReadResult]
    # Given the lower-cased header names of a delimited file and its path, is it this kind?
    detect_header: Callable[[set[str], Path], bool] | None = None
    # Given a non-delimited file (shapefile, GeoJSON, XLSX, JSON), is it this kind?
    detect_file: Callable[[Path], bool] | None = None
    # For kinds of big files: the same rows as ``read``, as a query the store runs itself.
    stream: Callable[..., StreamedRead] | None = None
    # What the ingest report's ``merged`` counts, for kinds that fold several rows into one record.
    merged_rows: str = "rows merged into another row's record"
    # Whether the reader opens a .zip itself (a zipped shapefile); other zips are unzipped first.
    reads_zip: bool = False
    # The files beside the one given that the reader reads too (a shapefile's .dbf, Geo-PKO's
    # TCCMap): they are part of the file's identity, so a correction to one is read again.
    companions: Callable[[Path], list[Path]] | None = None

    def companion_files(self, path: Path) -> list[Path]:
        """The companions of ``path`` that exist, in a fixed order."""
        return self.companions(path) if self.companions else []


_KINDS: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    """Add a kind to the registry (each reader module registers its own)."""
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, SourceKind]:
    """Every registered kind, by name."""
    return dict(_KINDS)


def get_kind(name: str) -> SourceKind:
    """The kind called ``name``; the error lists the kinds that exist."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownSourceKindError(
            f"unknown source kind {name!r}; the kinds are: {', '.join(sorted(_KINDS))}"
        ) from None


def read_header(path: Path) -> list[str]:
    """The header names of a delimited text file or a workbook's first sheet (empty list if it has none)."""
    if is_spreadsheet(path):
        return [h.strip() for h in spreadsheet_header(path)]
    head = open_text_head(path)
    text = head.decode(sniff_encoding(head), errors="replace").lstrip("\ufeff")
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = sniff_delimiter(lines[0])
    return [h.strip().strip('"').strip() for h in lines[0].split(delimiter)]


def detect_kind(path: str | Path) -> SourceKind:
    """Guess a file's kind from its format (shapefile, GeoJSON, HXL workbook, ...) or else from
    its header (delimited text, or a workbook's first sheet).

    Raises :class:`UnknownSourceKindError` naming the columns found when nothing matches.
    """
    path = Path(path)
    matches = [k for k in _KINDS.values() if k.detect_file and k.detect_file(path)]
    if matches:
        return matches[0]
    if path.suffix.lower() in TEXT_SUFFIXES or path.suffix == "" or is_spreadsheet(path):
        if not is_spreadsheet(path):
            refuse_binary(path, open_text_head(path))  # before binary bytes are shown as a header
        names = read_header(path)
        header = {h.lower() for h in names if h}
        # A kind may know its table below a blank first line (an HXL sheet under a title).
        matches = [k for k in _KINDS.values() if k.detect_header and k.detect_header(header, path)]
        if len(matches) >= 1:
            return matches[0]
        if not any(names) and is_spreadsheet(path):
            raise empty_sheet_error(path)
        if not any(names):
            raise InputFileError(path, "the file is empty, or its first line is blank: the first line should name the columns")
        shown = ", ".join(sorted(header)[:30])
        raise UnknownSourceKindError(
            f"{path}: cannot tell what kind of file this is from its header ({shown}); "
            f"give --source, one of: {', '.join(sorted(_KINDS))} "
            "(a mission's incident sheet without HXL hashtags: --source incidents --map MAP.yaml)"
        )
    if path.suffix.lower() == ".zip":
        raise UnknownSourceKindError(f"{path}: {zip_hint(path)}")
    raise UnknownSourceKindError(
        f"{path}: cannot tell what kind of file this is; give --source, one of: {', '.join(sorted(_KINDS))}"
    )

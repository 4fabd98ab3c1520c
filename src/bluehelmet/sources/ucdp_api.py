"""UCDP GED and Candidate events saved from the UCDP API (JSON pages), into canonical events.

The API (``GET https://ucdpapi.pcr.uu.se/api/gedevents/<version>?pagesize=N``) answers with
pages shaped ``{"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result": [...]}``,
where each event of ``Result`` carries the GED CSV's columns. This reader takes what
:func:`bluehelmet.sources.download.fetch_ucdp_api` saves (JSON Lines, one page per line), a
single saved page, or a JSON array of events, and maps the events with the very same SQL as
the GED CSV reader (:func:`bluehelmet.sources.ucdp_ged.events_from_staging`), so an event read
from the API and from the CSV of the same release is the same row.

Pages are read one at a time and written to Parquet, so a whole release saved from the API
never sits in memory as Python objects; pages that differ in their keys line up by name. Row
numbers in rejects count events from 1 across all pages.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from bluehelmet.errors import InputFileError
from bluehelmet.sources.base import ReadResult, empty_rejects, reader_connection, sql_literal
from bluehelmet.sources.jsonfile import json_encoding, json_head, load_json, undecodable
from bluehelmet.sources.map_data import refuse_map_data
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.ucdp_ged import (
    COLUMN_ALIASES,
    events_from_staging,
    is_candidate_release,
    release_from_filename,
)

KIND = "ucdp-api"

_VERSION_IN_URL = re.compile(r"/gedevents/(\d{2}\.\d+(?:\.\d+)?)", re.IGNORECASE)


def read_ucdp_api_json(path: str | Path, *, release: str | None = None, candidate: bool | None = None) -> ReadResult:
    """Read UCDP API pages saved as JSON (one page, JSON Lines of pages, or an array of events).

    Parameters
    ----------
    path:
        The saved file.
    release:
        The GED release (``25.1``, ``26.0.2``); by default the version in the pages' own
        next/previous URLs, else the one in the file name.
    candidate:
        Whether these are Candidate events; by default, when the release is ``YY.0.N``.

    Examples
    --------
    >>> result = read_ucdp_api_json("ucdp-api-gedevents-v25.1.jsonl")  # doctest: +SKIP
    >>> result.kind, result.records.column("source")[0].as_py()        # doctest: +SKIP
    ('ucdp-api', 'ucdp-ged')
    """
    path = Path(path)
    folder = tempfile.TemporaryDirectory(prefix="bluehelmet-ucdp-api-")
    # Page by page into Parquet, so a whole GED saved from the API never sits in memory as
    # Python objects; the first page's links tell the release.
    pages = iter_pages(path)
    first = next(pages, None)
    if first is None:
        raise InputFileError(path, "the file holds no UCDP API page")
    release = release or _release_from_pages([first]) or release_from_filename(path)
    if candidate is None:
        candidate = is_candidate_release(release)
    # The API writes active_year as a JSON boolean; the CSV of the same release writes 1/0
    # (yearly) or true/false (Candidate). Spelling it like the CSV makes the two the same row.
    active_year = ("true", "false") if candidate else ("1", "0")
    files, count = [], 0
    for page in itertools.chain([first], pages):
        events = page["Result"]
        for number, event in enumerate(events, start=count + 1):
            if not isinstance(event, dict):
                raise InputFileError(path, "an event of Result is not a JSON object", row=number, value=str(event)[:80])
        if events:
            table = events_to_text_table(events, active_year=active_year, first_row=count + 1)
            files.append(Path(folder.name) / f"page-{len(files):06d}.parquet")
            pq.write_table(table, files[-1])
            count += len(events)
    if not count:
        raise InputFileError(path, "the UCDP API pages hold no events (Result is empty)")
    con = reader_connection(memory_limit="1GB", temp_directory=folder.name)
    try:
        listing = "[" + ", ".join(sql_literal(str(f)) for f in files) + "]"
        # Pages may differ in which keys they carry: columns are matched by name.
        con.execute(f"CREATE OR REPLACE TEMP VIEW staging AS SELECT * FROM read_parquet({listing}, union_by_name = true)")
        header = [r[0] for r in con.execute("DESCRIBE staging").fetchall() if r[0] != "_row"]
        return events_from_staging(
            con,
            path,
            header,
            kind=KIND,
            source="ucdp-candidate" if candidate else "ucdp-ged",
            release=release,
            folder=folder,
            rows_in=count,
            parser_rejects=empty_rejects(),
        )
    finally:
        con.close()


def iter_pages(path: Path) -> Iterator[dict]:
    """The API pages of a saved file one at a time, each a dict with a ``Result`` list.

    Accepts JSON Lines with one page per line (read line by line), one page (a JSON object), or
    a JSON array of events (taken as one page), also pretty-printed over many lines.
    """
    try:
        yield from _pages(path)
    except UnicodeDecodeError as exc:
        raise undecodable(path, exc, "UCDP API JSON") from None
    except RecursionError:
        raise InputFileError(path, "not UCDP API JSON: arrays or objects nested too deeply") from None


def _pages(path: Path) -> Iterator[dict]:
    if not path.exists():
        raise InputFileError(path, "no such file")
    # Before the first line is parsed: a GeoJSON written on one line would read as a page. The
    # head is decoded first, for a GeoJSON saved as UTF-16.
    refuse_map_data(path, KIND, json_head(path, 1 << 20).encode("utf-8"))
    encoding = json_encoding(path)
    with open(path, encoding=encoding) as handle:
        first = next((line for line in handle if line.strip()), None)
    if first is None:
        raise InputFileError(path, "the file is empty")
    try:
        json.loads(first)
    except json.JSONDecodeError:
        # Not JSON Lines: one document spread over many lines.
        yield _as_page(path, load_json(path, "UCDP API JSON"), None)
        return
    with open(path, encoding=encoding) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputFileError(path, f"line is not JSON ({exc.msg})", row=line_number, value=line[:80]) from None
            yield _as_page(path, document, line_number)


def _as_page(path: Path, document: object, line_number: int | None) -> dict:
    if isinstance(document, list):
        return {"Result": document}
    if isinstance(document, dict) and isinstance(document.get("Result"), list):
        return document
    keys = ", ".join(list(document)[:10]) if isinstance(document, dict) else type(document).__name__
    raise InputFileError(path, f"not a UCDP API page: expected an object with a Result list (found {keys})", row=line_number)


def events_to_text_table(events: list[dict], *, active_year: tuple[str, str] = ("1", "0"), first_row: int = 1) -> pa.Table:
    """One text column per event key (renamed like the CSV's columns) plus ``_row`` from ``first_row``.

    ``active_year`` is how a JSON boolean ``active_year`` is written (true, false).
    """
    columns: dict[str, list[str | None]] = {}
    for index, event in enumerate(events):
        for key, value in event.items():
            name = _column_name(key)
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * len(events)
            if name == "active_year" and isinstance(value, bool):
                column[index] = active_year[0] if value else active_year[1]
            else:
                column[index] = _as_text(value)
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["_row"] = pa.array(range(first_row, first_row + len(events)), pa.int64())
    return pa.table(arrays)


def _column_name(key: str) -> str:
    clean = key.strip().lower()
    return COLUMN_ALIASES.get(clean, clean)


def _as_text(value: object) -> str | None:
    """The text the CSV would hold for a JSON value (empty strings are missing, as in the CSV)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text != "" else None


def _release_from_pages(pages: list[dict]) -> str | None:
    for page in pages:
        for key in ("NextPageUrl", "PreviousPageUrl"):
            match = _VERSION_IN_URL.search(str(page.get(key) or ""))
            if match:
                return match.group(1)
    return None


def _detect_api_json(path: Path) -> bool:
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        return False
    head = json_head(path)
    return '"type_of_violence"' in head and ('"Result"' in head or head.lstrip().startswith("["))


register(
    SourceKind(
        KIND,
        "events",
        "UCDP GED or Candidate events saved from the UCDP API (JSON pages; see `bluehelmet download ucdp-api`)",
        read_ucdp_api_json,
        detect_file=_detect_api_json,
    )
)

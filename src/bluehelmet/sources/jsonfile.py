"""JSON files as they are saved: one document read whole, with errors that say what is wrong.

API responses saved by hand, and mission exports, arrive as UTF-8 (with or without a byte-order
mark) or as UTF-16 when a Windows editor saved them ("Unicode"), usually with a byte-order mark
and sometimes without one. All are read; anything else, a file cut short, or nesting too deep to
follow, ends with an error naming the file. GeoJSON given to a reader of records is named as map
data (:mod:`bluehelmet.sources.map_data`).
"""

from __future__ import annotations

import json
from pathlib import Path

from bluehelmet.errors import InputFileError
from bluehelmet.sources.map_data import refuse_map_data

# As much of the text as map data detection looks at (the type of a GeoJSON comes first).
_HEAD_CHARS = 1 << 20


def json_encoding(path: Path) -> str:
    """The encoding of a JSON file, told by its first bytes (:func:`encoding_of_json`)."""
    with open(path, "rb") as handle:
        return encoding_of_json(handle.read(4))


def encoding_of_json(head: bytes) -> str:
    """The encoding of JSON text that starts with ``head``: 'utf-16' after a UTF-16 byte-order
    mark; 'utf-16-le' or 'utf-16-be' for UTF-16 without one; else 'utf-8-sig' (UTF-8, a
    byte-order mark skipped).

    JSON begins with an ASCII character (a bracket, a quote, a space), which UTF-16 writes as
    one NUL byte and one other: where the NUL is tells the byte order (the way RFC 4627 tells
    the encoding of JSON).

    >>> encoding_of_json('{"a": 1}'.encode("utf-16-le")), encoding_of_json(b'{"a": 1}')
    ('utf-16-le', 'utf-8-sig')
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) >= 2 and 0 < head[0] < 0x80 and head[1] == 0:
        return "utf-16-le"
    if len(head) >= 2 and head[0] == 0 and 0 < head[1] < 0x80:
        return "utf-16-be"
    return "utf-8-sig"


def is_utf16(path: Path) -> bool:
    """Whether the JSON file ``path`` is UTF-16 text (with or without a byte-order mark)."""
    return json_encoding(path).startswith("utf-16")


def json_head(path: Path, size: int = 1 << 16) -> str:
    """The first ``size`` bytes of a JSON file as text, in its encoding (for kind detection and
    map data detection, which look for key names)."""
    with open(path, "rb") as handle:
        head = handle.read(size)
    # A character cut at the end of the sample is dropped.
    return head.decode(encoding_of_json(head), errors="ignore")


def undecodable(path: Path, exc: UnicodeDecodeError, what: str) -> InputFileError:
    """The error for a JSON file whose text does not decode, in the encoding it was read in."""
    if exc.encoding.startswith("utf-16"):  # a byte-order mark or NULs said UTF-16
        # No byte offset: read line by line, the decoder counts from the start of its chunk.
        return InputFileError(path, f"UTF-16 text that does not decode ({exc.reason}): it is damaged or cut short; save {what} as UTF-8")
    return InputFileError(path, f"not UTF-8 text (byte {exc.start}: {exc.reason}): {what} is saved as UTF-8")


def load_json(path: Path, what: str, *, kind: str | None = None) -> object:
    """The JSON document in ``path``; ``what`` names what it should be, for the errors
    ("ACLED JSON", "an incident JSON file").

    ``kind`` is the source kind of a reader of records (``acled``, ``incidents``): GeoJSON given
    to it is refused as map data, naming ``--source boundaries``, before it is parsed.

    Raises :class:`InputFileError` for a missing or empty file, text that is not UTF-8 or
    UTF-16, JSON that does not parse (with the line and column, and whether the file ends
    before the JSON does or is not JSON at all), GeoJSON given to the reader of ``kind``, and
    nesting too deep.
    """
    if not path.exists():
        raise InputFileError(path, "no such file")
    try:
        text = path.read_text(encoding=json_encoding(path))
    except UnicodeDecodeError as exc:
        raise undecodable(path, exc, what) from None
    if not text.strip():
        raise InputFileError(path, "the file is empty")
    if kind is not None:
        refuse_map_data(path, kind, text[:_HEAD_CHARS].encode("utf-8"))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise InputFileError(path, f"cannot be read as {what}: {where}{_parse_hint(text, exc)}") from None
    except RecursionError:
        raise InputFileError(path, f"cannot be read as {what}: arrays or objects nested too deeply") from None


def _parse_hint(text: str, error: json.JSONDecodeError) -> str:
    """What the parser's message means for the person who has the file, where it is plain: the
    text is not JSON at all (a CSV saved under a .json name), or the JSON stops where the file
    does (a download or copy that stopped; an unterminated string is reported where the string
    starts, but it too runs to the end)."""
    if not text.lstrip().startswith(("{", "[")):
        return "; the file does not begin with { or [ as a JSON document does: it is not JSON"
    if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
        return "; the file ends before the JSON does: it was cut short (a download or copy that stopped?)"
    return ""

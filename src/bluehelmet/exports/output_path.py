"""Where an output file goes: checked before any work, its folders made when it is written.

A command that spends a minute building a report, or streams a million events, should not
fail at the end because ``--out`` names a folder or a place nobody may write, and a path into
folders that do not exist yet (``--out exports/mali/events.csv``) is a request to make them.

>>> check_output_path("/")
Traceback (most recent call last):
...
bluehelmet.errors.InvalidRequestError: cannot write /: it is a folder; give a file name inside it
"""

from __future__ import annotations

import os
from pathlib import Path

from bluehelmet.errors import InvalidRequestError


def check_output_path(path: str | Path) -> Path:
    """``path`` as a :class:`Path` when a file can be written there; else :class:`InvalidRequestError` saying why.

    Folders on the way that do not exist yet are allowed (:func:`prepare_output` makes them);
    a folder at ``path`` itself, a file where a folder should be, or a folder the user may not
    write in is refused.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise InvalidRequestError(f"cannot write {path}: it is a folder; give a file name inside it")
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidRequestError(f"cannot write {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidRequestError(f"cannot write {path}: permission denied")
    return path


def prepare_output(path: str | Path) -> Path:
    """:func:`check_output_path`, then make the folders on the way to ``path`` that do not exist."""
    path = check_output_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path

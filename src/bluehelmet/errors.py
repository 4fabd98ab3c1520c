"""The errors a user can fix, each with enough context to fix it.

Every message names what was wrong and, where there is one, the file, row, column and value.
The CLI turns any :class:`BluehelmetError` into a one-paragraph message and a non-zero exit;
anything else is a bug and shows a traceback.
"""

from __future__ import annotations

from pathlib import Path


class BluehelmetError(Exception):
    """Base class of every error the user can act on."""


class InputFileError(BluehelmetError):
    """A whole input file cannot be read: nothing from it is stored.

    Parameters
    ----------
    path:
        The file.
    problem:
        What is wrong, as a sentence.
    row, column, value:
        Where the problem is, when it is at one place.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.row = row
        self.column = column
        self.value = value
        where = [f"{self.path}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if value is not None:
            where.append(f"value {str(value)!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class MissingColumnsError(InputFileError):
    """Required columns are absent; the message lists what is missing and what was found."""

    def __init__(self, path: str | Path, missing: list[str], found: list[str], kind: str) -> None:
        self.missing = list(missing)
        self.found = list(found)
        shown = ", ".join(found[:40]) + (" ..." if len(found) > 40 else "")
        super().__init__(
            path,
            f"not a {kind} file: missing required column(s) {', '.join(missing)}; "
            f"found {len(found)} column(s): {shown}",
        )


class UnknownSourceKindError(BluehelmetError):
    """The file's kind could not be detected, or the given kind does not exist."""


class StoreError(BluehelmetError):
    """The store cannot be opened or is not a bluehelmet store."""


class NotFoundError(BluehelmetError):
    """A named thing (actor, mission, area, batch) does not exist; the message says what does."""


class InvalidRequestError(BluehelmetError):
    """A request's arguments do not make sense (periods in the wrong order, unknown codes...)."""

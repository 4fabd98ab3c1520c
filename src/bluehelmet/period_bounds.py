"""The bounds of a period as people type them: a year, a month or a day.

``--from 2018`` starts on 1 January and ``--to 2018`` ends on 31 December; ``--to 2018-02`` ends
on the 28th. Anything else is refused with a message naming the option and the value, before it
reaches a query.

>>> parse_bound("2018-02", end=True, option="--to")
datetime.date(2018, 2, 28)
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from bluehelmet.errors import InvalidRequestError

_BOUND = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_bound(text: str | date, *, end: bool, option: str) -> date:
    """The first day (or, with ``end``, the last day) of the year, month or day ``text`` names.

    Raises :class:`InvalidRequestError` naming ``option`` for text that is none of
    ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, or names no real day (``2019-02-30``).
    """
    if isinstance(text, date):
        return text
    text = str(text).strip()
    found = _BOUND.match(text)
    try:
        if found:
            year, month, day = (int(part) if part else None for part in found.groups())
            if month is None:
                return date(year, 12, 31) if end else date(year, 1, 1)
            if day is None:
                return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
            return date(year, month, day)
    except ValueError:
        pass
    raise InvalidRequestError(
        f"{option} {text!r} is not a year (YYYY), a month (YYYY-MM) or a day (YYYY-MM-DD)"
    )


def period_clauses(column: str, start: str | date | None, end: str | date | None) -> tuple[list[str], list[date]]:
    """SQL conditions keeping ``column`` within ``start`` .. ``end`` (either may be None), with
    their parameters: the first and last day of the bounds given, in that order.

    >>> period_clauses("date_start", "2018", None)
    (['date_start >= ?'], [datetime.date(2018, 1, 1)])
    """
    clauses: list[str] = []
    days: list[date] = []
    if start:
        clauses.append(f"{column} >= ?")
        days.append(parse_bound(start, end=False, option="--from"))
    if end:
        clauses.append(f"{column} <= ?")
        days.append(parse_bound(end, end=True, option="--to"))
    return clauses, days

"""Months as integers (``year * 12 + month - 1``), so that arithmetic on them is plain addition."""

from __future__ import annotations

import re

from bluehelmet.errors import InvalidRequestError

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def month_id(text: str) -> int:
    """``'2018-12'`` -> 24227; raises a clear error for anything that is not ``YYYY-MM``.

    >>> month_id("2018-12") - month_id("2018-01")
    11
    """
    match = _MONTH.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidRequestError(f"not a month: {text!r}; write months as YYYY-MM, e.g. 2018-12")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_label(month: int) -> str:
    """24227 -> ``'2018-12'``."""
    year, m = divmod(int(month), 12)
    return f"{year:04d}-{m + 1:02d}"


def month_sql(date_column: str = "date_start") -> str:
    """SQL giving the integer month of a DATE column."""
    return f"(year({date_column}) * 12 + month({date_column}) - 1)"


def parse_horizons(text: str) -> list[int]:
    """``'1-12'`` -> [1..12], ``'1,3,6'`` -> [1, 3, 6].

    >>> parse_horizons("1-3,6")
    [1, 2, 3, 6]
    """
    out: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(v) for v in part.split("-", 1))
                out.update(range(lo, hi + 1))
            elif part:
                out.add(int(part))
        except ValueError:
            raise InvalidRequestError(f"not a horizon list: {text!r}; write e.g. 1-12 or 1,3,6") from None
    if not out or min(out) < 1 or max(out) > 36:
        raise InvalidRequestError(f"horizons must be between 1 and 36 months, got {text!r}")
    return sorted(out)

"""Parsing the dates analysts and exports write, in SQL, without guessing month/day order.

ACLED writes ``2019-05-14`` in API output, ``14 May 2019`` or ``14-May-19`` in older
spreadsheet exports; incident sheets add ``14/05/2019``. Slash and dash numeric dates are read
day first (``14/05/2019``), the convention of every source bluehelmet reads; a sheet that writes
month first says so with an explicit format. An impossible date (``2019-02-30``) parses to NULL,
so the reader can reject the row and quote the value.
"""

from __future__ import annotations

# ISO dates, as a spreadsheet's date cells are staged and as APIs write them: year first, so
# they cannot be mistaken for another order whatever format a sheet declares.
ISO_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

# strptime formats tried in order; the first that parses wins.
DAY_FIRST_FORMATS: tuple[str, ...] = (
    *ISO_FORMATS,
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
)


def date_sql(expression: str, formats: tuple[str, ...] | list[str] | None = None) -> str:
    """SQL turning the text ``expression`` into a DATE, or NULL when no format fits.

    Parameters
    ----------
    expression:
        A SQL expression of type VARCHAR (a column reference, never user data).
    formats:
        strptime formats to try, in order; :data:`DAY_FIRST_FORMATS` by default.

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + date_sql("'14-May-19'")).fetchall()[0][0].isoformat()
    '2019-05-14'
    """
    tried = formats or DAY_FIRST_FORMATS
    text = f"trim(CAST({expression} AS VARCHAR))"
    parts = [f"CAST(try_strptime({text}, '{f.replace(chr(39), chr(39) * 2)}') AS DATE)" for f in tried]
    return "coalesce(" + ", ".join(parts) + ")"

"""Loading records that do not come from a delimited file (JSON, spreadsheets) into staging.

Readers written for :func:`~bluehelmet.sources.textfile.load_delimited` expect a DuckDB temp
table of text columns plus ``_row``; this module builds the same shape from Python records,
so a JSON page or an XLSX sheet goes through exactly the same parsing SQL as a CSV.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Sequence

import duckdb
import pyarrow as pa


def cell_text(value: Any) -> str | None:
    """The text a cell or JSON value stands for; None for empty cells.

    Spreadsheet dates become ISO dates, whole floats lose their ``.0`` (``3.0`` -> ``3``),
    nested JSON stays JSON.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text.strip() != "" else None


def load_records(
    con: duckdb.DuckDBPyConnection,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    row_numbers: Iterable[int],
    relation: str = "staging",
) -> int:
    """Create the temp table ``relation`` (text columns of ``header`` plus ``_row``).

    ``rows`` are sequences aligned with ``header``; ``row_numbers`` the number each row is
    reported under (a spreadsheet's row number, a JSON record's position). Returns the count.
    """
    columns: list[list[str | None]] = [[] for _ in header]
    numbers: list[int] = []
    for row, number in zip(rows, row_numbers):
        numbers.append(int(number))
        for i in range(len(header)):
            columns[i].append(cell_text(row[i]) if i < len(row) else None)
    table = pa.table(
        {**{name: pa.array(values, pa.string()) for name, values in zip(header, columns)}, "_row": pa.array(numbers, pa.int64())}
    )
    con.register(f"{relation}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT * FROM {relation}_arrow")
    con.unregister(f"{relation}_arrow")
    return len(numbers)

"""UCDP/PRIO Armed Conflict Dataset (ACD): one row per conflict-year, into ``conflicts``.

Reads the official CSV (comma, quoted, ISO dates) and the same file after a spreadsheet
program re-saved it (semicolon, CRLF, dates written ``d-m-yyyy``). Every conflict-year is
stored under ``<conflict_id>:<year>``; the release comes from the file's ``version`` column, so
a newer release revises a conflict-year in place and keeps the older version in history.

Rows that cannot be a conflict-year are rejected with their row number: a row cut short
after ``territory_name`` (no year, nothing after it), a row without a conflict id, codes
outside the codebook's values, unreadable dates.

Codebook: UCDP/PRIO Armed Conflict Dataset Codebook v25.1 (Gleditsch et al. 2002, Journal of
Peace Research 39(5); Davies, Pettersson, Sollenberg & Öberg 2025).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb

from bluehelmet.sources.base import (
    Check, ReadResult, json_object_sql, reader_connection, split_by_checks, sql_literal, to_canonical,
)
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import load_delimited

KIND = "ucdp-acd"

REQUIRED = ["conflict_id", "location", "side_a", "side_b", "incompatibility", "year", "type_of_conflict"]

# The columns after territory_name, in the codebook's order: a row cut after territory_name
# has every one of them empty.
AFTER_TERRITORY = [
    "year", "intensity_level", "cumulative_intensity", "type_of_conflict", "start_date", "start_prec",
    "start_date2", "start_prec2", "ep_end", "ep_end_date", "ep_end_prec", "gwno_a", "gwno_a_2nd",
    "gwno_b", "gwno_b_2nd", "gwno_loc", "region", "version",
]

TEXT_COLUMNS = [
    "location", "side_a", "side_a_id", "side_a_2nd", "side_b", "side_b_id", "side_b_2nd",
    "territory_name", "gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd", "gwno_loc", "region",
]
INTEGER_COLUMNS = [
    "conflict_id", "year", "incompatibility", "intensity_level", "cumulative_intensity",
    "type_of_conflict", "start_prec", "start_prec2", "ep_end", "ep_end_prec",
]
DATE_COLUMNS = ["start_date", "start_date2", "ep_end_date"]

# Codebook values of the coded columns.
CODES = {
    "incompatibility": (1, 2, 3),
    "intensity_level": (1, 2),
    "cumulative_intensity": (0, 1),
    "type_of_conflict": (1, 2, 3, 4),
    "ep_end": (0, 1),
}


def read_acd_csv(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read a UCDP/PRIO Armed Conflict Dataset CSV into canonical conflict-years.

    Parameters
    ----------
    path:
        The CSV, as published (``UcdpPrioConflict_v23_1.csv``) or re-saved by a spreadsheet
        program (semicolons, CRLF, ``d-m-yyyy`` dates).
    release:
        The release (``25.1``); by default the file's ``version`` column.

    Examples
    --------
    >>> result = read_acd_csv("UcdpPrioConflict_v23_1.csv")  # doctest: +SKIP
    >>> result.table, result.release                          # doctest: +SKIP
    ('conflicts', '23.1')
    """
    path = Path(path)
    con = reader_connection()
    try:
        loaded = load_delimited(con, path, kind=KIND, required=REQUIRED)
        header = set(loaded.header)
        con.execute(f"CREATE OR REPLACE TEMP VIEW parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
        raw = json_object_sql(loaded.header)
        rejects = split_by_checks(con, "parsed", _checks(header), raw_expression=raw)
        records = to_canonical(con, "conflicts", _canonical(header, release), "parsed_checked")
        release = release or _release_from_rows(con)
        return loaded.read_result(KIND, "conflicts", records, rejects, release)
    finally:
        con.close()


def date_sql(expression: str) -> str:
    """SQL for a date written ``yyyy-mm-dd`` (official) or ``d-m-yyyy`` (re-saved by a spreadsheet)."""
    text = f"trim({expression})"
    return (
        f"coalesce(TRY_CAST(substr({text}, 1, 10) AS DATE), "
        f"CAST(TRY_STRPTIME({text}, '%d-%m-%Y') AS DATE), CAST(TRY_STRPTIME({text}, '%d/%m/%Y') AS DATE))"
    )


def _col(header: set[str], name: str) -> str:
    return f's."{name}"' if name in header else "NULL::VARCHAR"


def _integer_sql(expression: str) -> str:
    # "2.0" from a spreadsheet is 2; "2.5" is not an integer and stays NULL (and is rejected).
    number = f"TRY_CAST(trim({expression}) AS DOUBLE)"
    return f"CASE WHEN {number} = floor({number}) THEN TRY_CAST({number} AS BIGINT) END"


def _parsed_columns(header: set[str]) -> list[str]:
    cols = ["s.*"]
    for name in INTEGER_COLUMNS:
        cols.append(f"{_integer_sql(_col(header, name))} AS _{name}")
    for name in DATE_COLUMNS:
        cols.append(f"{date_sql(_col(header, name))} AS _{name}")
    blank_after = " AND ".join(f"trim(coalesce({_col(header, n)}, '')) = ''" for n in AFTER_TERRITORY)
    cols.append(f"({blank_after}) AS _cut_after_territory")
    # A spreadsheet that cuts a row in two leaves its rest on the next line, shifted left.
    cols.append(f"coalesce(lag(({blank_after})) OVER (ORDER BY _row), false) AS _follows_cut_row")
    return cols


def _present(name: str) -> str:
    return f"trim(coalesce({name}, '')) <> ''"


def _checks(header: set[str]) -> list[Check]:
    checks = [
        Check(
            "conflict_id",
            f"_follows_cut_row AND NOT {_present('conflict_id')}",
            "no conflict_id: the rest of the row above, which was cut after territory_name (its fields start with that row's year)",
            value="concat_ws(' | ', location, side_a, side_a_id, side_a_2nd)",
        ),
        Check(
            "conflict_id",
            f"NOT {_present('conflict_id')}",
            "missing conflict_id",
            value="conflict_id",
        ),
        Check(
            "year",
            "_cut_after_territory",
            "row truncated after territory_name: year and every later field are empty",
            value="concat_ws(' | ', conflict_id, location, territory_name)",
        ),
        Check("conflict_id", "_conflict_id IS NULL", "conflict_id is not a whole number", value="conflict_id"),
        Check("year", "_year IS NULL", "year is missing or not a whole number", value="year"),
        Check("year", "_year < 1946 OR _year > year(current_date)", "year outside 1946 to this year", value="year"),
        Check("side_a", f"NOT {_present('side_a')}", "missing side_a", value="side_a"),
    ]
    for name, allowed in CODES.items():
        if name not in header:
            continue
        codes = ", ".join(str(v) for v in allowed)
        required = name in ("incompatibility", "type_of_conflict", "intensity_level")
        bad = f"_{name} NOT IN ({codes})" + (f" OR _{name} IS NULL" if required else f" OR (_{name} IS NULL AND {_present(name)})")
        checks.append(Check(name, bad, f"{name} is not one of {codes}", value=name))
    for name in ("start_prec", "start_prec2", "ep_end_prec"):
        if name in header:
            checks.append(Check(name, f"_{name} IS NULL AND {_present(name)}", f"{name} is not a whole number", value=name))
    for name in DATE_COLUMNS:
        if name in header:
            checks.append(
                Check(name, f"_{name} IS NULL AND {_present(name)}", f"{name} is not a date (yyyy-mm-dd or d-m-yyyy)", value=name)
            )
    return checks


def _release_from_rows(con: duckdb.DuckDBPyConnection) -> str | None:
    """The release the good rows' ``version`` column states (the most common, if several)."""
    columns = [d[0] for d in con.execute("SELECT * FROM parsed_checked LIMIT 0").description]
    if "version" not in columns:
        return None
    rows = con.execute(
        "SELECT trim(version), count(*) FROM parsed_checked WHERE _reject IS NULL AND trim(coalesce(version, '')) <> '' "
        "GROUP BY 1"
    ).fetchall()
    if not rows:
        return None
    counts = Counter({value: n for value, n in rows})
    return counts.most_common(1)[0][0]


def _canonical(header: set[str], given_release: str | None) -> dict[str, str]:
    # Each row's own version column is its release, unless the caller states one.
    if given_release:
        release = sql_literal(given_release)
    else:
        release = "nullif(trim(version), '')" if "version" in header else "NULL"
    select = {
        "uid": "CAST(_conflict_id AS VARCHAR) || ':' || CAST(_year AS VARCHAR)",
        "release": release,
    }
    for name in INTEGER_COLUMNS:
        select[name] = f"_{name}"
    for name in DATE_COLUMNS:
        select[name] = f"_{name}"
    for name in TEXT_COLUMNS:
        select[name] = f"nullif(trim({_col(header, name).removeprefix('s.')}), '')"
    return select


def _detect_acd(header: set[str], path: Path) -> bool:
    return {"conflict_id", "year", "side_a", "side_b", "incompatibility", "type_of_conflict", "intensity_level"} <= header


register(
    SourceKind(
        KIND,
        "conflicts",
        "UCDP/PRIO Armed Conflict Dataset (conflict-years), CSV as published or re-saved with ; and d-m-yyyy dates",
        read_acd_csv,
        detect_header=_detect_acd,
    )
)

"""UN peacekeeping fatalities (the UN's open data file ``DPPADPOSS-FATALITIES.csv``).

One row per casualty since 1948: incident date, mission, casualty and personnel type,
nationality, type of incident (Malicious Act, Accident, Illness, Self-Inflicted, To Be
Determined, Unknown). Published by the UN Department of Peace Operations and Department of
Political and Peacebuilding Affairs; the column ``last_update`` dates the file.

Natural key. ``casualty_id`` (``UNMIK-2003-05-03589``: mission, month, a casualty number) is
the UN's identifier of a casualty and survives new releases; ``id`` is a row number in
date order, which shifts whenever a late-reported casualty is inserted, so it is kept in
``native`` only. In the 2025-04-04 file ``id`` is unique (4,429 values) and ``casualty_id``
has 4,423 values: six UNMIK local staff (2003-2005) are listed twice, once with nationality
Montenegro and once Serbia and Montenegro, with everything else equal. A casualty is one
death, so the second listing is rejected with a reason naming the first row and the other
nationality; the counts then match the number of people killed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.geo.countries import iso3_from_name
from bluehelmet.sources.base import (
    WHOLE_NUMBER, Check, ReadResult, json_object_sql, reader_connection, split_by_checks, sql_identifier, sql_literal,
    to_canonical,
)
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import load_delimited
from bluehelmet.sources.un_missions import KNOWN_MISSIONS

KIND = "un-fatalities"
REQUIRED = ["casualty_id", "incident_date", "mission_acronym", "type_of_incident"]
MAPPED = {
    "casualty_id", "incident_date", "mission_acronym", "type_of_casualty", "gender",
    "casualty_nationality", "casualty_personnel_type", "type_of_incident", "m49_code",
}
# A UN M49 country code as the file writes it: up to three digits, as a float (250.0) in the
# 2025-04-04 file.
M49_CODE = "[0-9]{1,3}(\\.0+)?"
# The first UN peace operation (UNTSO) began in May 1948.
EARLIEST_DATE = "1948-05-01"


def read_un_fatalities(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read the UN peacekeeping fatalities CSV into ``un_fatalities`` rows.

    Parameters
    ----------
    path:
        ``DPPADPOSS-FATALITIES.csv`` as downloaded (optionally gzip-compressed).
    release:
        The file's date; by default the latest ``last_update`` in the file.

    Examples
    --------
    >>> result = read_un_fatalities("DPPADPOSS-FATALITIES.csv")   # doctest: +SKIP
    >>> result.release, result.records.num_rows, result.rejects.num_rows   # doctest: +SKIP
    ('2025-04-04', 4423, 6)
    """
    path = Path(path)
    con = reader_connection()
    try:
        loaded = load_delimited(con, path, kind=KIND, required=REQUIRED)
        header = set(loaded.header)
        _register_lookups(con, header)
        con.execute(f"CREATE OR REPLACE TEMP VIEW parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
        rejects = split_by_checks(con, "parsed", _checks(header))
        # Each row's release is its own last_update, unless the caller states one.
        row_release = sql_literal(release) if release else "CAST(_last_update AS VARCHAR)"
        if release is None:
            found = con.execute("SELECT max(_last_update) FROM parsed_checked WHERE _reject IS NULL").fetchall()[0][0]
            release = found.isoformat() if found else None
        records = to_canonical(
            con, "un_fatalities", _canonical(header, row_release), "parsed_checked", where="_reject IS NULL ORDER BY _row"
        )
        return loaded.read_result(KIND, "un_fatalities", records, rejects, release)
    finally:
        con.close()


def _register_lookups(con: duckdb.DuckDBPyConnection, header: set[str]) -> None:
    con.register("known_missions", pa.table({"acronym": sorted(KNOWN_MISSIONS)}))
    # Nationality names are few (about 130): resolve them once in Python, join in SQL.
    names = []
    if "casualty_nationality" in header:
        names = [r[0] for r in con.execute("SELECT DISTINCT trim(casualty_nationality) FROM staging").fetchall() if r[0]]
    con.register(
        "nationality_iso3",
        pa.table({"name": pa.array(names, pa.string()), "iso3": pa.array([iso3_from_name(n) for n in names], pa.string())}),
    )


def _col(header: set[str], name: str) -> str:
    return f's."{name}"' if name in header else "NULL::VARCHAR"


def _parsed_columns(header: set[str]) -> list[str]:
    c = lambda name: _col(header, name)  # noqa: E731
    return [
        "s.*",
        f"nullif(trim({c('casualty_id')}), '') AS _casualty_id",
        f"nullif(trim({c('mission_acronym')}), '') AS _mission",
        f"TRY_CAST(trim({c('incident_date')}) AS DATE) AS _date",
        f"TRY_CAST(substr(trim({c('last_update')}), 1, 10) AS DATE) AS _last_update",
        # The same casualty listed again: the row number of its first listing.
        f"first_value(s._row) OVER (PARTITION BY nullif(trim({c('casualty_id')}), '') ORDER BY s._row) AS _first_row",
        f"first_value(trim({c('casualty_nationality')})) OVER (PARTITION BY nullif(trim({c('casualty_id')}), '') ORDER BY s._row) AS _first_nationality",
    ]


def _checks(header: set[str]) -> list[Check]:
    # Values are shown as the file wrote them; last_update may be absent (then never after).
    last_update = "last_update" if "last_update" in header else "NULL"
    checks = [
        Check("casualty_id", "_casualty_id IS NULL", "missing casualty_id"),
        Check("incident_date", "_date IS NULL", "unparsable or impossible date (expected YYYY-MM-DD)"),
        Check("incident_date", f"_date < DATE '{EARLIEST_DATE}' OR _date > current_date + 1",
              "incident date outside May 1948 to today", value="incident_date"),
        Check("incident_date", "_last_update IS NOT NULL AND _date > _last_update",
              "incident date is after the file's last_update", value=f"concat(incident_date, ' > ', {last_update})"),
        Check("mission_acronym", "_mission IS NULL", "missing mission"),
        Check("mission_acronym", "_mission NOT IN (SELECT acronym FROM known_missions)",
              "unknown mission acronym (not a UN peace operation or office bluehelmet knows)"),
        Check(
            "casualty_id",
            "_row <> _first_row",
            "same casualty_id as an earlier row: the casualty is already counted",
            value="concat(_casualty_id, ' (first listed at row ', _first_row, ' with nationality ', "
            "coalesce(_first_nationality, ''), '; here ', coalesce(trim(casualty_nationality), ''), ')')",
        ),
    ]
    # Both may be empty (the file has no M49 code for 52 casualties of undetermined or some
    # other nationalities); a value that is there must be what the UN writes: id a row number
    # (1 to 4,429 in the 2025-04-04 file), m49_code a code of up to three digits (250.0).
    if "id" in header:
        checks.append(Check("id", _junk_sql("id", WHOLE_NUMBER), "id is not a whole number (the file numbers its rows 1, 2, 3...)"))
    if "m49_code" in header:
        checks.append(Check("m49_code", _junk_sql("m49_code", M49_CODE), "m49_code is not a UN M49 country code (a whole number of up to three digits)"))
    return checks


def _junk_sql(column: str, pattern: str) -> str:
    """SQL: ``column`` holds something (not blank) that does not match ``pattern``."""
    text = f"trim(coalesce({sql_identifier(column)}, ''))"
    return f"{text} <> '' AND NOT regexp_full_match({text}, {sql_literal(pattern)})"


def _canonical(header: set[str], row_release: str) -> dict[str, str]:
    c = lambda name: f'nullif(trim("{name}"), \'\')' if name in header else "NULL"  # noqa: E731
    native_cols = sorted(h for h in header if h not in MAPPED and not h.startswith("_"))
    native = json_object_sql(native_cols)
    nationality = c("casualty_nationality")
    iso3 = (
        f"coalesce({c('isocode3')}, (SELECT iso3 FROM nationality_iso3 n WHERE n.name = {nationality}))"
    )
    return {
        "uid": "'un-fatality:' || _casualty_id",
        "source_id": "_casualty_id",
        "release": row_release,
        "incident_date": "_date",
        "mission": "_mission",
        "casualty_type": c("type_of_casualty"),
        "gender": c("gender"),
        "nationality": nationality,
        "nationality_iso3": iso3,
        "personnel_type": c("casualty_personnel_type"),
        "incident_type": c("type_of_incident"),
        "m49_code": f"TRY_CAST(TRY_CAST({c('m49_code')} AS DOUBLE) AS INTEGER)",
        "native": native,
    }


def _detect(header: set[str], path: Path) -> bool:
    return {"casualty_id", "mission_acronym", "incident_date", "type_of_incident"} <= header


register(
    SourceKind(
        KIND,
        "un_fatalities",
        "UN peacekeeping fatalities since 1948 (DPPADPOSS-FATALITIES.csv)",
        read_un_fatalities,
        detect_header=_detect,
    )
)

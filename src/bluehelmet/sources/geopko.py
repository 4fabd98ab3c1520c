"""Geo-PKO v1: UN peacekeeping deployments by location and month (Africa, 1994-2018).

Each row of ``geopko.csv`` is one deployment location of a mission in one month, coded from
the UN's deployment maps (column ``Source``: the map and its revision): troops, the number
of troop-contributing countries (TCCs) with up to 14 ``name.of.TCCi``/``No.troops.per.TCCi``
pairs, reserve and force-protection units, whether UN police and military observers are
there, the HQ level, ADM1/ADM2 names and the PRIO-GRID cell. ``NA`` means missing and
``unknown`` a troop number the map did not give; both are stored as NULL.

Natural key: mission, year, month, location and coordinates (5 decimals). In the bundled
file (12,190 rows) two keys repeat:

* UNAMID, El Fasher, July 2014: two different deployments at the same place (a 185-strong
  Rwandan/Ethiopian unit and the 900-strong mission HQ). Both are kept; the later one gets
  ``#2`` after its uid (the order of distinct rows in the file numbers them).
* UNAMID, Kutum, April 2018: the same deployment coded from two map revisions (Rev. 34 and
  Rev. 35), identical in every other column. The second is rejected as "duplicate of row N".

Cite: Cil, Fjelde, Hultman & Nilsson (2020), "Mapping blue helmets: Introducing the
Geocoded Peacekeeping Operations (Geo-PKO) dataset", Journal of Peace Research 57(2).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from bluehelmet.geo.countries import iso3_lookup_sql
from bluehelmet.geo.priogrid import gid_sql
from bluehelmet.sources.base import (
    Check, ReadResult, json_object_sql, not_finite_checks, reader_connection, split_by_checks, sql_identifier, sql_literal,
    to_canonical,
)
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import load_delimited

KIND = "geopko"
SOURCE = "geopko-v1"
REQUIRED = ["Mission", "year", "month", "location", "latitude", "longitude", "No.troops"]
MAPPED = {
    "Mission", "year", "month", "location", "country", "latitude", "longitude", "No.troops",
    "No.TCC", "UNPOL..dummy.", "UNMO..dummy.", "HQ", "ADM1_name", "ADM2_name", "PRIOID",
}
_TCC_NAME = re.compile(r"name\.of\.TCC(\d+)$")
# Geo-PKO writes a missing value as NA and a troop number the map did not give as "unknown";
# R's write.csv writes NaN (RADPKO's coordinates of liaison offices).
MISSING = "('', 'NA', 'NaN', 'nan', 'unknown', 'unkown', '?')"


def number_sql(column: str) -> str:
    """SQL: the column as a DOUBLE, NULL for Geo-PKO's missing-value markers or non-numbers."""
    return f"TRY_CAST(CASE WHEN trim({column}) IN {MISSING} THEN NULL ELSE trim({column}) END AS DOUBLE)"


def not_a_number_sql(column: str) -> str:
    """SQL: the column holds text that is neither a number nor a missing-value marker."""
    return f"(trim({column}) NOT IN {MISSING} AND TRY_CAST(trim({column}) AS DOUBLE) IS NULL)"


def coordinate_checks(*, both_may_be_missing: bool) -> list[Check]:
    """The row checks of ``latitude``/``longitude`` (parsed as ``_lat``/``_lon`` by :func:`number_sql`).

    A missing-value marker (``NA``, ``NaN``, empty) is NULL, never stored as NaN. A row with one
    coordinate but not the other is quarantined: half a place cannot be mapped, and the missing
    half is more likely a slip than a location the producers could not find. Where a source
    has real rows with neither (``both_may_be_missing``), those are kept without coordinates.
    """
    pair = "concat(latitude, ', ', longitude)"
    checks = [
        Check("latitude", not_a_number_sql("latitude"), "latitude is not a number"),
        Check("longitude", not_a_number_sql("longitude"), "longitude is not a number"),
        *not_finite_checks("latitude", "longitude"),
        Check("latitude", "_lat IS NULL AND _lon IS NOT NULL", "latitude is missing while longitude is given", value=pair),
        Check("longitude", "_lon IS NULL AND _lat IS NOT NULL", "longitude is missing while latitude is given", value=pair),
    ]
    if not both_may_be_missing:
        checks.append(Check("latitude", "_lat IS NULL AND _lon IS NULL", "missing latitude and longitude", value=pair))
    return checks + [
        Check("latitude", "abs(_lat) > 90", "latitude out of range -90 to 90"),
        Check("longitude", "abs(_lon) > 180", "longitude out of range -180 to 180"),
    ]


def read_geopko_v1(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read a Geo-PKO v1 location-month CSV into ``un_deployments`` rows.

    Parameters
    ----------
    path:
        ``geopko.csv`` (Geo-PKO v1.x, one row per mission location and month).
    release:
        The Geo-PKO version (default ``1``).

    Examples
    --------
    >>> result = read_geopko_v1("geopko.csv")                    # doctest: +SKIP
    >>> result.records.num_rows, result.rejects.num_rows         # doctest: +SKIP
    (12189, 1)
    """
    path = Path(path)
    release = release or "1"
    con = reader_connection()
    try:
        loaded = load_delimited(con, path, kind=KIND, required=REQUIRED)
        header = loaded.header
        pairs = _tcc_pairs(header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
        _build_contributors(con, pairs)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE parsed_full AS SELECT p.*, c._contributors, c._negative_tcc "
            "FROM parsed p LEFT JOIN contributors c USING (_row)"
        )
        rejects = split_by_checks(con, "parsed_full", _checks("Source" in header))
        records = to_canonical(
            con, "un_deployments", _canonical(header, release), "parsed_full_checked",
            where="_reject IS NULL ORDER BY _row",
        )
        return loaded.read_result(KIND, "un_deployments", records, rejects, release)
    finally:
        con.close()


def _tcc_pairs(header: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for name in header:
        match = _TCC_NAME.match(name)
        if match and f"No.troops.per.TCC{match.group(1)}" in header:
            pairs.append((name, f"No.troops.per.TCC{match.group(1)}"))
    return pairs


def iso3_sql(gwno: str, country: str) -> str:
    """SQL: ISO3 from the country name, else from a Gleditsch-Ward number (qualify the columns).

    The name comes first: Geo-PKO codes Western Sahara (MINURSO) with Morocco's GW number.
    """
    return iso3_lookup_sql(f"CAST(TRY_CAST(trim({gwno}) AS INTEGER) AS VARCHAR)", country, names_first=True)


def _parsed_columns(header: list[str]) -> list[str]:
    present = set(header)
    c = lambda name: f's."{name}"' if name in present else "NULL::VARCHAR"  # noqa: E731
    content = [f"s.{sql_identifier(h)}" for h in header if h != "Source"]
    key = (
        "concat_ws('|', trim(s.\"Mission\"), trim(s.year), trim(s.month), trim(s.location), "
        f"CAST(round({number_sql('s.latitude')}, 5) AS VARCHAR), CAST(round({number_sql('s.longitude')}, 5) AS VARCHAR))"
    )
    # Rows equal in every column but the map they were coded from are one deployment.
    signature = "md5(concat_ws(chr(31), " + ", ".join(f"coalesce({x}, chr(0))" for x in content) + "))"
    return [
        "s.*",
        "nullif(trim(s.\"Mission\"), '') AS _mission",
        "TRY_CAST(trim(s.year) AS INTEGER) AS _year",
        "TRY_CAST(trim(s.month) AS INTEGER) AS _month",
        "nullif(trim(s.location), '') AS _location",
        f"{number_sql('s.latitude')} AS _lat",
        f"{number_sql('s.longitude')} AS _lon",
        f"{number_sql(c('No.troops'))} AS _troops",
        f"{number_sql(c('No.TCC'))} AS _tcc",
        f"TRY_CAST(trim({c('HQ')}) AS INTEGER) AS _hq",
        f"{key} AS _key",
        f"{iso3_sql(c('gwno') if 'gwno' in present else c('cow_code'), c('country'))} AS _iso3",
        f"min(s._row) OVER (PARTITION BY {key}, {signature}) AS _same_as",
    ]


def _build_contributors(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]) -> None:
    """One JSON object per row: TCC name -> troops (summed when a TCC is listed twice).

    The keys keep the file's order, so the same row always gives the same JSON (and digest).
    """
    if not pairs:
        con.execute("CREATE OR REPLACE TEMP TABLE contributors (_row BIGINT, _contributors JSON, _negative_tcc VARCHAR)")
        return
    unpivot = " UNION ALL ".join(
        f"SELECT _row, {i} AS position, trim(\"{name}\") AS tcc, \"{troops}\" AS raw_troops, '{troops}' AS troops_column "
        f"FROM parsed WHERE trim(\"{name}\") NOT IN ('', 'NA')"
        for i, (name, troops) in enumerate(pairs)
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE contributors AS
        WITH long AS (SELECT *, {number_sql('raw_troops')} AS troops FROM ({unpivot})),
        per_tcc AS (
          SELECT _row, tcc, min(position) AS position,
                 CASE WHEN count(troops) = count(*) THEN sum(troops) END AS troops,
                 min(CASE WHEN troops < 0 OR {not_a_number_sql('raw_troops')}
                          THEN troops_column || '=' || raw_troops END) AS bad
          FROM long GROUP BY _row, tcc
        )
        SELECT _row, to_json(map_from_entries(list(struct_pack(k := tcc, v := troops) ORDER BY position))) AS _contributors, min(bad) AS _negative_tcc
        FROM per_tcc GROUP BY _row
        """
    )


def _checks(has_source: bool) -> list[Check]:
    source = '"Source"' if has_source else "''"
    return [
        Check("Mission", "_mission IS NULL", "missing mission"),
        Check("year", "_year IS NULL OR _year < 1948 OR _year > year(current_date)", "year is not a year from 1948 to today"),
        Check("month", "_month IS NULL OR _month NOT BETWEEN 1 AND 12", "month is not 1 to 12"),
        Check("location", "_location IS NULL", "missing location"),
        # One real row (UNOCI, location "unclear") has NA for both: kept without coordinates.
        *coordinate_checks(both_may_be_missing=True),
        Check("No.troops", not_a_number_sql('"No.troops"'), "No.troops is not a number", value='"No.troops"'),
        Check("No.troops", "_troops < 0", "negative troops", value='"No.troops"'),
        Check("No.troops.per.TCC", "_negative_tcc IS NOT NULL", "troops of a contributing country are negative or not a number",
              value="_negative_tcc"),
        Check(None, "_row <> _same_as", "duplicate of an earlier row (same mission, month, location and values; "
              "only the source map differs)", value=f"concat('duplicate of row ', _same_as, ': ', {source})"),
    ]


def _canonical(header: list[str], release: str) -> dict[str, str]:
    present = set(header)
    c = lambda name: f"nullif(nullif(trim({sql_identifier(name)}), ''), 'NA')" if name in present else "NULL"  # noqa: E731
    native_cols = [h for h in header if h not in MAPPED and not _TCC_NAME.match(h) and not h.startswith("No.troops.per.TCC")]
    native = json_object_sql(native_cols, c)
    # Distinct rows sharing a key are numbered by their first appearance: #2, #3 ...
    ordinal = "dense_rank() OVER (PARTITION BY _key ORDER BY _same_as)"
    uid = (
        f"'{SOURCE}:' || _mission || ':' || _year || '-' || lpad(CAST(_month AS VARCHAR), 2, '0') || ':' || _location"
        " || '@' || coalesce(printf('%.5f,%.5f', _lat, _lon), '?')"
        f" || CASE WHEN {ordinal} > 1 THEN '#' || {ordinal} ELSE '' END"
    )
    dummy = lambda name: f"CASE trim({c(name)}) WHEN '1' THEN true WHEN '0' THEN false END"  # noqa: E731
    return {
        "uid": uid,
        "source": f"'{SOURCE}'",
        "release": sql_literal(release),
        "mission": "_mission",
        "country": c("country"),
        "country_iso3": "_iso3",
        "year": "_year",
        "month": "_month",
        "location": "_location",
        "latitude": "_lat",
        "longitude": "_lon",
        "troops": "_troops",
        "tcc_count": "CAST(_tcc AS INTEGER)",
        "contributors": "_contributors",
        "hq": "CASE WHEN _hq BETWEEN 0 AND 3 THEN _hq END",
        "unpol": dummy("UNPOL..dummy."),
        "unmo": dummy("UNMO..dummy."),
        "admin1_name": c("ADM1_name"),
        "admin2_name": c("ADM2_name"),
        "priogrid_gid": f"coalesce(TRY_CAST({c('PRIOID')} AS INTEGER), {gid_sql('_lat', '_lon')})",
        "native": native,
    }


def _detect(header: set[str], path: Path) -> bool:
    return {"mission", "year", "month", "location", "no.troops", "no.tcc"} <= header


register(
    SourceKind(
        KIND,
        "un_deployments",
        "Geo-PKO v1 UN peacekeeping deployments by location and month (geopko.csv)",
        read_geopko_v1,
        detect_header=_detect,
    )
)

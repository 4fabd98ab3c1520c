"""RADPKO: UN peacekeeping bases by year, with personnel by contributing country (1999-2019).

``radpko_bases_cc_y.csv`` has one row per mission base and year: the annual means of
RADPKO's monthly figures for troops (``untrp``), police (``unpol``) and military observers
(``unmob``), the same split by gender and region, and five columns per contributing country
(``bangladesh``, ``bangladesh_pko``, ``bangladesh_untrp``, ``bangladesh_unpol``,
``bangladesh_unmob``). The producers' script (``prep_at_that_commit.R``) averages the monthly
rows with ``group_by(year, mission, country, base)``, so the natural key is mission, base and
year (the country is fixed by the base); the bundled file has no repeated key.

Per-country troops, police and observers go to ``contributors`` where non-zero:
``{"Bangladesh": {"iso3": "BGD", "troops": 358.1, "police": 0.25}}``. The other non-zero
per-country columns and every other unmapped column stay in ``native``.

Cite: Hunnicutt & Nomikos (2020), "Nationality, Gender, and Deployments at the Local
Level: Introducing the RADPKO Dataset", International Peacekeeping 27(4).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.geo.countries import iso3_from_name
from bluehelmet.sources.base import (
    Check, ReadResult, json_object_sql, reader_connection, split_by_checks, sql_literal, to_canonical,
)
from bluehelmet.sources.geopko import coordinate_checks, iso3_sql, not_a_number_sql, number_sql
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import load_delimited

KIND = "radpko"
REQUIRED = ["mission", "country", "base", "year", "latitude", "longitude", "untrp", "unpol", "unmob"]
MAPPED = {"mission", "country", "base", "year", "latitude", "longitude", "untrp", "unpol", "unmob", "contributing_countries"}
PERSONNEL = {"untrp": "troops", "unpol": "police", "unmob": "observers"}
# Aggregates that share the per-country column pattern but are not countries.
_NOT_COUNTRIES = {"f", "afr", "asian", "west"}
_SMALL_WORDS = {"of", "the", "and"}


def read_radpko(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read RADPKO's base-year CSV into ``un_bases`` rows.

    Parameters
    ----------
    path:
        ``radpko_bases_cc_y.csv`` (annual means per base).
    release:
        The RADPKO version, when known; stored as given.

    Examples
    --------
    >>> result = read_radpko("radpko_bases_cc_y.csv")     # doctest: +SKIP
    >>> result.records.num_rows                           # doctest: +SKIP
    2652
    """
    path = Path(path)
    con = reader_connection()
    try:
        loaded = load_delimited(con, path, kind=KIND, required=REQUIRED)
        header = loaded.header
        countries = country_prefixes(header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
        _build_contributors(con, header, countries)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE parsed_full AS SELECT p.*, c._contributors, c._other, c._bad_country "
            "FROM parsed p LEFT JOIN per_country c USING (_row)"
        )
        rejects = split_by_checks(con, "parsed_full", _checks())
        records = to_canonical(
            con, "un_bases", _canonical(header, countries, release), "parsed_full_checked",
            where="_reject IS NULL ORDER BY _row",
        )
        return loaded.read_result(KIND, "un_bases", records, rejects, release)
    finally:
        con.close()


def country_prefixes(header: list[str]) -> list[str]:
    """The contributing countries of a RADPKO header: prefixes with an ``_untrp`` column."""
    columns = set(header)
    return [
        h[: -len("_untrp")]
        for h in header
        if h.endswith("_untrp") and h[: -len("_untrp")] not in _NOT_COUNTRIES and h[: -len("_untrp")] in columns
    ]


def country_display_name(prefix: str) -> str:
    """RADPKO's column prefix as a name: ``burkina.faso`` -> ``Burkina Faso``, ``uk`` -> ``UK``."""
    special = {"uk": "UK", "cote.d.ivoire": "Cote d'Ivoire"}
    if prefix in special:
        return special[prefix]
    words = prefix.split(".")
    return " ".join(w if w in _SMALL_WORDS and i else w.capitalize() for i, w in enumerate(words))


def _parsed_columns(header: list[str]) -> list[str]:
    cc = "s.contributing_countries" if "contributing_countries" in header else "NULL::VARCHAR"
    return [
        "s.*",
        "nullif(trim(s.mission), '') AS _mission",
        "nullif(trim(s.base), '') AS _base",
        "TRY_CAST(trim(s.year) AS INTEGER) AS _year",
        f"{number_sql('s.latitude')} AS _lat",
        f"{number_sql('s.longitude')} AS _lon",
        *(f"{number_sql('s.' + c)} AS _{c}" for c in PERSONNEL),
        f"{number_sql(cc)} AS _cc",
        f"{iso3_sql('NULL', 's.country')} AS _iso3",
    ]


def _build_contributors(con: duckdb.DuckDBPyConnection, header: list[str], countries: list[str]) -> None:
    """Per row: contributors JSON (non-zero personnel), other non-zero country columns, bad values."""
    names = {p: country_display_name(p) for p in countries}
    con.register(
        "radpko_countries",
        pa.table(
            {
                "prefix": pa.array(countries, pa.string()),
                "name": pa.array([names[p] for p in countries], pa.string()),
                "iso3": pa.array([iso3_from_name(names[p]) for p in countries], pa.string()),
            }
        ),
    )
    columns = set(header)
    # (column, country prefix, measure, position of the country): bangladesh_untrp -> untrp.
    wide = [
        (prefix + suffix, prefix, suffix.lstrip("_"), position)
        for position, prefix in enumerate(countries)
        for suffix in ("", "_pko", *(f"_{c}" for c in PERSONNEL))
        if prefix + suffix in columns
    ]
    if not wide:
        con.execute("CREATE OR REPLACE TEMP TABLE per_country (_row BIGINT, _contributors JSON, _other JSON, _bad_country VARCHAR)")
        return
    con.register(
        "radpko_columns",
        pa.table({name: pa.array(values) for name, values in zip(("column_name", "prefix", "measure", "position"), zip(*wide))}),
    )
    # One scan turns the wide country columns into (row, column, value) triples.
    quoted = ", ".join(f'"{column}"' for column, *_ in wide)
    unpivot = (
        f"SELECT u._row, c.prefix, c.measure, c.position, u.column_name, u.raw "
        f"FROM (UNPIVOT (SELECT _row, {quoted} FROM parsed) ON COLUMNS(* EXCLUDE (_row)) "
        f"INTO NAME column_name VALUE raw) u JOIN radpko_columns c USING (column_name)"
    )
    personnel = ", ".join(sql_literal(c) for c in PERSONNEL)
    labels = "CASE measure " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PERSONNEL.items()) + " END"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE per_country AS
        WITH long AS (
          SELECT l.*, {number_sql('raw')} AS value FROM ({unpivot}) l
        ),
        bad AS (
          SELECT _row, min(column_name || '=' || raw) AS _bad_country FROM long
          WHERE value < 0 OR {not_a_number_sql('raw')} GROUP BY _row
        ),
        per AS (
          SELECT _row, position, prefix,
                 to_json(map_from_entries(list(struct_pack(k := {labels}, v := value) ORDER BY measure)
                         FILTER (WHERE measure IN ({personnel}) AND value > 0))) AS personnel
          FROM long GROUP BY _row, position, prefix
          HAVING count(*) FILTER (WHERE measure IN ({personnel}) AND value > 0) > 0
        ),
        contributors AS (
          SELECT _row, to_json(map_from_entries(list(struct_pack(
                   k := c.name,
                   v := json_merge_patch(json_object('iso3', c.iso3), personnel)) ORDER BY position))) AS _contributors
          FROM per JOIN radpko_countries c USING (prefix) GROUP BY _row
        ),
        other AS (
          SELECT _row, to_json(map_from_entries(list(struct_pack(k := column_name, v := value) ORDER BY position, measure))) AS _other
          FROM long WHERE measure NOT IN ({personnel}) AND value <> 0 GROUP BY _row
        )
        SELECT p._row, c._contributors, o._other, b._bad_country
        FROM (SELECT DISTINCT _row FROM parsed) p
        LEFT JOIN contributors c USING (_row) LEFT JOIN other o USING (_row) LEFT JOIN bad b USING (_row)
        """
    )


def _checks() -> list[Check]:
    checks = [
        Check("mission", "_mission IS NULL", "missing mission"),
        Check("base", "_base IS NULL", "missing base"),
        Check("year", "_year IS NULL OR _year < 1948 OR _year > year(current_date)", "year is not a year from 1948 to today"),
        # Three real UNMIS liaison-office rows (Addis Ababa) have NaN for both: kept without coordinates.
        *coordinate_checks(both_may_be_missing=True),
    ]
    for column in PERSONNEL:
        checks += [
            Check(column, not_a_number_sql(column), f"{column} is not a number"),
            Check(column, f"_{column} < 0", f"negative {PERSONNEL[column]}"),
        ]
    checks.append(
        Check(None, "_bad_country IS NOT NULL", "a per-country figure is negative or not a number", value="_bad_country")
    )
    return checks


def _canonical(header: list[str], countries: list[str], release: str | None) -> dict[str, str]:
    per_country = {p + s for p in countries for s in ("", "_pko", *(f"_{c}" for c in PERSONNEL))}
    native_cols = [h for h in header if h not in MAPPED and h not in per_country]
    native = json_object_sql(native_cols, empty="json_object()")
    return {
        "uid": "'radpko:' || _mission || ':' || _base || ':' || _year",
        "release": sql_literal(release),
        "mission": "_mission",
        "country": "nullif(trim(country), '')",
        "country_iso3": "_iso3",
        "base": "_base",
        "year": "_year",
        "latitude": "_lat",
        "longitude": "_lon",
        "troops": "_untrp",
        "police": "_unpol",
        "observers": "_unmob",
        # An annual mean of monthly counts: rounded to the nearest whole country.
        "contributing_countries": "CAST(round(_cc) AS INTEGER)",
        "contributors": "_contributors",
        "native": f"json_merge_patch({native}, coalesce(_other, json_object()))",
    }


def _detect(header: set[str], path: Path) -> bool:
    return {"mission", "base", "year", "untrp", "unpol", "unmob"} <= header


register(
    SourceKind(
        KIND,
        "un_bases",
        "RADPKO peacekeeping bases by year with personnel by contributing country (radpko_bases_cc_y.csv)",
        read_radpko,
        detect_header=_detect,
    )
)

"""Geo-PKO v2.3 yearly aggregates: deployments by mission, year and location (1994-2024).

The Geo-PKO team publishes, with its dashboard, ``FrontMap_v.2.3.csv``: for each mission,
year and location the average troop number over the year (``ave.no.troops``), the HQ level,
and whether UN police (``UNPOL``), military observers (``UNMO``), medical (``Med``) and
aviation (``Av``) units were there. The producers' script ``data_wrangling_v.2.3.R`` builds it
with ``group_by(mission, year, location, country) |> mutate(...) |> distinct()``: the averages
are per location-year, but the monthly troop figure (``NoTroops``) and the HQ level stay in
the rows, so a location-year appears once per distinct monthly figure (8,783 rows for 7,366
location-years in the bundled file).

This reader stores one row per location-year (``month`` is NULL): the producers' average as
``troops``, the highest HQ level of the year, UNPOL/UNMO if present in any month, and in
``native`` the monthly troop figures seen and the number of rows merged. Each location-year
counts the rows merged into it (the ingest report's ``merged``), so the file's rows stay
accounted for without calling the repeats errors. When the sibling ``TCCMap_v.2.3.csv`` is present, its troop-contributing countries
(``"Nepal (150), Jordan (size unknown)"``: the largest monthly figure of the year per country)
become ``contributors`` and ``tcc_count``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.errors import InputFileError
from bluehelmet.sources.base import Check, ReadResult, reader_connection, split_by_checks, sql_literal, to_canonical
from bluehelmet.sources.geopko import coordinate_checks, iso3_sql, not_a_number_sql, number_sql
from bluehelmet.sources.registry import SourceKind, read_header, register
from bluehelmet.sources.textfile import load_delimited
from bluehelmet.geo.priogrid import gid_sql

KIND = "geopko-v2"
SOURCE = "geopko-v2.3"
REQUIRED = ["mission", "year", "country", "location", "latitude", "longitude", "ave.no.troops"]
_VERSION_IN_NAME = re.compile(r"v\.?(\d+\.\d+)", re.IGNORECASE)
_TCC_ENTRY = re.compile(r"\s*(.+?) \((\d+(?:\.\d+)?|size unknown)\)\s*(?:,|$)")


def read_geopko_v2(path: str | Path, *, release: str | None = None, tcc_file: str | Path | None = None) -> ReadResult:
    """Read Geo-PKO's yearly ``FrontMap`` CSV into ``un_deployments`` rows (one per location-year).

    Parameters
    ----------
    path:
        ``FrontMap_v.2.3.csv``.
    release:
        The Geo-PKO version; by default from the file name (``v.2.3`` -> ``2.3``).
    tcc_file:
        The matching ``TCCMap`` CSV for the contributing countries; by default the file next
        to ``path`` named like it with ``TCCMap`` for ``FrontMap``, when it exists.

    Examples
    --------
    >>> result = read_geopko_v2("FrontMap_v.2.3.csv")          # doctest: +SKIP
    >>> result.records.num_rows                                # doctest: +SKIP
    7366
    """
    path = Path(path)
    release = release or _version_from_name(path) or "2.3"
    tcc_path = Path(tcc_file) if tcc_file else _tcc_beside(path)
    _refuse_companion(path)
    con = reader_connection()
    try:
        loaded = load_delimited(con, path, kind=KIND, required=REQUIRED)
        header = set(loaded.header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
        rejects = split_by_checks(con, "parsed", _checks())
        _merge_location_years(con)
        _register_contributors(con, tcc_path if tcc_path != path and tcc_path.exists() else None)
        # _rows: each location-year stands for the rows merged into it (see ReadResult).
        records = to_canonical(
            con, "un_deployments", _canonical(release), "location_years l LEFT JOIN tcc t USING (mission, year, location)",
            where="true ORDER BY l._row", rows_column="l._n_rows",
        )
        return loaded.read_result(KIND, "un_deployments", records, rejects, release)
    finally:
        con.close()


def _version_from_name(path: Path) -> str | None:
    match = _VERSION_IN_NAME.search(path.name)
    return match.group(1) if match else None


def _parsed_columns(header: set[str]) -> list[str]:
    c = lambda name: f's."{name}"' if name in header else "NULL::VARCHAR"  # noqa: E731
    return [
        "s.*",
        "nullif(trim(s.mission), '') AS _mission",
        "TRY_CAST(trim(s.year) AS INTEGER) AS _year",
        "nullif(trim(s.country), '') AS _country",
        "nullif(trim(s.location), '') AS _location",
        f"{number_sql('s.latitude')} AS _lat",
        f"{number_sql('s.longitude')} AS _lon",
        f"{number_sql(c('ave.no.troops'))} AS _troops",
        f"{number_sql(c('NoTroops'))} AS _month_troops",
        f"TRY_CAST(trim({c('hq')}) AS INTEGER) AS _hq",
        *(f"{number_sql(c(name))} AS _{name.lower()}" for name in ("UNPOL", "UNMO", "Infantry", "Reserve", "Med", "Av")),
        f"{iso3_sql('NULL', c('country'))} AS _iso3",
    ]


def _checks() -> list[Check]:
    return [
        Check("mission", "_mission IS NULL", "missing mission"),
        Check("year", "_year IS NULL OR _year < 1948 OR _year > year(current_date)", "year is not a year from 1948 to today"),
        Check("location", "_location IS NULL", "missing location"),
        # The bundled FrontMap has no row without coordinates: a missing one is a damaged row.
        *coordinate_checks(both_may_be_missing=False),
        Check("ave.no.troops", not_a_number_sql('"ave.no.troops"'), "ave.no.troops is not a number", value='"ave.no.troops"'),
        Check("ave.no.troops", "_troops < 0", "negative troops", value='"ave.no.troops"'),
        Check("NoTroops", "_month_troops < 0", "negative troops", value='"NoTroops"'),
    ]


def _merge_location_years(con: duckdb.DuckDBPyConnection) -> None:
    """Collapse the accepted rows to one per location-year (``_n_rows``: rows merged into it)."""
    key = "_mission, _year, _country, _location"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE location_years AS
        SELECT _mission AS mission, _year AS year, _country AS country, _location AS location,
               min(_row) AS _row, arg_min(_lat, _row) AS _lat, arg_min(_lon, _row) AS _lon,
               max(_troops) AS _troops, max(_hq) AS _hq, max(_unpol) AS _unpol, max(_unmo) AS _unmo,
               max(_infantry) AS _infantry, max(_reserve) AS _reserve, max(_med) AS _med, max(_av) AS _av,
               list(DISTINCT _month_troops ORDER BY _month_troops) FILTER (WHERE _month_troops IS NOT NULL) AS _monthly,
               count(DISTINCT printf('%.5f,%.5f', _lat, _lon)) AS _n_places,
               count(*) AS _n_rows, any_value(_iso3) AS _iso3
        FROM parsed_checked WHERE _reject IS NULL GROUP BY {key}
        """
    )


def parse_tcc_overview(text: str) -> dict[str, float | None]:
    """Contributing countries of Geo-PKO's ``year.overview``: name -> troops (None: size unknown).

    >>> parse_tcc_overview("Korea (ROK) (150), Jordan (size unknown)")
    {'Korea (ROK)': 150.0, 'Jordan': None}
    """
    out: dict[str, float | None] = {}
    for name, size in _TCC_ENTRY.findall(text or ""):
        troops = None if size == "size unknown" else float(size)
        previous = out.get(name)
        out[name] = troops if previous is None else max(previous, troops or 0)
    return out


def _register_contributors(con: duckdb.DuckDBPyConnection, tcc_path: Path | None) -> None:
    """Register ``tcc`` (mission, year, location, contributors, tcc_count) from a TCCMap file."""
    by_key: dict[tuple[str, int, str], dict[str, float | None]] = {}
    counts: dict[tuple[str, int, str], int] = {}
    if tcc_path is not None:
        try:
            with open(tcc_path, encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    try:
                        key = (row["mission"].strip(), int(row["year"]), row["location"].strip())
                    except (KeyError, ValueError) as exc:
                        raise InputFileError(tcc_path, f"not a Geo-PKO TCCMap file ({exc})") from exc
                    # A location with two coordinate variants is listed twice: keep the larger figure.
                    merged = by_key.setdefault(key, {})
                    for name, troops in parse_tcc_overview(row.get("year.overview", "")).items():
                        old = merged.get(name)
                        merged[name] = troops if old is None else max(old, troops or 0)
                    counts[key] = max(counts.get(key, 0), int(float(row.get("No.TCC") or 0)))
        except UnicodeDecodeError as exc:
            raise InputFileError(tcc_path, f"not UTF-8 text ({exc})") from exc
    keys = list(by_key)
    con.register(
        "tcc",
        pa.table(
            {
                "mission": pa.array([k[0] for k in keys], pa.string()),
                "year": pa.array([k[1] for k in keys], pa.int32()),
                "location": pa.array([k[2] for k in keys], pa.string()),
                "_contributors": pa.array([json.dumps(by_key[k], ensure_ascii=False) for k in keys], pa.string()),
                "_tcc_count": pa.array([counts[k] for k in keys], pa.int32()),
            }
        ),
    )


def _canonical(release: str) -> dict[str, str]:
    native = (
        "json_object('Infantry', _infantry, 'Reserve', _reserve, 'Med', _med, 'Av', _av, "
        "'NoTroops_monthly', _monthly, 'rows_merged', _n_rows, 'coordinate_variants', _n_places)"
    )
    return {
        "uid": f"'{SOURCE}:' || l.mission || ':' || l.year || ':' || coalesce(l.country, '') || ':' || l.location",
        "source": f"'{SOURCE}'",
        "release": sql_literal(release),
        "mission": "l.mission",
        "country": "l.country",
        "country_iso3": "_iso3",
        "year": "l.year",
        "month": "NULL",
        "location": "l.location",
        "latitude": "_lat",
        "longitude": "_lon",
        "troops": "_troops",
        "tcc_count": "_tcc_count",
        "contributors": "_contributors",
        "hq": "CASE WHEN _hq BETWEEN 0 AND 3 THEN _hq END",
        "unpol": "_unpol > 0",
        "unmo": "_unmo > 0",
        "priogrid_gid": gid_sql("_lat", "_lon"),
        "native": native,
    }


# The dashboard's other files, by a column only they have: given on their own, they are named.
_COMPANIONS = {
    ("no.tcc", "year.overview"): "the contributing countries of Geo-PKO v2.3 (TCCMap), which are read from beside FrontMap_v.2.3.csv",
    ("maint", "riv", "sig"): "the troop types of Geo-PKO v2.3 (TTMap), which bluehelmet does not store",
}


def _companion(header: set[str]) -> str | None:
    if not {"mission", "year", "location"} <= header or header & {"ave.no.troops", "notroops"}:
        return None
    return next((what for columns, what in _COMPANIONS.items() if set(columns) <= header), None)


def _tcc_beside(path: Path) -> Path:
    """The TCCMap file that Geo-PKO publishes beside a FrontMap file."""
    return path.with_name(path.name.replace("FrontMap", "TCCMap"))


def _refuse_companion(path: Path) -> None:
    what = _companion({h.lower() for h in read_header(path)}) if path.exists() else None
    if what:
        raise InputFileError(
            path, f"{what}: ingest FrontMap_v.2.3.csv, with TCCMap_v.2.3.csv in the same folder for the contributors"
        )


def _detect(header: set[str], path: Path) -> bool:
    return {"mission", "year", "location", "ave.no.troops", "notroops"} <= header or _companion(header) is not None


register(
    SourceKind(
        KIND,
        "un_deployments",
        "Geo-PKO v2.3 yearly deployments by location (FrontMap_v.2.3.csv; TCCMap next to it adds contributors)",
        read_geopko_v2,
        detect_header=_detect,
        merged_rows="rows merged into their location-years (one row per monthly troop figure)",
        companions=lambda path: [p for p in [_tcc_beside(path)] if p != path and p.exists()],
    )
)

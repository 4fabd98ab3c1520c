"""UCDP Georeferenced Event Dataset (GED) and Candidate events, from CSV of any release.

Reads the official GED CSV of releases 20.1 to 25.1, the monthly Candidate CSVs (26.0.x), and
the reduced 14-column GED variant (``low_death``/``best_death``/``high_death``, violence type as
text, date as year/month/day). Columns renamed between releases are mapped by
:data:`COLUMN_ALIASES`; every source column that has no canonical place is kept in ``native``.
The mapping itself (:func:`events_from_staging`) is shared with the UCDP API reader
(``sources/ucdp_api.py``), so both give the same rows for the same events.

GED and Candidate events share UCDP's event ids, so both are stored under ``ucdp:<id>``: when a
yearly release publishes a Candidate event, the event is revised in place and its Candidate
version goes to history.

Codebook: UCDP GED Codebook version 23.1 (Davies, Pettersson, Öberg 2023); Sundberg & Melander
(2013), Journal of Peace Research 50(4).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from bluehelmet.errors import MissingColumnsError
from bluehelmet.geo.countries import iso3_lookup_sql
from bluehelmet.geo.priogrid import gid_sql
from bluehelmet.errors import InputFileError
from bluehelmet.sources.base import (
    reader_connection,
    Check,
    ReadResult,
    SpilledRecords,
    StreamedRead,
    canonical_select,
    count_checks,
    json_object_sql,
    not_finite_checks,
    reject_code_sql,
    reject_value_sql,
    rejects_from_codes,
    sql_literal,
    WHOLE_NUMBER,
)
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import DelimitedFile, drop_parser_rejects, load_delimited, row_number_sql
from bluehelmet.store.digest import row_hash_sql

# The 49 columns of every GED release from 20.1 to 25.1 and of the Candidate files, and the
# date columns of the reduced variant.
GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start",
    "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low",
    "gwnoa", "gwnob", "month", "day",
)
# Source column -> the name used below. Aliases match whatever the case, so listing GED's own
# columns reads a file whose header a spreadsheet re-saved in upper case (ID, BEST) like the
# original, with the same row digests; the others are names that changed across releases or
# variants.
COLUMN_ALIASES = {
    **{c: c for c in GED_COLUMNS},
    "best_est": "best",
    "low_est": "low",
    "high_est": "high",
    "best_death": "best",
    "low_death": "low",
    "high_death": "high",
    "deaths_civilian": "deaths_civilians",
    "civilian_deaths": "deaths_civilians",
    "adm1": "adm_1",
    "adm2": "adm_2",
    "date_precision": "date_prec",
    "where_precision": "where_prec",
}

REQUIRED = ["id", "type_of_violence", "side_a", "side_b", "latitude", "longitude", "best"]

# Columns with a canonical place; all others go to ``native``.
MAPPED = {
    "id", "type_of_violence", "date_start", "date_end", "date_prec", "year", "month", "day",
    "latitude", "longitude", "where_prec", "where_coordinates", "country", "country_id",
    "side_a", "side_a_new_id", "side_b", "side_b_new_id", "best", "low", "high",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "conflict_new_id",
    "source_headline", "source_article", "number_of_sources", "priogrid_gid",
}

# Spellings of active_year: 1/0 in yearly releases, true/false (any case) in Candidate and API.
ACTIVE_YEAR_TRUE = ("1", "1.0", "true", "t", "yes")
ACTIVE_YEAR_FALSE = ("0", "0.0", "false", "f", "no")

DATE_PRECISION = {"1": "day", "2": "week", "3": "month", "4": "year", "5": "longer"}
WHERE_PRECISION = {
    "1": "exact", "2": "near", "3": "admin2", "4": "admin1", "5": "region", "6": "country",
    "7": "international",
}
VIOLENCE = {1: "state_based", 2: "non_state", 3: "one_sided"}

_RELEASE_IN_NAME = re.compile(r"(?:ged|v)[_-]?(\d{2})[._](\d)(?:[._](\d+))?", re.IGNORECASE)


def release_from_filename(path: Path) -> str | None:
    """The UCDP release a file name states: ``ged231`` -> ``23.1``, ``GEDEvent_v26_0_2`` -> ``26.0.2``."""
    name = path.name
    match = _RELEASE_IN_NAME.search(name)
    if not match:
        compact = re.search(r"ged(\d)(\d)(\d)", name, re.IGNORECASE)
        return f"{compact.group(1)}{compact.group(2)}.{compact.group(3)}" if compact else None
    major, minor, patch = match.groups()
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def is_candidate_release(release: str | None) -> bool:
    """Candidate releases are numbered YY.0.N (monthly), yearly releases YY.1."""
    return bool(release and re.fullmatch(r"\d{2}\.0\.\d+", release))


def read_ged_csv(path: str | Path, *, release: str | None = None, candidate: bool | None = None) -> ReadResult:
    """Read a UCDP GED or Candidate CSV into canonical events.

    Parameters
    ----------
    path:
        The CSV (optionally gzip-compressed).
    release:
        The UCDP release (``23.1``, ``26.0.2``); taken from the file name when not given.
    candidate:
        Whether these are Candidate events; by default, when the release is ``YY.0.N``.

    Examples
    --------
    >>> result = read_ged_csv("ucdpged_sample1000_v23_1.csv")  # doctest: +SKIP
    >>> result.records.num_rows, result.release                 # doctest: +SKIP
    (1000, '23.1')
    """
    path = Path(path)
    kind, release = _kind_and_release(path, release, candidate)
    folder = tempfile.TemporaryDirectory(prefix="bluehelmet-ged-")
    # A memory limit with a spill folder keeps a million-row file within a bounded footprint.
    con = reader_connection(memory_limit="1GB", temp_directory=folder.name)
    try:
        loaded = load_delimited(
            con, path, kind=kind, required=REQUIRED, aliases=COLUMN_ALIASES, materialise=False
        )
        try:
            return events_from_staging(
                con, path, loaded.header, kind=kind, source=kind, release=release, folder=folder,
                parser_rejects=loaded.rejects_after_pass,
            )
        finally:
            loaded.close()
    finally:
        con.close()


def stream_ged_csv(path: str | Path, *, release: str | None = None, candidate: bool | None = None) -> StreamedRead:
    """The GED or Candidate CSV as a query the store runs itself (what ``bluehelmet ingest`` uses).

    The same rows and rejects as :func:`read_ged_csv`, without the Parquet spill in between: the
    store's connection reads the file and writes the canonical rows into ``events`` in one pass
    (:func:`bluehelmet.store.engine.apply_streamed`).
    """
    path = Path(path)
    kind, release = _kind_and_release(path, release, candidate)
    # The file prepare() opened: its header counts the parser's columns, and close() removes
    # the CSV written from a workbook.
    opened: list[DelimitedFile] = []

    def prepare(con: duckdb.DuckDBPyConnection) -> tuple[str, list[Check]]:
        drop_parser_rejects(con)
        loaded = load_delimited(con, path, kind=kind, required=REQUIRED, aliases=COLUMN_ALIASES, materialise=False, relation=_STAGING)
        opened.append(loaded)
        return _ged_relation(con, path, loaded.header, kind=kind, source=kind, release=release, numbered=False)

    def cleanup(con: duckdb.DuckDBPyConnection) -> None:
        for loaded in opened:
            loaded.close()
        con.execute(f"DROP VIEW IF EXISTS {_PARSED}")
        con.execute(f"DROP VIEW IF EXISTS {_STAGING}")
        drop_parser_rejects(con)

    return StreamedRead(
        kind=kind, table="events", release=release, prepare=prepare, parser_rejects=lambda con: opened[-1].rejects_after_pass(con), cleanup=cleanup,
    )


def _kind_and_release(path: Path, release: str | None, candidate: bool | None) -> tuple[str, str | None]:
    release = release or release_from_filename(path)
    if candidate is None:
        candidate = is_candidate_release(release)
    return ("ucdp-candidate" if candidate else "ucdp-ged"), release


# Names of the streamed read's views on the store's connection.
_STAGING, _PARSED = "_ged_staging", "_ged_parsed"


def _ged_relation(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: list[str],
    *,
    kind: str,
    source: str,
    release: str | None,
    numbered: bool,
    staging: str = _STAGING,
    parsed: str = _PARSED,
) -> tuple[str, list[Check]]:
    """The query mapping the GED columns of the relation ``staging`` to canonical events.

    Its rows carry the canonical columns, ``_row`` when ``numbered`` (``staging`` has it), ``_reject`` and
    ``_reject_value`` (see :func:`~bluehelmet.sources.base.reject_code_sql`) and ``row_hash``.
    Defines the view ``parsed`` (typed columns) on ``con``.
    """
    header_set = set(header)
    missing = [c for c in REQUIRED if c not in header_set]
    if missing:
        raise MissingColumnsError(path, missing, list(header), kind)
    if "date_start" not in header_set and not {"year", "month", "day"} <= header_set:
        raise MissingColumnsError(path, ["date_start (or year, month, day)"], list(header), kind)
    gwno = f"CAST(TRY_CAST(TRY_CAST({_col(header_set, 'country_id')} AS DOUBLE) AS INTEGER) AS VARCHAR)"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {parsed} AS SELECT {', '.join(_parsed_columns(header_set))}, "
        f"{iso3_lookup_sql(gwno, _col(header_set, 'country'))} AS _iso3 FROM {staging} s"
    )
    checks = _checks(header_set)
    canonical = canonical_select("events", _canonical(header_set, source, release), numbers_only_where="_reject IS NULL")
    # The row digest is computed here, in the one pass over the input, so the store need not
    # read the wide columns again to tell new rows from revised ones.
    query = (
        f"SELECT *, {row_hash_sql('events')} AS row_hash FROM ("
        f" SELECT {', '.join(canonical)}, {'_row, ' if numbered else ''}_reject, _reject_value FROM ("
        f"  SELECT *, {reject_value_sql(checks)} AS _reject_value FROM ("
        f"    SELECT *, {reject_code_sql(checks)} AS _reject FROM {parsed})))"
    )
    return query, checks


def events_from_staging(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: list[str],
    *,
    kind: str,
    source: str,
    release: str | None,
    folder: tempfile.TemporaryDirectory | None = None,
    parser_rejects: pa.Table | Callable[[duckdb.DuckDBPyConnection], pa.Table],
    rows_in: int | None = None,
) -> ReadResult:
    """Map the GED columns held in the relation ``staging`` to canonical events.

    This is the one GED mapping every UCDP event path shares (CSV of any release, Candidate
    CSV, API JSON): ``staging`` holds one text column per GED column, named as in the CSV
    (after :data:`COLUMN_ALIASES`), plus ``_row``, the row number shown in rejects. It may be
    a streaming view over a CSV file: the mapping reads it once, writing the canonical rows,
    their row digest and their reject codes to a Parquet file in ``folder``.

    Parameters
    ----------
    kind:
        The reader's kind, recorded with the batch (``ucdp-ged``, ``ucdp-api``...).
    source:
        The canonical ``source`` of the events (``ucdp-ged`` or ``ucdp-candidate``): the same
        events read from a CSV or from the API are the same rows.
    parser_rejects:
        The rows the loader rejected: a table for a staging table loaded beforehand, or for a
        streaming CSV view the function that reads them from the CSV parser after the pass
        (:meth:`DelimitedFile.rejects_after_pass`).
    rows_in:
        For a staging table loaded beforehand, its records (including those the loader
        rejected); for a streaming view leave it None: the records are counted in the pass.
    """
    folder = folder or tempfile.TemporaryDirectory(prefix="bluehelmet-ged-")
    # A staging table loaded beforehand carries _row; a streaming CSV view does not, and its
    # rows are numbered by their position in the Parquet file (order is preserved).
    numbered = "_row" in [r[0] for r in con.execute("DESCRIBE staging").fetchall()]
    query, checks = _ged_relation(
        con, path, header, kind=kind, source=source, release=release, numbered=numbered, staging="staging", parsed="parsed"
    )
    spill = Path(folder.name) / "records.parquet"
    try:
        total = con.execute(f"COPY ({query}) TO {sql_literal(str(spill))} (FORMAT parquet, ROW_GROUP_SIZE 122880)").fetchall()[0][0]
    except duckdb.Error as exc:
        raise InputFileError(path, f"cannot be read as {kind}: {exc}") from exc
    if callable(parser_rejects):
        parser_rejects = parser_rejects(con)
    # Rows the parser skipped shift the numbers of the rows after them.
    records = SpilledRecords(spill, 0, folder, row_sql=None if numbered else row_number_sql(parser_rejects))
    codes = con.sql(
        f"SELECT _row, _reject, _reject_value FROM ({records.relation_sql('_reject IS NOT NULL')}) ORDER BY _row"
    ).to_arrow_table()
    records.num_rows = total - codes.num_rows
    return ReadResult(
        kind=kind,
        table="events",
        records=records,
        rejects=pa.concat_tables([parser_rejects, rejects_from_codes(codes, checks)]),
        rows_in=rows_in if rows_in is not None else total + parser_rejects.num_rows,
        release=release,
    )


def _col(header: set[str], name: str) -> str:
    return f's."{name}"' if name in header else "NULL::VARCHAR"


def _parsed_columns(header: set[str]) -> list[str]:
    c = lambda name: _col(header, name)  # noqa: E731
    tov = c("type_of_violence")
    if "date_start" in header:
        date_start = f"TRY_CAST(substr(trim({c('date_start')}), 1, 10) AS DATE)"
        date_end = f"TRY_CAST(substr(trim({c('date_end')}), 1, 10) AS DATE)"
    else:
        ymd = (
            f"printf('%04d-%02d-%02d', TRY_CAST(TRY_CAST({c('year')} AS DOUBLE) AS INTEGER), "
            f"TRY_CAST(TRY_CAST({c('month')} AS DOUBLE) AS INTEGER), TRY_CAST(TRY_CAST({c('day')} AS DOUBLE) AS INTEGER))"
        )
        date_start = f"TRY_CAST({ymd} AS DATE)"
        date_end = date_start
    cols = [
        "s.*",
        # UCDP event ids are whole numbers; a tool that stored them as floats writes 12345.0.
        f"CASE WHEN regexp_full_match(trim({c('id')}), {sql_literal(WHOLE_NUMBER)}) THEN split_part(trim({c('id')}), '.', 1) END AS _id",
        f"""CASE WHEN trim({tov}) IN ('1', '2', '3') THEN CAST(trim({tov}) AS INTEGER)
                 WHEN lower({tov}) LIKE 'state%' THEN 1
                 WHEN lower({tov}) LIKE 'non%state%' THEN 2
                 WHEN lower({tov}) LIKE 'one%sided%' THEN 3 END AS _tov""",
        f"{date_start} AS _date_start",
        f"coalesce({date_end}, {date_start}) AS _date_end",
        f"TRY_CAST({c('latitude')} AS DOUBLE) AS _lat",
        f"TRY_CAST({c('longitude')} AS DOUBLE) AS _lon",
        # GED's geom_wkt repeats the point as 'POINT (lon lat)': it exposes swapped columns.
        f"TRY_CAST(regexp_extract({c('geom_wkt')}, 'POINT \\(([-0-9.]+) ', 1) AS DOUBLE) AS _wkt_lon",
        f"TRY_CAST(regexp_extract({c('geom_wkt')}, 'POINT \\([-0-9.]+ ([-0-9.]+)\\)', 1) AS DOUBLE) AS _wkt_lat",
    ]
    for name in ("best", "low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        cols.append(f"TRY_CAST({c(name)} AS DOUBLE) AS _{name}")
    # Yearly releases write active_year as 1/0, Candidate files and the API as true/false.
    active = f"lower(trim({c('active_year')}))"
    cols.append(
        f"CASE WHEN {active} IN ({', '.join(map(repr, ACTIVE_YEAR_TRUE))}) THEN true "
        f"WHEN {active} IN ({', '.join(map(repr, ACTIVE_YEAR_FALSE))}) THEN false END AS _active_year"
    )
    return cols


def _checks(header: set[str]) -> list[Check]:
    # Quarantine shows each value as the file wrote it, not as parsed.
    date_text = "date_start" if "date_start" in header else "concat_ws('-', year, month, day)"
    date_end_text = "date_end" if "date_end" in header else "_date_end"
    checks = [
        Check("id", "id IS NULL OR trim(id) = ''", "missing event id", value="id"),
        Check("id", "_id IS NULL", "id is not a whole number (UCDP event ids are whole numbers)", value="id"),
        Check("type_of_violence", "_tov IS NULL", "type_of_violence is not 1, 2, 3 or a UCDP violence type name"),
        Check(
            "date_start" if "date_start" in header else "year/month/day",
            "_date_start IS NULL",
            "unparsable or impossible date",
            value=date_text,
        ),
        Check("date_start" if "date_start" in header else "year", "_date_start < DATE '1946-01-01' OR _date_start > current_date + 1",
              "date outside 1946 to today", value=date_text),
        # An empty date_end is a one-day event (it takes date_start); a date_end that is there but
        # not a date must not be replaced by date_start unseen.
        *([Check(
            "date_end", "TRY_CAST(substr(trim(date_end), 1, 10) AS DATE) IS NULL AND trim(coalesce(date_end, '')) <> ''",
            "unparsable or impossible date_end", value="date_end",
        )] if "date_end" in header else []),
        Check("date_end", "_date_end < _date_start", "date_end is before date_start", value=date_end_text),
        Check("date_end", "_date_end > current_date + 1", "date_end after today", value=date_end_text),
        # Every UCDP event is placed (no row of the bundled releases lacks a coordinate): an
        # empty one is a damaged row, not an event without a place.
        Check("latitude", "trim(coalesce(latitude, '')) = ''", "latitude is empty", value="latitude"),
        Check("longitude", "trim(coalesce(longitude, '')) = ''", "longitude is empty", value="longitude"),
        Check("latitude", "_lat IS NULL", "latitude is not a number", value="latitude"),
        Check("longitude", "_lon IS NULL", "longitude is not a number", value="longitude"),
        *not_finite_checks("latitude", "longitude"),
        Check(
            "latitude",
            "(abs(_lat) > 90 AND abs(_lon) <= 90) OR (_wkt_lat IS NOT NULL AND _wkt_lat <> _lat AND _wkt_lat = _lon AND _wkt_lon = _lat)",
            "latitude and longitude look swapped",
            value="concat(latitude, ', ', longitude)",
        ),
        Check("latitude", "abs(_lat) > 90", "latitude out of range -90 to 90", value="latitude"),
        Check("longitude", "abs(_lon) > 180", "longitude out of range -180 to 180", value="longitude"),
    ]
    if "active_year" in header:
        checks.append(
            Check(
                "active_year",
                "_active_year IS NULL AND trim(coalesce(active_year, '')) <> ''",
                "active_year is not 1/0 or true/false",
                value="active_year",
            )
        )
    for name in ("best", "low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        if name in header:
            # Every GED row has its best estimate: an empty one is a damaged row, not zero deaths.
            checks += count_checks(name, name, f"_{name}", required=name == "best")
    return checks


def _canonical(header: set[str], source: str, release: str | None) -> dict[str, str]:
    c = lambda name: name if name in header else "NULL"  # noqa: E731
    native_cols = sorted(h for h in header if h not in MAPPED and not h.startswith("_"))
    # Native columns keep the file's own text (active_year stays 1/0 or true/false), so a
    # re-spelled file is seen as a change of the source's row, never silently merged.
    native = json_object_sql(native_cols)
    date_prec = c("date_prec")
    where_prec = c("where_prec")
    gid = f"coalesce(TRY_CAST(TRY_CAST({c('priogrid_gid')} AS DOUBLE) AS INTEGER), {gid_sql('_lat', '_lon')})"
    iso3 = "_iso3"
    date_precision = "CASE " + " ".join(f"WHEN trim({date_prec}) = '{k}' THEN '{v}'" for k, v in DATE_PRECISION.items())
    date_precision += " ELSE 'day' END" if "date_prec" not in header else " ELSE 'unknown' END"
    loc_precision = "CASE " + " ".join(f"WHEN trim({where_prec}) = '{k}' THEN '{v}'" for k, v in WHERE_PRECISION.items())
    # The reduced GED variant keeps only precise events (where_prec 1-2).
    loc_precision += " ELSE 'near' END" if "where_prec" not in header else " ELSE 'unknown' END"
    return {
        "uid": "'ucdp:' || _id",
        "source": f"'{source}'",
        "source_id": "_id",
        "release": sql_literal(release),
        "date_start": "_date_start",
        "date_end": "_date_end",
        "date_precision": date_precision,
        "date_precision_code": date_prec,
        "latitude": "_lat",
        "longitude": "_lon",
        "location_precision": loc_precision,
        "location_precision_code": where_prec,
        "location_name": c("where_coordinates"),
        "country": "country",
        "country_iso3": iso3,
        "admin1_name": c("adm_1"),
        "admin2_name": c("adm_2"),
        "admin_assigned_by": "CASE WHEN " + c("adm_1") + " IS NOT NULL THEN 'source' END",
        "priogrid_gid": gid,
        "violence_category": "CASE _tov " + " ".join(f"WHEN {k} THEN '{v}'" for k, v in VIOLENCE.items()) + " END",
        "native_type": "CAST(_tov AS VARCHAR)",
        "civilian_targeting": "_tov = 3",
        "side_a": "side_a",
        "side_a_source_id": c("side_a_new_id"),
        "side_b": "side_b",
        "side_b_source_id": c("side_b_new_id"),
        "deaths_best": "_best",
        "deaths_low": "_low",
        "deaths_high": "_high",
        # One-sided violence kills civilians by definition; the reduced variant has no column.
        "deaths_civilians": "_deaths_civilians" if "deaths_civilians" in header else "CASE WHEN _tov = 3 THEN _best END",
        "deaths_a": "_deaths_a",
        "deaths_b": "_deaths_b",
        "deaths_unknown": "_deaths_unknown",
        "conflict_source_id": c("conflict_new_id"),
        "headline": c("source_headline"),
        "sources": c("source_article"),
        "source_count": f"CASE WHEN TRY_CAST({c('number_of_sources')} AS INTEGER) >= 0 THEN TRY_CAST({c('number_of_sources')} AS INTEGER) END",
        "sensitivity": "'public'",
        "deleted": "false",
        "native": native,
    }


def _detect_ged(header: set[str], path: Path) -> bool:
    full = {"id", "type_of_violence", "side_a", "side_b", "best", "latitude"} <= header
    reduced = {"id", "type_of_violence", "side_a", "side_b", "best_death", "latitude"} <= header
    return (full or reduced) and not is_candidate_release(release_from_filename(path))


def _detect_candidate(header: set[str], path: Path) -> bool:
    return {"id", "type_of_violence", "side_a", "best"} <= header and is_candidate_release(release_from_filename(path))


register(
    SourceKind(
        "ucdp-ged",
        "events",
        "UCDP GED events, CSV of any release (20.1-25.1) or the reduced 14-column variant",
        lambda path, **kw: read_ged_csv(path, candidate=False, **kw),
        detect_header=_detect_ged,
        stream=lambda path, **kw: stream_ged_csv(path, candidate=False, **kw),
    )
)
register(
    SourceKind(
        "ucdp-candidate",
        "events",
        "UCDP Candidate events (monthly releases YY.0.N), CSV",
        lambda path, **kw: read_ged_csv(path, candidate=True, **kw),
        detect_header=_detect_candidate,
        stream=lambda path, **kw: stream_ged_csv(path, candidate=True, **kw),
    )
)

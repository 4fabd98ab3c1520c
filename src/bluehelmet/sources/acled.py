"""ACLED event exports (CSV, or JSON pages saved from the API) and ACLED deletion lists.

Reads the columns of ACLED's codebook, current (2023-: ``disorder_type``,
``civilian_targeting``, ``tags``) and older (``data_id``, ``event_id_no_cnty``,
``ally_actor_1``...), in either taxonomy (see :mod:`bluehelmet.sources.acled_taxonomy`).

Two layouts:

- **dyadic** (ACLED's default): one row per event, both actors on it. An event id that repeats
  is a duplicate: its later rows are rejected.
- **monadic**: one row per actor of an event, the actor in ``actor1``/``assoc_actor_1``/
  ``inter1`` and the other actor either blank or in ``actor2``. The rows of one
  ``event_id_cnty`` are merged back into one event (side A from the first row, side B from
  ``actor2`` or the next row's ``actor1``). Each file row is still counted once: the event's
  outcome (stored, updated, unchanged) counts all its rows, and the ingest report's
  ``merged`` says how many rows were folded into an earlier row's event.

The layout is detected (repeated event ids whose rows name different ``actor1`` mean monadic)
or given with ``layout=``. The release is the newest ``timestamp`` of the export as an ISO date,
or ``release=``; ACLED revises events in place, so a newer export updates them (the old
version goes to history) and an older one leaves them.

Codebook: ACLED Codebook (Armed Conflict Location & Event Data Project, 2019 and 2023
editions); Raleigh, Linke, Hegre & Karlsen (2010), Journal of Peace Research 47(5).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from bluehelmet.errors import InputFileError, MissingColumnsError
from bluehelmet.geo.countries import iso3_from_m49, iso3_from_name
from bluehelmet.geo.priogrid import gid_sql
from bluehelmet.sources.acled_taxonomy import INTER_CODES, category_sql, event_type_key, rules_by_key
from bluehelmet.sources.base import (
    Check, ReadResult, canonical_query, count_checks, empty_rejects, json_object_sql, not_finite_checks, reader_connection,
    spill_canonical, split_by_checks, sql_identifier, sql_literal, to_canonical,
)
from bluehelmet.sources.dates import date_sql
from bluehelmet.sources.hxl_tags import is_tag_row
from bluehelmet.sources.jsonfile import json_head, load_json
from bluehelmet.sources.records import load_records
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.textfile import load_delimited

KIND = "acled"

CODEBOOK_COLUMNS = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso3", "region", "country",
    "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)
# Old exports call associated actors "ally" actors; any codebook column may be upper-case.
COLUMN_ALIASES = {
    **{c: c for c in CODEBOOK_COLUMNS},
    "ally_actor_1": "assoc_actor_1",
    "ally_actor_2": "assoc_actor_2",
}
REQUIRED = ["event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude", "fatalities"]

# Columns with a canonical place; every other column (admin names too) is kept in ``native``.
MAPPED = {
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
    "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "civilian_targeting", "iso",
    "country", "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities",
}
# Fields every actor row of one event must repeat identically in a monadic export.
EVENT_FIELDS = ("event_date", "event_type", "sub_event_type", "fatalities", "latitude", "longitude", "location")

TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
# geo_precision 3 is a wider area: ACLED then codes the nearest natural feature or the
# provincial (first-level) capital, hence admin1.
GEO_PRECISION = {"1": "exact", "2": "near", "3": "admin1"}
LAYOUTS = ("dyadic", "monadic")
FIRST_YEAR = 1997  # ACLED's earliest events
# A row's timestamp (when ACLED last changed it) is after ACLED's first events and not in the
# future; the parsed timestamp is ``_stamp``.
_STAMP_OK = f"coalesce(_stamp >= TIMESTAMP '{FIRST_YEAR}-01-01' AND _stamp < current_date + 2, false)"
# Seconds of 2100-01-01: far past any export, well inside what to_timestamp converts.
_LATEST_SECONDS = 4_102_444_800


def read_acled(path: str | Path, *, release: str | None = None, layout: str | None = None) -> ReadResult:
    """Read an ACLED export (CSV, or JSON pages saved from the API) into canonical events.

    Parameters
    ----------
    path:
        A CSV export (any delimiter, optionally gzip-compressed), or a ``.json`` file holding
        an API response (``{"data": [...]}``), a list of responses, or a list of event rows.
    release:
        The export's date; by default the newest ``timestamp`` in the file (as ``YYYY-MM-DD``).
    layout:
        ``dyadic`` or ``monadic``; detected from repeated event ids when not given.

    Examples
    --------
    >>> result = read_acled("acled_mali_2022.csv")                # doctest: +SKIP
    >>> result.records.num_rows, result.merged, result.release      # doctest: +SKIP
    (1873, 0, '2023-01-10')
    """
    path = Path(path)
    if layout is not None and layout not in LAYOUTS:
        raise InputFileError(path, f"unknown ACLED layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    folder = tempfile.TemporaryDirectory(prefix="bluehelmet-acled-")
    # A country-decade export runs to hundreds of thousands of rows: above the limit DuckDB
    # spills the intermediate tables to the folder instead of growing in memory, and the
    # canonical rows are written to a Parquet file there for the store to read back.
    con = reader_connection(memory_limit="1GB", temp_directory=folder.name)
    try:
        if path.suffix.lower() == ".json":
            header, rows_in = load_acled_json(con, path)
            parser_rejects = empty_rejects()
        else:
            loaded = load_delimited(con, path, kind=KIND, required=REQUIRED, aliases=COLUMN_ALIASES)
            header, rows_in, parser_rejects = loaded.header, loaded.rows_in, loaded.rejects
            rows_in -= _drop_hxl_row(con, header)
        return read_staged(con, path, set(header), rows_in, parser_rejects, folder, release=release, layout=layout)
    except BaseException:
        folder.cleanup()
        raise
    finally:
        con.close()


def _drop_hxl_row(con: duckdb.DuckDBPyConnection, header: list[str]) -> int:
    """Drop the HXL hashtag row that copies from HDX carry under the header; 1 if dropped."""
    columns = ", ".join(sql_identifier(h) for h in header)
    second = con.execute(f"SELECT {columns} FROM staging WHERE _row = 2").fetchall()
    if second and is_tag_row(second[0]):
        con.execute("DELETE FROM staging WHERE _row = 2")
        return 1
    return 0


def load_acled_json(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], int]:
    """Load API pages into the same text staging table a CSV export gives; returns (header, rows)."""
    body = load_json(path, "ACLED JSON", kind=KIND)
    rows = acled_json_rows(body)
    if rows is None:
        raise InputFileError(path, "not ACLED JSON: expected an API response {\"data\": [...]} or a list of them")
    header: list[str] = []
    for row in rows:
        for key in row:
            name = COLUMN_ALIASES.get(str(key).lower(), str(key))
            if name not in header:
                header.append(name)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MissingColumnsError(path, missing, header, KIND)
    lowered = [{COLUMN_ALIASES.get(str(k).lower(), str(k)): v for k, v in row.items()} for row in rows]
    n = load_records(con, header, ([r.get(h) for h in header] for r in lowered), range(1, len(rows) + 1))
    return header, n


def acled_json_rows(body: object) -> list[dict] | None:
    """The event rows of an API response, a list of responses, or a bare list of rows."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return [r for r in body["data"] if isinstance(r, dict)]
    if isinstance(body, list):
        if all(isinstance(b, dict) and isinstance(b.get("data"), list) for b in body) and body:
            return [r for b in body for r in b["data"] if isinstance(r, dict)]
        if all(isinstance(r, dict) for r in body):
            return list(body)
    return None


def read_staged(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: set[str],
    rows_in: int,
    parser_rejects: pa.Table,
    folder: tempfile.TemporaryDirectory,
    *,
    release: str | None,
    layout: str | None,
) -> ReadResult:
    """Map the text table ``staging`` (an export's rows) to canonical events, spilled to ``folder``."""
    if "country" not in header and "iso" not in header:
        raise MissingColumnsError(path, ["country (or iso)"], sorted(header), KIND)
    _register_lookups(con, header)
    # Parsing and locating are views: the checks below build the first table from the text
    # rows in one pass, and the text rows go once it is built.
    con.execute(f"CREATE OR REPLACE TEMP VIEW parsed AS SELECT {', '.join(_parsed_columns(header))} FROM staging s")
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW located AS
        WITH coords AS (SELECT _loc_key, _lat, _lon, count(*) AS n FROM parsed
                        WHERE _lat IS NOT NULL AND _lon IS NOT NULL GROUP BY ALL)
        SELECT p.*, coalesce(sw.n, 0) AS _n_swapped, coalesce(sm.n, 0) AS _n_same FROM parsed p
        LEFT JOIN coords sw ON sw._loc_key = p._loc_key AND sw._lat = p._lon AND sw._lon = p._lat
        LEFT JOIN coords sm ON sm._loc_key = p._loc_key AND sm._lat = p._lat AND sm._lon = p._lon
        """
    )
    row_rejects = split_by_checks(con, "located", _row_checks(header), raw_expression="NULL")
    release = release or _release_from_timestamps(con)
    for view in ("located", "parsed"):
        con.execute(f"DROP VIEW {view}")
    con.execute("DROP TABLE staging")
    layout = layout or _detect_layout(con)
    if layout == "dyadic" and not _ids_repeat(con):
        # The usual export: one row per event and no id twice, so there are no actor rows to
        # check or merge, and the per-event windows below (most of the time) can be skipped.
        event_rejects = empty_rejects()
        _assemble_single_rows(con)
        leftovers = ["VIEW assembled", "TABLE located_checked"]
    else:
        event_rejects = _group_actor_rows(con, layout)
        con.execute("DROP TABLE located_checked")
        _assemble(con)
        for table in ("grouped", "grouped_checked"):
            con.execute(f"DROP TABLE {table}")
        leftovers = ["TABLE assembled"]
    canonical = canonical_query("events", _canonical(header, release), "assembled", where="", rows_column="_rows")
    records = spill_canonical(con, folder, "events", canonical)
    for leftover in leftovers:
        con.execute(f"DROP {leftover}")
    return ReadResult(
        kind=KIND,
        table="events",
        records=records,
        rejects=pa.concat_tables([parser_rejects, row_rejects, event_rejects]),
        rows_in=rows_in,
        release=release,
    )


def _register_lookups(con: duckdb.DuckDBPyConnection, header: set[str]) -> None:
    """Event type rules, inter codes, and ISO3 for each (iso, country, iso3) in the file."""
    rules = rules_by_key()
    types = [r[0] for r in con.execute('SELECT DISTINCT "event_type" FROM staging').fetchall()]
    con.register(
        "acled_rules",
        pa.table({"event_type": pa.array(types, pa.string()),
                  "rule": pa.array([rules.get(event_type_key(t)) for t in types], pa.string())}),
    )
    cols = [f'"{n}"' if n in header else "NULL::VARCHAR" for n in ("iso", "country", "iso3")]
    triples = con.execute(f"SELECT DISTINCT {', '.join(cols)} FROM staging").fetchall()
    iso3 = []
    for iso, country, alpha3 in triples:
        code = (alpha3 or "").strip().upper() if alpha3 and len(alpha3.strip()) == 3 else None
        iso3.append(iso3_from_m49(iso) or code or iso3_from_name(country))
    con.register(
        "acled_iso3",
        pa.table(
            {
                "iso": pa.array([t[0] for t in triples], pa.string()),
                "country": pa.array([t[1] for t in triples], pa.string()),
                "iso3_in": pa.array([t[2] for t in triples], pa.string()),
                "iso3": pa.array(iso3, pa.string()),
            }
        ),
    )


def _inter_sql(expr: str) -> str:
    """An inter code from its number ('1', '1.0') or its 2024 name ('State forces')."""
    # A CASE over the known names, not a subquery per row: that subquery took half the time
    # of parsing a million rows.
    names = " ".join(f"WHEN {sql_literal(name)} THEN {code}" for name, code in INTER_CODES.items())
    return (
        f"coalesce(TRY_CAST(TRY_CAST(nullif(trim({expr}), '') AS DOUBLE) AS INTEGER), "
        f"CASE lower(trim({expr})) {names} END)"
    )


def _parsed_columns(header: set[str]) -> list[str]:
    c = lambda name: f's."{name}"' if name in header else "NULL::VARCHAR"  # noqa: E731
    return [
        "s.*",
        f"nullif(trim({c('event_id_cnty')}), '') AS _id",
        f"{date_sql(c('event_date'))} AS _date",
        f"TRY_CAST({c('year')} AS DOUBLE) AS _year",
        f"{_timestamp_sql(c('timestamp'))} AS _stamp",
        f"(SELECT rule FROM acled_rules r WHERE r.event_type = {c('event_type')}) AS _rule",
        f"TRY_CAST({c('latitude')} AS DOUBLE) AS _lat",
        f"TRY_CAST({c('longitude')} AS DOUBLE) AS _lon",
        f"TRY_CAST({c('fatalities')} AS DOUBLE) AS _fat",
        f"{_inter_sql(c('inter1'))} AS _i1",
        f"{_inter_sql(c('inter2'))} AS _i2",
        f"lower(trim(coalesce({c('country')}, {c('iso')}, ''))) || '|' || lower(trim(coalesce({c('location')}, ''))) AS _loc_key",
        # The actor columns under fixed names, present or not (monadic files may lack actor2).
        f"nullif(trim({c('actor1')}), '') AS _a1",
        f"nullif(trim({c('assoc_actor_1')}), '') AS _as1",
        f"nullif(trim({c('inter1')}), '') AS _t1",
        f"nullif(trim({c('actor2')}), '') AS _a2",
        f"nullif(trim({c('assoc_actor_2')}), '') AS _as2",
        f"nullif(trim({c('inter2')}), '') AS _t2",
    ]


def _row_checks(header: set[str]) -> list[Check]:
    checks = [
        Check("event_id_cnty", "_id IS NULL", "missing event_id_cnty", value="event_id_cnty"),
        Check("event_type", "_rule IS NULL", "unknown ACLED event type (neither the current nor the pre-2019 taxonomy)", value="event_type"),
        Check("event_date", "_date IS NULL", "unparsable or impossible date", value="event_date"),
        Check(
            "event_date", f"_date < DATE '{FIRST_YEAR}-01-01' OR _date > current_date + 1",
            f"date outside ACLED's coverage ({FIRST_YEAR} to today)", value="event_date",
        ),
    ]
    if "year" in header:
        # ACLED's codebook: year is the year of event_date. An empty one says nothing (the date
        # is what is stored); one that is there must be that year.
        checks += [
            Check("year", "trim(coalesce(year, '')) <> '' AND (_year IS NULL OR _year <> floor(_year) OR NOT isfinite(_year))",
                  "year is not a whole number", value="year"),
            Check("year", "_year <> year(_date)", "year disagrees with event_date", value="concat(year, ' vs ', event_date)"),
        ]
    if "timestamp" in header:
        # The newest timestamp is the export's release, which decides whether the export
        # revises stored events: a row with a junk or impossible one is not trusted with it.
        checks.append(Check("timestamp", f"trim(coalesce(\"timestamp\", '')) <> '' AND NOT {_STAMP_OK}",
                            f"timestamp is not a Unix time or date-time from {FIRST_YEAR} to today", value='"timestamp"'))
    checks += [
        Check("latitude", "_lat IS NULL", "latitude is missing or not a number", value="latitude"),
        Check("longitude", "_lon IS NULL", "longitude is missing or not a number", value="longitude"),
        *not_finite_checks("latitude", "longitude"),
        Check("latitude", "abs(_lat) > 90 AND abs(_lon) <= 90", "latitude and longitude look swapped (latitude beyond 90)",
              value="concat(latitude, ', ', longitude)"),
        # ACLED geocodes a place once: a row whose coordinates are another row's, reversed, at
        # the same named location is a swapped row.
        Check("latitude", "_n_swapped > _n_same AND _lat <> _lon",
              "latitude and longitude look swapped (other rows put this location at the reverse)",
              value="concat(latitude, ', ', longitude)"),
        Check("latitude", "abs(_lat) > 90", "latitude out of range -90 to 90", value="latitude"),
        Check("longitude", "abs(_lon) > 180", "longitude out of range -180 to 180", value="longitude"),
        *count_checks("fatalities", "fatalities", "_fat"),
    ]
    return checks


def _detect_layout(con: duckdb.DuckDBPyConnection) -> str:
    """monadic when most repeated event ids name a different actor1 on each of their rows."""
    repeated, actor_groups = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE n_actors = n) FROM (
          SELECT _id, count(*) AS n, count(DISTINCT lower(trim(actor1))) AS n_actors
          FROM located_checked WHERE _id IS NOT NULL GROUP BY _id HAVING count(*) > 1)
        """
    ).fetchall()[0]
    return "monadic" if repeated and actor_groups * 2 > repeated else "dyadic"


def _group_actor_rows(con: duckdb.DuckDBPyConnection, layout: str) -> pa.Table:
    """Reject duplicate rows of an event (dyadic) or inconsistent actor rows (monadic)."""
    fields = [f for f in EVENT_FIELDS if f in _columns(con, "located_checked")]
    disagree = " ".join(
        f"WHEN coalesce(trim({f}), '') <> coalesce(trim(first_value({f}) OVER w), '') THEN '{f}'" for f in fields
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE grouped AS
        WITH good AS (SELECT * EXCLUDE (_reject) FROM located_checked WHERE _reject IS NULL),
        bad AS (SELECT _id, min(_row) AS bad_row FROM located_checked WHERE _reject IS NOT NULL AND _id IS NOT NULL GROUP BY _id)
        SELECT g.*,
               row_number() OVER w AS _k,
               first_value(_row) OVER w AS _first_row,
               count(*) OVER (PARTITION BY g._id, lower(_a1) ORDER BY _row) > 1 AS _repeat_actor,
               count(DISTINCT lower(_a1)) OVER (PARTITION BY g._id) AS _n_actors,
               CASE {disagree or "WHEN false THEN NULL"} END AS _disagree,
               b.bad_row AS _bad_row,
               '{layout}' AS _layout
        FROM good g LEFT JOIN bad b USING (_id)
        WINDOW w AS (PARTITION BY g._id ORDER BY _row)
        """
    )
    checks = [
        Check("event_id_cnty", "_layout = 'dyadic' AND _k > 1", "duplicate event_id_cnty in a dyadic export (the first row is kept)",
              value="concat(event_id_cnty, ' (first at row ', _first_row, ')')"),
        Check("event_id_cnty", "_layout = 'monadic' AND _bad_row IS NOT NULL",
              "another actor row of this event was rejected, so the event is incomplete",
              value="concat(event_id_cnty, ' (see row ', _bad_row, ')')"),
        Check("actor1", "_layout = 'monadic' AND _repeat_actor", "actor row repeats an actor already given for this event",
              value="actor1"),
        Check("actor1", "_layout = 'monadic' AND _n_actors > 2", "more than two actors for one event (ACLED events have two sides)",
              value="actor1"),
    ]
    for f in fields:
        checks.append(Check(f, f"_layout = 'monadic' AND _disagree = '{f}'",
                            f"actor row disagrees with the event's first row on {f}",
                            value=f"concat({f}, ' (row ', _first_row, ')')"))
    return split_by_checks(con, "grouped", checks, raw_expression="NULL")


def _assemble(con: duckdb.DuckDBPyConnection) -> None:
    """One row per event: its first row, plus side B from actor2 or the next actor row."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE assembled AS
        WITH acc AS (SELECT * EXCLUDE (_k), row_number() OVER (PARTITION BY _id ORDER BY _row) AS _n,
                            count(*) OVER (PARTITION BY _id) AS _rows
                     FROM grouped_checked WHERE _reject IS NULL)
        SELECT a.*,
               coalesce(a._a2, b._a1) AS _side_b,
               coalesce(a._as2, b._as1) AS _assoc_b,
               CASE WHEN a._a2 IS NOT NULL THEN a._t2 ELSE b._t1 END AS _inter_b,
               CASE WHEN a._a2 IS NOT NULL THEN a._i2 ELSE b._i1 END AS _ib
        FROM acc a LEFT JOIN acc b ON b._id = a._id AND b._n = 2
        WHERE a._n = 1
        """
    )


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description}


def _canonical(header: set[str], release: str | None) -> dict[str, str]:
    c = lambda name: f'"{name}"' if name in header else "NULL"  # noqa: E731
    native_cols = sorted(h for h in header if h not in MAPPED and not h.startswith("_"))
    native = json_object_sql(native_cols)
    if "civilian_targeting" in header:
        targeting = "lower(trim(coalesce(civilian_targeting, ''))) NOT IN ('', 'no', 'false', '0', 'none')"
    else:
        # Old exports have no civilian_targeting column: civilians named as a side mark it.
        targeting = "(_rule = 'remote' AND (_i1 = 7 OR _ib = 7))"
    civilian = f"(_rule = 'one_sided' OR {targeting})"
    iso3 = (
        f"(SELECT iso3 FROM acled_iso3 l WHERE l.iso IS NOT DISTINCT FROM {c('iso')} "
        f"AND l.country IS NOT DISTINCT FROM {c('country')} AND l.iso3_in IS NOT DISTINCT FROM {c('iso3')})"
    )
    time_prec = "CASE " + " ".join(f"WHEN trim({c('time_precision')}) = '{k}' THEN '{v}'" for k, v in TIME_PRECISION.items()) + " ELSE 'unknown' END"
    geo_prec = "CASE " + " ".join(f"WHEN trim({c('geo_precision')}) = '{k}' THEN '{v}'" for k, v in GEO_PRECISION.items()) + " ELSE 'unknown' END"
    blank = lambda col: f"nullif(trim({c(col)}), '')"  # noqa: E731
    return {
        "uid": "'acled:' || _id",
        "source": sql_literal(KIND),
        "source_id": "_id",
        "release": sql_literal(release),
        "date_start": "_date",
        "date_end": "_date",
        "date_precision": time_prec,
        "date_precision_code": blank("time_precision"),
        "latitude": "_lat",
        "longitude": "_lon",
        "location_precision": geo_prec,
        "location_precision_code": blank("geo_precision"),
        "location_name": blank("location"),
        "country": blank("country"),
        "country_iso3": iso3,
        "admin1_name": blank("admin1"),
        "admin2_name": blank("admin2"),
        "admin_assigned_by": f"CASE WHEN {blank('admin1')} IS NOT NULL OR {blank('admin2')} IS NOT NULL THEN 'source' END",
        "priogrid_gid": gid_sql("_lat", "_lon"),
        "violence_category": category_sql("_rule", "_i1", "_ib", civilian),
        "native_type": "trim(event_type)",
        "native_subtype": blank("sub_event_type"),
        "civilian_targeting": civilian,
        "side_a": "_a1",
        "side_a_kind_code": "_t1",
        "side_b": "_side_b",
        "side_b_kind_code": "_inter_b",
        "assoc_actor_a": "_as1",
        "assoc_actor_b": "_assoc_b",
        "deaths_best": "_fat",
        "deaths_low": "_fat",
        "deaths_high": "_fat",
        # Fatalities of a civilian-targeting event are civilians; otherwise ACLED does not say.
        "deaths_civilians": f"CASE WHEN {civilian} THEN _fat END",
        "notes": blank("notes"),
        "sources": blank("source"),
        "source_count": f"CASE WHEN {blank('source')} IS NOT NULL THEN len(string_split({c('source')}, ';')) END",
        "sensitivity": "'public'",
        "deleted": "false",
        "native": native,
    }


def _ids_repeat(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an event id is on more than one of the rows that passed the row checks."""
    rows, ids = con.execute("SELECT count(_id), count(DISTINCT _id) FROM located_checked WHERE _reject IS NULL").fetchall()[0]
    return rows != ids


def _assemble_single_rows(con: duckdb.DuckDBPyConnection) -> None:
    """What :func:`_assemble` gives when every event has one row: side B from actor2 (a view)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW assembled AS
        SELECT * EXCLUDE (_reject), 1 AS _rows, _a2 AS _side_b, _as2 AS _assoc_b,
               CASE WHEN _a2 IS NOT NULL THEN _t2 END AS _inter_b,
               CASE WHEN _a2 IS NOT NULL THEN _i2 END AS _ib
        FROM located_checked WHERE _reject IS NULL
        """
    )


def _timestamp_sql(text: str) -> str:
    """SQL: an ACLED ``timestamp`` (Unix seconds, or a date-time) as a TIMESTAMP; NULL if neither."""
    seconds = f"TRY_CAST(nullif(trim({text}), '') AS DOUBLE)"
    # Bounded before conversion: to_timestamp fails the whole query on seconds past its range.
    # Only whole seconds are a Unix time; 12.5 is not one.
    unix = (
        f"CASE WHEN {seconds} = floor({seconds}) AND {seconds} BETWEEN 0 AND {_LATEST_SECONDS} "
        f"THEN to_timestamp(CAST({seconds} AS BIGINT))::TIMESTAMP END"
    )
    return f"coalesce({unix}, TRY_CAST(trim({text}) AS TIMESTAMP))"


def _release_from_timestamps(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest ``timestamp`` of the export as an ISO date, of those that pass the timestamp
    check (a junk one, such as ``0`` or ``9999999999``, must not date the export)."""
    return con.execute(f"SELECT max(_stamp) FILTER (WHERE {_STAMP_OK})::DATE::VARCHAR FROM located_checked").fetchall()[0][0]


def read_acled_deletions(path: str | Path, *, release: str | None = None) -> ReadResult:
    """Read ACLED's list of deleted events (``event_id_cnty``, ``deleted_timestamp``).

    The events are flagged ``deleted`` in the store (their previous version goes to history);
    ids the store does not hold count as unchanged. The release is the newest deletion date.
    """
    path = Path(path)
    con = reader_connection()
    try:
        aliases = {"event_id_cnty": "event_id_cnty", "deleted_timestamp": "deleted_timestamp"}
        loaded = load_delimited(con, path, kind="acled-deletions", required=["event_id_cnty", "deleted_timestamp"], aliases=aliases)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE parsed AS SELECT *, nullif(trim(event_id_cnty), '') AS _id,
              {_timestamp_sql("deleted_timestamp")} AS _deleted_at
            FROM staging
            """
        )
        rejects = split_by_checks(
            con,
            "parsed",
            [
                Check("event_id_cnty", "_id IS NULL", "missing event_id_cnty", value="event_id_cnty"),
                Check("deleted_timestamp", "_deleted_at IS NULL", "deleted_timestamp is not a Unix time or a date", value="deleted_timestamp"),
            ],
            raw_expression="NULL",
        )
        uids = [r[0] for r in con.execute("SELECT 'acled:' || _id FROM parsed_checked WHERE _reject IS NULL ORDER BY _row").fetchall()]
        newest = con.execute("SELECT max(_deleted_at)::DATE::VARCHAR FROM parsed_checked WHERE _reject IS NULL").fetchall()[0][0]
        no_records = to_canonical(con, "events", {}, "parsed_checked", where="false")
        return loaded.read_result("acled-deletions", "events", no_records, rejects, release or newest, deleted_uids=uids)
    finally:
        con.close()


def _detect_acled(header: set[str], path: Path) -> bool:
    return {"event_id_cnty", "event_date", "event_type", "actor1", "fatalities"} <= header


def _detect_deletions(header: set[str], path: Path) -> bool:
    return {"event_id_cnty", "deleted_timestamp"} <= header and "event_type" not in header


def _detect_acled_json(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    head = json_head(path)  # decoded: a JSON saved as UTF-16 has NULs between its letters
    return '"event_id_cnty"' in head and '"event_type"' in head


register(
    SourceKind(
        KIND,
        "events",
        "ACLED events: CSV exports (dyadic or monadic, current or pre-2019 taxonomy) or API JSON pages",
        read_acled,
        detect_header=_detect_acled,
        detect_file=_detect_acled_json,
        merged_rows="actor rows merged into their events (a monadic export has one row per actor)",
    )
)
register(
    SourceKind(
        "acled-deletions",
        "events",
        "ACLED deleted events (event_id_cnty, deleted_timestamp): flags them deleted",
        read_acled_deletions,
        detect_header=_detect_deletions,
    )
)

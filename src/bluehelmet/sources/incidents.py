"""Mission incident sheets: CSV, XLSX or JSON with a column map, or tagged with HXL hashtags.

Every mission keeps its own incident log with its own columns. A column map
(:mod:`bluehelmet.sources.column_map`) says which column is the date, the place, the alleged
perpetrator, the killed and injured...; a sheet that carries an HXL tag row (first or second
row, :mod:`bluehelmet.sources.hxl_tags`) needs no map. Rows become events with
``source = "incidents:<source_name>"`` and ``uid = "incidents:<source_name>:<id>"``.

Incident logs hold sensitive information: each row gets a ``sensitivity`` level (its own
column through ``values.sensitivity``, else the map's default, ``restricted`` unless stated).
A level the map does not know is stored as ``confidential``, never as ``public``.

Without an id column, the id is ``h`` followed by the first 16 hex digits of the SHA-256 of the
row's mapped values (trimmed, in the order of :data:`~bluehelmet.sources.column_map.FIELDS`,
joined by the ASCII unit separator). Re-ingesting the same sheet, re-sorted or with extra
unmapped columns, gives the same ids; editing a mapped cell makes the row a new incident.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pycountry

from bluehelmet.errors import InputFileError
from bluehelmet.geo.countries import iso3_from_name
from bluehelmet.geo.priogrid import gid_sql
from bluehelmet.sources.base import (
    Check, ReadResult, count_checks, empty_rejects, not_finite_checks, reader_connection, split_by_checks, sql_identifier,
    sql_literal, to_canonical,
)
from bluehelmet.sources.column_map import (
    COUNT_FIELDS,
    FIELDS,
    SENSITIVITY_LEVELS,
    ColumnMap,
    load_column_map,
)
from bluehelmet.sources.dates import ISO_FORMATS, date_sql
from bluehelmet.sources.hxl_tags import column_map_from_tags, is_tag_row
from bluehelmet.sources.jsonfile import load_json
from bluehelmet.sources.records import load_records
from bluehelmet.sources.registry import SourceKind, register
from bluehelmet.sources.spreadsheet import HEAD_ROWS, empty_sheet_error, first_rows, is_spreadsheet, sheet_rows
from bluehelmet.sources.textfile import load_delimited, locate_table
from bluehelmet.store.schema import VIOLENCE_CATEGORIES

KIND = "incidents"


def read_incidents(
    path: str | Path,
    *,
    column_map: str | Path | ColumnMap | None = None,
    release: str | None = None,
    source_name: str | None = None,
    sensitivity: str | None = None,
) -> ReadResult:
    """Read an incident sheet into canonical events.

    Parameters
    ----------
    path:
        A CSV (any delimiter), Excel (.xlsx, .xls) or JSON file (an array of objects).
    column_map:
        The map file (YAML or TOML) or a :class:`ColumnMap`; optional for an HXL-tagged sheet.
    source_name:
        Overrides the map's ``source_name`` (for HXL sheets, the file name by default).
    sensitivity:
        Overrides the default sensitivity of rows without their own level.

    Examples
    --------
    >>> result = read_incidents("jmac_2023.xlsx", column_map="jmac.yaml")   # doctest: +SKIP
    >>> result.records.column("source")[0].as_py()                           # doctest: +SKIP
    'incidents:jmac-mopti'
    """
    path = Path(path)
    mapping = load_column_map(column_map) if isinstance(column_map, (str, Path)) else column_map
    if sensitivity is not None and sensitivity not in SENSITIVITY_LEVELS:
        raise InputFileError(path, f"sensitivity {sensitivity!r} is not one of: {', '.join(SENSITIVITY_LEVELS)}")
    con = reader_connection()
    try:
        header, tags, rows_in, parser_rejects = _load_sheet(con, path, mapping)
        if mapping is None:
            if tags is None:
                raise InputFileError(
                    path,
                    "an incident sheet needs a column map (--map FILE, see docs/ingest-incidents.md) "
                    "or a row of HXL hashtags (#date, #geo+lat...) under its column names",
                )
            mapping = column_map_from_tags(header, tags, path, source_name)
            if "date" not in mapping.columns:
                raise InputFileError(path, "the HXL tag row has no #date column; tag the incident date with #date")
        else:
            mapping.check_columns(header, path)
        if source_name:
            mapping.source_name = source_name
        if sensitivity:
            mapping.sensitivity = sensitivity
        _register_lookups(con, mapping)
        columns = mapping.columns
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT {', '.join(_parsed_columns(mapping))} FROM staging s")
        rejects = split_by_checks(con, "parsed", _checks(columns), raw_expression="NULL")
        records = to_canonical(con, "events", _canonical(mapping, header, release), "parsed_checked")
        return ReadResult(
            kind=KIND,
            table="events",
            records=records,
            rejects=pa.concat_tables([parser_rejects, rejects]),
            rows_in=rows_in,
            release=release,
        )
    finally:
        con.close()


def _load_sheet(con, path: Path, mapping: ColumnMap | None) -> tuple[list[str], list | None, int, pa.Table]:
    """Stage the sheet's rows; returns (header, HXL tags or None, rows in, parser rejects)."""
    if not path.exists():
        raise InputFileError(path, "no such file")
    if is_spreadsheet(path):
        return _load_xlsx(con, path, mapping.sheet if mapping else None, set(mapping.columns.values()) if mapping else None)
    if path.suffix.lower() == ".json":
        return _load_json(con, path)
    mapped = set(mapping.columns.values()) if mapping else None
    start = locate_table(path, lambda rows: _table_header(rows, mapped))
    loaded = load_delimited(con, path, kind=KIND, required=[], table_start=start)
    header, rows_in = loaded.header, loaded.rows_in
    if is_tag_row(header):
        return header, header, rows_in, loaded.rejects
    quoted = ", ".join(sql_identifier(h) for h in header)
    below_header = 2 + (start.line if start else 0)
    second = con.execute(f"SELECT {quoted} FROM staging WHERE _row = {below_header}").fetchall()
    if second and is_tag_row(second[0]):
        con.execute(f"DELETE FROM staging WHERE _row = {below_header}")
        return header, list(second[0]), rows_in - 1, loaded.rejects
    return header, None, rows_in, loaded.rejects


def _load_xlsx(con, path: Path, sheet: str | None, mapped: set[str] | None):
    with sheet_rows(path, sheet) as cells:
        rows = list(cells)
    if not rows:
        raise empty_sheet_error(path, sheet)
    start = _header_index(rows, mapped)
    header = _unique_names(rows[start])
    # Rows keep their numbers in the sheet, title rows above the table included.
    numbered = [(i + 1, r) for i, r in enumerate(rows)][start + 1:]
    tags = None
    if is_tag_row(rows[start]):
        tags = list(rows[start])
    elif len(rows) > start + 1 and is_tag_row(rows[start + 1]):
        tags = list(rows[start + 1])
        numbered = numbered[1:]
    # Blank lines at the end of a sheet are formatting, not incidents.
    numbered = [(n, r) for n, r in numbered if any(c is not None and str(c).strip() for c in r)]
    count = load_records(con, header, (r for _, r in numbered), (n for n, _ in numbered))
    return header, tags, count, empty_rejects()


def _header_index(rows: list, mapped: set[str] | None) -> int:
    """The index of the row that names the sheet's columns (:func:`_table_header`), or when
    none is found the first row that is not blank, whose names the map check then lists."""
    found = _table_header(rows, mapped)
    if found is not None:
        return found
    return next((i for i, row in enumerate(rows[:HEAD_ROWS]) if _filled(row)), 0)


def _table_header(rows: list, mapped: set[str] | None) -> int | None:
    """The index of the row that names the columns of a sheet with a title or notes above its
    table, or None.

    With a column map, the first row holding the most columns the map names (every one, unless
    the map names a column the sheet lacks, which the map check then lists); without one, the
    row above the first HXL tag row (or that row, when nothing is above it).
    """
    head = rows[:HEAD_ROWS]
    if mapped:
        named = [len(mapped & _filled(row)) for row in head]
        best = max(range(len(head)), key=named.__getitem__, default=None)
        return best if best is not None and named[best] else None
    tags = next((i for i, row in enumerate(head) if is_tag_row(row)), None)
    if tags is None:
        return None
    return tags - 1 if tags > 0 and _filled(head[tags - 1]) else tags


def _filled(row) -> set[str]:
    """The names in a row's cells that are not blank."""
    return {str(c).strip() for c in row if c is not None and str(c).strip()}


def _load_json(con, path: Path):
    body = load_json(path, "an incident JSON file", kind=KIND)
    if isinstance(body, dict):
        body = next((v for v in body.values() if isinstance(v, list)), None)
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise InputFileError(path, "an incident JSON file is an array of objects, one per incident")
    if not body:
        raise InputFileError(path, "the JSON holds no incidents: its array of incidents is empty")
    keys: list[str] = []
    for record in body:
        keys.extend(k for k in record if k not in keys)
    # A blank key gets a name, as a blank header cell of a sheet does.
    header = [key if key.strip() else f"column_{i + 1}" for i, key in enumerate(keys)]
    count = load_records(con, header, ([r.get(k) for k in keys] for r in body), range(1, len(body) + 1))
    return header, None, count, empty_rejects()


def _unique_names(cells) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = str(cell).strip() if cell is not None and str(cell).strip() else f"column_{i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return names


def _register_lookups(con, mapping: ColumnMap) -> None:
    rows = [(f, k, v) for f, table in mapping.values.items() for k, v in table.items()]
    con.register(
        "value_map",
        pa.table({"field": [r[0] for r in rows], "raw_key": [r[1] for r in rows], "mapped": [r[2] for r in rows]},
                 schema=pa.schema([("field", pa.string()), ("raw_key", pa.string()), ("mapped", pa.string())])),
    )
    names: list[str | None] = []
    if "country" in mapping.columns:
        column = sql_identifier(mapping.columns["country"])
        names = [r[0] for r in con.execute(f"SELECT DISTINCT trim({column}) FROM staging").fetchall()]
    if mapping.country:
        names.append(str(mapping.country).strip())
    con.register(
        "country_iso3",
        pa.table({"name": pa.array(names, pa.string()), "iso3": pa.array([_iso3(n) for n in names], pa.string())}),
    )


def _iso3(name: str | None) -> str | None:
    if not name:
        return None
    if len(name) == 3 and name.isalpha() and pycountry.countries.get(alpha_3=name.upper()):
        return name.upper()
    return iso3_from_name(name)


def _parsed_columns(mapping: ColumnMap) -> list[str]:
    cols = ["s.*"]
    for field_name in FIELDS:
        column = mapping.columns.get(field_name)
        cols.append(f"nullif(trim(s.{sql_identifier(column)}), '') AS _v_{field_name}" if column else f"NULL::VARCHAR AS _v_{field_name}")
    # A declared format is for dates typed as text; the date cells of a spreadsheet arrive as
    # ISO dates and are read as such.
    formats = [mapping.date_format, *ISO_FORMATS] if mapping.date_format else None
    cols += [
        f"{date_sql('_v_date', formats)} AS _date",
        f"{date_sql('_v_date_end', formats)} AS _date_end",
        "TRY_CAST(_v_latitude AS DOUBLE) AS _lat",
        "TRY_CAST(_v_longitude AS DOUBLE) AS _lon",
    ]
    cols += [f"TRY_CAST(_v_{f} AS DOUBLE) AS _{f}" for f in COUNT_FIELDS]
    if "id" in mapping.columns:
        cols.append("_v_id AS _id")
    else:
        content = ", ".join(f"coalesce(_v_{f}, '')" for f in FIELDS if f in mapping.columns)
        cols.append(f"'h' || substr(sha256(concat_ws(chr(31), {content})), 1, 16) AS _id")
    # DuckDB lets later expressions of one SELECT list use earlier aliases (_v_date...).
    return cols


def _checks(columns: dict[str, str]) -> list[Check]:
    name = lambda f: columns.get(f, f)  # noqa: E731
    checks = []
    if "id" in columns:
        checks.append(Check(name("id"), "_v_id IS NULL", "missing incident id", value="_v_id"))
    checks += [
        Check(name("date"), "_v_date IS NULL", "missing date", value="_v_date"),
        Check(name("date"), "_date IS NULL", "date cannot be read (write it as YYYY-MM-DD, or set date_format in the map)", value="_v_date"),
        Check(name("date"), "_date > current_date + 1", "date in the future", value="_v_date"),
        Check(name("date_end"), "_v_date_end IS NOT NULL AND _date_end IS NULL", "end date cannot be read", value="_v_date_end"),
        Check(name("date_end"), "_date_end < _date", "end date is before the date", value="_v_date_end"),
        Check(name("latitude"), "_lat IS NULL AND _v_latitude IS NOT NULL", "latitude is not a number", value="_v_latitude"),
        Check(name("longitude"), "_lon IS NULL AND _v_longitude IS NOT NULL", "longitude is not a number", value="_v_longitude"),
        *not_finite_checks(name("latitude"), name("longitude"), ("_v_latitude", "_v_longitude")),
        Check(name("latitude"), "(_lat IS NULL) <> (_lon IS NULL)", "only one of latitude and longitude is given",
              value="concat(_v_latitude, ', ', _v_longitude)"),
        Check(name("latitude"), "abs(_lat) > 90 AND abs(_lon) <= 90", "latitude and longitude look swapped (latitude beyond 90)",
              value="concat(_v_latitude, ', ', _v_longitude)"),
        Check(name("latitude"), "abs(_lat) > 90", "latitude out of range -90 to 90", value="_v_latitude"),
        Check(name("longitude"), "abs(_lon) > 180", "longitude out of range -180 to 180", value="_v_longitude"),
    ]
    for f in COUNT_FIELDS:
        if f in columns:
            checks += count_checks(name(f), f"_v_{f}", f"_{f}", f)
    return checks


def _mapped_value(field_name: str, expr: str) -> str:
    return f"(SELECT mapped FROM value_map WHERE field = {sql_literal(field_name)} AND raw_key = lower(trim({expr})))"


def _canonical(mapping: ColumnMap, header: list[str], release: str | None) -> dict[str, str]:
    source = f"incidents:{mapping.source_name}"
    used = set(mapping.columns.values())
    native_pairs = [f"{sql_literal(h)}, {sql_identifier(h)}" for h in header if h not in used]
    native_pairs += [f"{sql_literal(f)}, _{f}::BIGINT" for f in ("injured", "abducted") if f in mapping.columns]
    native = "json_object(" + ", ".join(native_pairs) + ")" if native_pairs else "NULL"
    categories = ", ".join(sql_literal(c) for c in VIOLENCE_CATEGORIES)
    category = (
        f"coalesce({_mapped_value('category', '_v_category')}, "
        f"CASE WHEN regexp_replace(lower(trim(_v_category)), '[ -]+', '_', 'g') IN ({categories}) "
        f"THEN regexp_replace(lower(trim(_v_category)), '[ -]+', '_', 'g') END)"
    )
    levels = ", ".join(sql_literal(s) for s in SENSITIVITY_LEVELS)
    sensitivity = (
        f"CASE WHEN _v_sensitivity IS NULL THEN {sql_literal(mapping.sensitivity)} "
        f"ELSE coalesce({_mapped_value('sensitivity', '_v_sensitivity')}, "
        f"CASE WHEN lower(trim(_v_sensitivity)) IN ({levels}) THEN lower(trim(_v_sensitivity)) END, 'confidential') END"
    )
    country = f"coalesce(_v_country, {sql_literal(mapping.country)})"
    deaths_civilians = "_civilians_killed" if "civilians_killed" in mapping.columns else (
        "_killed" if mapping.killed_are_civilians else "NULL")
    value = lambda f: f"coalesce({_mapped_value(f, f'_v_{f}')}, _v_{f})" if f in mapping.values else f"_v_{f}"  # noqa: E731
    return {
        "uid": f"{sql_literal(source + ':')} || _id",
        "source": sql_literal(source),
        "source_id": "_id",
        "release": sql_literal(release),
        "date_start": "_date",
        "date_end": "coalesce(_date_end, _date)",
        "date_precision": "'day'",
        "latitude": "_lat",
        "longitude": "_lon",
        "location_precision": "CASE WHEN _lat IS NOT NULL THEN 'exact' WHEN _v_admin2 IS NOT NULL OR _v_admin2_pcode IS NOT NULL THEN 'admin2' "
        "WHEN _v_admin1 IS NOT NULL OR _v_admin1_pcode IS NOT NULL THEN 'admin1' ELSE 'unknown' END",
        "location_name": value("location"),
        "country": country,
        "country_iso3": f"(SELECT iso3 FROM country_iso3 c WHERE c.name = trim({country}))",
        "admin1_name": value("admin1"),
        "admin1_pcode": "_v_admin1_pcode",
        "admin2_name": value("admin2"),
        "admin2_pcode": "_v_admin2_pcode",
        "admin_assigned_by": "CASE WHEN coalesce(_v_admin1, _v_admin2, _v_admin1_pcode, _v_admin2_pcode) IS NOT NULL THEN 'source' END",
        "priogrid_gid": gid_sql("_lat", "_lon"),
        "violence_category": category,
        "native_type": "_v_category",
        "civilian_targeting": f"CASE WHEN {category} IS NOT NULL THEN {category} = 'one_sided' END",
        "side_a": value("perpetrator"),
        "side_b": value("victim_group"),
        "deaths_best": "_killed",
        "deaths_low": "coalesce(_killed_low, _killed)",
        "deaths_high": "coalesce(_killed_high, _killed)",
        "deaths_civilians": deaths_civilians,
        "headline": "_v_headline",
        "notes": "_v_description",
        "sources": "_v_sources",
        "sensitivity": sensitivity,
        "deleted": "false",
        "native": native,
    }


def _detect_hxl_text(header: set[str], path: Path) -> bool:
    # A tag row in place of the header, below it, or below a title and the header.
    return locate_table(path, lambda rows: _table_header(rows, None)) is not None


def _detect_hxl_spreadsheet(path: Path) -> bool:
    if not is_spreadsheet(path):
        return False
    try:
        return any(is_tag_row(r) for r in first_rows(path))
    except InputFileError:
        return False


register(
    SourceKind(
        KIND,
        "events",
        "Mission incident sheets (CSV, Excel .xlsx or .xls, JSON) with a column map (--map) or HXL hashtags",
        read_incidents,
        detect_header=_detect_hxl_text,
        detect_file=_detect_hxl_spreadsheet,
    )
)

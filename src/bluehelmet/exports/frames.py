"""One function that writes any result frame in any output format.

Formats:

- ``table``: a readable table for the terminal;
- ``csv``: UTF-8 with a byte-order mark so Excel opens accents correctly;
- ``json``: an array of objects, one per row (dates as ISO strings);
- ``geojson``: a FeatureCollection of points (from ``latitude``/``longitude``) or of the
  frame's geometry, for QGIS and web maps;
- ``parquet``: GeoParquet when the frame has coordinates or a geometry, plain Parquet otherwise;
- ``hxl``: CSV with a row of HXL hashtags under the header, for humanitarian tools;
- ``xlsx``: an Excel workbook with typed cells, a frozen header and a filter (``workbook.py``).

A column of dates is written as dates (``YYYY-MM-DD`` in text, Parquet's date type), not as
midnight timestamps.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports.output_path import prepare_output
from bluehelmet.exports.workbook import sheet_name

FORMATS = ("table", "csv", "json", "geojson", "parquet", "hxl", "xlsx")
# The formats that write a file and nothing to the terminal.
BINARY_FORMATS = ("parquet", "xlsx")

# The format a file's suffix names, for a file asked for without --format.
SUFFIX_FORMATS = {
    ".csv": "csv", ".json": "json", ".geojson": "geojson", ".parquet": "parquet", ".geoparquet": "parquet",
    ".xlsx": "xlsx",
}

# Canonical column -> HXL hashtag (https://hxlstandard.org/standard/dictionary/).
HXL_TAGS = {
    "uid": "#event+id",
    "source": "#meta+source",
    "source_id": "#event+id+source",
    "release": "#meta+release",
    "date_start": "#date+start",
    "date_end": "#date+end",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location_name": "#loc+name",
    "country": "#country+name",
    "country_iso3": "#country+code",
    "admin1_name": "#adm1+name",
    "admin1_pcode": "#adm1+code",
    "admin2_name": "#adm2+name",
    "admin2_pcode": "#adm2+code",
    "violence_category": "#event+type",
    "native_type": "#event+type+native",
    "native_subtype": "#event+type+sub",
    "side_a": "#group+name+side_a",
    "side_b": "#group+name+side_b",
    "deaths_best": "#affected+killed",
    "deaths_low": "#affected+killed+min",
    "deaths_high": "#affected+killed+max",
    "deaths_civilians": "#affected+killed+civilians",
    "headline": "#description+headline",
    "sources": "#meta+sources",
    # Tagged so that a sheet read back keeps each event's level (and never lowers it).
    "sensitivity": "#meta+sensitivity",
}


def _date_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of timestamps none of which has a time of day.

    The store's DATE columns reach pandas as timestamps at midnight, which every output would
    otherwise give with a time no source gave ("2022-03-27 00:00:00").
    """
    return [
        column for column in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[column])
        and not isinstance(frame[column].dtype, pd.DatetimeTZDtype)
        and (frame[column].dropna() == frame[column].dropna().dt.normalize()).all()
    ]


def _calendar_dates(frame: pd.DataFrame, *, as_text: bool) -> pd.DataFrame:
    """``frame`` with its date columns as ``YYYY-MM-DD`` text, or as dates (Parquet's date32)."""
    dates = _date_columns(frame)
    if not dates:
        return frame
    frame = frame.copy()
    for column in dates:
        frame[column] = frame[column].dt.strftime("%Y-%m-%d") if as_text else frame[column].dt.date
    return frame


def _jsonable(frame: pd.DataFrame) -> list[dict]:
    # Timestamps to the microsecond, as the store keeps them and every other format writes them.
    text = frame.to_json(orient="records", date_format="iso", date_unit="us", force_ascii=False, default_handler=str)
    return json.loads(text)


def _property_text(value: object) -> str | None:
    """A GeoJSON property of a text or timestamp column: missing as null, timestamps in ISO 8601
    to the microsecond (as JSON gives them), anything else as its text."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat(timespec="microseconds")
    return str(value)


def _points(frame: pd.DataFrame):
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame):
        return frame
    if {"latitude", "longitude"} <= set(frame.columns):
        geometry = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs="EPSG:4326")
        # A row without coordinates has no geometry (GeoJSON's null), not a point at NaN,
        # which GeoJSON would write as [NaN, NaN]: not JSON.
        geometry[(frame["latitude"].isna() | frame["longitude"].isna()).to_numpy()] = None
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    return None


def output_format(fmt: str, out: str | Path | IO[str] | None) -> str:
    """The format to write: ``fmt``, except that the default terminal table sent to a file whose
    suffix names a format is written in that format.

    ``--out mali.xlsx`` without ``--format`` would otherwise be a drawing of a table in box
    characters under an ``.xlsx`` name, which Excel refuses and pandas cannot read.

    >>> output_format("table", "mali.xlsx"), output_format("table", "notes.txt"), output_format("csv", "x.json")
    ('xlsx', 'table', 'csv')
    """
    if fmt == "table" and isinstance(out, (str, Path)):
        return SUFFIX_FORMATS.get(Path(out).suffix.lower(), fmt)
    return fmt


def write_frame(frame: pd.DataFrame, fmt: str, out: str | Path | IO[str] | None = None, *, title: str | None = None) -> None:
    """Write ``frame`` as ``fmt`` to ``out`` (a path, a text stream, or standard output).

    ``parquet`` and ``xlsx`` need a path. Raises :class:`InvalidRequestError` for an unknown
    format, a geographic format on a frame without coordinates, or more rows than a sheet holds.
    """
    fmt = output_format(fmt, out)
    if fmt not in FORMATS:
        raise InvalidRequestError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(out, (str, Path)):
        out = prepare_output(out)
    if fmt in BINARY_FORMATS:
        if out is None or not isinstance(out, (str, Path)):
            raise InvalidRequestError(f"--format {fmt} writes a file: give --out FILE.{fmt}")
        if fmt == "xlsx":
            write_xlsx_sheets({sheet_name(Path(out)): frame}, out)
            return
        frame = _calendar_dates(frame, as_text=False)
        geo = _points(frame)
        (geo if geo is not None else frame).to_parquet(out)
        return
    text = render(frame, fmt, title=title)
    if out is None:
        sys.stdout.write(text)
    elif isinstance(out, (str, Path)):
        Path(out).write_text(text, encoding="utf-8-sig" if fmt in ("csv", "hxl") else "utf-8")
    else:
        out.write(text)


def write_xlsx_sheets(frames: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Write each frame as a sheet of one Excel workbook at ``path``, named by its key.

    Dates are date cells; a geometry (admin units, buffers) is its well-known text, which Excel
    can hold and QGIS reads. Raises :class:`InvalidRequestError` when a frame overflows a sheet.
    """
    import geopandas as gpd

    from bluehelmet.exports.workbook import check_fits, write_sheets

    path = prepare_output(path)
    sheets = {}
    for name, frame in frames.items():
        check_fits(len(frame))
        frame = _calendar_dates(frame, as_text=False)
        geometry = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
        if geometry:
            frame = pd.DataFrame(frame).assign(**{c: gpd.GeoSeries(frame[c]).to_wkt() for c in geometry})
        sheets[name] = ([str(c) for c in frame.columns], frame.itertuples(index=False, name=None))
    write_sheets(sheets, path)


def render(frame: pd.DataFrame, fmt: str, *, title: str | None = None) -> str:
    """``frame`` as text in a text format (every format but parquet and xlsx)."""
    frame = _calendar_dates(frame, as_text=True)
    if fmt == "table":
        return _table(frame, title)
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return json.dumps(_jsonable(frame), ensure_ascii=False, indent=1) + "\n"
    if fmt == "geojson":
        geo = _points(frame)
        if geo is None:
            raise InvalidRequestError("geojson needs latitude/longitude columns or a geometry")
        geo = geo.copy()
        for column in geo.columns:
            if column != geo.geometry.name and (
                pd.api.types.is_datetime64_any_dtype(geo[column]) or geo[column].dtype == object
            ):
                geo[column] = geo[column].map(_property_text)
        return geo.to_json(na="null", drop_id=True, ensure_ascii=False) + "\n"
    if fmt == "hxl":
        tags = [HXL_TAGS.get(c, "") for c in frame.columns]
        buffer = io.StringIO()
        pd.DataFrame([tags], columns=frame.columns).pipe(
            lambda t: pd.concat([t, frame.astype(object)], ignore_index=True)
        ).to_csv(buffer, index=False)
        return buffer.getvalue()
    raise InvalidRequestError(f"{fmt} is not a text format")


def _table(frame: pd.DataFrame, title: str | None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else (f"{v:,.3g}" if isinstance(v, float) and not float(v).is_integer() else str(v)) for v in row])
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(table)
    return console.export_text()

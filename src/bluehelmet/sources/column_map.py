"""Column maps: which column of a mission's incident sheet holds which incident field.

A map is a small YAML or TOML file written once per sheet layout::

    source_name: jmac-mopti          # events get source "incidents:jmac-mopti"
    sheet: Incidents                 # XLSX sheet (default: the first)
    sensitivity: restricted          # level of every row without its own
    country: MLI                     # when the sheet has no country column
    columns:
      id: Incident ID
      date: Date of incident
      killed: Killed
    values:
      category:
        Attack on civilians: one_sided

Every problem with a map is an :class:`~bluehelmet.errors.InputFileError` naming the map file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bluehelmet.errors import InputFileError
from bluehelmet.store.schema import VIOLENCE_CATEGORIES

SENSITIVITY_LEVELS = ("public", "restricted", "confidential")

# The fields a map can name, and what each becomes in the store.
FIELDS: dict[str, str] = {
    "id": "source_id: the sheet's incident number (without it, an id is derived from the row)",
    "date": "date_start: the date of the incident",
    "date_end": "date_end: last day, for incidents over several days",
    "latitude": "latitude (decimal degrees)",
    "longitude": "longitude (decimal degrees)",
    "location": "location_name: village, town or site",
    "country": "country: a name or ISO3 code",
    "admin1": "admin1_name: region",
    "admin1_pcode": "admin1_pcode",
    "admin2": "admin2_name: cercle, district",
    "admin2_pcode": "admin2_pcode",
    "perpetrator": "side_a: the alleged perpetrator, as written",
    "victim_group": "side_b: the victims' group or community",
    "killed": "deaths_best (and deaths_low/high unless the two below are given)",
    "killed_low": "deaths_low: the lowest count of the killed",
    "killed_high": "deaths_high: the highest count of the killed",
    "civilians_killed": "deaths_civilians",
    "injured": "native.injured",
    "abducted": "native.abducted",
    "category": "native_type, and violence_category through values.category",
    "description": "notes",
    "headline": "headline",
    "sources": "sources: who reported it",
    "sensitivity": "sensitivity, through values.sensitivity",
}
COUNT_FIELDS = ("killed", "killed_low", "killed_high", "civilians_killed", "injured", "abducted")
MAPPED_VALUES = {"category": VIOLENCE_CATEGORIES, "sensitivity": SENSITIVITY_LEVELS}


@dataclass
class ColumnMap:
    """A parsed column map. ``columns`` maps field -> sheet column; ``values`` field -> {sheet value: stored value}."""

    path: Path | None
    source_name: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sensitivity: str = "restricted"
    country: str | None = None
    sheet: str | None = None
    date_format: str | None = None
    killed_are_civilians: bool = False

    def check_columns(self, found: list[str], data_path: Path) -> None:
        """Raise, naming the map file and the column, when the sheet lacks a mapped column."""
        for field_name, column in self.columns.items():
            if column not in found:
                shown = ", ".join(found[:40])
                raise InputFileError(
                    self.path or data_path,
                    f"the map names column {column!r} for {field_name}, but {data_path.name} has no such column; "
                    f"its columns are: {shown}",
                    column=column,
                )


def load_column_map(path: str | Path) -> ColumnMap:
    """Read and check a YAML (``.yaml``/``.yml``) or TOML (``.toml``) column map."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such column map file")
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot be read as a column map: {exc}") from None
    if not isinstance(raw, dict):
        raise InputFileError(path, "a column map is a mapping with at least a 'columns' section")
    return column_map_from_dict(raw, path)


def column_map_from_dict(raw: dict, path: Path | None = None) -> ColumnMap:
    """Build a :class:`ColumnMap` from parsed YAML/TOML, checking every name and value."""
    where = path or Path("<column map>")
    known = {"source_name", "sheet", "sensitivity", "country", "date_format", "columns", "values", "killed_are_civilians"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputFileError(where, f"unknown key(s) {', '.join(unknown)}; a map has: {', '.join(sorted(known))}")
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict) or not columns:
        raise InputFileError(where, "the 'columns' section is missing or empty: it maps fields to the sheet's columns")
    bad = sorted(set(columns) - set(FIELDS))
    if bad:
        raise InputFileError(where, f"unknown field(s) {', '.join(bad)} under 'columns'; the fields are: {', '.join(FIELDS)}")
    if "date" not in columns:
        raise InputFileError(where, "the map must name the 'date' column")
    values: dict[str, dict[str, str]] = {}
    for field_name, mapping in (raw.get("values") or {}).items():
        if field_name not in FIELDS or not isinstance(mapping, dict):
            raise InputFileError(where, f"'values.{field_name}' must be a table of sheet value -> stored value for a known field")
        allowed = MAPPED_VALUES.get(field_name)
        for sheet_value, stored in mapping.items():
            if allowed is not None and stored not in allowed:
                raise InputFileError(
                    where, f"values.{field_name} maps {sheet_value!r} to {stored!r}, which is not one of: {', '.join(allowed)}"
                )
        values[field_name] = {str(k).strip().lower(): str(v) for k, v in mapping.items()}
    sensitivity = str(raw.get("sensitivity", "restricted"))
    if sensitivity not in SENSITIVITY_LEVELS:
        raise InputFileError(where, f"sensitivity {sensitivity!r} is not one of: {', '.join(SENSITIVITY_LEVELS)}")
    name = str(raw.get("source_name") or (path.stem if path else "sheet"))
    return ColumnMap(
        path=path,
        source_name=slug(name),
        columns={k: str(v) for k, v in columns.items()},
        values=values,
        sensitivity=sensitivity,
        country=raw.get("country"),
        sheet=raw.get("sheet"),
        date_format=raw.get("date_format"),
        killed_are_civilians=bool(raw.get("killed_are_civilians", False)),
    )


def slug(name: str) -> str:
    """A source name safe in uids: lower case, words joined by '-'."""
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.strip().lower())
    return "-".join(part for part in cleaned.split("-") if part) or "sheet"

"""The canonical schema: every table of the store, its columns and what they mean.

Readers shape their output to these columns (:func:`canonical_columns`), the ingest engine
writes them, and ``docs/schema.md`` documents them. Each canonical table has:

- ``uid``: the natural key, built by the reader from the source's own identifier
  (``ucdp-ged:300380``); ingesting a row whose ``uid`` is already stored updates or leaves it.
- ``release``: the source's release or version the row came from.
- ``batch_id``: the ingest batch that wrote the current version; ``first_batch_id`` the one
  that first stored it.
- ``row_hash``: a digest of the content columns, to tell an unchanged row from a revision.

No table declares a primary key: uniqueness of ``uid`` is kept by the ingest engine, which
lets one transaction move a revised row to history and write its new version.
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns every canonical table carries and that the ingest engine, not the reader, fills.
ENGINE_COLUMNS: dict[str, str] = {
    "batch_id": "BIGINT",
    "first_batch_id": "BIGINT",
    "row_hash": "VARCHAR",
    "updated_at": "TIMESTAMP",
}


@dataclass(frozen=True)
class CanonicalTable:
    """A table readers write to: its name, reader-filled columns, and documentation."""

    name: str
    columns: dict[str, str]
    description: str
    # Columns that do not count as content when comparing versions of a row.
    not_content: tuple[str, ...] = ("uid", "release")

    @property
    def content_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.not_content]

    def ddl(self, name: str | None = None, extra: dict[str, str] | None = None) -> str:
        cols = {**self.columns, **ENGINE_COLUMNS, **(extra or {})}
        body = ",\n  ".join(f"{c} {t}" for c, t in cols.items())
        return f"CREATE TABLE IF NOT EXISTS {name or self.name} (\n  {body}\n)"


EVENTS = CanonicalTable(
    "events",
    {
        "uid": "VARCHAR NOT NULL",  # '<source>:<source_id>'
        "source": "VARCHAR NOT NULL",  # ucdp-ged, ucdp-candidate, acled, incidents:<sheet>
        "source_id": "VARCHAR NOT NULL",  # the source's own event id
        "release": "VARCHAR",  # 23.1, 26.0.2, ACLED export date...
        "date_start": "DATE",
        "date_end": "DATE",
        "date_precision": "VARCHAR",  # day | week | month | year | longer | unknown
        "date_precision_code": "VARCHAR",  # the source's own code (UCDP date_prec, ACLED time_precision)
        "latitude": "DOUBLE",
        "longitude": "DOUBLE",
        "location_precision": "VARCHAR",  # exact | near | admin2 | admin1 | country | region | unknown
        "location_precision_code": "VARCHAR",  # UCDP where_prec, ACLED geo_precision
        "location_name": "VARCHAR",
        "country": "VARCHAR",
        "country_iso3": "VARCHAR",
        "admin1_name": "VARCHAR",
        "admin1_pcode": "VARCHAR",
        "admin2_name": "VARCHAR",
        "admin2_pcode": "VARCHAR",
        "admin_assigned_by": "VARCHAR",  # 'source', 'point-in-polygon' or 'nearest-unit'
        "priogrid_gid": "INTEGER",
        "violence_category": "VARCHAR",  # see VIOLENCE_CATEGORIES
        "native_type": "VARCHAR",  # UCDP type_of_violence code, ACLED event_type
        "native_subtype": "VARCHAR",  # ACLED sub_event_type
        "civilian_targeting": "BOOLEAN",
        "side_a": "VARCHAR",  # raw actor names as the source wrote them
        "side_a_source_id": "VARCHAR",
        "side_a_kind_code": "VARCHAR",  # ACLED inter1
        "side_b": "VARCHAR",
        "side_b_source_id": "VARCHAR",
        "side_b_kind_code": "VARCHAR",  # ACLED inter2
        "assoc_actor_a": "VARCHAR",
        "assoc_actor_b": "VARCHAR",
        "deaths_best": "INTEGER",
        "deaths_low": "INTEGER",
        "deaths_high": "INTEGER",
        "deaths_civilians": "INTEGER",
        "deaths_a": "INTEGER",
        "deaths_b": "INTEGER",
        "deaths_unknown": "INTEGER",
        "conflict_source_id": "VARCHAR",  # UCDP conflict_new_id
        "headline": "VARCHAR",
        "notes": "VARCHAR",
        "sources": "VARCHAR",
        "source_count": "INTEGER",
        "sensitivity": "VARCHAR",  # public | restricted | confidential
        "deleted": "BOOLEAN",  # the source withdrew the event (ACLED deletions)
        "native": "JSON",  # every source column not mapped above: nothing is lost
    },
    "Conflict events from every source, one row per event.",
)

UN_FATALITIES = CanonicalTable(
    "un_fatalities",
    {
        "uid": "VARCHAR NOT NULL",
        "source_id": "VARCHAR",  # casualty_id
        "release": "VARCHAR",  # last_update of the file
        "incident_date": "DATE",
        "mission": "VARCHAR",
        "casualty_type": "VARCHAR",
        "gender": "VARCHAR",
        "nationality": "VARCHAR",
        "nationality_iso3": "VARCHAR",
        "personnel_type": "VARCHAR",
        "incident_type": "VARCHAR",  # Malicious Act, Accident, Illness, Self-Inflicted, Other...
        "m49_code": "INTEGER",
        "native": "JSON",
    },
    "UN peacekeeping fatalities since 1948, one row per casualty.",
)

UN_DEPLOYMENTS = CanonicalTable(
    "un_deployments",
    {
        "uid": "VARCHAR NOT NULL",
        "source": "VARCHAR NOT NULL",  # geopko-v1 (location-month) or geopko-v2.3 (location-year)
        "release": "VARCHAR",
        "mission": "VARCHAR",
        "country": "VARCHAR",
        "country_iso3": "VARCHAR",
        "year": "INTEGER",
        "month": "INTEGER",  # NULL for yearly aggregates
        "location": "VARCHAR",
        "latitude": "DOUBLE",
        "longitude": "DOUBLE",
        "troops": "DOUBLE",  # troop count at the location (yearly rows: the average)
        "tcc_count": "INTEGER",
        "contributors": "JSON",  # troop-contributing countries and their troops where known
        "hq": "INTEGER",  # Geo-PKO HQ code (0 none, 1 sector, 2 regional, 3 mission HQ)
        "unpol": "BOOLEAN",
        "unmo": "BOOLEAN",
        "admin1_name": "VARCHAR",
        "admin2_name": "VARCHAR",
        "priogrid_gid": "INTEGER",
        "native": "JSON",
    },
    "UN peacekeeping deployments by location (Geo-PKO).",
)

UN_BASES = CanonicalTable(
    "un_bases",
    {
        "uid": "VARCHAR NOT NULL",
        "release": "VARCHAR",
        "mission": "VARCHAR",
        "country": "VARCHAR",
        "country_iso3": "VARCHAR",
        "base": "VARCHAR",
        "year": "INTEGER",
        "latitude": "DOUBLE",
        "longitude": "DOUBLE",
        "troops": "DOUBLE",  # RADPKO untrp (annual mean of monthly figures)
        "police": "DOUBLE",  # unpol
        "observers": "DOUBLE",  # unmob
        "contributing_countries": "INTEGER",
        "contributors": "JSON",  # per-country personnel where non-zero
        "native": "JSON",
    },
    "UN peacekeeping bases by year (RADPKO).",
)

ADMIN_UNITS = CanonicalTable(
    "admin_units",
    {
        "uid": "VARCHAR NOT NULL",  # the P-code
        "release": "VARCHAR",  # boundary date
        "pcode": "VARCHAR NOT NULL",
        "level": "INTEGER NOT NULL",  # 0 country, 1 region, 2 cercle/district
        "name": "VARCHAR",
        "name_alt": "VARCHAR",
        "parent_pcode": "VARCHAR",
        "admin1_pcode": "VARCHAR",
        "admin1_name": "VARCHAR",
        "country_iso3": "VARCHAR",
        "geometry": "BLOB",  # WKB, WGS84
        "min_x": "DOUBLE",
        "min_y": "DOUBLE",
        "max_x": "DOUBLE",
        "max_y": "DOUBLE",
        "source": "VARCHAR",
        "native": "JSON",  # every attribute of the feature, as the file has it: nothing is lost
    },
    "Administrative units with P-codes and geometry (OCHA COD-AB).",
)

CONFLICTS = CanonicalTable(
    "conflicts",
    {
        "uid": "VARCHAR NOT NULL",  # '<conflict_id>:<year>'
        "release": "VARCHAR",
        "conflict_id": "INTEGER",
        "year": "INTEGER",
        "location": "VARCHAR",
        "side_a": "VARCHAR",
        "side_a_id": "VARCHAR",
        "side_a_2nd": "VARCHAR",
        "side_b": "VARCHAR",
        "side_b_id": "VARCHAR",
        "side_b_2nd": "VARCHAR",
        "incompatibility": "INTEGER",  # 1 territory, 2 government, 3 both
        "territory_name": "VARCHAR",
        "intensity_level": "INTEGER",  # 1: 25-999 battle deaths, 2: 1,000+
        "cumulative_intensity": "INTEGER",
        "type_of_conflict": "INTEGER",  # 1 extrasystemic, 2 interstate, 3 intrastate, 4 internationalised
        "start_date": "DATE",
        "start_prec": "INTEGER",
        "start_date2": "DATE",
        "start_prec2": "INTEGER",
        "ep_end": "INTEGER",
        "ep_end_date": "DATE",
        "ep_end_prec": "INTEGER",
        "gwno_a": "VARCHAR",
        "gwno_a_2nd": "VARCHAR",
        "gwno_b": "VARCHAR",
        "gwno_b_2nd": "VARCHAR",
        "gwno_loc": "VARCHAR",
        "region": "VARCHAR",
    },
    "UCDP/PRIO Armed Conflict Dataset, one row per conflict-year.",
)

CANONICAL_TABLES: dict[str, CanonicalTable] = {
    t.name: t for t in (EVENTS, UN_FATALITIES, UN_DEPLOYMENTS, UN_BASES, ADMIN_UNITS, CONFLICTS)
}

VIOLENCE_CATEGORIES: dict[str, str] = {
    "state_based": "Armed force between organised actors, at least one a government (UCDP type 1; "
    "ACLED battles and remote violence involving state forces).",
    "non_state": "Armed force between organised actors, none a government (UCDP type 2).",
    "one_sided": "An organised actor's violence against civilians (UCDP type 3; ACLED violence "
    "against civilians, and civilian-targeting explosions/remote violence).",
    "protest": "Demonstrations (ACLED protests).",
    "riot": "Riots and mob violence (ACLED riots).",
    "strategic_development": "Non-violent but significant developments (ACLED).",
}

INGEST_BATCHES_DDL = """
CREATE SEQUENCE IF NOT EXISTS ingest_batch_ids START 1;
CREATE TABLE IF NOT EXISTS ingest_batches (
  batch_id BIGINT NOT NULL,
  source_kind VARCHAR NOT NULL,
  target_table VARCHAR NOT NULL,
  file_name VARCHAR,
  file_path VARCHAR,
  sha256 VARCHAR,
  release VARCHAR,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  rows_in BIGINT,
  stored BIGINT,
  updated BIGINT,
  unchanged BIGINT,
  rejected BIGINT,
  deleted BIGINT,
  file_bytes BIGINT
);
CREATE TABLE IF NOT EXISTS quarantine (
  batch_id BIGINT NOT NULL,
  row_number BIGINT,
  column_name VARCHAR,
  value VARCHAR,
  reason VARCHAR NOT NULL,
  raw VARCHAR
);
CREATE TABLE IF NOT EXISTS store_meta (
  key VARCHAR NOT NULL,
  value VARCHAR
);
"""

HISTORY_EXTRA = {"replaced_at": "TIMESTAMP", "replaced_by_batch": "BIGINT"}
# Columns of the engine's own tables added after they were first released, by table.
ENGINE_TABLE_ADDITIONS = {"ingest_batches": {"file_bytes": "BIGINT"}}


def history_table(name: str) -> str:
    """Name of the table that keeps the replaced versions of ``name``'s rows."""
    return f"{name}_history"


def all_ddl() -> list[str]:
    """Every statement that creates the core schema; each is idempotent."""
    statements = [s.strip() for s in INGEST_BATCHES_DDL.split(";") if s.strip()]
    for table in CANONICAL_TABLES.values():
        statements.append(table.ddl())
        statements.append(table.ddl(history_table(table.name), HISTORY_EXTRA))
    return statements


def table_exists(con, table: str) -> bool:
    """Whether the store behind ``con`` has a table of that name."""
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall())


def table_has_rows(con, table: str) -> bool:
    """Whether the table exists and holds at least one row (optional data a layer may use)."""
    return table_exists(con, table) and bool(con.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchall())


def upgrade_ddl(con) -> list[str]:
    """Statements that add the columns a store made by an earlier version lacks.

    New columns are appended (nullable); the engine writes history rows by column name, so a
    table and its history may order their columns differently. One catalogue query per opening.
    """
    have: dict[str, set[str]] = {}
    for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal").fetchall():
        have.setdefault(table, set()).add(column)
    statements = [
        f"ALTER TABLE {name} ADD COLUMN {column} {sql_type}"
        for name, added in ENGINE_TABLE_ADDITIONS.items()
        for column, sql_type in added.items() if column not in have.get(name, set())
    ]
    for table in CANONICAL_TABLES.values():
        full = {**table.columns, **ENGINE_COLUMNS}
        for name, wanted in ((table.name, full), (history_table(table.name), {**full, **HISTORY_EXTRA})):
            statements += [
                f"ALTER TABLE {name} ADD COLUMN {column} {sql_type.replace(' NOT NULL', '')}"
                for column, sql_type in wanted.items() if column not in have.get(name, set())
            ]
    return statements


def canonical_columns(table: str) -> dict[str, str]:
    """The reader-filled columns of a canonical table and their SQL types."""
    return dict(CANONICAL_TABLES[table].columns)

"""The store: one DuckDB file holding every canonical table, and the queries analysts run.

Open one with :func:`bluehelmet.open`; query methods return pandas or GeoPandas frames::

    >>> import bluehelmet
    >>> store = bluehelmet.open("demo/bluehelmet.duckdb")      # doctest: +SKIP
    >>> store.events(country="MLI", start="2013-01-01").shape   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from bluehelmet.errors import InvalidRequestError, StoreError
from bluehelmet.period_bounds import period_clauses
from bluehelmet.store.schema import VIOLENCE_CATEGORIES, all_ddl, table_exists, upgrade_ddl

SCHEMA_VERSION = "1"
DB_ENV = "BLUEHELMET_DB"


def default_db_path() -> Path:
    """Where the store lives when no path is given: ``$BLUEHELMET_DB``, else the user data dir."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("bluehelmet", appauthor=False)) / "bluehelmet.duckdb"


@dataclass
class EventFilter:
    """Filters shared by every event query.

    ``start`` and ``end`` are inclusive: a date, or text naming a day (``YYYY-MM-DD``), a month
    (``YYYY-MM``) or a year (``YYYY``), which starts on its first day and ends on its last.
    """

    country: str | list[str] | None = None  # ISO3 code or country name, a list of them, or "MLI,BFA,NER"
    admin1: str | None = None  # name or P-code
    admin2: str | None = None
    start: str | date | None = None
    end: str | date | None = None
    actor: str | None = None  # raw actor name, case-insensitive substring of any side
    actor_id: str | list[str] | None = None  # canonical actor id(s), through event_actors (resolved actors)
    category: str | None = None  # a violence category, see VIOLENCE_CATEGORIES
    source: str | None = None
    include_deleted: bool = False
    extra_where: list[str] = field(default_factory=list)
    extra_params: list[Any] = field(default_factory=list)

    def where(self) -> tuple[str, list[Any]]:
        """The SQL WHERE clause (parameterised) and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.country:
            names = _countries(self.country)
            # A name in any usual spelling ("Côte d'Ivoire") also finds the events a source
            # named otherwise ("Ivory Coast"), through the code both have.
            codes = [code.upper() for name in names for code in dict.fromkeys((name, _iso3(name) or name))]
            clauses.append(
                f"(upper(country_iso3) IN ({', '.join('?' for _ in codes)}) OR lower(country) IN ({', '.join('?' for _ in names)}))"
            )
            params += codes + [name.lower() for name in names]
        for level, value in (("admin1", self.admin1), ("admin2", self.admin2)):
            if value:
                clauses.append(f"(lower({level}_name) = lower(?) OR upper({level}_pcode) = upper(?))")
                params += [str(value), str(value)]
        period, days = period_clauses("date_start", self.start, self.end)
        # With both bounds, the days are the first and the last.
        if len(days) == 2 and days[0] > days[1]:
            raise InvalidRequestError(f"the period is in the wrong order: {self.start} is after {self.end}")
        clauses += period
        params += days
        if self.actor:
            clauses.append(
                "(contains(lower(coalesce(side_a, '')), lower(?)) OR contains(lower(coalesce(side_b, '')), lower(?)) "
                "OR contains(lower(coalesce(assoc_actor_a, '')), lower(?)) "
                "OR contains(lower(coalesce(assoc_actor_b, '')), lower(?)))"
            )
            params += [self.actor] * 4
        if self.actor_id:
            ids = [self.actor_id] if isinstance(self.actor_id, str) else list(self.actor_id)
            clauses.append(f"uid IN (SELECT event_uid FROM event_actors WHERE actor_id IN ({', '.join('?' for _ in ids)}))")
            params += ids
        if self.category:
            if self.category not in VIOLENCE_CATEGORIES:
                raise InvalidRequestError(
                    f"unknown violence category {self.category!r}; the categories are "
                    + ", ".join(VIOLENCE_CATEGORIES)
                )
            clauses.append("violence_category = ?")
            params.append(self.category)
        if self.source:
            clauses.append("source = ?")
            params.append(self.source)
        if not self.include_deleted:
            clauses.append("NOT coalesce(deleted, false)")
        clauses += self.extra_where
        params += self.extra_params
        return (" AND ".join(clauses) or "true"), params


def _iso3(name: str) -> str | None:
    from bluehelmet.geo.countries import iso3_from_name

    return iso3_from_name(name)


def _countries(country: str | list[str]) -> list[str]:
    """The countries a filter names: a list, one name, or codes and names joined by commas
    (``MLI,BFA,NER``). A name holding a comma ("Korea, Republic of") stays one name unless each
    of its parts is a country."""
    if not isinstance(country, str):
        return [str(c).strip() for c in country if str(c).strip()]
    parts = [part.strip() for part in country.split(",") if part.strip()]
    if len(parts) > 1 and all(_iso3(part) for part in parts):
        return parts
    return [country.strip()]


# DuckDB's message when another process holds the store's file lock names that process.
_LOCK_HOLDER = re.compile(r"Could not set lock on file .*\(PID (\d+)\)")


def _checked_size(limit: str) -> str:
    """``limit`` if it is a memory size DuckDB reads ("1GB", "512MB"): it goes into a SET statement."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit.strip(), flags=re.IGNORECASE):
        raise InvalidRequestError(f"{limit!r} is not a memory size such as 1GB or 512MB")
    return limit.strip()


# Bytes 8-11 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"


def _refuse_what_is_not_a_store(path: Path) -> None:
    """Raise :class:`StoreError` when ``path`` is a folder or a file that is not a DuckDB database.

    DuckDB opens a CSV or Parquet file given as a database as an in-memory database holding a
    view of it: everything ingested there would be reported as stored and then lost.
    """
    if path.is_dir():
        raise StoreError(f"cannot open the store {path}: it is a folder; give a file such as {path / 'bluehelmet.duckdb'}")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as head:
            magic = head.read(12)[8:12]
        if magic != _DUCKDB_MAGIC:
            raise StoreError(
                f"{path} is not a bluehelmet store (a DuckDB database file) but another kind of file; "
                f"--db names the store, and a data file is loaded with: bluehelmet ingest {path}"
            )


class Store:
    """A bluehelmet store in one DuckDB file.

    Use :func:`bluehelmet.open` rather than the constructor. The store is a context manager;
    ``con`` is the DuckDB connection, for the library's own layers.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        if str(self.path) != ":memory:":
            _refuse_what_is_not_a_store(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
            # The CLI shows its own progress; DuckDB's bar would land in users' output.
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder:
                raise StoreError(
                    f"the store {self.path} is in use by another process (PID {holder.group(1)}), such as an "
                    "ingest: DuckDB lets one process at a time open a store; try again when it has finished"
                ) from exc
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
        if not read_only:
            self._ensure_schema()

    # -- lifecycle -------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        version = None
        with contextlib.suppress(duckdb.Error):
            rows = self.con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
            version = rows[0][0] if rows else None
        for statement in all_ddl():
            self.con.execute(statement)
        # A store made by an earlier version gets the columns added since.
        for statement in upgrade_ddl(self.con):
            self.con.execute(statement)
        if version is None:
            self.con.execute("INSERT INTO store_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])

    @contextlib.contextmanager
    def memory_capped(self, limit: str = "1GB") -> Iterator[None]:
        """Cap DuckDB's memory for the work inside: big sorts and joins spill to the store's
        temporary folder instead of growing the process."""
        self.con.execute(f"SET memory_limit = '{_checked_size(limit)}'")
        try:
            yield
        finally:
            self.con.execute("RESET memory_limit")

    def close(self) -> None:
        """Close the connection; the file keeps everything committed."""
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing unit of work: commits on success, rolls back on any error."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- generic ---------------------------------------------------------------------------
    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a parameterised SQL query and return a DataFrame (values go in ``params``)."""
        return self.con.execute(query, params or []).df()

    def count(self, table: str) -> int:
        """Rows in a table of the store."""
        if table not in self.tables():
            raise InvalidRequestError(f"no table {table!r}; the store has: {', '.join(self.tables())}")
        return self.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]

    def tables(self) -> list[str]:
        """Names of the tables in the store."""
        return [r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]

    # -- events ----------------------------------------------------------------------------
    def events(
        self, filter: EventFilter | None = None, *, columns: list[str] | None = None, limit: int | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """Events matching the filters, newest first, as a DataFrame.

        Filters are the fields of :class:`EventFilter` (``country``, ``admin1``, ``admin2``,
        ``start``, ``end``, ``actor``, ``actor_id``, ``category``, ``source``, ``include_deleted``).
        ``actor_id`` takes one canonical id or a list (e.g. an actor with its predecessors).
        ``limit`` keeps the newest ``limit`` events (the store reads no more).

        >>> store.events(country="MLI", category="one_sided", start="2018-01-01")  # doctest: +SKIP
        """
        query, params = self.events_query(filter or EventFilter(**filters), columns=columns, limit=limit)
        return self.con.execute(query, params).df()

    def events_relation(self, filter: EventFilter | None = None, *, limit: int | None = None, **filters: Any):
        """The same events as :meth:`events`, as a DuckDB relation: rows stay in the store until
        read, so that a million of them can be written to a file without a DataFrame."""
        query, params = self.events_query(filter or EventFilter(**filters), limit=limit)
        return self.con.sql(query, params=params)

    def events_query(
        self, filter: EventFilter, *, columns: list[str] | None = None, limit: int | None = None
    ) -> tuple[str, list[Any]]:
        """The SQL (with its parameters) that selects the events of :meth:`events`, newest first:
        for work the store's relation API cannot express, such as a ``COPY`` to a file."""
        if limit is not None and limit < 0:
            raise InvalidRequestError(f"--limit {limit} is negative: give the number of events wanted")
        where, params = self._events_where(filter)
        cols = ", ".join(columns) if columns else "*"
        query = f"SELECT {cols} FROM events WHERE {where} ORDER BY date_start DESC, uid"
        if limit is not None:
            query += " LIMIT ?"
            params = [*params, limit]
        return query, params

    def count_events(self, filter: EventFilter | None = None, **filters: Any) -> int:
        """How many events match the filters (the fields of :class:`EventFilter`)."""
        where, params = self._events_where(filter or EventFilter(**filters))
        return self.con.execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchall()[0][0]

    def _events_where(self, filter: EventFilter) -> tuple[str, list[Any]]:
        if filter.actor_id and not table_exists(self.con, "event_actors"):
            raise InvalidRequestError("no event actors are resolved in this store yet: ingest events first")
        return filter.where()

    def events_gdf(self, filter: EventFilter | None = None, **filters: Any):
        """Events with a point geometry (GeoDataFrame, EPSG:4326); events without coordinates are kept with an empty geometry."""
        import geopandas as gpd

        frame = self.events(filter, **filters)
        geometry = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs="EPSG:4326")
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")

    def event_history(self, uid: str) -> pd.DataFrame:
        """Every stored version of one event, the current one last."""
        return self.con.execute(
            "SELECT *, NULL::TIMESTAMP AS replaced_at, NULL::BIGINT AS replaced_by_batch FROM events WHERE uid = ? "
            "UNION ALL BY NAME SELECT * FROM events_history WHERE uid = ? ORDER BY replaced_at NULLS LAST",
            [uid, uid],
        ).df()

    # -- other tables ----------------------------------------------------------------------
    def batches(self) -> pd.DataFrame:
        """Every ingest batch: file, sha256, source, release, time and counts."""
        return self.con.execute("SELECT * FROM ingest_batches ORDER BY batch_id").df()

    def quarantine(self, batch_id: int | None = None) -> pd.DataFrame:
        """Rejected rows with their batch, row number, column, value and reason.

        Raises :class:`InvalidRequestError` for a ``batch_id`` the store never had: an empty
        answer would read as "that ingest rejected nothing".
        """
        if batch_id is None:
            return self.con.execute("SELECT * FROM quarantine ORDER BY batch_id, row_number").df()
        if not self.con.execute("SELECT count(*) FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()[0][0]:
            first, last = self.con.execute("SELECT min(batch_id), max(batch_id) FROM ingest_batches").fetchall()[0]
            held = f"its batches are {first} to {last}" if first is not None else "it holds no ingest yet"
            raise InvalidRequestError(f"there is no batch {batch_id} in this store: {held} (`bluehelmet batches` lists them)")
        return self.con.execute(
            "SELECT * FROM quarantine WHERE batch_id = ? ORDER BY row_number", [batch_id]
        ).df()

    def un_fatalities(self) -> pd.DataFrame:
        """UN peacekeeping fatalities, one row per casualty."""
        return self.con.execute("SELECT * FROM un_fatalities ORDER BY incident_date, uid").df()

    def un_deployments(self, mission: str | None = None) -> pd.DataFrame:
        """Geo-PKO deployments by location and month (v1) or year (v2.3)."""
        if mission:
            return self.con.execute(
                "SELECT * FROM un_deployments WHERE upper(mission) = upper(?) ORDER BY year, month, location", [mission]
            ).df()
        return self.con.execute("SELECT * FROM un_deployments ORDER BY mission, year, month, location").df()

    def un_bases(self, mission: str | None = None) -> pd.DataFrame:
        """RADPKO bases by year."""
        if mission:
            return self.con.execute(
                "SELECT * FROM un_bases WHERE upper(mission) = upper(?) ORDER BY year, base", [mission]
            ).df()
        return self.con.execute("SELECT * FROM un_bases ORDER BY mission, year, base").df()

    def conflicts(self) -> pd.DataFrame:
        """UCDP/PRIO conflict-years."""
        return self.con.execute("SELECT * FROM conflicts ORDER BY conflict_id, year").df()

    def admin_units(self, level: int | None = None, country: str | None = None):
        """Administrative units as a GeoDataFrame (EPSG:4326)."""
        import geopandas as gpd
        import shapely

        clauses, params = ["true"], []
        if level is not None:
            clauses.append("level = ?")
            params.append(level)
        if country:
            clauses.append("upper(country_iso3) = upper(?)")
            params.append(country)
        frame = self.con.execute(
            f"SELECT * FROM admin_units WHERE {' AND '.join(clauses)} ORDER BY level, pcode", params
        ).df()
        geometry = shapely.from_wkb([bytes(b) for b in frame.pop("geometry")]) if len(frame) else []
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def open(path: str | Path | None = None, *, read_only: bool = False) -> Store:  # noqa: A001
    """Open (or create) the store at ``path``; see :func:`default_db_path` when it is None."""
    return Store(path, read_only=read_only)

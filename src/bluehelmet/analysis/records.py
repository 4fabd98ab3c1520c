"""Versioned records in the store: the current body of each record and every change to it.

CT-risk assessments and HRDDP cases are JSON documents that analysts change over time. Each
kind has a table of current records (one row each, with its version) and an append-only
history table (who, when, what action, the detail of the change, the body after it). Every
change is one transaction: a failed change leaves both tables as they were.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd

from bluehelmet.errors import InvalidRequestError, NotFoundError


class RecordBook:
    """The records of one kind (``ct_assessments`` with ``ct_assessment_history``...)."""

    def __init__(self, store, table: str, history: str, noun: str) -> None:
        self.store, self.table, self.history, self.noun = store, table, history, noun
        store.con.execute(
            f"""CREATE TABLE IF NOT EXISTS {table} (
              record_id VARCHAR NOT NULL, version INTEGER NOT NULL, body JSON NOT NULL,
              created_by VARCHAR, created_at TIMESTAMP, updated_by VARCHAR, updated_at TIMESTAMP)"""
        )
        store.con.execute(
            f"""CREATE TABLE IF NOT EXISTS {history} (
              record_id VARCHAR NOT NULL, version INTEGER NOT NULL, changed_by VARCHAR NOT NULL,
              changed_at TIMESTAMP NOT NULL, action VARCHAR NOT NULL, detail JSON, body JSON NOT NULL)"""
        )

    def ids(self) -> list[str]:
        return [r[0] for r in self.store.con.execute(f"SELECT record_id FROM {self.table} ORDER BY created_at, record_id").fetchall()]

    def next_id(self, prefix: str) -> str:
        rows = self.store.con.execute(
            f"SELECT count(*) FROM {self.table} WHERE starts_with(record_id, ?)", [prefix]).fetchall()
        return f"{prefix}{rows[0][0] + 1}"

    def get(self, record_id: str) -> tuple[dict, int]:
        """The current body and version of a record; :class:`NotFoundError` lists the ids."""
        rows = self.store.con.execute(f"SELECT body, version FROM {self.table} WHERE record_id = ?", [record_id]).fetchall()
        if not rows:
            known = ", ".join(self.ids()) or "none yet"
            raise NotFoundError(f"no {self.noun} {record_id!r}; the store has: {known}")
        return json.loads(rows[0][0]), rows[0][1]

    def write(self, record_id: str, body: dict, *, by: str, action: str, detail: dict | None = None, new: bool = False) -> int:
        """Store ``body`` as the record's next version and log the change; returns the version."""
        who = (by or "").strip()
        if not who:
            raise InvalidRequestError(f"every change to a {self.noun} needs the name of who made it (--by NAME)")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
        with self.store.transaction() as con:
            current = con.execute(f"SELECT version FROM {self.table} WHERE record_id = ?", [record_id]).fetchall()
            if new and current:
                raise InvalidRequestError(f"{self.noun} {record_id!r} exists already")
            if not new and not current:
                raise NotFoundError(f"no {self.noun} {record_id!r}")
            version = current[0][0] + 1 if current else 1
            if current:
                con.execute(f"UPDATE {self.table} SET body = ?, version = ?, updated_by = ?, updated_at = ? WHERE record_id = ?",
                            [text, version, who, now, record_id])
            else:
                con.execute(f"INSERT INTO {self.table} VALUES (?, ?, ?, ?, ?, ?, ?)", [record_id, version, text, who, now, who, now])
            con.execute(f"INSERT INTO {self.history} VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [record_id, version, who, now, action, json.dumps(detail or {}, ensure_ascii=False, default=str), text])
        return version

    def log(self, record_id: str) -> pd.DataFrame:
        """Every change to a record, oldest first: version, who, when, action, detail."""
        self.get(record_id)
        return self.store.sql(
            f"SELECT version, changed_by, changed_at, action, detail FROM {self.history} WHERE record_id = ? ORDER BY version",
            [record_id],
        )

    def body(self, record_id: str, version: int | None = None) -> dict:
        """The body of a record: the current one, or as it was at ``version`` when given."""
        return self.version(record_id, version) if version else self.get(record_id)[0]

    def version(self, record_id: str, version: int) -> dict:
        """The body of a record as it was at ``version``."""
        rows = self.store.con.execute(
            f"SELECT body FROM {self.history} WHERE record_id = ? AND version = ?", [record_id, version]).fetchall()
        if not rows:
            raise NotFoundError(f"{self.noun} {record_id!r} has no version {version}")
        return json.loads(rows[0][0])

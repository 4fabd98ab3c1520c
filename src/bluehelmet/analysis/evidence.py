"""Analyst evidence about armed groups: what the data cannot show, entered with its source.

Event data say where a group struck and whom it killed; they do not say what it claims to
fight for, whether it taxes a market, whom it talks to or what it promised. Analysts enter
that here, one statement per entry, always with a source and the date the evidence refers to.
Entries are versioned: a revision adds a new version of the same entry (who, when), the old
one is kept, and profiles use the latest version of each entry that is not withdrawn.

>>> add_evidence(store, "ucdp:6716", dimension="economy", text="Taxes herders (zakat) around Boni",
...              source="Crisis Group, Africa Report 276 (2019)", evidence_date="2019-05-28",
...              entered_by="j.doe", tag="taxation")                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from bluehelmet.errors import InvalidRequestError
from bluehelmet.period_bounds import period_clauses
from bluehelmet.store.schema import table_exists

# The profile's dimensions analysts can document, and the tags rules read for some of them.
DIMENSIONS: dict[str, str] = {
    "political_grievances": "stated aims, claims, grievances of its constituency",
    "economy": "looting, extortion, checkpoints, taxation, trafficking, ransom",
    "territorial_control": "areas it holds or administers, bases, courts, checkpoints",
    "command_and_control": "leadership, chain of command, factions, discipline",
    "civilian_posture": "abuses of civilians, or a protective posture (justice, order, services)",
    "political_aim": "whether it pursues a political aim or only maximum harm",
    "relationships": "allies, rivals, coalitions, parent and splinter groups, state sponsors",
    "engagement_history": "contacts, commitments, ceasefires with the mission or others",
    "designation": "sanctions or terrorist designations; counter-terrorism operations against it",
}
TAGS: dict[str, tuple[str, ...]] = {
    "economy": ("looting", "extortion", "checkpoints", "taxation", "trafficking", "ransom", "other"),
    "civilian_posture": ("protective", "predatory", "other"),
    "political_aim": ("political", "maximum_harm", "other"),
    "relationships": ("ally", "rival", "coalition", "parent", "splinter", "state_sponsor", "other"),
    "engagement_history": ("contact", "commitment", "ceasefire", "violation", "refusal", "other"),
    "designation": ("ct_listed", "ct_operations", "not_listed", "other"),
}
CONFIDENCE = ("low", "medium", "high")

DDL = """CREATE TABLE IF NOT EXISTS actor_evidence (
  evidence_id BIGINT NOT NULL, version INTEGER NOT NULL, actor_id VARCHAR NOT NULL,
  dimension VARCHAR NOT NULL, tag VARCHAR, text VARCHAR NOT NULL, source VARCHAR NOT NULL,
  evidence_date DATE NOT NULL, confidence VARCHAR NOT NULL, entered_by VARCHAR NOT NULL,
  entered_at TIMESTAMP NOT NULL, withdrawn BOOLEAN NOT NULL DEFAULT false
)"""


@dataclass
class Evidence:
    """One version of one analyst entry."""

    evidence_id: int
    version: int
    actor_id: str
    dimension: str
    tag: str | None
    text: str
    source: str
    evidence_date: date
    confidence: str
    entered_by: str
    entered_at: datetime
    withdrawn: bool = False

    def as_dict(self) -> dict:
        out = asdict(self)
        out["evidence_date"] = self.evidence_date.isoformat()
        out["entered_at"] = self.entered_at.isoformat(timespec="seconds")
        return out

    def cite(self) -> str:
        """A short citation: ``[E3 v2] source, 2019-05-28 (by j.doe)``."""
        return f"[E{self.evidence_id} v{self.version}] {self.source}, {self.evidence_date} (entered by {self.entered_by})"


def ensure_evidence_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``actor_evidence`` when it does not exist yet (idempotent)."""
    con.execute(DDL)


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def _checked(dimension: str, tag: str | None, text: str, source: str, evidence_date, confidence: str, entered_by: str) -> date:
    """Refuse an entry that cannot be traced; return its date."""
    if dimension not in DIMENSIONS:
        raise InvalidRequestError(f"unknown dimension {dimension!r}; the dimensions are: {', '.join(DIMENSIONS)}")
    if tag is not None and dimension in TAGS and tag not in TAGS[dimension]:
        raise InvalidRequestError(f"unknown tag {tag!r} for {dimension}; its tags are: {', '.join(TAGS[dimension])}")
    if _blank(text):
        raise InvalidRequestError("analyst evidence needs a text: say what the evidence shows")
    if _blank(source):
        raise InvalidRequestError(
            "analyst evidence needs a source (a document, report, interview reference or URL): "
            "entries without a source cannot be traced and are refused"
        )
    if _blank(evidence_date):
        raise InvalidRequestError("analyst evidence needs the date the evidence refers to (YYYY-MM-DD): entries without a date are refused")
    try:
        when = evidence_date if isinstance(evidence_date, date) else date.fromisoformat(str(evidence_date).strip())
    except ValueError:
        raise InvalidRequestError(f"the evidence date must be YYYY-MM-DD, not {evidence_date!r}") from None
    if when > date.today():
        raise InvalidRequestError(f"the evidence date {when} is in the future")
    if confidence not in CONFIDENCE:
        raise InvalidRequestError(f"confidence must be one of {', '.join(CONFIDENCE)}, not {confidence!r}")
    if _blank(entered_by):
        raise InvalidRequestError("say who enters the evidence (--by NAME): every entry records who and when")
    return when


def add_evidence(store, actor_id: str, *, dimension: str, text: str, source: str, evidence_date, entered_by: str,
                 confidence: str = "medium", tag: str | None = None) -> Evidence:
    """Record a new analyst entry about an actor (version 1) and return it.

    Raises :class:`InvalidRequestError` when the source, the date, the text or the author is
    missing, or the dimension, tag or confidence is unknown; :class:`NotFoundError` for an
    unknown actor.
    """
    from bluehelmet.actors import Registry

    Registry.load(store).actor(actor_id)
    when = _checked(dimension, tag, text, source, evidence_date, confidence, entered_by)
    con = store.con
    ensure_evidence_table(con)
    new_id = con.execute("SELECT coalesce(max(evidence_id), 0) + 1 FROM actor_evidence").fetchall()[0][0]
    entry = Evidence(int(new_id), 1, actor_id, dimension, tag, text.strip(), source.strip(), when, confidence,
                     entered_by.strip(), datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))
    _insert(con, entry)
    return entry


def revise_evidence(store, evidence_id: int, *, entered_by: str, withdraw: bool = False, **changes) -> Evidence:
    """Add a new version of an entry with ``changes`` (text, source, evidence_date, confidence,
    tag, dimension), or withdraw it; earlier versions stay in the table.

    Revising a withdrawn entry brings it back, as its new version; withdrawing one already
    withdrawn is refused (:class:`InvalidRequestError`), as a second withdrawal would record nothing.
    """
    current = _latest(store.con, evidence_id)
    if withdraw and current.withdrawn:
        raise InvalidRequestError(
            f"evidence E{evidence_id} was already withdrawn (version {current.version}, by {current.entered_by} "
            f"on {current.entered_at:%Y-%m-%d %H:%M})"
        )
    values = {**asdict(current), **{k: v for k, v in changes.items() if v is not None}}
    when = _checked(values["dimension"], values["tag"], values["text"], values["source"], values["evidence_date"],
                    values["confidence"], entered_by)
    entry = Evidence(evidence_id, current.version + 1, current.actor_id, values["dimension"], values["tag"],
                     str(values["text"]).strip(), str(values["source"]).strip(), when, values["confidence"],
                     entered_by.strip(), datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0), withdraw)
    _insert(store.con, entry)
    return entry


def _insert(con: duckdb.DuckDBPyConnection, entry: Evidence) -> None:
    con.execute(
        "INSERT INTO actor_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entry.evidence_id, entry.version, entry.actor_id, entry.dimension, entry.tag, entry.text, entry.source,
         entry.evidence_date, entry.confidence, entry.entered_by, entry.entered_at, entry.withdrawn],
    )


_COLUMNS = "evidence_id, version, actor_id, dimension, tag, text, source, evidence_date, confidence, entered_by, entered_at, withdrawn"


def _latest(con: duckdb.DuckDBPyConnection, evidence_id: int) -> Evidence:
    ensure_evidence_table(con)
    rows = con.execute(f"SELECT {_COLUMNS} FROM actor_evidence WHERE evidence_id = ? ORDER BY version DESC LIMIT 1",
                       [evidence_id]).fetchall()
    if not rows:
        from bluehelmet.errors import NotFoundError

        raise NotFoundError(f"no analyst evidence with id {evidence_id}")
    return Evidence(*rows[0])


def evidence_for(store, actor_ids: str | list[str] | None = None, *, dimension: str | None = None,
                 start=None, end=None, history: bool = False) -> list[Evidence]:
    """Analyst entries (latest version of each, withdrawn ones left out) for actors, a dimension
    and a period of evidence dates; ``history=True`` gives every version instead."""
    con = store.con
    if not table_exists(con, "actor_evidence"):
        return []  # nothing entered yet (and a read-only store cannot create the table)
    clauses, params = ["true"], []
    if actor_ids:
        ids = [actor_ids] if isinstance(actor_ids, str) else list(actor_ids)
        clauses.append(f"actor_id IN ({', '.join('?' for _ in ids)})")
        params += ids
    if dimension:
        clauses.append("dimension = ?")
        params.append(dimension)
    period, days = period_clauses("evidence_date", start, end)
    clauses += period
    params += days
    where = " AND ".join(clauses)
    if history:
        query = f"SELECT {_COLUMNS} FROM actor_evidence WHERE {where} ORDER BY evidence_id, version"
    else:
        query = (f"SELECT {_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY evidence_id ORDER BY version DESC) AS rn "
                 f"FROM actor_evidence) WHERE rn = 1 AND NOT withdrawn AND {where} ORDER BY evidence_date, evidence_id")
    return [Evidence(*row) for row in con.execute(query, params).fetchall()]


def evidence_frame(entries: list[Evidence]) -> pd.DataFrame:
    """Entries as a DataFrame (for listings and exports)."""
    columns = _COLUMNS.split(", ")
    return pd.DataFrame([e.as_dict() for e in entries], columns=columns)

"""Seeding the registry from the UCDP actor list (v22.1, bundled).

Every one of the list's actors becomes ``ucdp:<ActorId>`` with all its names as aliases
(NameData, NameOrig, NameOrigFull, NameOrigFullEng, and after a name change NewName,
NewNameFullMotherTongue, NewNameFullEng), and the list's relations become lineage edges:
Splinter/ActorIdPrev -> ``split_from``, Alliance/ActorIdAlliance (actors that came together
to form a new one) -> ``merged_into``, JoinGroup/ActorIdGroup -> ``joined_coalition``.
UCDP gives no dates for these; edges and name changes carry none until the curated file adds
them. Coalition ids (OSCoalitionID, NSCoalitionID) point to coalitions that are not actors of
the list, so they give no edge.

Source: Uppsala Conflict Data Program, UCDP Actor Dataset v22.1, CC BY 4.0.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bluehelmet.actors.normalise import looks_like_acronym
from bluehelmet.actors.registry import Actor, Alias, Edge, Registry
from bluehelmet.data import DATA_DIR
from bluehelmet.errors import MissingColumnsError
from bluehelmet.geo.countries import iso3_from_gwno, iso3_from_name

UCDP_ACTOR_FILE = DATA_DIR / "ucdp_actor_221" / "ucdp-actor-221.csv"
SOURCE = "UCDP Actor Dataset v22.1"
ORG_KINDS = {"1": "rebel", "2": "militia", "3": "communal", "4": "state_force"}
REQUIRED = ["ActorId", "NameData", "NameOrig", "NameOrigFull", "NameOrigFullEng", "NameChange", "NewName", "Org"]
# (column, alias type, language): mother-tongue names have no language code in the list.
NAME_COLUMNS = [
    ("NameData", None, None),
    ("NameOrig", None, None),
    ("NameOrigFull", "full_name", "orig"),
    ("NameOrigFullEng", "full_name", "en"),
]
NEW_NAME_COLUMNS = [
    ("NewName", None, None),
    ("NewNameFullMotherTongue", "full_name", "orig"),
    ("NewNameFullEng", "full_name", "en"),
]


def script_of(text: str) -> str:
    """``latin`` when every letter is Latin (accents allowed), else ``other``."""
    return "latin" if all(ord(c) < 0x250 or not c.isalpha() for c in text) else "other"


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return None if value.lower() in ("", "n/a", "na", "0") else value


def _ids(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip() and v.strip() != "0"]


def ucdp_rows(path: Path = UCDP_ACTOR_FILE) -> list[dict[str, str]]:
    """The rows of a UCDP actor list file, checked for the columns the registry needs."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise MissingColumnsError(path, missing, list(reader.fieldnames or []), "UCDP actor list")
        return list(reader)


def name_variants(row: dict[str, str]) -> list[tuple[str, str, str | None, str | None]]:
    """(column, name, alias type, language) for every name of a row, NameData first."""
    out: list[tuple[str, str, str | None, str | None]] = []
    for column, alias_type, lang in NAME_COLUMNS:
        name = _clean(row.get(column))
        if name:
            out.append((column, name, alias_type, lang))
    if row.get("NameChange", "").strip() == "1":
        # Several renames are listed comma-separated, in step across the three columns.
        short = [p.strip() for p in (row.get("NewName") or "").split(",") if p.strip()]
        for column, alias_type, lang in NEW_NAME_COLUMNS:
            value = _clean(row.get(column))
            if not value:
                continue
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts if len(parts) == len(short) and len(short) > 1 else [value]:
                out.append((column, part, alias_type, lang))
    return out


def read_ucdp_actors(path: Path = UCDP_ACTOR_FILE) -> Registry:
    """A registry of every actor of a UCDP actor list, with aliases and lineage edges."""
    rows = ucdp_rows(path)
    registry = Registry()
    for row in rows:
        actor_id = f"ucdp:{row['ActorId'].strip()}"
        name = _clean(row["NameData"]) or _clean(row["NameOrig"]) or actor_id
        kind = ORG_KINDS.get(row.get("Org", "").strip())
        if kind == "state_force" and name.startswith("Government of "):
            country = iso3_from_name(name.removeprefix("Government of "))
        else:
            locations = _ids(row.get("GWNOLoc"))
            country = iso3_from_gwno(locations[0]) if locations else None
        fought_in = [iso3_from_gwno(g) for g in _ids(row.get("GWNOLoc"))]
        countries = ",".join(dict.fromkeys(c for c in fought_in if c)) or None
        registry.actors[actor_id] = Actor(actor_id, name, kind, country, None, None, SOURCE, None, "ucdp", countries)
        seen: set[str] = set()
        for column, alias, alias_type, lang in name_variants(row):
            if alias in seen:
                continue
            seen.add(alias)
            registry.aliases.append(Alias(
                actor_id, alias, lang, script_of(alias),
                alias_type or ("acronym" if looks_like_acronym(alias) else "name"),
                f"{SOURCE} ({column})", None, None, "ucdp",
            ))
    known = set(registry.actors)
    for row in rows:
        actor_id = f"ucdp:{row['ActorId'].strip()}"
        for flag, column, relation in (
            ("Splinter", "ActorIdPrev", "split_from"),
            ("Alliance", "ActorIdAlliance", "merged_into"),
            ("JoinGroup", "ActorIdGroup", "joined_coalition"),
        ):
            if row.get(flag, "").strip() != "1":
                continue
            for other in _ids(row.get(column)):
                target = f"ucdp:{other}"
                if target in known and target != actor_id:
                    registry.edges.append(Edge(actor_id, relation, target, None, None, f"{SOURCE} ({flag}, {column})", None, "ucdp"))
    return registry

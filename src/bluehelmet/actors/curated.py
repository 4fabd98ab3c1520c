"""Reading a curated registry file (YAML), such as the bundled ``sahel.yaml``.

The file adds actors the UCDP list lacks, and kind, dates, aliases and the countries an actor
fights in to UCDP actors (an entry whose id is ``ucdp:NNN`` extends that actor, so a group is
never in the registry twice), and dated, sourced lineage edges. Every entry must cite a source.
A bad file is rejected as a whole with :class:`~bluehelmet.actors.registry.RegistryFileError`
naming the entry and value: duplicate ids, edges to unknown actors, cycles of renames, dates
out of order, a country that is no ISO3 code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bluehelmet.actors.normalise import looks_like_acronym
from bluehelmet.actors.registry import Actor, Alias, Edge, Registry, RegistryFileError
from bluehelmet.actors.seed_ucdp import script_of
from bluehelmet.geo.countries import country_name

SAHEL_FILE = Path(__file__).resolve().parent / "data" / "sahel.yaml"


def parse_date(value: Any, path: Path, where: str, *, end: bool = False) -> tuple[date | None, str | None]:
    """A YAML date (``2013``, ``2013-08``, ``2013-08-22``) as (date, precision).

    A year or month alone stands for its first day, or its last day when ``end`` is set, so
    "active until 2023" includes all of 2023.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, date):
        return value, "day"
    text = str(value).strip()
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            return (date(parts[0], 12, 31) if end else date(parts[0], 1, 1)), "year"
        if len(parts) == 2:
            if end:
                nxt = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
                return date.fromordinal(nxt.toordinal() - 1), "month"
            return date(parts[0], parts[1], 1), "month"
        if len(parts) == 3:
            return date(*parts), "day"
    except ValueError:
        pass
    raise RegistryFileError(path, "not a date: write YYYY, YYYY-MM or YYYY-MM-DD", column=where, value=text)


def _sources(entry: Any, known: dict[str, str], path: Path, where: str) -> str:
    cited = entry if isinstance(entry, list) else [entry] if entry else []
    if not cited:
        raise RegistryFileError(path, "every entry must cite a public source ('source:')", column=where)
    return "; ".join(known.get(str(c), str(c)) for c in cited)


def _countries(entry: Any, path: Path, where: str) -> list[str]:
    """The ISO3 codes of an entry's ``countries`` (a list, or one comma-separated string)."""
    items = entry if isinstance(entry, list) else str(entry or "").split(",")
    written = [str(c).strip() for c in items if str(c).strip()]
    for code in written:
        if len(code) != 3 or country_name(code) is None:
            raise RegistryFileError(path, "not an ISO3 country code (MLI, BFA, NER...)", column=where, value=code)
    return list(dict.fromkeys(code.upper() for code in written))


def merge_curated(registry: Registry, path: Path = SAHEL_FILE) -> Registry:
    """Add a curated file's actors, aliases and lineage to ``registry`` and check the result."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryFileError(path, f"not valid YAML: {exc}") from exc
    known_sources = {str(k): str(v) for k, v in (document.get("sources") or {}).items()}
    ucdp_ids = {a for a in registry.actors if a.startswith("ucdp:")}
    seen: set[str] = set()
    for number, entry in enumerate(document.get("actors") or [], start=1):
        where = f"actors[{number}]"
        actor_id = str(entry.get("id") or "").strip()
        if not actor_id:
            raise RegistryFileError(path, "an actor entry has no id", column=where)
        if actor_id in seen:
            raise RegistryFileError(path, "duplicate actor id", column=f"{where}.id", value=actor_id)
        seen.add(actor_id)
        source = _sources(entry.get("source"), known_sources, path, f"{where}.source ({actor_id})")
        active_from, _ = parse_date(entry.get("active_from"), path, f"{where}.active_from")
        active_to, _ = parse_date(entry.get("active_to"), path, f"{where}.active_to", end=True)
        countries = _countries(entry.get("countries"), path, f"{where}.countries ({actor_id})")
        if actor_id.startswith("ucdp:"):
            if actor_id not in ucdp_ids:
                raise RegistryFileError(path, "extends a UCDP actor that is not in the UCDP list", column=f"{where}.id", value=actor_id)
            actor = registry.actors[actor_id]
            actor.kind = entry.get("kind", actor.kind)
            actor.country_iso3 = entry.get("country", actor.country_iso3)
            actor.active_from = active_from or actor.active_from
            actor.active_to = active_to or actor.active_to
            # The UCDP list's countries stay; the curated file can only add to them.
            known = [c for c in (actor.countries or "").split(",") if c]
            actor.countries = ",".join(dict.fromkeys(known + countries)) or None
            actor.source = f"{actor.source}; {source}"
        else:
            if actor_id in registry.actors:
                raise RegistryFileError(path, "duplicate actor id", column=f"{where}.id", value=actor_id)
            if not entry.get("name"):
                raise RegistryFileError(path, "a new actor needs a name", column=f"{where}.name", value=actor_id)
            registry.actors[actor_id] = Actor(
                actor_id, str(entry["name"]), entry.get("kind"), entry.get("country"), active_from, active_to,
                source, entry.get("description"), "curated", ",".join(countries) or None,
            )
            registry.add_alias(Alias(actor_id, str(entry["name"]), "en", "latin", "name", source, None, None, "curated"))
        for alias_number, item in enumerate(entry.get("aliases") or [], start=1):
            item = item if isinstance(item, dict) else {"name": item}
            name = str(item.get("name") or "").strip()
            if not name:
                raise RegistryFileError(path, "an alias has no name", column=f"{where}.aliases[{alias_number}]", value=actor_id)
            valid_from, _ = parse_date(item.get("from"), path, f"{where}.aliases[{alias_number}].from")
            valid_to, _ = parse_date(item.get("to"), path, f"{where}.aliases[{alias_number}].to", end=True)
            _set_alias(registry, Alias(
                actor_id, name, item.get("lang"), script_of(name),
                item.get("type") or ("acronym" if looks_like_acronym(name) else "name"),
                source, valid_from, valid_to, "curated",
            ))
    for number, row in enumerate(document.get("lineage") or [], start=1):
        where = f"lineage[{number}]"
        if not isinstance(row, list) or len(row) != 5:
            raise RegistryFileError(path, "a lineage edge is [from, relation, to, date, source]", column=where, value=row)
        from_id, relation, to_id, when, cited = row
        when_date, precision = parse_date(when, path, f"{where}.date")
        edge = Edge(str(from_id), str(relation), (str(to_id) if to_id else None), when_date, precision,
                    _sources(cited, known_sources, path, f"{where}.source"), None, "curated")
        _set_edge(registry, edge)
    registry.validate(path)
    return registry


def _set_alias(registry: Registry, alias: Alias) -> None:
    # The curated file dates and sources names the UCDP list also has: update, do not duplicate.
    for existing in registry.aliases:
        if existing.actor_id == alias.actor_id and existing.alias == alias.alias:
            existing.valid_from, existing.valid_to = alias.valid_from, alias.valid_to
            existing.lang = existing.lang or alias.lang
            if existing.origin != alias.origin:
                existing.source = f"{existing.source}; {alias.source}"
            return
    registry.aliases.append(alias)


def _set_edge(registry: Registry, edge: Edge) -> None:
    for existing in registry.edges:
        if (existing.from_id, existing.relation, existing.to_id) == (edge.from_id, edge.relation, edge.to_id) and existing.date is None:
            existing.date, existing.date_precision = edge.date, edge.date_precision
            existing.source = f"{existing.source}; {edge.source}"
            return
    registry.edges.append(edge)

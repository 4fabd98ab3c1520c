"""The anatomy of an armed group: a profile on the four criteria, its posture toward civilians,
its aim, its relationships and the history of engagement with it.

Groups are not monolithic "terrorist groups": missions should tailor engagement to "whether the
armed groups have political grievances or not, their involvement in the economy, whether they
hold territory, whether they have command and control" (Zahar, in *Protecting Civilians and
Managing Threats*, IPI 2018). A profile puts, for each of these dimensions, the data proxies the
event store can give (with the ids of the events behind each value), the UCDP/PRIO conflict
data, the actor registry's lineage, and what analysts entered with their sources
(:mod:`bluehelmet.analysis.evidence`). Every dimension has a confidence and an assessment date.

>>> p = profile(store, "JNIM", start="2017-03-01", end="2018-12-31")      # doctest: +SKIP
>>> p.dimensions["civilian_posture"].indicator("civilian_targeting_share").value   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from bluehelmet.analysis import anatomy_indicators as ind
from bluehelmet.analysis.anatomy_indicators import Indicator
from bluehelmet.analysis.evidence import CONFIDENCE, Evidence, evidence_for
from bluehelmet.errors import InvalidRequestError, NotFoundError

DIMENSION_TITLES = {
    "political_grievances": "Political grievances",
    "economy": "Involvement in the economy",
    "territorial_control": "Territorial control",
    "command_and_control": "Command and control",
    "civilian_posture": "Posture toward civilians",
    "political_aim": "Political aim or maximum harm",
    "relationships": "Relationships",
    "engagement_history": "Engagement history",
    "designation": "Designations and counter-terrorism",
}
INCOMPATIBILITY = {1: "territory", 2: "government", 3: "territory and government"}
STATE_KINDS = ("state_force", "foreign_force", "un_regional_force")
NOT_PROFILED = ("any:civilians", "any:unidentified")


class NoEventsError(InvalidRequestError):
    """The actor has no events in the period; the message says when it has some."""


@dataclass
class Dimension:
    """One dimension of the profile: indicators, analyst entries, a confidence and a date."""

    key: str
    title: str
    indicators: list[Indicator] = field(default_factory=list)
    analyst: list[Evidence] = field(default_factory=list)
    confidence: str = "low"
    assessed_on: str = ""
    summary: str = ""

    def indicator(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators if i.key == key), None)

    def as_dict(self) -> dict:
        return {
            "key": self.key, "title": self.title, "summary": self.summary, "confidence": self.confidence,
            "assessed_on": self.assessed_on, "indicators": [i.as_dict() for i in self.indicators],
            "analyst_evidence": [e.as_dict() for e in self.analyst],
        }


@dataclass
class Profile:
    """An actor's anatomy over a period (see :func:`profile`)."""

    actor_id: str
    name: str
    kind: str | None
    country: str | None
    start: str
    end: str
    lineage: bool
    actor_ids: list[str]
    events: int
    sources: list[dict]
    spatial_unit: str
    dimensions: dict[str, Dimension]
    facts: dict
    assessed_on: str
    notes: list[str] = field(default_factory=list)
    event_frame: pd.DataFrame | None = field(default=None, repr=False)
    units: pd.DataFrame | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready: every dimension with its indicators, evidence and confidence, and the rule facts."""
        return {
            "actor_id": self.actor_id, "name": self.name, "kind": self.kind, "country": self.country,
            "period": {"start": self.start, "end": self.end}, "lineage": self.lineage, "actor_ids": self.actor_ids,
            "events": self.events, "sources": self.sources, "spatial_unit": self.spatial_unit,
            "assessed_on": self.assessed_on, "notes": self.notes,
            "dimensions": {k: d.as_dict() for k, d in self.dimensions.items()},
            "facts": {k: (None if isinstance(v, float) and v != v else v) for k, v in self.facts.items()},
        }


# -- finding the actor -------------------------------------------------------------------------
def find_actor(store, name_or_id: str, on=None, registry=None) -> str:
    """An actor id from an id or any name; an unknown name raises :class:`NotFoundError` with the nearest names."""
    from rapidfuzz import fuzz, process

    from bluehelmet.actors import Registry, resolver_for
    from bluehelmet.actors.normalise import normalise

    registry = registry or Registry.load(store)
    if name_or_id in registry.actors:
        return name_or_id
    # A name that is exactly one actor's alias needs no resolver (building one takes a second).
    wanted = normalise(name_or_id)
    exact = {a.actor_id for a in registry.aliases if normalise(a.alias) == wanted}
    if len(exact) == 1:
        return exact.pop()
    result = resolver_for(store).resolve(name_or_id, on)
    if result.actor_id and result.status != "review":
        return result.actor_id
    choices = {a.alias: a.actor_id for a in registry.aliases}
    near = process.extract(normalise(name_or_id), {k: normalise(k) for k in choices}, scorer=fuzz.WRatio, limit=12)
    seen: list[str] = []
    for _, _, alias in near:
        label = f"{alias} ({choices[alias]})"
        if choices[alias] not in [s.split("(")[-1][:-1] for s in seen]:
            seen.append(label)
    raise NotFoundError(f"no actor is clearly named {name_or_id!r}; nearest names: {'; '.join(seen[:5])}. "
                        "Pass one of these names or ids (bluehelmet actors search NAME lists more).")


# -- the actor's events ----------------------------------------------------------------------
EVENT_COLUMNS = (
    "uid, source, release, date_start, date_precision, latitude, longitude, location_precision, location_name, "
    "country, country_iso3, admin1_name, admin1_pcode, admin2_name, admin2_pcode, priogrid_gid, violence_category, "
    "native_type, native_subtype, civilian_targeting, deaths_best, deaths_civilians, conflict_source_id, side_a, side_b"
)


def actor_event_frame(store, actor_ids: list[str], start=None, end=None, country: str | None = None) -> pd.DataFrame:
    """The events of the actors in the period, one row each, with ``on_side_a`` (it initiated)."""
    from bluehelmet.actors.schema import ensure_actor_tables
    from bluehelmet.store.store import EventFilter

    ensure_actor_tables(store.con)
    where, params = EventFilter(start=start, end=end, country=country, actor_id=actor_ids).where()
    marks = ", ".join("?" for _ in actor_ids)
    frame = store.sql(
        f"""SELECT {EVENT_COLUMNS}, r.on_side_a FROM events
        JOIN (SELECT event_uid, bool_or(role IN ('side_a', 'assoc_a')) AS on_side_a FROM event_actors
              WHERE actor_id IN ({marks}) GROUP BY event_uid) r ON r.event_uid = uid
        WHERE {where} ORDER BY date_start, uid""",
        actor_ids + params,
    )
    frame["on_side_a"] = frame["on_side_a"].astype(bool)
    return frame


def _what_exists(store, actor_ids: list[str], name: str, start, end, country) -> str:
    frame = actor_event_frame(store, actor_ids, country=country)
    if not len(frame):
        return f"{name} has no events in the store" + (f" in {country}" if country else "") + ": ingest event data that names it."
    years = pd.to_datetime(frame["date_start"]).dt.year.value_counts().sort_index()
    shown = ", ".join(f"{y}: {n}" for y, n in years.items())
    return (f"{name} has no events between {start or 'the start'} and {end or 'the end'}"
            + (f" in {country}" if country else "")
            + f"; its {len(frame):,} events run from {frame['date_start'].min()} to {frame['date_start'].max()} (by year: {shown})")


# -- the profile -----------------------------------------------------------------------------
def profile(store, actor: str, start=None, end=None, *, lineage: bool = False, country: str | None = None,
            as_of: date | None = None) -> Profile:
    """The anatomy profile of an actor (id or name) over a period.

    Parameters
    ----------
    store:
        An open store with events (their actors resolved) and, for grievances, ACD conflicts.
    actor:
        An actor id (``ucdp:6716``) or a name the resolver knows (``JNIM``, ``GSIM``...).
    start, end:
        The period (ISO dates, inclusive); by default the span of the actor's events.
    lineage:
        Count the events of its predecessors too (JNIM with Ansar Dine, al-Mourabitoun...).
    country:
        Only events in this country (ISO3 or name).
    as_of:
        The assessment date written on every dimension (default today).

    Raises :class:`NotFoundError` for an unknown actor (with the nearest names) and
    :class:`NoEventsError` when it has no events in the period (with when it has some).
    """
    from bluehelmet.actors import Registry, lineage_ids

    registry = Registry.load(store)
    actor_id = find_actor(store, actor, registry=registry)
    who = registry.actor(actor_id)
    ids = lineage_ids(actor_id, registry) if lineage else [actor_id]
    events = actor_event_frame(store, ids, start, end, country)
    if not len(events):
        raise NoEventsError(_what_exists(store, ids, who.name, start, end, country))
    start = str(start or events["date_start"].min())[:10]
    end = str(end or events["date_start"].max())[:10]
    assessed = (as_of or date.today()).isoformat()
    entries = evidence_for(store, ids, end=end)
    by_dim: dict[str, list[Evidence]] = {}
    for entry in entries:
        by_dim.setdefault(entry.dimension, []).append(entry)
    admin2 = bool(store.con.execute("SELECT count(*) FROM admin_units WHERE level = 2").fetchall()[0][0])
    unit = ind.spatial_unit(events, admin2)
    notes = []
    if admin2 and unit == "priogrid":
        notes.append("Boundaries are loaded but most of its events have no admin2 P-code: territory is measured on PRIO-GRID cells.")
    elif not admin2:
        notes.append("No admin2 boundaries in the store: territory is measured on PRIO-GRID cells (0.5 degree).")
    covered = _covered_months(store, events, start, end)
    span = ind.months_between(start, end)
    if len(covered) < span:
        notes.append(f"The store has events (of any actor) in its countries in {len(covered)} of the {span} months of the period: "
                     "months without any data are left out of persistence and trend, which compare months with data only.")
    dims: dict[str, Dimension] = {}
    facts: dict = {"name": who.name, "kind": who.kind or "unknown", "is_state": who.kind in STATE_KINDS,
                   "events": len(events), "period": f"{start} to {end}"}

    def add(key: str, indicators: list[Indicator], summary: str = "") -> Dimension:
        analyst = by_dim.get(key, [])
        for entry in analyst:
            indicators.append(Indicator(f"analyst_{entry.evidence_id}", f"Analyst ({entry.tag or key})", entry.text, entry.text,
                                        "analyst", [entry.cite()], 1, entry.confidence))
        dim = Dimension(key, DIMENSION_TITLES[key], indicators, analyst, _confidence(indicators), assessed, summary)
        dims[key] = dim
        return dim

    # Political grievances: ACD incompatibilities of the conflicts it is a party to.
    acd = _acd_conflicts(store, ids, start, end)
    if country and len(acd):
        # Keep the conflicts fought in the country asked for (ACD locations are country names as UCDP writes them).
        names = {str(n).lower() for n in events["country"].dropna()}
        acd = acd[[any(n in str(loc).lower() for n in names) for loc in acd["location"]]]
    grievance = [e for e in by_dim.get("political_grievances", [])]
    facts.update(acd_conflicts=len(acd), incompatibility=_incompatibility_label(acd, who.kind),
                 grievance_evidence=len(grievance),
                 has_political_grievance=(len(acd) > 0 and who.kind not in STATE_KINDS) or len(grievance) > 0)
    add("political_grievances", _acd_indicators(acd, who.kind), facts["incompatibility"])

    # Economy.
    eco = ind.economy(events)
    facts.update(economy_events=eco[0].value if eco[0].value is not None else 0, economy_coded=eco[0].value is not None,
                 economy_evidence=len(by_dim.get("economy", [])))
    facts["economy_involved"] = bool(facts["economy_events"]) or facts["economy_evidence"] > 0
    add("economy", eco)

    # Territorial control.
    terr, units = ind.territory(events, start, end, unit, covered)
    get = {i.key: i.value for i in terr}
    facts.update(units_active=get.get("units_active", 0), persistent_units=get.get("persistent_units", 0),
                 max_persistence=get.get("max_persistence", 0.0), concentration_hhi=get.get("concentration_hhi", float("nan")),
                 territory_events=get.get("territory_events", 0), territory_evidence=len(by_dim.get("territorial_control", [])),
                 months=len(covered))
    facts["holds_territory"] = bool(facts["persistent_units"] or facts["territory_events"] or facts["territory_evidence"])
    add("territorial_control", terr)

    # Command and control: lineage splits and factions, spread, coordination.
    c2 = _lineage_indicators(actor_id, registry) + ind.command(events, unit)
    get = {i.key: i.value for i in c2}
    facts.update(splinters=get.get("splinters", 0), coordinated_days=get.get("coordinated_days", 0),
                 spread_km=get.get("spread_km", float("nan")), c2_evidence=len(by_dim.get("command_and_control", [])))
    add("command_and_control", c2)

    # Posture toward civilians.
    post = ind.posture(events, start, end, covered)
    get = {i.key: i.value for i in post}
    tags = _tags(by_dim.get("civilian_posture", []))
    facts.update(civilian_targeting_share=get["civilian_targeting_share"], targeting_events=post[0].evidence_count,
                 civilian_deaths_targeting=get["civilian_deaths_targeting"],
                 civilian_deaths_per_targeting_event=get["civilian_deaths_per_targeting_event"],
                 posture_trend=get["posture_trend"], protective_evidence=tags.get("protective", 0),
                 predatory_evidence=tags.get("predatory", 0))
    add("civilian_posture", post)

    # Political aim or maximum harm.
    aim, aim_ind = _aim(by_dim.get("political_aim", []), acd, events, who.kind)
    facts["aim"] = aim
    add("political_aim", aim_ind, aim)

    # Relationships.
    rel, partners, adversaries = _relationships(store, events, ids, actor_id, registry)
    rtags = _tags(by_dim.get("relationships", []))
    facts.update(partners=len(partners), adversaries=len(adversaries), state_sponsor_evidence=rtags.get("state_sponsor", 0))
    add("relationships", rel)

    # Engagement history (analyst records only: the event data hold no contacts or commitments).
    etags = _tags(by_dim.get("engagement_history", []))
    facts.update(contacts=etags.get("contact", 0), commitments=etags.get("commitment", 0),
                 ceasefires=etags.get("ceasefire", 0), violations=etags.get("violation", 0), refusals=etags.get("refusal", 0))
    add("engagement_history", [], "no analyst record" if not by_dim.get("engagement_history") else
        ", ".join(f"{k}: {v}" for k, v in sorted(etags.items())))

    # Designations: counter-terrorism target or not.
    ct, basis, des = _designation(by_dim.get("designation", []), who)
    facts.update(ct_target=ct, ct_basis=basis)
    add("designation", des, basis)

    sources = (events.groupby(["source", "release"], dropna=False).size().reset_index(name="events")
               .astype({"release": "string"}).to_dict("records"))
    return Profile(actor_id, who.name, who.kind, country, start, end, lineage, ids, len(events),
                   [{k: (None if pd.isna(v) else v) for k, v in s.items()} for s in sources],
                   unit, dims, facts, assessed, notes, events, units)


def _covered_months(store, events: pd.DataFrame, start, end) -> set:
    """Months of the period in which the store has any event in the countries of these events."""
    countries = sorted(set(events["country_iso3"].dropna()))
    if not countries:
        return set(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M"))
    marks = ", ".join("?" for _ in countries)
    months = store.sql(
        f"""SELECT DISTINCT date_trunc('month', date_start) AS m FROM events
        WHERE country_iso3 IN ({marks}) AND date_start BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        AND NOT coalesce(deleted, false)""",
        countries + [start, end],
    )["m"]
    return ind.month_periods(months)


def _confidence(indicators: list[Indicator]) -> str:
    """The dimension's confidence: its best-founded indicator's (documented in docs/anatomy.md)."""
    levels = [CONFIDENCE.index(i.confidence) for i in indicators if i.confidence in CONFIDENCE and (i.value is not None)]
    return CONFIDENCE[max(levels)] if levels else "low"


def _tags(entries: list[Evidence]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.tag or "other"] = out.get(e.tag or "other", 0) + 1
    return out


# -- political grievances (ACD) -------------------------------------------------------------
def _acd_conflicts(store, ids: list[str], start, end) -> pd.DataFrame:
    """Conflict-years of the UCDP/PRIO ACD in the period where the actor is a side (by UCDP id)."""
    numbers = [i.split(":", 1)[1] for i in ids if i.startswith("ucdp:")]
    if not numbers:
        return pd.DataFrame(columns=["conflict_id", "year", "side", "incompatibility", "territory_name", "release", "location"])
    frame = store.sql(
        """SELECT conflict_id, year, location, incompatibility, territory_name, release, side_a_id, side_b_id, side_a, side_b
        FROM conflicts WHERE year BETWEEN ? AND ?""",
        [int(start[:4]), int(end[:4])],
    )
    rows = []
    for r in frame.itertuples():
        for side, field_ in (("A", r.side_a_id), ("B", r.side_b_id)):
            found = {x.strip() for x in str(field_ or "").split(",")}
            if found & set(numbers):
                rows.append({"conflict_id": r.conflict_id, "year": r.year, "side": side, "incompatibility": r.incompatibility,
                             "territory_name": r.territory_name, "release": r.release, "location": r.location,
                             "opponent": r.side_b if side == "A" else r.side_a})
    out = pd.DataFrame(rows, columns=["conflict_id", "year", "side", "incompatibility", "territory_name", "release", "location", "opponent"])
    # Two ACD releases hold the same conflict-year: keep the newest release's row.
    return out.sort_values("release").drop_duplicates(["conflict_id", "year"], keep="last").sort_values(["conflict_id", "year"])


def _incompatibility_label(acd: pd.DataFrame, kind: str | None) -> str:
    if not len(acd):
        return "none in the UCDP/PRIO conflict data for the period"
    labels = sorted({INCOMPATIBILITY.get(int(i), str(i)) for i in acd["incompatibility"].dropna()})
    role = "defends against claims over" if kind in STATE_KINDS else "contests"
    return f"{role} {', '.join(labels)}"


def _acd_indicators(acd: pd.DataFrame, kind: str | None) -> list[Indicator]:
    if not len(acd):
        return [Indicator("acd_incompatibility", "Incompatibility (UCDP/PRIO ACD)", None,
                          "no conflict-year in the ACD names it as a side in the period", "acd", [], 0, "low",
                          "the ACD lists a group only in years its conflict reached 25 battle deaths")]
    out = []
    for cid, group in acd.groupby("conflict_id"):
        years = sorted(int(y) for y in group["year"])
        inc = INCOMPATIBILITY.get(int(group["incompatibility"].iloc[-1]), "?")
        territory = group["territory_name"].dropna()
        territory = f" ({territory.iloc[-1]})" if len(territory) and str(territory.iloc[-1]).strip() else ""
        out.append(Indicator(f"acd_{cid}", f"ACD conflict {cid} ({group['location'].iloc[-1]}), side {group['side'].iloc[-1]}",
                             inc, f"incompatibility over {inc}{territory}, {len(years)} year(s) {years[0]}-{years[-1]}",
                             "acd", [f"UCDP/PRIO ACD {r} conflict {cid} year {y}" for y, r in zip(group["year"], group["release"])],
                             len(group), "high" if kind not in STATE_KINDS else "medium",
                             "the government side (A) defends; the incompatibility is the claim of side B"))
    return out


# -- command and control (lineage) ------------------------------------------------------------
def _lineage_indicators(actor_id: str, registry) -> list[Indicator]:
    splinters = [e for e in registry.edges if e.relation == "split_from" and e.to_id == actor_id]
    merged_in = [e for e in registry.edges if e.relation == "merged_into" and e.to_id == actor_id]
    coalitions = [e for e in registry.edges if e.relation == "joined_coalition" and e.from_id == actor_id]

    def cite(edges):
        return [f"{registry.actors[e.from_id].name} {e.relation} {registry.actors[e.to_id].name if e.to_id else ''} "
                f"{e.date or '(undated)'}; source: {e.source or 'UCDP actor list'}" for e in edges]

    def names(edges, end):
        return ", ".join(registry.actors[getattr(e, end)].name for e in edges) or "none"

    return [
        Indicator("splinters", "Groups that split from it (registry lineage)", len(splinters), f"{len(splinters)}: {names(splinters, 'from_id')}",
                  "registry", cite(splinters), len(splinters), "medium",
                  "splits show factions that left; they do not show the cohesion of what remains"),
        Indicator("merged_from", "Groups that merged into it", len(merged_in), f"{len(merged_in)}: {names(merged_in, 'from_id')}",
                  "registry", cite(merged_in), len(merged_in), "medium",
                  "a merger of several groups may keep several chains of command under one name"),
        Indicator("coalitions", "Coalitions it joined", len(coalitions), f"{len(coalitions)}: {names(coalitions, 'to_id')}",
                  "registry", cite(coalitions), len(coalitions), "medium"),
    ]


# -- aim ---------------------------------------------------------------------------------------
def _aim(entries: list[Evidence], acd: pd.DataFrame, events: pd.DataFrame, kind: str | None) -> tuple[str, list[Indicator]]:
    target = ind.targeting_events(events)
    mass = target[target["deaths_civilians"].fillna(0) >= 10]
    out = [Indicator("mass_casualty_targeting", "One-sided events with 10 or more civilians killed", len(mass), f"{len(mass):,}",
                     "events", ind.ids(mass)[:ind.SHOWN_IDS], len(mass), "low",
                     "a signal to weigh, not proof of an aim of maximum harm")]
    dated = sorted((e for e in entries if e.tag in ("political", "maximum_harm")), key=lambda e: (e.evidence_date, e.evidence_id))
    if dated:
        aim = dated[-1].tag
        basis = f"analyst evidence E{dated[-1].evidence_id}"
    elif len(acd) and kind not in STATE_KINDS:
        aim, basis = "political", "an incompatibility in the UCDP/PRIO ACD"
    elif kind in STATE_KINDS:
        aim, basis = "political", "a state force (its aim is the government's)"
    else:
        aim, basis = "unknown", "no ACD incompatibility and no analyst evidence"
    if dated:
        cited = [dated[-1].cite()]
    elif len(acd) and kind not in STATE_KINDS:
        cited = [f"UCDP/PRIO ACD {r.release} conflict {r.conflict_id} year {r.year}" for r in acd.itertuples()][: ind.SHOWN_IDS]
    elif kind in STATE_KINDS:
        cited = [f"actor registry: kind {kind}"]
    else:
        cited = []
    out.insert(0, Indicator("aim", "Political aim or maximum harm", aim, f"{aim} (from {basis})",
                            "analyst" if dated else "acd" if len(acd) and kind not in STATE_KINDS else "registry",
                            cited, len(cited),
                            dated[-1].confidence if dated else ("medium" if aim != "unknown" else "low")))
    return aim, out


# -- relationships ---------------------------------------------------------------------------
def _relationships(store, events: pd.DataFrame, ids: list[str], actor_id: str, registry):
    store.con.register("_anatomy_uids", pd.DataFrame({"uid": events["uid"].astype(str)}))
    try:
        roles = store.sql("SELECT ea.event_uid, ea.role, ea.actor_id FROM event_actors ea JOIN _anatomy_uids u ON u.uid = ea.event_uid")
    finally:
        store.con.unregister("_anatomy_uids")
    names = {a: registry.actors[a].name for a in set(roles["actor_id"].dropna()) if a in registry.actors}
    kinds = {a: registry.actors[a].kind for a in names}
    partners, adversaries = ind.counterparts(roles, ids, names, kinds)
    out = []
    for key, label, frame in (("partners", "Fought on the same side as", partners), ("adversaries", "Fought against", adversaries)):
        shown = "; ".join(f"{r.name} ({r.events})" for r in frame.head(6).itertuples()) or "none"
        evidence = sorted({u for lst in frame.head(6)["event_ids"] for u in lst})[: ind.SHOWN_IDS] if len(frame) else []
        out.append(Indicator(key, label, len(frame), shown, "events", evidence, int(frame["events"].sum()) if len(frame) else 0,
                             "medium" if len(frame) else "low", "from the sides of its events (a co-belligerent is not always an ally)"))
    lineage_edges = [e for e in registry.edges if actor_id in (e.from_id, e.to_id)]
    labels = []
    for e in lineage_edges:
        other = e.to_id if e.from_id == actor_id else e.from_id
        if other is None or other not in registry.actors:
            continue
        rel = {("split_from", True): "split from", ("split_from", False): "splinter", ("merged_into", True): "merged into",
               ("merged_into", False): "merged from", ("renamed", True): "renamed to", ("renamed", False): "renamed from",
               ("joined_coalition", True): "member of", ("joined_coalition", False): "coalition member",
               ("allied_with", True): "ally", ("allied_with", False): "ally"}.get((e.relation, e.from_id == actor_id), e.relation)
        labels.append((f"{rel}: {registry.actors[other].name}" + (f" ({e.date})" if e.date else ""),
                       f"{registry.actors[e.from_id].name} {e.relation} {registry.actors[e.to_id].name if e.to_id else ''}; "
                       f"source: {e.source or 'UCDP actor list v22.1'}"))
    out.append(Indicator("lineage", "Parents, splinters, coalitions (registry)", len(labels), "; ".join(l for l, _ in labels) or "none",
                         "registry", [c for _, c in labels], len(labels), "medium" if labels else "low"))
    return out, partners, adversaries


# -- designation ------------------------------------------------------------------------------
def _designation(entries: list[Evidence], who) -> tuple[bool, str, list[Indicator]]:
    dated = sorted((e for e in entries if e.tag in ("ct_listed", "ct_operations", "not_listed")), key=lambda e: (e.evidence_date, e.evidence_id))
    if dated:
        ct = dated[-1].tag != "not_listed"
        basis = f"analyst evidence E{dated[-1].evidence_id} ({dated[-1].tag})"
        conf = dated[-1].confidence
    elif who.kind == "jihadist":
        ct, conf = True, "medium"
        basis = "registry kind 'jihadist': such groups are the targets of counter-terrorism operations in the Sahel (verify designations)"
    else:
        ct, conf = False, "low"
        basis = "no designation recorded (enter one with dimension 'designation' if it exists)"
    cited = [dated[-1].cite()] if dated else [f"actor registry: {who.actor_id} kind {who.kind}; source: {who.source}"] if ct else []
    return ct, basis, [Indicator("ct_target", "Target of counter-terrorism designations or operations", ct, "yes" if ct else "not recorded",
                                 "analyst" if dated else "registry", cited, len(cited), conf, basis)]


# -- main perpetrators ------------------------------------------------------------------------
def main_perpetrators(store, country: str | None, start=None, end=None, n: int = 5) -> pd.DataFrame:
    """The actors that killed most civilians in one-sided violence (as side A) in a country and
    period, then by their violent events; civilians and unidentified perpetrators left out.

    State, foreign and UN forces are ranked like any other actor. Columns: actor_id, name, kind,
    events (violent), targeting_events, civilian_deaths.
    """
    from bluehelmet.actors.schema import ensure_actor_tables
    from bluehelmet.store.store import EventFilter

    ensure_actor_tables(store.con)
    where, params = EventFilter(country=country, start=start, end=end).where()
    marks = ", ".join("?" for _ in NOT_PROFILED)
    return store.sql(
        f"""WITH ev AS (SELECT uid, violence_category, deaths_civilians FROM events WHERE {where}
              AND violence_category IN ('state_based', 'non_state', 'one_sided')),
        per AS (SELECT DISTINCT ea.actor_id, ev.uid, ev.violence_category, ev.deaths_civilians,
                  ea.role IN ('side_a', 'assoc_a') AS on_a
                FROM ev JOIN event_actors ea ON ea.event_uid = ev.uid
                WHERE ea.actor_id IS NOT NULL AND ea.actor_id NOT IN ({marks}))
        SELECT per.actor_id, a.name, a.kind, count(DISTINCT per.uid) AS events,
               count(DISTINCT CASE WHEN per.violence_category = 'one_sided' AND per.on_a THEN per.uid END) AS targeting_events,
               coalesce(sum(CASE WHEN per.violence_category = 'one_sided' AND per.on_a THEN per.deaths_civilians END), 0) AS civilian_deaths
        FROM per JOIN actors a ON a.actor_id = per.actor_id
        GROUP BY ALL ORDER BY civilian_deaths DESC, events DESC, per.actor_id LIMIT ?""",
        params + list(NOT_PROFILED) + [n],
    )

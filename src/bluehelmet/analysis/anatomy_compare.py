"""Groups side by side, and one group's profile year by year.

>>> compare(store, ["JNIM", "IS", "Government of Mali"], "2017-01-01", "2018-12-31", country="MLI")  # doctest: +SKIP
>>> profile_over_time(store, "JNIM", "2017-01-01", "2018-12-31")                                    # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from bluehelmet.analysis import anatomy_indicators as ind
from bluehelmet.analysis.anatomy import Profile, profile

# (fact of the profile, label): the figures a comparison shows, in the order of the criteria.
COMPARED = [
    ("kind", "kind"),
    ("events", "events in the period"),
    ("incompatibility", "political grievances (UCDP/PRIO ACD)"),
    ("grievance_evidence", "analyst entries on grievances"),
    ("economy_events", "events coded as looting or abduction"),
    ("economy_evidence", "analyst entries on the economy"),
    ("units_active", "units with its events"),
    ("persistent_units", "units with its events in many months"),
    ("max_persistence", "highest persistence in one unit"),
    ("concentration_hhi", "concentration of events (HHI)"),
    ("splinters", "groups that split from it"),
    ("coordinated_days", "days with attacks in several units"),
    ("spread_km", "median distance from centre (km)"),
    ("civilian_targeting_share", "share of violence targeting civilians"),
    ("targeting_events", "one-sided events"),
    ("civilian_deaths_targeting", "civilians killed in its one-sided violence"),
    ("civilian_deaths_per_targeting_event", "civilian deaths per one-sided event"),
    ("posture_trend", "trend of violence against civilians"),
    ("protective_evidence", "analyst entries on a protective posture"),
    ("aim", "political aim or maximum harm"),
    ("ct_target", "counter-terrorism target"),
    ("commitments", "recorded commitments"),
]
# Facts charted side by side (each scaled by the largest value among the groups compared).
CHARTED = ["civilian_targeting_share", "civilian_deaths_per_targeting_event", "max_persistence", "concentration_hhi",
           "coordinated_days", "units_active", "economy_events"]


def compare(store, actors: list[str], start=None, end=None, *, lineage: bool = False, country: str | None = None) -> tuple[pd.DataFrame, list[Profile]]:
    """A table with one row per compared figure and one column per actor, and the profiles.

    Every actor gets the same period: the one given, else the span of all their events together,
    so the figures compare like with like.
    """
    if len(actors) < 2:
        from bluehelmet.errors import InvalidRequestError

        raise InvalidRequestError("compare needs at least two actors, e.g. bluehelmet anatomy compare JNIM IS 'Government of Mali'")
    if start is None or end is None:
        from bluehelmet.actors import Registry, lineage_ids
        from bluehelmet.analysis.anatomy import actor_event_frame, find_actor

        registry = Registry.load(store)
        spans = []
        for actor in actors:
            actor_id = find_actor(store, actor)
            frame = actor_event_frame(store, lineage_ids(actor_id, registry) if lineage else [actor_id], start, end, country)
            if len(frame):
                spans += [frame["date_start"].min(), frame["date_start"].max()]
        if spans:
            start = start or str(min(spans))[:10]
            end = end or str(max(spans))[:10]
    profiles = [profile(store, a, start, end, lineage=lineage, country=country) for a in actors]
    rows = []
    for fact, label in COMPARED:
        rows.append({"figure": label, **{p.name: p.facts.get(fact) for p in profiles}})
    return pd.DataFrame(rows), profiles


def chart_frame(profiles: list[Profile]) -> pd.DataFrame:
    """The charted figures, each scaled to 0-1 by its largest value among the profiles (raw values kept)."""
    rows = []
    for fact in CHARTED:
        values = {p.name: p.facts.get(fact) for p in profiles}
        numeric = {k: float(v) for k, v in values.items() if isinstance(v, (int, float)) and v == v}
        top = max(numeric.values(), default=0) or 1
        for name, value in numeric.items():
            rows.append({"figure": dict(COMPARED)[fact], "actor": name, "value": value, "scaled": value / top})
    return pd.DataFrame(rows, columns=["figure", "actor", "value", "scaled"])


def profile_over_time(prof: Profile, freq: str = "year") -> pd.DataFrame:
    """How a profile's event-based figures changed, one row per year (or ``quarter``) of its period."""
    events = prof.event_frame
    period = pd.to_datetime(events["date_start"]).dt.to_period("Y" if freq == "year" else "Q")
    rows = []
    for label, chunk in events.groupby(period):
        start, end = label.start_time.date(), label.end_time.date()
        posture = {i.key: i for i in ind.posture(chunk, start, end)}
        terr = {i.key: i.value for i in ind.territory(chunk, start, end, prof.spatial_unit)[0]}
        c2 = {i.key: i.value for i in ind.command(chunk, prof.spatial_unit)}
        eco = ind.economy(chunk)[0].value
        rows.append({
            "period": str(label), "events": len(chunk),
            "violent_events": int(chunk["violence_category"].isin(ind.VIOLENT).sum()),
            "targeting_events": posture["civilian_targeting_share"].evidence_count,
            "civilian_targeting_share": posture["civilian_targeting_share"].value,
            "civilian_deaths_targeting": posture["civilian_deaths_targeting"].value,
            "units_active": terr.get("units_active", 0), "concentration_hhi": terr.get("concentration_hhi"),
            "coordinated_days": c2.get("coordinated_days", 0), "economy_events": eco,
        })
    return pd.DataFrame(rows)

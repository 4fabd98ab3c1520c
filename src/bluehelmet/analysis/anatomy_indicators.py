"""The data proxies of an armed group's anatomy, computed from its events.

Each function takes the actor's events of the period (one row per event, with ``on_side_a``
saying whether the actor was on the initiating side) and returns indicators with their values
and the ids of the events behind them. They read nothing else, so tests can recompute every
value with pandas on the same events. What each proxy shows, and what it does not, is in
``docs/anatomy.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

VIOLENT = ("state_based", "non_state", "one_sided")
# Location precisions whose coordinates stand for a place, a nearby place or at worst a cercle:
# coarser events (a region's or the country's centroid) would invent presence in one cell.
PLACED = ("exact", "near", "admin2")
# ACLED sub-event types that are signals of involvement in the economy (UCDP codes none).
ECONOMY_SUBTYPES = {
    "looting/property destruction": "looting or property destruction",
    "abduction/forced disappearance": "abduction (kidnapping for ransom is one motive among others)",
}
# ACLED types and sub-event types that record territory changing hands or a base set up.
TERRITORY_SUBTYPES = (
    "non-state actor overtakes territory", "battle-non-state actor overtakes territory",
    "headquarters or base established", "non-violent transfer of territory",
)
SHOWN_IDS = 25
PERSISTENT_MIN_MONTHS = 3
COORDINATED_MIN_UNITS = 2


@dataclass
class Indicator:
    """One measured or documented value, with what it rests on."""

    key: str
    label: str
    value: Any
    display: str
    basis: str  # events | acd | registry | analyst
    evidence: list[str] = field(default_factory=list)  # event uids, or references to documents
    evidence_count: int = 0
    confidence: str = "low"
    note: str = ""

    def as_dict(self) -> dict:
        value = self.value
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = None if np.isnan(value) else float(value)
        return {
            "key": self.key, "label": self.label, "value": value, "display": self.display, "basis": self.basis,
            "evidence": list(self.evidence), "evidence_count": int(self.evidence_count or len(self.evidence)),
            "confidence": self.confidence, "note": self.note,
        }


def ids(frame: pd.DataFrame) -> list[str]:
    """Event uids, oldest first."""
    return frame.sort_values(["date_start", "uid"])["uid"].astype(str).tolist()


def _volume_confidence(n: int) -> str:
    return "high" if n >= 50 else "medium" if n >= 10 else "low"


def months_between(start, end) -> int:
    """Calendar months from ``start`` to ``end`` inclusive (2018-01-15 .. 2018-03-01 is 3)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_periods(dates) -> set:
    """The calendar months (pandas Periods) of a sequence of dates."""
    return set(pd.to_datetime(pd.Series(list(dates)), errors="coerce").dropna().dt.to_period("M"))


def spatial_unit(events: pd.DataFrame, admin2_available: bool) -> str:
    """``admin2`` when boundaries are loaded and most placed events have an admin2 P-code, else ``priogrid``."""
    placed = events[events["location_precision"].isin(PLACED)]
    if admin2_available and len(placed) and placed["admin2_pcode"].notna().mean() >= 0.5:
        return "admin2"
    return "priogrid"


def _unit_columns(unit: str) -> tuple[str, str]:
    return ("admin2_pcode", "admin2_name") if unit == "admin2" else ("priogrid_gid", "priogrid_gid")


# -- posture toward civilians -------------------------------------------------------------
def targeting_events(events: pd.DataFrame) -> pd.DataFrame:
    """Its one-sided violence: events against civilians with the actor on the initiating side."""
    return events[(events["violence_category"] == "one_sided") & events["on_side_a"]]


def posture(events: pd.DataFrame, start, end, covered: set | None = None) -> list[Indicator]:
    violent = events[events["violence_category"].isin(VIOLENT)]
    target = targeting_events(events)
    share = len(target) / len(violent) if len(violent) else float("nan")
    deaths = int(target["deaths_civilians"].fillna(0).sum())
    per_event = deaths / len(target) if len(target) else float("nan")
    all_civ = int(violent["deaths_civilians"].fillna(0).sum())
    out = [
        Indicator("civilian_targeting_share", "Share of its violence that targets civilians", share,
                  f"{share:.0%} ({len(target):,} of {len(violent):,} violent events)" if len(violent) else "no violent events",
                  "events", ids(target)[:SHOWN_IDS], len(target), _volume_confidence(len(violent)),
                  "one-sided events with the actor on side A, over its state-based, non-state and one-sided events"),
        Indicator("civilian_deaths_targeting", "Civilians killed in its one-sided violence", deaths,
                  f"{deaths:,} (best estimate)", "events", ids(target)[:SHOWN_IDS], len(target), _volume_confidence(len(target))),
        Indicator("civilian_deaths_per_targeting_event", "Civilian deaths per one-sided event", per_event,
                  f"{per_event:.1f}" if len(target) else "n/a", "events", ids(target)[:SHOWN_IDS], len(target),
                  _volume_confidence(len(target))),
        Indicator("civilian_deaths_all_events", "Civilians killed in all its violent events (battles included)", all_civ,
                  f"{all_civ:,}", "events", ids(violent[violent["deaths_civilians"].fillna(0) > 0])[:SHOWN_IDS],
                  int((violent["deaths_civilians"].fillna(0) > 0).sum()), _volume_confidence(len(violent)),
                  "civilians killed in battles cannot be attributed to one side: context, not its own toll"),
    ]
    out.append(posture_trend(target, start, end, covered))
    return out


def posture_trend(target: pd.DataFrame, start, end, covered: set | None = None) -> Indicator:
    """Second half of the period against the first: one-sided events per covered month.

    ``covered``: the months in which the store has any event in the actor's countries. Months
    without any data (gaps between releases) would read as calm; they are left out of both rates.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    middle = start + (end - start) / 2
    dates = pd.to_datetime(target["date_start"])
    first, second = target[dates <= middle], target[dates > middle]
    n1, n2 = len(first), len(second)
    all_months = set(pd.period_range(start, end, freq="M"))
    covered = (covered & all_months) if covered is not None else all_months
    m1 = sum(1 for m in covered if m.to_timestamp() <= middle)
    m2 = len(covered) - m1
    if n1 + n2 < 5 or months_between(start, end) < 4 or m1 == 0 or m2 == 0:
        label, ratio = "insufficient", float("nan")
        display = f"too few events, too short a period or no data in one half ({n1} then {n2} one-sided events)"
    else:
        # +0.5 on both counts: a half with no events gives a finite ratio.
        ratio = ((n2 + 0.5) / m2) / ((n1 + 0.5) / m1)
        label = "rising" if ratio >= 1.5 else "falling" if ratio <= 1 / 1.5 else "stable"
        display = (f"{label}: {n1} one-sided events in {m1} month(s) with data in the first half, "
                   f"{n2} in {m2} in the second (rate ratio {ratio:.2f})")
    return Indicator("posture_trend", "Trend of its violence against civilians", label, display, "events",
                     ids(second)[:SHOWN_IDS], n1 + n2, _volume_confidence(n1 + n2),
                     f"halves split at {middle:%Y-%m-%d}; rates per month with data; rising at a rate ratio of 1.5 "
                     "or more, falling at 1/1.5 or less")


# -- economy -------------------------------------------------------------------------------
def economy(events: pd.DataFrame) -> list[Indicator]:
    sub = events["native_subtype"].fillna("").str.lower()
    coded = events[sub != ""]
    hits = events[sub.isin(ECONOMY_SUBTYPES) & events["on_side_a"]]
    kinds = hits["native_subtype"].str.lower().map(ECONOMY_SUBTYPES).value_counts()
    if len(coded) == 0:
        return [Indicator("economy_events", "Events coded as looting or abduction", None,
                          "not coded by the sources of the period (UCDP does not code looting, extortion or taxation)",
                          "events", [], 0, "low", "only ACLED sub-event types carry this signal")]
    detail = "; ".join(f"{k}: {v}" for k, v in kinds.items()) or "none"
    return [
        Indicator("economy_events", "Events coded as looting or abduction", len(hits),
                  f"{len(hits):,} of {len(coded):,} events with sub-event types ({detail})", "events",
                  ids(hits)[:SHOWN_IDS], len(hits), _volume_confidence(len(coded)),
                  "ACLED sub-event types Looting/property destruction and Abduction/forced disappearance, actor as side A"),
    ]


# -- territorial control -------------------------------------------------------------------
def territory(events: pd.DataFrame, start, end, unit: str, covered: set | None = None) -> tuple[list[Indicator], pd.DataFrame]:
    """Persistence and concentration of its events per unit; also returns the per-unit table.

    Persistence is the share of months with data (``covered``, default every month of the
    period) in which the unit saw its events.
    """
    code, name = _unit_columns(unit)
    placed = events[events["location_precision"].isin(PLACED) & events[code].notna()].copy()
    all_months = set(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M"))
    months = len((covered & all_months) if covered is not None else all_months) or 1
    placed["month"] = pd.to_datetime(placed["date_start"]).dt.to_period("M")
    per_unit = (placed.groupby(code).agg(name=(name, "first"), events=("uid", "size"), months_active=("month", "nunique"),
                                         first=("date_start", "min"), last=("date_start", "max"))
                .reset_index().rename(columns={code: "unit"}).sort_values(["events", "unit"], ascending=[False, True]))
    per_unit["persistence"] = per_unit["months_active"] / months
    if unit == "priogrid":
        per_unit["name"] = "cell " + per_unit["unit"].astype("int64").astype(str)
    unit_label = "cercle (admin2)" if unit == "admin2" else "PRIO-GRID cell"
    threshold = max(PERSISTENT_MIN_MONTHS, int(np.ceil(0.25 * months)))
    persistent = per_unit[per_unit["months_active"] >= threshold]
    if not len(per_unit):
        return [Indicator("units_active", f"{unit_label}s with its events", 0, "no event located precisely enough",
                          "events", [], 0, "low")], per_unit
    shares = per_unit["events"] / per_unit["events"].sum()
    hhi = float((shares**2).sum())
    top = per_unit.iloc[0]
    top_events = placed[placed[code] == top["unit"]]
    best = per_unit.sort_values(["persistence", "events"], ascending=False).iloc[0]
    conf = _volume_confidence(len(placed))
    out = [
        Indicator("units_active", f"{unit_label}s with its events", len(per_unit), f"{len(per_unit):,} ({len(placed):,} placed events)",
                  "events", [], len(placed), conf, f"events placed at a place, nearby, or a cercle; unit: {unit_label}"),
        Indicator("persistent_units", f"{unit_label}s with its events in at least {threshold} distinct months", len(persistent),
                  f"{len(persistent):,}" + (f" (e.g. {', '.join(str(n) for n in persistent['name'].head(3))})" if len(persistent) else ""),
                  "events", ids(placed[placed[code].isin(persistent["unit"])])[:SHOWN_IDS],
                  int(placed[code].isin(persistent["unit"]).sum()), conf,
                  f"{months} months with data in the period; persistence = months with its events / months with data"),
        Indicator("max_persistence", "Highest share of the period's months with its events in one unit", float(best["persistence"]),
                  f"{best['persistence']:.0%} of {months} months in {best['name']}", "events",
                  ids(placed[placed[code] == best["unit"]])[:SHOWN_IDS], int(best["events"]), conf),
        Indicator("concentration_hhi", "Concentration of its events across units (Herfindahl, 0-1)", hhi,
                  f"{hhi:.2f}; top unit {top['name']} holds {shares.iloc[0]:.0%} of its placed events", "events",
                  ids(top_events)[:SHOWN_IDS], len(top_events), conf, "1 = all events in one unit; near 0 = spread thin"),
    ]
    sub = events["native_subtype"].fillna("").str.lower()
    typ = events["native_type"].fillna("").str.lower()
    changes = events[(sub.isin(TERRITORY_SUBTYPES) | typ.isin(TERRITORY_SUBTYPES)) & events["on_side_a"]]
    if len(changes) or (sub != "").any():
        out.append(Indicator("territory_events", "Events coded as taking territory or setting up a base", len(changes),
                             f"{len(changes):,}", "events", ids(changes)[:SHOWN_IDS], len(changes), "medium",
                             "ACLED (sub-)event types; UCDP does not code them"))
    return out, per_unit


# -- command and control -------------------------------------------------------------------
def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def command(events: pd.DataFrame, unit: str) -> list[Indicator]:
    """Geographic spread and same-day attacks in several units (coordination)."""
    code, _ = _unit_columns(unit)
    placed = events[events["location_precision"].isin(PLACED) & events["latitude"].notna()]
    out = []
    if len(placed):
        lat, lon = placed["latitude"].mean(), placed["longitude"].mean()
        spread = float(np.median(_haversine_km(placed["latitude"].to_numpy(), placed["longitude"].to_numpy(), lat, lon)))
        admin1 = events["admin1_name"].dropna().nunique()
        countries = events["country_iso3"].dropna().nunique()
        out.append(Indicator("spread_km", "Median distance of its events from their centre (km)", round(spread, 1),
                             f"{spread:,.0f} km; {admin1} admin1 region(s), {countries} countr{'y' if countries == 1 else 'ies'}",
                             "events", [], len(placed), _volume_confidence(len(placed)),
                             "a wide spread with sustained activity suggests a structure able to operate far from one base"))
    attacks = placed[placed["on_side_a"] & (placed["date_precision"] == "day") & placed[code].notna()]
    if len(attacks):
        per_day = attacks.groupby("date_start")[code].nunique()
        days = per_day[per_day >= COORDINATED_MIN_UNITS]
        same_day = attacks[attacks["date_start"].isin(days.index)]
        share = len(days) / len(per_day)
        out.append(Indicator("coordinated_days", "Days with its attacks in several units", int(len(days)),
                             f"{len(days):,} of {len(per_day):,} days with its attacks ({share:.0%})", "events",
                             ids(same_day)[:SHOWN_IDS], len(same_day), _volume_confidence(len(per_day)),
                             "attacks on the same day in two or more units (day-precise events, actor on side A); "
                             "may also be separate cells acting on their own"))
    return out


# -- relationships from events ----------------------------------------------------------------
def counterparts(roles: pd.DataFrame, actor_ids: list[str], names: dict[str, str], kinds: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actors on the same side of its events (partners) and on the other side (adversaries).

    ``roles``: rows of ``event_actors`` (event_uid, role, actor_id) for the actor's events.
    """
    group = roles["role"].str[-1]  # side_a/assoc_a -> a, side_b/assoc_b -> b
    roles = roles.assign(group=group)
    own = roles[roles["actor_id"].isin(actor_ids)][["event_uid", "group"]].drop_duplicates()
    merged = roles.merge(own, on="event_uid", suffixes=("", "_own"))
    merged = merged[~merged["actor_id"].isin(actor_ids) & merged["actor_id"].notna()]
    merged = merged[~merged["actor_id"].isin(["any:civilians", "any:unidentified"])]

    def summary(frame: pd.DataFrame) -> pd.DataFrame:
        out = (frame.groupby("actor_id").agg(events=("event_uid", "nunique"), event_ids=("event_uid", lambda s: sorted(set(s))))
               .reset_index().sort_values(["events", "actor_id"], ascending=[False, True]))
        out.insert(1, "name", [names.get(a, a) for a in out["actor_id"]])
        out.insert(2, "kind", [kinds.get(a) for a in out["actor_id"]])
        return out

    return summary(merged[merged["group"] == merged["group_own"]]), summary(merged[merged["group"] != merged["group_own"]])

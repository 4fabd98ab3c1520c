"""Alerts: readable rules over the threat analyses, each alert with its reason and events.

Rules live in a YAML file (:data:`DEFAULT_RULES`, ``analysis/rules/alerts.yaml``); each has an
``id``, a ``type`` and the type's settings:

- ``threshold``: civilian deaths (or events) in one area during the window >= ``at_least``;
- ``massacre``: one event with at least ``civilian_deaths_at_least`` civilian deaths;
- ``new_hotspot``: an emerging-hotspot pattern in ``patterns`` over lookback + window;
- ``new_perpetrator``: a perpetrator harming civilians in an area where it had no event in
  the ``lookback_months`` before the window;
- ``near_un_position``: a violent event within ``radius_km`` of a UN position in force in its
  month (the most precise of Geo-PKO and RADPKO there, see :mod:`bluehelmet.analysis.presence`);
- ``forecast_risk``: a PRIO-GRID cell whose forecast probability of any civilian death in the
  month after the window (trained on events up to the window's last month, see
  ``docs/forecast.md``) is at least ``probability_at_least``.

Alerts are deduplicated by a key (rule, area, subject; plus the window for the counts that
depend on it) and written to the ``alert_log`` table: an alert raised again later is marked
``repeat`` with its count of sightings, not raised as new.

>>> result = run_alerts(store, "MLI", "2018-10", "2018-12")   # doctest: +SKIP
>>> result.alerts[["rule", "area_name", "reason", "status"]]    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from bluehelmet.analysis.hotspots import hotspots
from bluehelmet.analysis.scope import Area, Period, parse_period, resolve_area
from bluehelmet.analysis.threats import HARM_CATEGORIES, UNASSIGNED, harm_events
from bluehelmet.errors import InputFileError, InvalidRequestError

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
RULE_TYPES = ("threshold", "massacre", "new_hotspot", "new_perpetrator", "near_un_position", "forecast_risk")
ALERT_COLUMNS = [
    "alert_id", "rule", "severity", "country", "area_code", "area_name", "subject", "window_start",
    "window_end", "reason", "event_ids", "status", "times_seen",
]
# Numbers only forecast alerts have: kept beside the alert, not in the alert log.
FORECAST_COLUMNS = ["probability", "expected_deaths"]
ALERT_LOG_DDL = """
CREATE TABLE IF NOT EXISTS alert_log (
  alert_id VARCHAR NOT NULL, rule VARCHAR, severity VARCHAR, country VARCHAR, area_code VARCHAR,
  area_name VARCHAR, subject VARCHAR, window_start DATE, window_end DATE, reason VARCHAR,
  event_ids VARCHAR[], first_logged_at TIMESTAMP, last_logged_at TIMESTAMP, times_seen INTEGER
)
"""


def default_rules_path() -> Path:
    """The bundled rule file."""
    return Path(str(resources.files("bluehelmet.analysis").joinpath("rules/alerts.yaml")))


@dataclass
class AlertRules:
    """The parsed rule file."""

    path: Path
    lookback_months: int
    rules: list[dict]


def load_rules(path: str | Path | None = None) -> AlertRules:
    """Read and check a rule file (the bundled one when ``path`` is None)."""
    path = Path(path) if path else default_rules_path()
    if not path.exists():
        raise InputFileError(path, "no such rule file")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputFileError(path, f"not valid YAML: {exc}") from exc
    rules = doc.get("rules") or []
    if not isinstance(rules, list) or not rules:
        raise InputFileError(path, "the file needs a non-empty list under 'rules'")
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or "id" not in rule or rule.get("type") not in RULE_TYPES:
            raise InputFileError(
                path, f"rule {number} needs an 'id' and a 'type' from {', '.join(RULE_TYPES)}",
                value=rule.get("type") if isinstance(rule, dict) else rule,
            )
    return AlertRules(path, int(doc.get("lookback_months", 12)), rules)


@dataclass
class AlertResult:
    """Alerts of one run, the notes on rules that could not run, and the window."""

    area: Area
    window: Period
    alerts: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _alert(rule: dict, area_code: str, area_name: str, subject: str, reason: str, ids, window: Period, *, per_window: bool) -> dict:
    key = "|".join([rule["id"], str(area_code), str(subject)] + ([f"{window.start}", f"{window.end}"] if per_window else []))
    return {
        "alert_id": hashlib.sha1(key.encode()).hexdigest()[:12],
        "rule": rule["id"],
        "severity": rule.get("severity", "medium"),
        "area_code": area_code,
        "area_name": area_name,
        "subject": subject,
        "window_start": window.start,
        "window_end": window.end,
        "reason": reason,
        "event_ids": sorted(ids),
    }


def _months_before(day: date, months: int) -> date:
    y, m = day.year, day.month - months
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _level_columns(level: str) -> tuple[str, str]:
    return {"admin1": ("admin1_code", "admin1_name"), "admin2": ("admin2_code", "admin2_name"),
            "grid": ("priogrid_gid", "priogrid_gid")}[level]


def _threshold(rule, events, window, notes) -> list[dict]:
    level = rule.get("level", "admin2")
    code, name = _level_columns(level)
    metric = rule.get("metric", "civilian_deaths")
    limit = float(rule.get("at_least", 10))
    out = []
    for (c, n), group in events.groupby([code, name]):
        value = len(group) if metric == "events" else int(group["civilian_deaths_best"].sum())
        if value >= limit and c != UNASSIGNED:
            label = metric.replace("_", " ")
            out.append(_alert(rule, c, n, f"{metric}>={limit:g}",
                              f"{value:,} {label} in {n} ({level}) from {window.label()}, at or above the threshold of {limit:g}",
                              group["uid"], window, per_window=True))
    return out


def _massacre(rule, events, window, notes) -> list[dict]:
    limit = int(rule.get("civilian_deaths_at_least", 10))
    big = events[events["civilian_deaths_best"] >= limit]
    return [
        _alert(rule, r.admin2_code, r.admin2_name, r.uid,
               f"{int(r.civilian_deaths_best)} civilians killed (low {int(r.civilian_deaths_low)}, high {int(r.civilian_deaths_high)}) "
               f"on {r.date_start:%Y-%m-%d} near {r.location_name or 'an unnamed place'}, {r.admin2_name}; perpetrator: {r.perpetrator}",
               [r.uid], window, per_window=False)
        for r in big.itertuples()
    ]


def _new_perpetrator(rule, events, history, window, notes) -> list[dict]:
    level = rule.get("level", "admin1")
    code, name = _level_columns(level)
    seen = set(zip(history[code], history["perpetrator"]))
    harm = events[events["attribution"] == "side_a"]
    out = []
    for (c, n, perp), group in harm.groupby([code, name, "perpetrator"]):
        if c == UNASSIGNED or (c, perp) in seen:
            continue
        out.append(_alert(rule, c, n, perp,
                          f"{perp} harmed civilians in {n} ({level}) in {len(group)} event(s) from {window.label()} "
                          f"with no event there in the {rule['_lookback']} months before",
                          group["uid"], window, per_window=False))
    return out


def _near_un(rule, store, area, events, window, notes) -> list[dict]:
    from bluehelmet.analysis.presence import event_distances, positions_in_period

    radius = float(rule.get("radius_km", 20))
    if positions_in_period(store, area.country, window.start, window.end).empty:
        notes.append(f"{rule['id']}: no UN positions (Geo-PKO, RADPKO) are loaded for {area.country} "
                     f"in {window.start.year}-{window.end.year}; the rule did not run")
        return []
    located = events.dropna(subset=["latitude", "longitude"])
    # The nearest position in force in each event's month (the most precise source there).
    close = event_distances(store, located)
    close = close[close["distance_km"] <= radius]
    out = []
    for _, r in close.iterrows():
        out.append(_alert(rule, r["admin2_code"], r["admin2_name"], r["uid"],
                          f"{r['violence_category'].replace('_', '-')} event on {r['date_start']:%Y-%m-%d} "
                          f"({r['perpetrator']}; {int(r['deaths_best'])} deaths) {r['distance_km']:.1f} km from the "
                          f"{r['nearest_mission']} position {r['nearest_location']} ({r['position_source']})",
                          [r["uid"]], window, per_window=False))
    return out


def _new_hotspot(rule, store, area, window, lookback, notes) -> list[dict]:
    level = rule.get("level", "grid")
    patterns = set(rule.get("patterns", ["new", "consecutive", "intensifying"]))
    start = _months_before(window.start, lookback)
    try:
        frame = hotspots(store, area.country, f"{start:%Y-%m}", f"{window.end:%Y-%m}", level=level)
    except Exception as exc:  # noqa: BLE001 - a rule that cannot run is reported, not fatal
        notes.append(f"{rule['id']}: {exc}")
        return []
    hits = frame[frame["pattern"].isin(patterns)]
    return [
        _alert(rule, r.location, r.name, r.pattern,
               f"{r.name} is a {r.pattern} hotspot of civilian harm ({level}): significant Gi* in {r.hot_months} of "
               f"{r.months} months to {window.end:%Y-%m}, Gi* last month {r.gi_star_last:.2f}, Mann-Kendall p={r.trend_p:.3f}; "
               f"{r.events} event(s) in it, {len(r.neighbourhood_event_ids)} with its neighbours",
               r.neighbourhood_event_ids, window, per_window=True)
        for r in hits.itertuples()
    ]


def _forecast_risk(rule, store, area, window, notes, forecasts=None) -> list[dict]:
    from bluehelmet.analysis.forecast.predict import forecast_frame, risk_alerts
    from bluehelmet.errors import BluehelmetError

    threshold = float(rule.get("probability_at_least", 0.2))
    months = int(rule.get("training_window_months", 120))
    origin = f"{window.end:%Y-%m}"
    if forecasts is None or forecasts.attrs.get("train_until") != origin or 1 not in set(forecasts["horizon"]):
        try:
            forecasts = forecast_frame(store, area.country, train_until=origin, horizons=[1], window=months)
        except BluehelmetError as exc:
            notes.append(f"{rule['id']}: no forecast for {area.country} trained to {origin}: {exc}")
            return []
    hits = risk_alerts(forecasts, threshold=threshold, horizon=1)
    hits = hits[hits["country_iso3"] == area.country]
    if hits.empty:
        return []
    # Traceability: the cell's events of the 12 months up to the origin, the recent history the
    # forecast mostly rests on.
    since = _months_before(date(window.end.year, window.end.month, 1), 11)
    recent = harm_events(store.con, area, Period(since, window.end), HARM_CATEGORIES)
    by_cell = recent.groupby(recent["priogrid_gid"].astype(str))["uid"].apply(list).to_dict()
    if area.level != "country":
        # The forecast covers the whole country; an admin unit or cell keeps the cells where it
        # had events in those 12 months (a grid area: its own cell).
        keep = {str(area.code)} if area.level == "grid" else set(by_cell)
        hits = hits[hits["unit_id"].astype(int).astype(str).isin(keep)]
    out = []
    for r in hits.itertuples():
        cell = str(int(r.unit_id))
        alert = _alert(rule, cell, f"cell {cell} ({r.latitude:.2f}, {r.longitude:.2f})", f"forecast {r.month}",
                       f"forecast: P(any civilian death in {r.month}) = {r.prob_any:.2f} in cell {cell} "
                       f"({r.latitude:.2f}, {r.longitude:.2f}); expected deaths {r.mean:.1f} (90% interval "
                       f"{r.q05:.0f}-{r.q95:.0f}); trained on events up to {origin}",
                       by_cell.get(cell, []), window, per_window=False)
        out.append({**alert, "probability": float(r.prob_any), "expected_deaths": float(r.mean)})
    return out


def _no_events_note(con, area: Area, window: Period) -> str:
    """Why a window without events raises no alert.

    A quiet window and a window the data do not cover look alike (no alert); the months of the
    nearest events before and after tell them apart: "the store's events there end in 2026-02"
    means load newer data, and a gap of years between 2018-12 and 2026-01 is missing data.
    """
    where, params = area.where()
    before, after = con.execute(
        f"SELECT strftime(max(date_start) FILTER (WHERE date_start < ?), '%Y-%m'), "
        f"strftime(min(date_start) FILTER (WHERE date_start > ?), '%Y-%m') "
        f"FROM events WHERE {where} AND NOT coalesce(deleted, false)",
        [window.start, window.end] + params,
    ).fetchall()[0]
    said = f"no event of civilian harm in {area.label()} from {window.label()}, so the rules on events had nothing to count"
    if before is None and after is None:
        return f"{said}; the store has no events there at all"
    if after is None:
        return f"{said}; the store's events there end in {before}: load newer data before reading no alert as a quiet window"
    if before is None:
        return f"{said}; the store's events there start in {after}"
    return f"{said}; the nearest events there are in {before} and {after}"


def evaluate(store, country: str, start: str, end: str, *, area: str | None = None, rules: AlertRules | None = None,
             forecasts: pd.DataFrame | None = None) -> AlertResult:
    """Apply every rule to the window ``start``..``end`` and return the alerts (not logged).

    ``forecasts``: a :func:`~bluehelmet.analysis.forecast.predict.forecast_frame` already trained
    up to the window's last month (with horizon 1), reused by ``forecast_risk`` rules instead of
    training again.
    """
    con = store.con
    rules = rules or load_rules()
    window = parse_period(start, end)
    place = resolve_area(con, country, area)
    lookback = Period(_months_before(window.start, rules.lookback_months), date.fromordinal(window.start.toordinal() - 1))
    events = harm_events(con, place, window, HARM_CATEGORIES)
    history = harm_events(con, place, lookback, HARM_CATEGORIES)
    notes: list[str] = [] if not events.empty else [_no_events_note(con, place, window)]
    found: list[dict] = []
    for rule in rules.rules:
        rule = {**rule, "_lookback": rules.lookback_months}
        kind = rule["type"]
        if kind not in ("new_hotspot", "forecast_risk") and events.empty:
            continue
        if kind == "threshold":
            level = rule.get("level", "admin2")
            if level != "grid" and (events[f"{level}_code"] == UNASSIGNED).all():
                notes.append(f"{rule['id']}: no {level} boundaries assign the events; the rule counted nothing")
            found += _threshold(rule, events, window, notes)
        elif kind == "massacre":
            found += _massacre(rule, events, window, notes)
        elif kind == "new_perpetrator":
            found += _new_perpetrator(rule, events, history, window, notes)
        elif kind == "near_un_position":
            found += _near_un(rule, store, place, events, window, notes)
        elif kind == "new_hotspot":
            found += _new_hotspot(rule, store, place, window, rules.lookback_months, notes)
        elif kind == "forecast_risk":
            found += _forecast_risk(rule, store, place, window, notes, forecasts)
    frame = pd.DataFrame(found, columns=[c for c in ALERT_COLUMNS if c not in ("country", "status", "times_seen")] + FORECAST_COLUMNS)
    frame = frame.drop_duplicates("alert_id")
    frame = frame.sort_values(
        ["severity", "rule", "area_code"], key=lambda c: c.map(SEVERITY_ORDER).fillna(9) if c.name == "severity" else c
    ).reset_index(drop=True)
    frame.insert(3, "country", place.country)
    return AlertResult(place, window, frame, notes)


def log_alerts(con, result: AlertResult) -> pd.DataFrame:
    """Write ``result``'s alerts to ``alert_log``; returns them with ``status`` new/repeat and ``times_seen``."""
    con.execute(ALERT_LOG_DDL)
    frame = result.alerts.copy()
    now = datetime.now()
    statuses, seen = [], []
    for r in frame.itertuples():
        rows = con.execute("SELECT times_seen FROM alert_log WHERE alert_id = ?", [r.alert_id]).fetchall()
        if rows:
            con.execute(
                "UPDATE alert_log SET last_logged_at = ?, times_seen = times_seen + 1 WHERE alert_id = ?", [now, r.alert_id]
            )
            statuses.append("repeat")
            seen.append(rows[0][0] + 1)
        else:
            con.execute(
                "INSERT INTO alert_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [r.alert_id, r.rule, r.severity, r.country, r.area_code, r.area_name, r.subject,
                 r.window_start, r.window_end, r.reason, list(r.event_ids), now, now],
            )
            statuses.append("new")
            seen.append(1)
    frame["status"] = statuses
    frame["times_seen"] = seen
    return frame


def run_alerts(store, country: str, start: str, end: str, *, area: str | None = None,
               rules_path: str | Path | None = None, log: bool = True) -> AlertResult:
    """Evaluate the rules and (by default) log the alerts; see :func:`evaluate` and :func:`log_alerts`."""
    result = evaluate(store, country, start, end, area=area, rules=load_rules(rules_path))
    if log:
        result.alerts = log_alerts(store.con, result)
    else:
        result.alerts["status"] = "not logged"
        result.alerts["times_seen"] = 0
    return result


def alert_log(con, country: str | None = None) -> pd.DataFrame:
    """Every alert ever logged in this store (or for one ISO3 ``country``), newest first."""
    con.execute(ALERT_LOG_DDL)
    return con.execute(
        "SELECT * FROM alert_log WHERE ? IS NULL OR country = ? ORDER BY last_logged_at DESC, rule, area_code",
        [country, country],
    ).df()


__all__ = ["AlertResult", "AlertRules", "alert_log", "evaluate", "load_rules", "log_alerts", "run_alerts", "InvalidRequestError"]

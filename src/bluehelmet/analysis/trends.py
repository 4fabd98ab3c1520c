"""Trends: is civilian harm in each area getting worse, against that area's own baseline?

For each area, the last ``recent_months`` months of the period are compared with the earlier
months (the baseline). The counts are events of civilian harm (see
:mod:`bluehelmet.analysis.threats`). Under "no change", events arrive as a Poisson process of
the same rate in both windows, so given the total ``n = x_recent + x_baseline`` the recent count
is binomial with ``p0 = t_recent / (t_recent + t_baseline)`` (months). That gives

- an **exact conditional test** (two-sided binomial test, Przyborowski & Wilenski 1940);
- the **rate ratio** ``(x_r / t_r) / (x_b / t_b)`` with an exact interval from the Clopper-Pearson
  interval ``(pl, pu)`` of the binomial proportion: ``RR = p / (1 - p) * t_b / t_r``;
- a **Benjamini-Hochberg q-value** across the areas tested together, because testing fifty
  units at 5 % flags two or three by chance alone.

Flags: ``escalation`` when q < alpha, RR > 1 and at least ``min_events`` recent events;
``de-escalation`` when q < alpha and RR < 1; ``stable`` otherwise; ``too few events`` when the
area has fewer than ``min_events`` events in both windows together. Civilian deaths are shown
for both windows but not tested: deaths come in clusters (one massacre), which breaks the
Poisson assumption.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bluehelmet.analysis.scope import parse_period, require_boundaries, require_events, resolve_area
from bluehelmet.analysis.threats import HARM_CATEGORIES, harm_events_sql
from bluehelmet.errors import InvalidRequestError

LEVEL_COLUMNS = {
    "country": ("'all'", "'all'"),
    "admin1": ("admin1_code", "admin1_name"),
    "admin2": ("admin2_code", "admin2_name"),
    "grid": ("priogrid_gid", "'cell ' || priogrid_gid"),
}


def rate_ratio_test(recent: int, baseline: int, recent_months: float, baseline_months: float, confidence: float = 0.95) -> dict:
    """Exact conditional comparison of two Poisson counts observed over different lengths of time.

    >>> r = rate_ratio_test(12, 6, 3, 12)
    >>> round(r["rate_ratio"], 2), r["p_value"] < 0.001
    (8.0, True)
    """
    n = recent + baseline
    p0 = recent_months / (recent_months + baseline_months)
    if n == 0:
        return {"rate_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": 1.0}
    result = stats.binomtest(int(recent), int(n), p0)
    ci = result.proportion_ci(confidence_level=confidence, method="exact")
    scale = baseline_months / recent_months

    def ratio(p: float) -> float:
        return np.inf if p >= 1 else p / (1 - p) * scale

    return {
        "rate_ratio": ratio(recent / n),
        "ci_low": ratio(ci.low),
        "ci_high": ratio(ci.high),
        "p_value": float(result.pvalue),
    }


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input's order."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(ranked, 1.0)
    return out


def trends(
    store,
    country: str,
    start: str,
    end: str,
    *,
    level: str = "admin1",
    area: str | None = None,
    recent_months: int = 3,
    alpha: float = 0.05,
    min_events: int = 3,
) -> pd.DataFrame:
    """Each area's recent months against its own baseline, with a test, an interval and a flag.

    ``level`` is ``country``, ``admin1``, ``admin2`` or ``grid``; the period's last
    ``recent_months`` months are "recent" and every earlier month of the period is the
    baseline (at least three months are needed). Returns one row per area with events, the
    ``unassigned`` area included, sorted by rate ratio.
    """
    level = level.strip().lower()  # as threats --by takes it: "Admin2" is admin2
    if level not in LEVEL_COLUMNS:
        raise InvalidRequestError(f"unknown level {level!r}; choose from {', '.join(LEVEL_COLUMNS)}")
    if recent_months < 1:
        raise InvalidRequestError(f"--recent {recent_months}: the recent window is a number of months, at least 1")
    con = store.con
    period = parse_period(start, end)
    months = period.months()
    if len(months) - recent_months < 3:
        raise InvalidRequestError(
            f"a trend needs at least 3 baseline months before the {recent_months} recent month(s); "
            f"the period {period.label()} has {len(months)} month(s): start earlier"
        )
    place = resolve_area(con, country, area)
    if level in ("admin1", "admin2"):
        require_boundaries(con, place.country, level)
    require_events(con, place, period)
    recent_from = months[-recent_months]
    sql, params = harm_events_sql(con, place, period, HARM_CATEGORIES)
    code, name = LEVEL_COLUMNS[level]
    frame = con.execute(
        f"""
        SELECT {code} AS area_code, {name} AS area_name,
               count_if(month < ?)::BIGINT AS baseline_events, count_if(month >= ?)::BIGINT AS recent_events,
               sum(CASE WHEN month < ? THEN civilian_deaths_best ELSE 0 END)::BIGINT AS baseline_civilian_deaths,
               sum(CASE WHEN month >= ? THEN civilian_deaths_best ELSE 0 END)::BIGINT AS recent_civilian_deaths,
               list(uid ORDER BY uid) FILTER (WHERE month < ?) AS baseline_event_ids,
               list(uid ORDER BY uid) FILTER (WHERE month >= ?) AS recent_event_ids
        FROM ({sql}) h GROUP BY 1, 2
        """,
        [recent_from] * 6 + params,
    ).df()
    t_recent, t_base = recent_months, len(months) - recent_months
    tests = [rate_ratio_test(int(r), int(b), t_recent, t_base) for r, b in zip(frame["recent_events"], frame["baseline_events"])]
    frame = pd.concat([frame, pd.DataFrame(tests, index=frame.index)], axis=1)
    frame.insert(2, "baseline_months", t_base)
    frame.insert(3, "recent_months", t_recent)
    frame["baseline_rate"] = frame["baseline_events"] / t_base
    frame["recent_rate"] = frame["recent_events"] / t_recent
    enough = (frame["baseline_events"] + frame["recent_events"]) >= min_events
    frame["q_value"] = np.nan
    frame.loc[enough, "q_value"] = benjamini_hochberg(frame.loc[enough, "p_value"])
    flag = np.where(~enough, "too few events", "stable")
    up = enough & (frame["q_value"] < alpha) & (frame["rate_ratio"] > 1) & (frame["recent_events"] >= min_events)
    down = enough & (frame["q_value"] < alpha) & (frame["rate_ratio"] < 1)
    flag = np.where(up, "escalation", np.where(down, "de-escalation", flag))
    frame["flag"] = flag
    frame["baseline_period"] = f"{months[0]}..{months[-recent_months - 1]}"
    frame["recent_period"] = f"{recent_from}..{months[-1]}"
    for col in ("baseline_event_ids", "recent_event_ids"):
        frame[col] = [list(ids) if isinstance(ids, (list, tuple, np.ndarray)) else [] for ids in frame[col]]
    order = [
        "area_code", "area_name", "flag", "baseline_period", "recent_period", "baseline_months", "recent_months",
        "baseline_events", "recent_events", "baseline_rate", "recent_rate", "rate_ratio", "ci_low", "ci_high",
        "p_value", "q_value", "baseline_civilian_deaths", "recent_civilian_deaths", "baseline_event_ids", "recent_event_ids",
    ]
    return frame[order].sort_values(["rate_ratio", "recent_events"], ascending=False, na_position="last").reset_index(drop=True)


def monthly_series(store, country: str, start: str, end: str, *, area: str | None = None) -> pd.DataFrame:
    """Month by month events and civilian deaths (zeros filled) in an area, for charts."""
    con = store.con
    period = parse_period(start, end)
    place = resolve_area(con, country, area)
    sql, params = harm_events_sql(con, place, period, HARM_CATEGORIES)
    counts = con.execute(
        f"SELECT month, violence_category, count(*) AS events, sum(civilian_deaths_best)::BIGINT AS civilian_deaths "
        f"FROM ({sql}) h GROUP BY 1, 2",
        params,
    ).df()
    wide = counts.pivot_table(index="month", columns="violence_category", values="civilian_deaths", aggfunc="sum", fill_value=0)
    wide = wide.reindex(period.months(), fill_value=0)
    events = counts.groupby("month")["events"].sum().reindex(period.months(), fill_value=0)
    wide["events"] = events
    wide.index.name = "month"
    return wide.reset_index()

"""Events -> a dense unit-month panel: every unit of the region, every month, zeros included.

The aggregation runs in DuckDB over the store's ``events`` table (one pass, grouped by unit and
month); the few non-zero unit-months are then scattered into dense ``float32`` arrays of shape
``(units, months)``. Deaths are UCDP's best estimate; an event counts in the month it started.

Series (each an array in :attr:`Panel.series`):

- ``osv_deaths``, ``osv_events``: one-sided violence, i.e. violence against civilians (the target);
- ``sb_deaths``, ``sb_events``, ``ns_deaths``, ``ns_events``: state-based and non-state violence;
- ``osv_deaths_state``, ``osv_deaths_nonstate``: one-sided deaths by the perpetrator's kind (see
  :func:`bluehelmet.analysis.forecast.context.perpetrator_kinds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from bluehelmet.analysis.forecast.context import STATE_KINDS, perpetrator_kinds
from bluehelmet.analysis.forecast.months import month_label, month_sql
from bluehelmet.analysis.forecast.region import Region, unit_expression

SERIES = {
    "osv_deaths": "sum(CASE WHEN violence_category = 'one_sided' THEN deaths_best ELSE 0 END)",
    "osv_events": "sum(CASE WHEN violence_category = 'one_sided' THEN 1 ELSE 0 END)",
    "sb_deaths": "sum(CASE WHEN violence_category = 'state_based' THEN deaths_best ELSE 0 END)",
    "sb_events": "sum(CASE WHEN violence_category = 'state_based' THEN 1 ELSE 0 END)",
    "ns_deaths": "sum(CASE WHEN violence_category = 'non_state' THEN deaths_best ELSE 0 END)",
    "ns_events": "sum(CASE WHEN violence_category = 'non_state' THEN 1 ELSE 0 END)",
    "osv_deaths_state": "sum(CASE WHEN violence_category = 'one_sided' AND perpetrator_kind = 'state' THEN deaths_best ELSE 0 END)",
    "osv_deaths_nonstate": "sum(CASE WHEN violence_category = 'one_sided' AND perpetrator_kind <> 'state' THEN deaths_best ELSE 0 END)",
}
TARGETS = ("osv_deaths", "osv_events", "sb_deaths", "ns_deaths")


@dataclass
class Panel:
    """A dense unit-month panel: ``series[name][i, t]`` is the value of unit ``units[i]`` in month ``months[t]``."""

    region: Region
    months: np.ndarray  # integer months, consecutive
    series: dict[str, np.ndarray]
    perpetrator_source: str = "raw side_a names"

    @property
    def units(self) -> np.ndarray:
        return self.region.units

    def month_index(self, month: int) -> int:
        """Column of an integer month in the arrays."""
        index = int(month) - int(self.months[0])
        if not 0 <= index < len(self.months):
            raise IndexError(f"month {month_label(month)} is outside the panel {month_label(self.months[0])} to {month_label(self.months[-1])}")
        return index

    def to_frame(self, names: list[str] | None = None) -> pd.DataFrame:
        """The long panel: one row per unit and month (``unit_id``, ``month`` as YYYY-MM, series...)."""
        names = names or list(self.series)
        n_units, n_months = len(self.units), len(self.months)
        frame = pd.DataFrame(
            {
                "unit_id": np.repeat(self.units, n_months),
                "month": np.tile([month_label(m) for m in self.months], n_units),
            }
        )
        for name in names:
            frame[name] = self.series[name].ravel()
        return frame


def build_panel(store, region: Region, start: int, end: int) -> Panel:
    """Aggregate the store's events into the region's unit-month panel for months ``start..end``.

    Parameters
    ----------
    store:
        An open :class:`bluehelmet.Store`.
    region:
        The units (see :func:`~bluehelmet.analysis.forecast.region.resolve_region`).
    start, end:
        First and last integer month (``month_id("1989-01")``), inclusive.

    Examples
    --------
    >>> panel = build_panel(store, resolve_region(store, "MLI"), month_id("2012-01"), month_id("2018-12"))  # doctest: +SKIP
    >>> panel.series["osv_deaths"].shape                                                                   # doctest: +SKIP
    (412, 84)
    """
    months = np.arange(start, end + 1, dtype=np.int64)
    kinds = perpetrator_kinds(store)
    units = pa.table({"unit": pa.array(region.units.tolist()), "unit_index": pa.array(np.arange(len(region.units)))})
    store.con.register("_forecast_units", units)
    try:
        aggregates = ", ".join(f"CAST({sql} AS FLOAT) AS {name}" for name, sql in SERIES.items())
        rows = store.con.execute(
            f"""
            WITH ev AS (
              SELECT {unit_expression(region.unit_kind)} AS unit, {month_sql()} - ? AS t,
                     violence_category, coalesce(deaths_best, 0) AS deaths_best, {kinds.expression} AS perpetrator_kind
              FROM events e {kinds.join}
              WHERE NOT coalesce(deleted, false) AND date_start >= CAST(? AS DATE) AND date_start < CAST(? AS DATE)
            )
            SELECT u.unit_index, ev.t, {aggregates}
            FROM ev JOIN _forecast_units u ON u.unit = ev.unit
            GROUP BY ALL
            """,
            [int(start), f"{month_label(start)}-01", f"{month_label(end + 1)}-01"],
        ).fetchnumpy()
    finally:
        store.con.unregister("_forecast_units")
    i = np.asarray(rows["unit_index"], dtype=np.int64)
    t = np.asarray(rows["t"], dtype=np.int64)
    # One scatter of all series at once into a single block; each series is a contiguous slice.
    dense = np.zeros((len(SERIES), len(region.units), len(months)), dtype=np.float32)
    dense[:, i, t] = np.stack([np.asarray(rows[name], dtype=np.float32) for name in SERIES])
    series = {name: dense[k] for k, name in enumerate(SERIES)}
    return Panel(region, months, series, kinds.source)


def build_panel_pandas(
    events: pd.DataFrame, region: Region, start: int, end: int, event_actors: pd.DataFrame | None = None, actors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The same panel with plain pandas, as a long frame (for the benchmark and as a cross-check).

    ``events`` needs ``uid``, ``priogrid_gid``, ``date_start``, ``violence_category``,
    ``deaths_best`` and ``side_a``. Perpetrator kinds come from the registry when the store's
    ``event_actors`` and ``actors`` tables are given and hold rows (side_a actors of a state kind
    make the event a state force's), otherwise from the raw name, as :func:`build_panel` does.
    """
    frame = events.loc[:, ["uid", "priogrid_gid", "date_start", "violence_category", "deaths_best", "side_a"]].copy()
    dates = pd.to_datetime(frame["date_start"])
    frame["month"] = dates.dt.year * 12 + dates.dt.month - 1
    frame = frame[(frame["month"] >= start) & (frame["month"] <= end) & frame["priogrid_gid"].isin(region.units)]
    frame["deaths_best"] = frame["deaths_best"].fillna(0)
    short = {"one_sided": "osv", "state_based": "sb", "non_state": "ns"}
    frame["kind"] = frame["violence_category"].map(short)
    grouped = frame.groupby(["priogrid_gid", "month", "kind"])["deaths_best"].agg(["sum", "count"]).unstack("kind", fill_value=0)
    grouped.columns = [f"{kind}_{'deaths' if stat == 'sum' else 'events'}" for stat, kind in grouped.columns]
    osv = frame[frame["kind"] == "osv"]
    state = osv["side_a"].fillna("").str.lower().str.startswith("government of ").to_numpy()
    if event_actors is not None and actors is not None and len(event_actors) and len(actors):
        side_a = event_actors[(event_actors["role"] == "side_a") & event_actors["actor_id"].notna()]
        side_a = side_a.merge(actors[["actor_id", "kind"]], on="actor_id")
        registry = side_a.assign(state=side_a["kind"].isin(STATE_KINDS)).groupby("event_uid")["state"].any()
        resolved = registry.reindex(osv["uid"].to_numpy())
        state = np.where(resolved.notna().to_numpy(), resolved.fillna(False).to_numpy(dtype=bool), state)
    by_kind = osv.assign(perpetrator=np.where(state, "osv_deaths_state", "osv_deaths_nonstate"))
    by_kind = by_kind.groupby(["priogrid_gid", "month", "perpetrator"])["deaths_best"].sum().unstack("perpetrator", fill_value=0)
    grouped = grouped.join(by_kind, how="left").fillna(0)
    full = pd.MultiIndex.from_product([region.units, np.arange(start, end + 1)], names=["priogrid_gid", "month"])
    panel = grouped.reindex(full, fill_value=0).reset_index()
    for name in SERIES:
        if name not in panel:
            panel[name] = 0
        panel[name] = panel[name].astype("float32")
    return panel

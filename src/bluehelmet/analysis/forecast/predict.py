"""Forecasts for users: train on everything up to a month, forecast the months after it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluehelmet.analysis.forecast.backtest import make_model, prepare
from bluehelmet.analysis.forecast.distribution import ForecastContext
from bluehelmet.analysis.forecast.months import month_id, month_label
from bluehelmet.geo import priogrid

OUTPUT_COLUMNS = ["unit_id", "country_iso3", "month", "horizon", "mean", "prob_any", "q05", "q50", "q95"]


def forecast_frame(
    store,
    region: str,
    *,
    train_until: str,
    horizons: list[int],
    unit: str = "pgm",
    model: str = "hurdle_lgbm",
    target: str = "osv_deaths",
    seed: int = 0,
    window: int = 120,
    start: str = "1989-01",
) -> pd.DataFrame:
    """One row per unit, forecast month and horizon: ``mean``, ``prob_any`` and quantiles.

    Nothing after ``train_until`` is read: the region, the panel and the features all stop there.
    PRIO-GRID units also get the ``latitude``/``longitude`` of the cell centre.

    Examples
    --------
    >>> frame = forecast_frame(store, "MLI", train_until="2018-12", horizons=[1, 2, 3])  # doctest: +SKIP
    >>> frame.columns.tolist()[:4]                                                     # doctest: +SKIP
    ['unit_id', 'country_iso3', 'month', 'horizon']
    """
    origin = month_id(train_until)
    prepared = prepare(store, region, unit=unit, start=start, end=origin, cutoff=origin)
    panel = prepared.panel
    ctx = ForecastContext(panel.series[target], prepared.features, window=window)
    forecaster = make_model(model)
    t0 = panel.month_index(origin)
    parts = []
    for h in horizons:
        forecast = forecaster.forecast(ctx, t0, h, seed=seed)
        q = forecast.quantiles((0.05, 0.5, 0.95))
        parts.append(pd.DataFrame({
            "unit_id": panel.units,
            "country_iso3": panel.region.countries,
            "month": month_label(origin + h),
            "horizon": h,
            "mean": forecast.mean.astype(np.float64).round(4),
            "prob_any": forecast.prob_any.astype(np.float64).round(4),
            "q05": q[:, 0], "q50": q[:, 1], "q95": q[:, 2],
        }))
    frame = pd.concat(parts, ignore_index=True)
    if unit == "pgm":
        lat, lon = priogrid.centroid(frame["unit_id"].to_numpy())
        frame["latitude"], frame["longitude"] = lat, lon
    frame.attrs["region"] = panel.region.describe()
    frame.attrs["model"] = model
    frame.attrs["train_until"] = train_until
    return frame


def risk_alerts(frame: pd.DataFrame, *, threshold: float = 0.5, horizon: int = 1) -> pd.DataFrame:
    """Units whose forecast probability of any civilian death at ``horizon`` is at least ``threshold``,
    highest first: the forecast input to alerts."""
    rows = frame[(frame["horizon"] == horizon) & (frame["prob_any"] >= threshold)]
    return rows.sort_values(["prob_any", "mean"], ascending=False).reset_index(drop=True)


def forecast_map_png(frame: pd.DataFrame, *, horizon: int = 1, title: str | None = None) -> bytes:
    """A PNG map of PRIO-GRID cells coloured by the probability of any civilian death at ``horizon``,
    for the situation report."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    from matplotlib.collections import PatchCollection

    rows = frame[frame["horizon"] == horizon]
    fig, ax = plt.subplots(figsize=(6.5, 5.5), dpi=110)
    patches = [Rectangle((lon - 0.25, lat - 0.25), 0.5, 0.5) for lat, lon in zip(rows["latitude"], rows["longitude"])]
    collection = PatchCollection(patches, cmap="magma_r", edgecolor="none")
    collection.set_array(rows["prob_any"].to_numpy())
    collection.set_clim(0, 1)
    ax.add_collection(collection)
    ax.set_xlim(rows["longitude"].min() - 1, rows["longitude"].max() + 1)
    ax.set_ylim(rows["latitude"].min() - 1, rows["latitude"].max() + 1)
    ax.set_aspect("equal")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    month = rows["month"].iloc[0] if len(rows) else ""
    ax.set_title(title or f"Probability of any death in violence against civilians, {month}", fontsize=10)
    fig.colorbar(collection, ax=ax, shrink=0.8, label="P(any death)")
    fig.text(0.01, 0.01, "Forecast by bluehelmet from UCDP GED events (Sundberg & Melander 2013)", fontsize=6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()

"""Rolling-origin backtests: train up to each origin, forecast horizons 1..H, score against what happened.

For every origin ``T`` (a month), every model and every horizon ``h``, the model sees the target
series and features only up to ``T`` (training rows have ``t + h <= T``) and forecasts month
``T + h``; the forecast is scored with :func:`bluehelmet.analysis.forecast.scores.score_forecast`.
Scores are kept per origin so that intervals can be bootstrapped over origins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from bluehelmet.analysis.forecast.baselines import BASELINES
from bluehelmet.analysis.forecast.context import conflict_intensity, context_status, un_presence
from bluehelmet.analysis.forecast.distribution import ForecastContext
from bluehelmet.analysis.forecast.features import FeatureSet, build_features
from bluehelmet.analysis.forecast.models import MODELS
from bluehelmet.analysis.forecast.months import month_id, month_label
from bluehelmet.analysis.forecast.panel import Panel, build_panel
from bluehelmet.analysis.forecast.region import resolve_region
from bluehelmet.analysis.forecast.scores import LOWER_IS_BETTER, bootstrap_interval, randomized_pit, score_forecast, top_k
from bluehelmet.errors import InvalidRequestError

ALL_MODELS = {**BASELINES, **MODELS}
DEFAULT_MODELS = ("zero", "last", "conflictology", "negbin", "hurdle_lgbm")


def make_model(name: str):
    """A forecaster by name (``zero``, ``last``, ``conflictology``, ``negbin``, ``hurdle_lgbm``)."""
    try:
        return ALL_MODELS[name]()
    except KeyError:
        raise InvalidRequestError(f"unknown model {name!r}; the models are {', '.join(ALL_MODELS)}") from None


def quarterly_origins(first: str, count: int, step: int = 3) -> list[int]:
    """``count`` origins ``step`` months apart from ``first`` (``'2014-12'``)."""
    start = month_id(first)
    return [start + k * step for k in range(count)]


@dataclass
class Prepared:
    """A panel with its features, ready to forecast from."""

    panel: Panel
    features: FeatureSet
    context: dict[str, bool]
    timings: dict[str, float] = field(default_factory=dict)


def prepare(store, region: str, *, unit: str = "pgm", start: str = "1989-01", end: int | None = None,
            cutoff: int | None = None, buffer: int = 1) -> Prepared:
    """Resolve the region (from events up to ``cutoff``), build the panel to ``end`` and its features."""
    timings = {}
    clock = time.perf_counter()
    resolved = resolve_region(store, region, unit=unit, cutoff=cutoff, buffer=buffer)
    if end is None:
        last = store.con.execute("SELECT max(date_start) FROM events WHERE NOT coalesce(deleted, false)").fetchall()[0][0]
        end = last.year * 12 + last.month - 1
    timings["region"] = time.perf_counter() - clock
    clock = time.perf_counter()
    panel = build_panel(store, resolved, month_id(start), end)
    timings["panel"] = time.perf_counter() - clock
    clock = time.perf_counter()
    context = {**un_presence(store, resolved, panel.months), **conflict_intensity(store, resolved, panel.months)}
    features = build_features(panel, context)
    timings["features"] = time.perf_counter() - clock
    return Prepared(panel, features, context_status(store), timings)


@dataclass
class BacktestResult:
    """Scores per model, seed, origin and horizon, PIT values, and what was run."""

    scores: pd.DataFrame  # model, seed, origin, horizon, metric, value
    pit: dict[tuple[str, int], np.ndarray]  # (model, horizon) -> PIT values of units with deaths
    meta: dict

    def by_horizon(self) -> pd.DataFrame:
        """Mean over origins (and seeds) of every metric, per model and horizon."""
        per_seed = self.scores.groupby(["model", "seed", "horizon", "metric"])["value"].mean()
        return per_seed.groupby(["model", "horizon", "metric"]).mean().unstack("metric")

    def pooled(self) -> pd.DataFrame:
        """Per model: the mean over origins and horizons, a 90% bootstrap interval over origins,
        and for learned models the spread over seeds (min, max, std of the pooled mean)."""
        rows = []
        for (model, metric), group in self.scores.groupby(["model", "metric"]):
            by_origin = group.groupby("origin")["value"].mean()
            by_seed = group.groupby("seed")["value"].mean()
            lo, hi = bootstrap_interval(by_origin.to_numpy())
            rows.append({
                "model": model, "metric": metric, "mean": by_origin.mean(), "lo90": lo, "hi90": hi,
                "seeds": len(by_seed), "seed_min": by_seed.min(), "seed_max": by_seed.max(),
                "seed_std": by_seed.std(ddof=0),
            })
        return pd.DataFrame(rows)

    def skill(self, reference: str = "conflictology", metric: str = "crps") -> pd.DataFrame:
        """Per model: relative change of the metric against ``reference`` (negative = lower), with a
        bootstrap interval over origins of the paired difference."""
        table = self.scores[self.scores.metric == metric].groupby(["model", "origin"])["value"].mean().unstack("model")
        rows = []
        for model in table.columns:
            diff = (table[model] - table[reference]).to_numpy()
            lo, hi = bootstrap_interval(diff)
            base = table[reference].mean()
            rows.append({"model": model, "metric": metric, "relative": diff.mean() / base if base else np.nan,
                         "diff": diff.mean(), "diff_lo90": lo, "diff_hi90": hi})
        return pd.DataFrame(rows)

    def pit_histograms(self, bins: int = 10) -> pd.DataFrame:
        """Share of PIT values per bin, per model, pooled over horizons (uniform = 1 / bins each)."""
        rows = []
        models = sorted({m for m, _ in self.pit})
        for model in models:
            values = np.concatenate([v for (m, _), v in self.pit.items() if m == model])
            counts, _ = np.histogram(values, bins=bins, range=(0, 1))
            rows.append({"model": model, **{f"bin{k + 1}": c / max(1, len(values)) for k, c in enumerate(counts)}, "n": len(values)})
        return pd.DataFrame(rows)


def run_backtest(
    store,
    region: str = "africa",
    *,
    origins: list[int],
    horizons: list[int],
    models: list[str] | tuple[str, ...] = DEFAULT_MODELS,
    seeds: list[int] = (0,),
    target: str = "osv_deaths",
    unit: str = "pgm",
    start: str = "1989-01",
    window: int = 120,
    buffer: int = 1,
    prepared: Prepared | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of ``models`` over ``origins`` x ``horizons``.

    The region is defined from events up to the first origin; the panel runs to the last month
    any forecast needs. Baselines run once; learned models once per seed.

    Examples
    --------
    >>> result = run_backtest(store, "MLI", origins=quarterly_origins("2014-12", 12), horizons=list(range(1, 13)))  # doctest: +SKIP
    >>> result.pooled()                                                                                            # doctest: +SKIP
    """
    origins = sorted(int(o) for o in origins)
    if not origins:
        raise InvalidRequestError("a backtest needs at least one origin")
    end = origins[-1] + max(horizons)
    if prepared is None:
        prepared = prepare(store, region, unit=unit, start=start, end=end, cutoff=origins[0], buffer=buffer)
    panel = prepared.panel
    if end > panel.months[-1]:
        raise InvalidRequestError(
            f"the last origin {month_label(origins[-1])} plus {max(horizons)} months goes beyond the data (last month {month_label(panel.months[-1])})"
        )
    y = panel.series[target]
    ctx = ForecastContext(y, prepared.features, window=window)
    k = top_k(len(panel.units))
    records = []
    pit: dict[tuple[str, int], list[np.ndarray]] = {}
    timings: dict[str, float] = {}
    rng = np.random.default_rng(12345)
    for name in models:
        model = make_model(name)
        clock = time.perf_counter()
        for seed in (seeds if model.learned else [0]):
            for origin in origins:
                t0 = panel.month_index(origin)
                for h in horizons:
                    forecast = model.forecast(ctx, t0, h, seed=seed)
                    actual = y[:, t0 + h]
                    for metric, value in score_forecast(forecast.samples, forecast.mean, forecast.prob_any, actual, k).items():
                        records.append((name, seed, month_label(origin), h, metric, value))
                    if seed == (seeds[0] if model.learned else 0):
                        hit = actual > 0
                        pit.setdefault((name, h), []).append(randomized_pit(forecast.samples[hit], actual[hit], rng))
                if progress:
                    progress(f"{name} seed {seed} origin {month_label(origin)} done")
        timings[name] = time.perf_counter() - clock
    scores = pd.DataFrame(records, columns=["model", "seed", "origin", "horizon", "metric", "value"])
    test_months = sorted({o + h for o in origins for h in horizons})
    meta = {
        "region": panel.region.describe(),
        "region_name": panel.region.name,
        "units": len(panel.units),
        "unit": panel.region.unit_kind,
        "target": target,
        "origins": [month_label(o) for o in origins],
        "horizons": list(horizons),
        "models": list(models),
        "seeds": list(seeds),
        "window_months": window,
        "top_k": k,
        "panel_months": f"{month_label(panel.months[0])} to {month_label(panel.months[-1])}",
        "features": prepared.features.names,
        "context": prepared.context,
        "perpetrator_kinds": panel.perpetrator_source,
        "timings": {**prepared.timings, **timings},
        "deaths_outside_region": _deaths_outside(store, panel, test_months, target),
        "lower_is_better": LOWER_IS_BETTER,
    }
    return BacktestResult(scores, {key: np.concatenate(v) for key, v in pit.items()}, meta)


def _deaths_outside(store, panel: Panel, months: list[int], target: str) -> dict[str, float]:
    """Target deaths in the test months that fell in the region's countries but outside its cells."""
    if target != "osv_deaths" or panel.region.unit_kind != "pgm":
        return {}
    from bluehelmet.analysis.forecast.region import region_countries

    _, iso3 = region_countries(panel.region.name if panel.region.name != "Africa" else "africa")
    inside = float(sum(panel.series[target][:, panel.month_index(m)].sum() for m in months))
    rows = store.con.execute(
        "SELECT coalesce(sum(deaths_best), 0) FROM events WHERE violence_category = 'one_sided' AND NOT coalesce(deleted, false) "
        "AND country_iso3 IN (SELECT unnest(?::VARCHAR[])) AND (year(date_start) * 12 + month(date_start) - 1) IN (SELECT unnest(?::BIGINT[]))",
        [iso3, [int(m) for m in months]],
    ).fetchall()
    total = float(rows[0][0])
    return {"in_region": inside, "all_in_countries": total, "share_outside": (total - inside) / total if total else 0.0}

"""Predictive distributions as equally weighted samples, and the training rows of an origin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bluehelmet.analysis.forecast.features import FeatureSet


@dataclass
class Forecast:
    """One horizon's forecast for every unit: ``samples`` (units, S) equally weighted, plus
    the exact ``mean`` and probability of any event ``prob_any`` where the model knows them."""

    samples: np.ndarray
    mean: np.ndarray
    prob_any: np.ndarray

    @classmethod
    def from_samples(cls, samples: np.ndarray) -> "Forecast":
        samples = np.asarray(samples, dtype=np.float32)
        return cls(samples, samples.mean(axis=1), (samples > 0).mean(axis=1).astype(np.float32))

    def quantiles(self, levels=(0.05, 0.5, 0.95)) -> np.ndarray:
        """Quantiles (units, len(levels)) of the sample distribution (the lower of two middle values)."""
        return np.quantile(self.samples, levels, axis=1, method="inverted_cdf").T


@dataclass
class ForecastContext:
    """What a forecaster sees: the target series (only months ``<= origin`` may be used) and features."""

    target: np.ndarray  # (units, months)
    features: FeatureSet
    window: int = 120  # months of training rows
    zero_keep: float = 0.05  # share of training rows without deaths kept (weighted back)


def training_rows(ctx: ForecastContext, origin: int, horizon: int, seed: int = 0):
    """Unit and month indices, weights and targets of the rows a model for ``horizon`` may learn from at ``origin``.

    A row is (unit, month t) with ``t + horizon <= origin``: its features and its target are
    both known at the origin. Rows whose target is zero (the vast majority) are thinned to
    ``zero_keep`` and weighted up by its inverse (case-control sampling with inverse-probability
    weights, which keeps weighted estimates unbiased while cutting training time tenfold).
    """
    last = origin - horizon
    first = max(0, last - ctx.window + 1)
    if last < first:
        raise ValueError(f"no training months before origin index {origin} for horizon {horizon}")
    n_units = ctx.target.shape[0]
    t = np.repeat(np.arange(first, last + 1), n_units)
    u = np.tile(np.arange(n_units), last - first + 1)
    y = ctx.target[u, t + horizon]
    rng = np.random.default_rng([seed, origin, horizon])
    zero = y == 0
    keep = ~zero | (rng.random(len(u)) < ctx.zero_keep)
    weight = np.where(zero[keep], 1.0 / ctx.zero_keep, 1.0).astype(np.float32)
    return u[keep], t[keep], weight, y[keep]

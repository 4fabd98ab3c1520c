"""The standard baselines of conflict forecasting (as in ViEWS's evaluations).

- ``zero``: nothing happens (a point mass at 0);
- ``last``: the origin month repeats (a point mass at the last observed value);
- ``conflictology``: draws from the unit's own last 12 months, i.e. the 12 values are the
  predictive distribution, for every horizon (ViEWS's "conflictology" baseline);
- ``negbin``: a negative-binomial count model (Poisson GLM for the mean, dispersion by the method
  of moments) on a few lags of the unit's own history, its neighbours and its country.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from bluehelmet.analysis.forecast.distribution import Forecast, ForecastContext, training_rows

QUANTILE_LEVELS = (np.arange(100) + 0.5) / 100


class ZeroBaseline:
    name = "zero"
    learned = False

    def forecast(self, ctx: ForecastContext, origin: int, horizon: int, seed: int = 0) -> Forecast:
        n = ctx.target.shape[0]
        return Forecast(np.zeros((n, 1), np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32))


class LastValueBaseline:
    name = "last"
    learned = False

    def forecast(self, ctx: ForecastContext, origin: int, horizon: int, seed: int = 0) -> Forecast:
        return Forecast.from_samples(ctx.target[:, origin : origin + 1])


class ConflictologyBaseline:
    name = "conflictology"
    learned = False

    def __init__(self, months: int = 12) -> None:
        self.months = months

    def forecast(self, ctx: ForecastContext, origin: int, horizon: int, seed: int = 0) -> Forecast:
        first = max(0, origin - self.months + 1)
        return Forecast.from_samples(ctx.target[:, first : origin + 1])


GLM_FEATURES = ("osv_l0", "osv_r3", "osv_r12", "osv_r36", "osv_decay6", "osv_nb1_r12", "osv_nb2_r12", "cty_osv_r12", "sb_r12")


class NegativeBinomialBaseline:
    """Poisson GLM mean (log link) and a negative-binomial dispersion; quantiles as samples."""

    name = "negbin"
    learned = False

    def forecast(self, ctx: ForecastContext, origin: int, horizon: int, seed: int = 0) -> Forecast:
        import statsmodels.api as sm

        names = [n for n in GLM_FEATURES if n in ctx.features.arrays]
        u, t, w, y = training_rows(ctx, origin, horizon, seed=0)
        X = sm.add_constant(ctx.features.rows(u, t, names).astype(np.float64), has_constant="add")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y.astype(np.float64), X, family=sm.families.Poisson(), freq_weights=w).fit(maxiter=50)
        mu_train = np.clip(fit.predict(X), 1e-6, 1e6)
        alpha = float(np.sum(w * ((y - mu_train) ** 2 - mu_train)) / np.sum(w * mu_train**2))
        alpha = min(max(alpha, 1e-3), 1e3)
        units = np.arange(ctx.target.shape[0])
        Xo = sm.add_constant(ctx.features.rows(units, np.full(len(units), origin), names).astype(np.float64), has_constant="add")
        mu = np.clip(fit.predict(Xo), 1e-6, 1e6)
        size = 1.0 / alpha
        p = size / (size + mu)
        samples = stats.nbinom.ppf(QUANTILE_LEVELS[None, :], size, p[:, None]).astype(np.float32)
        prob_any = 1.0 - stats.nbinom.pmf(0, size, p)
        return Forecast(samples, mu.astype(np.float32), prob_any.astype(np.float32))


BASELINES = {
    "zero": ZeroBaseline,
    "last": LastValueBaseline,
    "conflictology": ConflictologyBaseline,
    "negbin": NegativeBinomialBaseline,
}

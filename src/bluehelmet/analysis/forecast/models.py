"""The learned model: a LightGBM hurdle model with a full predictive distribution.

Part one, a gradient-boosted classifier, gives the probability ``p`` of any death in the unit and
month. Part two, a gradient-boosted regressor fit on the unit-months with deaths, gives the
median ``m`` of log deaths; its out-of-fold residuals ``r`` (two folds, so the residuals are honest
rather than in-sample) give the spread. The predictive distribution is the mixture

    0 with probability 1 - p;  exp(m + r) (at least 1) with probability p,

returned as 100 equally weighted quantiles; the mean and ``p`` are exact. One model per horizon
(direct multi-step forecasting, as ViEWS does), retrained at every origin.
"""

from __future__ import annotations

import numpy as np

from bluehelmet.analysis.forecast.baselines import QUANTILE_LEVELS
from bluehelmet.analysis.forecast.distribution import Forecast, ForecastContext, training_rows

CLASSIFIER_PARAMS = dict(
    n_estimators=150, learning_rate=0.05, num_leaves=7, min_child_samples=100, subsample=0.8, subsample_freq=1,
    colsample_bytree=0.8, reg_lambda=5.0, max_bin=63, verbose=-1, force_col_wise=True,
)
REGRESSOR_PARAMS = dict(
    n_estimators=80, learning_rate=0.06, num_leaves=15, min_child_samples=30, subsample=0.8, subsample_freq=1,
    colsample_bytree=0.8, reg_lambda=1.0, max_bin=63, verbose=-1, force_col_wise=True,
)


def mixture_quantiles(p: np.ndarray, m: np.ndarray, residuals: np.ndarray, levels: np.ndarray = QUANTILE_LEVELS) -> np.ndarray:
    """Quantiles of ``0 w.p. 1-p, max(1, exp(m + r)) w.p. p`` at ``levels``, for every unit."""
    r = np.sort(residuals)
    p = np.clip(p, 0.0, 1.0)[:, None]
    v = (levels[None, :] - (1.0 - p)) / np.maximum(p, 1e-12)
    idx = np.clip((v * len(r)).astype(np.int64), 0, len(r) - 1)
    positive = np.maximum(1.0, np.exp(m[:, None] + r[idx]))
    return np.where(v > 0, positive, 0.0).astype(np.float32)


class HurdleLightGBM:
    """Hurdle model: LightGBM classifier for any death x LightGBM regressor for log deaths."""

    name = "hurdle_lgbm"
    learned = True

    def __init__(self, threads: int = 1, **overrides) -> None:
        self.threads = threads
        self.overrides = overrides

    def forecast(self, ctx: ForecastContext, origin: int, horizon: int, seed: int = 0) -> Forecast:
        import lightgbm as lgb

        u, t, w, y = training_rows(ctx, origin, horizon, seed=seed)
        X = ctx.features.rows(u, t)
        units = np.arange(ctx.target.shape[0])
        Xo = ctx.features.rows(units, np.full(len(units), origin))
        positive = y > 0
        common = dict(random_state=seed, n_jobs=self.threads)
        if positive.sum() < 5 or positive.all():
            rate = float(np.average(positive, weights=w))
            p = np.full(len(units), rate, dtype=np.float64)
        else:
            # Fit on the thinned rows unweighted, then undo the thinning of zero rows exactly
            # (prior correction): the odds of the full data are the thinned odds times the keep rate.
            classifier = lgb.LGBMClassifier(**{**CLASSIFIER_PARAMS, **common, **self.overrides})
            classifier.fit(X, positive.astype(np.int8))
            thinned = classifier.predict_proba(Xo)[:, 1]
            p = thinned * ctx.zero_keep / (thinned * ctx.zero_keep + 1.0 - thinned)
        log_y = np.log(y[positive].astype(np.float64))
        Xp = X[positive]
        m, residuals = self._positive_part(Xp, log_y, Xo, seed, common)
        samples = mixture_quantiles(p, m, residuals)
        positive_mean = np.maximum(1.0, np.exp(m[:, None] + np.sort(residuals)[None, :])).mean(axis=1)
        return Forecast(samples, (p * positive_mean).astype(np.float32), p.astype(np.float32))

    def _positive_part(self, Xp, log_y, Xo, seed, common):
        import lightgbm as lgb

        if len(log_y) < 40:
            centre = float(np.median(log_y)) if len(log_y) else 0.0
            return np.full(len(Xo), centre), (log_y - centre) if len(log_y) else np.zeros(1)
        rng = np.random.default_rng(seed)
        fold = rng.random(len(log_y)) < 0.5
        residuals = np.empty(len(log_y))
        predictions = np.zeros(len(Xo))
        for held_out in (fold, ~fold):
            regressor = lgb.LGBMRegressor(**{**REGRESSOR_PARAMS, **common})
            regressor.fit(Xp[~held_out], log_y[~held_out])
            residuals[held_out] = log_y[held_out] - regressor.predict(Xp[held_out])
            predictions += regressor.predict(Xo) / 2
        return predictions, residuals


MODELS = {"hurdle_lgbm": HurdleLightGBM}

"""Proper scores and evaluation measures for count forecasts given as equally weighted samples.

All functions take ``samples`` (units, S), or the forecast mean / probability, and the observed
values ``y`` (units,), and return the average over units unless said otherwise.
"""

from __future__ import annotations

import numpy as np

METRICS = ("crps", "mse", "msle", "brier", "ap", "topk_recall")
LOWER_IS_BETTER = {"crps": True, "mse": True, "msle": True, "brier": True, "ap": False, "topk_recall": False}


def crps_samples(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of each unit's sample distribution (the energy form ``E|X-y| - E|X-X'|/2``).

    Uses the sorted-sample identity, exact for the empirical distribution of the samples.

    >>> float(crps_samples(np.array([[0.0, 2.0]]), np.array([1.0]))[0])
    0.5
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=1)
    m = x.shape[1]
    y = np.asarray(y, dtype=np.float64)[:, None]
    first = np.abs(x - y).mean(axis=1)
    weights = (2 * np.arange(1, m + 1) - m - 1) / (m * m)
    return first - (x * weights[None, :]).sum(axis=1)


def mse(mean: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the forecast mean."""
    return float(np.mean((np.asarray(mean, np.float64) - y) ** 2))


def msle(mean: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of ``log1p`` of the forecast mean against ``log1p`` of the outcome."""
    return float(np.mean((np.log1p(np.maximum(mean, 0)) - np.log1p(y)) ** 2))


def brier(prob: np.ndarray, y: np.ndarray) -> float:
    """Brier score of the probability of any death."""
    return float(np.mean((np.asarray(prob, np.float64) - (np.asarray(y) > 0)) ** 2))


def average_precision(prob: np.ndarray, y: np.ndarray) -> float:
    """Average precision for "any death" (NaN when no unit had any)."""
    from sklearn.metrics import average_precision_score

    truth = np.asarray(y) > 0
    if not truth.any():
        return float("nan")
    return float(average_precision_score(truth, prob))


def topk_recall(mean: np.ndarray, y: np.ndarray, k: int) -> float:
    """Share of all deaths that fell in the ``k`` units with the highest forecast mean.

    Ties are broken by unit order, so a constant forecast scores about ``k / units``.
    """
    total = float(np.sum(y))
    if total <= 0:
        return float("nan")
    top = np.argsort(-np.asarray(mean, np.float64), kind="stable")[:k]
    return float(np.sum(np.asarray(y)[top]) / total)


def randomized_pit(samples: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised probability integral transform of discrete outcomes (uniform if calibrated).

    ``F(y-) + U * (F(y) - F(y-))`` with ``F`` the sample distribution function.
    """
    y = np.asarray(y, dtype=np.float64)[:, None]
    below = (samples < y).mean(axis=1)
    at_or_below = (samples <= y).mean(axis=1)
    return below + rng.random(len(below)) * (at_or_below - below)


def top_k(units: int) -> int:
    """The k of top-k recall: 1% of the units, at least 10."""
    return max(10, int(round(units * 0.01)))


def score_forecast(samples, mean, prob, y, k: int) -> dict[str, float]:
    """Every metric of one forecast (one origin, one horizon) against its outcome."""
    y = np.asarray(y, dtype=np.float64)
    return {
        "crps": float(np.mean(crps_samples(samples, y))),
        "mse": mse(mean, y),
        "msle": msle(mean, y),
        "brier": brier(prob, y),
        "ap": average_precision(prob, y),
        "topk_recall": topk_recall(mean, y, k),
    }


def bootstrap_interval(values_by_origin: np.ndarray, draws: int = 2000, level: float = 0.9, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean over origins, resampling origins with replacement."""
    values = np.asarray(values_by_origin, dtype=np.float64)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(draws, len(values)))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))

"""Scores against independent implementations and hand calculations."""

import numpy as np
import properscoring

from bluehelmet.analysis.forecast.models import mixture_quantiles
from bluehelmet.analysis.forecast.scores import (
    average_precision, bootstrap_interval, brier, crps_samples, msle, randomized_pit, topk_recall,
)


def test_crps_matches_properscoring():
    rng = np.random.default_rng(3)
    samples = rng.poisson(3, size=(50, 40)).astype(float) * rng.integers(0, 2, size=(50, 1))
    y = rng.poisson(2, size=50).astype(float)
    np.testing.assert_allclose(crps_samples(samples, y), properscoring.crps_ensemble(y, samples), rtol=1e-9, atol=1e-12)
    # A point mass: CRPS is the absolute error.
    np.testing.assert_allclose(crps_samples(np.array([[4.0]]), np.array([1.0])), [3.0])


def test_point_scores_by_hand():
    y = np.array([0, 3, 0, 10])
    assert brier(np.array([0.5, 1.0, 0.0, 0.5]), y) == (0.25 + 0 + 0 + 0.25) / 4
    assert msle(np.array([0, np.e - 1, 0, 0]), np.array([0, 0, 0, 0])) == 0.25
    assert topk_recall(np.array([0.1, 5.0, 0.0, 0.2]), y, 1) == 3 / 13
    assert topk_recall(np.array([0.1, 5.0, 0.0, 0.2]), y, 2) == 1.0
    assert average_precision(np.array([0.1, 0.9, 0.2, 0.8]), y) == 1.0
    assert np.isnan(average_precision(np.array([0.1, 0.9]), np.array([0, 0])))


def test_pit_is_uniform_for_a_calibrated_forecast():
    rng = np.random.default_rng(7)
    lam = rng.uniform(0.5, 20, size=4000)
    y = rng.poisson(lam)
    samples = rng.poisson(lam[:, None], size=(4000, 400)).astype(float)
    counts, _ = np.histogram(randomized_pit(samples, y, rng), bins=10, range=(0, 1))
    assert np.all(np.abs(counts / 4000 - 0.1) < 0.025)
    # A forecast far too low piles the PIT at 1.
    low, _ = np.histogram(randomized_pit(samples / 4, y, rng), bins=10, range=(0, 1))
    assert low[-1] / 4000 > 0.4


def test_mixture_quantiles_respect_the_hurdle():
    q = mixture_quantiles(np.array([0.0, 0.25, 1.0]), np.array([1.0, 1.0, 1.0]), np.zeros(5), levels=np.array([0.1, 0.5, 0.8, 0.99]))
    assert q[0].tolist() == [0, 0, 0, 0]
    assert q[1].tolist() == [0, 0, np.float32(np.e), np.float32(np.e)]
    assert (q[2] == np.float32(np.e)).all()


def test_bootstrap_interval_covers_the_mean():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    lo, hi = bootstrap_interval(values)
    assert lo < 3.5 < hi and lo >= 1 and hi <= 6

"""A small rolling-origin backtest on real Sahel events, its scores and its HTML report."""

import numpy as np

from bluehelmet.analysis.forecast.backtest import quarterly_origins, run_backtest
from bluehelmet.analysis.forecast.months import month_id
from bluehelmet.analysis.forecast.report import write_report
from bluehelmet.analysis.forecast.scores import crps_samples

MODELS = ("zero", "last", "conflictology", "negbin", "hurdle_lgbm")


def test_backtest_scores_every_model_origin_and_horizon(sahel_store, tmp_path):
    origins = quarterly_origins("2015-12", 2, step=6)
    result = run_backtest(sahel_store, "MLI,BFA,NER", origins=origins, horizons=[1, 2], models=MODELS, seeds=[0, 1], start="2006-01", window=72)
    scores = result.scores
    # Baselines once, the learned model once per seed; six metrics each.
    assert len(scores) == (4 * 1 + 1 * 2) * 2 * 2 * 6
    assert set(scores.model) == set(MODELS)
    zero = scores[(scores.model == "zero") & (scores.metric == "crps")]
    # The zero forecast's CRPS is the mean of the outcome: check one against the panel by hand.
    from bluehelmet.analysis.forecast.backtest import prepare

    prepared = prepare(sahel_store, "MLI,BFA,NER", start="2006-01", end=month_id("2016-09"), cutoff=origins[0])
    y = prepared.panel.series["osv_deaths"][:, prepared.panel.month_index(origins[0] + 2)]
    got = zero[(zero.origin == "2015-12") & (zero.horizon == 2)].value.iloc[0]
    assert np.isclose(got, y.mean())
    # Conflictology at origin 2015-12: samples are the last 12 months of each cell.
    t0 = prepared.panel.month_index(origins[0])
    history = prepared.panel.series["osv_deaths"][:, t0 - 11 : t0 + 1]
    expected = crps_samples(history, y).mean()
    got = scores[(scores.model == "conflictology") & (scores.metric == "crps") & (scores.origin == "2015-12") & (scores.horizon == 2)].value.iloc[0]
    assert np.isclose(got, expected)
    pooled = result.pooled().set_index(["model", "metric"])
    assert pooled.loc[("hurdle_lgbm", "crps"), "seeds"] == 2
    assert pooled.loc[("zero", "ap"), "mean"] < pooled.loc[("hurdle_lgbm", "ap"), "mean"]
    assert result.meta["deaths_outside_region"]["all_in_countries"] >= 0
    hist = result.pit_histograms()
    assert np.allclose(hist.filter(like="bin").sum(axis=1), 1.0)
    path = write_report(result, tmp_path / "report.html")
    html = path.read_text()
    for name in MODELS:
        assert f"vs {name}" in html or name == "hurdle_lgbm"
        assert name in html
    assert "UCDP" in html and html.count("data:image/png;base64,") == 2

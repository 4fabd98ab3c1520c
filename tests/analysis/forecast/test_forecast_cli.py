"""``bluehelmet forecast predict`` and ``backtest`` on the real Sahel store."""

import pandas as pd

from bluehelmet.analysis.forecast.region import resolve_region
from bluehelmet.analysis.forecast.months import month_id


def test_predict_writes_one_row_per_unit_month_and_horizon(cli, sahel_store_path, tmp_path):
    out = tmp_path / "mali.csv"
    result = cli("--db", sahel_store_path, "forecast", "predict", "--train-until", "2017-12", "--horizons", "1-3",
                 "--unit", "pgm", "--region", "MLI", "--window", "60", "--out", out, "--map", tmp_path / "map.png")
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(out)
    for column in ("unit_id", "month", "horizon", "mean", "prob_any", "q05", "q50", "q95"):
        assert column in frame.columns
    import bluehelmet

    with bluehelmet.open(sahel_store_path, read_only=True) as store:
        region = resolve_region(store, "MLI", cutoff=month_id("2017-12"))
    assert len(frame) == len(region) * 3
    assert set(frame.month) == {"2018-01", "2018-02", "2018-03"}
    assert frame.groupby("horizon").unit_id.nunique().tolist() == [len(region)] * 3
    assert ((frame.q05 <= frame.q50) & (frame.q50 <= frame.q95)).all()
    assert frame.prob_any.between(0, 1).all() and (frame["mean"] >= 0).all()
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"


def test_predict_rejects_a_bad_month_and_region(cli, sahel_store_path, tmp_path):
    bad = cli("--db", sahel_store_path, "forecast", "predict", "--train-until", "2017-13", "--region", "MLI", "--out", tmp_path / "x.csv")
    assert bad.exit_code == 2 and "2017-13" in bad.stderr
    bad = cli("--db", sahel_store_path, "forecast", "predict", "--train-until", "2017-12", "--region", "XXX", "--out", tmp_path / "x.csv")
    assert bad.exit_code == 2 and "unknown region" in bad.stderr
    bad = cli("--db", sahel_store_path, "forecast", "predict", "--train-until", "2017-12", "--region", "Mail", "--out", tmp_path / "x.csv")
    assert bad.exit_code == 2 and "did you mean Mali (MLI)?" in bad.stderr


def test_backtest_command_writes_report_and_scores(cli, sahel_store_path, tmp_path):
    result = cli("--db", sahel_store_path, "forecast", "backtest", "--region", "MLI", "--first-origin", "2016-06", "--origins", "2",
                 "--horizons", "1-2", "--models", "conflictology,hurdle_lgbm", "--window", "36", "--start", "2010-01",
                 "--report", tmp_path / "r.html", "--scores", tmp_path / "s.csv")
    assert result.exit_code == 0, result.stderr
    scores = pd.read_csv(tmp_path / "s.csv")
    assert set(scores.model) == {"conflictology", "hurdle_lgbm"} and set(scores.horizon) == {1, 2}
    assert "CRPS" in result.stdout and (tmp_path / "r.html").exists()

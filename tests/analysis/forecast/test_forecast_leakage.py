"""No forecast may use information from after its origin: alter every later event, forecasts stay identical."""

import numpy as np

from bluehelmet.analysis.forecast.backtest import make_model, prepare
from bluehelmet.analysis.forecast.distribution import ForecastContext
from bluehelmet.analysis.forecast.months import month_id

ORIGIN = "2015-06"
HORIZONS = (1, 6)


def _forecasts(store):
    origin = month_id(ORIGIN)
    # The panel runs a year past the origin, as in a backtest: the future is in the arrays.
    prepared = prepare(store, "MLI,BFA,NER", start="2004-01", end=origin + 12, cutoff=origin)
    ctx = ForecastContext(prepared.panel.series["osv_deaths"], prepared.features, window=96)
    t0 = prepared.panel.month_index(origin)
    out = {}
    for name in ("hurdle_lgbm", "negbin", "conflictology", "last"):
        model = make_model(name)
        for h in HORIZONS:
            forecast = model.forecast(ctx, t0, h, seed=0)
            out[name, h] = (forecast.samples, forecast.mean, forecast.prob_any)
    return prepared, out


def _scramble_future(store):
    """Shuffle deaths, places and violence types among events after the origin, and add new ones."""
    cutoff = f"{ORIGIN}-01"
    con = store.con
    con.execute(
        """
        CREATE TEMP TABLE future AS
        SELECT uid, row_number() OVER (ORDER BY hash(uid)) AS k FROM events WHERE date_start >= CAST(? AS DATE) + INTERVAL 1 MONTH
        """,
        [cutoff],
    )
    con.execute(
        """
        UPDATE events SET
          deaths_best = e2.deaths_best * 7 + 3, latitude = e2.latitude, longitude = e2.longitude,
          priogrid_gid = e2.priogrid_gid,
          violence_category = CASE events.violence_category WHEN 'one_sided' THEN 'state_based' ELSE 'one_sided' END,
          side_a = 'Government of Mali'
        FROM future f1 JOIN future f2 ON f2.k = (f1.k % (SELECT count(*) FROM future)) + 1
             JOIN events e2 ON e2.uid = f2.uid
        WHERE events.uid = f1.uid
        """
    )
    # New massacres after the origin, all over the region's cells.
    con.execute(
        """
        INSERT INTO events (uid, source, source_id, date_start, date_end, latitude, longitude, country, country_iso3,
                            priogrid_gid, violence_category, side_a, deaths_best)
        SELECT 'fake:' || uid, 'test', uid, date_start + INTERVAL 20 DAY, date_end, latitude + 0.6, longitude - 0.6, country,
               country_iso3, priogrid_gid + 721, 'one_sided', 'Armed group', 500
        FROM events WHERE date_start >= CAST(? AS DATE) + INTERVAL 1 MONTH
        """,
        [cutoff],
    )


def test_forecasts_do_not_change_when_the_future_changes(sahel_store):
    before_prepared, before = _forecasts(sahel_store)
    _scramble_future(sahel_store)
    after_prepared, after = _forecasts(sahel_store)
    # The scramble really changed the data after the origin (so this test can fail) ...
    t0 = before_prepared.panel.month_index(month_id(ORIGIN))
    y_before = before_prepared.panel.series["osv_deaths"]
    y_after = after_prepared.panel.series["osv_deaths"]
    assert not np.array_equal(y_before[:, t0 + 1 :], y_after[:, t0 + 1 :])
    assert not np.array_equal(before_prepared.features.arrays["osv_r12"][:, t0 + 1 :], after_prepared.features.arrays["osv_r12"][:, t0 + 1 :])
    # ... and left everything up to the origin as it was.
    np.testing.assert_array_equal(y_before[:, : t0 + 1], y_after[:, : t0 + 1])
    # The learned model really learned (probabilities vary by cell), so the comparison bites.
    assert len(np.unique(before["hurdle_lgbm", 1][2])) > 20
    for key, (samples, mean, prob) in before.items():
        samples2, mean2, prob2 = after[key]
        np.testing.assert_array_equal(samples, samples2, err_msg=f"{key} samples changed")
        np.testing.assert_array_equal(mean, mean2, err_msg=f"{key} mean changed")
        np.testing.assert_array_equal(prob, prob2, err_msg=f"{key} prob_any changed")

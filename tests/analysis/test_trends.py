"""Trends: the exact rate-ratio test and the escalation flags, computed independently."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bluehelmet.analysis.trends import benjamini_hochberg, rate_ratio_test, trends
from bluehelmet.errors import InvalidRequestError

from mali_fixtures import add_events

MOPTI = (14.49, -4.19)
GAO = (16.27, -0.04)


def _binom_two_sided(x: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value by summing every outcome no likelier than x (by hand)."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[x] * (1 + 1e-7)))


@pytest.mark.parametrize("recent, baseline, t_r, t_b", [(12, 6, 3, 12), (2, 30, 3, 9), (5, 5, 1, 1), (0, 10, 3, 12)])
def test_rate_ratio_test_matches_a_hand_computation(recent, baseline, t_r, t_b):
    got = rate_ratio_test(recent, baseline, t_r, t_b)
    p0 = t_r / (t_r + t_b)
    n = recent + baseline
    assert got["p_value"] == pytest.approx(_binom_two_sided(recent, n, p0), rel=1e-6)
    assert got["rate_ratio"] == pytest.approx((recent / t_r) / (baseline / t_b))
    # Clopper-Pearson bounds from the beta distribution, turned into rate ratios.
    low = stats.beta.ppf(0.025, recent, n - recent + 1) if recent else 0.0
    high = stats.beta.ppf(0.975, recent + 1, n - recent) if recent < n else 1.0
    assert got["ci_low"] == pytest.approx(low / (1 - low) * t_b / t_r, rel=1e-6)
    if high < 1:
        assert got["ci_high"] == pytest.approx(high / (1 - high) * t_b / t_r, rel=1e-6)
    assert got["ci_low"] <= got["rate_ratio"] <= got["ci_high"]


def test_benjamini_hochberg_matches_statsmodels():
    p = np.array([0.001, 0.04, 0.03, 0.2, 0.5, 0.011, 0.9])
    assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1])


def _monthly(uid_prefix, point, months_counts, category="one_sided", side_a="JNIM"):
    rows = []
    for month, count in months_counts.items():
        for k in range(count):
            rows.append({"uid": f"{uid_prefix}:{month}:{k}", "date_start": f"{month}-{k + 1:02d}", "violence_category": category,
                         "latitude": point[0], "longitude": point[1], "side_a": side_a, "side_b": "Civilians", "deaths_best": 1})
    return rows


def test_escalation_and_stable_areas_on_hand_written_events(mali_units):
    baseline = [f"2020-{m:02d}" for m in range(1, 10)]
    # Mopti: 1 event a month for 9 months, then 6 a month for 3 months: an escalation.
    mopti = _monthly("m", MOPTI, {**{m: 1 for m in baseline}, "2020-10": 6, "2020-11": 6, "2020-12": 6})
    # Gao: 2 a month throughout: stable.
    gao = _monthly("g", GAO, {f"2020-{m:02d}": 2 for m in range(1, 13)})
    # Coded Mali but far outside every unit: counted as unassigned, not dropped.
    outside = _monthly("o", (20.0, 10.0), {"2020-02": 1, "2020-11": 2})
    add_events(mali_units, mopti + gao + outside)
    frame = trends(mali_units, "MLI", "2020-01", "2020-12", level="admin1", recent_months=3).set_index("area_code")
    m = frame.loc["ML05"]
    assert (m["baseline_events"], m["recent_events"]) == (9, 18)
    assert m["rate_ratio"] == pytest.approx((18 / 3) / (9 / 9))
    assert m["p_value"] == pytest.approx(_binom_two_sided(18, 27, 3 / 12), rel=1e-6)
    assert m["flag"] == "escalation"
    assert frame.loc["ML07", "flag"] == "stable" and frame.loc["ML07", "rate_ratio"] == pytest.approx(1.0)
    assert len(m["recent_event_ids"]) == 18 and all(uid.startswith("m:2020-1") for uid in m["recent_event_ids"])
    assert frame.loc["ML05", "baseline_period"] == "2020-01..2020-09"
    assert tuple(frame.loc["unassigned", ["baseline_events", "recent_events"]]) == (1, 2)


def test_trends_need_a_baseline(mali_units):
    add_events(mali_units, _monthly("x", MOPTI, {"2020-01": 1}))
    with pytest.raises(InvalidRequestError, match="at least 3 baseline months"):
        trends(mali_units, "MLI", "2020-01", "2020-04", recent_months=3)


def test_trends_on_real_data_count_every_event(mali):
    frame = trends(mali, "MLI", "2017-01", "2018-12", level="admin2", recent_months=3)
    from bluehelmet.analysis.threats import threat_matrix

    total = threat_matrix(mali, "MLI", "2017-01", "2018-12", by=[]).totals()["events"]
    assert frame["baseline_events"].sum() + frame["recent_events"].sum() == total
    # Every event has a cercle: ucdp:240312, 142 m outside the COD-AB polygons, takes the nearest.
    assert "unassigned" not in set(frame["area_code"])
    assert set(frame["flag"]) <= {"escalation", "de-escalation", "stable", "too few events"}

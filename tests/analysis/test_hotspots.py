"""Emerging hotspots: Gi* and Mann-Kendall against direct computations, patterns on hand-made events."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from bluehelmet.analysis.hotspots import classify, getis_ord_gi_star, hotspots, mann_kendall
from bluehelmet.geo import priogrid

from mali_fixtures import add_events


def _gi_star_by_loops(x, neighbours):
    """Gi* written out term by term from Ord & Getis (1995), binary weights with the location itself."""
    n = len(x)
    mean = sum(x) / n
    s = math.sqrt(sum(v * v for v in x) / n - mean * mean)
    out = []
    for i in range(n):
        js = set(neighbours[i]) | {i}
        w = len(js)
        num = sum(x[j] for j in js) - mean * w
        den = s * math.sqrt((n * w - w * w) / (n - 1))
        out.append(num / den)
    return out


def test_gi_star_matches_the_formula_written_out():
    rng = np.random.default_rng(7)
    side = 6  # a 6 x 6 lattice with queen neighbours
    x = rng.poisson(2.0, size=side * side).astype(float)
    neighbours = []
    rows, cols = [], []
    for i in range(side * side):
        r, c = divmod(i, side)
        nb = [(r + dr) * side + (c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)
              if (dr or dc) and 0 <= r + dr < side and 0 <= c + dc < side]
        neighbours.append(nb)
        for j in nb + [i]:
            rows.append(i)
            cols.append(j)
    w = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(side * side, side * side))
    assert getis_ord_gi_star(x, w)[:, 0] == pytest.approx(_gi_star_by_loops(list(x), neighbours))
    # A month with no events gives 0, not NaN.
    assert (getis_ord_gi_star(np.zeros(side * side), w) == 0).all()


@pytest.mark.parametrize("series", [[1, 2, 3, 4, 5, 6, 7, 8], [5, 3, 3, 1, 0, 0, 2, 0, 0, 0], [0.5, 2.1, -1, 3, 3, 3, 0.2, 4, 4]])
def test_mann_kendall_matches_kendall_tau_b(series):
    s, z, p = mann_kendall(np.array(series, dtype=float))
    tau, p_scipy = stats.kendalltau(np.arange(len(series)), series, method="asymptotic")
    assert p == pytest.approx(p_scipy, rel=1e-9)
    assert np.sign(s) == np.sign(tau)
    x = np.array(series)
    assert s == sum(np.sign(x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x)))


@pytest.mark.parametrize("hot, z, p, expected", [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.0, 1.0, "new"),
    ([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], 2.5, 0.01, "consecutive"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2.5, 0.01, "intensifying"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0.3, 0.7, "persistent"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], -2.5, 0.01, "diminishing"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 0.0, 1.0, "historical"),
    ([0, 1, 0, 0, 1, 0, 0, 1, 0, 1], 0.0, 1.0, "sporadic"),
    ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.0, 1.0, "no pattern"),
])
def test_patterns(hot, z, p, expected):
    assert classify(np.array(hot, dtype=bool), z, p) == expected


def test_a_cluster_in_the_last_month_is_a_new_hotspot_on_the_grid(store):
    # Background: one event a month scattered over 12 distant cells; then a burst in one cell.
    rows = []
    for m in range(1, 13):
        for k in range(12):
            lat, lon = 11.0 + 0.5 * k, -11.0 + 1.5 * k
            rows.append({"uid": f"b:{m}:{k}", "date_start": f"2021-{m:02d}-10", "violence_category": "one_sided",
                         "latitude": lat, "longitude": lon, "side_a": "X", "side_b": "Civilians", "deaths_best": 1})
    burst = (15.25, -2.75)
    for k in range(15):
        rows.append({"uid": f"c:{k}", "date_start": "2021-12-20", "violence_category": "one_sided",
                     "latitude": burst[0], "longitude": burst[1], "side_a": "Y", "side_b": "Civilians", "deaths_best": 2})
    add_events(store, rows)
    frame = hotspots(store, "MLI", "2021-01", "2021-12", level="grid").set_index("location")
    cell = str(int(priogrid.gid(*burst)))
    assert frame.loc[cell, "pattern"] == "new"
    assert frame.loc[cell, "events"] == 15 and frame.loc[cell, "civilian_deaths"] == 30
    assert sorted(frame.loc[cell, "event_ids"]) == sorted(f"c:{k}" for k in range(15))
    # Without boundaries the grid is the event cells and their neighbours.
    assert set(priogrid.neighbours([int(cell)])[0].tolist()) <= {int(c) for c in frame.index if c != "unassigned"}
    assert frame["events"].sum() == len(rows)


def test_admin2_hotspots_on_real_data_account_for_every_event(mali):
    from bluehelmet.analysis.threats import threat_matrix

    frame = hotspots(mali, "MLI", "2017-01", "2018-12", level="admin2")
    total = threat_matrix(mali, "MLI", "2017-01", "2018-12", by=[]).totals()["events"]
    assert frame["events"].sum() == total
    assert len(frame) == 50 + 1  # 50 cercles and the unassigned row
    assert frame.attrs["gi_star"].shape == (50, 24)
    koro = frame.set_index("location").loc["ML0507"]
    assert koro["events"] == len(koro["event_ids"]) and set(koro["event_ids"]) <= set(koro["neighbourhood_event_ids"])

"""Causal features of a unit-month panel: the value at month ``t`` only uses months ``<= t``.

Every feature is a dense ``(units, months)`` float32 array computed once for the whole panel
with running sums and running maxima along time, never with anything that looks ahead; a model
trained at origin ``T`` takes rows ``t <= T - h`` (whose targets are ``<= T``) and predicts from
row ``T``. The test ``tests/analysis/forecast/test_leakage.py`` proves it by altering every
event after an origin and checking the forecasts do not change.

Families (``{v}`` is ``osv``, ``sb`` or ``ns``):

- temporal lags and decays: ``{v}_l0..l2`` (log deaths this month and the two before),
  ``{v}_r3/r6/r12/r36`` (log deaths over the last k months), ``{v}_ev_r12`` (log events),
  ``{v}_tsince`` (months since the last event, capped), ``{v}_decay6/24`` (``2^(-tsince/halflife)``);
- spatial lags over neighbouring PRIO-GRID cells: ``{v}_nb1_l0``, ``{v}_nb1_r12`` (the 8 cells
  around), ``{v}_nb2_r12`` (the 16 of the second ring), ``{v}_nb1_tsince``;
- the mix of violence types: ``osv_share_r12`` (share of deaths that were one-sided),
  ``osv_ev_share_r12`` (of events), ``osv_share_nb_r36`` (around the cell);
- perpetrator kinds: ``osv_state_r12``, ``osv_nonstate_r12`` (log deaths by state forces / others),
  ``osv_state_share_nb_r36``;
- country level: ``cty_osv_r12``, ``cty_sb_r12``, ``cty_osv_l0`` and, when the ``conflicts``
  table has rows, ``acd_intensity``, ``acd_conflicts`` (previous year, UCDP/PRIO ACD);
- UN presence when stored: ``un_troops``, ``un_sites``, ``un_troops_nb1``, ``un_base_troops``,
  ``un_base_troops_nb1`` (log).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bluehelmet.analysis.forecast.panel import Panel
from bluehelmet.geo import priogrid

TSINCE_CAP = 120.0
VIOLENCE = ("osv", "sb", "ns")


def rolling_sum(x: np.ndarray, k: int) -> np.ndarray:
    """Sum over the last ``k`` months, this one included (fewer at the start of the panel)."""
    cs = np.cumsum(x, axis=1, dtype=np.float64)
    out = cs.copy()
    out[:, k:] -= cs[:, :-k]
    return out.astype(np.float32)


def lag(x: np.ndarray, k: int) -> np.ndarray:
    """The value ``k`` months earlier (zero before the panel starts)."""
    out = np.zeros_like(x)
    if k < x.shape[1]:
        out[:, k:] = x[:, : x.shape[1] - k]
    return out


def time_since(x: np.ndarray, cap: float = TSINCE_CAP) -> np.ndarray:
    """Months since the last month with ``x > 0`` (0 in such a month; ``cap`` when never or long ago)."""
    t = np.arange(x.shape[1], dtype=np.float64)
    last = np.where(x > 0, t, -np.inf)
    np.maximum.accumulate(last, axis=1, out=last)
    return np.minimum(t - last, cap).astype(np.float32)


def neighbour_index(units: np.ndarray, radius: int, ring_only: bool = False) -> np.ndarray:
    """Row index of each cell's neighbours within the region (``len(units)`` for a neighbour outside it)."""
    around = priogrid.neighbours(units, radius)
    if ring_only and radius > 1:
        inner = set(map(tuple, [(dr, dc) for dr in range(-radius + 1, radius) for dc in range(-radius + 1, radius)]))
        offsets = [(dr, dc) for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1) if (dr, dc) != (0, 0)]
        around = around[:, [k for k, o in enumerate(offsets) if o not in inner]]
    position = {int(g): i for i, g in enumerate(units)}
    missing = len(units)
    return np.vectorize(lambda g: position.get(int(g), missing), otypes=[np.int64])(around)


def spatial_sum(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Sum of ``x`` over each unit's neighbours (``index`` from :func:`neighbour_index`)."""
    padded = np.vstack([x, np.zeros((1, x.shape[1]), dtype=x.dtype)])
    out = np.zeros_like(x)
    for k in range(index.shape[1]):
        out += padded[index[:, k]]
    return out


def _log(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.maximum(x, 0)).astype(np.float32)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0).astype(np.float32)


def _country_sum(x: np.ndarray, countries: np.ndarray) -> np.ndarray:
    """Each unit gets the sum of ``x`` over all units of its country."""
    codes, inverse = np.unique(countries.astype(str), return_inverse=True)
    totals = np.zeros((len(codes), x.shape[1]), dtype=np.float64)
    np.add.at(totals, inverse, x)
    return totals[inverse].astype(np.float32)


@dataclass
class FeatureSet:
    """Named causal features, each ``(units, months)``; :meth:`rows` gathers model inputs."""

    names: list[str]
    arrays: dict[str, np.ndarray]
    activity: np.ndarray  # events of any type within two cells over 36 months (for sampling quiet rows)

    def rows(self, unit_index: np.ndarray, month_index: np.ndarray, names: list[str] | None = None) -> np.ndarray:
        """The feature matrix ``(rows, features)`` of the given unit-month positions."""
        names = names or self.names
        out = np.empty((len(unit_index), len(names)), dtype=np.float32)
        for k, name in enumerate(names):
            out[:, k] = self.arrays[name][unit_index, month_index]
        return out


def build_features(panel: Panel, context: dict[str, np.ndarray] | None = None) -> FeatureSet:
    """All causal features of a panel; ``context`` adds UN presence and ACD arrays when present.

    >>> features = build_features(panel)           # doctest: +SKIP
    >>> features.rows(np.array([0]), np.array([12])).shape  # doctest: +SKIP
    (1, 52)
    """
    s = panel.series
    f: dict[str, np.ndarray] = {}
    spatial = panel.region.unit_kind == "pgm"
    if spatial:
        ring1 = neighbour_index(panel.units, 1)
        ring2 = neighbour_index(panel.units, 2, ring_only=True)
    for v in VIOLENCE:
        d = s[f"{v}_deaths"]
        for k in (0, 1, 2):
            f[f"{v}_l{k}"] = _log(lag(d, k))
        for k in (3, 6, 12, 36):
            f[f"{v}_r{k}"] = _log(rolling_sum(d, k))
        f[f"{v}_ev_r12"] = _log(rolling_sum(s[f"{v}_events"], 12))
        tsince = time_since(s[f"{v}_events"])
        f[f"{v}_tsince"] = tsince
        for halflife in (6, 24):
            f[f"{v}_decay{halflife}"] = np.exp2(-tsince / halflife).astype(np.float32)
        if spatial:
            nb1 = spatial_sum(d, ring1)
            f[f"{v}_nb1_l0"] = _log(nb1)
            f[f"{v}_nb1_r12"] = _log(rolling_sum(nb1, 12))
            f[f"{v}_nb2_r12"] = _log(rolling_sum(spatial_sum(d, ring2), 12))
            f[f"{v}_nb1_tsince"] = time_since(spatial_sum(s[f"{v}_events"], ring1))
    deaths_all = s["osv_deaths"] + s["sb_deaths"] + s["ns_deaths"]
    events_all = s["osv_events"] + s["sb_events"] + s["ns_events"]
    f["osv_share_r12"] = _share(rolling_sum(s["osv_deaths"], 12), rolling_sum(deaths_all, 12))
    f["osv_ev_share_r12"] = _share(rolling_sum(s["osv_events"], 12), rolling_sum(events_all, 12))
    f["osv_state_r12"] = _log(rolling_sum(s["osv_deaths_state"], 12))
    f["osv_nonstate_r12"] = _log(rolling_sum(s["osv_deaths_nonstate"], 12))
    if spatial:
        around_osv = rolling_sum(s["osv_deaths"] + spatial_sum(s["osv_deaths"], ring1), 36)
        around_all = rolling_sum(deaths_all + spatial_sum(deaths_all, ring1), 36)
        around_state = rolling_sum(s["osv_deaths_state"] + spatial_sum(s["osv_deaths_state"], ring1), 36)
        f["osv_share_nb_r36"] = _share(around_osv, around_all)
        f["osv_state_share_nb_r36"] = _share(around_state, around_osv)
        activity = rolling_sum(events_all + spatial_sum(events_all, ring1) + spatial_sum(events_all, ring2), 36)
    else:
        activity = rolling_sum(events_all, 36)
    countries = panel.region.countries
    f["cty_osv_r12"] = _log(rolling_sum(_country_sum(s["osv_deaths"], countries), 12))
    f["cty_sb_r12"] = _log(rolling_sum(_country_sum(s["sb_deaths"], countries), 12))
    f["cty_osv_l0"] = _log(_country_sum(s["osv_deaths"], countries))
    for name, array in (context or {}).items():
        if name.startswith("acd_"):
            f[name] = array.astype(np.float32)
        else:
            f[name] = _log(array)
            if spatial and name in ("un_troops", "un_base_troops"):
                f[f"{name}_nb1"] = _log(spatial_sum(array, ring1))
    return FeatureSet(list(f), f, activity)

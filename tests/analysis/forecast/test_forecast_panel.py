"""The unit-month panel against an independent pandas aggregation of the real GED rows."""

import numpy as np
import pandas as pd
import pytest

from bluehelmet.analysis.forecast.months import month_id
from bluehelmet.analysis.forecast.panel import build_panel, build_panel_pandas
from bluehelmet.analysis.forecast.region import region_countries, resolve_region
from bluehelmet.errors import InvalidRequestError
from bluehelmet.geo import priogrid


def test_region_cells_are_event_cells_plus_neighbours(sahel_store, sahel_raw):
    region = resolve_region(sahel_store, "MLI", cutoff=month_id("2014-12"))
    mali = sahel_raw[(sahel_raw.country == "Mali") & (sahel_raw.year * 12 + sahel_raw.month - 1 <= month_id("2014-12"))]
    seeds = set(priogrid.gid(mali.latitude, mali.longitude).tolist())
    assert seeds <= set(region.units.tolist())
    expected = set(priogrid.buffer_cells(np.array(sorted(seeds)), 1).tolist())
    assert set(region.units.tolist()) == expected
    # Countries of evidenced cells are Mali; a cut-off leaves out cells first hit later.
    assert set(region.countries[np.isin(region.units, list(seeds))]) == {"MLI"}
    later = resolve_region(sahel_store, "MLI")
    assert len(later) > len(region)


def test_region_names():
    name, codes = region_countries("africa")
    assert name == "Africa" and "MLI" in codes and "NGA" in codes and "FRA" not in codes
    assert region_countries("mli,bfa")[1] == ["MLI", "BFA"]
    with pytest.raises(InvalidRequestError, match="unknown region"):
        region_countries("Atlantis")


def test_a_region_takes_country_names_in_english_or_french_as_events_does():
    """``--region Mali`` was refused ("use ISO3 country codes") where ``events --country Mali``
    and ``report --country Mali`` work."""
    assert region_countries("Mali,Burkina Faso,Niger") == ("MLI,BFA,NER", ["MLI", "BFA", "NER"])
    assert region_countries("Tchad, Mauritanie") == ("TCD,MRT", ["TCD", "MRT"])
    with pytest.raises(InvalidRequestError, match=r"unknown region 'MLI,Mail': 'Mail' is not a country \(did you mean Mali \(MLI\)\?\)"):
        region_countries("MLI,Mail")


def test_panel_matches_pandas_on_real_rows(sahel_store, sahel_raw):
    region = resolve_region(sahel_store, "MLI,BFA,NER")
    start, end = month_id("2010-01"), month_id("2018-12")
    panel = build_panel(sahel_store, region, start, end)
    assert panel.series["osv_deaths"].shape == (len(region), end - start + 1)
    # Independent: group the raw file's one-sided deaths by computed cell and month.
    raw = sahel_raw.assign(gid=priogrid.gid(sahel_raw.latitude, sahel_raw.longitude), m=sahel_raw.year * 12 + sahel_raw.month - 1)
    raw = raw[(raw.m >= start) & (raw.m <= end) & raw.gid.isin(region.units)]
    for violence, name in (("One-sided violence", "osv"), ("State-based violence", "sb"), ("Non-state violence", "ns")):
        rows = raw[raw.type_of_violence == violence]
        expected = rows.groupby(["gid", "m"])["best_death"].sum()
        index = pd.Series(np.arange(len(region)), index=region.units)
        dense = np.zeros_like(panel.series[f"{name}_deaths"])
        dense[index.loc[expected.index.get_level_values(0)].to_numpy(), expected.index.get_level_values(1) - start] = expected.to_numpy()
        np.testing.assert_array_equal(panel.series[f"{name}_deaths"], dense)
        assert panel.series[f"{name}_events"].sum() == len(rows)
    # Every cell-month is present, zeros included.
    frame = panel.to_frame(["osv_deaths"])
    assert len(frame) == len(region) * (end - start + 1)
    assert (frame.osv_deaths == 0).mean() > 0.9
    # The plain-pandas panel (benchmark reference) agrees.
    reference = build_panel_pandas(
        sahel_store.events(), region, start, end,
        sahel_store.con.execute("SELECT * FROM event_actors").df(), sahel_store.con.execute("SELECT * FROM actors").df(),
    )
    np.testing.assert_array_equal(reference["osv_deaths"].to_numpy(), panel.series["osv_deaths"].ravel())
    np.testing.assert_array_equal(reference["sb_events"].to_numpy(), panel.series["sb_events"].ravel())
    np.testing.assert_array_equal(reference["osv_deaths_state"].to_numpy(), panel.series["osv_deaths_state"].ravel())


def test_perpetrator_kind_fallback_from_raw_names(sahel_store, sahel_raw):
    # Without resolved actors (an empty event_actors table) kinds come from the raw side_a name.
    if "event_actors" in sahel_store.tables():
        sahel_store.con.execute("DELETE FROM event_actors")
    region = resolve_region(sahel_store, "MLI")
    panel = build_panel(sahel_store, region, month_id("1989-01"), month_id("2018-12"))
    osv = sahel_raw[(sahel_raw.type_of_violence == "One-sided violence")]
    in_region = osv[np.isin(priogrid.gid(osv.latitude, osv.longitude), region.units)]
    state = in_region[in_region.side_a.str.startswith("Government of")].best_death.sum()
    assert panel.series["osv_deaths_state"].sum() == state
    assert panel.series["osv_deaths_state"].sum() + panel.series["osv_deaths_nonstate"].sum() == panel.series["osv_deaths"].sum()
    assert panel.perpetrator_source.startswith("raw side_a")


def test_admin_unit_panel(sahel_store):
    # The GED extract has no admin names: give Mali's events a coarse admin1 (north/south of 15 N).
    con = sahel_store.con
    con.execute("UPDATE events SET admin1_name = CASE WHEN latitude >= 15 THEN 'North' ELSE 'South' END WHERE country_iso3 = 'MLI'")
    region = resolve_region(sahel_store, "MLI", unit="admin1")
    assert region.units.tolist() == ["MLI:North", "MLI:South"]
    start, end = month_id("2012-01"), month_id("2013-12")
    panel = build_panel(sahel_store, region, start, end)
    expected = con.execute(
        "SELECT admin1_name, sum(deaths_best) FROM events WHERE country_iso3 = 'MLI' AND violence_category = 'state_based' "
        "AND date_start BETWEEN DATE '2012-01-01' AND DATE '2013-12-31' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert panel.series["sb_deaths"].sum(axis=1).tolist() == [float(v) for _, v in expected]

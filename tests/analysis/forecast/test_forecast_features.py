"""Feature arithmetic worked by hand, and context tables filled by the test itself."""

import json

import numpy as np

from bluehelmet.analysis.forecast.context import conflict_intensity, context_status, un_presence
from bluehelmet.analysis.forecast.features import build_features, lag, neighbour_index, rolling_sum, spatial_sum, time_since
from bluehelmet.analysis.forecast.months import month_id
from bluehelmet.analysis.forecast.panel import build_panel, build_panel_pandas
from bluehelmet.analysis.forecast.region import Region, resolve_region
from bluehelmet.geo import priogrid


def test_running_features_by_hand():
    x = np.array([[0, 2, 0, 0, 5, 0]], dtype=np.float32)
    assert rolling_sum(x, 3).tolist() == [[0, 2, 2, 2, 5, 5]]
    assert lag(x, 2).tolist() == [[0, 0, 0, 2, 0, 0]]
    assert time_since(x, cap=120).tolist() == [[120, 0, 1, 2, 0, 1]]


def test_spatial_sum_over_region_neighbours():
    g = 205 * 720 + 344 + 1
    units = np.array([g, g + 1, g + 720, g + 2])  # g+2 is not a neighbour of g
    x = np.array([[1], [10], [100], [1000]], dtype=np.float32)
    index = neighbour_index(units, 1)
    assert spatial_sum(x, index)[:, 0].tolist() == [110, 1101, 11, 10]


def test_un_presence_and_conflict_intensity_from_stored_rows(sahel_store):
    region = resolve_region(sahel_store, "MLI")
    months = np.arange(month_id("2014-01"), month_id("2016-12") + 1)
    assert un_presence(sahel_store, region, months) == {} and conflict_intensity(sahel_store, region, months) == {}
    status = context_status(sahel_store)
    assert not status["un_deployments (Geo-PKO)"] and not status["un_bases (RADPKO)"] and not status["conflicts (UCDP/PRIO ACD)"]
    gao = int(priogrid.gid(16.27, -0.04))
    assert gao in region.units
    con = sahel_store.con
    con.execute("INSERT INTO un_deployments (uid, source, mission, year, month, latitude, longitude, troops) VALUES "
                "('a', 'geopko-v1', 'MINUSMA', 2015, 3, 16.27, -0.04, 850), ('b', 'geopko-v1', 'MINUSMA', 2015, 3, 16.30, -0.01, 150), "
                "('c', 'geopko-v2.3', 'MINUSMA', 2014, NULL, 16.27, -0.04, 400)")
    con.execute("INSERT INTO un_bases (uid, mission, year, latitude, longitude, troops) VALUES ('x', 'MINUSMA', 2015, 16.27, -0.04, 1200)")
    con.execute("INSERT INTO conflicts (uid, conflict_id, year, intensity_level, gwno_loc) VALUES "
                "('1:2014', 1, 2014, 2, '432'), ('2:2014', 2, 2014, 1, '432, 436'), ('3:2015', 3, 2015, 1, '432')")
    un = un_presence(sahel_store, region, months)
    i = int(np.flatnonzero(region.units == gao)[0])
    t = lambda m: month_id(m) - months[0]  # noqa: E731
    assert un["un_troops"][i, t("2015-03")] == 850 + 150 + 400  # monthly rows, plus 2014's yearly figure known in 2015
    assert un["un_troops"][i, t("2014-06")] == 0  # the 2014 yearly figure is not known during 2014
    assert un["un_troops"][i, t("2015-04")] == 400
    assert un["un_base_troops"][i, t("2016-01")] == 1200 and un["un_base_troops"][i, t("2015-12")] == 0
    acd = conflict_intensity(sahel_store, region, months)
    mali = region.countries == "MLI"
    assert (acd["acd_intensity"][mali, t("2015-05")] == 2).all() and (acd["acd_conflicts"][mali, t("2015-05")] == 2).all()
    assert (acd["acd_intensity"][mali, t("2014-05")] == 0).all()
    assert (acd["acd_conflicts"][mali, t("2016-05")] == 1).all()
    niger = region.countries == "NER"
    if niger.any():
        assert (acd["acd_conflicts"][niger, t("2015-05")] == 1).all()
    panel = build_panel(sahel_store, region, months[0], months[-1])
    features = build_features(panel, {**un, **acd})
    assert {"un_troops", "un_troops_nb1", "un_base_troops", "acd_intensity"} <= set(features.names)
    assert features.arrays["un_troops"][i, t("2015-03")] == np.float32(np.log1p(1400))
    assert "un_troops" not in build_features(panel).names


def test_perpetrator_kinds_from_the_actor_registry(sahel_store):
    con = sahel_store.con
    from bluehelmet.actors.schema import ensure_actor_tables

    ensure_actor_tables(con)
    con.execute("DELETE FROM event_actors")
    # Pretend the registry says one non-state-named perpetrator is a foreign force.
    rows = con.execute("SELECT uid, side_a, deaths_best FROM events WHERE violence_category = 'one_sided' AND side_a NOT ILIKE 'Government of %' "
                       "AND country_iso3 = 'MLI' ORDER BY deaths_best DESC, uid LIMIT 1").fetchall()
    uid, side_a, deaths = rows[0]
    con.execute("INSERT INTO actors (actor_id, name, kind) VALUES ('f1', 'x', 'foreign_force')")
    con.execute("INSERT INTO event_actors (event_uid, role, position, raw_name, actor_id, score, method, status) "
                "VALUES (?, 'side_a', 0, ?, 'f1', 1.0, 'exact', 'auto')", [uid, side_a])
    region = resolve_region(sahel_store, "MLI")
    panel = build_panel(sahel_store, region, month_id("1989-01"), month_id("2018-12"))
    # The plain-pandas reference, given the same tables, reads the registry the same way.
    reference = build_panel_pandas(
        sahel_store.events(), region, month_id("1989-01"), month_id("2018-12"),
        con.execute("SELECT * FROM event_actors").df(), con.execute("SELECT * FROM actors").df(),
    )
    np.testing.assert_array_equal(reference["osv_deaths_state"].to_numpy(), panel.series["osv_deaths_state"].ravel())
    np.testing.assert_array_equal(reference["osv_deaths_nonstate"].to_numpy(), panel.series["osv_deaths_nonstate"].ravel())
    con.execute("DELETE FROM event_actors")
    fallback = build_panel(sahel_store, region, month_id("1989-01"), month_id("2018-12"))
    assert "registry" in panel.perpetrator_source and "raw side_a" in fallback.perpetrator_source
    assert panel.series["osv_deaths_state"].sum() == fallback.series["osv_deaths_state"].sum() + deaths

"""Protection by presence on the real Geo-PKO v1, Geo-PKO v2.3 and RADPKO files and GED events.

Distances are checked against a brute-force computation written here on the raw geopko.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from bluehelmet.analysis import presence
from bluehelmet.errors import InvalidRequestError, NotFoundError

from un_peacekeeping_store import CANDIDATES, GEOPKO_V1, GEOPKO_V23, RADPKO, un_store, un_store_file, un_store_path  # noqa: F401


def _great_circle_km(lat1, lon1, lat2, lon2):
    # The spherical law of cosines: a different formula from the library's haversine.
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    return 6371.0088 * np.arccos(np.clip(np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl), -1, 1))


def test_haversine_agrees_with_the_ellipsoid_to_half_a_percent():
    geod = Geod(ellps="WGS84")
    _, _, metres = geod.inv(-0.04, 16.27, -3.01, 16.77)  # Gao to Timbuktu
    assert presence.haversine_km(16.27, -0.04, 16.77, -3.01) == pytest.approx(metres / 1000, rel=0.005)


def test_positions_by_month_and_bases_by_year_match_the_raw_files(un_store):
    geopko = pd.read_csv(GEOPKO_V1, na_values=["NA", "unknown", "?"], low_memory=False)
    minusma = geopko[geopko["Mission"] == "MINUSMA"]
    expected = minusma.groupby(["year", "month"]).size()
    frame = presence.positions_by_month(un_store, "MINUSMA")
    assert dict(zip(frame["month"], frame["positions"])) == {f"{y:04d}-{m:02d}": n for (y, m), n in expected.items()}
    radpko = pd.read_csv(RADPKO)
    bases = radpko[radpko["mission"] == "MINUSMA"].groupby("year").agg(bases=("base", "size"), troops=("untrp", "sum"))
    frame = presence.bases_by_year(un_store, "MINUSMA").set_index("year")
    assert frame["bases"].to_dict() == bases["bases"].to_dict()
    assert frame.loc[2016, "bases"] == 15
    assert frame["troops"].to_dict() == bases["troops"].round().to_dict()


def test_distances_in_a_mapped_month_match_brute_force_on_the_raw_file(un_store):
    geopko = pd.read_csv(GEOPKO_V1, na_values=["NA", "unknown", "?"], low_memory=False)
    minusma = geopko[geopko["Mission"] == "MINUSMA"].dropna(subset=["latitude", "longitude"])
    maps = minusma[["year", "month"]].drop_duplicates()
    events = un_store.events(country="MLI", start="2014-01-01", end="2018-12-31")
    dates = pd.to_datetime(events["date_start"])
    keys = set(zip(maps["year"], maps["month"]))
    in_mapped_month = events[[k in keys for k in zip(dates.dt.year, dates.dt.month)]]
    assert len(in_mapped_month) > 50
    result = presence.event_distances(un_store, in_mapped_month, mission="MINUSMA").set_index("uid")
    checked = 0
    for uid, event in in_mapped_month.set_index("uid").iterrows():
        when = pd.Timestamp(event["date_start"])
        # Every MINUSMA position on that month's map: the nearest is the answer. (With every
        # mission, other missions' earlier maps stay in force, e.g. UNOCI's near Mali's border.)
        month = minusma[(minusma["year"] == when.year) & (minusma["month"] == when.month)]
        km = _great_circle_km(event["latitude"], event["longitude"], month["latitude"].to_numpy(), month["longitude"].to_numpy())
        assert result.loc[uid, "distance_km"] == pytest.approx(km.min(), abs=0.01)
        assert result.loc[uid, "nearest_location"] == month.iloc[int(km.argmin())]["location"]
        assert result.loc[uid, "position_source"] == "geopko-v1"
        checked += 1
    assert checked == len(in_mapped_month)


def test_events_after_the_mission_left_have_no_position_and_say_so(un_store):
    events = un_store.events(country="MLI", source="ucdp-candidate")
    candidates = pd.concat([pd.read_csv(f) for f in CANDIDATES])
    assert len(events) == candidates.loc[candidates["country"] == "Mali", "id"].nunique() > 0
    result = presence.event_distances(un_store, events, mission="MINUSMA")
    assert result["distance_km"].isna().all()
    assert set(result["position_source"]) == {"none"}
    summary = presence.presence_summary(result, by="year")
    assert summary["uncovered_deaths"].sum() == pd.to_numeric(events["deaths_civilians"]).fillna(0).sum()
    assert summary["share_within_50km"].isna().all()


def test_summary_shares_are_of_covered_civilian_deaths(un_store):
    events = un_store.events(country="MLI", start="2013-07-01", end="2018-12-31")
    frame = presence.event_distances(un_store, events)
    summary = presence.presence_summary(frame, by=["admin1_name"]).set_index("admin1_name")
    mopti = frame[(frame["admin1_name"] == "Mopti") & frame["distance_km"].notna()]
    deaths = mopti["deaths_civilians"].fillna(0)
    for radius in (10, 25, 50):
        expected = 100 * deaths[mopti["distance_km"] <= radius].sum() / deaths.sum()
        assert summary.loc["Mopti", f"share_within_{radius}km"] == pytest.approx(expected, abs=0.05)
    assert summary["share_within_10km"].le(summary["share_within_25km"]).all()
    assert summary["civilian_deaths"].sum() == frame["deaths_civilians"].fillna(0).sum()
    # Every event of the window has a region: ucdp:240312 (14.77 N 1.11 W), 142 m outside the
    # COD-AB polygons, takes the nearest one.
    assert frame["admin1_name"].notna().all() and presence.NO_VALUE not in summary.index
    # An event without a region (as in a store without boundaries) is counted, not dropped.
    unplaced = frame.assign(admin1_name=frame["admin1_name"].where(frame["uid"] != "ucdp:240312"))
    summary = presence.presence_summary(unplaced, by=["admin1_name"]).set_index("admin1_name")
    assert summary.loc[presence.NO_VALUE, "events"] == 1
    assert summary["civilian_deaths"].sum() == frame["deaths_civilians"].fillna(0).sum()


def test_harm_without_presence_lists_cercles_far_from_every_position(un_store):
    events = un_store.events(country="MLI", start="2013-07-01", end="2018-12-31")
    frame = presence.event_distances(un_store, events)
    gaps = presence.harm_without_presence(frame, by="admin2_name", radius_km=50, min_deaths=10)
    assert len(gaps) >= 1
    for row in gaps.itertuples():
        area = frame[(frame["admin2_name"] == row.admin2_name) & frame["distance_km"].notna()]
        assert area["distance_km"].min() > 50
        assert area["deaths_civilians"].fillna(0).sum() == row.civilian_deaths >= 10
    assert gaps["civilian_deaths"].is_monotonic_decreasing


def test_one_hundred_thousand_events_in_one_call(un_store):
    """Vectorised: 100k events (the Sahel events repeated) get the same distances as the originals."""
    events = un_store.events(country="MLI", start="2013-07-01", end="2018-12-31")[["uid", "date_start", "latitude", "longitude"]]
    repeats = int(np.ceil(100_000 / len(events)))
    many = pd.concat([events] * repeats, ignore_index=True)
    assert len(many) >= 100_000
    result = presence.event_distances(un_store, many)
    single = presence.event_distances(un_store, events)
    np.testing.assert_allclose(result["distance_km"].to_numpy()[: len(events)], single["distance_km"].to_numpy())
    np.testing.assert_allclose(result["distance_km"].to_numpy()[-len(events):], single["distance_km"].to_numpy())


def test_bad_input(un_store):
    with pytest.raises(NotFoundError, match="did you mean"):
        presence.positions_by_month(un_store, "MINUSAM")
    with pytest.raises(InvalidRequestError, match="date_start"):
        presence.event_distances(un_store, pd.DataFrame({"latitude": [1.0], "longitude": [2.0]}))


def test_positions_in_period_take_the_map_in_force_else_the_yearly_locations(un_store):
    from datetime import date

    # June-August 2016: MINUSMA's May 2016 map is in force all three months.
    geopko = pd.read_csv(GEOPKO_V1, na_values=["NA", "unknown", "?"], low_memory=False)
    may = geopko[(geopko["Mission"] == "MINUSMA") & (geopko["year"] == 2016) & (geopko["month"] == 5)]
    may = may.dropna(subset=["latitude", "longitude"])
    summer = presence.positions_in_period(un_store, "MLI", date(2016, 6, 1), date(2016, 8, 31))
    assert set(summer["source"]) == {"geopko-v1"}
    assert sorted(summer["location"]) == sorted(may.drop_duplicates(["location", "latitude", "longitude"])["location"])
    # July 2019: the last map (December 2018) is too old, so Geo-PKO v2.3's 2019 locations count,
    # each once, and RADPKO's 2019 bases (a less precise source for the same year) do not.
    yearly = pd.read_csv(GEOPKO_V23, low_memory=False)
    mali_2019 = yearly[(yearly["mission"] == "MINUSMA") & (yearly["year"] == 2019) & (yearly["country"] == "Mali")]
    mali_2019 = mali_2019.dropna(subset=["latitude", "longitude"]).drop_duplicates(["location", "latitude", "longitude"])
    july = presence.positions_in_period(un_store, "MLI", date(2019, 7, 1), date(2019, 7, 31))
    assert set(july["source"]) == {"geopko-v2.3"}
    assert len(july) == len(mali_2019) > 0
    assert presence.positions_in_period(un_store, "MLI", date(2025, 1, 1), date(2025, 12, 31)).empty

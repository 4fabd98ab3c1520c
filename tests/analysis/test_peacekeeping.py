"""Peacekeeper safety on the real UN fatalities, RADPKO and Geo-PKO files.

Expected values are computed here with pandas on the raw CSV files, never by the library.
The claims checked come from the source text "Peace and security are not the same thing"
(Lowy Institute, 2022): MINUSMA is "the deadliest [UN peacekeeping mission] on record"
(true of deaths by malicious acts; by every cause UNIFIL has more), and the trend of attacks
around MINUSMA's support to the G5 Sahel counter-terrorism force.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bluehelmet.analysis import peacekeeping as pk
from bluehelmet.errors import InvalidRequestError, NotFoundError

from un_peacekeeping_store import RADPKO, raw, un_store, un_store_file, un_store_path  # noqa: F401

MALICIOUS = "Malicious Act"


def test_minusma_is_the_deadliest_mission_on_record_by_malicious_acts(un_store, raw):
    expected = raw[raw["type_of_incident"] == MALICIOUS]["mission_acronym"].value_counts()
    ranking = pk.deadliest_missions(un_store, MALICIOUS, top=None)
    assert ranking.iloc[0]["mission"] == "MINUSMA" == expected.index[0]
    assert ranking.iloc[0]["rank"] == 1
    assert ranking.iloc[0]["fatalities"] == expected["MINUSMA"]
    # MINUSMA's lead is clear: more than the next mission (ONUC, Congo 1960-1964).
    assert ranking.iloc[1]["mission"] == expected.index[1]
    assert ranking.iloc[0]["fatalities"] > ranking.iloc[1]["fatalities"]
    counts = dict(zip(ranking["mission"], ranking["fatalities"]))
    assert counts == expected.to_dict()
    share = 100 * expected["MINUSMA"] / expected.sum()
    assert ranking.iloc[0]["share"] == pytest.approx(share, abs=0.05)


def test_by_every_cause_unifil_has_more_fatalities_than_minusma(un_store, raw):
    """The claim holds for malicious acts, not for deaths of every cause: the tool shows both."""
    expected = raw["mission_acronym"].value_counts()
    by_mission = pk.fatalities(un_store, "mission")
    assert by_mission.iloc[0]["mission"] == expected.index[0] == "UNIFIL"
    assert dict(zip(by_mission["mission"], by_mission["fatalities"])) == expected.to_dict()
    minusma = by_mission.set_index("mission").loc["MINUSMA", "fatalities"]
    assert minusma == expected["MINUSMA"] < expected["UNIFIL"]


def test_minusma_malicious_act_deaths_by_year_match_the_raw_file(un_store, raw):
    rows = raw[(raw["mission_acronym"] == "MINUSMA") & (raw["type_of_incident"] == MALICIOUS)]
    expected = rows.groupby(rows["incident_date"].dt.year).size()
    frame = pk.fatalities(un_store, "year", mission="minusma", incident="malicious act")
    assert list(frame["year"]) == list(expected.index)
    assert list(frame["fatalities"]) == list(expected.values)


@pytest.mark.parametrize("by,column", [("nationality", "casualty_nationality"), ("personnel", "casualty_personnel_type"),
                                       ("incident", "type_of_incident")])
def test_minusma_fatalities_by_group_match_the_raw_file(un_store, raw, by, column):
    expected = raw[raw["mission_acronym"] == "MINUSMA"][column].value_counts()
    frame = pk.fatalities(un_store, by, mission="MINUSMA")
    assert dict(zip(frame[by], frame["fatalities"])) == expected.to_dict()
    assert frame["fatalities"].is_monotonic_decreasing


def test_fatalities_by_month_and_mission_year_pairs(un_store, raw):
    rows = raw[raw["mission_acronym"] == "MINUSMA"]
    expected = rows.groupby(rows["incident_date"].dt.strftime("%Y-%m")).size()
    frame = pk.fatalities(un_store, "month", mission="MINUSMA")
    assert dict(zip(frame["month"], frame["fatalities"])) == expected.to_dict()
    pairs = pk.fatalities(un_store, ["mission", "year"], incident=MALICIOUS)
    top = pairs.iloc[0]
    rows = raw[raw["type_of_incident"] == MALICIOUS]
    expected_pairs = rows.groupby([rows["mission_acronym"], rows["incident_date"].dt.year]).size().sort_values(ascending=False)
    assert (top["mission"], top["year"], top["fatalities"]) == (*expected_pairs.index[0], expected_pairs.iloc[0])


def test_chad_lost_most_peacekeepers_to_malicious_acts_in_minusma(un_store, raw):
    rows = raw[(raw["mission_acronym"] == "MINUSMA") & (raw["type_of_incident"] == MALICIOUS)]
    expected = rows["casualty_nationality"].value_counts()
    frame = pk.fatalities(un_store, "nationality", mission="MINUSMA", incident=MALICIOUS)
    assert frame.iloc[0]["nationality"] == "Chad" == expected.index[0]
    assert frame.iloc[0]["fatalities"] == expected["Chad"]


def test_rates_per_1000_troops_use_radpko_and_say_where_it_is_missing(un_store, raw):
    radpko = pd.read_csv(RADPKO)
    troops = radpko[radpko["mission"] == "MINUSMA"].groupby("year")["untrp"].sum()
    rows = raw[(raw["mission_acronym"] == "MINUSMA") & (raw["type_of_incident"] == MALICIOUS)
               & (raw["casualty_personnel_type"] == "Military")]
    deaths = rows.groupby(rows["incident_date"].dt.year).size()
    frame = pk.fatality_rates(un_store, "MINUSMA", incident=MALICIOUS).set_index("year")
    for year, strength in troops.items():
        assert frame.loc[year, "troops"] == round(strength)
        assert frame.loc[year, "rate_per_1000"] == pytest.approx(1000 * deaths.get(year, 0) / strength, abs=5e-4)
        assert frame.loc[year, "troops_source"] == "radpko"
    # RADPKO ends in 2019 and MINUSMA has no RADPKO figure for 2013: no rate, and the reason.
    for year in (2013, 2020, 2021, 2022, 2023):
        assert year not in troops.index
        assert pd.isna(frame.loc[year, "rate_per_1000"])
        assert frame.loc[year, "coverage"].startswith(f"no radpko troop figure for {year}")
        assert frame.loc[year, "fatalities"] == deaths.get(year, 0)
    assert "geopko-v2.3 has" in frame.loc[2021, "coverage"]


def test_troop_sources_are_never_mixed_in_one_series(un_store):
    strength = pk.troop_strength(un_store, "MINUSMA", source="geopko-v2.3")
    assert set(strength.loc[strength["troops"].notna(), "troops_source"]) == {"geopko-v2.3"}
    assert strength["troops"].equals(strength["troops_geopko_v23"].where(strength["troops_geopko_v23"] > 0))
    with pytest.raises(InvalidRequestError, match="unknown troop source"):
        pk.troop_strength(un_store, "MINUSMA", source="maps")


def _raw_monthly(raw, mission, incident):
    rows = raw[raw["mission_acronym"] == mission]
    months = pd.period_range(rows["incident_date"].min().to_period("M"), rows["incident_date"].max().to_period("M"), freq="M")
    counted = rows[rows["type_of_incident"] == incident]["incident_date"].dt.to_period("M").value_counts()
    return pd.Series([int(counted.get(m, 0)) for m in months], index=months)


def test_trend_test_rate_ratio_matches_the_closed_form(un_store, raw):
    """With one before/after indicator, the Poisson MLE rate ratio is the ratio of the two
    periods' rates, and its Wald standard error on the log scale is sqrt(1/n1 + 1/n0)."""
    change = "2017-12-08"  # Security Council resolution 2391: support to the G5 Sahel Joint Force
    series = _raw_monthly(raw, "MINUSMA", MALICIOUS)
    after = series.index >= pd.Period(change, "M")
    n0, n1 = series[~after].sum(), series[after].sum()
    m0, m1 = (~after).sum(), after.sum()
    ratio = (n1 / m1) / (n0 / m0)
    se = math.sqrt(1 / n0 + 1 / n1)
    result = pk.trend_test(un_store, "MINUSMA", change)
    poisson = result.to_frame().set_index("model").loc["poisson"]
    assert poisson["rate_ratio"] == pytest.approx(ratio, rel=1e-6)
    assert poisson["ci_low"] == pytest.approx(ratio * math.exp(-1.959964 * se), rel=1e-5)
    assert poisson["ci_high"] == pytest.approx(ratio * math.exp(1.959964 * se), rel=1e-5)
    before, after_period = result.periods
    assert (before["fatalities"], after_period["fatalities"], before["months"], after_period["months"]) == (n0, n1, m0, m1)
    # Attacks cluster in some months: the counts are overdispersed, so the negative binomial
    # interval is wider than the Poisson one and the note says to prefer it.
    nb = result.to_frame().set_index("model").loc["negative_binomial"]
    assert result.dispersion > 1.5 and "prefer the negative binomial" in result.note
    assert nb["ci_high"] - nb["ci_low"] > poisson["ci_high"] - poisson["ci_low"]


def test_trend_test_with_troop_exposure(un_store, raw):
    radpko = pd.read_csv(RADPKO)
    troops = radpko[radpko["mission"] == "MINUSMA"].groupby("year")["untrp"].sum()
    series = _raw_monthly(raw, "MINUSMA", MALICIOUS)
    series = series[(series.index >= pd.Period("2014-01", "M")) & (series.index <= pd.Period("2019-12", "M"))]
    exposure = np.array([troops[p.year] for p in series.index])
    after = series.index >= pd.Period("2017-12", "M")
    ratio = (series[after].sum() / exposure[after].sum()) / (series[~after].sum() / exposure[~after].sum())
    result = pk.trend_test(un_store, "MINUSMA", "2017-12-08", start="2014-01-01", end="2019-12-31", exposure="troops")
    assert result.to_frame().set_index("model").loc["poisson", "rate_ratio"] == pytest.approx(ratio, rel=1e-6)


def test_a_trend_period_given_as_years_or_months_covers_whole_months(un_store, raw):
    """``end="2019"`` ends the series in December 2019 (it ended in January), and a month at
    the end counts every day's deaths: with ``end="2019-01"`` January was in the series with
    a month of exposure but only the deaths of its first day (none of the 12 of the month,
    10 of them Chadian peacekeepers killed at Aguelhok on 20 January)."""
    rows = raw[(raw["mission_acronym"] == "MINUSMA") & (raw["type_of_incident"] == MALICIOUS)]
    month = rows["incident_date"].dt.to_period("M")
    before = int(month.between(pd.Period("2014-01", "M"), pd.Period("2017-11", "M")).sum())
    result = pk.trend_test(un_store, "MINUSMA", "2017-12-08", start="2014", end="2019")
    after = result.periods[1]
    assert (after["first_month"], after["last_month"], after["months"]) == ("2017-12", "2019-12", 25)
    assert after["fatalities"] == int(month.between(pd.Period("2017-12", "M"), pd.Period("2019-12", "M")).sum()) == 33
    assert result.periods[0]["fatalities"] == before == 91
    january = pk.trend_test(un_store, "MINUSMA", "2017-12", start="2014-01", end="2019-01")
    assert january.months[-1] == {"month": "2019-01", "fatalities": int((month == pd.Period("2019-01", "M")).sum()),
                                  "exposure": 1.0, "after": True}
    assert january.months[-1]["fatalities"] == 12
    assert january.periods[1]["fatalities"] == 23


def test_a_date_that_reads_two_ways_is_refused_not_guessed(un_store):
    """"08/12/2017" (resolution 2391) had been read as 12 August, moving four months to "after"."""
    for change in ("08/12/2017", "8 December 2017", "soon"):
        with pytest.raises(InvalidRequestError, match=r"--change '.*' is not a year \(YYYY\), a month \(YYYY-MM\) or a day"):
            pk.trend_test(un_store, "MINUSMA", change)
    with pytest.raises(InvalidRequestError, match="--from '01/2014' is not a year"):
        pk.trend_test(un_store, "MINUSMA", "2017-12-08", start="01/2014")
    assert pk.trend_test(un_store, "MINUSMA", "2017-12").change_date == "2017-12-01"


def test_troop_series_with_gaps_is_refused_with_the_missing_months(un_store):
    with pytest.raises(InvalidRequestError) as error:
        pk.trend_test(un_store, "MINUSMA", "2017-12-08", exposure="troops")
    message = str(error.value)
    assert "2020-01..2023-11" in message and "2013-08..2013-12" in message and "--exposure months" in message


def test_bad_input_is_named(un_store):
    with pytest.raises(NotFoundError, match="did you mean MINUSMA"):
        pk.fatalities(un_store, "year", mission="MINUSNA")
    with pytest.raises(InvalidRequestError, match="unknown incident type 'Ambush'.*Malicious Act"):
        pk.fatalities(un_store, "year", incident="Ambush")
    with pytest.raises(InvalidRequestError, match="cannot group by colour"):
        pk.fatalities(un_store, "colour")
    with pytest.raises(InvalidRequestError, match="must fall inside the period"):
        pk.trend_test(un_store, "MINUSMA", "2030-01-01")


def test_an_empty_store_says_what_to_ingest(store):
    with pytest.raises(InvalidRequestError, match="ingest DPPADPOSS-FATALITIES.csv"):
        pk.deadliest_missions(store)


def test_demo_section_prints_the_ranking_and_writes_its_files(un_store, raw, tmp_path, capsys):
    from bluehelmet import demo
    from bluehelmet.analysis.peacekeeping_demo import peacekeeper_safety

    assert ("Peacekeeper safety", peacekeeper_safety) in demo.SECTIONS
    peacekeeper_safety(un_store, tmp_path)
    printed = capsys.readouterr().out
    assert "Deadliest UN missions" in printed and "MINUSMA" in printed
    ranking = pd.read_csv(tmp_path / "peacekeeping" / "deadliest_missions.csv")
    expected = raw[raw["type_of_incident"] == MALICIOUS]["mission_acronym"].value_counts()
    assert ranking.iloc[0]["mission"] == "MINUSMA" and ranking.iloc[0]["fatalities"] == expected["MINUSMA"]
    assert (tmp_path / "peacekeeping" / "hrddp-1.html").exists()

"""CT-association risk assessments: indicators from the real data, ratings, history, restarts."""

from __future__ import annotations

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.analysis import ct_risk
from bluehelmet.errors import InvalidRequestError, NotFoundError

from un_peacekeeping_store import CANDIDATES, raw, sahel_ged_rows, un_store, un_store_file, un_store_path  # noqa: F401


def _raw_state_violence_in_mali() -> tuple[int, int]:
    """One-sided events (UCDP type 3) by the Government of Mali in Mali, counted on the raw files."""
    frames = [sahel_ged_rows()] + [pd.read_csv(c, dtype=str, keep_default_na=False) for c in CANDIDATES]
    rows = pd.concat(frames, ignore_index=True)
    # The GED 21.1 extract spells the type out ("One-sided violence"); the Candidate files use 3.
    one_sided = rows["type_of_violence"].isin(["3", "One-sided violence"])
    # A side may name several actors ("Government of Mali, Government of Russia (Soviet Union)").
    mali_on_side_a = rows["side_a"].str.split(", ").map(lambda names: "Government of Mali" in names)
    rows = rows[one_sided & mali_on_side_a & (rows["country"] == "Mali")]
    rows = rows.drop_duplicates("id")
    # The 21.1 extract has no deaths_civilians: in one-sided violence every death is a civilian's,
    # so its best estimate counts (as UCDP defines the category).
    civilians = pd.to_numeric(rows["deaths_civilians"]).fillna(pd.to_numeric(rows["best_death"]))
    return len(rows), int(civilians.sum())


def test_the_six_risks_of_the_source_text_are_in_the_rules():
    rules = ct_risk.rules()
    assert ct_risk.risk_ids() == ["impartiality", "capability", "judicial_penal", "complicity", "predatory_state", "political_space"]
    assert "Peace and security are not the same thing" in rules["source"]
    assert all(r["claim"] and r["analyst_questions"] for r in rules["risks"])


def test_indicators_come_from_the_data_or_say_there_is_none(un_store, raw):
    assessment = ct_risk.create_assessment(
        un_store, "minusma", country="MLI", partners=["FAMa"], ct_start="2017-12-08", by="J. Analyst")
    body = ct_risk.load_assessment(un_store, assessment)
    assert assessment == "ct-MINUSMA-1" and body["partners"] == ["ucdp:72"]
    indicators = body["indicators"]
    malicious = raw[raw["type_of_incident"] == "Malicious Act"]["mission_acronym"].value_counts()
    assert indicators["malicious_act_rank"]["value"] == {"rank": 1, "fatalities": int(malicious["MINUSMA"]), "missions": len(malicious)}
    events, deaths = _raw_state_violence_in_mali()
    assert indicators["partner_violence_against_civilians"]["value"]["events"] == events
    assert indicators["partner_violence_against_civilians"]["value"]["civilian_deaths"] == deaths
    assert indicators["state_violence_against_civilians"]["value"]["events"] == events
    assert indicators["malicious_act_trend"]["status"] == "data"
    assert 0 < indicators["malicious_act_trend"]["value"]["ci_low"] < indicators["malicious_act_trend"]["value"]["rate_ratio"]
    assert indicators["protest_events"]["status"] == "no_data"
    compared = ct_risk.compare_scenarios(un_store, assessment).set_index("risk")
    assert compared.loc["judicial_penal", "indicators"] == "no data indicator: analyst judgement only"
    assert "ranks 1 of" in compared.loc["impartiality", "indicators"]
    assert (compared["with_ct_rating"] == "not rated").all()


def test_the_host_country_may_be_named_in_english_or_french(un_store):
    """``--country Mali`` had been stored as typed: the host state was not found ("no host
    state actor for this country") and the state indicator was lost without a word."""
    events, deaths = _raw_state_violence_in_mali()
    for name in ("Mali", "mali", "Malí"):
        assessment = ct_risk.create_assessment(un_store, "MINUSMA", country=name, by="J. Analyst")
        body = ct_risk.load_assessment(un_store, assessment)
        assert body["country"] == "MLI"
        state = body["indicators"]["state_violence_against_civilians"]
        assert state["status"] == "data"
        assert state["value"]["events"] == events == 53 and state["value"]["civilian_deaths"] == deaths == 513


def test_a_misspelt_country_or_a_date_that_reads_two_ways_is_refused(un_store):
    with pytest.raises(NotFoundError, match=r"--country 'Mail' is not a country.*did you mean Mali \(MLI\)"):
        ct_risk.create_assessment(un_store, "MINUSMA", country="Mail", by="x")
    # 8 December 2017 (resolution 2391) to some, 12 August 2017 to others: it was read as August.
    with pytest.raises(InvalidRequestError, match="--ct-start '08/12/2017' is not a year"):
        ct_risk.create_assessment(un_store, "MINUSMA", country="MLI", ct_start="08/12/2017", by="x")
    assert ct_risk.list_assessments(un_store).empty
    assessment = ct_risk.create_assessment(un_store, "MINUSMA", country="MLI", ct_start="2017-12", by="x")
    trend = ct_risk.load_assessment(un_store, assessment)["indicators"]["malicious_act_trend"]
    assert "before (2013-08..2017-11)" in trend["text"]


def test_two_scenarios_side_by_side_and_the_history_survive_a_restart(un_store_path):
    with bluehelmet.open(un_store_path) as store:
        assessment = ct_risk.create_assessment(store, "MINUSMA", country="MLI", partners=["ucdp:72"], by="A. Planner")
        ct_risk.rate_risk(store, assessment, "complicity", "without_ct", "moderate",
                          "No joint operations; logistics only under HRDDP", ["HRDDP register"], by="A. Planner")
        ct_risk.rate_risk(store, assessment, "complicity", "with_ct", "very_high",
                          "State forces' one-sided violence in the store", ["UCDP GED 21.1", "OHCHR"], by="B. Officer")
        ct_risk.rate_risk(store, assessment, "complicity", "with_ct", "high", "Revised after mitigation", [], by="C. Chief")
    with bluehelmet.open(un_store_path) as store:
        compared = ct_risk.compare_scenarios(store, assessment).set_index("risk")
        assert compared.loc["complicity", "without_ct_rating"] == "moderate"
        assert compared.loc["complicity", "with_ct_rating"] == "high"
        assert compared.loc["complicity", "with_ct_rationale"] == "Revised after mitigation"
        history = ct_risk.assessment_history(store, assessment)
        assert list(history["version"]) == [1, 2, 3, 4]
        assert list(history["changed_by"]) == ["A. Planner", "A. Planner", "B. Officer", "C. Chief"]
        assert list(history["action"]) == ["create", "rate", "rate", "rate"]
        assert '"before": {"by": "B. Officer"' in history.iloc[3]["detail"].replace("\n", "")
        old = ct_risk.load_assessment(store, assessment, version=3)
        assert old["scenarios"]["with_ct"]["complicity"]["rating"] == "very_high"
        assert ct_risk.list_assessments(store)["version"].tolist() == [4]


def test_bad_input_writes_nothing(un_store):
    with pytest.raises(NotFoundError, match="unknown actor.*Zorgon Liberation Brigade"):
        ct_risk.create_assessment(un_store, "MINUSMA", partners=["ucdp:72", "Zorgon Liberation Brigade"], by="x")
    with pytest.raises(NotFoundError, match="did you mean MINUSMA"):
        ct_risk.create_assessment(un_store, "MINUSNA", by="x")
    with pytest.raises(InvalidRequestError, match="needs the name"):
        ct_risk.create_assessment(un_store, "MINUSMA", by=" ")
    assert ct_risk.list_assessments(un_store).empty
    assessment = ct_risk.create_assessment(un_store, "MINUSMA", by="x")
    for args, message in (
        (("bias", "with_ct", "high", "r"), "unknown risk"),
        (("complicity", "maybe_ct", "high", "r"), "unknown scenario"),
        (("complicity", "with_ct", "extreme", "r"), "unknown rating"),
        (("complicity", "with_ct", "high", " "), "needs a rationale"),
    ):
        with pytest.raises(InvalidRequestError, match=message):
            ct_risk.rate_risk(un_store, assessment, *args, by="x")
    with pytest.raises(InvalidRequestError, match="needs the name"):
        ct_risk.rate_risk(un_store, assessment, "complicity", "with_ct", "high", "r", by="")
    assert len(ct_risk.assessment_history(un_store, assessment)) == 1
    with pytest.raises(NotFoundError, match="ct-MINUSMA-1"):
        ct_risk.load_assessment(un_store, "ct-MINUSMA-9")

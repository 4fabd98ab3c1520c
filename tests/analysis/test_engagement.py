"""Engagement rules on hand-written profiles: each option's reasons, blocks and risks."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bluehelmet.analysis.engagement import RulesFileError, engagement_options, holds, load_rules, render

BASE = {
    "name": "Test group", "kind": "rebel", "is_state": False, "events": 40, "period": "2020-01-01 to 2020-12-31",
    "targeting_events": 0, "civilian_targeting_share": 0.0, "civilian_deaths_targeting": 0,
    "civilian_deaths_per_targeting_event": float("nan"), "posture_trend": "insufficient", "protective_evidence": 0,
    "has_political_grievance": False, "incompatibility": "none", "grievance_evidence": 0, "aim": "unknown",
    "holds_territory": False, "persistent_units": 0, "max_persistence": 0.0, "territory_events": 0, "territory_evidence": 0,
    "economy_involved": False, "economy_events": 0, "economy_evidence": 0, "coordinated_days": 0, "splinters": 0,
    "ct_target": False, "ct_basis": "none", "commitments": 0, "ceasefires": 0, "violations": 0, "refusals": 0,
}


def facts(**changes):
    return {**BASE, **changes}


def options(**changes):
    result = engagement_options(facts(**changes))
    return {o.option_id: o for o in result.proposed}, {o.option_id: o for o in result.not_proposed}


def test_the_bundled_rules_are_valid_and_cite_the_source_texts():
    rules = load_rules()
    assert {o["id"] for o in rules["options"]} == {
        "humanitarian_dialogue", "local_ceasefire_access", "community_engagement", "political_process",
        "deterrence_protection", "state_conduct_dialogue", "no_direct_contact"}
    assert "Protecting Civilians and Managing Threats" in rules["sources"]["ipi2018"]
    for option in rules["options"]:
        assert option["rationale"] and option["cite"] and option["preconditions"] and option["risks"]


def test_a_quiet_group_without_grievances_gets_no_option():
    proposed, not_proposed = options(events=0)
    assert proposed == {}
    assert not_proposed["community_engagement"].blocked_by[0] == "No events in the period."
    assert not_proposed["community_engagement"].blocked_by[1].startswith("none of: No violence against civilians")


def test_humanitarian_dialogue_when_a_non_state_group_targets_civilians():
    proposed, _ = options(targeting_events=12, civilian_targeting_share=0.3, civilian_deaths_targeting=45, coordinated_days=4)
    dialogue = proposed["humanitarian_dialogue"]
    assert dialogue.reasons == [
        "It is a non-state armed actor (rebel).",
        "30% of its violence targets civilians (12 one-sided events, 45 civilians killed): there is conduct to change.",
        "Its attacks on 4 days in several places at once suggest a command able to pass an instruction down.",
    ]
    assert not any("counter-terrorism target" in r for r in dialogue.risks)


def test_dialogue_with_a_ct_target_carries_the_impartiality_risk():
    proposed, _ = options(targeting_events=3, civilian_targeting_share=0.1, civilian_deaths_targeting=5, ct_target=True,
                          ct_basis="listed by the UN Security Council")
    risks = proposed["humanitarian_dialogue"].risks
    assert any(r.startswith("It is a counter-terrorism target (listed by the UN Security Council)") and "[lowy2022]" in r for r in risks)


def test_maximum_harm_blocks_dialogue_and_ceasefire_and_proposes_no_direct_contact():
    proposed, not_proposed = options(targeting_events=20, civilian_targeting_share=0.8, civilian_deaths_targeting=300,
                                     civilian_deaths_per_targeting_event=15.0, aim="maximum_harm", holds_territory=True)
    assert "humanitarian_dialogue" not in proposed and "local_ceasefire_access" not in proposed
    assert any("maximum harm" in b for b in not_proposed["humanitarian_dialogue"].blocked_by)
    assert proposed["no_direct_contact"].reasons[-1].startswith("Analysts assess that it seeks maximum harm")
    deter = proposed["deterrence_protection"]
    assert "It killed 300 civilians in 20 one-sided event(s) (15.0 per event)." in deter.reasons
    assert "Civilians are a main target: 80% of its violence." in deter.reasons
    assert "Its attacks on civilians are deadly: 15.0 deaths per event." in deter.reasons


def test_local_ceasefire_needs_territory():
    proposed, not_proposed = options()
    assert "local_ceasefire_access" not in proposed
    assert "No sign that it holds ground" in not_proposed["local_ceasefire_access"].blocked_by[0]
    proposed, _ = options(holds_territory=True, persistent_units=3, max_persistence=0.5, territory_events=1,
                          economy_involved=True, economy_events=4, economy_evidence=1, splinters=2)
    ceasefire = proposed["local_ceasefire_access"]
    assert ceasefire.reasons[1] == ("It holds or contests ground durably: 3 unit(s) with its events in many months "
                                    "(highest persistence 50% of months with data), 1 event(s) coded as taking territory, "
                                    "0 analyst entr(y/ies).")
    assert ceasefire.reasons[2].startswith("It has an economic stake (4 coded events, 1 analyst entries)")
    assert "2 groups have split from it: factions may not be bound by a local agreement." in ceasefire.risks


def test_political_process_needs_grievances_and_a_political_aim():
    proposed, not_proposed = options(has_political_grievance=True, incompatibility="contests territory", aim="unknown")
    assert "political_process" not in proposed
    assert not_proposed["political_process"].blocked_by == ["Its aim is not assessed as political (unknown)."]
    proposed, _ = options(has_political_grievance=True, incompatibility="contests territory", aim="political", grievance_evidence=2)
    assert proposed["political_process"].reasons[1] == (
        "It has political grievances: the UCDP/PRIO conflict data record that it contests territory; 2 analyst entr(y/ies) on stated aims.")


def test_community_engagement_for_a_protective_posture():
    proposed, _ = options(protective_evidence=2)
    assert proposed["community_engagement"].reasons == [
        "It was active in the period (40 events).",
        "It poses as a protector of people (2 analyst entries): communities' views of it decide its hold."]


def test_state_forces_get_conduct_dialogue_not_armed_group_options():
    proposed, not_proposed = options(kind="state_force", is_state=True, targeting_events=5, civilian_targeting_share=0.3,
                                     civilian_deaths_targeting=60, civilian_deaths_per_targeting_event=12.0,
                                     has_political_grievance=False, aim="political")
    assert proposed["state_conduct_dialogue"].reasons == [
        "It is a state or foreign force (state_force): a perpetrator like any other.",
        "It is recorded in 5 one-sided event(s) with 60 civilians killed."]
    assert "humanitarian_dialogue" in not_proposed and "political_process" in not_proposed
    assert any("tests consent" in r for r in proposed["deterrence_protection"].risks)


def test_deterrence_when_violence_is_rising():
    proposed, _ = options(targeting_events=4, civilian_targeting_share=0.1, civilian_deaths_targeting=6,
                          civilian_deaths_per_targeting_event=1.5, posture_trend="rising")
    assert proposed["deterrence_protection"].reasons == [
        "It killed 6 civilians in 4 one-sided event(s) (1.5 per event).", "Its violence against civilians is rising."]


def test_conditions_and_templates():
    assert holds({"fact": "x", "op": ">=", "value": 2}, {"x": 2})
    assert not holds({"fact": "x", "op": ">=", "value": 2}, {"x": float("nan")})
    assert not holds({"fact": "missing", "op": "is true"}, {})
    assert holds({"fact": "k", "op": "in", "value": ["a", "b"]}, {"k": "a"})
    assert render("{share:.0%} of {n:,}", {"share": 0.25, "n": 1234}) == "25% of 1,234"
    assert render("{absent}", {}) == "?"


@pytest.mark.parametrize("change, message", [
    (lambda r: r["options"][0]["when"]["all"][0].update(op="~"), "unknown operator"),
    (lambda r: r["options"][0]["when"]["all"][1].pop("reason"), "has no reason"),
    (lambda r: r["options"][0].update(cite=["nowhere"]), "unknown source"),
    (lambda r: r["options"][0].pop("rationale"), "has no rationale"),
    (lambda r: r["options"][0].update(when={"unless": r["options"][0]["when"]["unless"]}), "has no condition"),
])
def test_a_broken_rules_file_is_refused(tmp_path, change, message):
    rules = load_rules()
    change(rules)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    with pytest.raises(RulesFileError, match=message) as err:
        load_rules(path)
    assert str(path) in str(err.value)


RANDOM_FACTS = st.fixed_dictionaries({
    "is_state": st.booleans(), "targeting_events": st.integers(0, 50), "civilian_targeting_share": st.floats(0, 1),
    "civilian_deaths_per_targeting_event": st.floats(0, 30), "posture_trend": st.sampled_from(["rising", "stable", "falling", "insufficient"]),
    "aim": st.sampled_from(["political", "maximum_harm", "unknown"]), "holds_territory": st.booleans(),
    "has_political_grievance": st.booleans(), "protective_evidence": st.integers(0, 2), "refusals": st.integers(0, 2),
    "ct_target": st.booleans(), "events": st.integers(0, 100),
})


@settings(max_examples=150, deadline=None)
@given(RANDOM_FACTS)
def test_no_option_is_proposed_without_reasons(changes):
    result = engagement_options(facts(**changes))
    for option in result.proposed:
        assert option.reasons and all(r.strip() and "{" not in r for r in option.reasons)
        assert not option.blocked_by
    for option in result.not_proposed:
        assert option.blocked_by and not option.reasons

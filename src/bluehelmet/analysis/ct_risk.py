"""CT-association risk assessment: what adding counter-terrorism tasks would risk for a mission.

The six risks come from ``rules/ct_risks.yaml`` (with the source text's words). An assessment
of a mission holds, for two scenarios (``without_ct`` and ``with_ct``), an analyst's rating,
rationale and sources per risk, next to a snapshot of the data indicators that bear on each
risk (malicious-act fatalities and their trend, troop numbers, violence against civilians by
the partner forces and the host state, lineage-aware). Where no data exists the indicator
says so and the analyst's judgement is all there is.

Assessments are stored (``ct_assessments``) and every change is kept with who made it
(``ct_assessment_history``).

>>> a = create_assessment(store, "MINUSMA", country="MLI", partners=["ucdp:72"], ct_start="2017-12-08", by="J. Analyst")  # doctest: +SKIP
>>> rate_risk(store, a, "complicity", "with_ct", "very_high", "UCDP records ...", ["OHCHR 2023"], by="J. Analyst")  # doctest: +SKIP
>>> compare_scenarios(store, a)                                                             # doctest: +SKIP
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from bluehelmet.analysis import peacekeeping as pk
from bluehelmet.analysis.missions import check_mission
from bluehelmet.analysis.actor_violence import resolve_actor_ids, violence_against_civilians
from bluehelmet.analysis.records import RecordBook
from bluehelmet.errors import BluehelmetError, InvalidRequestError
from bluehelmet.geo.countries import require_iso3
from bluehelmet.period_bounds import parse_bound

RULES_FILE = Path(__file__).parent / "rules" / "ct_risks.yaml"


@lru_cache(maxsize=1)
def rules() -> dict:
    """The six risks, scenarios and rating scale (``rules/ct_risks.yaml``)."""
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def risk_ids() -> list[str]:
    return [r["id"] for r in rules()["risks"]]


def _book(store) -> RecordBook:
    return RecordBook(store, "ct_assessments", "ct_assessment_history", "CT-risk assessment")


# -- indicators ------------------------------------------------------------------------------


def _indicator(key: str, label: str, text: str, value=None, status: str = "data", sources=None) -> dict:
    return {"id": key, "label": label, "text": text, "value": value, "status": status, "sources": sources or []}


def compute_indicators(store, mission: str, *, country: str | None, partners: list[str], ct_start: str | None) -> dict:
    """The data indicators of every risk for a mission, each with its text, value and status.

    ``status`` is ``data`` when the store had what the indicator needs and ``no_data`` (with
    the reason) when it did not.
    """
    code = check_mission(store, mission)
    out: dict[str, dict] = {}
    fatalities_source = "UN peacekeeping fatalities (DPPA/DPO, table un_fatalities)"
    ranking = pk.deadliest_missions(store, "Malicious Act", top=None)
    row = ranking[ranking["mission"] == code]
    if len(row):
        r = row.iloc[0]
        out["malicious_act_rank"] = _indicator(
            "malicious_act_rank", "Rank among all UN missions by malicious-act fatalities",
            f"{code} ranks {int(r['rank'])} of {len(ranking)} missions with {int(r['fatalities'])} peacekeepers "
            f"killed by malicious acts ({r['first_year']}-{r['last_year']}; {r['share']}% of all such deaths)",
            {"rank": int(r["rank"]), "fatalities": int(r["fatalities"]), "missions": len(ranking)},
            sources=[fatalities_source])
    else:
        out["malicious_act_rank"] = _indicator("malicious_act_rank", "Rank by malicious-act fatalities",
                                               f"no malicious-act fatalities recorded for {code}", status="no_data")
    if ct_start:
        try:
            trend = pk.trend_test(store, code, ct_start)
            nb = trend.models[1]
            before, after = trend.periods
            out["malicious_act_trend"] = _indicator(
                "malicious_act_trend", f"Malicious-act fatalities per month before/after {ct_start}",
                f"{before['rate']:.2f} per month before ({before['first_month']}..{before['last_month']}), "
                f"{after['rate']:.2f} after ({after['first_month']}..{after['last_month']}): rate ratio "
                f"{nb['rate_ratio']:.2f} (95% CI {nb['ci_low']:.2f}-{nb['ci_high']:.2f}, negative binomial)",
                {"rate_ratio": nb["rate_ratio"], "ci_low": nb["ci_low"], "ci_high": nb["ci_high"], "p_value": nb["p_value"]},
                sources=[fatalities_source])
        except BluehelmetError as exc:
            out["malicious_act_trend"] = _indicator("malicious_act_trend", "Malicious-act trend", f"not computed: {exc}", status="no_data")
    else:
        out["malicious_act_trend"] = _indicator("malicious_act_trend", "Malicious-act trend",
                                                "no CT start date given: no before/after test", status="no_data")
    rates = pk.fatality_rates(store, code, incident="Malicious Act")
    covered = rates[rates["troops"].notna()]
    if len(covered):
        pooled = 1000.0 * covered["fatalities"].sum() / covered["troops"].sum()
        missing = rates.loc[rates["troops"].isna(), "year"].tolist()
        out["malicious_act_rate"] = _indicator(
            "malicious_act_rate", "Military malicious-act fatalities per 1,000 troops a year",
            f"{pooled:.2f} per 1,000 troops a year over {covered['year'].min()}-{covered['year'].max()} (RADPKO troops)"
            + (f"; no troop figure for {', '.join(map(str, missing))}" if missing else ""),
            {"rate_per_1000": round(pooled, 3), "years_without_troops": missing}, sources=[fatalities_source, "RADPKO"])
    else:
        out["malicious_act_rate"] = _indicator("malicious_act_rate", "Fatalities per 1,000 troops",
                                               "no RADPKO troop figures for this mission", status="no_data")
    strength = pk.troop_strength(store, code)
    latest = strength[strength["troops"].notna()].tail(1)
    out["troop_strength"] = _indicator(
        "troop_strength", "Deployed troops (RADPKO)",
        f"{latest['troops'].iloc[0]:,.0f} troops in {int(latest['year'].iloc[0])} (RADPKO); equipment and training are not in the data"
        if len(latest) else "no RADPKO troop figures; equipment and training are not in the data",
        float(latest["troops"].iloc[0]) if len(latest) else None, "data" if len(latest) else "no_data", ["RADPKO"])
    if partners:
        out["partner_violence_against_civilians"] = _vac_indicator(
            store, "partner_violence_against_civilians", "Violence against civilians by the partner forces", partners, country)
    else:
        out["partner_violence_against_civilians"] = _indicator(
            "partner_violence_against_civilians", "Partner violence against civilians", "no partner forces named", status="no_data")
    state = _host_state(store, country)
    if state:
        out["state_violence_against_civilians"] = _vac_indicator(
            store, "state_violence_against_civilians", "Violence against civilians by the host state's forces", [state], country)
    else:
        out["state_violence_against_civilians"] = _indicator(
            "state_violence_against_civilians", "Host state violence against civilians",
            "no host state actor for this country in the registry", status="no_data")
    protests = store.con.execute(
        "SELECT count(*) FROM events WHERE violence_category IN ('protest', 'riot') AND upper(country_iso3) = upper(?)",
        [country or ""]).fetchall()[0][0]
    out["protest_events"] = _indicator(
        "protest_events", "Protest and riot events (ACLED)",
        f"{protests} protest and riot events in the store" if protests
        else "no data: the store holds no protest or riot events for this country (ACLED exports add them)",
        int(protests), "data" if protests else "no_data", ["ACLED"] if protests else [])
    return out


def _host_state(store, country: str | None) -> str | None:
    if not country:
        return None
    from bluehelmet.actors import Registry

    registry = Registry.load(store)
    states = sorted(a.actor_id for a in registry.actors.values()
                    if a.kind == "state_force" and (a.country_iso3 or "").upper() == country.upper())
    return states[0] if states else None


def _vac_indicator(store, key: str, label: str, actor_ids: list[str], country: str | None) -> dict:
    events = violence_against_civilians(store, actor_ids, country=country)
    if not len(events):
        return _indicator(key, label, f"no one-sided events by {', '.join(actor_ids)} (with predecessors) in the store",
                          {"events": 0, "civilian_deaths": 0}, "data", ["UCDP GED / ACLED events in the store"])
    deaths = int(pd.to_numeric(events["deaths_civilians"], errors="coerce").fillna(0).sum())
    years = pd.to_datetime(events["date_start"]).dt.year
    releases = sorted(events["source"].dropna().unique())
    return _indicator(
        key, label,
        f"{len(events)} one-sided events, {deaths} civilian deaths by {', '.join(actor_ids)} and predecessors "
        f"({years.min()}-{years.max()}; sources: {', '.join(releases)})",
        {"events": int(len(events)), "civilian_deaths": deaths, "first_year": int(years.min()), "last_year": int(years.max())},
        sources=releases)


# -- assessments -----------------------------------------------------------------------------


def create_assessment(
    store, mission: str, *, country: str | None = None, partners: list[str] | None = None,
    ct_start: str | None = None, title: str | None = None, by: str,
) -> str:
    """Start an assessment of ``mission``; returns its id (``ct-MINUSMA-1``).

    ``country`` is the host country, an ISO3 code or a name in English or French (``Mali``),
    stored as its ISO3 code. ``partners`` are the forces the mission would support under CT
    tasks (ids or names, resolved through the actor registry). ``ct_start`` is the date CT
    support began or would begin, for the trend indicator: a day, a month or a year. An
    unknown country, partner or date is an error and nothing is stored.
    """
    code = check_mission(store, mission)
    # The host-state and protest indicators match the ISO3 code: a name kept as typed made
    # them "no data" without a word.
    country = require_iso3(country) if country else None
    partner_ids = resolve_actor_ids(store, partners or [])
    if ct_start:
        # Read like every date option: "08/12/2017" is 8 December to some and 12 August to others.
        ct_start = str(parse_bound(ct_start, end=False, option="--ct-start"))
    book = _book(store)
    record_id = book.next_id(f"ct-{code}-")
    body = {
        "id": record_id, "mission": code, "country": country, "partners": partner_ids, "ct_start": ct_start,
        "title": title or f"CT-association risks for {code}", "rules_version": rules()["version"],
        "indicators": compute_indicators(store, code, country=country, partners=partner_ids, ct_start=ct_start),
        "scenarios": {s: {r: None for r in risk_ids()} for s in rules()["scenarios"]},
    }
    book.write(record_id, body, by=by, action="create", detail={"mission": code, "partners": partner_ids}, new=True)
    return record_id


def rate_risk(
    store, assessment_id: str, risk: str, scenario: str, rating: str, rationale: str,
    sources: list[str] | None = None, *, by: str,
) -> int:
    """Record an analyst's rating of one risk in one scenario; returns the new version."""
    book = _book(store)
    body, _ = book.get(assessment_id)
    if risk not in risk_ids():
        raise InvalidRequestError(f"unknown risk {risk!r}; the risks are {', '.join(risk_ids())}")
    if scenario not in rules()["scenarios"]:
        raise InvalidRequestError(f"unknown scenario {scenario!r}; choose {', '.join(rules()['scenarios'])}")
    if rating not in rules()["ratings"]:
        raise InvalidRequestError(f"unknown rating {rating!r}; choose {', '.join(rules()['ratings'])}")
    if not (rationale or "").strip():
        raise InvalidRequestError("a rating needs a rationale (--rationale TEXT)")
    before = body["scenarios"][scenario][risk]
    entry = {"rating": rating, "rationale": rationale.strip(), "sources": [s for s in (sources or []) if s.strip()], "by": by}
    body["scenarios"][scenario][risk] = entry
    return book.write(assessment_id, body, by=by, action="rate",
                      detail={"risk": risk, "scenario": scenario, "before": before, "after": entry})


def refresh_indicators(store, assessment_id: str, *, by: str) -> int:
    """Recompute the data indicators from the store as it is now (after new ingests)."""
    book = _book(store)
    body, _ = book.get(assessment_id)
    body["indicators"] = compute_indicators(store, body["mission"], country=body["country"],
                                            partners=body["partners"], ct_start=body["ct_start"])
    return book.write(assessment_id, body, by=by, action="refresh_indicators")


def load_assessment(store, assessment_id: str, version: int | None = None) -> dict:
    """An assessment's body (the current version, or ``version``)."""
    return _book(store).body(assessment_id, version)


def assessment_history(store, assessment_id: str) -> pd.DataFrame:
    """Every change to an assessment: version, who, when, action, detail."""
    return _book(store).log(assessment_id)


def list_assessments(store) -> pd.DataFrame:
    """Every stored assessment with its mission, version and last change."""
    _book(store)
    return store.sql(
        "SELECT record_id AS assessment_id, json_extract_string(body, '$.mission') AS mission, version, "
        "created_by, created_at, updated_by, updated_at FROM ct_assessments ORDER BY created_at")


def compare_scenarios(store, assessment_id: str) -> pd.DataFrame:
    """The six risks side by side: indicators, then each scenario's rating and rationale."""
    body = load_assessment(store, assessment_id)
    rows = []
    for risk in rules()["risks"]:
        indicators = [body["indicators"][i] for i in risk["indicators"] if i in body["indicators"]]
        row = {
            "risk": risk["id"], "title": risk["title"],
            "indicators": " | ".join(i["text"] for i in indicators) or "no data indicator: analyst judgement only",
        }
        for scenario in rules()["scenarios"]:
            entry = body["scenarios"][scenario].get(risk["id"])
            row[f"{scenario}_rating"] = entry["rating"] if entry else "not rated"
            row[f"{scenario}_rationale"] = entry["rationale"] if entry else ""
            row[f"{scenario}_sources"] = "; ".join(entry["sources"]) if entry else ""
        rows.append(row)
    return pd.DataFrame(rows)

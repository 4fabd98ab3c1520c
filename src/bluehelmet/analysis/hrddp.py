"""HRDDP screening: a register of proposed UN support to non-UN security forces.

Each case names a recipient force (resolved through the actor registry), the type of support
(training, funding, logistics, operational support, joint operations) and its period. The
evidence is pulled from the event store: violence against civilians by the recipient and its
predecessors in a look-back window before the support starts (events, civilian deaths, the
events' sources). A risk level follows from the documented criteria of ``rules/hrddp.yaml``;
analysts add mitigating measures; a named person records the decision. Cases are stored
(``hrddp_cases``) with a full audit trail (``hrddp_audit``), and print as an HTML record.

>>> case = register_support(store, "FAMa", "logistics", "2018-01-01", "2018-12-31", mission="MINUSMA", by="HRO Bamako")  # doctest: +SKIP
>>> add_mitigation(store, case, "Monthly monitoring of detainee transfers", by="HRO Bamako")  # doctest: +SKIP
>>> decide(store, case, "approve_with_mitigation", by="Head of Mission", note="...")      # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from bluehelmet.analysis.missions import check_mission
from bluehelmet.analysis.actor_violence import resolve_actor_ids, violence_against_civilians
from bluehelmet.analysis.records import RecordBook
from bluehelmet.errors import InvalidRequestError
from bluehelmet.period_bounds import parse_bound

RULES_FILE = Path(__file__).parent / "rules" / "hrddp.yaml"
TEMPLATES = Path(__file__).resolve().parents[1] / "reports" / "templates"
LEVEL_ORDER = ("low", "moderate", "high", "very_high")
MAX_LISTED_EVENTS = 200


@lru_cache(maxsize=1)
def criteria() -> dict:
    """The screening criteria (``rules/hrddp.yaml``)."""
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def _book(store) -> RecordBook:
    return RecordBook(store, "hrddp_cases", "hrddp_audit", "HRDDP case")


def _support_period(start, end) -> tuple[date, date]:
    """The first and last days of the support, read as every period is (``parse_bound``).

    A year or a month covers all its days (``2018`` to ``2018`` is the whole year), and a date
    such as ``01/02/2018``, 1 February to some and 2 January to others, is refused rather
    than guessed.
    """
    first = parse_bound(start, end=False, option="--from")
    last = parse_bound(end, end=True, option="--to")
    if first > last:
        raise InvalidRequestError(f"the support period is in the wrong order: {first} is after {last}")
    return first, last


def _need_name(by: str | None, what: str) -> str:
    name = (by or "").strip()
    if not name:
        raise InvalidRequestError(f"{what} needs the name of the person taking it (--by NAME)")
    return name


# -- evidence and risk -----------------------------------------------------------------------


def lookback_window(support_start: date, months: int | None = None) -> tuple[date, date]:
    """The window before the support starts: ``months`` back to the day before it."""
    months = criteria()["lookback_months"] if months is None else months
    start = (pd.Timestamp(support_start) - pd.DateOffset(months=months)).date()
    return start, (pd.Timestamp(support_start) - pd.Timedelta(days=1)).date()


def gather_evidence(store, actor_id: str, support_start: date, lookback_months: int | None = None) -> dict:
    """Violence against civilians by ``actor_id`` and its predecessors in the look-back window.

    Returns a dict with the window, ``events``, ``civilian_deaths``, ``deaths_best``, counts by
    year and perpetrator, the events themselves (at most 200 listed) with their sources, and
    ``coverage``: the dates the store's event sources span, because an empty window may only
    mean that no source covers it.
    """
    from bluehelmet.actors import Registry

    first, last = lookback_window(support_start, lookback_months)
    events = violence_against_civilians(store, [actor_id], start=first, end=last)
    registry = Registry.load(store)
    civilians = pd.to_numeric(events["deaths_civilians"], errors="coerce").fillna(0)
    best = pd.to_numeric(events["deaths_best"], errors="coerce").fillna(0)
    years = pd.to_datetime(events["date_start"]).dt.year if len(events) else pd.Series(dtype="int64")
    coverage = store.sql(
        "SELECT source, CAST(min(date_start) AS VARCHAR) AS first_date, CAST(max(date_start) AS VARCHAR) AS last_date, "
        "count(*) AS events FROM events GROUP BY 1 ORDER BY 1")
    overlapping = coverage[(coverage["first_date"] <= str(last)) & (coverage["last_date"] >= str(first))]
    listed = events.head(MAX_LISTED_EVENTS).assign(date_start=lambda f: f["date_start"].astype(str))
    return {
        "actor_id": actor_id,
        "actor_name": registry.actor(actor_id).name,
        "window": [str(first), str(last)],
        "events": int(len(events)),
        "civilian_deaths": int(civilians.sum()),
        "deaths_best": int(best.sum()),
        "by_year": {str(int(y)): int(n) for y, n in years.value_counts().sort_index().items()},
        "perpetrator_names": sorted(events["side_a"].dropna().unique().tolist()),
        "event_list": listed[["uid", "date_start", "location_name", "admin1_name", "side_a", "side_b",
                               "deaths_civilians", "sources"]].astype(object).where(listed.notna(), None).to_dict("records")
        if len(listed) else [],
        "coverage": coverage.astype(object).to_dict("records"),
        "window_covered": bool(len(overlapping)),
    }


def assess_risk(evidence: dict, support_type: str) -> dict:
    """The risk level the criteria give for the evidence and support type, with the reasons."""
    rules = criteria()
    reasons = []
    level = "low"
    for rule in rules["levels"]:
        if evidence["events"] >= rule["min_events"] and rule["min_events"] > 0 or (
            evidence["civilian_deaths"] >= rule["min_civilian_deaths"] and rule["min_civilian_deaths"] > 0
        ):
            level = rule["level"]
            reasons.append(
                f"{evidence['events']} one-sided events and {evidence['civilian_deaths']} civilian deaths in "
                f"{evidence['window'][0]}..{evidence['window'][1]} reach the '{level}' threshold "
                f"({rule['min_events']} events or {rule['min_civilian_deaths']} civilian deaths)")
            break
    else:
        reasons.append(f"no one-sided violence by the recipient recorded in {evidence['window'][0]}..{evidence['window'][1]}")
    if support_type in rules["escalating_support"] and level != LEVEL_ORDER[-1]:
        raised = LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
        reasons.append(f"{support_type} is direct support to the use of force: raised from {level} to {raised}")
        level = raised
    if not evidence.get("window_covered", True):
        reasons.append("no event source in the store covers the look-back window: absence of evidence is not a clean record")
    meaning = next(r["meaning"] for r in rules["levels"] if r["level"] == level)
    return {"level": level, "reasons": reasons, "meaning": meaning, "criteria_version": rules["version"]}


# -- the register ----------------------------------------------------------------------------


def register_support(
    store, recipient: str, support_type: str, start: str | date, end: str | date, *, by: str,
    mission: str | None = None, description: str = "", lookback_months: int | None = None,
) -> str:
    """Register proposed support and screen it; returns the case id (``hrddp-1``).

    ``recipient`` is an actor id or a name the registry resolves (``FAMa`` -> ``ucdp:72``);
    an unknown recipient, support type, mission or date is an error and nothing is stored.
    """
    who = _need_name(by, "registering support")
    types = criteria()["support_types"]
    if support_type not in types:
        raise InvalidRequestError(f"unknown support type {support_type!r}; choose {', '.join(types)}")
    first, last = _support_period(start, end)
    code = check_mission(store, mission) if mission else None
    actor_id = resolve_actor_ids(store, [recipient])[0]
    evidence = gather_evidence(store, actor_id, first, lookback_months)
    book = _book(store)
    case_id = book.next_id("hrddp-")
    body = {
        "id": case_id, "recipient_input": recipient, "recipient_id": actor_id, "recipient_name": evidence["actor_name"],
        "support_type": support_type, "support_label": types[support_type], "period": [str(first), str(last)],
        "mission": code, "description": description, "requested_by": who,
        "lookback_months": lookback_months if lookback_months is not None else criteria()["lookback_months"],
        "evidence": evidence, "risk": assess_risk(evidence, support_type),
        "mitigations": [], "decision": None, "status": "screened",
    }
    book.write(case_id, body, by=who, action="register",
               detail={"recipient": actor_id, "support_type": support_type, "risk": body["risk"]["level"]}, new=True)
    return case_id


def refresh_evidence(store, case_id: str, *, by: str) -> int:
    """Pull the evidence again (after new ingests) and re-apply the criteria."""
    who = _need_name(by, "refreshing the evidence")
    book = _book(store)
    body, _ = book.get(case_id)
    before = body["risk"]["level"]
    body["evidence"] = gather_evidence(store, body["recipient_id"], date.fromisoformat(body["period"][0]), body["lookback_months"])
    body["risk"] = assess_risk(body["evidence"], body["support_type"])
    return book.write(case_id, body, by=who, action="refresh_evidence",
                      detail={"risk_before": before, "risk_after": body["risk"]["level"], "events": body["evidence"]["events"]})


def add_mitigation(store, case_id: str, measure: str, *, by: str) -> int:
    """Record a mitigating measure (monitoring, conditions, training...) on a case."""
    who = _need_name(by, "adding a mitigating measure")
    if not (measure or "").strip():
        raise InvalidRequestError("a mitigating measure needs a text")
    book = _book(store)
    body, _ = book.get(case_id)
    entry = {"measure": measure.strip(), "by": who, "at": str(pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))}
    body["mitigations"].append(entry)
    return book.write(case_id, body, by=who, action="add_mitigation", detail=entry)


def decide(store, case_id: str, decision: str, *, by: str, note: str = "") -> int:
    """Record the decision on a case and who took it.

    ``approve`` is allowed only at low or moderate risk; ``approve_with_mitigation`` needs at
    least one mitigating measure; a decision without a named decider is refused. Nothing is
    written when a rule is broken.
    """
    who = _need_name(by, "a decision")
    rules = criteria()
    if decision not in rules["decisions"]:
        raise InvalidRequestError(f"unknown decision {decision!r}; choose {', '.join(rules['decisions'])}")
    book = _book(store)
    body, _ = book.get(case_id)
    level = body["risk"]["level"]
    if decision == "approve" and level not in rules["approve_allowed_levels"]:
        raise InvalidRequestError(
            f"{case_id} is {level} risk: it cannot be approved as proposed; use approve_with_mitigation "
            "(after adding measures), defer or reject")
    if decision == "approve_with_mitigation" and not body["mitigations"]:
        raise InvalidRequestError(f"{case_id} has no mitigating measures: add one first (hrddp mitigate)")
    entry = {"decision": decision, "by": who, "note": note, "risk_level": level,
             "at": str(pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))}
    previous = body["decision"]
    body["decision"] = entry
    body["status"] = decision
    return book.write(case_id, body, by=who, action="decide", detail={"before": previous, "after": entry})


def load_case(store, case_id: str, version: int | None = None) -> dict:
    """A case's body (current, or as it was at ``version``)."""
    return _book(store).body(case_id, version)


def case_audit(store, case_id: str) -> pd.DataFrame:
    """The audit trail of a case: every version, who, when, action and detail."""
    return _book(store).log(case_id)


def list_cases(store) -> pd.DataFrame:
    """Every case: recipient, support, period, risk level, status, last change."""
    _book(store)
    return store.sql(
        """SELECT record_id AS case_id, json_extract_string(body, '$.recipient_name') AS recipient,
                  json_extract_string(body, '$.support_type') AS support_type,
                  json_extract_string(body, '$.period[0]') AS start, json_extract_string(body, '$.period[1]') AS "end",
                  json_extract_string(body, '$.risk.level') AS risk, json_extract_string(body, '$.status') AS status,
                  version, updated_by, updated_at
           FROM hrddp_cases ORDER BY created_at, record_id""")


def render_record(store, case_id: str) -> str:
    """The case as a self-contained, printable HTML record (evidence, risk, measures, decision, audit)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    body = load_case(store, case_id)
    audit = case_audit(store, case_id).astype({"changed_at": str}).to_dict("records")
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("hrddp_record.html.j2").render(
        case=body, audit=audit, criteria=criteria(), generated=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))

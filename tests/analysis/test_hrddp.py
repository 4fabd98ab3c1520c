"""HRDDP screening: evidence from the real GED events, criteria, decisions, audit trail, HTML."""

from __future__ import annotations

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.analysis import hrddp
from bluehelmet.errors import InvalidRequestError, NotFoundError

from un_peacekeeping_store import CANDIDATES, sahel_ged_rows, un_store, un_store_file, un_store_path  # noqa: F401


def _raw_mali_state_violence(first: str, last: str) -> pd.DataFrame:
    """One-sided events by the Government of Mali (anywhere) between two dates, from the raw files."""
    ged = sahel_ged_rows()
    ged["date"] = pd.to_datetime(ged[["year", "month", "day"]].astype(int))
    ged["civilians"] = pd.to_numeric(ged["best_death"])  # one-sided: every death is a civilian's
    candidates = pd.concat([pd.read_csv(c, dtype=str, keep_default_na=False) for c in CANDIDATES])
    candidates["date"] = pd.to_datetime(candidates["date_start"].str[:10])
    candidates["civilians"] = pd.to_numeric(candidates["deaths_civilians"])
    rows = pd.concat([ged, candidates], ignore_index=True).drop_duplicates("id")
    one_sided = rows["type_of_violence"].isin(["3", "One-sided violence"])
    mali = rows["side_a"].str.split(", ").map(lambda names: "Government of Mali" in names)
    return rows[one_sided & mali & rows["date"].between(pd.Timestamp(first), pd.Timestamp(last))]


def _expected_level(events: int, deaths: int, support_type: str) -> str:
    rules = hrddp.criteria()
    level = "low"
    for rule in rules["levels"][:-1]:
        if events >= rule["min_events"] or deaths >= rule["min_civilian_deaths"]:
            level = rule["level"]
            break
    order = ["low", "moderate", "high", "very_high"]
    if support_type in rules["escalating_support"]:
        level = order[min(order.index(level) + 1, 3)]
    return level


def test_evidence_is_the_recipients_violence_against_civilians_in_the_lookback_window(un_store):
    case = hrddp.register_support(un_store, "FAMa", "logistics", "2018-01-01", "2018-12-31", mission="minusma", by="HRO Bamako")
    body = hrddp.load_case(un_store, case)
    assert body["recipient_id"] == "ucdp:72" and body["mission"] == "MINUSMA"
    evidence = body["evidence"]
    assert evidence["window"] == ["2015-01-01", "2017-12-31"]
    expected = _raw_mali_state_violence("2015-01-01", "2017-12-31")
    assert evidence["events"] == len(expected) > 0
    assert evidence["civilian_deaths"] == int(expected["civilians"].sum())
    assert sorted(e["uid"] for e in evidence["event_list"]) == sorted(f"ucdp:{i}" for i in expected["id"])
    assert body["risk"]["level"] == _expected_level(len(expected), int(expected["civilians"].sum()), "logistics")
    assert body["status"] == "screened"


def test_support_given_by_year_or_month_covers_all_its_days(un_store):
    """``--from 2018 --to 2018`` had been stored as one day, 2018-01-01..2018-01-01."""
    case = hrddp.register_support(un_store, "FAMa", "logistics", "2018", "2018", by="HRO Bamako")
    body = hrddp.load_case(un_store, case)
    assert body["period"] == ["2018-01-01", "2018-12-31"]
    assert body["evidence"]["window"] == ["2015-01-01", "2017-12-31"]
    assert body["evidence"]["events"] == len(_raw_mali_state_violence("2015-01-01", "2017-12-31")) == 4
    case = hrddp.register_support(un_store, "FAMa", "training", "2018-02", "2018-02", by="HRO Bamako")
    assert hrddp.load_case(un_store, case)["period"] == ["2018-02-01", "2018-02-28"]


def test_joint_operations_raise_the_level_and_recent_events_come_from_the_candidate_release(un_store):
    case = hrddp.register_support(un_store, "Government of Mali", "joint_operations", "2026-03-01", "2026-06-30", by="HRO")
    body = hrddp.load_case(un_store, case)
    expected = _raw_mali_state_violence("2023-03-01", "2026-02-28")
    assert body["evidence"]["events"] == len(expected) > 0
    assert body["risk"]["level"] == _expected_level(len(expected), int(expected["civilians"].sum()), "joint_operations")
    assert any("raised from" in reason for reason in body["risk"]["reasons"])


def test_decisions_follow_the_rules_and_the_audit_trail_survives_a_restart(un_store_path, tmp_path):
    with bluehelmet.open(un_store_path) as store:
        case = hrddp.register_support(store, "ucdp:72", "logistics", "2018-01-01", "2018-12-31", by="HRO Bamako")
        level = hrddp.load_case(store, case)["risk"]["level"]
        assert level in ("high", "very_high")
        with pytest.raises(InvalidRequestError, match="cannot be approved as proposed"):
            hrddp.decide(store, case, "approve", by="Head of Mission")
        with pytest.raises(InvalidRequestError, match="no mitigating measures"):
            hrddp.decide(store, case, "approve_with_mitigation", by="Head of Mission")
        with pytest.raises(InvalidRequestError, match="needs the name of the person"):
            hrddp.decide(store, case, "reject", by="  ")
        assert len(hrddp.case_audit(store, case)) == 1
        hrddp.add_mitigation(store, case, "Monthly review of detainee handovers with OHCHR", by="HRO Bamako")
        hrddp.decide(store, case, "approve_with_mitigation", by="Head of Mission", note="Review after three months")
    with bluehelmet.open(un_store_path) as store:
        body = hrddp.load_case(store, case)
        assert body["decision"]["by"] == "Head of Mission" and body["status"] == "approve_with_mitigation"
        audit = hrddp.case_audit(store, case)
        assert list(audit["action"]) == ["register", "add_mitigation", "decide"]
        assert list(audit["changed_by"]) == ["HRO Bamako", "HRO Bamako", "Head of Mission"]
        assert hrddp.load_case(store, case, version=1)["decision"] is None
        html = hrddp.render_record(store, case)
    for text in ("Government of Mali", "ucdp:72", "Head of Mission", "Monthly review of detainee handovers",
                 "@media print", body["risk"]["level"].replace("_", " ").upper(), "Audit trail"):
        assert text in html
    assert "http://" not in html and "https://" not in html  # self-contained: nothing to fetch


def test_bad_input_writes_nothing(un_store):
    with pytest.raises(NotFoundError, match="unknown actor"):
        hrddp.register_support(un_store, "Zorgon Liberation Brigade", "training", "2018-01-01", "2018-06-30", by="x")
    with pytest.raises(InvalidRequestError, match="unknown support type"):
        hrddp.register_support(un_store, "FAMa", "weapons", "2018-01-01", "2018-06-30", by="x")
    with pytest.raises(InvalidRequestError, match="wrong order"):
        hrddp.register_support(un_store, "FAMa", "training", "2018-06-30", "2018-01-01", by="x")
    with pytest.raises(InvalidRequestError, match=r"--from '2018-13-45' is not a year \(YYYY\), a month \(YYYY-MM\) or a day"):
        hrddp.register_support(un_store, "FAMa", "training", "2018-13-45", "2018-12-31", by="x")
    # 1 February to some, 2 January to others: it was read as 2 January.
    with pytest.raises(InvalidRequestError, match="--from '01/02/2018' is not a year"):
        hrddp.register_support(un_store, "FAMa", "training", "01/02/2018", "2018-12-31", by="x")
    with pytest.raises(InvalidRequestError, match="needs the name"):
        hrddp.register_support(un_store, "FAMa", "training", "2018-01-01", "2018-06-30", by="")
    with pytest.raises(NotFoundError, match="did you mean MINUSMA"):
        hrddp.register_support(un_store, "FAMa", "training", "2018-01-01", "2018-06-30", mission="MINUMSA", by="x")
    assert hrddp.list_cases(un_store).empty
    with pytest.raises(NotFoundError, match="no HRDDP case 'hrddp-7'"):
        hrddp.decide(un_store, "hrddp-7", "reject", by="x")

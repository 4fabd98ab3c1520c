"""Engagement options for an armed actor, drawn from its anatomy profile by readable rules.

The rules live in ``analysis/rules/engagement.yaml``: each option (humanitarian dialogue on PoC
commitments, local ceasefire or access negotiations, community-level engagement, support to a
political process, deterrence and physical protection, dialogue with the host state on its
forces' conduct, no direct contact) has conditions on the profile's facts, a reason for each
condition, risks, preconditions and a rationale citing the source texts. An option is proposed
only when its conditions hold, and it carries the reasons of the conditions that held: no
option without its reasons. The options not proposed carry what blocked them.

>>> from bluehelmet.analysis.anatomy import profile
>>> options = engagement_options(profile(store, "JNIM", "2017-03-01", "2018-12-31"))   # doctest: +SKIP
>>> [(o.option_id, o.reasons[0]) for o in options.proposed]                          # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from bluehelmet.errors import InputFileError

OPERATORS = (">=", ">", "<=", "<", "==", "!=", "in", "not in", "is true", "is false")
RULES_FILE = "engagement.yaml"


class RulesFileError(InputFileError):
    """The engagement rules file is inconsistent (unknown operator, option without reasons...)."""


@dataclass
class Option:
    """An engagement option for one actor, with why, what could go wrong and what it needs."""

    option_id: str
    title: str
    tier: str
    proposed: bool
    reasons: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    preconditions: list[str] = field(default_factory=list)
    rationale: str = ""
    cite: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Options:
    """The options of one profile: ``proposed`` (with reasons) and ``not_proposed`` (with what blocked them)."""

    actor_id: str
    name: str
    period: str
    proposed: list[Option]
    not_proposed: list[Option]
    sources: dict[str, str]

    def as_dict(self) -> dict:
        return {"actor_id": self.actor_id, "name": self.name, "period": self.period,
                "proposed": [o.as_dict() for o in self.proposed], "not_proposed": [o.as_dict() for o in self.not_proposed],
                "sources": self.sources}


def load_rules(path: str | Path | None = None) -> dict:
    """The engagement rules (the bundled file by default), checked; :class:`RulesFileError` names the problem."""
    if path is None:
        text = resources.files("bluehelmet.analysis").joinpath("rules", RULES_FILE).read_text(encoding="utf-8")
        path = Path("bluehelmet/analysis/rules") / RULES_FILE
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        rules = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesFileError(path, f"not valid YAML: {exc}") from None
    validate_rules(rules, path)
    return rules


def _conditions(option: dict) -> list[tuple[str, dict]]:
    when = option.get("when") or {}
    return [(group, c) for group in ("all", "any", "unless") for c in (when.get(group) or [])]


def validate_rules(rules: dict, path: str | Path = "<rules>") -> None:
    """Every option has an id, title, conditions with reasons, risks, preconditions, a rationale
    and citations of known sources; operators are known."""
    sources = rules.get("sources") or {}
    options = rules.get("options") or []
    if not options:
        raise RulesFileError(path, "no options", column="options")
    seen = set()
    for option in options:
        oid = option.get("id")
        if not oid or oid in seen:
            raise RulesFileError(path, "every option needs a unique id", column="id", value=oid)
        seen.add(oid)
        for key in ("title", "rationale", "preconditions", "risks", "cite"):
            if not option.get(key):
                raise RulesFileError(path, f"option {oid} has no {key}", column=key, value=oid)
        conditions = _conditions(option)
        if not any(g in ("all", "any") for g, _ in conditions):
            raise RulesFileError(path, f"option {oid} has no condition: an option is proposed only for reasons", column="when", value=oid)
        for group, cond in conditions + [("reasons_when", c) for c in option.get("reasons_when") or []] + \
                [("risks_when", c) for c in option.get("risks_when") or []]:
            if cond.get("op") not in OPERATORS:
                raise RulesFileError(path, f"option {oid}: unknown operator; use one of {', '.join(OPERATORS)}", column="op", value=cond.get("op"))
            if not cond.get("fact"):
                raise RulesFileError(path, f"option {oid}: a condition without a fact", column="fact", value=oid)
            if group in ("all", "any", "reasons_when") and not cond.get("reason"):
                raise RulesFileError(path, f"option {oid}: condition on {cond['fact']} has no reason", column="reason", value=oid)
            if group == "risks_when" and not cond.get("risk"):
                raise RulesFileError(path, f"option {oid}: risk condition on {cond['fact']} has no risk text", column="risk", value=oid)
        for key in option["cite"]:
            if key not in sources:
                raise RulesFileError(path, f"option {oid} cites an unknown source; the sources are {', '.join(sources)}", column="cite", value=key)


def holds(cond: dict, facts: dict) -> bool:
    """Whether one condition holds for the facts (a missing or NaN fact never holds)."""
    value = facts.get(cond["fact"])
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    op, target = cond["op"], cond.get("value")
    if op == "is true":
        return bool(value)
    if op == "is false":
        return not bool(value)
    if op == "in":
        return value in target
    if op == "not in":
        return value not in target
    if op == "==":
        return value == target
    if op == "!=":
        return value != target
    value, target = float(value), float(target)
    return {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target}[op]


class _Facts(dict):
    def __missing__(self, key):  # a template naming an absent fact shows it, not a crash
        return "?"


def render(template: str, facts: dict) -> str:
    """A reason template with the facts filled in (``{civilian_targeting_share:.0%}``)."""
    safe = _Facts({k: v for k, v in facts.items() if not (isinstance(v, float) and math.isnan(v))})
    try:
        return " ".join(string.Formatter().vformat(template, (), safe).split())
    except (ValueError, TypeError):
        return " ".join(template.split())


def evaluate_option(option: dict, facts: dict) -> Option:
    """One option for the facts: proposed with its reasons, or not with what blocked it."""
    when = option.get("when") or {}
    reasons, blocked = [], []
    for cond in when.get("all") or []:
        (reasons if holds(cond, facts) else blocked).append(render(cond["reason"] if holds(cond, facts) else cond.get("unmet", "not met: " + cond["reason"]), facts))
    any_conds = when.get("any") or []
    if any_conds:
        met = [c for c in any_conds if holds(c, facts)]
        reasons += [render(c["reason"], facts) for c in met]
        if not met:
            blocked.append("none of: " + " / ".join(render(c.get("unmet", c["reason"]), facts) for c in any_conds))
    for cond in when.get("unless") or []:
        if holds(cond, facts):
            blocked.append(render(cond.get("unmet", f"blocked by {cond['fact']}"), facts))
    proposed = not blocked and bool(reasons)
    if proposed:
        reasons += [render(c["reason"], facts) for c in option.get("reasons_when") or [] if holds(c, facts)]
    risks = [render(r, facts) for r in option["risks"]]
    risks += [render(c["risk"], facts) for c in option.get("risks_when") or [] if holds(c, facts)]
    return Option(option["id"], option["title"], str(option.get("tier", "")), proposed, reasons if proposed else [],
                  blocked, risks, [render(p, facts) for p in option["preconditions"]],
                  " ".join(str(option["rationale"]).split()), list(option["cite"]))


@functools.lru_cache(maxsize=1)
def _bundled_rules() -> dict:
    return load_rules()


def engagement_options(profile, rules: dict | None = None) -> Options:
    """The engagement options for a :class:`~bluehelmet.analysis.anatomy.Profile` (or a facts dict)."""
    rules = rules or _bundled_rules()
    facts = profile.facts if hasattr(profile, "facts") else dict(profile)
    evaluated = [evaluate_option(o, facts) for o in rules["options"]]
    sources = {k: " ".join(str(v).split()) for k, v in (rules.get("sources") or {}).items()}
    return Options(getattr(profile, "actor_id", facts.get("actor_id", "")), facts.get("name", ""), facts.get("period", ""),
                   [o for o in evaluated if o.proposed], [o for o in evaluated if not o.proposed], sources)

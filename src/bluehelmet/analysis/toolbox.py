"""PoC toolbox fit: context indicators for an area, and a rating of each protection tool.

The indicators come from the data (events of civilian harm, the actor registry when present,
UN positions):

- ``violent_extremist_share``: share of events with a violent-extremist group on a side;
- ``ct_foreign_events``: events with a foreign (including counter-terrorism) force on a side;
- ``state_presence_share``: share of events with the host state's forces on a side (a proxy:
  where the state fights or is attacked, it is present; where it never appears, it is absent);
- ``un_positions`` and ``events_near_un``: UN positions in force in the area in the period, and
  violent events within 20 km of a position in force in their month (inside the area or not);
  ``median_km_to_un``: median distance of events to the nearest such position (an access proxy;
  NaN when no position covers their months, so no rule fires on it). Positions come from
  Geo-PKO and RADPKO, the most precise source for each mission and month
  (:mod:`bluehelmet.analysis.presence`);
- ``communal_share``: share of events with a communal group or militia on a side;
- ``state_foreign_civilian_death_share``: share of one-sided civilian deaths whose perpetrator
  is a state or foreign force; ``one_sided_civilian_deaths``; ``perpetrators``.

A side's kind is the actor registry's kind when the event is resolved; otherwise it is read
from the raw name with the patterns below (documented, and weaker: see ``docs/threats.md``).

The rules (``analysis/rules/toolbox.yaml``) give each tool its tiers and phases in the UN PoC
policy, a rationale that cites the source texts, and conditions on the indicators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bluehelmet.analysis.scope import Area, parse_period, require_events, resolve_area
from bluehelmet.analysis.threats import HARM_CATEGORIES, harm_events
from bluehelmet.errors import InputFileError

VIOLENT_EXTREMIST = re.compile(
    r"jnim|jama'?a?t\s+nus|nusrat al-islam|\bgsim\b|\baqim\b|\baqmi\b|al-qa'?ida|al-qaeda|islamic state|\bisgs\b|"
    r"\beigs\b|iswap|\bis\b|is sahel|ansar(u|ou)l islam|ansar(\s|-)?dine|mujao|mujwa|mourabitoun|murabitun|katiba macina|"
    r"macina liberation|boko haram|mulathamun|signed-in-blood",
    re.IGNORECASE,
)
FOREIGN_NAMED = re.compile(r"barkhane|serval|takuba|g5 sahel|wagner|africa corps|sangaris|ecomog|afisma", re.IGNORECASE)
UN_NAMED = re.compile(r"united nations|\bun\b|minusma|monusco|minusca|unmiss|unamid", re.IGNORECASE)
COMMUNAL = re.compile(
    r"dogon|fulani|peul|\bfula\b|dozo|bambara|dan na am?bassagou|tuareg|songhai|ganda (koy|iso)|imghad|daoussahak|"
    r"\barab\b|communal|militia|ethnic|\bclan\b|tribe|idourfane|ifoghas|chamanamas|koglweogo",
    re.IGNORECASE,
)
STATE_PREFIX = re.compile(r"^(government|military forces|police forces) of (.+?)( \(\d{4}-\d{0,4}\))?$", re.IGNORECASE)
REGISTRY_GROUP = {
    "jihadist": "violent_extremist", "state_force": "state", "foreign_force": "foreign",
    "un_regional_force": "un", "communal": "communal", "militia": "communal",
}


def side_group(name: str | None, kind: str | None, country_name: str) -> str:
    """Which indicator group a side belongs to: violent_extremist, state, foreign, un, communal, other.

    >>> side_group("Government of France", "unresolved", "Mali")
    'foreign'
    >>> side_group("JNIM", "unresolved", "Mali")
    'violent_extremist'
    """
    if name is None and kind is None:
        return "other"
    if kind and kind in REGISTRY_GROUP:
        return REGISTRY_GROUP[kind]
    if kind and kind not in ("unresolved", "mixed"):
        return "other"
    text = (name or "").strip()
    state = STATE_PREFIX.match(text)
    if state:
        return "state" if state.group(2).lower().startswith(country_name.lower()) else "foreign"
    if UN_NAMED.search(text):
        return "un"
    if FOREIGN_NAMED.search(text):
        return "foreign"
    if VIOLENT_EXTREMIST.search(text):
        return "violent_extremist"
    if COMMUNAL.search(text):
        return "communal"
    return "other"


def _side_groups(events: pd.DataFrame, country_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The group of side A and side B of every event (vectorised over unique names and kinds)."""
    dyad = (events["attribution"] == "dyad") & events["perpetrator"].str.contains(" vs ", regex=False)
    split = events["perpetrator"].str.split(" vs ", n=1, expand=True).reindex(columns=[0, 1])
    kinds = events["perpetrator_kind"].str.split(" vs ", n=1, expand=True).reindex(columns=[0, 1])
    name_a = split[0].where(dyad, events["perpetrator"])
    name_b = split[1].where(dyad, events["side_b"])
    groups = []
    for names, kind in ((name_a, kinds[0]), (name_b, kinds[1])):
        pairs = pd.DataFrame({"name": names.astype(object), "kind": kind.astype(object)})
        unique = pairs.drop_duplicates()
        lookup = {
            (n, k): side_group(None if pd.isna(n) else n, None if pd.isna(k) else k, country_name)
            for n, k in zip(unique["name"], unique["kind"])
        }
        groups.append(np.array([lookup[(n, k)] for n, k in zip(pairs["name"], pairs["kind"])], dtype=object))
    return groups[0], groups[1]


def indicators(store, country: str, start: str, end: str, *, area: str | None = None, near_km: float = 20.0) -> dict:
    """The context indicators of an area and period (see the module docstring)."""
    from bluehelmet.analysis.presence import event_distances
    from bluehelmet.geo.countries import country_name

    con = store.con
    period = parse_period(start, end)
    place = resolve_area(con, country, area)
    require_events(con, place, period)
    events = harm_events(con, place, period, HARM_CATEGORIES)
    cname = country_name(place.country) or place.country
    group_a, group_b = _side_groups(events, cname)
    n = max(len(events), 1)

    def share(group: str) -> float:
        return float(((group_a == group) | (group_b == group)).sum() / n)

    one_sided = events["violence_category"] == "one_sided"
    os_deaths = float(events.loc[one_sided, "civilian_deaths_best"].sum())
    by_state_foreign = one_sided.to_numpy() & np.isin(group_a, ["state", "foreign"])
    positions = _positions_in_area(store, place, period)
    located = events.dropna(subset=["latitude", "longitude"])
    # To the nearest position in force in the event's month, inside the area or not; NaN in
    # months no source covers.
    distances = event_distances(store, located)["distance_km"].dropna() if len(located) else pd.Series(dtype=float)
    return {
        "area": place.label(),
        "period": period.label(),
        "events": int(len(events)),
        "civilian_deaths": int(events["civilian_deaths_best"].sum()),
        "one_sided_civilian_deaths": int(os_deaths),
        "one_sided_share": float(one_sided.sum() / n),
        "perpetrators": int(events.loc[one_sided, "perpetrator"].nunique()),
        "violent_extremist_share": share("violent_extremist"),
        "ct_foreign_events": int(((group_a == "foreign") | (group_b == "foreign")).sum()),
        "state_presence_share": share("state"),
        "communal_share": share("communal"),
        "un_events": int(((group_a == "un") | (group_b == "un")).sum()),
        "state_foreign_civilian_death_share": float(events.loc[by_state_foreign, "civilian_deaths_best"].sum() / os_deaths) if os_deaths else 0.0,
        "un_positions": int(len(positions)),
        "events_near_un": int((distances <= near_km).sum()),
        # NaN when no position covers the events' months: unknown access must not fire a rule.
        "median_km_to_un": float(np.median(distances)) if len(distances) else float("nan"),
        "_event_ids": events["uid"].tolist(),
    }


def _positions_in_area(store, place: Area, period) -> pd.DataFrame:
    """UN positions in force in the period inside the area (the whole country, or the unit's polygon or cell)."""
    import shapely

    from bluehelmet.analysis.presence import positions_in_period
    from bluehelmet.geo import priogrid

    con = store.con
    positions = positions_in_period(store, place.country, period.start, period.end)
    if positions.empty or place.level == "country":
        return positions
    if place.level == "grid":
        shape = shapely.box(*priogrid.bounds(int(place.code)))
    else:
        rows = con.execute("SELECT geometry FROM admin_units WHERE pcode = ?", [place.code]).fetchall()
        shape = shapely.from_wkb(bytes(rows[0][0]))
    inside = shapely.contains_xy(shape, positions["longitude"].to_numpy(), positions["latitude"].to_numpy())
    return positions[inside]


def default_rules_path() -> Path:
    """The bundled toolbox rules."""
    return Path(str(resources.files("bluehelmet.analysis").joinpath("rules/toolbox.yaml")))


def load_rules(path: str | Path | None = None) -> dict:
    """The toolbox rule file, checked."""
    path = Path(path) if path else default_rules_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(path, f"cannot read the toolbox rules: {exc}") from exc
    for tool in doc.get("tools", []):
        for key in ("id", "name", "tiers", "phases", "rationale", "conditions"):
            if key not in tool:
                raise InputFileError(path, f"tool {tool.get('id', '?')} lacks {key!r}")
    return doc


_OPS = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


@dataclass
class ToolFit:
    """One tool's rating for an area, with the reasons that produced it."""

    tool: str
    name: str
    tiers: list[str]
    phases: list[str]
    score: int
    rating: str
    reasons: list[str]
    rationale: str
    cite: list[str]


def toolbox_fit(store, country: str, start: str, end: str, *, area: str | None = None, rules_path: str | Path | None = None):
    """Indicators of the area and a :class:`ToolFit` per tool of the rule file.

    Returns ``(indicators, fits, rules)`` where ``rules`` is the parsed rule file (for its sources).
    """
    rules = load_rules(rules_path)
    values = indicators(store, country, start, end, area=area)
    fits = []
    for tool in rules["tools"]:
        score, reasons = int(tool.get("base", 0)), []
        for cond in tool["conditions"]:
            name = cond["indicator"]
            if name not in values:
                raise InputFileError(rules_path or default_rules_path(), f"tool {tool['id']}: unknown indicator {name!r}", value=name)
            if _OPS[cond["op"]](values[name], cond["value"]):
                score += int(cond["score"])
                reasons.append(("+" if cond["score"] > 0 else "") + f"{cond['score']}: " + cond["reason"].format(**values))
        rating = next(r["name"] for r in rules["ratings"] if score >= r["min_score"])
        fits.append(ToolFit(tool["id"], tool["name"], tool["tiers"], tool["phases"], score, rating, reasons,
                            " ".join(tool["rationale"].split()), tool.get("cite", [])))
    return values, fits, rules


def fits_frame(fits: list[ToolFit]) -> pd.DataFrame:
    """The tool fits as a table."""
    return pd.DataFrame([
        {"tool": f.name, "rating": f.rating, "score": f.score, "tiers": ", ".join(f.tiers),
         "phases": ", ".join(f.phases), "reasons": " | ".join(f.reasons) or "no condition applied", "cite": ", ".join(f.cite)}
        for f in fits
    ])

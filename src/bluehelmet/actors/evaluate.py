"""Measuring the resolver on labelled sets: how often it is right, and how often it dares.

Three sets, each reported with ``n``, ``top1_accuracy`` (the best candidate is right, accepted
or not), ``precision_at_accept`` (right among the names accepted without review) and
``coverage`` (the share accepted without review):

- ``ucdp_variants``: a resolver that knows only the UCDP list's NameData names resolves the
  list's other names for the same actors (original, full, English, new and mother-tongue
  names). Many are translations no string method can match; those must go to review.
- ``perturbed``: every unambiguous registry name, altered the ways real data alters names
  (case, lost diacritics, apostrophes, hyphens, word order, typos, "ACRONYM: Full name", a
  country in brackets). Seeded, so the set is the same on every run.
- ``sahel``: hand-written Sahel name strings as ACLED, UCDP and mission reports write them,
  with dates (``actors/data/sahel_names.csv``).
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from unidecode import unidecode

from bluehelmet.actors.normalise import looks_like_acronym, normalise
from bluehelmet.actors.registry import Registry
from bluehelmet.actors.resolver import Resolver
from bluehelmet.actors.seed_ucdp import UCDP_ACTOR_FILE, name_variants, read_ucdp_actors, ucdp_rows
from bluehelmet.geo.countries import country_name

SAHEL_NAMES_FILE = Path(__file__).resolve().parent / "data" / "sahel_names.csv"
PERTURBATIONS = ("case", "diacritics", "apostrophe", "hyphen", "word_order", "typo1", "typo2", "acled_form", "country_bracket")
SEED = 20240601


@dataclass
class Labelled:
    raw_name: str
    actor_id: str
    on: str | None = None
    kind: str | None = None  # how the name was made (perturbation, UCDP column, source form)


def score_set(resolver: Resolver, items: list[Labelled]) -> dict:
    """``n``, ``top1_accuracy``, ``precision_at_accept``, ``coverage`` and counts for one set."""
    right = accepted = accepted_right = 0
    methods: Counter = Counter()
    misses: list[dict] = []
    for item in items:
        result = resolver.resolve(item.raw_name, item.on)
        correct = result.actor_id == item.actor_id
        right += correct
        if result.status in ("auto", "decided"):
            accepted += 1
            accepted_right += correct
            methods[result.method] += 1
            if not correct:
                misses.append({"raw_name": item.raw_name, "expected": item.actor_id, "got": result.actor_id, "method": result.method})
    n = len(items)
    return {
        "n": n,
        "top1_accuracy": round(right / n, 4) if n else None,
        "precision_at_accept": round(accepted_right / accepted, 4) if accepted else None,
        "coverage": round(accepted / n, 4) if n else None,
        "accepted": accepted,
        "accepted_by_method": dict(methods.most_common()),
        "wrong_accepts": misses[:20],
    }


# -- the sets ------------------------------------------------------------------------------
def ucdp_variant_pairs(path: Path = UCDP_ACTOR_FILE) -> list[Labelled]:
    """(other name, actor) for every UCDP actor name that differs from its NameData (and is not
    another actor's NameData)."""
    pairs: dict[tuple[str, str], Labelled] = {}
    rows = ucdp_rows(path)
    # A variant that is another actor's NameData ("MPLA", "KNU") has no single right answer.
    name_data = {" ".join(r["NameData"].split()) for r in rows}
    for row in rows:
        actor_id = f"ucdp:{row['ActorId'].strip()}"
        variants = name_variants(row)
        base = variants[0][1] if variants and variants[0][0] == "NameData" else None
        for column, name, _, _ in variants:
            if column != "NameData" and name != base and name not in name_data:
                pairs.setdefault((name, actor_id), Labelled(name, actor_id, None, column))
    return list(pairs.values())


def namedata_registry(path: Path = UCDP_ACTOR_FILE) -> Registry:
    """The UCDP registry with only the NameData names as aliases."""
    registry = read_ucdp_actors(path)
    registry.aliases = [a for a in registry.aliases if a.source and a.source.endswith("(NameData)")]
    registry.edges = []
    return registry


def _typo(text: str, rng: random.Random, count: int) -> str:
    chars = list(text)
    for _ in range(count):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(letters) < 2:
            break
        i = rng.choice(letters[1:])  # keep the first letter, as most typos do
        op = rng.choice(("swap", "drop", "double", "replace"))
        if op == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "drop":
            del chars[i]
        elif op == "double":
            chars.insert(i, chars[i])
        else:
            chars[i] = rng.choice("aeioulnrst".replace(chars[i].lower(), ""))
    return "".join(chars)


def perturb(name: str, how: str, rng: random.Random, *, acronym: str | None = None, country: str | None = None) -> str | None:
    """One alteration of a name, or None when it does not apply to this name.

    >>> perturb("Jama'at Nusrat al-Islam", "apostrophe", random.Random(1))
    'Jama’at Nusrat al-Islam'
    """
    if how == "case":
        return name.upper() if name != name.upper() else name.lower()
    if how == "diacritics":
        plain = unidecode(name)
        return plain if plain != name else None
    if how == "apostrophe":
        if "'" in name:
            return name.replace("'", rng.choice(["’", "", "`"]))
        if "’" in name:
            return name.replace("’", "'")
        return None
    if how == "hyphen":
        if "-" in name:
            return name.replace("-", " ")
        words = name.split()
        return "-".join(words[:2]) + (" " + " ".join(words[2:]) if len(words) > 2 else "") if len(words) >= 2 else None
    if how == "word_order":
        words = name.split()
        return " ".join(words[1:] + words[:1]) if len(words) >= 2 else None
    if how == "typo1":
        return _typo(name, rng, 1) if len(name) >= 8 else None
    if how == "typo2":
        return _typo(name, rng, 2) if len(name) >= 15 else None
    if how == "acled_form":
        return f"{acronym}: {name}" if acronym and acronym != name and not looks_like_acronym(name) else None
    if how == "country_bracket":
        return f"{name} ({country})" if country and "(" not in name else None
    raise ValueError(f"unknown perturbation {how!r}; the perturbations are {', '.join(PERTURBATIONS)}")


def perturbed_names(registry: Registry, seed: int = SEED, per_name: int = 3) -> list[Labelled]:
    """``per_name`` perturbations of every unambiguous alias of the registry (seeded, deterministic)."""
    owners: dict[str, set[str]] = {}
    for alias in registry.aliases:
        owners.setdefault(normalise(alias.alias), set()).add(alias.actor_id)
    acronyms: dict[str, str] = {}
    for alias in sorted(registry.aliases, key=lambda a: (a.actor_id, a.alias)):
        if looks_like_acronym(alias.alias):
            acronyms.setdefault(alias.actor_id, alias.alias)
    rng = random.Random(seed)
    out: list[Labelled] = []
    turn = 0
    for alias in sorted(registry.aliases, key=lambda a: (a.actor_id, a.alias)):
        if len(owners[normalise(alias.alias)]) != 1 or len(normalise(alias.alias)) < 2:
            continue
        actor = registry.actors[alias.actor_id]
        country = country_name(actor.country_iso3) if actor.country_iso3 else None
        made = 0
        for step in range(len(PERTURBATIONS)):
            how = PERTURBATIONS[(turn + step) % len(PERTURBATIONS)]
            altered = perturb(alias.alias, how, rng, acronym=acronyms.get(alias.actor_id), country=country)
            if altered and altered != alias.alias:
                out.append(Labelled(altered, alias.actor_id, None, how))
                made += 1
                if made == per_name:
                    break
        turn += 1
    return out


def sahel_names(path: Path = SAHEL_NAMES_FILE) -> list[Labelled]:
    """The hand-written Sahel set: raw name, date, expected actor, form."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if not (r.get("raw_name") or "").startswith("#")]
    return [Labelled(r["raw_name"], r["actor_id"], r.get("date") or None, r.get("form")) for r in rows]


def evaluate(registry: Registry | None = None, decisions=None) -> dict:
    """Every labelled set's figures, as one JSON-ready dict."""
    registry = registry or Registry.bundled()
    full = Resolver(registry, decisions)
    perturbed = perturbed_names(registry)
    results = {
        "ucdp_variants": score_set(Resolver(namedata_registry()), ucdp_variant_pairs()),
        "perturbed": score_set(full, perturbed),
        "sahel": score_set(full, sahel_names()),
    }
    results["perturbed"]["by_perturbation"] = by_kind(full, perturbed)
    return results


def by_kind(resolver: Resolver, items: list[Labelled]) -> dict:
    kinds: dict[str, list[Labelled]] = {}
    for item in items:
        kinds.setdefault(item.kind or "", []).append(item)
    return {k: score_set(resolver, v)["top1_accuracy"] for k, v in sorted(kinds.items())}

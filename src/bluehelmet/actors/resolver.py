"""Resolving a raw actor name (and the event's date) to a registry actor, with a score and a reason.

The resolver tries, in order: analysts' decisions; the exact alias; the alias up to case and
spacing (``normalised``); up to diacritics, apostrophes, hyphens and common transliteration
spellings (``transliteration``: Jama'at = Jamaat = Jama’at, Mourabitoun = Murabitun); word
order (``token_order``); acronyms both ways (``acronym``: "Front patriotique rwandais" -> FPR);
the forms sources build around names (``pattern``: ACLED's "JNIM: Full name", "Military
Forces of Mali (2021-)", "Government of X", "Fulani Ethnic Militia (Mali)", a country in
brackets); and last, string similarity (``fuzzy``). A match scoring below
:data:`AUTO_ACCEPT`, or one that several actors share equally, is not a guess: it goes to
review with its candidates.

>>> from bluehelmet.actors import Registry, Resolver
>>> resolver = Resolver(Registry.bundled())                            # doctest: +SKIP
>>> resolver.resolve("Jama’at Nusrat al-Islam wal-Muslimin").actor_id  # doctest: +SKIP
'ucdp:6716'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from bluehelmet.actors.normalise import (
    acronyms_of, compact, looks_like_acronym, normalise, regime_years, split_acled, split_side,
    strip_brackets, token_key,
)
from bluehelmet.actors.registry import Registry
from bluehelmet.geo.countries import iso3_from_name

AUTO_ACCEPT = 0.90  # at or above: accepted automatically; below: review
FUZZY_MARGIN = 0.04  # a fuzzy match must beat the best other actor by this much to be accepted
SCORES = {
    "decision": 1.0, "exact": 1.0, "normalised": 0.99, "transliteration": 0.96, "token_order": 0.95,
    "phonetic": 0.93, "acronym": 0.92, "pattern": 0.95, "unbracketed": 0.93,
}
_ARTICLES = {"al", "el", "ul", "ad", "ed", "ash", "as", "an", "ar", "at", "az", "l"}
_SPELLINGS = [("dj", "j"), ("ou", "u"), ("ee", "i"), ("ii", "i"), ("oo", "u"), ("aa", "a"), ("q", "k"),
              ("ph", "f"), ("y", "i"), ("kh", "k"), ("ch", "sh"), ("e", "a")]
_STATE_FORCE = re.compile(
    r"^(?:military|police|armed|security|defen[cs]e and security|gendarmerie|special|naval|air) forces? of (?:the )?(.+)$"
    r"|^government of (?:the )?(.+)$|^(.+?) (?:armed|security|defen[cs]e) forces$|^(?:army|military) of (?:the )?(.+)$"
)
_COMMUNAL_MILITIA = re.compile(r"^(.+?) (?:ethnic|communal|tribal|clan) militia$")


def phonetic_key(name: str) -> str:
    """A coarse key for transliterations: articles dropped, spaces dropped, common spellings merged.

    >>> phonetic_key("al-Mourabitoun") == phonetic_key("Al Murabitun")
    True
    """
    words = [w for w in normalise(name).split() if w not in _ARTICLES]
    text = "".join(words)
    for old, new in _SPELLINGS:
        text = text.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", text)


@dataclass
class Candidate:
    actor_id: str
    name: str
    score: float

    def as_dict(self) -> dict:
        return {"actor_id": self.actor_id, "name": self.name, "score": round(self.score, 4)}


@dataclass
class Resolution:
    """What the resolver made of one raw name."""

    raw_name: str
    actor_id: str | None
    name: str | None
    score: float
    method: str
    reason: str
    status: str  # auto | decided | review
    candidates: list[Candidate] = field(default_factory=list)
    date_sensitive: bool = False  # the date chose between actors sharing the name

    def as_dict(self) -> dict:
        return {
            "raw_name": self.raw_name, "actor_id": self.actor_id, "name": self.name,
            "score": round(self.score, 4), "method": self.method, "reason": self.reason,
            "status": self.status, "candidates": [c.as_dict() for c in self.candidates],
        }


@dataclass
class _Entry:
    actor_id: str
    alias: str
    valid_from: date | None
    valid_to: date | None


class Resolver:
    """Resolves raw names against a registry; build once, call :meth:`resolve` many times.

    Parameters
    ----------
    registry:
        The actors and aliases to resolve to.
    decisions:
        Analysts' decisions (:class:`bluehelmet.actors.decisions.Decisions`); they win.
    threshold:
        Score at or above which a match is accepted without review.
    """

    def __init__(self, registry: Registry, decisions=None, threshold: float = AUTO_ACCEPT) -> None:
        self.registry = registry
        self.decisions = decisions
        self.threshold = threshold
        self._exact: dict[str, list[_Entry]] = {}
        self._keys: dict[str, dict[str, list[_Entry]]] = {k: {} for k in ("normalised", "transliteration", "token_order", "phonetic", "acronym", "initials")}
        for alias in registry.aliases:
            if alias.actor_id not in registry.actors:
                continue
            entry = _Entry(alias.actor_id, alias.alias, alias.valid_from, alias.valid_to)
            self._exact.setdefault(alias.alias.strip(), []).append(entry)
            self._keys["normalised"].setdefault(" ".join(alias.alias.lower().split()), []).append(entry)
            self._keys["transliteration"].setdefault(compact(alias.alias), []).append(entry)
            self._keys["token_order"].setdefault(token_key(alias.alias), []).append(entry)
            self._keys["phonetic"].setdefault(phonetic_key(alias.alias), []).append(entry)
            stripped, bracket = strip_brackets(alias.alias)
            if bracket is not None and len(stripped) >= 3:
                self._keys.setdefault("unbracketed", {}).setdefault(normalise(stripped), []).append(entry)
            if looks_like_acronym(alias.alias):
                self._keys["acronym"].setdefault(compact(alias.alias), []).append(entry)
            else:
                for acronym in acronyms_of(alias.alias):
                    self._keys["initials"].setdefault(acronym, []).append(entry)
        self._fuzzy_keys = list(self._keys["token_order"])
        self._state_forces: dict[str, str] = {}
        for actor in registry.actors.values():
            if actor.kind == "state_force" and actor.name.startswith("Government of ") and actor.country_iso3:
                self._state_forces.setdefault(actor.country_iso3, actor.actor_id)
        self._cache: dict[str, Resolution] = {}

    # -- public ----------------------------------------------------------------------------
    def resolve(self, raw_name: str, on: date | str | None = None) -> Resolution:
        """Resolve one raw name, as of the date ``on`` when given."""
        on_date = date.fromisoformat(str(on)[:10]) if on else None
        cached = self._cache.get(raw_name)
        if cached is not None and not (cached.date_sensitive and on_date):
            return cached
        result = self._resolve(raw_name, on_date)
        if not result.date_sensitive or on_date is None:
            self._cache[raw_name] = result
        return result

    def resolve_side(self, raw_side: str, on: date | str | None = None) -> list[Resolution]:
        """The actors of one event side: a multi-actor side ("GATIA, MSA") gives one result per actor."""
        whole = self.resolve(raw_side, on)
        parts = split_side(raw_side)
        if len(parts) < 2 or (whole.status != "review" and whole.method != "fuzzy"):
            return [whole]
        return [self.resolve(part, on) for part in parts]

    # -- the steps -------------------------------------------------------------------------
    def _resolve(self, raw: str, on: date | None) -> Resolution:
        text = " ".join(str(raw or "").split())
        if not text:
            return Resolution(raw, None, None, 0.0, "none", "empty name", "review")
        decided = self._decided(text)
        if decided is not None:
            return decided
        rejected = self.decisions.rejected_for(text) if self.decisions else set()
        found = self._match(text, on, rejected)
        if found is None:
            found = self._structural(text, on, rejected)
        if found is None:
            found = self._fuzzy(text, on, rejected)
            if found.status == "review":
                found = self._acronym(strip_brackets(text)[0], on, rejected) or found
        found.raw_name = raw
        return found

    def _acronym(self, text: str, on, rejected) -> Resolution | None:
        """An acronym for a full name, or a full name for an acronym (tried after similarity,
        because a mistyped name can look like someone else's initials)."""
        if looks_like_acronym(text):
            entries = self._keys["initials"].get(compact(text))
            return self._choose(text, entries, "acronym", SCORES["acronym"], on, rejected) if entries else None
        for acronym in sorted(acronyms_of(text)):
            entries = self._keys["acronym"].get(acronym)
            if entries:
                return self._choose(text, entries, "acronym", SCORES["acronym"], on, rejected, via=acronym.upper())
        return None

    def _decided(self, text: str) -> Resolution | None:
        if not self.decisions:
            return None
        decision = self.decisions.accepted_for(text)
        if decision is None or decision.actor_id not in self.registry.actors:
            return None
        actor = self.registry.actors[decision.actor_id]
        return Resolution(text, actor.actor_id, actor.name, 1.0, "decision",
                          f"{decision.action} by {decision.decided_by or 'an analyst'} on {str(decision.decided_at)[:10]}",
                          "decided", [Candidate(actor.actor_id, actor.name, 1.0)])

    def _match(self, text: str, on: date | None, rejected: set[str], *, via: str | None = None) -> Resolution | None:
        """The string methods, strongest first; None when none of them finds the name."""
        lookups = [
            ("exact", self._exact.get(text)),
            ("normalised", self._keys["normalised"].get(" ".join(text.lower().split()))),
            ("transliteration", self._keys["transliteration"].get(compact(text))),
            ("token_order", self._keys["token_order"].get(token_key(text))),
            ("transliteration", self._keys["phonetic"].get(phonetic_key(text)) if len(compact(text)) >= 6 else None),
        ]
        lookups.append(("unbracketed", self._keys.get("unbracketed", {}).get(normalise(text))))
        for step, (method, entries) in enumerate(lookups):
            if not entries:
                continue
            score = SCORES["phonetic"] if step == 4 else SCORES[method]
            if method == "unbracketed":
                method, via = "pattern", (via or "alias without its bracket")
            return self._choose(text, entries, method, score, on, rejected, via=via)
        return None

    def _choose(self, text, entries, method, score, on, rejected, *, via=None, country=None) -> Resolution:
        by_actor: dict[str, list[_Entry]] = {}
        for entry in entries:
            if entry.actor_id not in rejected:
                by_actor.setdefault(entry.actor_id, []).append(entry)
        how = f"{method} match" + (f" ({via})" if via else "")
        if not by_actor:
            return Resolution(text, None, None, 0.0, method, f"{how}, but the analyst rejected that actor for this name", "review")
        actors = sorted(by_actor)
        date_sensitive = False
        if len(actors) > 1 and country:
            narrowed = [a for a in actors if self.registry.actors[a].country_iso3 == country]
            actors = narrowed or actors
        if len(actors) > 1 and on is not None:
            narrowed = [a for a in actors if self._active(a, by_actor[a], on)]
            if narrowed and len(narrowed) < len(actors):
                actors, date_sensitive = narrowed, True
        candidates = [Candidate(a, self.registry.actors[a].name, score) for a in actors]
        if len(actors) > 1:
            return Resolution(text, actors[0], candidates[0].name, score * 0.6, method,
                              f"{how} shared by {len(actors)} actors: " + ", ".join(f"{c.actor_id} {c.name}" for c in candidates[:4]),
                              "review", candidates, date_sensitive)
        actor = self.registry.actors[actors[0]]
        alias = by_actor[actors[0]][0].alias
        reason = f"{how} of alias {alias!r}" + (f" chosen for {on}" if date_sensitive else "")
        status = "auto" if score >= self.threshold else "review"
        return Resolution(text, actor.actor_id, actor.name, score, method, reason, status, candidates, date_sensitive)

    def _active(self, actor_id: str, entries: list[_Entry], on: date) -> bool:
        actor = self.registry.actors[actor_id]
        alias_ok = any((e.valid_from is None or e.valid_from <= on) and (e.valid_to is None or on <= e.valid_to) for e in entries)
        actor_ok = (actor.active_from is None or actor.active_from <= on) and (actor.active_to is None or on <= actor.active_to)
        return alias_ok and actor_ok

    def _structural(self, text: str, on: date | None, rejected: set[str]) -> Resolution | None:
        """Names built around a name: ACLED's 'ACRONYM: Full name', a bracket, state forces, militias."""
        acled = split_acled(text)
        if acled:
            head, tail = acled
            results = [r for r in (self._resolve_inner(tail, on, rejected), self._resolve_inner(head, on, rejected)) if r and r.actor_id]
            if results:
                agree = len({r.actor_id for r in results}) == 1 and len(results) == 2
                best = max(results, key=lambda r: r.score)
                if agree:
                    best.score = min(1.0, best.score + 0.03)
                    best.reason = f"ACLED 'ACRONYM: full name' form; both parts agree ({best.reason})"
                    best.status = "auto" if best.score >= self.threshold and best.method != "review" else best.status
                elif len(results) == 2:
                    best.score *= 0.8
                    best.status = "review"
                    best.reason = f"ACLED form whose parts disagree: {results[0].actor_id} and {results[1].actor_id}"
                    best.candidates = [c for r in results for c in r.candidates[:2]]
                else:
                    best.reason = f"ACLED 'ACRONYM: full name' form; {best.reason}"
                return self._finish(best)
        stripped, bracket = strip_brackets(text)
        if bracket is not None:
            country = iso3_from_name(bracket)
            inner = self._match(stripped, on, rejected, via=f"without '({bracket})'")
            if inner is None:
                inner = self._structural(stripped, on, rejected)
            if inner is not None and inner.actor_id:
                if country and inner.status == "review" and len(inner.candidates) > 1:
                    narrowed = [c for c in inner.candidates if self.registry.actors[c.actor_id].country_iso3 == country]
                    if len(narrowed) == 1:
                        actor = self.registry.actors[narrowed[0].actor_id]
                        inner = Resolution(text, actor.actor_id, actor.name, SCORES["pattern"], "pattern",
                                           f"{inner.method} match shared by several actors; the bracket's country {country} picks one", "auto", narrowed)
                years = regime_years(bracket)
                if years:
                    inner.reason += f"; regime period {bracket} noted"
                return self._finish(inner)
            if inner is not None:
                return inner
        lowered = normalise(stripped)
        state = _STATE_FORCE.match(lowered)
        if state:
            place = next(g for g in state.groups() if g)
            iso3 = iso3_from_name(place)
            actor_id = self._state_forces.get(iso3 or "")
            if actor_id and actor_id not in rejected:
                actor = self.registry.actors[actor_id]
                return Resolution(text, actor_id, actor.name, SCORES["pattern"], "pattern",
                                  f"state forces of {iso3} ('{place}') are the state actor {actor.name}", "auto",
                                  [Candidate(actor_id, actor.name, SCORES["pattern"])])
        militia = _COMMUNAL_MILITIA.match(lowered)
        if militia:
            group = militia.group(1)
            inner = self._match(group, on, rejected, via=f"communal militia of {group!r}") or self._match(group.rstrip("s"), on, rejected, via=f"communal militia of {group!r}")
            if inner is not None and inner.actor_id:
                inner.method = "pattern"
                return self._finish(inner)
        return None

    def _resolve_inner(self, text: str, on, rejected) -> Resolution | None:
        found = self._match(text, on, rejected) or self._structural(text, on, rejected)
        if found is None:
            found = self._fuzzy(text, on, rejected)
            if found.status == "review":
                found = self._acronym(text, on, rejected) or found
        return found

    def _finish(self, result: Resolution) -> Resolution:
        if result.actor_id and result.status != "decided":
            ambiguous = len({c.actor_id for c in result.candidates}) > 1 and result.method != "pattern"
            result.status = "auto" if result.score >= self.threshold and not ambiguous else "review"
        return result

    def _fuzzy(self, text: str, on: date | None, rejected: set[str]) -> Resolution:
        key = token_key(strip_brackets(text)[0])
        if len(key) < 3:
            return Resolution(text, None, None, 0.0, "none", "too short to compare", "review")
        hits = process.extract(key, self._fuzzy_keys, scorer=fuzz.ratio, limit=8, score_cutoff=60)
        best: dict[str, float] = {}
        for choice, score, _ in hits:
            for entry in self._keys["token_order"][choice]:
                if entry.actor_id not in rejected:
                    best[entry.actor_id] = max(best.get(entry.actor_id, 0.0), score / 100 * 0.97)
        if not best:
            return Resolution(text, None, None, 0.0, "none", "no alias is similar enough; needs an analyst", "review")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        candidates = [Candidate(a, self.registry.actors[a].name, s) for a, s in ranked[:5]]
        top_id, top = ranked[0]
        margin = top - (ranked[1][1] if len(ranked) > 1 else 0.0)
        # Short names are one typo away from another group's name: never accept them on similarity.
        accepted = top >= self.threshold and margin >= FUZZY_MARGIN and len(key) >= 8
        reason = f"similar to {self.registry.actors[top_id].name!r} ({top:.2f})"
        if not accepted:
            reason += "; below the auto-accept threshold or too close to another actor: needs review"
        return Resolution(text, top_id, candidates[0].name, top, "fuzzy", reason, "auto" if accepted else "review", candidates)


def resolve_actor(name: str, on: date | str | None = None, registry=None) -> Resolution:
    """Resolve one raw name to an actor (see :class:`Resolver`).

    ``registry`` is a :class:`Registry`, a :class:`Resolver`, or an open store (whose registry
    and analyst decisions are used); None uses the bundled registry.

    >>> resolve_actor("Military Forces of Mali (2021-)", on="2022-03-27").actor_id   # doctest: +SKIP
    'ucdp:72'
    """
    return resolver_for(registry).resolve(name, on)


_BUNDLED: list[Resolver] = []


def resolver_for(source=None) -> Resolver:
    """A :class:`Resolver` for a registry, a store, or (None) the bundled registry."""
    if isinstance(source, Resolver):
        return source
    if isinstance(source, Registry):
        return Resolver(source)
    if source is None:
        if not _BUNDLED:
            _BUNDLED.append(Resolver(Registry.bundled()))
        return _BUNDLED[0]
    from bluehelmet.actors.decisions import load_decisions

    registry = Registry.load(source)
    return Resolver(registry, load_decisions(source))

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
from functools import lru_cache
from itertools import combinations
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process

from bluehelmet.actors.clues import countries_in
from bluehelmet.actors.normalise import (
    GENERIC_WORDS, STOPWORDS, acronym_of, acronyms_of, alias_segments, segment_initials, compact, concept_key, initial_words, letters_key,
    looks_like_acronym, normalise, regime_years, split_acled, split_side, strip_brackets, token_key,
)
from bluehelmet.actors.registry import Registry
from bluehelmet.geo.countries import iso3_from_name

AUTO_ACCEPT = 0.90  # at or above: accepted automatically; below: review
FUZZY_MARGIN = 0.04  # a fuzzy match must beat the best other actor by this much to be accepted
SCORES = {
    "decision": 1.0, "exact": 1.0, "normalised": 0.99, "transliteration": 0.96, "token_order": 0.95,
    "phonetic": 0.93, "acronym": 0.92, "pattern": 0.95, "unbracketed": 0.93,
    "reordered_acronym": 0.90, "loose_acronym": 0.91, "reworded": 0.93, "collapsed": 0.92,
    "bracket_dropped": 0.85, "contained": 0.90,
}
SPELT_ALIKE = 0.80  # initials are not trusted against a name spelt this much like another actor's
MIN_REORDERED = 5  # shorter initials in another order match some other group too often
MAX_COLLAPSE_WORDS = 16  # longer names are not searched for an acronym inside them
_ARTICLES = {"al", "el", "ul", "ad", "ed", "ash", "as", "an", "ar", "at", "az", "l"}
_SPELLINGS = [("dj", "j"), ("ou", "u"), ("ee", "i"), ("ii", "i"), ("oo", "u"), ("aa", "a"), ("q", "k"),
              ("ph", "f"), ("y", "i"), ("kh", "k"), ("ch", "sh"), ("e", "a")]
_STATE_FORCE = re.compile(
    r"^(?:military|police|armed|security|defen[cs]e and security|gendarmerie|special|naval|air) forces? of (?:the )?(.+)$"
    r"|^government of (?:the )?(.+)$|^(.+?) (?:armed|security|defen[cs]e) forces$|^(?:army|military) of (?:the )?(.+)$"
)
_COMMUNAL_MILITIA = re.compile(r"^(.+?) (?:ethnic|communal|tribal|clan) militia$")


def _telling(concept: str) -> bool:
    """A word-set key says who a group is only when it holds a word beyond the generic ones."""
    return any(len(w) >= 4 and w not in GENERIC_WORDS for w in concept.split())


def _words_key(words: tuple[str, ...]) -> str:
    """Normalised words as one key; UCDP's trailing "faction" is left out ("TTP - X faction" = "TTP-X")."""
    if len(words) > 1 and words[-1] == "faction":
        words = words[:-1]
    return " ".join(words)


@lru_cache(maxsize=200_000)
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
    alias: str | None = None  # the registry name that matched, when one did
    shared: bool = False  # several actors share the name equally: the event's country may choose

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
        self._keys: dict[str, dict[str, list[_Entry]]] = {
            k: {} for k in ("normalised", "transliteration", "token_order", "phonetic", "acronym", "initials",
                            "loose_initials", "letters", "concept", "words", "segments")
        }
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
            self._keys["words"].setdefault(_words_key(initial_words(alias.alias)), []).append(entry)
            segments = alias_segments(alias.alias)
            if segments:
                self._keys["segments"].setdefault(segments, []).append(entry)
            if looks_like_acronym(alias.alias):
                self._keys["acronym"].setdefault(compact(alias.alias), []).append(entry)
                if len(compact(alias.alias)) >= 4:
                    self._keys["letters"].setdefault(letters_key(compact(alias.alias)), []).append(entry)
            else:
                strict = acronym_of(alias.alias)
                if strict:
                    self._keys["initials"].setdefault(strict, []).append(entry)
                for acronym in acronyms_of(alias.alias) - {strict}:
                    self._keys["loose_initials"].setdefault(acronym, []).append(entry)
                concept = concept_key(alias.alias)
                if _telling(concept):
                    self._keys["concept"].setdefault(concept, []).append(entry)
        self._fuzzy_keys = list(self._keys["token_order"])
        self._state_forces: dict[str, str] = {}
        for actor in registry.actors.values():
            if actor.kind == "state_force" and actor.name.startswith("Government of ") and actor.country_iso3:
                self._state_forces.setdefault(actor.country_iso3, actor.actor_id)
        self._cache: dict[str, Resolution] = {}

    # -- public ----------------------------------------------------------------------------
    def resolve(self, raw_name: str, on: date | str | None = None, country: str | None = None) -> Resolution:
        """Resolve one raw name, as of the date ``on`` when given.

        ``country`` is the ISO3 code of the event's country: when several actors share the name
        equally (UCDP lists an ELN in Colombia, Bolivia and Peru), the one among them that fights
        there is chosen. It chooses between namesakes only, and never overrides a match.
        """
        on_date = date.fromisoformat(str(on)[:10]) if on else None
        cached = self._cache.get(raw_name)
        if cached is None or (cached.date_sensitive and on_date):
            cached = self._resolve(raw_name, on_date)
            if not cached.date_sensitive or on_date is None:
                self._cache[raw_name] = cached
        return self._namesake_in(cached, country) if country and cached.shared else cached

    def resolve_side(self, raw_side: str, on: date | str | None = None, country: str | None = None) -> list[Resolution]:
        """The actors of one event side: a multi-actor side ("GATIA, MSA") gives one result per actor."""
        whole = self.resolve(raw_side, on, country)
        parts = split_side(raw_side)
        if len(parts) < 2 or (whole.status != "review" and whole.method != "fuzzy"):
            return [whole]
        return [self.resolve(part, on, country) for part in parts]

    def _namesake_in(self, shared: Resolution, country: str) -> Resolution:
        """The one actor among namesakes that fights in the event's ``country``; the shared
        result as it was when none or several do."""
        iso3 = country.upper()
        there = [c for c in shared.candidates if iso3 in self.registry.actors[c.actor_id].country_set()]
        if len(there) != 1:
            return shared
        chosen = there[0]
        status = "auto" if chosen.score >= self.threshold else "review"
        reason = f"{shared.reason}; the event's country {iso3} picks {chosen.actor_id}"
        return Resolution(shared.raw_name, chosen.actor_id, chosen.name, chosen.score, shared.method, reason, status,
                          [chosen], shared.date_sensitive, shared.alias)

    # -- the steps -------------------------------------------------------------------------
    def _resolve(self, raw: str, on: date | None) -> Resolution:
        text = " ".join(str(raw or "").split())
        if not text:
            return Resolution(raw, None, None, 0.0, "none", "empty name", "review")
        decided = self._decided(text)
        if decided is not None:
            return decided
        rejected = self.decisions.rejected_for(text) if self.decisions else set()
        found = self._match(text, on, rejected) or self._structural(text, on, rejected)
        if found is None:
            found = self._reworded(text, on, rejected) or self._similar(text, on, rejected)
        found.raw_name = raw
        return found

    def _similar(self, text: str, on, rejected) -> Resolution:
        """Spelling similarity, then initials; initials that point away from a name spelt almost
        the same are a coincidence (review)."""
        fuzzy = self._fuzzy(text, on, rejected)
        acronym = self._acronym(strip_brackets(text)[0], on, rejected)
        if acronym is not None:
            # Initials are read without the bracket, but the countries it names still count:
            # "Al-Murabitun Brigade (Burkina Faso)" is not AMB, a brigade fighting in Israel.
            acronym = self._guard(acronym, text)
        if fuzzy.status == "auto":
            return fuzzy
        if acronym is not None and acronym.status == "auto" and fuzzy.actor_id not in (None, acronym.actor_id) \
                and fuzzy.score >= SPELT_ALIKE:
            # Spelt almost like another actor's name: a mistyped name whose initials happen to
            # be someone's acronym ("Socieety of thee Calling").
            acronym.status = "review"
            acronym.reason += f"; but it is spelt almost like {fuzzy.name!r} ({fuzzy.score:.2f}): needs review"
            acronym.candidates = acronym.candidates[:2] + fuzzy.candidates[:2]
        return acronym or self._contained(text, on, rejected) or fuzzy

    def _contained(self, text: str, on, rejected) -> Resolution | None:
        """A known name inside a longer one that adds only generic words: "Nour al-Din al-Zenki
        Movement" holds "Nour al-Din Zenki", "Liwa Majd al-Sham" (liwa: brigade) "Majd al-Sham".
        One or two generic words (:data:`GENERIC_WORDS`) may be left over, the known name must
        keep two words, one of them telling ("Mohajir National Movement" is not the Mohajir people), and the fewest words left over win. A left-over proper name
        ("Jaish Ansar al-Sunna" holds "Jaysh al-Sunna") can name another group: no match."""
        words = concept_key(strip_brackets(text)[0]).split()
        if not 3 <= len(words) <= MAX_COLLAPSE_WORDS:
            return None
        for dropped in (1, 2):
            found: dict[str, list[_Entry]] = {}
            for leave_out in combinations(range(len(words)), dropped):
                kept = [w for i, w in enumerate(words) if i not in leave_out]
                if any(words[i] not in GENERIC_WORDS for i in leave_out) or len(kept) < 2 or not _telling(" ".join(kept)):
                    continue
                for entry in self._keys["concept"].get(" ".join(kept), []):
                    found.setdefault(entry.actor_id, []).append(entry)
            if found:
                entries = [e for group in found.values() for e in group]
                result = self._choose(text, entries, "contained", SCORES["contained"], on, rejected,
                                      via=f"{dropped} word{'s' if dropped > 1 else ''} left over", mentions=text)
                return self._guard(result, text)
        return None

    def _acronym(self, text: str, on, rejected) -> Resolution | None:
        """An acronym for a full name, or a full name for an acronym (tried with similarity,
        because a mistyped name can look like someone else's initials).

        Accepted only when the initials of ALL the name's significant words, in order, are one
        actor's acronym (or the acronym is the initials of one actor's full name) and no
        country the name mentions contradicts the actor's. The same letters in another order
        (translations swap adjective and noun) are accepted only for :data:`MIN_REORDERED` letters or more; the
        initials of every word, small words included, only make a candidate for review.
        """
        segments = segment_initials(text)
        entries = self._keys["segments"].get(segments) if segments else None
        if entries:
            found = self._choose(text, entries, "acronym", SCORES["acronym"], on, rejected,
                                 via=f"faction initials {segments.upper().replace('|', ' - ')}", mentions=text)
            return self._guard(found, text)
        if looks_like_acronym(text):
            entries = self._keys["initials"].get(compact(text))
            if entries:
                return self._choose(text, entries, "acronym", SCORES["acronym"], on, rejected)
            entries = self._keys["loose_initials"].get(compact(text))
            return self._choose(text, entries, "acronym", SCORES["loose_acronym"], on, rejected, via="initials of every word") if entries else None
        strict = acronym_of(text)
        if strict:
            entries = self._keys["acronym"].get(strict)
            if entries:
                found = self._choose(text, entries, "acronym", SCORES["acronym"], on, rejected, via=strict.upper(), mentions=text)
                return self._guard(found, text)
            entries = self._keys["letters"].get(letters_key(strict)) if len(strict) >= MIN_REORDERED else None
            if entries:
                found = self._choose(text, entries, "acronym", SCORES["reordered_acronym"], on, rejected,
                                     via=f"initials {strict.upper()} in another order", mentions=text)
                return self._guard(found, text)
        for acronym in sorted(acronyms_of(text) - {strict}):
            entries = self._keys["acronym"].get(acronym)
            if entries:
                found = self._choose(text, entries, "acronym", SCORES["loose_acronym"], on, rejected,
                                     via=f"{acronym.upper()}, initials of every word, small ones too", mentions=text)
                return self._guard(found, text)
        return None

    def _reworded(self, text: str, on, rejected) -> Resolution | None:
        """The same name in other words: the same significant words in any order, generic nouns
        translated ("Cártel de Sinaloa" = "Sinaloa Cartel", "Jaish al-Mahdi" = "al-Mahdi Army");
        or a run of words written as its acronym ("Supporters of Pakistan Peoples Party" =
        "Supporters of PPP", "Groupe islamique armée - El Ahd Battalion" = "GIA - El Ahd Battalion")."""
        stripped = strip_brackets(text)[0]
        concept = concept_key(stripped)
        entries = self._keys["concept"].get(concept) if _telling(concept) else None
        if entries:
            found = self._choose(text, entries, "reworded", SCORES["reworded"], on, rejected,
                                 via="the same words up to order, small words and generic nouns", mentions=text)
            return self._guard(found, text)
        words = initial_words(stripped)
        if not 3 <= len(words) <= MAX_COLLAPSE_WORDS:
            return None
        for size in range(len(words) - 1, 1, -1):  # longest runs first
            for start in range(len(words) - size + 1):
                run = words[start:start + size]
                significant = [w for w in run if w not in STOPWORDS]
                if run[0] in STOPWORDS or run[-1] in STOPWORDS or len(significant) < 2:
                    continue
                rest = words[:start] + words[start + size:]
                if len(significant) < 3 and all(w in STOPWORDS for w in rest):
                    continue  # the whole name as two initials: far too many groups share them
                initials = "".join(w[0] for w in significant)
                entries = self._keys["words"].get(_words_key(words[:start] + (initials,) + words[start + size:]))
                if entries:
                    found = self._choose(text, entries, "acronym", SCORES["collapsed"], on, rejected,
                                         via=f"'{' '.join(run)}' written {initials.upper()}", mentions=text)
                    return self._guard(found, text)
        return None

    def _guard(self, result: Resolution, text: str) -> Resolution:
        """Send a match to review when the name mentions countries (that the matched name does not
        mention too) and the actor fights in none of them."""
        if result.status != "auto" or not result.actor_id:
            return result
        named = countries_in(text) - countries_in(result.alias or "")
        countries = self.registry.actors[result.actor_id].country_set()
        if named and countries and not named & countries:
            result.status = "review"
            result.reason += (f"; but the name mentions {', '.join(sorted(named))} and the actor fights in "
                              f"{', '.join(sorted(countries))}: needs review")
        return result

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

    def _choose(self, text, entries, method, score, on, rejected, *, via=None, country=None, mentions=None) -> Resolution:
        """One actor among the entries a key found, or review when several remain.

        Namesakes are told apart by ``country`` (a bracket's), by the countries the text
        ``mentions`` names, then by the date ``on``."""
        by_actor: dict[str, list[_Entry]] = {}
        for entry in entries:
            if entry.actor_id not in rejected:
                by_actor.setdefault(entry.actor_id, []).append(entry)
        how = f"{method} match" + (f" ({via})" if via else "")
        if not by_actor:
            return Resolution(text, None, None, 0.0, method, f"{how}, but the analyst rejected that actor for this name", "review")
        actors = sorted(by_actor)
        date_sensitive = False
        if len(actors) > 1 and (country or mentions):
            wanted = {country} if country else countries_in(mentions)
            narrowed = [a for a in actors if self.registry.actors[a].country_set() & wanted]
            actors = narrowed or actors
        if len(actors) > 1 and on is not None:
            narrowed = [a for a in actors if self._active(a, by_actor[a], on)]
            if narrowed and len(narrowed) < len(actors):
                actors, date_sensitive = narrowed, True
        candidates = [Candidate(a, self.registry.actors[a].name, score) for a in actors]
        if len(actors) > 1:
            return Resolution(text, actors[0], candidates[0].name, score * 0.6, method,
                              f"{how} shared by {len(actors)} actors: " + ", ".join(f"{c.actor_id} {c.name}" for c in candidates[:4]),
                              "review", candidates, date_sensitive, shared=True)
        actor = self.registry.actors[actors[0]]
        alias = by_actor[actors[0]][0].alias
        reason = f"{how} of alias {alias!r}" + (f" chosen for {on}" if date_sensitive else "")
        status = "auto" if score >= self.threshold else "review"
        return Resolution(text, actor.actor_id, actor.name, score, method, reason, status, candidates, date_sensitive, alias)

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
                    narrowed = [c for c in inner.candidates if country in self.registry.actors[c.actor_id].country_set()]
                    if len(narrowed) == 1:
                        actor = self.registry.actors[narrowed[0].actor_id]
                        inner = Resolution(text, actor.actor_id, actor.name, SCORES["pattern"], "pattern",
                                           f"{inner.method} match shared by several actors; the bracket's country {country} picks one", "auto", narrowed)
                years = regime_years(bracket)
                if years:
                    inner.reason += f"; regime period {bracket} noted"
                elif not country and inner.method in ("exact", "normalised", "transliteration", "token_order") \
                        and not self._bracket_agrees(bracket, stripped, inner.actor_id, on, rejected):
                    # "MPC (Bahar)" is not MPC: a bracket that is neither a country nor a period
                    # may name a faction, so dropping it is only a candidate.
                    inner.score = min(inner.score, SCORES["bracket_dropped"])
                    inner.reason += f"; the bracket '({bracket})' is neither a country nor a period: needs review"
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
                found = Resolution(text, actor_id, actor.name, SCORES["pattern"], "pattern",
                                   f"state forces of {iso3} ('{place}') are the state actor {actor.name}", "auto",
                                   [Candidate(actor_id, actor.name, SCORES["pattern"])])
                # "Armed Forces of Liberia" is also AFL, a rebel group: the initials name another actor.
                others = {e.actor_id for e in self._keys["acronym"].get(acronym_of(stripped) or "", [])} - {actor_id}
                if others:
                    found.status = "review"
                    found.reason += f"; but its initials are the acronym of {', '.join(sorted(others))}: needs review"
                    found.candidates += [Candidate(a, self.registry.actors[a].name, SCORES["acronym"]) for a in sorted(others)]
                return found
        militia = _COMMUNAL_MILITIA.match(lowered)
        if militia:
            group = militia.group(1)
            inner = self._match(group, on, rejected, via=f"communal militia of {group!r}") or self._match(group.rstrip("s"), on, rejected, via=f"communal militia of {group!r}")
            if inner is not None and inner.actor_id:
                inner.method = "pattern"
                return self._finish(inner)
        return None

    def _bracket_agrees(self, bracket: str, name: str, actor_id: str, on, rejected) -> bool:
        """True when a bracket names the same actor: its acronym ("... musulmans (GSIM)") or an alias."""
        if looks_like_acronym(bracket) and compact(bracket) in acronyms_of(name):
            return True
        found = self._match(bracket, on, rejected)
        return found is not None and found.actor_id == actor_id

    def _resolve_inner(self, text: str, on, rejected) -> Resolution | None:
        found = self._match(text, on, rejected) or self._structural(text, on, rejected)
        if found is None:
            found = self._reworded(text, on, rejected) or self._similar(text, on, rejected)
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
        closest: dict[str, str] = {}
        for choice, score, _ in hits:
            for entry in self._keys["token_order"][choice]:
                if entry.actor_id not in rejected and score / 100 * 0.97 > best.get(entry.actor_id, 0.0):
                    best[entry.actor_id] = score / 100 * 0.97
                    closest[entry.actor_id] = choice
        if not best:
            return Resolution(text, None, None, 0.0, "none", "no alias is similar enough; needs an analyst", "review")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        candidates = [Candidate(a, self.registry.actors[a].name, s) for a, s in ranked[:5]]
        top_id, top = ranked[0]
        margin = top - (ranked[1][1] if len(ranked) > 1 else 0.0)
        # Short names are one typo away from another group's name: never accept them on similarity.
        odd = _unmatched_words(key, closest[top_id])
        accepted = top >= self.threshold and margin >= FUZZY_MARGIN and len(key) >= 8 and not odd
        reason = f"similar to {self.registry.actors[top_id].name!r} ({top:.2f})"
        if odd:
            reason += f"; the words {', '.join(odd)} have no counterpart: needs review"
        elif not accepted:
            reason += "; below the auto-accept threshold or too close to another actor: needs review"
        found = Resolution(text, top_id, candidates[0].name, top, "fuzzy", reason, "auto" if accepted else "review", candidates,
                           alias=closest[top_id])
        return self._guard(found, text)


def _unmatched_words(key: str, other: str) -> list[str]:
    """Significant words of the raw name with no similar word in the known one: a typo keeps
    every word recognisable, while "Bru National Liberation Front" and "National Front for
    Liberation" differ by a whole word."""
    mine, theirs = set(key.split()), set(other.split())
    return [w for w in sorted(mine - theirs - STOPWORDS) if len(w) >= 3 and not any(fuzz.ratio(w, o) >= 60 for o in theirs)]


def clear_key_caches() -> None:
    """Forget the memoised name keys (for measuring how fast names never seen before resolve)."""
    from bluehelmet.actors import clues, normalise as keys

    for cached in (keys.normalise, keys.compact, keys.token_key, keys.initial_words, phonetic_key, clues.countries_in, clues._word_country):
        cached.cache_clear()


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

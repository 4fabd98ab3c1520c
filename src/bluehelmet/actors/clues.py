"""Clues inside a name that can contradict a match: the countries it names.

A full name often says where its group fights ("Front for the Liberation of Mozambique",
"Rwandan Patriotic Front"). When a name's initials, or its spelling, point to an actor of
another country, the match is a coincidence: the resolver sends it to review instead of
accepting it. Adjectives count too ("Rwandan", "Somali", "Congolese", "congolais"): they are
recognised by stripping the usual endings and looking the stem up among country names.

>>> sorted(countries_in("Front for the Liberation of Mozambique"))
['MOZ']
>>> sorted(countries_in("Rwandan Patriotic Front"))
['RWA']
>>> countries_in("National Liberation Council")
frozenset()
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process

from bluehelmet.actors.normalise import normalise
from bluehelmet.geo.countries import lookup_table

# Adjective endings, longest first: Congolese/congolais -> Congo, Sudanese -> Sudan,
# Rwandan/rwandais -> Rwanda, Burundian -> Burundi, Algerian -> Algeria, Somali -> Somalia.
_ENDINGS = ("lese", "lais", "laise", "aise", "ais", "ese", "ian", "ien", "ienne", "ano", "ana", "an", "n", "i", "e", "")
_ADDED = ("", "a", "o", "i")


# Countries one name can stand for: "Congo" is either Congo; UCDP places groups by the states of
# their time (Eritrea's fronts fought in Ethiopia, the PLO in Israel, South Sudan's rebels in Sudan,
# Bangladesh's in Pakistan, Kosovo's in Serbia, East Timor's in Indonesia).
SAME_GROUND = (
    frozenset({"COD", "COG"}), frozenset({"ERI", "ETH"}), frozenset({"PSE", "ISR"}), frozenset({"SSD", "SDN"}),
    frozenset({"BGD", "PAK"}), frozenset({"XKX", "SRB"}), frozenset({"TLS", "IDN"}),
)


# Regions named after another country's name.
REGIONS = {"niger delta": "NGA"}


@lru_cache(maxsize=1)
def _country_words() -> dict[str, str]:
    """Country names of one or more words (never the three-letter codes: "and" is Andorra's)."""
    index = {}
    for name, iso3 in lookup_table():
        key = normalise(name)
        if len(key) >= 4 and key != iso3.lower():
            index[key] = iso3
    index.update(REGIONS)
    return index


@lru_cache(maxsize=1)
def _country_keys() -> dict[str, list[str]]:
    """Country names by first letter (other spellings keep it: Moçambique, Etiopía)."""
    keys: dict[str, list[str]] = {}
    for key in _country_words():
        if len(key) >= 5:
            keys.setdefault(key[0], []).append(key)
    return keys


@lru_cache(maxsize=100_000)
def _word_country(word: str) -> str | None:
    """The country an adjective or another spelling names ("rwandais", "mocambique"), or None."""
    index = _country_words()
    for ending in _ENDINGS:
        if ending and not word.endswith(ending):
            continue
        stem = word[: len(word) - len(ending)] if ending else word
        hit = next((index[stem + added] for added in _ADDED if len(stem + added) >= 4 and stem + added in index), None)
        if hit:
            return hit
    # Another language's spelling of a country: Moçambique, Etiopía.
    close = process.extractOne(word, _country_keys().get(word[0], []), scorer=fuzz.ratio, score_cutoff=88) if len(word) >= 7 else None
    return index[close[0]] if close else None


@lru_cache(maxsize=100_000)
def countries_in(name: str) -> frozenset[str]:
    """The ISO3 codes of the countries a name mentions by name or by adjective."""
    words = normalise(name).split()
    index = _country_words()
    found = set()
    used: set[int] = set()
    for size in (3, 2, 1):  # longest first: "Niger Delta" is Nigeria's, not Niger's
        for start in range(len(words) - size + 1):
            span = set(range(start, start + size))
            phrase = " ".join(words[start:start + size])
            if phrase in index and not span & used:
                found.add(index[phrase])
                used |= span
    for position, word in enumerate(words):
        if len(word) >= 5 and position not in used:
            hit = _word_country(word)
            if hit:
                found.add(hit)
    for group in SAME_GROUND:
        if found & group:
            found |= group
    return frozenset(found)

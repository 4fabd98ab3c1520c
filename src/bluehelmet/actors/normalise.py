"""Turning actor names as sources write them into comparable keys.

Real data writes one group many ways: ``Jama'at``, ``Jamaat`` and ``Jama’at``; ``Mouvement
national de libération`` with or without accents; ``JNIM: Jama'at Nusrat al-Islam...``
(ACLED); ``Military Forces of Mali (2021-)`` (ACLED's regime-dated state forces);
``Civilians (Mali)``. These functions take such strings apart so the resolver can compare
like with like.

>>> normalise("Jama’at Nusrat al-Islam wal-Muslimin")
'jamaat nusrat al islam wal muslimin'
>>> split_acled("JNIM: Jama'at Nusrat al-Islam wal-Muslimin")
('JNIM', "Jama'at Nusrat al-Islam wal-Muslimin")
>>> strip_brackets("Military Forces of Mali (2021-)")
('Military Forces of Mali', '2021-')
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

# Every apostrophe-like mark real files use; they are dropped, so Jama'at == Jamaat.
_APOSTROPHES = "'’‘`´ʼʻʹ′ʾʿ"
_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_BRACKET_END = re.compile(r"^(.*?)\s*[\(\[]([^\(\)\[\]]*)[\)\]]\s*$")
_ACLED_FORM = re.compile(r"^\s*([^:]{1,24}?)\s*:\s+(.+)$")
_REGIME = re.compile(r"^\s*(\d{4})\s*-\s*(\d{4})?\s*$")

# Small words left out of acronyms: "Front de libération du Macina" -> FLM.
STOPWORDS = frozenset(
    "of the and for in to a an de du des la le les l d et pour en au aux dans el al wa wal fi bi i "
    "para por del los las y e da do das dos na no".split()
)


@lru_cache(maxsize=200_000)
def normalise(name: str) -> str:
    """Lower-case ASCII words separated by single spaces; apostrophes vanish, hyphens split.

    >>> normalise("  Forces Armées  Maliennes ")
    'forces armees maliennes'
    """
    text = _APOSTROPHE_RE.sub("", name)
    text = unidecode(text).lower()
    text = _APOSTROPHE_RE.sub("", text)  # unidecode may produce new apostrophes ("ʿ" -> "'")
    return " ".join(_NON_WORD.sub(" ", text).split())


@lru_cache(maxsize=200_000)
def token_key(name: str) -> str:
    """The normalised words in sorted order, so word order does not matter.

    >>> token_key("Mali Government of")
    'government mali of'
    """
    return " ".join(sorted(normalise(name).split()))


@lru_cache(maxsize=200_000)
def compact(name: str) -> str:
    """The normalised name without spaces: ``al-Murabitun`` == ``Almurabitun``."""
    return normalise(name).replace(" ", "")


# A possessive ("People's", "Lord’s") is not a word of its own; an elision ("de l'Azawad",
# "d'Ituri", "qu'") is: it starts the next word. Apostrophes inside a word (Sha'abi) are neither.
_POSSESSIVE = re.compile(f"[{_APOSTROPHES}]s\\b", re.IGNORECASE)
_ELISION = re.compile(f"\\b([ldjmnst]|qu)[{_APOSTROPHES}]", re.IGNORECASE)


@lru_cache(maxsize=200_000)
def initial_words(name: str) -> tuple[str, ...]:
    """The normalised words whose first letters make a name's initials.

    >>> initial_words("Lord's Resistance Army")
    ('lord', 'resistance', 'army')
    >>> initial_words("Mouvement national de libération de l'Azawad")[-2:]
    ('l', 'azawad')
    """
    text = _POSSESSIVE.sub("", strip_brackets(name)[0])
    text = _ELISION.sub(lambda m: m.group(1) + " ", text)
    return tuple(normalise(text).split())


def significant_words(name: str) -> list[str]:
    """The words of a name without the small words of :data:`STOPWORDS`."""
    return [w for w in initial_words(name) if w not in STOPWORDS]


def acronym_of(name: str) -> str | None:
    """The acronym a full name is written as: the initials of ALL its significant words, in order.

    Small words (English of/the/for/and, French de/du/des/la/le/les/pour/et, Spanish
    del/y/para, Portuguese do/da/dos/e, Arabic articles) are left out; a name needs three
    significant words, because two-letter acronyms match too many other groups.

    >>> acronym_of("Front patriotique rwandais")
    'fpr'
    >>> acronym_of("Zimbabwe African People’s Union")
    'zapu'
    >>> acronym_of("Islamic State") is None
    True
    """
    words = significant_words(name)
    return "".join(w[0] for w in words) if len(words) >= 3 else None


def acronyms_of(name: str) -> set[str]:
    """The acronyms a full name could be written as: :func:`acronym_of`, and all initials
    (small words included) for names of three words or more.

    >>> sorted(acronyms_of("Movement for Unity and Jihad in West Africa"))
    ['mfuajiwa', 'mujwa']
    """
    words = initial_words(name)
    found = {"".join(w[0] for w in words)} if len(words) >= 3 else set()
    strict = acronym_of(name)
    return found | {strict} if strict else found


_SEGMENT_DASH = re.compile(r"\s+[-–—]\s+")
_ALIAS_DASH = re.compile(r"\s*[-–—]\s*")


def segment_initials(name: str) -> str | None:
    """A faction's name as UCDP abbreviates it: each dash-separated part by its initials,
    "faction" left out ("Sudan Liberation Movement/Army - Minni Minawi faction" -> 'slma|mm').
    None unless the name has at least two parts and its first part two significant words.

    >>> segment_initials("Tehrik-i-Taliban Pakistan - Khalid Mehsud faction")
    'ttp|km'
    """
    parts = _SEGMENT_DASH.split(strip_brackets(name)[0])
    if len(parts) < 2:
        return None
    keys = []
    for i, part in enumerate(parts):
        if looks_like_acronym(part):
            keys.append(compact(part))
            continue
        words = [w for w in significant_words(part) if w != "faction"]
        if not words or (i == 0 and len(words) < 2):
            return None
        keys.append("".join(w[0] for w in words))
    return "|".join(keys)


def alias_segments(alias: str) -> str | None:
    """An abbreviated faction name as :func:`segment_initials` keys it ("SLM/A - MM" -> 'slma|mm')."""
    parts = [p for p in _ALIAS_DASH.split(alias.strip()) if p]
    if len(parts) < 2 or not all(looks_like_acronym(p) or (len(p) <= 3 and p.isupper()) for p in parts):
        return None
    return "|".join(compact(p) for p in parts)


def letters_key(acronym: str) -> str:
    """An acronym's letters in alphabetical order: a translation often reverses adjective and
    noun ("Sandinista National Liberation Front" is FSLN), so the same letters in another order
    are a weaker clue.

    >>> letters_key("FSLN") == letters_key("snlf")
    True
    """
    return "".join(sorted(c for c in acronym.lower() if c.isalpha()))


# Nouns armed groups' names share across languages, each mapped to one English word, so that
# "Jaish al-Mahdi" and "al-Mahdi Army", or "Cártel de Sinaloa" and "Sinaloa Cartel", have the
# same :func:`concept_key`. Only generic nouns: the proper names must still be the same.
GLOSSARY = {
    word: english
    for english, words in {
        "army": "jaish jaysh jeish lashkar ejercito exercito",
        "brigade": "liwa liwaa brigada",
        "brigades": "kataib kataeb brigadas",
        "battalion": "katiba katibat bataillon batallon",
        "front": "jabhat jabha frente",
        "movement": "harakat haraka harakah mouvement movimiento movimento tehrik",
        "party": "hizb hezb partido parti",
        "forces": "fuerzas forcas quwat",
        "council": "majlis conseil consejo conselho",
        "group": "groupe grupo",
        "cartel": "cartel",
    }.items()
    for word in words.split()
}


# Words so common in armed groups' names that sharing only them says nothing: "National
# Liberation Front" is the English name of five UCDP actors.
GENERIC_WORDS = frozenset(
    "national nationale nacional liberation liberacion libertacao democratic democratique democratica "
    "popular populaire people peoples revolutionary revolutionnaire revolucionario revolution unity united "
    "union islamic islamique islami islam patriotic patriotique resistance salvation salut freedom "
    "independence republic republican alliance coalition armed defence defense self democracy justice "
    "socialist communist workers god holy jihad new free special central north south east west eastern "
    "western northern southern supporters opponents militia militias rebels organization organisation "
    "command committee".split()
) | frozenset(GLOSSARY.values())


def concept_key(name: str) -> str:
    """The significant words, generic nouns translated by :data:`GLOSSARY`, sorted and unique.

    >>> concept_key("Cártel de los Beltrán Leyva") == concept_key("Beltrán Leyva Cartel")
    True
    >>> concept_key("Jaish al-Mahdi") == concept_key("al-Mahdi Army")
    True
    """
    return " ".join(sorted({GLOSSARY.get(w, w) for w in significant_words(name)}))


def looks_like_acronym(name: str) -> bool:
    """True for strings such as ``JNIM``, ``CM-FPR``, ``MNLA``: one short upper-case word."""
    stripped = name.strip()
    if not stripped or " " in stripped or len(stripped) > 12:
        return False
    letters = [c for c in stripped if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= max(2, len(letters) - 1)


def split_acled(name: str) -> tuple[str, str] | None:
    """``("JNIM", "Jama'at Nusrat...")`` for ACLED's ``ACRONYM: Full name`` form, else None."""
    match = _ACLED_FORM.match(name)
    if not match:
        return None
    head, tail = match.group(1).strip(), match.group(2).strip()
    return (head, tail) if head and tail else None


def strip_brackets(name: str) -> tuple[str, str | None]:
    """The name without a trailing bracket, and the bracket's content (None when absent).

    ``Civilians (Mali)`` -> (``Civilians``, ``Mali``);
    ``Military Forces of Mali (2021-)`` -> (``Military Forces of Mali``, ``2021-``).
    """
    match = _BRACKET_END.match(name)
    if not match or not match.group(1).strip():
        return name.strip(), None
    return match.group(1).strip(), match.group(2).strip()


def regime_years(bracket: str | None) -> tuple[int, int | None] | None:
    """``'2021-'`` -> (2021, None); ``'1991-2012'`` -> (1991, 2012); anything else None."""
    if not bracket:
        return None
    match = _REGIME.match(bracket)
    if not match:
        return None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def split_side(side: str) -> list[str]:
    """The actors of a multi-actor side (``"GATIA, MSA"``), in order; a lone name stays whole."""
    parts = [p.strip() for p in re.split(r"\s*[;,]\s*|\s+\+\s+", side) if p.strip()]
    return parts or [side.strip()]

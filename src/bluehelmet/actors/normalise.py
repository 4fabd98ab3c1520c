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


def token_key(name: str) -> str:
    """The normalised words in sorted order, so word order does not matter.

    >>> token_key("Mali Government of")
    'government mali of'
    """
    return " ".join(sorted(normalise(name).split()))


def compact(name: str) -> str:
    """The normalised name without spaces: ``al-Murabitun`` == ``Almurabitun``."""
    return normalise(name).replace(" ", "")


def acronyms_of(name: str) -> set[str]:
    """The acronyms a full name could be written as (all initials, and without small words).

    Only names of three words or more: two-letter acronyms match too many other groups.

    >>> sorted(acronyms_of("Front patriotique rwandais"))
    ['fpr']
    >>> sorted(acronyms_of("Movement for Unity and Jihad in West Africa"))
    ['mfujiwa', 'mujwa']
    """
    # Elisions and hyphens separate words here: "de l'Azawad" -> "de l azawad" -> A.
    words = normalise(_APOSTROPHE_RE.sub(" ", strip_brackets(name)[0])).split()
    found = set()
    if len(words) >= 3:
        found.add("".join(w[0] for w in words))
    significant = [w for w in words if w not in STOPWORDS]
    if len(significant) >= 3:
        found.add("".join(w[0] for w in significant))
    return found


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

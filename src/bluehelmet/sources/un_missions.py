"""The acronyms of UN peace operations, to tell a mission from a typing error.

UN peacekeeping data name missions by acronym (``MINUSMA``, ``MONUSCO``). The list below holds
every peacekeeping operation since 1948 and the special political missions and offices whose
staff appear in the UN fatalities file, with the spellings the UN itself uses (``OSESyria``,
``UNSecretariat``). A new mission is added here when the UN publishes its first figures.
"""

from __future__ import annotations

# Peacekeeping operations (UN list of past and current operations, 1948-2025).
PEACEKEEPING_OPERATIONS = frozenset(
    """
    UNTSO UNMOGIP UNEF UNOGIL ONUC UNSF UNYOM UNFICYP DOMREP UNIPOM UNEF-II UNDOF UNIFIL UNGOMAP
    UNIIMOG UNAVEM UNTAG ONUCA UNIKOM MINURSO UNAVEM-II ONUSAL UNAMIC UNPROFOR UNTAC UNOSOM
    ONUMOZ UNOSOM-II UNOMUR UNOMIG UNOMIL UNMIH UNAMIR UNASOG UNMOT UNAVEM-III UNCRO UNPREDEP
    UNMIBH UNTAES UNMOP UNSMIH MINUGUA MONUA UNTMIH MIPONUH UNPSG MINURCA UNOMSIL UNMIK UNAMSIL
    UNTAET MONUC UNMEE UNMISET UNMIL UNOCI ONUB MINUSTAH UNMIS UNMIT UNAMID MINURCAT MONUSCO UNISFA
    UNMISS UNSMIS MINUSMA MINUSCA MINUJUSTH
    """.split()
)

# Political and peacebuilding missions, offices and other UN entities in UN peacekeeping data.
POLITICAL_MISSIONS_AND_OFFICES = frozenset(
    """
    BINUB BINUCA BINUH BONUCA IPTF MICAH OSESGY OSESyria UNAMA UNAMET UNAMI UNGCI UNIOSIL UNIPSIL
    UNITAMS UNMA UNMAO UNMIN UNOAU UNOHCI UNOWA UNOWAS UNPF UNPOS UNSCOB UNSMA UNSMIL UNSOM UNSOS
    UNSecretariat UNVMC UNOCA UNRCCA UNSCO UNMHA UNAMID-UNSOM UNOMB UNOB UNMOVIC
    """.split()
)

KNOWN_MISSIONS = PEACEKEEPING_OPERATIONS | POLITICAL_MISSIONS_AND_OFFICES


def is_known_mission(acronym: str | None) -> bool:
    """Whether ``acronym`` names a UN peace operation or office (exact UN spelling).

    >>> is_known_mission("MINUSMA"), is_known_mission("MINUSNA")
    (True, False)
    """
    return bool(acronym) and acronym.strip() in KNOWN_MISSIONS

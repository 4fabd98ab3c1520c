"""Resolving raw names as ACLED, UCDP and mission reports write them."""

import pytest

from bluehelmet.actors import Resolver
from bluehelmet.actors.registry import Registry


@pytest.mark.parametrize(
    "raw, on, expected",
    [
        ("JNIM: Jama'at Nusrat al-Islam wal-Muslimin", "2020-01-01", "ucdp:6716"),
        ("Jama’at Nusrat al-Islam wal-Muslimin", None, "ucdp:6716"),
        ("jamaat nusrat al islam wal muslimin", None, "ucdp:6716"),
        ("Military Forces of Mali (2021-)", "2022-03-27", "ucdp:72"),
        ("Government of Mali", None, "ucdp:72"),
        ("Military Forces of Senegal (2000-2012)", None, "ucdp:" + "0"),  # placeholder replaced below
        ("Civilians (Mali)", None, "any:civilians"),
        ("Unidentified Armed Group (Mali)", None, "any:unidentified"),
        ("Fulani Ethnic Militia (Mali)", None, "ucdp:607"),
        ("Islamic State (Greater Sahara)", "2019-11-01", "sahel:isgs"),
        ("Coordination des Mouvements de l’Azawad", None, "ucdp:1158"),
        ("Mouvement national de liberation de l Azawad", None, "ucdp:1158"),
        ("Azawad Mouvements Coordination of", None, "ucdp:1158"),
        ("Al Mourabitoun", None, "ucdp:4376"),
    ],
)
def test_resolves_real_world_forms(resolver, registry, raw, on, expected):
    if expected == "ucdp:0":
        expected = next(a.actor_id for a in registry.actors.values() if a.name == "Government of Senegal")
    result = resolver.resolve(raw, on)
    assert result.actor_id == expected, result.reason
    assert result.status == "auto"
    assert result.method in ("exact", "normalised", "transliteration", "token_order", "acronym", "pattern", "reworded", "fuzzy")
    assert result.reason


def test_splits_multi_actor_sides(resolver):
    results = resolver.resolve_side("GATIA, MSA")
    assert [r.actor_id for r in results] == ["ucdp:5880", "ucdp:6836"]


def test_a_name_two_actors_share_goes_to_review_with_candidates(resolver, registry):
    # "SRF" is the NameData of two UCDP actors: no silent guess.
    owners = sorted(a.actor_id for a in registry.actors.values() if a.name == "SRF")
    assert len(owners) == 2
    result = resolver.resolve("SRF")
    assert result.status == "review"
    assert sorted(c.actor_id for c in result.candidates) == owners


def test_unknown_names_go_to_review(resolver):
    result = resolver.resolve("Katiba Serma")
    assert result.status == "review"


def test_acronym_expansion():
    registry = Registry.bundled()
    registry.aliases = [a for a in registry.aliases if a.alias == "SPM" or a.actor_id != "ucdp:501"]
    assert "Somali Patriotic Movement" not in {a.alias for a in registry.aliases}
    result = Resolver(registry).resolve("Somali Patriotic Movement")
    assert (result.actor_id, result.method) == ("ucdp:501", "acronym")


def test_the_date_chooses_between_actors_sharing_a_name(registry):
    from bluehelmet.actors.registry import Alias
    from datetime import date

    registry = Registry(dict(registry.actors), list(registry.aliases), list(registry.edges))
    registry.aliases.append(Alias("sahel:barkhane", "French operation", valid_from=date(2014, 8, 1)))
    registry.aliases.append(Alias("sahel:serval", "French operation", valid_to=date(2014, 7, 31)))
    resolver = Resolver(registry)
    assert resolver.resolve("French operation", "2013-05-01").actor_id == "sahel:serval"
    assert resolver.resolve("French operation", "2019-05-01").actor_id == "sahel:barkhane"
    assert resolver.resolve("French operation").status == "review"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Operation Barkhan (Niger)", "sahel:barkhane"),       # a common misspelling, in a G5 Sahel country
        ("Afrika Korps (Mali)", "sahel:africa-corps"),         # the Russian spelling, in Mali
        ("Russian Wagner Group (Mali)", "sahel:wagner"),
        ("Wagner Grop (Central African Republic)", "sahel:wagner"),
    ],
)
def test_a_foreign_force_named_with_a_country_it_fought_in_is_accepted(resolver, raw, expected):
    # Similar names are checked against the countries the name mentions: those a foreign force
    # fought in must not send it to review.
    result = resolver.resolve(raw)
    assert (result.actor_id, result.status, result.method) == (expected, "auto", "fuzzy"), result.reason


def test_a_foreign_force_named_with_a_country_it_never_fought_in_goes_to_review(resolver):
    for raw, expected in (("Wagner Grop (Sudan)", "sahel:wagner"), ("Force conjointe du G5 Sahl (Nigeria)", "sahel:g5-sahel-jf")):
        result = resolver.resolve(raw)
        assert (result.actor_id, result.status) == (expected, "review"), result.reason
        assert "fights in" in result.reason
    # Exact names keep their country bracket whatever it says.
    assert resolver.resolve("Wagner Group (Sudan)").status == "auto"


@pytest.mark.parametrize(
    "raw, on, expected",
    [
        ("Islamic State in the Sahel (Niger)", "2023-01-01", "sahel:is-sahel"),
        ("Islamic State of the Sahel (Burkina Faso)", "2023-01-01", "sahel:is-sahel"),
        ("Group for Support of Islam and Muslims (Benin)", "2025-04-17", "ucdp:6716"),
        ("Group for Support of Islam and Muslims (Togo)", "2022-05-11", "ucdp:6716"),
        ("Movement for Oneness and Jihad in West Afrika (Niger)", "2013-05-23", "ucdp:1161"),
        ("Signed-in-Blod Battalion (Niger)", "2013-05-23", "ucdp:3481"),
        ("Al Qaeda in the Islamic Magreb (Niger)", "2010-09-16", "ucdp:539"),
    ],
)
def test_an_armed_group_named_with_a_country_it_fights_in_is_accepted(resolver, raw, on, expected):
    # Reworded or misspelt names are checked against the countries they mention: a country
    # across the border where the group fights must not send it to review.
    result = resolver.resolve(raw, on)
    assert (result.actor_id, result.status) == (expected, "auto"), result.reason
    assert result.method in ("reworded", "fuzzy")


def test_an_armed_group_named_with_a_country_left_out_goes_to_review(resolver):
    for raw, expected in (("Islamic State in the Sahel (Nigeria)", "sahel:is-sahel"),
                          ("Group for Support of Islam and Muslims (Ghana)", "ucdp:6716"),
                          ("Al Qaeda in the Islamic Magreb (Libya)", "ucdp:539")):
        result = resolver.resolve(raw)
        assert (result.actor_id, result.status) == (expected, "review"), result.reason
        assert "fights in" in result.reason


@pytest.fixture(scope="module")
def namedata_resolver():
    """A resolver that knows only the UCDP list's NameData names (as in the ucdp_variants set)."""
    from bluehelmet.actors.evaluate import namedata_registry

    return Resolver(namedata_registry())


def _ucdp_row(actor_id):
    import csv

    from bluehelmet.actors.seed_ucdp import UCDP_ACTOR_FILE

    with open(UCDP_ACTOR_FILE, encoding="utf-8-sig") as handle:
        return next(r for r in csv.DictReader(handle) if r["ActorId"] == actor_id)


@pytest.mark.parametrize(
    "actor_id, column",
    [
        ("528", "NameOrigFull"),     # Forces démocratiques de libération du Rwanda -> FDLR (French initials)
        ("527", "NameOrigFull"),     # Front patriotique rwandais -> FPR, one of two FPRs: rwandais picks it
        ("499", "NameOrigFullEng"),  # Somali Salvation Democratic Front -> SSDF, one of two: Somali picks it
    ],
)
def test_full_names_resolve_to_their_acronyms(namedata_resolver, actor_id, column):
    row = _ucdp_row(actor_id)
    result = namedata_resolver.resolve(row[column])
    assert (result.actor_id, result.status, result.method) == (f"ucdp:{actor_id}", "auto", "acronym"), result.reason
    assert row[column] not in {a.alias for a in namedata_resolver.registry.aliases}  # only the acronym is known


def test_coincidental_initials_go_to_review(namedata_resolver, registry):
    # Frelimo's English name has the initials of FLM (a Malian group): Mozambique contradicts it.
    frelimo = _ucdp_row("428")
    assert frelimo["NameOrigFullEng"] == "Front for the Liberation of Mozambique"
    result = namedata_resolver.resolve(frelimo["NameOrigFullEng"])
    flm = next(a for a in registry.actors.values() if a.name == "FLM")
    assert result.actor_id != "ucdp:428" and result.status == "review"
    assert "MOZ" in result.reason and "MOZ" not in flm.country_set()
    # A possessive is no word: "People's Liberation Front" is PLF, not PSLF.
    assert namedata_resolver.resolve("People's Liberation Front").actor_id != "ucdp:5965"


def test_faction_initials_and_reworded_names(namedata_resolver):
    cases = {
        "Sudan Liberation Movement/Army - Minni Minawi faction": "SLM/A - MM",
        "Cártel de Sinaloa": "Sinaloa Cartel",
        "Jaish al-Mahdi": "al-Mahdi Army",
        "Supporters of Pakistan Peoples Party": "Supporters of PPP",
    }
    names = {a.alias: a.actor_id for a in namedata_resolver.registry.aliases}
    for raw, known in cases.items():
        result = namedata_resolver.resolve(raw)
        assert (result.actor_id, result.status) == (names[known], "auto"), (raw, result.reason)


def test_generic_names_and_typos_are_not_guessed(namedata_resolver):
    # Five UCDP actors are called "National Liberation Front" in English.
    assert namedata_resolver.resolve("National Liberation Front").status == "review"
    # A bracket that is not a country may name a faction: "MPC (Bahar)" is not MPC.
    assert namedata_resolver.resolve("MPC (Bahar)").status == "review"


def test_initials_read_without_a_bracket_still_heed_the_country_it_names(resolver):
    # Initials are taken from the name without its bracket; the bracket's country must still
    # contradict an actor that never fought there.
    for raw, initials_of in (("Al-Murabitun Brigade (Burkina Faso)", "ucdp:211"),      # AMB, in Israel
                             ("Islamic Stat Sahel Province (Nigeria)", "sahel:is-sahel")):  # ISSP, not in Nigeria
        result = resolver.resolve(raw)
        assert (result.actor_id, result.method, result.status) == (initials_of, "acronym", "review"), result.reason
        assert "fights in" in result.reason
    # A country the actor fights in leaves the initials accepted.
    assert resolver.resolve("Islamic Stat Sahel Province (Niger)").status == "auto"


@pytest.mark.parametrize(("raw", "expected"), [
    ("Islamic State (Libya)", "ucdp:234"),   # IS, not Darul Islam (Indonesia), both called 'Islamic State'
    ("Islamic State (Syria)", "ucdp:234"),
    ("Karen National Union (Thailand)", "ucdp:180"),  # KNU fought in Thailand too; KNUP only in Myanmar
])
def test_a_brackets_country_picks_the_namesake_that_fights_there_not_only_the_one_from_there(resolver, raw, expected):
    result = resolver.resolve(raw, "2017-01-01")
    assert (result.actor_id, result.status) == (expected, "auto"), result.reason
    assert "the bracket's country" in result.reason

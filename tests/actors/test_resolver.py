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
    assert result.method in ("exact", "normalised", "transliteration", "token_order", "acronym", "pattern", "fuzzy")
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

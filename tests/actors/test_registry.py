"""The registry seeded from the real UCDP actor list and the curated Sahel file; bad files rejected."""

import csv
import textwrap

import pytest
import yaml

from bluehelmet.actors import Registry, RegistryFileError
from bluehelmet.actors.curated import SAHEL_FILE, merge_curated
from bluehelmet.actors.seed_ucdp import UCDP_ACTOR_FILE, read_ucdp_actors


def test_every_ucdp_actor_is_in_the_registry(registry):
    with open(UCDP_ACTOR_FILE, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1725
    ucdp = {a for a in registry.actors if a.startswith("ucdp:")}
    assert ucdp == {f"ucdp:{r['ActorId'].strip()}" for r in rows}
    row = next(r for r in rows if r["ActorId"] == "539")
    names = {a.alias for a in registry.aliases_of("ucdp:539")}
    assert {row["NameData"], row["NameOrig"], row["NameOrigFull"], row["NewNameFullEng"]} <= names


def test_curated_entries_extend_ucdp_actors_instead_of_duplicating(registry):
    jnim = [a for a in registry.actors.values() if a.name in ("JNIM",)]
    assert [a.actor_id for a in jnim] == ["ucdp:6716"]
    assert registry.actors["ucdp:6716"].kind == "jihadist"
    assert "GSIM" in {a.alias for a in registry.aliases_of("ucdp:6716")}
    for new in ("sahel:is-sahel", "sahel:csp-psd", "sahel:csp-dpa", "sahel:fla", "sahel:wagner", "sahel:africa-corps",
                "sahel:serval", "sahel:barkhane", "sahel:takuba", "sahel:g5-sahel-jf", "sahel:afisma", "sahel:minusma"):
        actor = registry.actor(new)
        assert actor.source and "http" in actor.source


def test_foreign_forces_carry_the_countries_they_fight_in(registry):
    # Their own country stays (Wagner is Russian); the countries they fought in are added.
    wagner = registry.actor("sahel:wagner")
    assert wagner.country_iso3 == "RUS"
    assert wagner.country_set() == {"RUS", "MLI", "CAF", "LBY", "SYR", "MOZ", "UKR"}
    assert registry.actor("sahel:barkhane").country_set() == {"FRA", "MLI", "NER", "BFA", "TCD", "MRT"}
    assert registry.actor("sahel:g5-sahel-jf").country_set() == {"MLI", "NER", "BFA", "TCD", "MRT"}
    assert registry.actor("sahel:africa-corps").country_set() == {"RUS", "MLI", "BFA", "NER"}
    # Every foreign, UN and regional force of the curated file fought in Mali.
    forces = [a for a in registry.actors.values() if a.origin == "curated" and a.kind in ("foreign_force", "un_regional_force")]
    assert len(forces) == 8 and all("MLI" in a.country_set() for a in forces)


def test_armed_groups_carry_the_countries_they_fight_in_across_borders(registry):
    # ISGS and IS Sahel, of Mali, fight along the borders of Niger and Burkina Faso too.
    for actor_id in ("sahel:isgs", "sahel:is-sahel"):
        actor = registry.actor(actor_id)
        assert (actor.country_iso3, actor.country_set()) == ("MLI", {"MLI", "NER", "BFA"})
    # A UCDP actor keeps the UCDP list's countries, first, and gains those its sources add.
    assert registry.actor("ucdp:6716").countries == "MLI,BFA,NER,BEN,TGO"  # JNIM
    assert registry.actor("ucdp:539").countries == "DZA,MLI,MRT,TUN,BFA,CIV,NER"  # GSPC, then AQIM
    assert registry.actor("ucdp:1161").country_set() == {"DZA", "MLI", "NER"}  # MUJAO: Agadez, Arlit
    assert registry.actor("ucdp:3481").country_set() == {"DZA", "MLI", "NER"}  # Signed-in-Blood
    assert registry.actor("ucdp:4376").country_set() == {"MLI", "BFA", "CIV"}  # al-Mourabitoun
    # Left out where the sources show presence or a disputed attack only.
    assert "NGA" not in registry.actor("ucdp:6716").country_set() | registry.actor("sahel:is-sahel").country_set()
    assert not {"LBY", "TCD"} & registry.actor("ucdp:539").country_set()
    # The Azawad movements and the militias fight in their own country only.
    for actor_id in ("ucdp:1158", "sahel:hcua", "sahel:platform", "sahel:csp-psd", "sahel:fla", "ucdp:7092", "ucdp:3157"):
        assert registry.actor(actor_id).country_set() == {"MLI"}, actor_id
    assert registry.actor("sahel:vdp").country_set() == registry.actor("ucdp:6857").country_set() == {"BFA"}


def test_curated_countries_of_a_ucdp_actor_name_only_what_the_ucdp_list_lacks():
    # The file lists what it adds, with the UCDP list's countries in a comment: a country
    # written twice would hide which source gave it.
    ucdp = read_ucdp_actors()
    for entry in yaml.safe_load(SAHEL_FILE.read_text(encoding="utf-8"))["actors"]:
        if entry["id"].startswith("ucdp:") and entry.get("countries"):
            listed = set((ucdp.actors[entry["id"]].countries or "").split(","))
            assert not listed & set(entry["countries"]), entry["id"]


def test_curated_countries_add_to_those_of_the_ucdp_list(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(textwrap.dedent("""
        sources: {s: https://example.org/source}
        actors:
          - {id: ucdp:72, countries: "mli, NER", source: s}
    """), encoding="utf-8")
    ucdp = read_ucdp_actors()
    assert ucdp.actors["ucdp:72"].countries == "MLI,BFA,SLE,DZA,CAF"  # GWNOLoc of Government of Mali
    assert merge_curated(ucdp, path).actors["ucdp:72"].countries == "MLI,BFA,SLE,DZA,CAF,NER"


def test_store_round_trip(store, registry):
    loaded = Registry.load(store)  # a new store seeds itself
    assert len(loaded.actors) == len(registry.actors)
    assert len(loaded.aliases) == len(registry.aliases)
    assert store.count("actor_lineage") == len(registry.edges)


def _bad(tmp_path, body):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


BASE = """
sources: {s: https://example.org/source}
actors:
  - {id: sahel:a, name: Group A, kind: rebel, source: s}
  - {id: sahel:b, name: Group B, kind: rebel, source: s}
"""


@pytest.mark.parametrize(
    "extra, message",
    [
        ("  - {id: sahel:a, name: Again, kind: rebel, source: s}\n", "duplicate actor id"),
        ("lineage:\n  - [sahel:a, merged_into, sahel:nowhere, 2020, s]\n", "unknown actor"),
        ("lineage:\n  - [sahel:a, renamed, sahel:b, 2020, s]\n  - [sahel:b, renamed, sahel:a, 2021, s]\n", "cycle of renames"),
        ("  - {id: sahel:c, name: C, kind: rebel, active_from: 2020, active_to: 2019, source: s}\n", "dates out of order"),
        ("  - {id: sahel:d, name: D, kind: rebel}\n", "cite a public source"),
        ("  - {id: sahel:e, name: E, kind: pirates, source: s}\n", "unknown kind"),
        ("  - {id: sahel:f, name: F, kind: rebel, countries: [MLI, XYZ], source: s}\n", "not an ISO3 country code"),
    ],
)
def test_bad_registry_files_are_rejected_with_clear_messages(tmp_path, extra, message):
    path = _bad(tmp_path, BASE + extra)
    with pytest.raises(RegistryFileError) as caught:
        merge_curated(read_ucdp_actors(), path)
    assert message in str(caught.value)
    assert "bad.yaml" in str(caught.value)


def test_search_finds_names_and_aliases_in_any_language(registry):
    # Checked against the UCDP actor list: every actor with "Azawad" in a name or alias.
    with open(UCDP_ACTOR_FILE, encoding="utf-8-sig") as handle:
        ucdp = {
            f"ucdp:{r['ActorId'].strip()}" for r in csv.DictReader(handle)
            if any("azawad" in (r[c] or "").lower() for c in ("NameData", "NameOrig", "NameOrigFull", "NewNameFullEng"))
        }
    found = registry.search("azawad", limit=100)
    ids = [r["actor_id"] for r in found]
    assert ucdp <= set(ids) and {"sahel:fla", "sahel:hcua", "sahel:csp-dpa"} <= set(ids)
    assert len(ids) == len(set(ids))
    # Those named for the query come first, then the rest, each group by name.
    named = [r for r in found if "azawad" in r["name"].lower()]
    assert found[: len(named)] == named and named == sorted(named, key=lambda r: r["name"].casefold())

    # Accents and case are ignored: the French alias of the FLA matches without its accents.
    fla = registry.search("front de liberation de l'azawad")
    assert [r["actor_id"] for r in fla] == ["sahel:fla"]
    assert fla[0]["matching_aliases"] == ["Front de libération de l'Azawad"]

    # The FLAA is of Niger; the MSA of Mali, fighting also in Niger ("Mali, Niger" in the UCDP list).
    rebels_in_niger = registry.search("azawad", kind="rebel", country="ner")
    assert [(r["actor_id"], r["country"]) for r in rebels_in_niger] == [("ucdp:524", "NER"), ("ucdp:6836", "MLI")]
    assert len(registry.search("azawad", limit=3)) == 3
    with pytest.raises(Exception, match="nothing to search for"):
        registry.search(" - ")


def test_search_finds_foreign_forces_in_the_countries_they_fought_in(registry):
    def found(query, country):
        return [r["actor_id"] for r in registry.search(query, country=country)]

    assert found("wagner", "MLI") == found("wagner", "caf") == found("wagner", "RUS") == ["sahel:wagner"]
    assert found("wagner", "SDN") == []
    assert found("barkhane", "NER") == ["sahel:barkhane"]
    assert found("corps", "BFA") == ["sahel:africa-corps"]
    assert found("force conjointe", "TCD") == ["sahel:g5-sahel-jf"]
    assert found("minusma", "MLI") == ["sahel:minusma"]
    assert found("takuba", "MLI") == ["sahel:takuba"] and found("takuba", "NER") == []


def test_search_finds_armed_groups_in_the_countries_they_fight_in(registry):
    def found(query, country):
        return [r["actor_id"] for r in registry.search(query, country=country)]

    # IS Sahel and ISGS are Malian by origin; the UCDP actor IS (ucdp:234) fights in all three.
    for country in ("NER", "BFA", "MLI"):
        assert found("islamic state", country) == ["sahel:isgs", "sahel:is-sahel", "ucdp:234"], country
    assert found("islamic state", "NGA") == ["ucdp:234"]
    assert found("jnim", "BEN") == found("jnim", "tgo") == ["ucdp:6716"] and found("jnim", "NGA") == []
    assert found("mujao", "NER") == ["ucdp:1161"]
    assert found("mourabitoun", "CIV") == found("mourabitoun", "BFA") == ["ucdp:4376"]
    assert found("islamic maghreb", "NER") == ["ucdp:539"]

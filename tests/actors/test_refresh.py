"""`actors refresh`: a store seeded by an older bluehelmet gets the bundled registry of this one,
and keeps what its analysts added (on the bundled GED 23.1 sample)."""

import shutil
from collections import Counter
from dataclasses import astuple

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.actors import (
    Actor, Registry, RegistryRefreshError, record_decision, refresh_registry, registry_behind, reresolve_events,
)
from bluehelmet.data import DATA_DIR

GED231 = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
BUNDLED = ("ucdp", "curated")
DROPPED = "ucdp:1151"  # Jalisco Cartel New Generation: 23 events of the sample, 2 aliases, 2 edges


@pytest.fixture(scope="module")
def current_store(tmp_path_factory):
    """A store seeded by this bluehelmet, with the GED sample and analysts' decisions."""
    path = tmp_path_factory.mktemp("refresh") / "current.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, DATA_DIR / GED231)
        record_decision(store, "Katiba Serma", "new_actor", kind="jihadist", country_iso3="MLI", decided_by="analyst1")
        record_decision(store, "Wagner PMC", "alias", "sahel:wagner", decided_by="analyst1")
        record_decision(store, "IS", "accept", "ucdp:234", decided_by="analyst2", note="the sample's IS is the Islamic State")
    return path


def event_rows(store) -> Counter:
    return Counter(store.con.execute("SELECT * FROM event_actors").fetchall())


def registry_tables(store) -> dict[str, Counter]:
    """Every row of the registry's tables, decisions and the record of its bundle included."""
    tables = ("actors", "actor_aliases", "actor_lineage", "actor_decisions", "actor_registry_meta")
    return {t: Counter(store.con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}


def rows(store, table: str, bundled: bool) -> Counter:
    """The rows of a registry table whose origin is (or is not) a bundled one."""
    registry = Registry.from_connection(store.con)
    items = {"actors": list(registry.actors.values()), "actor_aliases": registry.aliases, "actor_lineage": registry.edges}[table]
    return Counter(astuple(i) for i in items if (i.origin in BUNDLED) == bundled)


def make_older(store) -> None:
    """Make the store's registry look like one seeded by an older bluehelmet, whose events were
    resolved against it: foreign forces without their countries, an alias, a name and a lineage
    edge as they were, an actor the older list lacked, two actors the newer bundle dropped (one
    of them named by an analyst's decision), and no record of the bundle it was seeded from."""
    con = store.con
    con.execute("UPDATE actors SET countries = NULL WHERE actor_id = 'sahel:wagner'")
    con.execute("DELETE FROM actor_aliases WHERE actor_id = 'ucdp:6716' AND alias = 'GSIM'")
    con.execute("UPDATE actors SET name = 'Sinaloa Federation' WHERE actor_id = 'ucdp:775'")
    con.execute("DELETE FROM actor_lineage WHERE from_id = 'sahel:isgs' AND relation = 'renamed'")
    for table, column in (("actors", "actor_id"), ("actor_aliases", "actor_id"), ("actor_lineage", "from_id"), ("actor_lineage", "to_id")):
        con.execute(f"DELETE FROM {table} WHERE {column} = ?", [DROPPED])
    for actor_id, name in (("sahel:old-faction", "Old Faction"), ("sahel:gone", "Gone Brigade")):
        con.execute("INSERT INTO actors (actor_id, name, kind, origin) VALUES (?, ?, 'militia', 'curated')", [actor_id, name])
        con.execute("INSERT INTO actor_aliases (actor_id, alias, origin) VALUES (?, ?, 'curated')", [actor_id, name])
    con.execute("DELETE FROM actor_registry_meta")
    reresolve_events(con)
    record_decision(store, "Old Faction", "accept", "sahel:old-faction", decided_by="analyst2")


@pytest.fixture
def older_store(current_store, tmp_path):
    """A copy of the current store, made to look older."""
    path = tmp_path / "older.duckdb"
    shutil.copy(current_store, path)
    with bluehelmet.open(path) as store:
        make_older(store)
        yield store


def test_refresh_brings_back_the_bundled_rows_and_keeps_the_analysts(current_store, older_store, data, registry):
    with bluehelmet.open(current_store, read_only=True) as current:
        expected_events = event_rows(current)
        analysts = {t: rows(current, t, bundled=False) for t in ("actors", "actor_aliases", "actor_lineage")}
    jalisco = pd.read_csv(data(GED231), dtype=str).eq("Jalisco Cartel New Generation").any(axis=1).sum()
    assert older_store.events(actor_id=DROPPED).empty and registry_behind(older_store)
    assert Registry.load(older_store).search("wagner", country="MLI") == []
    decisions = older_store.sql("SELECT * FROM actor_decisions")
    differing = {row[0] for row in (event_rows(older_store) - expected_events) + (expected_events - event_rows(older_store))}

    report = refresh_registry(older_store)

    assert [(a["actor_id"], a["name"]) for a in report.actors["added"]] == [(DROPPED, "Jalisco Cartel New Generation")]
    updated = {a["actor_id"]: a["changed"] for a in report.actors["updated"]}
    wagner = registry.actors["sahel:wagner"].countries  # MLI,CAF,LBY,SYR,MOZ,UKR
    assert wagner and updated == {"sahel:wagner": {"countries": [None, wagner]}, "ucdp:775": {"name": ["Sinaloa Federation", "Sinaloa Cartel"]}}
    assert report.actors["removed"] == [{"actor_id": "sahel:gone", "name": "Gone Brigade"}]
    assert report.kept == [{"actor_id": "sahel:old-faction", "name": "Old Faction", "held_by": ["decision 4 (accept 'Old Faction')"]}]
    assert report.aliases["added"] == [
        {"actor_id": "ucdp:1151", "alias": "Cártel de Jalisco Nueva Generación"}, {"actor_id": "ucdp:1151", "alias": "Jalisco Cartel New Generation"},
        {"actor_id": "ucdp:6716", "alias": "GSIM"},
    ]
    assert report.aliases["removed"] == [{"actor_id": "sahel:gone", "alias": "Gone Brigade"}, {"actor_id": "sahel:old-faction", "alias": "Old Faction"}]
    renamed = next(e.date for e in registry.edges if (e.from_id, e.relation) == ("sahel:isgs", "renamed"))  # 2022-03-01
    assert [(e["from_id"], e["relation"], e["to_id"], e["date"]) for e in report.edges["added"]] == [
        ("sahel:isgs", "renamed", "sahel:is-sahel", renamed.isoformat()), ("ucdp:1151", "split_from", "ucdp:775", None),
        ("ucdp:7187", "split_from", "ucdp:1151", None),
    ]
    assert report.edges["removed"] == [] and report.aliases["updated"] == [] and report.edges["updated"] == []
    # The events of the actor the older registry lacked are resolved by its UCDP id again, and
    # "Giants Brigade" (in review) no longer has the dropped "Gone Brigade" as its best candidate:
    # every event is as in the store seeded by this bluehelmet.
    assert report.events_reresolved == len(differing) == jalisco + 1 == 24
    assert len(older_store.events(actor_id=DROPPED)) == jalisco
    assert event_rows(older_store) == expected_events

    # The bundled rows are the bundle's, and the actor a decision names stays as it was.
    kept = Actor("sahel:old-faction", "Old Faction", "militia", origin="curated")
    assert rows(older_store, "actors", bundled=True) == Counter(astuple(a) for a in [*registry.actors.values(), kept])
    assert rows(older_store, "actor_aliases", bundled=True) == Counter(astuple(a) for a in registry.aliases)
    assert rows(older_store, "actor_lineage", bundled=True) == Counter(astuple(e) for e in registry.edges)
    for table, before in analysts.items():
        assert rows(older_store, table, bundled=False) == before, table
    assert older_store.sql("SELECT * FROM actor_decisions").equals(decisions)
    assert [r["actor_id"] for r in Registry.load(older_store).search("wagner", country="MLI")] == ["sahel:wagner"]
    assert not registry_behind(older_store)


def test_a_withdrawn_decision_does_not_keep_an_actor_the_bundle_dropped(older_store):
    from bluehelmet.actors import withdraw_decision

    ((decision_id,),) = older_store.con.execute(
        "SELECT decision_id FROM actor_decisions WHERE actor_id = 'sahel:old-faction'").fetchall()
    withdraw_decision(older_store, decision_id, withdrawn_by="analyst2")
    report = refresh_registry(older_store)
    assert report.kept == []
    assert {"actor_id": "sahel:old-faction", "name": "Old Faction"} in report.actors["removed"]
    assert "sahel:old-faction" not in Registry.load(older_store).actors


def test_a_second_refresh_changes_nothing(older_store):
    refresh_registry(older_store)
    registry, events = registry_tables(older_store), event_rows(older_store)
    again = refresh_registry(older_store)
    assert not again.changed and again.events_reresolved == 0
    assert all(not items for part in (again.actors, again.aliases, again.edges) for items in part.values())
    # The actor a decision names stays, and is said to stay, every time.
    assert [k["actor_id"] for k in again.kept] == ["sahel:old-faction"]
    assert registry_tables(older_store) == registry and event_rows(older_store) == events


def test_a_dry_run_reports_the_same_changes_and_changes_nothing(older_store):
    registry, events = registry_tables(older_store), event_rows(older_store)
    dry = refresh_registry(older_store, dry_run=True)
    assert dry.dry_run and dry.changed and dry.events_reresolved == 24
    assert registry_tables(older_store) == registry and event_rows(older_store) == events
    assert registry_behind(older_store)
    real = refresh_registry(older_store)
    assert {**dry.as_dict(), "dry_run": False} == real.as_dict()


def test_an_analyst_edge_that_would_close_a_cycle_refuses_the_refresh(older_store):
    con = older_store.con
    # The older bundle lacked "Serval renamed Barkhane"; an analyst recorded the reverse.
    con.execute("DELETE FROM actor_lineage WHERE from_id = 'sahel:serval' AND relation = 'renamed'")
    con.execute("INSERT INTO actor_lineage (from_id, relation, to_id, source, origin) VALUES "
                "('sahel:barkhane', 'renamed', 'sahel:serval', 'analyst note', 'analyst')")
    registry, events = registry_tables(older_store), event_rows(older_store)
    with pytest.raises(RegistryRefreshError, match="cycle of renames/mergers: sahel:barkhane -> sahel:serval -> sahel:barkhane"):
        refresh_registry(older_store)
    assert registry_tables(older_store) == registry and event_rows(older_store) == events


def test_a_new_store_records_its_bundle_and_is_not_behind(store):
    assert not registry_behind(store)  # no registry yet: it will be seeded with this one
    Registry.load(store)
    assert not registry_behind(store)
    report = refresh_registry(store)
    assert not report.changed and report.kept == []


def test_every_file_the_bundled_registry_is_built_from_is_in_its_fingerprint():
    """Build the bundled registry afresh, noting each bluehelmet module whose code runs and each
    file of the package opened: a change to any of them must make a store's registry behind."""
    import sys
    from pathlib import Path

    from bluehelmet.actors import bundle, registry
    from bluehelmet.geo import countries

    countries.gw_table.cache_clear()  # read once per process: another test may have read it
    package = Path(bluehelmet.__file__).parent
    ran, opened, listening = set(), set(), [False]

    def on_call(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(str(package)):
            ran.add(Path(frame.f_code.co_filename))

    def on_open(event, args):
        if listening[0] and event == "open" and isinstance(args[0], (str, Path)) and str(args[0]).startswith(str(package)):
            opened.add(Path(args[0]))

    sys.addaudithook(on_open)  # audit hooks stay for the process: `listening` switches it off
    built = list(registry._BUNDLED)
    registry._BUNDLED.clear()
    listening[0] = True
    sys.setprofile(on_call)
    try:
        Registry.bundled()
    finally:
        sys.setprofile(None)
        listening[0] = False
        registry._BUNDLED[:] = built or registry._BUNDLED
    data = {p for p in opened if p.suffix not in (".py", ".pyc")}
    assert {p.name for p in data} >= {"ucdp-actor-221.csv", "sahel.yaml", "gw_countries.csv"}
    assert ran | data <= set(bundle.bundled_files())

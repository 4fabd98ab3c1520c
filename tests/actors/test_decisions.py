"""Analysts' decisions listed and withdrawn, on the bundled UCDP candidate sample (GED 26.0.1).

In that sample "Fano" (the Amhara militia, 37 events in Ethiopia) is in review: its best
candidate is FAN (ucdp:438, Chad) by similarity. "VDP" (4 events in DR Congo, the Volontaires
pour la défense de la patrie) resolves exactly to Burkina Faso's VDP (sahel:vdp), a namesake.
"""

import shutil
from collections import Counter

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.actors import list_decisions, load_decisions, record_decision, resolver_for, withdraw_decision
from bluehelmet.analysis.evidence import add_evidence, revise_evidence
from bluehelmet.data import DATA_DIR
from bluehelmet.errors import InvalidRequestError, StoreError

SAMPLE = "ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """A store holding the candidate sample, ingested once for the module."""
    path = tmp_path_factory.mktemp("decisions") / "sample.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, DATA_DIR / SAMPLE)
    return path


@pytest.fixture
def store(sample_store, tmp_path):
    """A copy of the sample store for one test, which may change it."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_store, path)
    with bluehelmet.open(path) as s:
        yield s


def side_events(name: str) -> int:
    """Events of the sample whose side A or B is exactly ``name``, counted in the CSV itself."""
    raw = pd.read_csv(DATA_DIR / SAMPLE, dtype=str)
    return int(((raw.side_a == name) | (raw.side_b == name)).sum())


def event_rows(store) -> Counter:
    return Counter(store.con.execute("SELECT * FROM event_actors").fetchall())


def resolved(store, raw_name: str) -> Counter:
    """How the events naming ``raw_name`` are resolved: (actor_id, method, status) -> events."""
    return Counter(dict(store.con.execute(
        "SELECT (actor_id, method, status), count(DISTINCT event_uid) FROM event_actors WHERE raw_name = ? GROUP BY 1",
        [raw_name],
    ).fetchall()))


def changed_events(before: Counter, after: Counter) -> int:
    """The events whose rows differ between two states of ``event_actors``."""
    return len({row[0] for row in (before - after) + (after - before)})


def test_withdrawing_an_alias_resolves_the_events_as_before(store):
    fano = side_events("Fano")
    assert fano == 37
    before = event_rows(store)
    assert resolved(store, "Fano") == Counter({(None, "fuzzy", "review"): fano})

    decision = record_decision(store, "Fano", "alias", "ucdp:438", decided_by="analyst1")
    assert resolved(store, "Fano") == Counter({("ucdp:438", "decision", "decided"): fano})
    aliased = event_rows(store)

    done = withdraw_decision(store, decision.decision_id, withdrawn_by="analyst2", note="Fano is not FAN")

    assert (done.aliases_removed, done.actor_removed) == (1, None)
    # The Fano events, and the two "Falwono" events whose fuzzy score the alias had changed.
    assert done.events_reresolved == changed_events(before, aliased) == fano + side_events("Falwono") == 39
    assert event_rows(store) == before
    assert store.con.execute("SELECT count(*) FROM actor_aliases WHERE alias = 'Fano'").fetchall() == [(0,)]
    assert resolver_for(store).resolve("Fano").status == "review"
    assert load_decisions(store).accepted_for("Fano") is None
    # The decision is kept, marked withdrawn.
    [row] = store.con.execute(
        "SELECT decision_id, action, actor_id, decided_by, withdrawn_by, withdrawal_note, withdrawn_at IS NOT NULL "
        "FROM actor_decisions").fetchall()
    assert row == (1, "alias", "ucdp:438", "analyst1", "analyst2", "Fano is not FAN", True)
    assert done.decision.withdrawn and done.decision.withdrawn_by == "analyst2"


def test_withdrawing_a_reject_brings_back_the_decision_before_it(store):
    before = event_rows(store)
    record_decision(store, "Fano", "accept", "ucdp:438", decided_by="analyst1")
    accepted = event_rows(store)
    reject = record_decision(store, "Fano", "reject", "ucdp:438", decided_by="analyst2")
    assert ("ucdp:438", "decision", "decided") not in resolved(store, "Fano")
    assert event_rows(store) == before

    done = withdraw_decision(store, reject.decision_id)

    assert resolved(store, "Fano") == Counter({("ucdp:438", "decision", "decided"): 37})
    assert event_rows(store) == accepted and done.aliases_removed == 0


def test_withdrawing_a_reject_brings_back_the_automatic_match(store):
    vdp = side_events("VDP")
    assert vdp == 4 and resolved(store, "VDP") == Counter({("sahel:vdp", "exact", "auto"): vdp})
    before = event_rows(store)
    reject = record_decision(store, "VDP", "reject", "sahel:vdp", note="the Congolese VDP, not Burkina Faso's")
    assert "sahel:vdp" not in {actor for actor, _, _ in resolved(store, "VDP")}

    done = withdraw_decision(store, reject.decision_id)

    assert done.events_reresolved == vdp
    assert event_rows(store) == before


def test_withdrawing_a_new_actor_removes_it_once_nothing_names_it(store):
    before = event_rows(store)
    created = record_decision(store, "Fano", "new_actor", kind="militia", country_iso3="ETH", decided_by="analyst1")
    assert created.actor_id == "local:fano"
    assert resolved(store, "Fano") == Counter({("local:fano", "decision", "decided"): 37})
    alias = record_decision(store, "Amhara Fano", "alias", "local:fano", decided_by="analyst1")
    store.con.execute(
        "INSERT INTO actor_lineage (from_id, relation, to_id, origin) VALUES ('local:fano', 'allied_with', 'ucdp:97', 'analyst')"
    )

    with pytest.raises(InvalidRequestError) as refused:
        withdraw_decision(store, created.decision_id)
    assert str(refused.value) == (
        "decision 1 ('Fano' new_actor local:fano) created the actor local:fano, which decision 2 ('Amhara Fano' alias "
        "local:fano) and the lineage edge local:fano allied_with ucdp:97 still name: withdraw or remove them first"
    )
    # Refused as a whole: nothing changed.
    assert not load_decisions(store).all[0].withdrawn
    assert resolved(store, "Fano") == Counter({("local:fano", "decision", "decided"): 37})

    store.con.execute("DELETE FROM actor_lineage WHERE from_id = 'local:fano'")
    assert withdraw_decision(store, alias.decision_id).aliases_removed == 1

    # An analyst's evidence about the actor holds it too, until the entry is withdrawn.
    entry = add_evidence(store, "local:fano", dimension="territorial_control", text="Holds roads around Bahir Dar",
                         source="a field report", evidence_date="2025-06-01", entered_by="analyst1")
    with pytest.raises(InvalidRequestError, match=r"which evidence entry 1 still names: withdraw or remove it first$"):
        withdraw_decision(store, created.decision_id)
    revise_evidence(store, entry.evidence_id, entered_by="analyst1", withdraw=True)
    done = withdraw_decision(store, created.decision_id)

    assert (done.actor_removed, done.aliases_removed, done.events_reresolved) == ("local:fano", 1, 39)
    for table in ("actors", "actor_aliases"):
        assert store.con.execute(f"SELECT count(*) FROM {table} WHERE actor_id = 'local:fano'").fetchall() == [(0,)]
    assert event_rows(store) == before
    # Both decisions stay on record; the list no longer finds the removed actor's name.
    listed = list_decisions(store)
    assert listed[["decision_id", "actor_id"]].values.tolist() == [[2, "local:fano"], [1, "local:fano"]]
    assert listed.actor_name.isna().all() and listed.withdrawn_at.notna().all()
    # A new actor named as the removed one gets an id of its own: the record keeps naming the first.
    assert record_decision(store, "Fano", "new_actor", kind="militia").actor_id == "local:fano-2"


def test_a_withdrawn_decision_cannot_be_withdrawn_again(store):
    decision = record_decision(store, "Fano", "accept", "ucdp:438", decided_by="analyst1")
    withdraw_decision(store, decision.decision_id, withdrawn_by="analyst2")
    with pytest.raises(InvalidRequestError, match=r"^decision 1 \('Fano' accept ucdp:438\) was already withdrawn on .* by analyst2"):
        withdraw_decision(store, decision.decision_id, withdrawn_by="analyst3")
    assert store.con.execute("SELECT withdrawn_by FROM actor_decisions").fetchall() == [("analyst2",)]


def test_an_unknown_decision_cannot_be_withdrawn(store):
    with pytest.raises(InvalidRequestError, match="^no decision 1 in this store: it has no decision yet$"):
        withdraw_decision(store, 1)
    record_decision(store, "Fano", "accept", "ucdp:438")
    record_decision(store, "VDP", "reject", "sahel:vdp")
    with pytest.raises(InvalidRequestError, match=r"^no decision 7 in this store: its decisions are numbered 1 to 2 "):
        withdraw_decision(store, 7)


def test_list_decisions_newest_first_with_actor_names(store):
    record_decision(store, "Fano", "alias", "ucdp:438", decided_by="analyst1", note="for now")
    record_decision(store, "VDP", "reject", "sahel:vdp", decided_by="analyst2")
    record_decision(store, "FANO militia", "new_actor", kind="militia", country_iso3="ETH", decided_by="analyst1")
    withdraw_decision(store, 1, withdrawn_by="analyst2", note="Fano is not FAN")

    listed = list_decisions(store)

    assert listed.columns.tolist() == [
        "decision_id", "raw_name", "action", "actor_id", "actor_name", "decided_by", "decided_at", "note",
        "withdrawn_at", "withdrawn_by", "withdrawal_note",
    ]
    assert listed[["decision_id", "raw_name", "action", "actor_id", "actor_name"]].values.tolist() == [
        [3, "FANO militia", "new_actor", "local:fano-militia", "FANO militia"],
        [2, "VDP", "reject", "sahel:vdp", "Volunteers for the Defence of the Homeland"],
        [1, "Fano", "alias", "ucdp:438", "FAN"],
    ]
    assert listed.withdrawn_at.notna().tolist() == [False, False, True]
    assert listed.iloc[2][["withdrawn_by", "withdrawal_note", "note"]].tolist() == ["analyst2", "Fano is not FAN", "for now"]
    # Case, accents and punctuation ignored, as in `actors search`.
    assert list_decisions(store, name="fanó").decision_id.tolist() == [3, 1]
    assert list_decisions(store, name="nobody").empty
    with pytest.raises(InvalidRequestError, match="nothing to look for"):
        list_decisions(store, name="--")


def older_store(tmp_path):
    """A store with one decision (Fano alias FAN, by analyst1), made before decisions could be withdrawn."""
    path = tmp_path / "older.duckdb"
    with bluehelmet.open(path) as store:
        record_decision(store, "Fano", "alias", "ucdp:438", decided_by="analyst1")
        for column in ("withdrawn_at", "withdrawn_by", "withdrawal_note"):
            store.con.execute(f"ALTER TABLE actor_decisions DROP COLUMN {column}")
    return path


def test_an_older_store_gains_the_record_of_withdrawals(tmp_path):
    path = older_store(tmp_path)
    with bluehelmet.open(path) as store:
        assert list_decisions(store).withdrawn_at.isna().all()
        done = withdraw_decision(store, 1, withdrawn_by="analyst2")
        assert done.aliases_removed == 1
        assert store.con.execute("SELECT decided_by, withdrawn_by FROM actor_decisions").fetchall() == [("analyst1", "analyst2")]


def test_a_store_opened_read_only_lists_its_decisions_and_resolved_events(store, tmp_path):
    record_decision(store, "Fano", "alias", "ucdp:438", decided_by="analyst1")
    path = tmp_path / "shared.duckdb"
    store.con.execute("CHECKPOINT")
    shutil.copy(store.path, path)
    with bluehelmet.open(path, read_only=True) as shared:
        assert list(list_decisions(shared)["raw_name"]) == ["Fano"]
        # FAN's events: the 37 naming Fano, and any the sample names FAN itself by.
        assert len(shared.events(actor_id="ucdp:438")) == len(store.events(actor_id="ucdp:438")) >= side_events("Fano") == 37


def test_an_older_store_opened_read_only_says_how_to_bring_it_up_to_date(tmp_path):
    path = older_store(tmp_path)
    with bluehelmet.open(path, read_only=True) as store:
        with pytest.raises(StoreError, match="made by an older bluehelmet.*actors decisions"):
            list_decisions(store)
    with bluehelmet.open(path) as store:
        list_decisions(store)
    with bluehelmet.open(path, read_only=True) as store:
        assert list(list_decisions(store)["decided_by"]) == ["analyst1"]

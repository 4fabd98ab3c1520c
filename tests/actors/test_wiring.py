"""Ingest resolves every event's actors; decisions persist and re-resolve; queries filter by actor."""

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.actors import actor_events, event_counts, lineage_ids, record_decision

SAMPLE = "ucdp_ged_candidate_26/GEDEvent_v26_0_1.csv"


def test_ingest_fills_event_actors(store, data):
    bluehelmet.ingest(store, data(SAMPLE))
    raw = pd.read_csv(data(SAMPLE), dtype=str)
    ea = store.sql("SELECT * FROM event_actors")
    # Every event has a side_a and a side_b row (or more, for multi-actor sides).
    assert set(ea.loc[ea.role == "side_a", "event_uid"]) == set(store.sql("SELECT uid FROM events").uid)
    # Where UCDP gives the actor id, the resolved actor is that id (for every non-ambiguous name).
    check = ea[ea.role == "side_a"].merge(store.sql("SELECT uid, side_a_source_id FROM events"), left_on="event_uid", right_on="uid")
    auto = check[check.status == "auto"]
    agree = (auto.actor_id == "ucdp:" + auto.side_a_source_id).mean()
    assert agree > 0.97, auto[auto.actor_id != "ucdp:" + auto.side_a_source_id][["raw_name", "actor_id", "side_a_source_id"]].head()
    mali = raw[raw.country == "Mali"]
    jnim = store.events(actor_id="ucdp:6716")
    assert len(jnim) == ((raw.side_a == "JNIM") | (raw.side_b == "JNIM")).sum()
    assert len(mali) > 0


def test_decisions_survive_a_restart_and_reresolve_events(tmp_path, data):
    path = tmp_path / "s.duckdb"
    with bluehelmet.open(path) as store:
        bluehelmet.ingest(store, data(SAMPLE))
        before = store.sql("SELECT raw_name, count(*) n FROM event_actors WHERE status='review' GROUP BY 1 ORDER BY 2 DESC")
        assert len(before), "the sample has names in review"
        name = before.raw_name[0]
        record_decision(store, name, "new_actor", kind="militia", country_iso3="MLI", decided_by="tester")
    with bluehelmet.open(path) as store:
        rows = store.sql("SELECT actor_id, status, method FROM event_actors WHERE raw_name = ?", [name])
        assert len(rows) == before.n[0]
        assert set(rows.status) == {"decided"} and rows.actor_id.str.startswith("local:").all()
        decisions = store.sql("SELECT * FROM actor_decisions")
        assert decisions.decided_by.tolist() == ["tester"]
        from bluehelmet.actors import resolver_for

        assert resolver_for(store).resolve(name).status == "decided"


@pytest.mark.slow
def test_lineage_aware_queries(tmp_path, data):
    with bluehelmet.open(tmp_path / "g.duckdb") as store:
        bluehelmet.ingest(store, data("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"), "ucdp-ged")
        raw = pd.read_csv(data("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"), dtype=str)
        names = {"JNIM", "Ansar Dine", "MUJAO", "al-Murabitun", "FLM", "Signed-in-Blood Battalion", "AQIM", "GIA"}
        # Sides may list several actors ("AQIM, MUJAO"): split them as the source writes them.
        in_side = lambda col: col.fillna("").str.split(", ").apply(lambda parts: bool(names & set(parts)))  # noqa: E731
        expected = (in_side(raw.side_a) | in_side(raw.side_b)).sum()
        counts = event_counts(store, "ucdp:6716", lineage=True)
        assert counts.set_index("actor_id").loc["total", "events"] == expected
        only = actor_events(store, "ucdp:6716")
        assert len(only) == ((raw.side_a == "JNIM") | (raw.side_b == "JNIM")).sum()
        assert len(actor_events(store, "ucdp:6716", lineage=True)) == expected
        assert len(store.events(actor_id=lineage_ids("ucdp:6716"))) == expected


GED231 = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


def test_ucdp_sides_resolve_to_their_own_actor_ids(store, data, registry):
    bluehelmet.ingest(store, data(GED231))
    raw = pd.read_csv(data(GED231), dtype=str)
    ea = store.sql(
        "SELECT e.source_id AS id, ea.role, ea.position, ea.raw_name, ea.actor_id, ea.method, ea.status "
        "FROM event_actors ea JOIN events e ON e.uid = ea.event_uid"
    )
    known = {a.removeprefix("ucdp:") for a in registry.actors if a.startswith("ucdp:")}
    for side in ("a", "b"):
        # Every side with an id the actor list knows (none of them lists several names here).
        expected = raw[raw[f"side_{side}_new_id"].isin(known)][["id", f"side_{side}_new_id"]]
        assert len(expected) > 800
        got = ea[ea.role == f"side_{side}"].merge(expected, on="id")
        assert len(got) == len(expected)
        assert (got.actor_id == "ucdp:" + got[f"side_{side}_new_id"]).all()
        assert set(got.method) == {"source_id"} and set(got.status) == {"auto"}
    # By hand from the CSV: event 448810 is SNA (id 7514, the Syrian National Army) against SDF
    # (6288); event 401115 is the Government of Afghanistan (130) against the Taleban (303).
    pairs = ea[ea.id.isin(["448810", "401115"]) & ea.role.isin(["side_a", "side_b"])]
    assert set(zip(pairs.id, pairs.role, pairs.actor_id)) == {
        ("448810", "side_a", "ucdp:7514"), ("448810", "side_b", "ucdp:6288"),
        ("401115", "side_a", "ucdp:130"), ("401115", "side_b", "ucdp:303"),
    }
    # A coalition id for several names is no actor of the list: the names are resolved one by one.
    coalition = raw[raw.side_a == "Giants Brigade, STC"]
    assert coalition.side_a_new_id.tolist() == ["8527"]
    giants = ea[ea.id.isin(coalition.id) & (ea.role == "side_a")]
    assert sorted(giants.raw_name) == ["Giants Brigade", "STC"] and "source_id" not in set(giants.method)


def test_source_ids_settle_names_two_actors_share(registry):
    from bluehelmet.actors import Resolver
    from bluehelmet.actors.wiring import resolve_side_with_ids

    resolver = Resolver(registry)
    owners = sorted(a.actor_id for a in registry.actors.values() if a.name == "SRF")
    assert len(owners) == 2 and resolver.resolve("SRF").status == "review"
    for owner in owners:
        [result] = resolve_side_with_ids(resolver, "SRF", owner.removeprefix("ucdp:"))
        assert (result.actor_id, result.method, result.score) == (owner, "source_id", 1.0)
    # Ids in step with the names of a multi-actor side; an unknown id leaves its name to the resolver.
    gatia, msa = resolve_side_with_ids(resolver, "GATIA, MSA", "5880, 999999")
    assert (gatia.actor_id, gatia.method) == ("ucdp:5880", "source_id")
    assert msa.actor_id == "ucdp:6836" and msa.method != "source_id"


def test_the_events_country_chooses_between_actors_that_share_a_name(store, data, tmp_path):
    """GED 21.1 gives no actor ids. Its ELN, SRF, UCK and BRA are each the name of two or three
    UCDP actors, which the event's country tells apart: the actor chosen is the one UCDP's own
    ids give that name in that country in the GED 23.1 sample."""
    ged211 = pd.read_csv(data("ucdp_ged_211_precise/ged211_precise_1989_2018.csv.gz"), dtype=str)
    shared = ["ELN", "SRF", "UCK", "BRA"]
    rows = ged211[ged211.side_b.isin(shared)]
    subset = tmp_path / "ged211_namesakes.csv"
    rows.to_csv(subset, index=False)
    bluehelmet.ingest(store, subset, "ucdp-ged", release="21.1")

    sample = pd.read_csv(data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"), dtype=str)
    named = sample[sample.side_b.isin(shared)]
    ucdp_ids = {(r.side_b, r.country): f"ucdp:{r.side_b_new_id}" for r in named.itertuples()}
    # ELN Colombia 744, SRF Sudan 1162, UCK Serbia 357 and Macedonia 361, BRA Pakistan 289.
    assert len(ucdp_ids) == 5

    resolved = store.sql(
        "SELECT ea.raw_name, e.country, e.country_iso3, ea.actor_id, ea.status, count(*) AS n "
        "FROM event_actors ea JOIN events e ON e.uid = ea.event_uid WHERE ea.role = 'side_b' GROUP BY ALL"
    )
    assert resolved.n.sum() == len(rows)
    for r in resolved.itertuples():
        expected = ucdp_ids.get((r.raw_name, r.country))
        if expected:
            assert (r.actor_id, r.status) == (expected, "auto"), r
    checked = resolved[[(r.raw_name, r.country) in ucdp_ids for r in resolved.itertuples()]]
    assert checked.n.sum() > 1000  # of the 1,220 events
    # A country none of the namesakes fights in leaves the name in review: UCK in Albania.
    review = resolved[resolved.status == "review"]
    assert {(r.raw_name, r.country) for r in review.itertuples()} == {("UCK", "Albania")}

"""``bluehelmet anatomy``: profiles in every format, compare, analyst evidence, and the card in Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from anatomy_fixtures import anatomy_db, ged211  # noqa: F401

import bluehelmet

START, END = "2017-03-01", "2018-12-31"


@pytest.fixture
def db(anatomy_db, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(anatomy_db, path)
    return path


def test_profile_json_carries_indicators_evidence_and_options(cli, db, ged211):
    result = cli("--db", db, "anatomy", "JNIM", "--from", START, "--to", END, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    rows = ged211[((ged211["side_a"] == "JNIM") | (ged211["side_b"] == "JNIM")) & ged211["date"].between(START, END)]
    assert data["profile"]["events"] == len(rows)
    posture = {i["key"]: i for i in data["profile"]["dimensions"]["civilian_posture"]["indicators"]}
    targeting = rows[(rows["type_of_violence"] == "One-sided violence") & (rows["side_a"] == "JNIM")]
    assert posture["civilian_targeting_share"]["evidence_count"] == len(targeting)
    assert posture["civilian_deaths_targeting"]["value"] == targeting["best_death"].sum()
    assert all(o["reasons"] for o in data["engagement"]["proposed"])
    assert data["profile"]["dimensions"]["economy"]["confidence"] == "low"


def test_profile_table_and_markdown(cli, db):
    table = cli("--db", db, "anatomy", "profile", "JNIM", "--from", START, "--to", END)
    assert table.exit_code == 0 and "Posture toward civilians" in table.stdout and "Engagement options" in table.stdout
    md = cli("--db", db, "anatomy", "JNIM", "--from", START, "--to", END, "--format", "md")
    assert md.stdout.startswith("# Anatomy of JNIM (ucdp:6716)")
    assert "| indicator | value | basis | confidence | evidence |" in md.stdout


def test_unknown_actor_and_empty_period_are_explained(cli, db):
    unknown = cli("--db", db, "anatomy", "Jnimm")
    assert unknown.exit_code == 2 and "nearest names: JNIM (ucdp:6716)" in unknown.stderr
    empty = cli("--db", db, "anatomy", "JNIM", "--from", "2019-06-01", "--to", "2019-06-30")
    assert empty.exit_code == 2 and "no events between 2019-06-01 and 2019-06-30" in empty.stderr and "by year" in empty.stderr
    bad = cli("--db", db, "anatomy", "JNIM", "--format", "pdf")
    assert bad.exit_code == 2 and "unknown format 'pdf'" in bad.stderr


def test_compare_json_and_html(cli, db, tmp_path):
    result = cli("--db", db, "anatomy", "compare", "JNIM", "Government of Mali", "--country", "MLI", "--from", START, "--to", END, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    figures = {r["figure"]: r for r in data["figures"]}
    assert figures["kind"] == {"figure": "kind", "JNIM": "jihadist", "Government of Mali": "state_force"}
    out = tmp_path / "compare.html"
    html = cli("--db", db, "anatomy", "compare", "JNIM", "Government of Mali", "--country", "MLI", "--from", START, "--to", END,
               "--format", "html", "--out", out)
    assert html.exit_code == 0 and 'id="compare-chart"' in out.read_text()


def test_evidence_add_refuses_entries_without_source_or_date(cli, db):
    base = ["--db", db, "anatomy", "evidence", "add", "JNIM", "--dimension", "economy", "--text", "Taxes herders", "--by", "a.b"]
    no_source = cli(*base, "--date", "2018-05-01")
    assert no_source.exit_code == 2 and "needs a source" in no_source.stderr
    no_date = cli(*base, "--source", "Field report 7")
    assert no_date.exit_code == 2 and "needs the date" in no_date.stderr
    with bluehelmet.open(db) as store:
        assert "actor_evidence" not in store.tables() or store.count("actor_evidence") == 0


def test_evidence_add_list_survive_and_reach_the_profile(cli, db):
    added = cli("--db", db, "anatomy", "evidence", "add", "JNIM", "--dimension", "political_aim", "--tag", "political",
                "--text", "Demands application of sharia and departure of foreign forces", "--source", "JNIM communiqué, 2017-03-02",
                "--date", "2017-03-02", "--by", "a.b", "--confidence", "high", "--json")
    assert added.exit_code == 0, added.stderr
    entry = added.json()
    assert entry["version"] == 1 and entry["entered_by"] == "a.b"
    listed = cli("--db", db, "anatomy", "evidence", "list", "JNIM", "--json")  # a new process opens the store again
    assert [e["text"] for e in listed.json()] == ["Demands application of sharia and departure of foreign forces"]
    data = cli("--db", db, "anatomy", "JNIM", "--from", START, "--to", END, "--format", "json").json()
    aim = data["profile"]["dimensions"]["political_aim"]
    assert aim["analyst_evidence"][0]["source"] == "JNIM communiqué, 2017-03-02"
    assert aim["indicators"][0]["display"] == f"political (from analyst evidence E{entry['evidence_id']})"


def test_evidence_revised_and_withdrawn_keeps_every_version(cli, db):
    added = cli("--db", db, "anatomy", "evidence", "add", "Government of Mali", "--dimension", "economy", "--tag", "checkpoints",
                "--text", "Soldiers levy fees at checkpoints on the Mopti road", "--source", "Field report 12",
                "--date", "2018-04-02", "--by", "a.b", "--json").json()
    number = added["evidence_id"]
    revised = cli("--db", db, "anatomy", "evidence", "revise", f"E{number}", "--confidence", "high", "--by", "c.d", "--json")
    assert revised.exit_code == 0, revised.stderr
    assert (revised.json()["version"], revised.json()["confidence"], revised.json()["text"]) == (
        2, "high", "Soldiers levy fees at checkpoints on the Mopti road")
    withdrawn = cli("--db", db, "anatomy", "evidence", "withdraw", str(number), "--by", "c.d")
    assert withdrawn.exit_code == 0 and f"withdrew evidence E{number} (version 3)" in withdrawn.stdout
    assert cli("--db", db, "anatomy", "evidence", "list", "Government of Mali", "--json").json() == []
    history = cli("--db", db, "anatomy", "evidence", "list", "Government of Mali", "--history")
    assert [line.split()[:3] for line in history.stdout.splitlines()] == [
        [f"E{number}", "v1", added["actor_id"]], [f"E{number}", "v2", added["actor_id"]], [f"E{number}", "v3", "withdrawn"]]
    again = cli("--db", db, "anatomy", "evidence", "withdraw", f"E{number}", "--by", "c.d")
    assert again.exit_code == 2 and "already withdrawn (version 3, by c.d" in again.stderr
    back = cli("--db", db, "anatomy", "evidence", "revise", f"e{number}", "--by", "a.b", "--json").json()
    assert back["version"] == 4 and not back["withdrawn"]
    bad = cli("--db", db, "anatomy", "evidence", "withdraw", "X7", "--by", "c.d")
    assert bad.exit_code == 2 and "not an evidence id" in bad.stderr


def test_html_card_renders_in_chromium(cli, db, tmp_path):
    pytest.importorskip("playwright")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    out = tmp_path / "jnim.html"
    result = cli("--db", db, "anatomy", "JNIM", "--from", START, "--to", END, "--format", "html", "--out", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "http://" not in text and "https://cdn" not in text  # self-contained
    shot = tmp_path / "jnim.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(out.as_uri())
        assert page.inner_text("#title") == "Anatomy of JNIM"
        sizes = {}
        for selector in ("#map-img", "#lineage-chart", "#over-time-chart"):
            box = page.query_selector(selector).bounding_box()
            natural = page.evaluate("(e) => [e.naturalWidth, e.naturalHeight]", page.query_selector(selector))
            sizes[selector] = (box["width"], box["height"], *natural)
        options = page.query_selector_all("div.option")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    for selector, (width, height, natural_w, natural_h) in sizes.items():
        assert width > 400 and height > 200 and natural_w > 400 and natural_h > 200, (selector, sizes[selector])
    assert len(options) >= 1
    assert shot.stat().st_size > 100_000

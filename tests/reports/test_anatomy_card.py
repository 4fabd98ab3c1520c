"""The perpetrators section and its cards, for the situation report."""

from __future__ import annotations

import re

from anatomy_fixtures import anatomy, anatomy_db, anatomy_units_db  # noqa: F401

import bluehelmet
from bluehelmet.reports.anatomy_card import render_card, render_perpetrators_section, write_perpetrator_cards


def test_perpetrator_cards_are_written_and_linked(anatomy, tmp_path):
    rows = write_perpetrator_cards(anatomy, "MLI", "2017-01-01", "2018-12-31", tmp_path / "cards", n=2)
    assert len(rows) == 2
    html = render_perpetrators_section(rows, "2017-2018")
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs == [r["href"] for r in rows] and all(h.startswith("cards/") for h in hrefs)
    for href in hrefs:
        card = (tmp_path / href).read_text()
        assert "Engagement options" in card and "data:image/png;base64," in card


def test_card_map_uses_the_boundaries_when_loaded(anatomy_units_db):
    from bluehelmet.analysis.anatomy import profile

    with bluehelmet.open(anatomy_units_db) as store:
        html = render_card(store, profile(store, "JNIM", "2017-03-01", "2018-12-31", country="MLI"))
    assert "Background: admin2 boundaries in the store" in html
    assert "measured on PRIO-GRID" not in html


def test_card_without_boundaries_says_so(anatomy):
    from bluehelmet.analysis.anatomy import profile

    html = render_card(anatomy, profile(anatomy, "Government of Mali", "2017-01-01", "2018-12-31", country="MLI"))
    assert "No admin2 boundaries are loaded" in html

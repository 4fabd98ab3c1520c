"""The armed-group anatomy section of ``make demo``: cards for JNIM and the Government of Mali."""

from __future__ import annotations

from pathlib import Path

from bluehelmet.demo import console, section

DEMO_PERIOD = ("2017-03-01", "2018-12-31")  # JNIM's first two years, the last of the bundled GED 21.1 extract
DEMO_ACTORS = ("JNIM", "Government of Mali")


@section("Armed-group anatomy: JNIM and the Government of Mali")
def anatomy_cards(store, out: Path) -> None:
    """Write the anatomy cards of the main Mali actors, a comparison and the perpetrators' cards."""
    from bluehelmet.analysis.anatomy import profile
    from bluehelmet.analysis.engagement import engagement_options
    from bluehelmet.reports.anatomy_card import render_card, render_compare, slug, write_perpetrator_cards

    start, end = DEMO_PERIOD
    folder = out / "anatomy"
    folder.mkdir(parents=True, exist_ok=True)
    for actor in DEMO_ACTORS:
        prof = profile(store, actor, start, end, country="MLI")
        options = engagement_options(prof)
        path = folder / f"{slug(prof.actor_id)}.html"
        path.write_text(render_card(store, prof, options), encoding="utf-8")
        facts = prof.facts
        console.print(
            f"{prof.name}: {prof.events:,} events in Mali {start}..{end}, {facts['civilian_targeting_share']:.0%} of its violence "
            f"against civilians ({facts['civilian_deaths_targeting']:,} killed); options: "
            f"{', '.join(o.title for o in options.proposed) or 'none'}", highlight=False)
        console.print(f"  card: [bold]{path.resolve()}[/]", highlight=False)
    compare_path = folder / "compare.html"
    compare_path.write_text(render_compare(store, list(DEMO_ACTORS), start, end, country="MLI"), encoding="utf-8")
    console.print(f"Comparison: [bold]{compare_path.resolve()}[/]", highlight=False)
    rows = write_perpetrator_cards(store, "MLI", start, end, folder / "perpetrators", n=3, relative_to=out)
    console.print("Main perpetrators' cards: " + "; ".join(f"{r['name']} ({r['href']})" for r in rows), highlight=False)

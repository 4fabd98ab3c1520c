"""A lineage chart: groups as bars on a timeline, with arrows for renames, mergers and splits.

>>> from bluehelmet.actors.chart import lineage_chart
>>> lineage_chart("ucdp:6716", "jnim.svg")        # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bluehelmet.actors.lineage import edges_of, family
from bluehelmet.actors.registry import Registry
from bluehelmet.errors import InvalidRequestError

COLOURS = {
    "jihadist": "#8c2d04", "rebel": "#2171b5", "militia": "#6a51a3", "communal": "#238b45",
    "state_force": "#525252", "foreign_force": "#969696", "un_regional_force": "#4292c6",
}
ARROWS = {"renamed": "#000000", "merged_into": "#d94801", "split_from": "#2171b5", "joined_coalition": "#41ab5d"}


def _span(actor, edges, today: date) -> tuple[date, date, bool]:
    dates = [e.date for e in edges if e.date and actor.actor_id in (e.from_id, e.to_id)]
    start = actor.active_from or (min(dates) if dates else None)
    end = actor.active_to or today
    known = actor.active_from is not None
    return (start or date(today.year - 1, 1, 1)), end, known


def lineage_chart(actor_id: str, out: str | Path, registry: Registry | None = None, today: date | None = None) -> Path:
    """Draw the lineage of ``actor_id`` (its whole family tree) to ``out`` (.svg or .png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() not in (".svg", ".png"):
        raise InvalidRequestError(f"the chart file must end in .svg or .png, not {out.name!r}")
    from bluehelmet.actors.lineage import _registry

    reg = _registry(registry)
    today = today or date.today()
    ids = family(actor_id, reg)
    edges = edges_of(ids, reg)
    spans = {a: _span(reg.actors[a], edges, today) for a in ids}
    order = sorted(ids, key=lambda a: (spans[a][0], a))
    row = {a: i for i, a in enumerate(order)}
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(order) + 1.6))
    for a in order:
        start, end, known = spans[a]
        actor = reg.actors[a]
        ax.barh(row[a], mdates.date2num(end) - mdates.date2num(start), left=mdates.date2num(start), height=0.55,
                color=COLOURS.get(actor.kind or "", "#bdbdbd"), alpha=0.9 if known else 0.4,
                edgecolor="black" if a == actor_id else "none")
        ax.text(mdates.date2num(start), row[a] - 0.3, f" {actor.name} ({a})", fontsize=8, va="bottom")
    for edge in edges:
        if edge.relation not in ARROWS or edge.to_id is None or edge.date is None:
            continue
        # split_from points from the parent to the splinter; the others from old to new.
        source, target = (edge.to_id, edge.from_id) if edge.relation == "split_from" else (edge.from_id, edge.to_id)
        x = mdates.date2num(edge.date)
        ax.annotate("", xy=(x, row[target]), xytext=(x, row[source]),
                    arrowprops={"arrowstyle": "->", "color": ARROWS[edge.relation], "lw": 1.4})
    ax.set_yticks([])
    ax.set_ylim(-1, len(order) + 0.2)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.set_title(f"Lineage of {reg.actors[actor_id].name}: bars = active periods (pale = start unknown); "
                 "arrows: black renamed, orange merged, blue split, green joined", fontsize=9)
    fig.text(0.01, 0.005, "Sources: UCDP Actor Dataset v22.1 (CC BY 4.0); bluehelmet curated Sahel file (sources cited per entry)", fontsize=7)
    fig.tight_layout()
    from bluehelmet.exports.output_path import prepare_output

    fig.savefig(prepare_output(out))
    plt.close(fig)
    return out

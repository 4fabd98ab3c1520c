"""The anatomy profile card (HTML), the comparison page, and the perpetrators section of reports.

A card is one self-contained HTML file: the profile's dimensions with their indicators, evidence
and confidence, the engagement options with reasons, risks and preconditions, the group's
lineage chart, a map of its activity and its profile year by year. Charts are inline images,
so the card opens offline and can be mailed as one file.

>>> write_card(store, "JNIM", "jnim.html", start="2017-03-01", end="2018-12-31")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bluehelmet.analysis.anatomy import Profile, main_perpetrators, profile
from bluehelmet.analysis.anatomy_compare import chart_frame, compare, profile_over_time
from bluehelmet.analysis.engagement import Options, engagement_options
from bluehelmet.errors import InvalidRequestError
from bluehelmet.exports.output_path import prepare_output

TEMPLATES = Path(__file__).resolve().parent / "templates"
CATEGORY_COLOURS = {"state_based": "#2171b5", "non_state": "#6a51a3", "one_sided": "#cb181d"}
SOURCE_CITATIONS = {
    "ucdp-ged": "UCDP Georeferenced Event Dataset (GED), Sundberg & Melander 2013; Davies, Pettersson & Öberg 2023. CC BY 4.0.",
    "ucdp-candidate": "UCDP Candidate Events Dataset (Hegre et al. 2020); preliminary events, revised later. CC BY 4.0.",
    "acled": "Armed Conflict Location & Event Data (ACLED), Raleigh et al. 2010, under the user's ACLED licence.",
}


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    env.filters["num"] = lambda v: "" if v is None or (isinstance(v, float) and v != v) else (f"{v:,.0f}" if isinstance(v, (int, float)) else v)
    return env


def _figure_uri(fig, fmt: str = "png") -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight")
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- charts ------------------------------------------------------------------------------------
def lineage_uri(actor_id: str, registry=None) -> str:
    """The actors module's lineage chart of the group, as an inline SVG data URI."""
    from bluehelmet.actors.chart import lineage_chart

    with tempfile.TemporaryDirectory() as folder:
        path = lineage_chart(actor_id, Path(folder) / "lineage.svg", registry)
        svg = path.read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def admin2_units(store, countries: list[str]):
    """The store's admin2 units of these countries as a GeoDataFrame (None when there are none)."""
    import pandas as pd

    frames = [store.admin_units(level=2, country=iso3) for iso3 in countries]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    units = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return units[["pcode", "name", "release", "geometry"]]


def activity_map_uri(store, prof: Profile) -> tuple[str, str]:
    """A map of the profile's events on the store's admin2 boundaries (else a plain lon/lat plot).

    Returns the image URI and a caption saying what the background is.
    """
    plt = _pyplot()
    events = prof.event_frame
    placed = events[events["latitude"].notna()]
    countries = sorted(set(placed["country_iso3"].dropna()))
    fig, ax = plt.subplots(figsize=(7.5, 6))
    units = admin2_units(store, countries)
    if units is not None and len(units):
        units.plot(ax=ax, facecolor="#f4f4f0", edgecolor="#9a9a9a", linewidth=0.4)
        release = ", ".join(sorted({str(r) for r in units.get("release", pd.Series(dtype=str)).dropna()})) or "release unknown"
        caption = f"Background: admin2 boundaries in the store (OCHA COD-AB, {release}) for {', '.join(countries)}."
    else:
        caption = ("No admin2 boundaries are loaded in the store: events are drawn on plain longitude/latitude axes "
                   "(ingest the bundled Mali COD-AB boundaries for a map).")
        ax.grid(True, color="#eeeeee")
    for category, colour in CATEGORY_COLOURS.items():
        part = placed[placed["violence_category"] == category]
        if len(part):
            sizes = 8 + 4 * part["deaths_best"].fillna(0).clip(upper=60)
            ax.scatter(part["longitude"], part["latitude"], s=sizes, c=colour, alpha=0.6, edgecolors="white", linewidths=0.3,
                       label=f"{category.replace('_', '-')} ({len(part):,})")
    if len(placed):
        pad = 0.6
        ax.set_xlim(placed["longitude"].min() - pad, placed["longitude"].max() + pad)
        ax.set_ylim(placed["latitude"].min() - pad, placed["latitude"].max() + pad)
        ax.legend(loc="lower left", fontsize=8, title="violence (events); size = deaths", title_fontsize=8)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"Events of {prof.name}, {prof.start} to {prof.end}", fontsize=10)
    return _figure_uri(fig), caption


def over_time_uri(over_time: pd.DataFrame) -> str:
    """Events per year by violence, and the share targeting civilians."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if len(over_time):
        x = range(len(over_time))
        ax.bar(x, over_time["violent_events"] - over_time["targeting_events"], color="#6baed6", label="other violent events")
        ax.bar(x, over_time["targeting_events"], bottom=over_time["violent_events"] - over_time["targeting_events"],
               color="#cb181d", label="one-sided (against civilians)")
        ax.set_xticks(list(x), over_time["period"], rotation=0, fontsize=8)
        ax.set_ylabel("events")
        second = ax.twinx()
        second.plot(list(x), over_time["civilian_targeting_share"].astype(float), color="black", marker="o", label="share targeting civilians")
        second.set_ylim(0, 1)
        second.set_ylabel("share targeting civilians")
        ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Its violence by year", fontsize=10)
    return _figure_uri(fig)


def compare_uri(profiles: list[Profile]) -> str:
    """Grouped bars: each figure scaled by its largest value among the groups (raw values in the table)."""
    plt = _pyplot()
    frame = chart_frame(profiles)
    figures = list(dict.fromkeys(frame["figure"]))
    names = [p.name for p in profiles]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(figures) * max(1, len(names) / 2) + 1.2))
    height = 0.8 / max(len(names), 1)
    palette = plt.get_cmap("tab10")
    for j, name in enumerate(names):
        part = frame[frame["actor"] == name].set_index("figure").reindex(figures)
        ax.barh([i + j * height for i in range(len(figures))], part["scaled"].fillna(0), height=height, color=palette(j), label=name)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(figures))], figures, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("scaled to the largest value among the groups compared")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Groups side by side", fontsize=10)
    return _figure_uri(fig)


# -- cards -------------------------------------------------------------------------------------
def card_context(store, prof: Profile, options: Options | None = None) -> dict:
    """Everything the card template shows."""
    from bluehelmet.actors import Registry

    options = options or engagement_options(prof)
    registry = Registry.load(store)
    over_time = profile_over_time(prof)
    map_uri, map_caption = activity_map_uri(store, prof)
    return {
        "profile": prof, "p": prof.as_dict(), "options": options,
        "lineage_uri": lineage_uri(prof.actor_id, registry),
        "map_uri": map_uri, "map_caption": map_caption,
        "over_time": over_time.to_dict("records"), "over_time_uri": over_time_uri(over_time),
        "citations": [{"source": s["source"], "release": s["release"], "events": s["events"],
                       "citation": SOURCE_CITATIONS.get(s["source"], "")} for s in prof.sources],
        "generated": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def render_card(store, prof: Profile, options: Options | None = None) -> str:
    """The card's HTML."""
    return _env().get_template("anatomy_card.html.j2").render(**card_context(store, prof, options))


def write_card(store, actor: str, out: str | Path, start=None, end=None, *, lineage: bool = False,
               country: str | None = None) -> Path:
    """Write an actor's profile card to ``out`` (.html) and return its path."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InvalidRequestError(f"the card is written as .html, not {out.name!r}")
    prof = profile(store, actor, start, end, lineage=lineage, country=country)
    prepare_output(out).write_text(render_card(store, prof), encoding="utf-8")
    return out


def render_compare(store, actors: list[str], start=None, end=None, *, lineage: bool = False, country: str | None = None) -> str:
    """The comparison page's HTML: the table and the chart."""
    table, profiles = compare(store, actors, start, end, lineage=lineage, country=country)
    return _env().get_template("anatomy_compare.html.j2").render(
        table=table.to_dict("records"), names=[p.name for p in profiles], profiles=profiles,
        chart_uri=compare_uri(profiles), period=f"{profiles[0].start} to {profiles[0].end}",
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"))


# -- the situation report's perpetrators section ----------------------------------------------
def slug(text: str) -> str:
    """A file-name-safe version of an actor id (``ucdp:6716`` -> ``ucdp-6716``)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def write_perpetrator_cards(store, country: str | None, start, end, folder: str | Path, n: int = 5,
                            relative_to: str | Path | None = None) -> list[dict]:
    """Write the cards of the main perpetrators (:func:`main_perpetrators`) into ``folder``.

    Returns one dict per perpetrator (actor_id, name, kind, events, targeting_events,
    civilian_deaths, href) with ``href`` relative to ``relative_to`` (default: ``folder``'s
    parent, where a report beside the folder links from).
    """
    folder = Path(folder)
    base = Path(relative_to) if relative_to else folder.parent
    rows = []
    for r in main_perpetrators(store, country, start, end, n).to_dict("records"):
        path = write_card(store, r["actor_id"], folder / f"{slug(r['actor_id'])}.html", start, end, country=country)
        rows.append({**r, "href": Path(path).resolve().relative_to(base.resolve()).as_posix()})
    return rows


def render_perpetrators_section(rows: list[dict], period: str = "") -> str:
    """The HTML section listing the main perpetrators with links to their cards (a partial to include)."""
    return _env().get_template("anatomy_perpetrators.html.j2").render(perpetrators=rows, period=period)


# -- markdown ----------------------------------------------------------------------------------
def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of a frame (cells with ``|`` escaped)."""
    def cell(v) -> str:
        if isinstance(v, float):
            return "" if v != v else f"{v:.2f}"
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def profile_markdown(prof: Profile, options: Options) -> str:
    """The profile and its engagement options as markdown (for notes and wikis)."""
    parts = [f"# Anatomy of {prof.name} ({prof.actor_id})", "",
             f"Kind {prof.kind}; period {prof.start} to {prof.end}; {prof.events:,} events; assessed {prof.assessed_on}.", ""]
    parts += [f"> {note}" for note in prof.notes]
    parts += ["", "## Engagement options", ""]
    for o in options.proposed:
        parts += [f"### {o.title} (tier {o.tier})", "", "Reasons:", *[f"- {r}" for r in o.reasons], "", "Risks:",
                  *[f"- {r}" for r in o.risks], "", "Preconditions:", *[f"- {r}" for r in o.preconditions], "",
                  f"Rationale: {o.rationale} [{', '.join(o.cite)}]", ""]
    if options.not_proposed:
        parts += ["Not proposed:", *[f"- {o.title}: {'; '.join(o.blocked_by)}" for o in options.not_proposed], ""]
    for dim in prof.dimensions.values():
        parts += [f"## {dim.title} (confidence {dim.confidence})", ""]
        if dim.summary:
            parts += [dim.summary, ""]
        rows = pd.DataFrame([{"indicator": i.label, "value": i.display, "basis": i.basis, "confidence": i.confidence,
                              "evidence": "; ".join(i.evidence[:5]) + (f" ... ({i.evidence_count:,})" if i.evidence_count > 5 else "")}
                             for i in dim.indicators], columns=["indicator", "value", "basis", "confidence", "evidence"])
        parts += [markdown_table(rows) if len(rows) else "_No data proxy and no analyst record._", ""]
    parts += ["## Sources", "", *[f"- {s['source']} {s['release']}: {s['events']:,} events" for s in prof.sources],
              *[f"- [{k}] {v}" for k, v in options.sources.items()]]
    return "\n".join(parts)

"""Charts and the map of the situation report, drawn with Matplotlib as SVG data URIs.

SVG keeps the report one self-contained file that prints sharply; nothing is fetched, the map
is drawn from the boundaries in the store (or from computed PRIO-GRID cells without them).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CATEGORY_COLOURS = {"one_sided": "#b2182b", "state_based": "#2166ac", "non_state": "#e08214", "riot": "#7b3294"}
CATEGORY_LABELS = {"one_sided": "one-sided", "state_based": "state-based", "non_state": "non-state", "riot": "riot"}
PATTERN_COLOURS = {
    "new": "#ff00ff", "consecutive": "#ff7f00", "intensifying": "#e31a1c", "persistent": "#800026",
    "diminishing": "#fb9a99", "historical": "#969696", "sporadic": "#fdbf6f",
}


# "svg" for the HTML report (sharp at any zoom); "png" for PDF, which WeasyPrint lays out much
# faster from a raster than from thousands of SVG paths.
IMAGE_FORMAT = {"value": "svg"}


def to_data_uri(fig) -> str:
    """The figure as a ``data:`` URI in :data:`IMAGE_FORMAT` (and the figure is closed)."""
    buffer = io.BytesIO()
    fmt = IMAGE_FORMAT["value"]
    fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=150)
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def perpetrator_chart(frame: pd.DataFrame, top: int = 12) -> str:
    """Horizontal bars of civilian deaths (best) by perpetrator, one-sided harm and dyads apart."""
    data = frame.sort_values(["civilian_deaths_best", "events"], ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(data), 2) + 1))
    colours = ["#b2182b" if " vs " not in str(p) else "#7f7f7f" for p in data["perpetrator"]]
    labels = [p if len(p) <= 60 else p[:57] + "..." for p in data["perpetrator"].astype(str)]
    ax.barh(labels, data["civilian_deaths_best"], color=colours)
    for y, (deaths, events) in enumerate(zip(data["civilian_deaths_best"], data["events"])):
        ax.text(deaths, y, f" {int(deaths):,} ({int(events)} ev.)", va="center", fontsize=8)
    ax.set_xlabel("civilian deaths (best estimate)")
    ax.set_title("Who harmed civilians: red = perpetrator of one-sided violence, grey = battle dyad", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def trend_chart(series: pd.DataFrame, recent_months: int) -> str:
    """Stacked monthly civilian deaths by violence category, with the number of events."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(series))
    bottom = np.zeros(len(series))
    for cat, colour in CATEGORY_COLOURS.items():
        if cat in series:
            values = series[cat].to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, color=colour, label=CATEGORY_LABELS[cat], width=0.8)
            bottom += values
    ax.set_ylabel("civilian deaths (best)")
    ax2 = ax.twinx()
    ax2.plot(x, series["events"], color="black", marker="o", markersize=3, linewidth=1, label="events")
    ax2.set_ylabel("events")
    ax2.set_ylim(bottom=0)
    if recent_months and len(series) > recent_months:
        ax.axvspan(len(series) - recent_months - 0.5, len(series) - 0.5, color="#ffd92f", alpha=0.25, label="recent window")
    step = max(1, len(series) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(series["month"].iloc[::step], rotation=45, ha="right", fontsize=8)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=8, loc="upper left", frameon=False)
    ax.set_title("Civilian harm by month", fontsize=10)
    ax.spines[["top"]].set_visible(False)
    return to_data_uri(fig)


def situation_map(units, deaths: pd.DataFrame, hotspot_shapes, positions: pd.DataFrame, title: str) -> str:
    """Choropleth of civilian deaths by unit, hotspots outlined, UN positions as triangles.

    ``units`` is a GeoDataFrame with ``code`` and geometry; ``deaths`` maps ``code`` to
    ``civilian_deaths``; ``hotspot_shapes`` a GeoDataFrame with ``pattern`` and geometry.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(9, 7))
    units = units.copy()
    # About 500 m of tolerance: invisible at this scale, and the SVG shrinks several-fold.
    units["geometry"] = units.geometry.simplify(0.005, preserve_topology=True)
    merged = units.merge(deaths, on="code", how="left")
    merged["civilian_deaths"] = merged["civilian_deaths"].fillna(0)
    edges = [0, 1, 5, 20, 50, 100, 250, np.inf]
    colours = ["#f7f7f7", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"]
    cmap, norm = ListedColormap(colours), BoundaryNorm(edges[:-1] + [1e9], len(colours))
    merged.plot(ax=ax, column="civilian_deaths", cmap=cmap, norm=norm, edgecolor="#636363", linewidth=0.4)
    legend = [Patch(facecolor=c, edgecolor="#636363", label=(f"{int(a)}-{int(b) - 1}" if np.isfinite(b) else f"{int(a)}+"))
              for c, a, b in zip(colours, edges[:-1], edges[1:])]
    legend[0].set_label("0")
    if hotspot_shapes is not None and len(hotspot_shapes):
        for pattern, group in hotspot_shapes.groupby("pattern"):
            # Sporadic hotspots are common in sparse data: drawn thin and dashed so the others stand out.
            style = {"linewidth": 1.0, "linestyle": "--"} if pattern in ("sporadic", "historical") else {"linewidth": 2.4}
            group.boundary.plot(ax=ax, color=PATTERN_COLOURS.get(pattern, "black"), **style)
            legend.append(Line2D([], [], color=PATTERN_COLOURS.get(pattern, "black"), label=f"{pattern} hotspot", **style))
    if positions is not None and len(positions):
        pts = positions.drop_duplicates(["latitude", "longitude"])
        ax.scatter(pts["longitude"], pts["latitude"], marker="^", s=36, color="#1f78b4", edgecolor="white", linewidth=0.6, zorder=5)
        legend.append(Line2D([], [], marker="^", color="#1f78b4", linestyle="", markersize=7, label="UN position"))
    ax.legend(handles=legend, title="civilian deaths (best)", fontsize=7, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return to_data_uri(fig)

"""The situation report: one area and period, from the threat analyses, as HTML or PDF.

The report answers the PoC adviser's weekly questions in order: how much civilian harm, where
(map), by whom (perpetrators), getting worse or not (trends, hotspots), what to look at now
(alerts), what may come next (a forecast of the month after the period), what the mission can
do (toolbox), and where every figure comes from (sources, with the event ids of each area in an
appendix).

>>> write_report(store, "MLI", "2017-01", "2018-12", "mali.html")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from bluehelmet.analysis.alerts import evaluate, load_rules
from bluehelmet.analysis.hotspots import hotspots
from bluehelmet.analysis.scope import parse_period
from bluehelmet.analysis.threats import threat_matrix
from bluehelmet.analysis.toolbox import toolbox_fit
from bluehelmet.analysis.trends import monthly_series, trends
from bluehelmet.errors import BluehelmetError, InvalidRequestError
from bluehelmet.exports.output_path import prepare_output
from bluehelmet.reports import charts

SOURCE_CITATIONS = {
    "ucdp-ged": "Uppsala Conflict Data Program, UCDP Georeferenced Event Dataset (GED), release {release}. "
    "Sundberg & Melander (2013), Journal of Peace Research 50(4); Davies, Pettersson & Öberg (2023). CC BY 4.0.",
    "ucdp-candidate": "Uppsala Conflict Data Program, UCDP Candidate Events Dataset, release {release} "
    "(Hegre et al. 2020, Research & Politics). Candidate events are preliminary and revised later. CC BY 4.0.",
    "acled": "Armed Conflict Location & Event Data (ACLED), export {release}, used under the user's ACLED licence "
    "(Raleigh et al. 2010, Journal of Peace Research 47(5)).",
}
OTHER_CITATIONS = {
    "boundaries": "Administrative boundaries: OCHA/ITOS Common Operational Datasets (COD-AB), release {release}.",
    "geo-pko": "UN deployments: Geo-PKO, Uppsala University (Cil, Fjelde, Hultman & Nilsson 2020, Journal of Peace Research 57(2)).",
    "radpko": "UN bases: RADPKO (Hunnicutt & Nomikos 2020, International Peacekeeping).",
    "priogrid": "PRIO-GRID cells (Tollefsen, Strand & Buhaug 2012, Journal of Peace Research 49(2)), computed.",
}


# Above this many events the appendix lists counts only; the ids are in the evidence CSV beside
# the report (a PDF with 100,000 ids is slow to lay out and no one reads it on paper).
APPENDIX_LIMIT = 3000
SHOWN_IDS = 12
TABLE_ROWS = 40  # alerts and hotspots shown in the report; all of them are in the evidence CSV
FORECAST_HORIZONS = [1, 2, 3]
FORECAST_WINDOW = 120  # months of training rows: the last ten years before the period's end
FORECAST_TOP = 5
FORECAST_TRUST = (
    "How far to trust it: in rolling-origin backtests over Africa, 2015-2018 (docs/forecast.md), this model "
    "ranked cells better than every standard baseline (average precision for any death 0.23 against at most "
    "0.20, CRPS 10.7% lower than the conflictology baseline), yet most cells it flags stay without a death: "
    "read it as a list of cells to review, not as a prediction."
)


def _evidence(by_area: pd.DataFrame, by_actor: pd.DataFrame, alerts: pd.DataFrame) -> pd.DataFrame:
    """One row per (figure, row label, event id): every event behind the report's tables."""
    parts = []
    area_col = next(c for c in ("admin1_name", "admin2_name", "priogrid_gid") if c in by_area)
    for figure, frame, label in (("area", by_area, area_col), ("perpetrator", by_actor, "perpetrator"), ("alert", alerts, "reason")):
        if len(frame):
            ids = frame[[label, "event_ids"]].explode("event_ids").dropna()
            parts.append(pd.DataFrame({"figure": figure, "row": ids[label].astype(str), "event_id": ids["event_ids"]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["figure", "row", "event_id"])


def _env() -> Environment:
    env = Environment(loader=PackageLoader("bluehelmet.reports", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = lambda v: "" if v is None or pd.isna(v) else f"{v:,.0f}"
    env.filters["pct"] = lambda v: "" if v is None or pd.isna(v) else f"{100 * v:.0f}%"
    env.filters["ids"] = lambda ids: ", ".join(list(ids)[:SHOWN_IDS]) + (f" ... and {len(ids) - SHOWN_IDS:,} more (evidence CSV)" if len(ids) > SHOWN_IDS else "")
    env.filters["dec"] = lambda v, d=2: "" if v is None or pd.isna(v) else ("inf" if v == float("inf") else f"{v:.{d}f}")
    return env


def _has_units(con, iso3: str, level: int) -> bool:
    return bool(con.execute("SELECT 1 FROM admin_units WHERE country_iso3 = ? AND level = ? LIMIT 1", [iso3, level]).fetchall())


def _map(store, matrix_unit, iso3: str, hot: pd.DataFrame, positions: pd.DataFrame, level: str, title: str) -> str:
    import geopandas as gpd
    import shapely

    from bluehelmet.geo import priogrid

    if level == "grid":
        codes = [c for c in matrix_unit["code"] if c != "unassigned"] + [c for c in hot["location"] if c != "unassigned"]
        codes = sorted(set(codes), key=int)
        units = gpd.GeoDataFrame({"code": codes}, geometry=[shapely.box(*priogrid.bounds(int(c))) for c in codes], crs="EPSG:4326")
    else:
        units = store.admin_units(level=int(level[-1]), country=iso3).rename(columns={"pcode": "code"})[["code", "geometry"]]
    shapes = units.set_index("code").geometry
    hot_rows = hot[hot["pattern"].isin(charts.PATTERN_COLOURS) & hot["location"].isin(shapes.index)]
    hot_shapes = gpd.GeoDataFrame(
        {"pattern": hot_rows["pattern"].to_numpy()}, geometry=list(shapes.loc[hot_rows["location"]]), crs="EPSG:4326"
    ) if len(hot_rows) else None
    return charts.situation_map(units, matrix_unit, hot_shapes, positions, title)


def _forecast_section(store, iso3: str, train_until: str) -> tuple[dict, pd.DataFrame | None]:
    """The early-warning section (map, top cells, or why there is no forecast) and the frame."""
    from bluehelmet.analysis.forecast.predict import forecast_frame, forecast_map_png

    try:
        frame = forecast_frame(store, iso3, train_until=train_until, horizons=FORECAST_HORIZONS, window=FORECAST_WINDOW)
    except BluehelmetError as exc:
        return {"error": f"No forecast: {exc}", "train_until": train_until}, None
    next_month = frame[(frame["horizon"] == 1) & (frame["country_iso3"] == iso3)]
    top = next_month.sort_values(["prob_any", "mean"], ascending=False).head(FORECAST_TOP)
    png = forecast_map_png(frame[frame["country_iso3"] == iso3], horizon=1)
    return {
        "map_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "month": next_month["month"].iloc[0] if len(next_month) else "",
        "train_until": train_until,
        "region": frame.attrs.get("region", ""),
        "cells": len(next_month),
        "top": top.to_dict("records"),
        "trust": FORECAST_TRUST,
    }, frame


def build_context(store, country: str, start: str, end: str, *, recent_months: int = 3, forecast: bool = True) -> dict:
    """Everything the template shows, computed from the store.

    With ``forecast``, an early-warning section: the forecast of the month after the period
    (trained on events up to the period's last month) and the alerts of ``forecast_risk`` rules;
    without it neither is computed.
    """
    from bluehelmet.analysis.presence import positions_in_period

    con = store.con
    period = parse_period(start, end)
    overall = threat_matrix(store, country, start, end, by=[])
    iso3 = overall.area.country
    has1, has2 = _has_units(con, iso3, 1), _has_units(con, iso3, 2)
    area_level = "admin2" if has2 else "grid"
    trend_level = "admin1" if has1 else "country"
    by_unit = threat_matrix(store, iso3, start, end, by=[area_level])
    code_col = f"{area_level}_code" if area_level != "grid" else "priogrid_gid"
    unit_deaths = by_unit.frame.rename(columns={code_col: "code", "civilian_deaths_best": "civilian_deaths"})[["code", "civilian_deaths"]]
    by_actor = threat_matrix(store, iso3, start, end, by=["actor"])
    by_kind = threat_matrix(store, iso3, start, end, by=["kind", "category"])
    by_admin1 = threat_matrix(store, iso3, start, end, by=["admin1"]) if has1 else by_unit
    notes: list[str] = []
    months = period.months()
    try:
        hot = hotspots(store, iso3, start, end, level=area_level)
    except BluehelmetError as exc:
        notes.append(f"Hotspots not computed: {exc}")
        hot = pd.DataFrame(columns=["location", "name", "pattern", "hot_months", "months", "gi_star_last", "trend_p", "events", "civilian_deaths"])
    try:
        trend = trends(store, iso3, start, end, level=trend_level, recent_months=recent_months)
    except InvalidRequestError as exc:
        notes.append(f"Trends not computed: {exc}")
        trend = pd.DataFrame()
    series = monthly_series(store, iso3, start, end)
    window_start = months[-recent_months] if len(months) > recent_months else months[0]
    forecast_context, forecasts = (None, None)
    rules = load_rules()
    if forecast:
        forecast_context, forecasts = _forecast_section(store, iso3, f"{period.end:%Y-%m}")
    else:
        rules.rules = [r for r in rules.rules if r["type"] != "forecast_risk"]
    alert_result = evaluate(store, iso3, window_start, f"{period.end:%Y-%m-%d}", rules=rules, forecasts=forecasts)
    notes += alert_result.notes
    indicators, fits, toolbox_rules = toolbox_fit(store, iso3, start, end)
    positions = positions_in_period(store, iso3, period.start, period.end)
    title = f"Civilian deaths by {'cercle (admin2)' if area_level == 'admin2' else 'PRIO-GRID cell'}, {period.label()}"
    map_uri = _map(store, unit_deaths, iso3, hot, positions, area_level, title)
    sources = overall.sources.copy()
    sources["citation"] = [SOURCE_CITATIONS.get(s, "{release}").format(release=r) for s, r in zip(sources["source"], sources["release"])]
    other = []
    if has1 or has2:
        release = con.execute("SELECT min(release) FROM admin_units WHERE country_iso3 = ?", [iso3]).fetchall()[0][0]
        other.append(OTHER_CITATIONS["boundaries"].format(release=release))
    if len(positions):
        for src in sorted(set(positions["source"])):
            other.append(OTHER_CITATIONS["radpko" if src == "radpko" else "geo-pko"])
    if area_level == "grid":
        other.append(OTHER_CITATIONS["priogrid"])
    totals = overall.totals()
    appendix = by_admin1.frame.copy()
    evidence = _evidence(by_admin1.frame, by_actor.frame, alert_result.alerts)
    return {
        "title": f"Situation report: {overall.area.label()}",
        "country": iso3,
        "period": period.label(),
        "generated": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "totals": totals,
        "registry_used": overall.registry_used,
        "map_uri": map_uri,
        "perpetrator_uri": charts.perpetrator_chart(by_actor.frame),
        "trend_uri": charts.trend_chart(series, recent_months),
        "kinds": by_kind.frame.head(25).to_dict("records"),
        "actors": by_actor.frame.head(15).to_dict("records"),
        "admin1": by_admin1.frame.to_dict("records"),
        "area_level": area_level,
        "trends": trend.to_dict("records"),
        "trend_level": trend_level,
        "hotspots": hot[~hot["pattern"].isin(["no pattern", "n/a"])].head(TABLE_ROWS).to_dict("records"),
        "hotspots_total": int((~hot["pattern"].isin(["no pattern", "n/a"])).sum()),
        "alerts": alert_result.alerts.head(TABLE_ROWS).to_dict("records"),
        "alerts_total": len(alert_result.alerts),
        "alert_window": alert_result.window.label(),
        "forecast": forecast_context,
        "indicators": {k: v for k, v in indicators.items() if not k.startswith("_")},
        "fits": fits,
        "toolbox_sources": toolbox_rules.get("sources", {}),
        "sources": sources.to_dict("records"),
        "other_sources": other,
        "notes": notes,
        "appendix": appendix.to_dict("records"),
        "appendix_inline": int(appendix["events"].sum()) <= APPENDIX_LIMIT,
        "evidence": evidence,
        "un_positions": int(len(positions)),
        "escape": html.escape,
    }


def render_html(context: dict) -> str:
    """The report's HTML from a context of :func:`build_context`."""
    return _env().get_template("situation.html.j2").render(**context)


def write_report(
    store, country: str, start: str, end: str, out: str | Path, *, recent_months: int = 3, perpetrator_cards: int = 3,
    forecast: bool = True,
) -> Path:
    """Write the situation report to ``out`` (``.html`` or ``.pdf``) and return its path.

    Beside it, ``<name>-evidence.csv`` lists every event id behind each area, perpetrator and
    alert of the report (figure, row, event_id), and ``<name>-cards/`` holds the anatomy cards
    of the ``perpetrator_cards`` main perpetrators, linked from the report (0: no cards).
    ``forecast``: include the early-warning forecast section and forecast alerts (see
    :func:`build_context`).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InvalidRequestError(f"the report is written as .html or .pdf, not {out.name!r}")
    charts.IMAGE_FORMAT["value"] = "png" if suffix == ".pdf" else "svg"
    try:
        context = build_context(store, country, start, end, recent_months=recent_months, forecast=forecast)
    finally:
        charts.IMAGE_FORMAT["value"] = "svg"
    evidence_path = out.with_name(out.stem + "-evidence.csv")
    context["evidence_file"] = evidence_path.name
    context["perpetrator_cards"] = None
    out = prepare_output(out)
    if perpetrator_cards:
        from bluehelmet.reports.anatomy_card import write_perpetrator_cards

        period = parse_period(start, end)
        context["perpetrator_cards"] = write_perpetrator_cards(
            store, context["country"], period.start, period.end, out.parent / f"{out.stem}-cards",
            n=perpetrator_cards, relative_to=out.parent,
        )
    text = render_html(context)
    context["evidence"].to_csv(evidence_path, index=False)
    if suffix == ".pdf":
        from weasyprint import HTML

        HTML(string=text).write_pdf(out)
    else:
        out.write_text(text, encoding="utf-8")
    return out

"""The "Peacekeeper safety" section of ``make demo``: deadliest missions, a MINUSMA summary,
protection by presence in Mali, and an HRDDP screening record, from the bundled real data."""

from __future__ import annotations

from pathlib import Path

from bluehelmet.analysis import hrddp, peacekeeping as pk, presence
from bluehelmet.demo import console, section
from bluehelmet.exports.frames import render

# Security Council resolution 2391 (8 December 2017) asked MINUSMA to support the G5 Sahel
# Joint Force: the CT-support date the source text's argument turns on.
G5_SUPPORT_START = "2017-12-08"


@section("Peacekeeper safety")
def peacekeeper_safety(store, out: Path) -> None:
    """Print the deadliest missions by malicious acts and a MINUSMA summary; write CSV and HTML."""
    folder = out / "peacekeeping"
    folder.mkdir(parents=True, exist_ok=True)
    ranking = pk.deadliest_missions(store, "Malicious Act", top=10)
    console.print(render(ranking, "table", title="Deadliest UN missions: peacekeepers killed by malicious acts"), end="")
    ranking.to_csv(folder / "deadliest_missions.csv", index=False)

    by_incident = pk.fatalities(store, "incident", mission="MINUSMA")
    nationalities = pk.fatalities(store, "nationality", mission="MINUSMA", incident="Malicious Act").head(5)
    total = int(by_incident["fatalities"].sum())
    malicious = int(by_incident.loc[by_incident["incident"] == "Malicious Act", "fatalities"].sum())
    console.print(
        f"MINUSMA: {total} fatalities, {malicious} by malicious acts; most from "
        + ", ".join(f"{r.nationality} ({r.fatalities})" for r in nationalities.itertuples()), highlight=False)
    rates = pk.fatality_rates(store, "MINUSMA", incident="Malicious Act")
    console.print(render(rates.drop(columns="coverage"), "table", title="MINUSMA: military deaths by malicious acts per 1,000 troops (RADPKO)"), end="")
    rates.to_csv(folder / "minusma_rates.csv", index=False)
    console.print("No RADPKO troop figure for " + ", ".join(map(str, rates.loc[rates["troops"].isna(), "year"]))
                  + ": no rate for those years (see minusma_rates.csv for other sources' figures)", highlight=False)
    trend = pk.trend_test(store, "MINUSMA", G5_SUPPORT_START)
    nb = trend.models[1]
    console.print(
        f"Before/after {G5_SUPPORT_START} (support to the G5 Sahel Joint Force): {trend.periods[0]['rate']:.2f} vs "
        f"{trend.periods[1]['rate']:.2f} malicious-act deaths a month, rate ratio {nb['rate_ratio']:.2f} "
        f"(95% CI {nb['ci_low']:.2f}-{nb['ci_high']:.2f}, negative binomial)", highlight=False)

    events = store.events(country="MLI", start="2013-07-01", end="2018-12-31")
    distances = presence.event_distances(store, events)
    summary = presence.presence_summary(distances, by=["admin1_name"])
    summary = summary[summary["civilian_deaths"] > 0].drop(columns=["deaths_with_positions", "uncovered_deaths"])
    console.print(render(summary, "table", title="Mali 2013-07..2018: civilian deaths near a UN position (Geo-PKO)"), end="")
    gaps = presence.harm_without_presence(distances, by=["admin2_name"], radius_km=50, min_deaths=10)
    console.print("Cercles with 10+ civilian deaths and no UN position within 50 km: "
                  + (", ".join(f"{r.admin2_name} ({r.civilian_deaths})" for r in gaps.itertuples()) or "none"), highlight=False)

    case = hrddp.register_support(store, "FAMa", "logistics", "2018-01-01", "2018-12-31", mission="MINUSMA",
                                  description="Fuel and rations for FAMa units of the G5 Sahel Joint Force (illustration)",
                                  by="demo")
    body = hrddp.load_case(store, case)
    record = folder / f"{case}.html"
    record.write_text(hrddp.render_record(store, case), encoding="utf-8")
    console.print(f"HRDDP screening of logistics support to {body['recipient_name']} in 2018: "
                  f"{body['evidence']['events']} one-sided events, {body['evidence']['civilian_deaths']} civilian deaths "
                  f"in the look-back window; risk {body['risk']['level']} -> {record}", highlight=False)

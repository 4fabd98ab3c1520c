"""Context from other tables of the store: UN presence, country conflict intensity, perpetrator kinds.

Each loader returns dense ``(units, months)`` arrays when its table has rows and ``None`` when
it does not, so features built on them are simply absent (and listed as absent by
:func:`context_status`) in a store without that data.

Only information published by the forecast month is used:

- Geo-PKO (``un_deployments``) monthly rows count in their own month (a deployment map of the
  month); yearly rows (month NULL) and RADPKO (``un_bases``, annual means) count from January of
  the *next* year, when the yearly figure exists.
- UCDP/PRIO ACD (``conflicts``, conflict-years) counts from January of the next year.
- Perpetrator kinds come from the actor registry (``event_actors`` joined to ``actors``) when
  those tables exist and hold rows; otherwise from the raw ``side_a`` name: "Government of X" is a
  state force, anything else non-state (the documented fallback).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bluehelmet.analysis.forecast.region import Region
from bluehelmet.geo import priogrid
from bluehelmet.geo.countries import gw_table
from bluehelmet.store.schema import table_has_rows

STATE_KINDS = ("state_force", "foreign_force", "un_regional_force")
FALLBACK_KIND_SQL = "CASE WHEN side_a ILIKE 'Government of %' THEN 'state' ELSE 'non_state' END"


@dataclass(frozen=True)
class PerpetratorKinds:
    """How to tell an event's perpetrator kind in SQL over ``events e``.

    ``join`` is added after ``FROM events e``; ``expression`` then gives ``'state'`` or
    ``'non_state'`` per event row; ``source`` says where the kinds come from.
    """

    join: str
    expression: str
    source: str


def perpetrator_kinds(store) -> PerpetratorKinds:
    """Perpetrator kinds from the actor registry where events are resolved, else from raw names."""
    if table_has_rows(store.con, "event_actors") and table_has_rows(store.con, "actors"):
        kinds = ", ".join(f"'{k}'" for k in STATE_KINDS)
        # One grouped pass over event_actors joined once to the events; a correlated subquery
        # per event row was five times slower on the 159,000-event GED 21.1 extract.
        join = (
            "LEFT JOIN (SELECT ea.event_uid, "
            f"CASE max(CASE WHEN a.kind IN ({kinds}) THEN 1 ELSE 0 END) WHEN 1 THEN 'state' ELSE 'non_state' END AS registry_kind "
            "FROM event_actors ea JOIN actors a ON a.actor_id = ea.actor_id "
            "WHERE ea.role = 'side_a' AND ea.actor_id IS NOT NULL GROUP BY ea.event_uid) perpetrator ON perpetrator.event_uid = e.uid"
        )
        return PerpetratorKinds(join, f"coalesce(perpetrator.registry_kind, {FALLBACK_KIND_SQL})", "actor registry (raw side_a names where unresolved)")
    return PerpetratorKinds("", FALLBACK_KIND_SQL, "raw side_a names ('Government of ...' = state force)")


def _unit_index(region: Region) -> pd.Series:
    return pd.Series(np.arange(len(region.units)), index=pd.Index(region.units))


def _scatter(frame: pd.DataFrame, region: Region, months: np.ndarray, value: str) -> np.ndarray:
    """Sum ``frame[value]`` by (gid, month) into a dense array of the region's cells."""
    out = np.zeros((len(region.units), len(months)), dtype=np.float32)
    if frame.empty:
        return out
    index = _unit_index(region).reindex(frame["gid"].to_numpy())
    t = frame["month"].to_numpy() - int(months[0])
    keep = index.notna().to_numpy() & (t >= 0) & (t < len(months))
    np.add.at(out, (index.to_numpy()[keep].astype(np.int64), t[keep]), frame[value].to_numpy(dtype=np.float32)[keep])
    return out


def _yearly_to_months(frame: pd.DataFrame, months: np.ndarray) -> pd.DataFrame:
    """Spread yearly rows over the twelve months of the following year (when the figure is known)."""
    first = (frame["year"].to_numpy(dtype=np.int64) + 1) * 12
    parts = [frame.assign(month=first + k) for k in range(12)]
    spread = pd.concat(parts, ignore_index=True)
    return spread[(spread["month"] >= months[0]) & (spread["month"] <= months[-1])]


def un_presence(store, region: Region, months: np.ndarray) -> dict[str, np.ndarray]:
    """UN troops per cell and month: ``un_troops`` (Geo-PKO) and ``un_base_troops`` (RADPKO), where stored."""
    out: dict[str, np.ndarray] = {}
    if region.unit_kind != "pgm":
        return out
    gid = priogrid.gid_sql("latitude", "longitude")
    if table_has_rows(store.con, "un_deployments"):
        rows = store.con.execute(
            f"SELECT coalesce(priogrid_gid, {gid}) AS gid, year, month, coalesce(troops, 0) AS troops FROM un_deployments "
            "WHERE latitude IS NOT NULL OR priogrid_gid IS NOT NULL"
        ).df()
        monthly = rows[rows["month"].notna()].copy()
        monthly["month"] = monthly["year"].astype(np.int64) * 12 + monthly["month"].astype(np.int64) - 1
        yearly = _yearly_to_months(rows[rows["month"].isna()], months)
        # Missing troop numbers still mark presence: count such a location as one.
        both = pd.concat([monthly, yearly], ignore_index=True)
        both["present"] = 1.0
        out["un_troops"] = _scatter(both, region, months, "troops")
        out["un_sites"] = _scatter(both, region, months, "present")
    if table_has_rows(store.con, "un_bases"):
        rows = store.con.execute(
            f"SELECT {gid} AS gid, year, coalesce(troops, 0) AS troops FROM un_bases WHERE latitude IS NOT NULL"
        ).df()
        out["un_base_troops"] = _scatter(_yearly_to_months(rows, months), region, months, "troops")
    return out


def conflict_intensity(store, region: Region, months: np.ndarray) -> dict[str, np.ndarray]:
    """UCDP/PRIO ACD of the unit's country in the previous year: highest intensity and number of conflicts."""
    if not table_has_rows(store.con, "conflicts"):
        return {}
    rows = store.con.execute(
        "SELECT year, intensity_level, trim(unnest(string_split(gwno_loc, ','))) AS gwno FROM conflicts "
        "WHERE gwno_loc IS NOT NULL AND year IS NOT NULL"
    ).df()
    iso3_of = {r["gwno"]: r["iso3"] for r in gw_table()}
    rows["iso3"] = rows["gwno"].map(lambda g: iso3_of.get(str(int(float(g)))) if str(g).strip() else None)
    per_year = rows.dropna(subset=["iso3"]).groupby(["iso3", "year"])["intensity_level"].agg(["max", "count"]).reset_index()
    per_month = _yearly_to_months(per_year, months)
    out = {}
    countries = pd.Series(region.countries)
    for name, column in (("acd_intensity", "max"), ("acd_conflicts", "count")):
        table = per_month.pivot_table(index="iso3", columns="month", values=column, aggfunc="max")
        table = table.reindex(columns=months, fill_value=0).fillna(0)
        dense = table.reindex(countries.to_numpy()).fillna(0).to_numpy(dtype=np.float32)
        out[name] = dense
    return out


def context_status(store) -> dict[str, bool]:
    """Which context tables hold rows (their features are used) and which do not (features absent)."""
    return {
        "un_deployments (Geo-PKO)": table_has_rows(store.con, "un_deployments"),
        "un_bases (RADPKO)": table_has_rows(store.con, "un_bases"),
        "conflicts (UCDP/PRIO ACD)": table_has_rows(store.con, "conflicts"),
        "event_actors + actors (registry)": table_has_rows(store.con, "event_actors") and table_has_rows(store.con, "actors"),
    }

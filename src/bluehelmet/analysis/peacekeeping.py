"""Peacekeeper safety: fatalities by mission, period, incident, personnel and nationality;
rankings; rates per 1,000 deployed troops; a before/after trend test.

Data: the UN fatalities file (table ``un_fatalities``, one row per casualty) and, for troop
numbers, RADPKO (``un_bases``) and Geo-PKO (``un_deployments``). Every function takes an open
store and returns a pandas DataFrame (or a :class:`TrendResult`).

>>> deadliest_missions(store, incident="Malicious Act").head(3)      # doctest: +SKIP
   rank  mission  fatalities ...
0     1  MINUSMA         174 ...
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from bluehelmet.analysis.missions import check_mission
from bluehelmet.errors import InvalidRequestError
from bluehelmet.period_bounds import parse_bound, period_clauses
from bluehelmet.store.schema import table_has_rows

# Group name -> SQL expression over un_fatalities.
GROUPINGS: dict[str, str] = {
    "mission": "mission",
    "year": "CAST(year(incident_date) AS INTEGER)",
    "month": "strftime(incident_date, '%Y-%m')",
    "incident": "incident_type",
    "personnel": "personnel_type",
    "nationality": "nationality",
}
# Groupings that read as a time series are sorted by key, the others by count.
TIME_GROUPS = ("year", "month")
# Where troop numbers come from (see troop_strength); RADPKO is the default.
TROOP_SOURCES = ("radpko", "geopko-v2.3", "geopko-v1")
SOURCE_COLUMNS = {"radpko": "troops_radpko", "geopko-v2.3": "troops_geopko_v23", "geopko-v1": "troops_geopko_v1"}


def _require_fatalities(store) -> None:
    if not table_has_rows(store.con, "un_fatalities"):
        raise InvalidRequestError(
            "the store holds no UN fatalities: ingest DPPADPOSS-FATALITIES.csv first (bluehelmet ingest FILE)"
        )


def check_incident(store, incident: str | None) -> str | None:
    """The stored spelling of an incident type (case-insensitive), or an error listing them."""
    if incident is None:
        return None
    types = [r[0] for r in store.con.execute(
        "SELECT DISTINCT incident_type FROM un_fatalities WHERE incident_type IS NOT NULL ORDER BY 1").fetchall()]
    for t in types:
        if t.lower() == incident.strip().lower():
            return t
    raise InvalidRequestError(f"unknown incident type {incident!r}; the file has: {', '.join(types)}")


def _filters(store, mission, incident, personnel, start, end) -> tuple[str, list]:
    clauses, params = ["true"], []
    if mission:
        clauses.append("mission = ?")
        params.append(check_mission(store, mission))
    if incident:
        clauses.append("incident_type = ?")
        params.append(check_incident(store, incident))
    if personnel and personnel.lower() != "all":
        kinds = [r[0] for r in store.con.execute(
            "SELECT DISTINCT personnel_type FROM un_fatalities WHERE personnel_type IS NOT NULL ORDER BY 1").fetchall()]
        match = [k for k in kinds if k.lower() == personnel.strip().lower()]
        if not match:
            raise InvalidRequestError(f"unknown personnel type {personnel!r}; the file has: {', '.join(kinds)}, or all")
        clauses.append("personnel_type = ?")
        params.append(match[0])
    period, days = period_clauses("incident_date", start, end)
    clauses += period
    params += days
    return " AND ".join(clauses), params


def fatalities(
    store,
    by: str | list[str] = "mission",
    *,
    mission: str | None = None,
    incident: str | None = None,
    personnel: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
) -> pd.DataFrame:
    """Peacekeeper fatalities counted by one or more groupings.

    Parameters
    ----------
    by:
        ``mission``, ``year``, ``month``, ``incident``, ``personnel`` or ``nationality``, or a
        list of them (``["mission", "year"]``; a comma-separated string works too).
    mission, incident, personnel:
        Keep only this mission (acronym), incident type (``Malicious Act``, ``Accident``,
        ``Illness``...) or personnel type (``Military``, ``Police``...). Case-insensitive.
    start, end:
        Inclusive incident dates (YYYY-MM-DD).

    Returns one row per group with the group's key column(s) and ``fatalities``; time
    groupings are sorted by time, the others by fatalities (most first).

    >>> fatalities(store, "year", mission="MINUSMA", incident="malicious act")   # doctest: +SKIP
    """
    _require_fatalities(store)
    groups = [g.strip() for g in (by.split(",") if isinstance(by, str) else by) if g.strip()]
    unknown = [g for g in groups if g not in GROUPINGS]
    if not groups or unknown:
        raise InvalidRequestError(f"cannot group by {', '.join(unknown) or 'nothing'}; choose from {', '.join(GROUPINGS)}")
    where, params = _filters(store, mission, incident, personnel, start, end)
    keys = ", ".join(f"{GROUPINGS[g]} AS {g}" for g in groups)
    numbers = ", ".join(str(i + 1) for i in range(len(groups)))
    if all(g in TIME_GROUPS for g in groups):
        order = numbers
    else:
        order = f"fatalities DESC, {numbers}"
    frame = store.sql(
        f"SELECT {keys}, count(*) AS fatalities FROM un_fatalities WHERE {where} "
        f"GROUP BY {numbers} ORDER BY {order}",
        params,
    )
    frame["fatalities"] = frame["fatalities"].astype("int64")
    return frame


def deadliest_missions(store, incident: str | None = "Malicious Act", top: int | None = 10) -> pd.DataFrame:
    """Missions ranked by fatalities of one incident type (all types with ``incident=None``).

    Columns: ``rank``, ``mission``, ``fatalities``, ``share`` (of all fatalities of that type,
    in percent), ``all_causes`` (the mission's fatalities of every type), ``first_year``,
    ``last_year`` (of the counted fatalities). Ties share a rank.
    """
    _require_fatalities(store)
    where, params = _filters(store, None, incident, None, None, None)
    frame = store.sql(
        f"""WITH counted AS (
              SELECT mission, count(*) AS fatalities, min(year(incident_date)) AS first_year,
                     max(year(incident_date)) AS last_year
              FROM un_fatalities WHERE {where} GROUP BY mission),
            every AS (SELECT mission, count(*) AS all_causes FROM un_fatalities GROUP BY mission)
            SELECT CAST(rank() OVER (ORDER BY fatalities DESC) AS INTEGER) AS rank, c.mission,
                   CAST(c.fatalities AS BIGINT) AS fatalities,
                   round(100.0 * c.fatalities / sum(c.fatalities) OVER (), 1) AS share,
                   CAST(e.all_causes AS BIGINT) AS all_causes,
                   CAST(c.first_year AS INTEGER) AS first_year, CAST(c.last_year AS INTEGER) AS last_year
            FROM counted c JOIN every e USING (mission) ORDER BY rank, mission""",
        params,
    )
    return frame.head(top) if top else frame


# -- troop numbers ---------------------------------------------------------------------------


def _check_troop_source(source: str) -> str:
    if source not in TROOP_SOURCES:
        raise InvalidRequestError(f"unknown troop source {source!r}; choose one of {', '.join(TROOP_SOURCES)}")
    return source


def troop_strength(store, mission: str, source: str = "radpko") -> pd.DataFrame:
    """Deployed troops of a mission per year, from every source that has them.

    - ``troops_radpko``: RADPKO, the sum over the mission's bases of the yearly mean troops
      (RADPKO averages the UN's monthly contribution figures per base), 1999-2019.
    - ``troops_geopko_v23``: Geo-PKO v2.3, the sum over locations of the yearly average troops
      read from the UN deployment maps, 1994-2024.
    - ``troops_geopko_v1``: Geo-PKO v1, the mean over the months with figures of the monthly
      total over locations; ``geopko_v1_months`` says how many months had figures.

    ``troops`` is the figure of one ``source`` (``radpko`` by default) and NaN in years that
    source does not cover: sources are never mixed within a series, because they disagree
    (MINUSMA 2018: RADPKO 11,894, Geo-PKO 18,708; UNAMID 2011: RADPKO 19,805, Geo-PKO 12,325).
    Zero troops (an observer- or police-only year) is no figure either.
    """
    code = check_mission(store, mission)
    _check_troop_source(source)
    tables = set(store.tables())
    frames = []
    if "un_bases" in tables:
        frames.append(store.sql(
            "SELECT CAST(year AS INTEGER) AS year, sum(troops) AS troops_radpko FROM un_bases "
            "WHERE mission = ? AND troops IS NOT NULL GROUP BY 1", [code]))
    if "un_deployments" in tables:
        frames.append(store.sql(
            "SELECT CAST(year AS INTEGER) AS year, sum(troops) AS troops_geopko_v23 FROM un_deployments "
            "WHERE mission = ? AND source = 'geopko-v2.3' AND troops IS NOT NULL GROUP BY 1", [code]))
        frames.append(store.sql(
            """SELECT CAST(year AS INTEGER) AS year, avg(total) AS troops_geopko_v1,
                      CAST(count(*) AS INTEGER) AS geopko_v1_months
               FROM (SELECT year, month, sum(troops) AS total FROM un_deployments
                     WHERE mission = ? AND source = 'geopko-v1' AND troops IS NOT NULL GROUP BY 1, 2)
               GROUP BY 1""", [code]))
    out = pd.DataFrame({"year": pd.Series(dtype="int64")})
    for frame in frames:
        out = out.merge(frame.astype({"year": "int64"}), on="year", how="outer")
    for column in SOURCE_COLUMNS.values():
        if column not in out:
            out[column] = np.nan
    if "geopko_v1_months" not in out:
        out["geopko_v1_months"] = 0
    out = out.sort_values("year").reset_index(drop=True)
    chosen = out[SOURCE_COLUMNS[source]]
    out["troops"] = chosen.where(chosen > 0)
    out["troops_source"] = np.where(out["troops"].notna(), source, "none")
    out["geopko_v1_months"] = out["geopko_v1_months"].fillna(0).astype("int64")
    return out


def fatality_rates(
    store, mission: str, *, incident: str | None = None, personnel: str = "Military", source: str = "radpko",
) -> pd.DataFrame:
    """Fatalities per 1,000 deployed troops per year for one mission.

    The numerator is the year's fatalities of ``personnel`` (``Military`` by default, to match
    a denominator of troops; ``all`` counts every casualty) and, if given, of ``incident``; the
    denominator is :func:`troop_strength`'s ``troops`` from ``source``. A year the source does
    not cover gets no rate, and ``coverage`` says so and names the other sources' figures:
    nothing is interpolated and sources are not mixed.

    Columns: ``year``, ``fatalities``, ``troops``, ``troops_source``, ``rate_per_1000``,
    ``coverage``.
    """
    code = check_mission(store, mission)
    counts = fatalities(store, "year", mission=code, incident=incident, personnel=personnel)
    strength = troop_strength(store, code, source)
    years = sorted(set(counts["year"].astype(int)) | set(strength["year"].astype(int)))
    if not years:
        raise InvalidRequestError(f"no fatalities and no troop numbers for {code} in this store")
    frame = pd.DataFrame({"year": range(min(years), max(years) + 1)})
    frame = frame.merge(counts.astype({"year": "int64"}), on="year", how="left").merge(strength, on="year", how="left")
    frame["fatalities"] = frame["fatalities"].fillna(0).astype("int64")
    frame["troops_source"] = frame["troops_source"].fillna("none")
    frame["rate_per_1000"] = (1000.0 * frame["fatalities"] / frame["troops"]).round(3)
    frame["coverage"] = [_coverage(row, source) for row in frame.itertuples()]
    frame["troops"] = frame["troops"].round().astype("Int64")  # yearly means: whole troops read better
    return frame[["year", "fatalities", "troops", "troops_source", "rate_per_1000", "coverage"]]


def _coverage(row, source: str) -> str:
    if not pd.isna(row.troops):
        return f"troops from {source}"
    others = [
        f"{name} has {getattr(row, column):,.0f}" for name, column in SOURCE_COLUMNS.items()
        if name != source and not pd.isna(getattr(row, column)) and getattr(row, column) > 0
    ]
    return f"no {source} troop figure for {row.year}: no rate" + (f" ({'; '.join(others)})" if others else "")


# -- trend test ------------------------------------------------------------------------------


_FATALITIES_CITATION = "United Nations Department of Peace Operations, peacekeeping fatalities (open data portal)"
_TROOP_CITATIONS = {
    "radpko": "RADPKO (Hunnicutt & Nomikos 2020)",
    "geopko-v1": "Geo-PKO v1 (Cil, Fjelde, Hultman & Nilsson 2020)",
    "geopko-v2.3": "Geo-PKO v2.3 (Cil, Fjelde, Hultman & Nilsson 2020)",
}


@dataclass
class TrendResult:
    """A before/after comparison of a mission's monthly fatality rate."""

    mission: str
    incident: str | None
    personnel: str | None
    change_date: str
    exposure: str  # months | troops
    start: str
    end: str
    periods: list[dict] = field(default_factory=list)  # before / after: months, fatalities, exposure, rate
    months: list[dict] = field(default_factory=list)  # the series fitted: month, fatalities, exposure, after
    troops_source: str | None = None  # where troop-months came from (exposure troops)
    models: list[dict] = field(default_factory=list)  # poisson / negative_binomial: rate_ratio, ci_low, ci_high, p_value
    dispersion: float = float("nan")  # Pearson chi-square / df of the Poisson model
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row per model with the rate ratio, its 95% CI and p-value."""
        return pd.DataFrame(self.models)

    def as_dict(self) -> dict:
        return asdict(self)

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The result as the sheets of a workbook: the rate ratios, the two periods, the months
        fitted (to chart), and what was compared."""
        about = {
            "mission": self.mission, "incident": self.incident or "all causes", "personnel": self.personnel or "all",
            "change_date": self.change_date, "exposure": self.exposure, "first_month": self.start,
            "last_month": self.end, "pearson_dispersion": self.dispersion, "note": self.note,
            "source": _FATALITIES_CITATION + (f"; troops: {_TROOP_CITATIONS[self.troops_source]}" if self.troops_source else ""),
        }
        return {
            "rate ratio": self.to_frame(),
            "periods": pd.DataFrame(self.periods),
            "months": pd.DataFrame(self.months, columns=["month", "fatalities", "exposure", "after"]),
            "about": pd.DataFrame({"item": list(about), "value": list(about.values())}),
        }


def monthly_series(
    store, mission: str, *, incident: str | None = None, personnel: str | None = None,
    start: str | None = None, end: str | None = None, exposure: str = "months", troops_source: str = "radpko",
) -> pd.DataFrame:
    """Fatalities per calendar month (zero months included) with an exposure per month.

    The default period runs from the mission's first to its last recorded fatality (of any
    type). ``start`` and ``end`` take a year, a month or a day (``2014``, ``2014-01``,
    ``2014-01-15``) and name the first and last months of the series: ``end="2019"`` ends in
    December 2019, and every month of the series counts all its days' fatalities, as each has
    a whole month of exposure. ``exposure="troops"`` gives each month its troops from
    ``troops_source``: the year's :func:`troop_strength` for RADPKO and Geo-PKO v2.3, the
    month's total for Geo-PKO v1; a month without a figure is an error that lists the gaps (no
    guessing).
    """
    code = check_mission(store, mission)
    _check_troop_source(troops_source)
    if exposure not in ("months", "troops"):
        raise InvalidRequestError(f"unknown exposure {exposure!r}; choose months or troops")
    first, last = _series_months(store, code, start, end)
    months = pd.period_range(first, last, freq="M")
    counts = fatalities(store, "month", mission=code, incident=incident, personnel=personnel,
                        start=first.start_time.date(), end=last.end_time.date())
    series = pd.DataFrame({"month": months.astype(str)})
    series = series.merge(counts, on="month", how="left")
    series["fatalities"] = series["fatalities"].fillna(0).astype("int64")
    if exposure == "months":
        series["exposure"] = 1.0
        return series
    series["year"] = series["month"].str[:4].astype("int64")
    if troops_source == "geopko-v1":
        monthly = store.sql(
            "SELECT printf('%04d-%02d', year, month) AS month, sum(troops) AS exposure FROM un_deployments "
            "WHERE mission = ? AND source = 'geopko-v1' AND troops IS NOT NULL GROUP BY 1 HAVING sum(troops) > 0",
            [code])
        series = series.merge(monthly, on="month", how="left")
    else:
        yearly = troop_strength(store, code, troops_source)[["year", "troops"]].rename(columns={"troops": "exposure"})
        series = series.merge(yearly, on="year", how="left")
    gaps = series.loc[series["exposure"].isna(), "month"].tolist()
    if gaps:
        raise InvalidRequestError(
            f"{troops_source} has no troop numbers for {code} in {len(gaps)} month(s): {_ranges(gaps)} "
            "(RADPKO covers 1999-2019 by year, Geo-PKO v1 1994-2018 by month for some months only, "
            "Geo-PKO v2.3 1994-2024 by year); narrow the period with --from/--to, choose another "
            "--troops-source, or use --exposure months"
        )
    return series[["month", "fatalities", "exposure"]]


def _series_months(store, code: str, start, end) -> tuple[pd.Period, pd.Period]:
    """The first and last months of a mission's series: the months ``start`` and ``end`` fall
    in, else those of its first and last fatality.

    The bounds are read as every period option is (``parse_bound``): a day-first or
    month-first date such as ``08/12/2017`` is refused rather than guessed, and a year given as
    the end means its December, not its January.
    """
    span = store.con.execute(
        "SELECT min(incident_date), max(incident_date) FROM un_fatalities WHERE mission = ?", [code]).fetchall()[0]
    first = parse_bound(start, end=False, option="--from") if start else span[0]
    last = parse_bound(end, end=True, option="--to") if end else span[1]
    if first is None or last is None:
        raise InvalidRequestError(f"no fatalities for {code}: give the period with start and end")
    if first > last:
        raise InvalidRequestError(f"the period is in the wrong order: {first} is after {last}")
    return pd.Period(first, "M"), pd.Period(last, "M")


def _ranges(months: list[str]) -> str:
    """'2019-01..2019-12, 2021-03' from a sorted list of months."""
    periods = [pd.Period(m, "M") for m in months]
    parts, begin, prev = [], periods[0], periods[0]
    for p in periods[1:] + [None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        parts.append(str(begin) if begin == prev else f"{begin}..{prev}")
        if p is not None:
            begin = prev = p
    return ", ".join(parts)


def trend_test(
    store, mission: str, change_date: str | date, *, incident: str | None = "Malicious Act",
    personnel: str | None = None, start: str | None = None, end: str | None = None,
    exposure: str = "months", troops_source: str = "radpko",
) -> TrendResult:
    """Did a mission's fatality rate change after ``change_date``? Rate ratio after/before.

    Monthly counts (:func:`monthly_series`) are fitted with a Poisson GLM and a negative
    binomial model (which allows for months of clustered attacks), each with an indicator
    "on or after the month of ``change_date``" and log exposure as offset. The rate ratio is
    exp(coefficient) with a 95% Wald interval. A ratio above 1 means more fatalities per month
    (or per troop-month) after the change. ``change_date`` is a day, a month or a year
    (``2017-12-08``, ``2017-12``, ``2017``).

    >>> trend_test(store, "MINUSMA", "2017-12-08").to_frame()    # resolution 2391, G5 Sahel support  # doctest: +SKIP
    """
    import statsmodels.api as sm

    code = check_mission(store, mission)
    # Read like every date option: "08/12/2017" is 8 December to some and 12 August to others.
    change_day = parse_bound(change_date, end=False, option="--change")
    change = pd.Period(change_day, "M")
    series = monthly_series(store, code, incident=incident, personnel=personnel, start=start, end=end, exposure=exposure,
                            troops_source=troops_source)
    after = (series["month"].map(lambda m: pd.Period(m, "M")) >= change).astype(float)
    if after.all() or not after.any():
        raise InvalidRequestError(
            f"the change date {change_day} must fall inside the period {series['month'].iloc[0]}..{series['month'].iloc[-1]}"
        )
    periods = []
    for label, mask in (("before", after == 0), ("after", after == 1)):
        part = series[mask]
        periods.append({
            "period": label, "first_month": part["month"].iloc[0], "last_month": part["month"].iloc[-1],
            "months": int(len(part)), "fatalities": int(part["fatalities"].sum()),
            "exposure": float(part["exposure"].sum()),
            "rate": float(part["fatalities"].sum() / part["exposure"].sum()),
        })
    if min(p["fatalities"] for p in periods) == 0:
        empty = [p["period"] for p in periods if p["fatalities"] == 0][0]
        raise InvalidRequestError(f"no fatalities {empty} {change_day} in the period: a rate ratio cannot be estimated")
    X = sm.add_constant(after.to_numpy())
    y = series["fatalities"].to_numpy()
    offset = np.log(series["exposure"].to_numpy())
    models = []
    poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    models.append(_model_row("poisson", poisson.params[1], poisson.bse[1], poisson.pvalues[1]))
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, X, offset=offset).fit(disp=0, maxiter=200)
    models.append(_model_row("negative_binomial", nb.params[1], nb.bse[1], nb.pvalues[1], alpha=float(nb.params[-1])))
    unit = "per month" if exposure == "months" else "per troop-month"
    note = (
        f"rates are fatalities {unit}; the month of the change counts as after. Pearson dispersion "
        f"{dispersion:.2f}" + (" (> 1.5: prefer the negative binomial interval)" if dispersion > 1.5 else "")
    )
    return TrendResult(
        mission=code, incident=check_incident(store, incident), personnel=personnel, change_date=str(change_day),
        exposure=exposure, start=series["month"].iloc[0], end=series["month"].iloc[-1],
        periods=periods, models=models, dispersion=dispersion, note=note,
        troops_source=troops_source if exposure == "troops" else None,
        months=[
            {"month": m, "fatalities": int(f), "exposure": float(e), "after": bool(a)}
            for m, f, e, a in zip(series["month"], series["fatalities"], series["exposure"], after)
        ],
    )


def _model_row(name: str, coef: float, se: float, p: float, **extra) -> dict:
    return {
        "model": name, "rate_ratio": math.exp(coef), "ci_low": math.exp(coef - 1.959964 * se),
        "ci_high": math.exp(coef + 1.959964 * se), "p_value": float(p), **extra,
    }

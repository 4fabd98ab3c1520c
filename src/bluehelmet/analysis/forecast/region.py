"""Which units a forecasting region holds, defined from the events themselves.

No country polygons of Africa are bundled, so a region's PRIO-GRID cells are *evidenced by
events*: every cell where a georeferenced event of the region's countries happened up to a
cut-off month, plus a buffer of neighbouring cells (``buffer`` rings, queen contiguity). For
``africa`` the countries are those with Gleditsch-Ward numbers 400-626 (UCDP's Africa); for an
ISO3 code (or a comma-separated list, ``MLI,BFA,NER``) the named countries.

The cut-off matters for honesty: a backtest defines its region from events up to its first
forecast origin, so that no cell enters the panel because of violence still to come. Cells that
only see violence after the cut-off are outside the panel and their deaths are not scored (the
docs report how many). Cells never touched by any event and not adjacent to one (the Sahara's
empty interior, say) are outside the region, unlike ViEWS's all-land grid; this removes many
easy zeros, which makes averaged scores larger than on an all-land grid.

Each unit also gets a country (ISO3): the country with most events in the cell, else that of a
neighbouring cell; country-level features use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bluehelmet.analysis.forecast.months import month_label
from bluehelmet.errors import InvalidRequestError, NotFoundError
from bluehelmet.geo import priogrid
from bluehelmet.geo.countries import gw_table, iso3_from_name, nearest_countries

UNIT_KINDS = ("pgm", "admin1", "admin2")
AFRICA_GW = (400, 626)


@dataclass
class Region:
    """The units of a region: ``units`` (PRIO-GRID gids, or admin unit ids), one country each."""

    name: str
    unit_kind: str
    units: np.ndarray
    countries: np.ndarray  # ISO3 of each unit
    cutoff: int | None = None  # last month whose events defined the region
    buffer: int = 1
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.units)

    def describe(self) -> str:
        until = f" up to {month_label(self.cutoff)}" if self.cutoff is not None else ""
        what = "PRIO-GRID cells" if self.unit_kind == "pgm" else f"{self.unit_kind} units"
        buf = f" plus {self.buffer} ring(s) of neighbours" if self.unit_kind == "pgm" and self.buffer else ""
        return (
            f"{self.name}: {len(self):,} {what} ({len(set(self.countries)):,} countries): "
            f"cells with events{until}{buf}"
        )


def region_countries(region: str) -> tuple[str, list[str]]:
    """The display name and ISO3 codes of a region: ``africa``, or countries joined by commas,
    each an ISO3 code or a name in English or French (``Mali,Burkina Faso,NER``), as
    ``events --country`` takes them. The display name lists the codes.

    >>> region_countries("Mali,Burkina Faso")
    ('MLI,BFA', ['MLI', 'BFA'])
    """
    key = region.strip()
    if key.lower() == "africa":
        iso3 = sorted({r["iso3"] for r in gw_table() if AFRICA_GW[0] <= int(r["gwno"]) <= AFRICA_GW[1] and r["iso3"]})
        return "Africa", iso3
    parts = [c.strip() for c in key.split(",") if c.strip()]
    known = {r["iso3"] for r in gw_table()}
    codes = [iso3_from_name(part) for part in parts]
    bad = [part for part, code in zip(parts, codes) if code not in known]
    if not parts or bad:
        near = [name for part in bad for name in nearest_countries(part)]
        what = f": {', '.join(repr(b) for b in bad)} is not a country" if bad else ""
        raise InvalidRequestError(
            f"unknown region {region!r}{what}" + (f" (did you mean {', '.join(near)}?)" if near else "")
            + "; use 'africa' or countries as ISO3 codes or names, in English or French, such as MLI, Mali or MLI,BFA,NER"
        )
    return ",".join(codes), codes


def unit_expression(unit_kind: str) -> str:
    """SQL giving an event's unit id for a unit kind."""
    if unit_kind == "pgm":
        return "priogrid_gid"
    if unit_kind in ("admin1", "admin2"):
        return f"coalesce({unit_kind}_pcode, country_iso3 || ':' || {unit_kind}_name)"
    raise InvalidRequestError(f"unknown unit {unit_kind!r}; use one of {', '.join(UNIT_KINDS)}")


def resolve_region(store, region: str, *, unit: str = "pgm", cutoff: int | None = None, buffer: int = 1) -> Region:
    """The units of ``region`` as evidenced by events up to month ``cutoff`` (all events if None).

    Examples
    --------
    >>> r = resolve_region(store, "MLI", cutoff=month_id("2014-12"))  # doctest: +SKIP
    >>> r.describe()                                                  # doctest: +SKIP
    'MLI: 412 PRIO-GRID cells (4 countries): cells with events up to 2014-12 plus 1 ring(s) of neighbours'
    """
    name, iso3 = region_countries(region)
    expr = unit_expression(unit)
    params: list = [iso3]
    where = "country_iso3 IN (SELECT unnest(?::VARCHAR[])) AND NOT coalesce(deleted, false)"
    if cutoff is not None:
        where += " AND date_start < CAST(? AS DATE)"
        params.append(f"{month_label(cutoff + 1)}-01")
    counts = store.con.execute(
        f"SELECT {expr} AS unit, country_iso3, count(*) AS n FROM events WHERE {where} AND {expr} IS NOT NULL GROUP BY ALL",
        params,
    ).df()
    if counts.empty:
        raise NotFoundError(
            f"no {unit} events for region {name!r} in the store"
            + (" (admin units are filled by point-in-polygon assignment or by the source)" if unit != "pgm" else "")
            + "; ingest UCDP GED first, e.g. bluehelmet ingest ged211_precise_1989_2018.csv.gz"
        )
    counts = counts.sort_values(["unit", "n", "country_iso3"], ascending=[True, False, True])
    main_country = counts.drop_duplicates("unit").set_index("unit")["country_iso3"]
    if unit != "pgm":
        units = np.asarray(sorted(main_country.index), dtype=object)
        return Region(name, unit, units, main_country.loc[units].to_numpy(dtype=object), cutoff, 0)
    seeds = np.asarray(main_country.index, dtype=np.int64)
    cells = priogrid.buffer_cells(seeds, buffer)
    countries = pd.Series(main_country.to_numpy(dtype=object), index=seeds).reindex(cells)
    # A buffer cell takes the country of its nearest evidenced neighbour (ring by ring).
    for radius in range(1, buffer + 1):
        missing = countries.isna().to_numpy()
        if not missing.any():
            break
        around = priogrid.neighbours(cells[missing], radius)
        found = countries.reindex(around.ravel()).to_numpy(dtype=object).reshape(around.shape)
        first = [next((c for c in row if isinstance(c, str)), None) for row in found]
        countries.iloc[np.flatnonzero(missing)] = first
    return Region(name, unit, cells, countries.to_numpy(dtype=object), cutoff, buffer)

"""Country codes across sources: ISO 3166 alpha-3, UN M49 numbers, Gleditsch-Ward numbers, names.

UCDP identifies countries by Gleditsch-Ward (GW) number and its own names ("DR Congo
(Zaire)"), ACLED and the UN by name and ISO/M49 codes. Everything in the store carries ISO3.
"""

from __future__ import annotations

import csv
import gettext
from functools import lru_cache
from importlib import resources

import pycountry
from unidecode import unidecode


@lru_cache(maxsize=1)
def gw_table() -> list[dict[str, str]]:
    """Rows of the bundled GW table: ``gwno``, ``iso3``, ``ucdp_name``."""
    with resources.files("bluehelmet.data").joinpath("gw_countries.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def iso3_from_gwno(gwno: int | str | None) -> str | None:
    """ISO3 for a Gleditsch-Ward country number (432 -> 'MLI'); None when unknown."""
    if gwno in (None, ""):
        return None
    try:
        key = str(int(float(gwno)))
    except ValueError:
        return None
    return {r["gwno"]: r["iso3"] for r in gw_table()}.get(key)


def _norm(name: str) -> str:
    return " ".join(unidecode(name).lower().replace("-", " ").replace(",", " ").split())


def name_key_sql(expr: str) -> str:
    """SQL that normalises a country name like :func:`_norm`, to join on :func:`lookup_table`.

    >>> name_key_sql("country")  # doctest: +ELLIPSIS
    "trim(regexp_replace(regexp_replace(lower(strip_accents(country))..."
    """
    return (
        f"trim(regexp_replace(regexp_replace(lower(strip_accents({expr})), '[-,]', ' ', 'g'), "
        f"'\\s+', ' ', 'g'))"
    )


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index[_norm(value)] = country.alpha_3
        index[country.alpha_3.lower()] = country.alpha_3
    # French names, from the ISO 3166 translations pycountry ships: francophone missions' sheets
    # write "Tchad", "Mauritanie", "République centrafricaine". An English name keeps its country
    # where a French one coincides with it.
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:  # gettext("") is the catalogue's header
                index.setdefault(_norm(french.gettext(value)), country.alpha_3)
    for row in gw_table():
        name = row["ucdp_name"]
        index[_norm(name)] = row["iso3"]
        # "DR Congo (Zaire)" is also written "DR Congo"; "Yemen (North Yemen)" as "Yemen".
        if "(" in name:
            index[_norm(name.split("(")[0])] = row["iso3"]
            index[_norm(name.split("(")[1].rstrip(")"))] = row["iso3"]
    extra = {
        "democratic republic of congo": "COD",
        "democratic republic of the congo": "COD",
        "republic of congo": "COG",
        "cote d'ivoire": "CIV",
        "cote divoire": "CIV",
        "ivory coast": "CIV",
        "eswatini": "SWZ",
        "swaziland": "SWZ",
        "turkiye": "TUR",
        "russia": "RUS",
        "syria": "SYR",
        "iran": "IRN",
        "laos": "LAO",
        "bolivia": "BOL",
        "tanzania": "TZA",
        "venezuela": "VEN",
        "vietnam": "VNM",
        "moldova": "MDA",
        "south korea": "KOR",
        "north korea": "PRK",
        "palestine": "PSE",
        "kosovo": "XKX",
        "macedonia": "MKD",
        "north macedonia": "MKD",
        "myanmar": "MMR",
        "burma": "MMR",
        "cabo verde": "CPV",
        "central african rep": "CAF",
        "car": "CAF",
        "centrafrique": "CAF",
        "rdc": "COD",
        "burkina": "BFA",
        "drc": "COD",
        "united states": "USA",
        "usa": "USA",
        "uk": "GBR",
        "great britain": "GBR",
        # The two Congos as the press, the UN and the World Bank tell them apart.
        "RD Congo": "COD",
        "Congo-Kinshasa": "COD",
        "Congo (Kinshasa)": "COD",
        "Congo, Dem. Rep.": "COD",
        "Congo, Democratic Republic of": "COD",
        "Congo, Democratic Republic of the": "COD",
        "Congo-Brazzaville": "COG",
        "Congo (Brazzaville)": "COG",
        "Congo, Rep.": "COG",
        "Congo, Republic of": "COG",
        "Congo, Republic of the": "COG",
        # Names written the other way round, or with their article.
        "Korea, North": "PRK",
        "Korea, South": "KOR",
        "Korea, Dem. People's Rep.": "PRK",
        "Korea, Rep.": "KOR",
        "The Gambia": "GMB",
        "Gambia, The": "GMB",
        "Micronesia": "FSM",
        "Palestinian Territory": "PSE",
        "Occupied Palestinian Territory": "PSE",
        # French short forms (RCA: République centrafricaine).
        "RCA": "CAF",
        "Russie": "RUS",
        "Fédération de Russie": "RUS",
    }
    index.update({_norm(k): v for k, v in extra.items()})
    return index


def iso3_from_name(name: str | None) -> str | None:
    """ISO3 for a country name in any of the usual spellings; None when unknown."""
    if not name:
        return None
    return _name_index().get(_norm(name))


def require_iso3(text: str, *, option: str = "--country") -> str:
    """The ISO3 code of a country given as a code or a name (English or French, any usual
    spelling); :class:`NotFoundError` naming ``option`` and the nearest names otherwise.

    >>> require_iso3("Tchad"), require_iso3("mli")
    ('TCD', 'MLI')
    """
    from bluehelmet.errors import NotFoundError

    iso3 = iso3_from_name(text)
    if iso3:
        return iso3
    near = nearest_countries(text)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise NotFoundError(
        f"{option} {text!r} is not a country; give an ISO3 code (MLI) or a country name in English or "
        f"French (Mali, Tchad){hint}"
    )


def nearest_countries(text: str, n: int = 3, among: list[str] | None = None) -> list[str]:
    """The countries whose names are closest to a misspelt one, as ``Name (ISO3)``; only those
    ``among`` these ISO3 codes when given (the countries a store has events in).

    >>> nearest_countries("Mail")
    ['Mali (MLI)']
    """
    import difflib

    index = _name_index()
    if among is not None:
        wanted = set(among)
        index = {key: code for key, code in index.items() if code in wanted}
    near = difflib.get_close_matches(_norm(text or ""), list(index), n=n, cutoff=0.75)
    # One suggestion per country, shown by its ISO name rather than the normalised key.
    codes = list(dict.fromkeys(index[key] for key in near))
    return [f"{country_name(c) or c} ({c})" for c in codes]


def iso3_from_m49(code: int | str | None) -> str | None:
    """ISO3 for a UN M49 / ISO 3166 numeric code (466 -> 'MLI')."""
    if code in (None, ""):
        return None
    try:
        numeric = f"{int(float(code)):03d}"
    except ValueError:
        return None
    country = pycountry.countries.get(numeric=numeric)
    return country.alpha_3 if country else None


def country_name(iso3: str) -> str | None:
    """The ISO short name of a country (``'MLI'`` -> ``'Mali'``)."""
    country = pycountry.countries.get(alpha_3=iso3.upper()) if iso3 else None
    if country:
        return country.name
    return {"XKX": "Kosovo"}.get((iso3 or "").upper())


def lookup_table() -> list[tuple[str, str]]:
    """(normalised name, ISO3) pairs, for joins in SQL."""
    return sorted(_name_index().items())


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def iso3_lookup_sql(gwno_expr: str, name_expr: str, *, names_first: bool = False) -> str:
    """SQL giving ISO3 from a GW number (text), else from a country name, without a join.

    ``names_first`` tries the name before the number, for sources whose numbers stand for
    another state (Geo-PKO codes Western Sahara with Morocco's). A join would not keep a
    streamed file's row order, which readers number rows by; a constant MAP lookup does, and
    costs about 0.3 s per million rows.
    """
    gw = gw_table()
    names = lookup_table()
    gw_map = f"MAP({_sql_list([r['gwno'] for r in gw])}, {_sql_list([r['iso3'] for r in gw])})"
    name_map = f"MAP({_sql_list([n for n, _ in names])}, {_sql_list([i for _, i in names])})"
    by_number = f"map_extract_value({gw_map}, {gwno_expr})"
    by_name = f"map_extract_value({name_map}, {name_key_sql(name_expr)})"
    return f"coalesce({by_name}, {by_number})" if names_first else f"coalesce({by_number}, {by_name})"

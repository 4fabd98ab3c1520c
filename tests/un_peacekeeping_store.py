"""A store with the bundled UN peacekeeping files and Sahel events, built once per test process.

Holds the real UN fatalities file, Geo-PKO v1, Geo-PKO v2.3, RADPKO, the Mali, Burkina Faso
and Niger rows of the GED 21.1 precise extract (written out unchanged to a temporary CSV, so
the ingest is quick) and the two GED Candidate 26.0 files, with the Mali regions and cercles (COD-AB) for admin units. Tests get a fresh copy of the file.

Import the fixtures into a test module: ``from un_peacekeeping_store import un_store, raw``.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import DATA_DIR

FATALITIES = DATA_DIR / "un_peacekeeping_fatalities" / "DPPADPOSS-FATALITIES.csv"
GEOPKO_V1 = DATA_DIR / "geopko_v1_africa" / "geopko.csv"
GEOPKO_V23 = DATA_DIR / "geopko_v23_dashboard_aggregates" / "FrontMap_v.2.3.csv"
RADPKO = DATA_DIR / "radpko_bases_country_year" / "radpko_bases_cc_y.csv"
GED_211 = DATA_DIR / "ucdp_ged_211_precise" / "ged211_precise_1989_2018.csv.gz"
CANDIDATES = [DATA_DIR / "ucdp_ged_candidate_26" / f"GEDEvent_v26_0_{n}.csv" for n in (1, 2)]
BOUNDARIES = DATA_DIR / "mali_admin_boundaries_ocha_codab"
ADM1 = BOUNDARIES / "mli_admbnda_adm1_gov_ocha_itos" / "mli_admbnda_adm1_gov_ocha_itos.shp"
ADM2 = BOUNDARIES / "mli_admbnda_adm2_gov_ocha_itos" / "mli_admbnda_adm2_gov_ocha_itos.shp"
SAHEL = ("Mali", "Burkina Faso", "Niger")


def sahel_ged_rows() -> pd.DataFrame:
    """The GED 21.1 rows of Mali, Burkina Faso and Niger, every column as text."""
    ged = pd.read_csv(GED_211, dtype=str, keep_default_na=False)
    return ged[ged["country"].isin(SAHEL)]


# Each test module imports the fixtures, which makes a session fixture per module: the built
# file is kept here so that the process builds it once.
_BUILT: list = []


@pytest.fixture(scope="session")
def un_store_file(tmp_path_factory):
    if _BUILT:
        return _BUILT[0]
    folder = tmp_path_factory.mktemp("un_store")
    sahel = folder / "ged211_sahel.csv"
    sahel_ged_rows().to_csv(sahel, index=False)
    path = folder / "un.duckdb"
    with bluehelmet.open(path) as store:
        for file, kind in ((ADM1, "boundaries"), (ADM2, "boundaries"), (FATALITIES, "un-fatalities"),
                           (GEOPKO_V1, "geopko"), (GEOPKO_V23, "geopko-v2"), (RADPKO, "radpko"), (sahel, "ucdp-ged"),
                           *((c, "ucdp-candidate") for c in CANDIDATES)):
            bluehelmet.ingest(store, file, kind)
    _BUILT.append(path)
    return path


@pytest.fixture
def un_store_path(un_store_file, tmp_path):
    """A private copy of the built store file (tests may write to it)."""
    path = tmp_path / "un.duckdb"
    shutil.copy(un_store_file, path)
    return path


@pytest.fixture
def un_store(un_store_path):
    with bluehelmet.open(un_store_path) as store:
        yield store


@pytest.fixture(scope="session")
def raw():
    """The raw UN fatalities CSV read with pandas alone: one row per casualty_id (the reader
    rejects the second listing of six UNMIK casualties), personnel types trimmed."""
    frame = pd.read_csv(FATALITIES, dtype={"casualty_id": str})
    frame = frame.drop_duplicates("casualty_id", keep="first").copy()
    frame["casualty_personnel_type"] = frame["casualty_personnel_type"].str.strip()
    frame["incident_date"] = pd.to_datetime(frame["incident_date"])
    return frame

"""Column names as analysts write them: quotes, apostrophes and backslashes in a header.

An added column is not one any reader maps, so it goes to ``native`` under the name the file
gives it. Each case is a real bundled file with two such columns added to every row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bluehelmet
from csv_rows import read_rows, write_rows

ODD_NAMES = ['analyst\'s "note"', "C:\\path"]
ACLED_DYADIC = Path(__file__).parent / "fixtures" / "acled" / "mali_dyadic_2023.csv"

# (bundled file, kind, table the rows go to, the key of the row in the file -> uid)
CASES = {
    "ucdp-ged": ("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv", "events", lambda r: f"ucdp:{r['id']}"),
    "un-fatalities": (
        "un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv", "un_fatalities", lambda r: f"un-fatality:{r['casualty_id']}",
    ),
    "radpko": ("radpko_bases_country_year/radpko_bases_cc_y.csv", "un_bases", None),
    "geopko": ("geopko_v1_africa/geopko.csv", "un_deployments", None),
    "acled": (ACLED_DYADIC, "events", lambda r: f"acled:{r['event_id_cnty']}"),
}


@pytest.mark.parametrize("kind", CASES)
def test_quotes_in_column_names_are_kept_in_native(store, data, tmp_path, kind):
    relative, table, uid_of = CASES[kind]
    header, rows = read_rows(relative if isinstance(relative, Path) else data(relative), 300)
    odd_rows = [row + [f"it's row {i}", f'"{i}"\\'] for i, row in enumerate(rows)]
    path = write_rows(tmp_path / f"odd_{kind}.csv", header + ODD_NAMES, odd_rows)

    report = bluehelmet.ingest(store, path, kind)
    plain = bluehelmet.ingest(bluehelmet.open(tmp_path / "plain.duckdb"), write_rows(tmp_path / "plain.csv", header, rows), kind)

    assert (report.rows_in, report.stored, report.rejected) == (plain.rows_in, plain.stored, plain.rejected)
    assert report.stored > 0
    natives = [json.loads(n) for n in store.sql(f"SELECT native FROM {table}")["native"]]
    assert all(set(ODD_NAMES) <= set(n) for n in natives)
    assert {n[ODD_NAMES[0]] for n in natives} <= {f"it's row {i}" for i in range(len(rows))}
    if uid_of:
        index = min(44, len(rows) - 1)
        keyed = dict(zip(header, rows[index]))
        native = json.loads(store.sql(f"SELECT native FROM {table} WHERE uid = ?", [uid_of(keyed)])["native"][0])
        assert native[ODD_NAMES[0]] == f"it's row {index}"
        assert native[ODD_NAMES[1]] == f'"{index}"\\'


def test_quotes_in_column_names_of_a_conflict_file(store, data, tmp_path):
    header, rows = read_rows(data("ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"))
    rows[9] = rows[9][:5]  # a truncated row, whose raw text goes to quarantine
    path = write_rows(tmp_path / "acd.csv", header + ODD_NAMES, [row + ["it's", "\\"] for row in rows])

    report = bluehelmet.ingest(store, path, "ucdp-acd")

    assert (report.rows_in, report.stored, report.rejected) == (len(rows), len(rows) - 1, 1)
    assert store.sql("SELECT row_number FROM quarantine")["row_number"].tolist() == [11]


def test_a_release_with_an_apostrophe(store, data):
    report = bluehelmet.ingest(store, data("geopko_v1_africa/geopko.csv"), "geopko", release="v1 (Cil's copy)")

    assert report.stored > 0
    assert store.sql("SELECT DISTINCT release FROM un_deployments")["release"].tolist() == ["v1 (Cil's copy)"]

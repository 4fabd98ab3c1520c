"""RADPKO base-year reader on the bundled real file and on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import bundled
from csv_rows import read_rows, write_rows
from bluehelmet.errors import MissingColumnsError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.radpko import country_display_name, read_radpko

RADPKO = "radpko_bases_country_year/radpko_bases_cc_y.csv"


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(bundled(RADPKO), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def result():
    return read_radpko(bundled(RADPKO))


def test_key_is_unique_and_rows_without_a_base_are_rejected(raw, result):
    assert not raw.duplicated(["mission", "base", "year"]).any()
    assert result.rows_in == len(raw) == 2652
    no_base = raw.index[raw["base"].str.strip() == ""] + 2
    assert len(no_base) == 3
    rejects = result.rejects.to_pandas()
    assert list(rejects["row_number"]) == list(no_base) and set(rejects["reason"]) == {"missing base"}
    records = result.records.to_pandas()
    assert records["uid"].is_unique and len(records) == len(raw) - 3


def test_values_match_an_independent_read(raw, result):
    records = result.records.to_pandas()
    minusma_2016 = raw[(raw["mission"] == "MINUSMA") & (raw["year"] == "2016")]
    stored = records[(records["mission"] == "MINUSMA") & (records["year"] == 2016)]
    assert len(stored) == minusma_2016["base"].nunique() == 15
    assert stored["troops"].sum() == pytest.approx(minusma_2016["untrp"].astype(float).sum())
    assert set(stored["country_iso3"]) == {"MLI"}
    # Liaison offices with NaN coordinates are kept, without coordinates.
    addis = records[records["base"].isin(["addis ababa", "adis abeba"])]
    assert len(addis) == 3 and addis["latitude"].isna().all()
    # Contributors: exactly the countries with non-zero troops, police or observers.
    row = raw[(raw["mission"] == "MINUSMA") & (raw["year"] == "2016") & (raw["base"] == minusma_2016["base"].iloc[0])].iloc[0]
    expected = {}
    for column in raw.columns:
        for measure, label in (("untrp", "troops"), ("unpol", "police"), ("unmob", "observers")):
            prefix = column[: -len(measure) - 1]
            if column.endswith("_" + measure) and prefix not in ("f", "afr", "asian", "west", "") and float(row[column]) != 0:
                expected.setdefault(country_display_name(prefix), {})[label] = float(row[column])
    got = json.loads(stored.set_index("base").loc[row["base"], "contributors"])
    assert {k: {m: v for m, v in d.items() if m != "iso3"} for k, d in got.items()} == expected
    assert expected, "the chosen base should have contributors"
    bangladesh = json.loads(records["contributors"].dropna().loc[lambda s: s.str.contains("Bangladesh")].iloc[0])
    assert bangladesh["Bangladesh"]["iso3"] == "BGD"


def test_country_names():
    assert country_display_name("burkina.faso") == "Burkina Faso"
    assert country_display_name("democratic.republic.of.the.congo") == "Democratic Republic of the Congo"
    assert country_display_name("uk") == "UK"


def test_detected_and_reingest_is_idempotent(store, data, tmp_path):
    path = data(RADPKO)
    assert detect_kind(path).name == "radpko"
    first = bluehelmet.ingest(store, path)
    assert first.stored == 2649 and first.rejected == 3
    copy = tmp_path / "radpko_copy.csv"
    copy.write_bytes(path.read_bytes() + b"\n")
    again = bluehelmet.ingest(store, copy, "radpko")
    assert not again.already_ingested and again.unchanged == 2649 and again.stored == again.updated == 0
    assert len(store.un_bases("MINUSMA")) == 84


def _rows(n):
    return read_rows(bundled(RADPKO), n)


def _write(tmp_path, header, rows, name="radpko_bad.csv"):
    return write_rows(tmp_path / name, header, rows)


def test_bad_rows_are_quarantined(store, tmp_path):
    header, rows = _rows(7)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["untrp"]] = "-3"
    rows[2][col["latitude"]] = "-91"
    rows[3][col["year"]] = "1899"
    rows[4][col["bangladesh_untrp"]] = "-10"
    rows[5][col["unpol"]] = "some"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "radpko")
    assert report.rows_in == 7 and report.stored == 2 and report.rejected == 5
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[3, "reason"] == "negative troops" and q.loc[3, "value"] == "-3"
    assert q.loc[4, "reason"] == "latitude out of range -90 to 90"
    assert q.loc[5, "reason"] == "year is not a year from 1948 to today"
    assert q.loc[6, "value"] == "bangladesh_untrp=-10"
    assert q.loc[7, "reason"] == "unpol is not a number"


def test_half_or_non_finite_coordinates_are_quarantined_and_neither_is_kept_as_null(store, tmp_path, result):
    # The three real UNMIS liaison-office rows have NaN for both: kept, with NULL coordinates.
    kept = result.records.filter(result.records.column("latitude").is_null()).to_pylist()
    assert [(r["_row"], r["latitude"], r["longitude"]) for r in kept] == [(825, None, None), (826, None, None), (985, None, None)]
    # "NaN" or empty on one side only was stored the same way, as a base without coordinates.
    header, rows = _rows(6)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["latitude"]] = "NaN"
    rows[1][col["longitude"]] = ""
    rows[2][col["latitude"]] = "-inf"
    rows[3][col["latitude"]], rows[3][col["longitude"]] = "NaN", "NaN"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "radpko")
    assert (report.rows_in, report.stored, report.rejected) == (6, 3, 3)
    q = store.quarantine(report.batch_id)
    assert list(zip(q["row_number"], q["column_name"], q["value"], q["reason"])) == [
        (2, "latitude", "NaN, -13.234167", "latitude is missing while longitude is given"),
        (3, "longitude", "8.37972200000007, ", "longitude is missing while latitude is given"),
        (4, "latitude", "-inf", "latitude is not a finite number (infinite or NaN)"),
    ]
    stored = store.con.execute("SELECT uid, latitude, longitude FROM un_bases WHERE latitude IS NULL").fetchall()
    assert stored == [("radpko:UNAMSIL:port loko:1999", None, None)]


def test_missing_columns_and_wrong_file(tmp_path, data):
    header, rows = _rows(2)
    drop = header.index("untrp")
    path = _write(tmp_path, header[:drop] + header[drop + 1 :], [r[:drop] + r[drop + 1 :] for r in rows])
    with pytest.raises(MissingColumnsError, match="untrp"):
        read_radpko(path)
    with pytest.raises(MissingColumnsError, match="not a radpko file"):
        read_radpko(data("geopko_v23_dashboard_aggregates/FrontMap_v.2.3.csv"))

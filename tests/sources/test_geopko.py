"""Geo-PKO v1 (location-month) reader on the bundled real file and on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import bundled
from csv_rows import read_rows, write_rows
from bluehelmet.errors import MissingColumnsError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.geopko import read_geopko_v1

GEOPKO = "geopko_v1_africa/geopko.csv"


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(bundled(GEOPKO), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def deployments():
    return read_geopko_v1(bundled(GEOPKO))


def test_rows_and_duplicates_of_the_real_file(raw, deployments):
    assert len(raw) == deployments.rows_in == 12_190
    # The same month, place and values coded from two map revisions: one deployment.
    content = [c for c in raw.columns if c != "Source"]
    repeated = raw[raw.duplicated(content, keep="first")]
    assert len(repeated) == 1
    rejects = deployments.rejects.to_pandas()
    assert list(rejects["row_number"]) == list(repeated.index + 2)
    first = raw.index[raw.duplicated(content, keep=False)].min() + 2
    assert rejects["value"].iloc[0].startswith(f"duplicate of row {first}: Map no.")
    assert deployments.records.num_rows == len(raw) - 1
    # Two different deployments at one place and month are both kept, under distinct uids.
    records = deployments.records.to_pandas()
    assert records["uid"].is_unique
    fasher = records[(records["location"] == "El Fasher") & (records["year"] == 2014) & (records["month"] == 7)]
    assert sorted(fasher["troops"]) == [185, 900]
    assert fasher["uid"].str.endswith("#2").sum() == 1


def test_values_match_an_independent_read(raw, deployments):
    records = deployments.records.to_pandas()
    minusma = raw[raw["Mission"] == "MINUSMA"]
    assert (records["mission"] == "MINUSMA").sum() == len(minusma) == 318
    # Troops: NA and "unknown" are missing, everything else a number.
    numeric = pd.to_numeric(minusma["No.troops"], errors="coerce")
    got = records.loc[records["mission"] == "MINUSMA", "troops"]
    assert got.sum() == numeric.sum() and got.isna().sum() == numeric.isna().sum()
    assert set(records.loc[records["mission"] == "MINUSMA", "country_iso3"]) == {"MLI"}
    assert set(records.loc[records["country"] == "Western Sahara", "country_iso3"]) == {"ESH"}
    # UNPOL presence by an independent count (the one repeated row has no UNPOL).
    kept = raw.drop_duplicates([c for c in raw.columns if c != "Source"])
    assert records["unpol"].sum() == (kept["UNPOL..dummy."] == "1").sum()
    assert records["unmo"].isna().sum() == (kept["UNMO..dummy."] == "NA").sum() == 24
    # Contributors: the TCC pairs of one row, as {country: troops}.
    row = raw.iloc[5249 - 2]  # El Fasher July 2014, mission HQ (row 5249)
    expected = {row[f"name.of.TCC{i}"]: float(row[f"No.troops.per.TCC{i}"]) for i in range(1, 15) if row[f"name.of.TCC{i}"] != "NA"}
    stored = records.set_index("_row").loc[5249]
    assert json.loads(stored["contributors"]) == expected == {"Rwanda": 300, "Nepal": 300, "Gambia": 150}
    assert list(json.loads(stored["contributors"])) == ["Rwanda", "Nepal", "Gambia"]
    assert stored["hq"] == 3 and stored["admin2_name"] == "Al Fasher" and stored["priogrid_gid"] == 149451
    native = json.loads(stored["native"])
    assert native["Source"] == row["Source"] and native["RES_No"] == "150"


def test_detected_and_reingest_is_idempotent(store, data, tmp_path):
    path = data(GEOPKO)
    assert detect_kind(path).name == "geopko"
    first = bluehelmet.ingest(store, path)
    assert (first.stored, first.rejected) == (12_189, 1)
    copy = tmp_path / "geopko_copy.csv"
    copy.write_bytes(path.read_bytes() + b"\n")
    again = bluehelmet.ingest(store, copy, "geopko")
    assert not again.already_ingested and again.unchanged == 12_189 and again.stored == again.updated == 0
    assert store.count("un_deployments") == 12_189
    assert len(store.un_deployments("minusma")) == 318


def _rows(n):
    return read_rows(bundled(GEOPKO), n)


def _write(tmp_path, header, rows, name="geopko_bad.csv"):
    return write_rows(tmp_path / name, header, rows)


def test_bad_rows_are_quarantined(store, tmp_path):
    header, rows = _rows(9)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["No.troops"]] = "-150"
    rows[2][col["latitude"]] = "95.2"
    rows[3][col["month"]] = "13"
    rows[4][col["No.troops"]] = "lots"
    rows[5][col["name.of.TCC1"]], rows[5][col["No.troops.per.TCC1"]] = "Nepal", "-20"
    rows[6][col["Mission"]] = ""
    rows[7] = list(rows[0])
    rows[7][col["Source"]] = "another map"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "geopko")
    assert report.rows_in == 9 and report.stored == 2 and report.rejected == 7
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[3, "reason"] == "negative troops" and q.loc[3, "value"] == "-150"
    assert q.loc[4, "reason"] == "latitude out of range -90 to 90"
    assert q.loc[5, "reason"] == "month is not 1 to 12"
    assert q.loc[6, "reason"] == "No.troops is not a number" and q.loc[6, "value"] == "lots"
    assert q.loc[7, "value"] == "No.troops.per.TCC1=-20"
    assert q.loc[8, "reason"] == "missing mission"
    assert q.loc[9, "value"] == "duplicate of row 2: another map"


def test_the_real_row_without_coordinates_is_kept_with_null_not_nan(deployments):
    # UNOCI, June 2008, location "unclear": NA for both coordinates in the file.
    kept = deployments.records.filter(deployments.records.column("latitude").is_null()).to_pylist()
    assert [(r["_row"], r["uid"], r["latitude"], r["longitude"]) for r in kept] == [
        (11097, "geopko-v1:UNOCI:2008-06:unclear@?", None, None)
    ]


def test_half_or_non_finite_coordinates_are_quarantined(store, tmp_path):
    # "NaN" or empty on one side was stored as a place without coordinates (uid "...@?").
    header, rows = _rows(6)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["latitude"]] = "NaN"
    rows[1][col["longitude"]] = ""
    rows[2][col["latitude"]] = "inf"
    rows[3][col["longitude"]] = "-Infinity"
    rows[4][col["latitude"]], rows[4][col["longitude"]] = "NA", "NA"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "geopko")
    assert (report.rows_in, report.stored, report.rejected) == (6, 2, 4)
    q = store.quarantine(report.batch_id)
    assert list(zip(q["row_number"], q["column_name"], q["value"], q["reason"])) == [
        (2, "latitude", "NaN, 29.3644", "latitude is missing while longitude is given"),
        (3, "longitude", "-3.3822, ", "longitude is missing while latitude is given"),
        (4, "latitude", "inf", "latitude is not a finite number (infinite or NaN)"),
        (5, "longitude", "-Infinity", "longitude is not a finite number (infinite or NaN)"),
    ]
    # NA for both, as in the real file: kept, with NULL coordinates (never NaN).
    stored = store.con.execute("SELECT uid, latitude, longitude FROM un_deployments ORDER BY uid").fetchall()
    assert stored == [
        ("geopko-v1:MINUCI:2004-01:Abidjan@?", None, None),
        ("geopko-v1:MINURCA:1998-06:Bangui@4.38333,18.56667", 4.383333, 18.566667),
    ]


def test_missing_columns_and_wrong_file(tmp_path, data):
    header, rows = _rows(2)
    drop = header.index("No.troops")
    path = _write(tmp_path, header[:drop] + header[drop + 1 :], [r[:drop] + r[drop + 1 :] for r in rows])
    with pytest.raises(MissingColumnsError, match="missing required column.s. No.troops"):
        read_geopko_v1(path)
    with pytest.raises(MissingColumnsError, match="not a geopko file"):
        read_geopko_v1(data("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"))

"""Geo-PKO v2.3 yearly aggregates (FrontMap + TCCMap) on the bundled real files and on bad input."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.data import bundled
from csv_rows import read_rows, write_rows
from bluehelmet.errors import InputFileError, MissingColumnsError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.geopko_v2 import parse_tcc_overview, read_geopko_v2

FRONT = "geopko_v23_dashboard_aggregates/FrontMap_v.2.3.csv"
TCC = "geopko_v23_dashboard_aggregates/TCCMap_v.2.3.csv"
KEY = ["mission", "year", "country", "location"]


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(bundled(FRONT))


@pytest.fixture(scope="module")
def result():
    return read_geopko_v2(bundled(FRONT))


def test_one_row_per_location_year(raw, result):
    groups = raw.groupby(KEY)
    assert result.rows_in == len(raw) == 8783
    assert result.records.num_rows == groups.ngroups == 7366
    # Repeated rows are merged into their location-year, counted, not rejected.
    assert result.rejects.num_rows == 0
    assert result.merged == len(raw) - groups.ngroups == 1417
    records = result.records.to_pandas()
    assert records["uid"].is_unique and records["month"].isna().all()
    assert set(records["source"]) == {"geopko-v2.3"} and result.release == "2.3"
    minusma = raw[raw["mission"] == "MINUSMA"]
    assert (records["mission"] == "MINUSMA").sum() == minusma.groupby(KEY).ngroups


def test_values_match_the_producers_aggregates(raw, result):
    records = result.records.to_pandas().set_index(["mission", "year", "country", "location"])
    expected = raw.groupby(KEY).agg(troops=("ave.no.troops", "max"), hq=("hq", "max"), unpol=("UNPOL", "max"))
    joined = expected.join(records[["troops", "hq", "unpol"]].add_suffix("_stored"))
    both = joined["troops"].notna()
    assert (joined.loc[both, "troops"] == joined.loc[both, "troops_stored"]).all()
    assert joined.loc[~both, "troops_stored"].isna().all()
    assert (joined["hq"] == joined["hq_stored"]).all()
    assert (joined["unpol"].astype(bool) == joined["unpol_stored"]).all()
    gao = records.loc[("MINUSMA", 2016, "Mali", "Gao")]
    rows = raw[(raw["mission"] == "MINUSMA") & (raw["year"] == 2016) & (raw["location"] == "Gao")]
    native = json.loads(gao["native"])
    assert native["rows_merged"] == len(rows)
    assert native["NoTroops_monthly"] == sorted(rows["NoTroops"].dropna().unique().tolist())
    assert gao["country_iso3"] == "MLI"


def test_contributors_come_from_the_tcc_map(result):
    tcc = pd.read_csv(bundled(TCC))
    records = result.records.to_pandas().set_index(["mission", "year", "location"])
    row = tcc[(tcc["mission"] == "MINUSMA") & (tcc["year"] == 2016) & (tcc["location"] == "Bamako")].iloc[0]
    # "Bangladesh (335), Benin (150), ..." read by hand from the file.
    expected = {}
    for part in row["year.overview"].split(", "):
        name, size = part.rsplit(" (", 1)
        expected[name] = float(size.rstrip(")"))
    stored = records.loc[("MINUSMA", 2016, "Bamako")]
    assert json.loads(stored["contributors"]) == expected
    assert expected["Bangladesh"] == 335 and stored["tcc_count"] == row["No.TCC"] == 7
    assert parse_tcc_overview("Korea (ROK) (150), Jordan (size unknown)") == {"Korea (ROK)": 150.0, "Jordan": None}


def test_without_tcc_map_contributors_are_empty(tmp_path, data):
    alone = tmp_path / "FrontMap_v.2.3.csv"
    shutil.copy(data(FRONT), alone)
    result = read_geopko_v2(alone)
    assert result.records.column("contributors").null_count == result.records.num_rows


def test_detected_and_reingest_is_idempotent(store, data, tmp_path):
    path = data(FRONT)
    assert detect_kind(path).name == "geopko-v2"
    first = bluehelmet.ingest(store, path)
    # Every file row counts once, in its location-year: 8,783 rows, 7,366 location-years written.
    assert first.rows_in == first.stored + first.rejected == 8783 and first.merged == 1417
    assert store.count("un_deployments") == 7366
    for name in ("FrontMap_v.2.3.csv", "TCCMap_v.2.3.csv"):
        shutil.copy(data(f"geopko_v23_dashboard_aggregates/{name}"), tmp_path / name)
    copy = tmp_path / "FrontMap_v.2.3.csv"
    copy.write_bytes(copy.read_bytes() + b"\n")
    again = bluehelmet.ingest(store, copy)
    assert not again.already_ingested and again.unchanged == 8783 and again.stored == again.updated == 0
    assert store.count("un_deployments") == 7366


def _rows(n):
    return read_rows(bundled(FRONT), n)


def _write(tmp_path, header, rows, name="FrontMap_bad.csv"):
    return write_rows(tmp_path / name, header, rows)


def test_bad_rows_are_quarantined(store, tmp_path):
    header, rows = _rows(6)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["ave.no.troops"]] = "-5"
    rows[2][col["longitude"]] = "190"
    rows[3][col["year"]] = "20x6"
    rows[4][col["ave.no.troops"]] = "many"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "geopko-v2")
    assert report.rows_in == 6 and report.stored == 2 and report.rejected == 4
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[3, "reason"] == "negative troops" and q.loc[3, "value"] == "-5"
    assert q.loc[4, "reason"] == "longitude out of range -180 to 180"
    assert q.loc[5, "reason"] == "year is not a year from 1948 to today" and q.loc[5, "value"] == "20x6"
    assert q.loc[6, "reason"] == "ave.no.troops is not a number"


def test_missing_or_non_finite_coordinates_are_quarantined(store, tmp_path):
    # No real FrontMap row lacks coordinates: "NaN" or empty was stored as a place without them.
    header, rows = _rows(6)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["latitude"]] = "NaN"
    rows[2][col["latitude"]], rows[2][col["longitude"]] = "", ""
    rows[4][col["longitude"]] = "inf"
    report = bluehelmet.ingest(store, _write(tmp_path, header, rows), "geopko-v2")
    assert (report.rows_in, report.stored, report.rejected) == (6, 3, 3)
    q = store.quarantine(report.batch_id)
    assert list(zip(q["row_number"], q["column_name"], q["value"], q["reason"])) == [
        (2, "latitude", "NaN, 29.3644", "latitude is missing while longitude is given"),
        (4, "latitude", ", ", "missing latitude and longitude"),
        (6, "longitude", "inf", "longitude is not a finite number (infinite or NaN)"),
    ]
    assert store.con.execute("SELECT count(*) FROM un_deployments WHERE latitude IS NULL OR isnan(latitude)").fetchall() == [(0,)]


def test_missing_columns_and_wrong_file(tmp_path, data):
    header, rows = _rows(2)
    drop = header.index("ave.no.troops")
    path = _write(tmp_path, header[:drop] + header[drop + 1 :], [r[:drop] + r[drop + 1 :] for r in rows])
    with pytest.raises(MissingColumnsError, match="ave.no.troops"):
        read_geopko_v2(path)
    with pytest.raises(MissingColumnsError, match="not a geopko-v2 file"):
        read_geopko_v2(data("geopko_v1_africa/geopko.csv"))


@pytest.mark.parametrize("name, said", [("TCCMap", "contributing countries"), ("TTMap", "troop types")])
def test_the_dashboards_other_files_given_alone_point_to_frontmap(store, data, name, said):
    path = data(f"geopko_v23_dashboard_aggregates/{name}_v.2.3.csv")
    assert detect_kind(path).name == "geopko-v2"
    with pytest.raises(InputFileError, match=f"{said} of Geo-PKO v2.3 .*: ingest FrontMap_v.2.3.csv"):
        bluehelmet.ingest(store, path)
    assert len(store.batches()) == 0


def test_a_tcc_map_corrected_beside_the_same_frontmap_is_read_again(store, data, tmp_path):
    for name in ("FrontMap_v.2.3.csv", "TCCMap_v.2.3.csv"):
        shutil.copy(data(f"geopko_v23_dashboard_aggregates/{name}"), tmp_path / name)
    front, tcc = tmp_path / "FrontMap_v.2.3.csv", tmp_path / "TCCMap_v.2.3.csv"
    first = bluehelmet.ingest(store, front)
    text = tcc.read_text(encoding="utf-8")
    bamako_2016 = next(line for line in text.splitlines() if line.startswith("MINUSMA,2016,Bamako,"))
    assert "Bangladesh (335)" in bamako_2016
    tcc.write_text(text.replace(bamako_2016, bamako_2016.replace("Bangladesh (335)", "Bangladesh (336)")), encoding="utf-8")

    again = bluehelmet.ingest(store, front)  # the FrontMap's own bytes are the same

    assert not again.already_ingested and again.batch_id != first.batch_id
    contributors = store.sql(
        "SELECT contributors FROM un_deployments WHERE mission = 'MINUSMA' AND year = 2016 AND location = 'Bamako'"
    )["contributors"]
    assert json.loads(contributors[0])["Bangladesh"] == 336
    assert bluehelmet.ingest(store, front).already_ingested

"""A store made by an earlier version (without columns added since) opens, upgrades and ingests."""

from __future__ import annotations

import json

import duckdb
import geopandas as gpd

import bluehelmet

ADM1 = "mali_admin_boundaries_ocha_codab/mli_admbnda_adm1_gov_ocha_itos/mli_admbnda_adm1_gov_ocha_itos.shp"


def _old_store(tmp_path, data, *dropped: tuple[str, str]):
    """A store holding the Mali regions, without the (table, column) pairs an earlier version lacked."""
    db = tmp_path / "old.duckdb"
    with bluehelmet.open(db) as store:
        bluehelmet.ingest(store, data(ADM1))
    con = duckdb.connect(str(db))
    for table, column in dropped:
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.close()
    return db


def test_old_store_gets_new_columns_and_keeps_history(tmp_path, data):
    # What a store made before admin units kept their attributes looks like.
    db = _old_store(tmp_path, data, ("admin_units", "native"), ("admin_units_history", "native"))

    with bluehelmet.open(db) as store:
        columns = store.sql("SELECT table_name, column_name FROM duckdb_columns() WHERE column_name = 'native' AND table_name LIKE 'admin_units%'")
        assert sorted(columns["table_name"]) == ["admin_units", "admin_units_history"]
        # The table now ends with native while its history ends with replaced_at/by: the
        # revision below writes history rows by column name, not by position.
        revised = gpd.read_file(data(ADM1))
        revised.loc[revised["admin1Pcod"] == "ML07", "admin1Name"] = "Gao (revised)"
        path = tmp_path / "mli_adm1_revised.geojson"
        revised.to_file(path, driver="GeoJSON")
        report = bluehelmet.ingest(store, path, "boundaries")
        assert report.stored == report.rejected == 0 and report.updated + report.unchanged == 9
        old = store.sql("SELECT name, native, replaced_by_batch FROM admin_units_history WHERE pcode = 'ML07'")
        assert old.to_dict("records") == [{"name": "Gao", "native": None, "replaced_by_batch": report.batch_id}]
        new = store.sql("SELECT name, native FROM admin_units WHERE pcode = 'ML07'").iloc[0]
        assert new["name"] == "Gao (revised)" and json.loads(new["native"])["admin1Name"] == "Gao (revised)"


def test_old_store_gets_file_sizes_in_its_batches(tmp_path, data):
    db = _old_store(tmp_path, data, ("ingest_batches", "file_bytes"))

    with bluehelmet.open(db) as store:
        # Batches from before have no size; a new batch records its file's.
        assert store.batches()["file_bytes"].isna().all()
        json_path = tmp_path / "mli_adm1.geojson"
        gpd.read_file(data(ADM1)).to_file(json_path, driver="GeoJSON")
        bluehelmet.ingest(store, json_path, "boundaries")
        assert store.batches()["file_bytes"].iloc[-1] == json_path.stat().st_size

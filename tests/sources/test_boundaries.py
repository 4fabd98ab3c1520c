"""COD-AB boundaries reader on the bundled Mali shapefiles and GeoJSON, and on bad input."""

from __future__ import annotations

import json
import shutil
import zipfile

import geopandas as gpd
import pytest
import shapely

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.boundaries import country_iso3, detect_level, read_boundaries

FOLDER = "mali_admin_boundaries_ocha_codab"
ADM0 = f"{FOLDER}/mli_admbnda_adm0_gov/mli_admbnda_adm0_gov.shp"
ADM1 = f"{FOLDER}/mli_admbnda_adm1_gov_ocha_itos/mli_admbnda_adm1_gov_ocha_itos.shp"
ADM2 = f"{FOLDER}/mli_admbnda_adm2_gov_ocha_itos/mli_admbnda_adm2_gov_ocha_itos.shp"
ADM1_JSON = f"{FOLDER}/mli_adm1.geojson"
ADM2_JSON = f"{FOLDER}/mli_adm2.geojson"


def test_regions_and_cercles_from_shapefiles(store, data):
    for path in (ADM0, ADM1, ADM2):
        report = bluehelmet.ingest(store, data(path))
        assert report.source_kind == "boundaries" and report.rejected == 0
    units = store.admin_units()
    raw1, raw2 = gpd.read_file(data(ADM1)), gpd.read_file(data(ADM2))
    regions, cercles = units[units["level"] == 1], units[units["level"] == 2]
    assert len(regions) == len(raw1) == 9 and len(cercles) == len(raw2) == 50
    assert units["pcode"].is_unique and set(units["country_iso3"]) == {"MLI"}
    assert set(cercles["pcode"]) == set(raw2["admin2Pcod"])
    # Every cercle's parent is a region, and the regions' parent is the country.
    assert set(cercles["parent_pcode"]) <= set(regions["pcode"])
    assert set(regions["parent_pcode"]) == {"ML"}
    gao = cercles.set_index("pcode").loc["ML0702"]
    assert (gao["name"], gao["admin1_pcode"], gao["admin1_name"]) == ("Ansongo", "ML07", "Gao")
    assert gao["release"] == "2015-04-08"
    # Every attribute of the feature is kept, as the file has it.
    native = json.loads(store.sql("SELECT native FROM admin_units WHERE pcode = 'ML0702'")["native"][0])
    source = raw2.set_index("admin2Pcod").loc["ML0702"]
    assert set(native) == set(raw2.columns) - {"geometry"}
    assert native["validOn"] == "2015-04-08" and native["validTo"] is None and native["OBJECTID"] == int(source["OBJECTID"])
    assert native["Shape_Area"] == pytest.approx(float(source["Shape_Area"]))
    # Areas in an equal-area projection: Mali is about 1.24 million km2, Bamako district about 250 km2.
    km2 = units.to_crs("ESRI:54009").area / 1e6
    country = km2[units["level"] == 0].sum()
    assert 1.2e6 < country < 1.3e6
    assert km2[units["level"] == 1].sum() == pytest.approx(country, rel=0.01)
    assert km2[units["level"] == 2].sum() == pytest.approx(country, rel=0.01)
    assert 200 < km2[units["pcode"] == "ML0901"].iloc[0] < 300
    # Bounding boxes agree with the stored geometry.
    geom = shapely.from_wkb(bytes(store.sql("SELECT geometry FROM admin_units WHERE pcode = 'ML07'")["geometry"][0]))
    bbox = store.sql("SELECT min_x, min_y, max_x, max_y FROM admin_units WHERE pcode = 'ML07'").iloc[0].tolist()
    assert bbox == pytest.approx(list(geom.bounds))


def test_geojson_gives_the_same_units_as_the_shapefile(data):
    shp = read_boundaries(data(ADM2)).records.to_pandas().set_index("pcode")
    geo = read_boundaries(data(ADM2_JSON)).records.to_pandas().set_index("pcode")
    assert sorted(shp.index) == sorted(geo.index)
    assert (shp["name"] == geo.loc[shp.index, "name"]).all()
    assert (shp["parent_pcode"] == geo.loc[shp.index, "parent_pcode"]).all()
    assert read_boundaries(data(ADM1_JSON)).records.num_rows == 9
    assert detect_kind(data(ADM1_JSON)).name == "boundaries"


def test_reingest_changes_nothing(store, data, tmp_path):
    first = bluehelmet.ingest(store, data(ADM2))
    again = bluehelmet.ingest(store, data(ADM2_JSON))
    assert first.stored == 50 and again.unchanged == 50 and again.stored == again.updated == 0
    assert store.count("admin_units") == 50


def test_zipped_shapefile_and_reprojection(data, tmp_path):
    folder = data(ADM1).parent
    archive = tmp_path / "mli_adm1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    assert detect_kind(archive).name == "boundaries"
    zipped = read_boundaries(archive).records.to_pandas().set_index("pcode")
    assert len(zipped) == 9
    # The same regions in UTM zone 30N come back in WGS84.
    utm = tmp_path / "mli_adm1_utm.gpkg"
    gpd.read_file(data(ADM1)).to_crs(32630).to_file(utm)
    reprojected = read_boundaries(utm).records.to_pandas().set_index("pcode")
    assert reprojected.loc["ML07", "min_x"] == pytest.approx(zipped.loc["ML07", "min_x"], abs=1e-6)
    assert reprojected.loc["ML07", "max_y"] == pytest.approx(zipped.loc["ML07", "max_y"], abs=1e-6)


def test_bad_features_are_rejected(store, data, tmp_path):
    collection = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))
    features = collection["features"]
    features[1]["properties"]["admin1Pcod"] = ""
    features[2]["geometry"] = {"type": "Point", "coordinates": [0.0, 16.0]}
    features[3]["geometry"] = None
    path = tmp_path / "mli_adm1_bad.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    report = bluehelmet.ingest(store, path, "boundaries")
    assert report.rows_in == 9 and report.stored == 6 and report.rejected == 3
    q = store.quarantine(report.batch_id).set_index("row_number")
    assert q.loc[2, "reason"] == "missing P-code" and q.loc[2, "column_name"] == "admin1Pcod"
    assert q.loc[3, "reason"] == "geometry is not a polygon" and q.loc[3, "value"] == "Point"
    assert q.loc[4, "reason"] == "missing or empty geometry"


def test_wrong_files_raise_clear_errors(data, tmp_path):
    with pytest.raises(InputFileError, match="no P-code column"):
        points = tmp_path / "points.geojson"
        gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0).buffer(1)], crs=4326).to_file(points)
        read_boundaries(points)
    with pytest.raises(InputFileError, match="cannot be read as boundaries"):
        read_boundaries(data("un_peacekeeping_fatalities/DPPADPOSS-FATALITIES.csv"))
    lonely = tmp_path / "alone.shp"
    lonely.write_bytes(data(ADM1).read_bytes())
    with pytest.raises(InputFileError, match="needs its .dbf and .shx"):
        read_boundaries(lonely)


def test_conventions():
    assert detect_level(["adm0_pcode", "adm1_pcode", "adm1_fr"]) == 1
    assert detect_level(["admin0pcode", "admin1pcode", "admin2pcode", "admin3pcode"]) == 3
    assert detect_level(["name", "id"]) is None
    assert country_iso3("ML0702") == "MLI" and country_iso3("COD001") == "COD"
    assert country_iso3(None, "Mali") == "MLI"


def test_cli_ingests_boundaries_and_units_without_source(cli, data, tmp_path):
    db = tmp_path / "cli.duckdb"
    # FrontMap: 8,783 file rows stored as 7,366 location-years (1,417 rows merged into them).
    cases = ((ADM2, "boundaries", 50, 0), ("geopko_v23_dashboard_aggregates/FrontMap_v.2.3.csv", "geopko-v2", 8_783, 1_417))
    for path, kind, stored, merged in cases:
        result = cli("--db", db, "ingest", data(path), "--json")
        assert result.exit_code == 0, result.stderr
        report = result.json()
        assert (report["source_kind"], report["stored"], report["merged"]) == (kind, stored, merged)
    result = cli("--db", db, "ingest", data("geopko_v23_dashboard_aggregates/TCCMap_v.2.3.csv"))
    assert result.exit_code == 2 and "ingest FrontMap_v.2.3.csv" in result.stderr


def test_a_shapefile_folder_is_refused_naming_its_shp(cli, data, tmp_path):
    folder = data(ADM0).parent
    result = cli("--db", tmp_path / "cli.duckdb", "ingest", folder)
    assert result.exit_code == 2
    assert f"a folder, not a file: give the files in it, such as {data(ADM0)}" in " ".join(result.stderr.split())


def test_a_shapefile_whose_dbf_alone_was_corrected_is_ingested_again(store, data, tmp_path):
    # A later COD-AB release may fix only names or P-codes: the .shp is the same, the .dbf is not.
    folder = tmp_path / "adm1"
    shutil.copytree(data(ADM1).parent, folder)
    shp = folder / data(ADM1).name
    assert bluehelmet.ingest(store, shp).stored == 9
    dbf = shp.with_suffix(".dbf")
    content = dbf.read_bytes()
    assert content.count(b"Koulikouro") == 2  # name and reference name, as the 2015 release spells Koulikoro
    dbf.write_bytes(content.replace(b"Koulikouro", b"Koulikoro "))  # the field keeps its width

    report = bluehelmet.ingest(store, shp)

    assert (report.rows_in, report.updated, report.unchanged) == (9, 1, 8)
    assert store.sql("SELECT name FROM admin_units WHERE pcode = 'ML02'")["name"][0] == "Koulikoro"
    assert bluehelmet.ingest(store, shp).batch_id == report.batch_id  # the same parts again: already in

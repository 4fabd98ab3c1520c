"""Damaged boundary files, the way they arrive: a zipped shapefile missing a part, a zip of several
levels, a shapefile cut short, a GeoJSON feature whose ring cannot be read, degrees under a
projected CRS, GeoJSON cut short or not a FeatureCollection (alone or zipped), GeoJSON saved as
UTF-16. Every case is the bundled Mali COD-AB data spoiled in one place."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.boundaries import read_boundaries

FOLDER = "mali_admin_boundaries_ocha_codab"
ADM1 = f"{FOLDER}/mli_admbnda_adm1_gov_ocha_itos/mli_admbnda_adm1_gov_ocha_itos.shp"
ADM2 = f"{FOLDER}/mli_admbnda_adm2_gov_ocha_itos/mli_admbnda_adm2_gov_ocha_itos.shp"
ADM1_JSON = f"{FOLDER}/mli_adm1.geojson"
SHP1 = "mli_admbnda_adm1_gov_ocha_itos.shp"
PARTS = "the .dbf holds the attributes, P-codes included; the .shx indexes the shapes"


def _zip(path: Path, shapefiles: list[Path], folder: str = "", leave_out: tuple[str, ...] = ()) -> Path:
    """A zip of the shapefiles' parts (in ``folder`` of the archive), but the suffixes left out."""
    with zipfile.ZipFile(path, "w") as archive:
        for shp in shapefiles:
            for part in sorted(shp.parent.iterdir()):
                if part.suffix not in leave_out:
                    archive.write(part, folder + part.name)
    return path


def _accounted(report) -> bool:
    return report.rows_in == report.stored + report.updated + report.unchanged + report.rejected


@pytest.mark.parametrize(
    ("leave_out", "said"), [((".dbf",), "no .dbf"), ((".shx",), "no .shx"), ((".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx"), "no .dbf and no .shx")]
)
def test_a_zipped_shapefile_missing_a_part_names_it(store, data, tmp_path, leave_out, said):
    # Without its .dbf GDAL read shapes with no columns ("no P-code column ... found: "), and
    # without its .shx the zip was not recognised at all.
    archive = _zip(tmp_path / "mli_adm1.zip", [data(ADM1)], leave_out=leave_out)
    assert detect_kind(archive).name == "boundaries"
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, archive)
    assert str(error.value) == (
        f"{archive}/{SHP1}: a shapefile needs its .dbf and .shx next to it ({PARTS}): {SHP1} has {said}"
    )
    assert store.count("admin_units") == 0


def test_a_shapefile_missing_its_shx_on_disk_is_named_without_source(cli, data, tmp_path):
    for part in data(ADM1).parent.iterdir():
        if part.suffix != ".shx":
            (tmp_path / part.name).write_bytes(part.read_bytes())
    result = cli("--db", tmp_path / "cli.duckdb", "ingest", tmp_path / SHP1)
    assert result.exit_code == 2
    assert f"{SHP1} has no .shx" in " ".join(result.stderr.split())


def test_a_shapefile_in_a_folder_of_the_zip_is_read(store, data, tmp_path):
    archive = _zip(tmp_path / "mli_adm1.zip", [data(ADM1)], folder="mli/adm1/")
    report = bluehelmet.ingest(store, archive)
    assert (report.source_kind, report.stored, report.rejected, report.release) == ("boundaries", 9, 0, "2015-04-08")
    assert set(store.admin_units()["pcode"]) == set(gpd.read_file(data(ADM1))["admin1Pcod"])


def test_a_zip_of_two_levels_is_refused_naming_each_layer_and_each_ingests_by_its_path(store, data, tmp_path):
    # A COD-AB download holds one shapefile per level; the first alone was read, without a word.
    archive = _zip(tmp_path / "mli_adm_ab_shp.zip", [data(ADM1), data(ADM2)])
    layers = [f"{archive}/{SHP1}", f"{archive}/mli_admbnda_adm2_gov_ocha_itos.shp"]
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, archive)
    message = str(error.value)
    assert message.startswith(f"{archive}: a zip archive with 2 layers ({SHP1}, mli_admbnda_adm2_gov_ocha_itos.shp)")
    assert message.endswith(f"give each you want by its path in the archive: {layers[0]} {layers[1]}")
    assert store.count("admin_units") == 0

    reports = [bluehelmet.ingest(store, layer) for layer in layers]
    assert [(r.file, r.stored, r.rejected) for r in reports] == [(layers[0], 9, 0), (layers[1], 50, 0)]
    units = store.admin_units()
    assert units.groupby("level").size().to_dict() == {1: 9, 2: 50}
    assert units.set_index("pcode").loc["ML0702", "parent_pcode"] == "ML07"
    again = bluehelmet.ingest(store, layers[1])
    assert again.already_ingested and again.unchanged == 50


def test_a_shapefile_cut_short_is_refused_not_read_as_empty_features(store, data, tmp_path):
    # GDAL read the half that was there and gave the rest no geometry: 5 of 9 regions were
    # quarantined as "missing or empty geometry", as if the file had said so.
    for part in data(ADM1).parent.iterdir():
        content = part.read_bytes()
        (tmp_path / part.name).write_bytes(content[: len(content) // 2] if part.suffix == ".shp" else content)
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, tmp_path / SHP1)
    assert str(error.value) == (
        f"{tmp_path / SHP1}: the .shp is cut short: its header says 198,080 bytes, the file has 99,040 "
        "(a download or copy that stopped?); get the shapefile again"
    )


def test_a_feature_whose_ring_cannot_be_read_is_quarantined_and_the_others_stored(store, data, tmp_path):
    # One such ring failed the whole file with a GEOS IllegalArgumentException, after a raw
    # pyogrio RuntimeWarning on the screen.
    collection = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))
    rings = [f["geometry"]["coordinates"][0] for f in collection["features"]]
    rings[0][0] = [float("nan"), float("nan")]  # Bamako: its first point NaN, so no longer closed
    rings[1][:] = rings[1][:2]  # Gao: two points
    del rings[2][-1]  # Kayes: the last point, which closed the ring
    rings[3][5] = [float("inf"), 20.0]  # Kidal: an infinite point in a closed ring
    path = tmp_path / "mli_adm1_rings.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")  # NaN and Infinity as JSON spells them
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = bluehelmet.ingest(store, path)
    assert (report.rows_in, report.stored, report.rejected) == (9, 5, 4) and _accounted(report)
    q = store.quarantine(report.batch_id)
    assert list(zip(q["row_number"], q["column_name"], q["value"], q["reason"])) == [
        (1, "geometry", "ring 1, point 1: (nan, nan)", "coordinates that are not numbers (NaN or infinite)"),
        (2, "geometry", "ring 1: 2 points, from (0.375718, 18.0563) to (0.463478, 17.9518)",
         "a ring of the polygon has fewer than 4 points (it needs 4 or more, the last the same as the first)"),
        (3, "geometry", "ring 1: 3413 points, from (-9.33008, 15.4978) to (-9.33051, 15.4984)",
         "a ring of the polygon is not closed (its last point is not its first)"),
        (4, "geometry", "point 6: (inf, 20.0)", "coordinates that are not numbers (NaN or infinite)"),
    ]
    assert set(store.admin_units()["pcode"]) == {"ML02", "ML05", "ML04", "ML03", "ML06"}


def test_the_cli_shows_no_raw_warning_for_a_bad_ring(cli, data, tmp_path):
    collection = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))
    del collection["features"][4]["geometry"]["coordinates"][0][-1]
    path = tmp_path / "mli_adm1_open_ring.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    result = cli("--db", tmp_path / "cli.duckdb", "ingest", path, "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert (result.json()["stored"], result.json()["rejected"]) == (8, 1)


def test_a_ring_whose_points_lie_on_a_line_is_quarantined_not_stored_as_a_line(store, data, tmp_path):
    collection = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))
    collection["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[-8, 12], [-7.9, 12], [-7.8, 12], [-8, 12]]]}
    path = tmp_path / "mli_adm1_flat.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    report = bluehelmet.ingest(store, path)
    assert (report.stored, report.rejected) == (8, 1)
    q = store.quarantine(report.batch_id).iloc[0]
    assert (q["row_number"], q["reason"]) == (1, "the polygon has no area once repaired (its points lie on a line)")


def test_degrees_under_a_projected_crs_are_refused(store, data, tmp_path):
    # Reprojected from "UTM metres", all of Mali became a few metres near 3 W on the equator.
    path = tmp_path / "mli_adm1_wrong_crs.gpkg"
    gpd.read_file(data(ADM1)).set_crs(32630, allow_override=True).to_file(path)
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, path)
    assert str(error.value) == (
        f"{path}: the file says its coordinates are in WGS 84 / UTM zone 30N (EPSG:32630), a projection in "
        "metres, but they all lie within longitude/latitude range (-12.2392, 10.1414 to 4.24467, 24.9995): "
        'degrees given the wrong CRS; fix or remove the CRS (the .prj file, or the GeoJSON\'s "crs" member)'
    )
    assert store.count("admin_units") == 0


def test_a_date_that_is_not_a_date_is_not_the_release_and_a_missing_pcode_shows_empty(store, data, tmp_path):
    collection = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["date"] = "not a date"  # the release shown was "not a date"
    collection["features"][1]["properties"]["date"] = "0000-00-00"
    collection["features"][2]["properties"]["admin1Pcod"] = None  # the value shown was "nan"
    path = tmp_path / "mli_adm1_dates.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    report = bluehelmet.ingest(store, path)
    assert (report.release, report.stored, report.rejected) == ("2015-04-08", 8, 1)
    units = store.admin_units().set_index("pcode")
    assert set(units["release"]) == {"2015-04-08"}
    assert json.loads(store.sql("SELECT native FROM admin_units WHERE pcode = 'ML09'")["native"][0])["date"] == "not a date"
    q = store.quarantine(report.batch_id).iloc[0]
    assert (q["row_number"], q["column_name"], q["value"], q["reason"]) == (3, "admin1Pcod", None, "missing P-code")


def test_geojson_that_holds_nothing_fails_clearly(data, tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty.geojson: the file is empty$"):
        read_boundaries(empty)
    nothing = tmp_path / "nothing.geojson"
    nothing.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputFileError, match="nothing.geojson: holds no features: there are no administrative units to store$"):
        read_boundaries(nothing)


@pytest.mark.parametrize("kind", ["geopko", "geopko-v2", "radpko", "ucdp-ged", "ucdp-candidate", "acled", "un-fatalities"])
def test_map_data_given_to_a_table_reader_says_so(store, data, tmp_path, kind):
    # DuckDB's CSV sniffer spoke instead: "Invalid Input Error: Error when sniffing file ...".
    geojson = data(ADM1_JSON)
    with pytest.raises(InputFileError) as error:
        bluehelmet.ingest(store, geojson, kind)
    assert str(error.value) == (
        f"{geojson}: GeoJSON (map features), not a table: {kind} reads a table of records; "
        "administrative boundaries are ingested with --source boundaries"
    )
    archive = _zip(tmp_path / "mli_adm1.zip", [data(ADM1)])
    with pytest.raises(InputFileError, match=f"mli_adm1.zip: a zipped shapefile \\(map features\\), not a table: {kind} reads"):
        bluehelmet.ingest(store, archive, kind)
    with pytest.raises(InputFileError, match=f"{SHP1}: a shapefile \\(map features\\), not a table"):
        bluehelmet.ingest(store, data(ADM1), kind)


EXPECTED_GEOJSON = 'boundaries are read from a GeoJSON FeatureCollection, {"type": "FeatureCollection", "features": [...]}'
CUT_SHORT = "the file ends before the JSON does: it was cut short (a download or copy that stopped?)"


def _ingest_error(cli, tmp_path, path) -> tuple[int, str]:
    result = cli("--db", tmp_path / "store.duckdb", "ingest", path, "--source", "boundaries")
    return result.exit_code, " ".join(result.stderr.split())


@pytest.mark.parametrize("name", ["mli_adm1.geojson", "mli_adm1.json"])
def test_geojson_cut_short_gives_the_line_and_column_where_the_json_stops(cli, data, tmp_path, name):
    # GDAL said "Failed to read GeoJSON data; At line 1, character 43313: Unterminated object"
    # (for a file cut at byte 300,000: its count does not point into the file).
    whole = data(ADM1_JSON).read_bytes()
    half = tmp_path / name
    half.write_bytes(whole[: len(whole) // 2])
    assert _ingest_error(cli, tmp_path, half) == (
        2, f"error: {half}: cannot be read as GeoJSON: Expecting ',' delimiter (line 1, column 260714); {CUT_SHORT}"
    )
    # Written over many lines, the line counts too.
    indented = json.dumps(json.loads(whole), indent=1).encode()
    half.write_bytes(indented[: len(indented) // 2])
    assert _ingest_error(cli, tmp_path, half) == (
        2, f"error: {half}: cannot be read as GeoJSON: Expecting ',' delimiter (line 24771, column 18); {CUT_SHORT}"
    )


def test_json_that_is_not_a_feature_collection_says_what_it_is(store, data, tmp_path):
    # GDAL said "not recognized as being in a supported file format", or "Invalid
    # FeatureCollection object. Missing 'features' member", after its own "Failed to read".
    features = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))["features"]
    renamed = tmp_path / "renamed.geojson"
    renamed.write_text(json.dumps({"type": "FeatureCollection", "items": features}), encoding="utf-8")
    bare = tmp_path / "bare_list.geojson"
    bare.write_text(json.dumps(features), encoding="utf-8")
    other = tmp_path / "mission_bases.json"
    other.write_text(json.dumps({"mission": "MINUSMA", "bases": [1, 2]}), encoding="utf-8")
    expected = {
        renamed: f'a FeatureCollection without its "features" list (its keys: type, items): {EXPECTED_GEOJSON}',
        bare: f"a JSON list of 9 features, not a FeatureCollection: {EXPECTED_GEOJSON}",
        other: f"a JSON object that is not GeoJSON (its keys: mission, bases): {EXPECTED_GEOJSON}",
    }
    for path, problem in expected.items():
        with pytest.raises(InputFileError) as error:
            bluehelmet.ingest(store, path, "boundaries")
        assert (error.value.path, str(error.value)) == (path, f"{path}: {problem}")
    assert store.count("admin_units") == 0


def test_a_file_that_is_not_json_named_geojson_says_so(cli, data, tmp_path):
    not_json = tmp_path / "ged_sample.geojson"
    not_json.write_bytes(data("ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv").read_bytes())
    assert _ingest_error(cli, tmp_path, not_json) == (
        2,
        f"error: {not_json}: cannot be read as GeoJSON: Expecting value (line 1, column 1); "
        "the file does not begin with { or [ as a JSON document does: it is not JSON",
    )


def test_good_geojson_is_parsed_by_gdal_alone(data, monkeypatch):
    # The JSON is parsed again only to explain a file GDAL could not read: a COD-AB GeoJSON can
    # be tens of megabytes.
    def parsed_twice(*args, **kwargs):
        raise AssertionError("a valid GeoJSON file was parsed a second time")

    monkeypatch.setattr("bluehelmet.sources.boundaries.load_json", parsed_twice)
    assert read_boundaries(data(ADM1_JSON)).records.num_rows == 9


UTF16 = (
    'UTF-16 text (what Windows editors call "Unicode"): GeoJSON is read as UTF-8 (as its standard says); '
    'save it again as UTF-8 (in Notepad: File > Save As, Encoding "UTF-8"; in QGIS: Export > Save Features As, '
    "format GeoJSON)"
)


@pytest.mark.parametrize(
    "encoded",
    [lambda text: text.encode("utf-16"), lambda text: text.encode("utf-16-le"), lambda text: text.encode("utf-16-be")],
    ids=["bom", "little-endian-without-bom", "big-endian-without-bom"],
)
def test_geojson_saved_as_utf16_is_refused_saying_how_to_save_it(cli, data, tmp_path, encoded):
    # GDAL opens no UTF-16; without a byte-order mark it said "not recognized as being in a
    # supported file format", and the reader's own check looked for the mark alone.
    utf16 = encoded(data(ADM1_JSON).read_text(encoding="utf-8"))
    for name in ("mli_adm1.geojson", "mli_adm1.json"):  # a .json is told to be boundaries by its text
        path = tmp_path / name
        path.write_bytes(utf16)
        result = cli("--db", tmp_path / "store.duckdb", "ingest", path)
        assert (result.exit_code, " ".join(result.stderr.split())) == (2, f"error: {path}: {UTF16}")
    with bluehelmet.open(tmp_path / "store.duckdb") as store:
        assert store.count("admin_units") == 0 and len(store.batches()) == 0


def _zipped_geojson(path: Path, member: str, content: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, content)
    return path


def test_a_zipped_geojson_gdal_cannot_read_is_explained_naming_the_member(cli, data, tmp_path):
    # GDAL's own words were shown, naming the zip alone: "Failed to read GeoJSON data; At line 1,
    # character 37589: Unterminated object", or "not recognized as being in a supported file format".
    whole = data(ADM1_JSON).read_bytes()
    features = json.loads(whole)["features"]
    cases = {
        ("mli_adm1.geojson", whole[: len(whole) // 2]):
            f"cannot be read as GeoJSON: Expecting ',' delimiter (line 1, column 260714); {CUT_SHORT}",
        ("cod-ab/mli_adm1.geojson", whole[: len(whole) // 2]):
            f"cannot be read as GeoJSON: Expecting ',' delimiter (line 1, column 260714); {CUT_SHORT}",
        ("mli_adm1.geojson", json.dumps(features).encode()):
            f"a JSON list of 9 features, not a FeatureCollection: {EXPECTED_GEOJSON}",
        ("mli_adm1.geojson", whole.decode("utf-8").encode("utf-16")): UTF16,
    }
    for number, ((member, content), problem) in enumerate(cases.items()):
        archive = _zipped_geojson(tmp_path / f"mli_adm1_{number}.zip", member, content)
        for source in ((), ("--source", "boundaries")):
            result = cli("--db", tmp_path / "store.duckdb", "ingest", archive, *source)
            assert (result.exit_code, " ".join(result.stderr.split())) == (2, f"error: {archive}/{member}: {problem}")
    with bluehelmet.open(tmp_path / "store.duckdb") as store:
        assert store.count("admin_units") == 0 and len(store.batches()) == 0

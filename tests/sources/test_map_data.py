"""Map data given to a reader of JSON records (ACLED JSON, incident JSON, UCDP API pages) is
named for what it is, in the same words as for a reader of tables. Every case is the bundled Mali
COD-AB boundaries (src/bluehelmet/data/mali_admin_boundaries_ocha_codab), saved the way such a
file arrives under a .json name."""

from __future__ import annotations

import json

import pytest

import bluehelmet

FOLDER = "mali_admin_boundaries_ocha_codab"
ADM1_JSON = f"{FOLDER}/mli_adm1.geojson"
JSON_READERS = ["acled", "incidents", "ucdp-api"]


def _map_data_message(path, kind: str) -> str:
    return (
        f"error: {path}: GeoJSON (map features), not a table: {kind} reads a table of records; "
        "administrative boundaries are ingested with --source boundaries"
    )


def _ingest(cli, tmp_path, path, kind):
    result = cli("--db", tmp_path / "store.duckdb", "ingest", path, "--source", kind)
    return result.exit_code, " ".join(result.stderr.split())


@pytest.mark.parametrize("kind", JSON_READERS)
def test_a_geojson_feature_collection_given_to_a_json_reader_says_so(cli, data, tmp_path, kind):
    # Each reader answered in its own words: "not ACLED JSON: expected an API response", "an
    # incident sheet needs a column map", "not a UCDP API page ... (found type, features)".
    saved = tmp_path / "mli_adm1.json"
    saved.write_bytes(data(ADM1_JSON).read_bytes())
    assert _ingest(cli, tmp_path, saved, kind) == (2, _map_data_message(saved, kind))
    # Pretty-printed, the type is on the second line: a UCDP API file is read line by line.
    pretty = tmp_path / "mli_adm1_indented.json"
    pretty.write_text(json.dumps(json.loads(saved.read_text(encoding="utf-8")), indent=2), encoding="utf-8")
    assert _ingest(cli, tmp_path, pretty, kind) == (2, _map_data_message(pretty, kind))
    with bluehelmet.open(tmp_path / "store.duckdb") as store:
        assert store.count("events") == 0


@pytest.mark.parametrize("kind", JSON_READERS)
def test_a_single_geojson_feature_given_to_a_json_reader_says_so(cli, data, tmp_path, kind):
    bamako = json.loads(data(ADM1_JSON).read_text(encoding="utf-8"))["features"][0]
    assert bamako["properties"]["admin1Name"] == "Bamako"
    saved = tmp_path / "bamako.json"
    saved.write_text(json.dumps(bamako), encoding="utf-8")
    assert _ingest(cli, tmp_path, saved, kind) == (2, _map_data_message(saved, kind))



@pytest.mark.parametrize("kind", JSON_READERS)
def test_a_geojson_saved_as_utf16_given_to_a_json_reader_says_so(cli, data, tmp_path, kind):
    # The UCDP API reader looked for the GeoJSON's type in the raw bytes, where UTF-16 has a NUL
    # between letters, and said "not a UCDP API page ... (found type, features)".
    text = data(ADM1_JSON).read_text(encoding="utf-8")
    for encoding in ("utf-16", "utf-16-le"):
        saved = tmp_path / f"mli_adm1_{encoding}.json"
        saved.write_text(text, encoding=encoding)
        assert _ingest(cli, tmp_path, saved, kind) == (2, _map_data_message(saved, kind))

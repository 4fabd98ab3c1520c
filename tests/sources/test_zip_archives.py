"""Zip archives holding one table, as UCDP publishes its yearly releases (ged251-csv.zip)."""

from __future__ import annotations

import csv
import hashlib
import zipfile

import pytest

import bluehelmet
from bluehelmet.errors import InputFileError, MissingColumnsError
from csv_rows import read_rows, write_rows

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
ACD = "ucdp_prio_acd_231/UcdpPrioConflict_v23_1.csv"
# What UCDP's own zip of GED 23.1 holds.
MEMBER = "GEDEvent_v23_1.csv"


def _zip(path, members: dict) -> object:
    """A zip at ``path`` holding ``{name: file path or bytes}``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
            else:
                archive.write(content, name)
    return path


def test_a_ged_release_zip_ingests_as_the_csv_inside(data, tmp_path, store):
    archive = _zip(tmp_path / "ged231-csv.zip", {MEMBER: data(SAMPLE)})
    report = bluehelmet.ingest(store, archive)

    with open(data(SAMPLE), encoding="utf-8", newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert (report.source_kind, report.release) == ("ucdp-ged", "23.1")  # the release from the member's name
    assert (report.rows_in, report.stored, report.rejected) == (len(ids), len(ids), 0) == (1000, 1000, 0)
    assert sorted(store.events()["source_id"]) == sorted(ids)
    assert report.file == f"{archive}/{MEMBER}"

    # The batch names the table inside the archive, with the table's own size and sha256.
    batch = store.batches().iloc[0]
    csv_bytes = data(SAMPLE).read_bytes()
    assert (batch["file_name"], batch["file_path"]) == (MEMBER, f"{archive}/{MEMBER}")
    assert batch["file_bytes"] == len(csv_bytes)
    assert batch["sha256"] == report.sha256 == hashlib.sha256(csv_bytes).hexdigest()

    # So the zip again, and the same table unzipped, are known as ingested already.
    again = bluehelmet.ingest(store, archive)
    assert again.already_ingested and again.file == f"{archive}/{MEMBER}"
    assert bluehelmet.ingest(store, data(SAMPLE)).already_ingested
    assert len(store.batches()) == 1 and store.count("events") == 1000


def test_the_table_is_found_among_read_me_files_and_folders(data, tmp_path, store):
    archive = _zip(
        tmp_path / "ucdp-prio-acd-231-csv.zip",
        {
            "readme.txt": b"UCDP/PRIO Armed Conflict Dataset version 23.1",
            "__MACOSX/acd/._UcdpPrioConflict_v23_1.csv": b"\x00\x05\x16\x07",
            "acd/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "acd/UcdpPrioConflict_v23_1.csv": data(ACD),
        },
    )
    report = bluehelmet.ingest(store, archive)
    _, rows = read_rows(data(ACD))
    assert report.source_kind == "ucdp-acd" and report.stored == len(rows) == store.count("conflicts")
    assert store.batches().iloc[0]["file_path"] == f"{archive}/acd/UcdpPrioConflict_v23_1.csv"


def test_rejected_rows_keep_their_numbers_in_the_table_inside(data, tmp_path, store):
    header, rows = read_rows(data(SAMPLE), 20)
    rows[6][header.index("date_start")] = "2019-02-30"
    table = write_rows(tmp_path / MEMBER, header, rows)
    report = bluehelmet.ingest(store, _zip(tmp_path / "ged.zip", {MEMBER: table}))
    assert (report.stored, report.rejected) == (19, 1)
    reject = store.quarantine().iloc[0]
    # Row 8: the header is row 1 and the spoiled row is the seventh data row.
    assert (reject["row_number"], reject["column_name"], reject["value"]) == (8, "date_start", "2019-02-30")


def test_zips_that_are_not_one_table_are_refused_with_what_they_hold(data, tmp_path, store):
    two = _zip(tmp_path / "two.zip", {MEMBER: data(SAMPLE), "UcdpPrioConflict_v23_1.csv": data(ACD)})
    with pytest.raises(InputFileError, match=r"2 tables inside \(GEDEvent_v23_1.csv, UcdpPrioConflict_v23_1.csv\)"):
        bluehelmet.ingest(store, two)
    none = _zip(tmp_path / "docs.zip", {"codebook.pdf": b"%PDF-1.4", "notes.md": b"# notes"})
    with pytest.raises(InputFileError, match=r"no CSV, Excel or JSON file inside \(it holds codebook.pdf, notes.md\)"):
        bluehelmet.ingest(store, none)
    damaged = tmp_path / "ged251-csv.zip"
    damaged.write_bytes(two.read_bytes()[:300])
    with pytest.raises(InputFileError, match="ged251-csv.zip: a damaged zip archive"):
        bluehelmet.ingest(store, damaged)
    assert len(store.batches()) == 0


def test_an_error_about_the_table_names_it_inside_the_archive(data, tmp_path, store):
    archive = _zip(tmp_path / "acd.zip", {"UcdpPrioConflict_v23_1.csv": data(ACD)})
    with pytest.raises(MissingColumnsError) as raised:
        bluehelmet.ingest(store, archive, "ucdp-ged")
    named = f"{archive}/UcdpPrioConflict_v23_1.csv"
    assert str(raised.value).startswith(f"{named}: not a ucdp-ged file: missing required column(s)")
    assert str(raised.value.path) == named and "bluehelmet-unzip-" not in str(raised.value)
    assert len(store.batches()) == 0 and store.count("events") == 0


def test_the_cli_reports_the_table_inside_the_archive(cli, data, tmp_path):
    archive = _zip(tmp_path / "ged231-csv.zip", {MEMBER: data(SAMPLE)})
    result = cli("--db", tmp_path / "s.duckdb", "ingest", archive)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"ged231-csv.zip/{MEMBER} as ucdp-ged -> events release 23.1"


GEOPKO_V2 = "geopko_v23_dashboard_aggregates"


def _geopko_release_zip(data, tmp_path):
    """Geo-PKO v2.3 as one zip: FrontMap, TCCMap and TTMap with the script that made them."""
    folder = data(f"{GEOPKO_V2}/FrontMap_v.2.3.csv").parent
    return _zip(tmp_path / "geopko_v2.3.zip", {f"geopko/{p.name}": p for p in sorted(folder.iterdir())})


def test_one_table_of_a_zip_of_several_is_named_inside_it(data, tmp_path, store):
    archive = _geopko_release_zip(data, tmp_path)
    with pytest.raises(InputFileError, match=r"3 tables inside .*: ingest each one you want by its name in the "
                       rf"archive, as {archive}/geopko/FrontMap_v.2.3.csv"):
        bluehelmet.ingest(store, archive)

    member = archive / "geopko" / "FrontMap_v.2.3.csv"
    report = bluehelmet.ingest(store, member)

    # The same rows as the unzipped FrontMap, contributors included: TCCMap came out beside it.
    with bluehelmet.open(tmp_path / "unzipped.duckdb") as unzipped:
        plain = bluehelmet.ingest(unzipped, data(f"{GEOPKO_V2}/FrontMap_v.2.3.csv"))
        expected = unzipped.sql("SELECT uid, contributors, native FROM un_deployments ORDER BY uid")
    assert (report.source_kind, report.rows_in, report.stored, report.merged) == (
        "geopko-v2", plain.rows_in, plain.stored, plain.merged,
    )
    got = store.sql("SELECT uid, contributors, native FROM un_deployments ORDER BY uid")
    assert got.equals(expected) and got["contributors"].notna().sum() > 4000
    assert store.batches().iloc[0]["file_path"] == f"{archive}/geopko/FrontMap_v.2.3.csv"
    assert bluehelmet.ingest(store, member).already_ingested


def test_a_table_not_in_the_zip_is_named_with_what_it_holds(data, tmp_path, store):
    archive = _geopko_release_zip(data, tmp_path)
    with pytest.raises(InputFileError, match=r"no file geopko/FrontMap.csv in the zip archive geopko_v2.3.zip "
                       r"\(it holds geopko/FrontMap_v.2.3.csv, geopko/TCCMap_v.2.3.csv, geopko/TTMap_v.2.3.csv\)"):
        bluehelmet.ingest(store, archive / "geopko" / "FrontMap.csv")
    with pytest.raises(InputFileError, match="no such file"):
        bluehelmet.ingest(store, tmp_path / "elsewhere.zip" / "FrontMap.csv")
    assert len(store.batches()) == 0


def test_the_cli_ingests_a_table_named_inside_a_zip(cli, data, tmp_path):
    archive = _geopko_release_zip(data, tmp_path)
    result = cli("--db", tmp_path / "s.duckdb", "ingest", archive / "geopko" / "FrontMap_v.2.3.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "geopko_v2.3.zip/geopko/FrontMap_v.2.3.csv as geopko-v2 -> un_deployments release 2.3"

"""GED CSVs of releases 20.1 to 25.1 (and Candidate spellings) read identically.

Real rows of the bundled 23.1 sample are rewritten under each release's file name and header,
with the value spellings that release uses, and must give the very same canonical events as
the bundled file itself.

Where each release's header comes from (public material, checked while writing this test):

- 20.1: ``ged201.csv`` inside ``ged201-csv.zip``. The R package mcgirjau/ucdp builds its data
  from that file (``data-raw/DATASET.R``): it drops ``relid, code_status, conflict_dset_id,
  dyad_dset_id, side_a_dset_id, side_b_dset_id, geom_wkt, priogrid_gid, country_id, gwnoa,
  gwnob`` and documents the 38 columns left (``R/GED.R``: id, year, active_year 1/0,
  type_of_violence, ..., deaths_civilians, best, high, low). 38 + 11 = the 49 columns of 23.1.
- 21.1: ``ged211-csv.zip``. No public copy of its full header was found; it sits between 20.1
  and 22.1, which have the same 49 columns, so it is tested with them.
- 22.1: ``GEDEvent_v22_1.csv`` (skytheacademic/who_keeps_the_peace, README: "the original csv
  file downloaded"), same 49 columns.
- 23.1: the bundled sample (1,000 official rows, all 49 columns).
- 24.1: ``GEDEvent_v24_1.csv`` in ``ged241-csv.zip`` (several public scripts read it by that
  name). The UCDP API serves the same 49 names, listed in order in a public client
  (id, relid, year, active_year, code_status, ..., best, high, low, gwnoa, gwnob).
- 25.1: ``GEDEvent_v25_1.csv`` from ``ged251-csv.zip``: 385,918 events, 49 columns
  (X57FI8W9S/TP1_EDA_GEDEvent, README).
- Candidate 26.0.x: the bundled files: the same 49 columns, ``active_year`` written
  ``true``/``false``. A Candidate file re-saved by pandas writes ``True``/``False``.

So between 20.1 and 25.1 the names did not change; what differs is the file name (and so the
release read from it), the spelling of ``active_year`` and the date format. Older or third-party
renamings (``best_est``, ``deaths_civilian``, ``adm1``) are covered by :data:`COLUMN_ALIASES`.
"""

from __future__ import annotations

import csv
import io
import json

import pyarrow.compute as pc
import pytest

import bluehelmet
from bluehelmet.errors import InputFileError
from bluehelmet.sources import detect_kind
from bluehelmet.sources.ucdp_ged import read_ged_csv

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"

GED_49 = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
    "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,"
    "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,"
    "region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,"
    "high,low,gwnoa,gwnob"
).split(",")

# (release, file name as published, header, active_year spelling, date spelling)
RELEASES = [
    ("20.1", "ged201.csv", GED_49, "1/0", "timestamp"),
    ("21.1", "ged211.csv", GED_49, "1/0", "timestamp"),
    ("22.1", "GEDEvent_v22_1.csv", GED_49, "1/0", "timestamp"),
    ("23.1", "GEDEvent_v23_1.csv", GED_49, "1/0", "timestamp"),
    ("24.1", "GEDEvent_v24_1.csv", GED_49, "1/0", "timestamp"),
    ("25.1", "GEDEvent_v25_1.csv", GED_49, "1/0", "date"),
    ("26.0.1", "GEDEvent_v26_0_1.csv", GED_49, "true/false", "timestamp"),
    ("26.0.2", "GEDEvent_v26_0_2_resaved.csv", GED_49, "True/False", "date"),
]

# Renamings seen in older or third-party GED files, mapped by COLUMN_ALIASES.
OLD_NAMES = {"best": "best_est", "low": "low_est", "high": "high_est", "deaths_civilians": "deaths_civilian", "adm_1": "adm1"}

COMPARED = ["uid", "source_id", "date_start", "date_end", "date_precision", "latitude", "longitude",
            "location_precision", "country_iso3", "admin1_name", "priogrid_gid", "violence_category",
            "side_a", "side_b", "deaths_best", "deaths_low", "deaths_high", "deaths_civilians",
            "deaths_a", "deaths_b", "deaths_unknown", "conflict_source_id", "headline", "sources", "source_count"]


@pytest.fixture(scope="module")
def sample_rows():
    from bluehelmet.data import bundled

    with open(bundled(SAMPLE), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows


@pytest.fixture(scope="module")
def reference():
    from bluehelmet.data import bundled

    return read_ged_csv(bundled(SAMPLE)).arrow().sort_by("uid")


def _active(value: str, style: str) -> str:
    if style == "1/0" or value == "":
        return value
    true, false = style.split("/")
    return true if value == "1" else false


def _write(tmp_path, name, header, rows, *, active_style="1/0", date_style="timestamp", renames=None):
    renames = renames or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([renames.get(h, h) for h in header])
    for row in rows:
        out = []
        for h in header:
            value = row[h]
            if h == "active_year":
                value = _active(value, active_style)
            if h in ("date_start", "date_end") and date_style == "date":
                value = value[:10]
            out.append(value)
        writer.writerow(out)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_sample_has_the_49_columns_and_both_active_year_values(sample_rows):
    # Guards the premise of the tests below: real rows with active_year 1 and 0.
    assert list(sample_rows[0]) == GED_49
    assert {r["active_year"] for r in sample_rows} == {"0", "1"}


@pytest.mark.parametrize("release, name, header, active_style, date_style", RELEASES, ids=[r[0] for r in RELEASES])
def test_release_reads_like_the_bundled_sample(tmp_path, sample_rows, reference, release, name, header, active_style, date_style):
    path = _write(tmp_path, name, header, sample_rows, active_style=active_style, date_style=date_style)
    result = read_ged_csv(path)
    assert result.release == release
    assert result.rejects.num_rows == 0
    records = result.arrow().sort_by("uid")
    assert records.num_rows == len(sample_rows)
    for column in COMPARED:
        assert records.column(column).to_pylist() == reference.column(column).to_pylist(), column
    # Every unmapped column is kept as the file wrote it: active_year in this release's spelling.
    natives = [json.loads(n) for n in records.column("native").to_pylist()]
    expected = [json.loads(n) for n in reference.column("native").to_pylist()]
    for native, original in zip(natives, expected):
        assert native.pop("active_year") == _active(original.pop("active_year"), active_style)
    assert natives == expected
    candidate = release.count(".") == 2
    assert set(records.column("source").to_pylist()) == {"ucdp-candidate" if candidate else "ucdp-ged"}


@pytest.mark.parametrize("release, name, header, active_style, date_style", RELEASES, ids=[r[0] for r in RELEASES])
def test_release_detected_from_header_and_name(tmp_path, sample_rows, release, name, header, active_style, date_style):
    path = _write(tmp_path, name, header, sample_rows[:3], active_style=active_style, date_style=date_style)
    assert detect_kind(path).name == ("ucdp-candidate" if release.count(".") == 2 else "ucdp-ged")


def test_reordered_and_renamed_columns_read_the_same(tmp_path, sample_rows, reference):
    header = list(reversed(GED_49))
    path = _write(tmp_path, "ged_v23_1_oldnames.csv", header, sample_rows, renames=OLD_NAMES)
    records = read_ged_csv(path).arrow().sort_by("uid")
    for column in ("deaths_best", "deaths_low", "deaths_high", "deaths_civilians", "admin1_name", "date_start"):
        assert records.column(column).to_pylist() == reference.column(column).to_pylist(), column


def test_an_upper_case_header_reads_like_the_original(store, tmp_path, sample_rows):
    # A spreadsheet re-save that upper-cases the header (ID, BEST, DATE_START) changes no event.
    upper = {h: h.upper() for h in GED_49}
    path = _write(tmp_path, "GEDEvent_v23_1_upper.csv", GED_49, sample_rows[:50], renames=upper)
    assert detect_kind(path).name == "ucdp-ged"
    report = bluehelmet.ingest(store, path)
    assert (report.rows_in, report.stored, report.rejected) == (50, 50, 0)
    stored = store.sql("SELECT uid, deaths_best, native FROM events ORDER BY uid")
    first = sample_rows[0]
    row = stored.set_index("uid").loc[f"ucdp:{first['id']}"]
    assert row["deaths_best"] == int(first["best"])
    # Columns kept in native keep GED's own names, so the original file is the same content.
    assert json.loads(row["native"])["relid"] == first["relid"]
    original = bluehelmet.ingest(store, _write(tmp_path, "GEDEvent_v23_1.csv", GED_49, sample_rows[:50]))
    assert (original.stored, original.updated, original.unchanged) == (0, 0, 50)


def test_two_columns_that_read_as_one_name_are_refused(tmp_path, sample_rows):
    header = [*GED_49, "best_est"]
    rows = [{**r, "best_est": r["best"]} for r in sample_rows[:3]]
    path = _write(tmp_path, "GEDEvent_v23_1.csv", header, rows, renames={"best_est": "BEST_EST"})
    with pytest.raises(InputFileError, match="the columns 'best' and 'BEST_EST' both read as 'best'"):
        read_ged_csv(path)


def test_unknown_active_year_spelling_is_quarantined(store, tmp_path, sample_rows):
    rows = [dict(r) for r in sample_rows[:4]]
    rows[2]["active_year"] = "maybe"
    path = _write(tmp_path, "GEDEvent_v24_1.csv", GED_49, rows)
    report = bluehelmet.ingest(store, path)
    assert (report.stored, report.rejected) == (3, 1)
    q = store.quarantine(report.batch_id)
    assert q["row_number"].tolist() == [4]
    assert q["column_name"][0] == "active_year" and q["value"][0] == "maybe"


def test_newer_release_revises_older_and_keeps_history(store, tmp_path, sample_rows):
    older = _write(tmp_path, "ged201.csv", GED_49, sample_rows[:20])
    revised = [dict(r) for r in sample_rows[:20]]
    revised[0]["best"] = str(int(revised[0]["best"]) + 5)
    revised[0]["high"] = str(max(int(revised[0]["high"]), int(revised[0]["best"])))
    newer = _write(tmp_path, "GEDEvent_v25_1.csv", GED_49, revised, date_style="date")
    bluehelmet.ingest(store, older)
    report = bluehelmet.ingest(store, newer)
    assert (report.stored, report.updated, report.unchanged) == (0, 1, 19)
    uid = f"ucdp:{revised[0]['id']}"
    assert list(store.event_history(uid)["release"]) == ["20.1", "25.1"]
    stored = store.sql("SELECT deaths_best, release FROM events WHERE uid = ?", [uid])
    assert stored["deaths_best"][0] == int(revised[0]["best"]) and stored["release"][0] == "25.1"
    # The untouched rows are unchanged: the date format and the file name alone change nothing.
    assert pc.sum(pc.equal(read_ged_csv(newer).arrow().column("release"), "25.1")).as_py() == 20

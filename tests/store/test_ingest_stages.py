"""An ingest names each stage as it begins, for the CLI to show while a big file is worked on."""

from __future__ import annotations

from pathlib import Path

import bluehelmet

GED = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"
ACLED = Path(__file__).parents[1] / "sources" / "fixtures" / "acled" / "mali_dyadic_2023.csv"
# The steps run in the order their layers were imported, which a test run does not fix.
STEPS = ["actors", "admin-units"]


def test_streamed_and_read_files_name_their_stages(store, data):
    stages: list[str] = []
    bluehelmet.ingest(store, data(GED), progress=stages.append)
    # GED is written while it is read; ACLED is read, then written.
    assert stages[:1] == ["reading and writing"] and sorted(stages[1:]) == STEPS
    stages.clear()
    report = bluehelmet.ingest(store, ACLED, progress=stages.append)
    assert report.stored == 11
    assert stages[:2] == ["reading", "writing"] and sorted(stages[2:]) == STEPS


def test_a_file_already_in_goes_through_no_stage(store, data):
    bluehelmet.ingest(store, data(GED))
    stages: list[str] = []
    report = bluehelmet.ingest(store, data(GED), progress=stages.append)
    assert report.already_ingested and stages == []

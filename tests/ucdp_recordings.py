"""Recorded UCDP API pages and GED zips, built from real rows of the bundled GED 23.1 sample.

The API serves each GED event as a JSON object with the CSV's column names; numbers are JSON
numbers, ``active_year`` a JSON boolean, empty fields null, dates ``YYYY-MM-DDT00:00:00``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from bluehelmet.data import bundled

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"

INTEGER_FIELDS = {
    "id", "year", "type_of_violence", "conflict_dset_id", "conflict_new_id", "dyad_dset_id", "dyad_new_id",
    "side_a_dset_id", "side_a_new_id", "side_b_dset_id", "side_b_new_id", "number_of_sources", "where_prec",
    "priogrid_gid", "country_id", "event_clarity", "date_prec", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low",
}
FLOAT_FIELDS = {"latitude", "longitude"}


def sample_rows() -> list[dict[str, str]]:
    """The bundled sample's rows, as text, in file order."""
    with open(bundled(SAMPLE), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def api_event(row: dict[str, str]) -> dict:
    """A sample row as the UCDP API serves an event."""
    event: dict = {}
    for key, value in row.items():
        if value == "":
            event[key] = None
        elif key == "active_year":
            event[key] = value.lower() in ("1", "true")
        elif key in INTEGER_FIELDS and re.fullmatch(r"-?\d+", value):
            event[key] = int(value)
        elif key in FLOAT_FIELDS:
            event[key] = float(value)
        elif key in ("date_start", "date_end"):
            event[key] = value[:10] + "T00:00:00"
        else:
            event[key] = value
    return event


def api_pages(rows: list[dict[str, str]], *, version: str, base_url: str, pagesize: int) -> list[dict]:
    """The pages the API returns for ``rows``, NextPageUrl pointing at ``base_url``."""
    events = [api_event(r) for r in rows]
    chunks = [events[i : i + pagesize] for i in range(0, len(events), pagesize)]
    pages = []
    for number, chunk in enumerate(chunks):
        url = f"{base_url}/api/gedevents/{version}?pagesize={pagesize}&page="
        pages.append(
            {
                "TotalCount": len(events),
                "TotalPages": len(chunks),
                "PreviousPageUrl": f"{url}{number - 1}" if number > 0 else "",
                "NextPageUrl": f"{url}{number + 1}" if number + 1 < len(chunks) else "",
                "Result": chunk,
            }
        )
    return pages


def ged_zip(rows: list[dict[str, str]], csv_name: str) -> bytes:
    """A GED release zip holding ``rows`` as the CSV ``csv_name`` (the official layout)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(csv_name, text.getvalue())
    return buffer.getvalue()


def dumps(page: dict) -> str:
    return json.dumps(page, ensure_ascii=False)

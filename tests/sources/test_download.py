"""Downloads against a real local HTTP server playing recorded UCDP responses.

The recorded zip and API pages are built from real rows of the bundled GED 23.1 sample.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from bluehelmet.sources.download import DownloadError, download_ged_csv, fetch_ucdp_api, ged_download_url
from bluehelmet.sources.ucdp_api import read_ucdp_api_json
from bluehelmet.sources.ucdp_ged import read_ged_csv
from recorded_http import RecordedServer
from ucdp_recordings import api_pages, dumps, ged_zip, sample_rows

TOKEN = "tok-3f9a1c77e2b8"


@pytest.fixture
def server():
    with RecordedServer() as running:
        yield running


def test_download_urls_follow_ucdp_naming():
    assert ged_download_url("25.1") == "https://ucdp.uu.se/downloads/ged/ged251-csv.zip"
    assert ged_download_url("20.1", "http://mirror/") == "http://mirror/ged/ged201-csv.zip"
    assert ged_download_url("26.0.12") == "https://ucdp.uu.se/downloads/candidateged/GEDEvent_v26_0_12.csv"
    with pytest.raises(DownloadError, match="not a GED release"):
        ged_download_url("2025")


def test_zip_download_with_progress_checksum_and_csv(server, tmp_path):
    rows = sample_rows()
    payload = ged_zip(rows, "GEDEvent_v23_1.csv")
    server.add("/ged/ged231-csv.zip", payload)
    calls = []
    got = download_ged_csv("23.1", out_dir=tmp_path, base_url=server.url, progress=lambda d, t: calls.append((d, t)))
    expected = hashlib.sha256(payload).hexdigest()
    assert got.sha256 == expected and got.bytes == len(payload)
    assert calls[-1] == (len(payload), len(payload)) and len(calls) >= 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert got.path == tmp_path / "ged231-csv.zip" and got.path.read_bytes() == payload
    assert (tmp_path / "ged231-csv.zip.sha256").read_text() == f"{expected}  ged231-csv.zip\n"
    assert got.csv_path == tmp_path / "GEDEvent_v23_1.csv"
    assert len(pd.read_csv(got.csv_path)) == len(rows)
    assert read_ged_csv(got.csv_path).release == "23.1"
    # The expected checksum, given, passes.
    again = download_ged_csv("23.1", out_dir=tmp_path / "b", base_url=server.url, sha256=expected.upper())
    assert again.sha256 == expected


def test_checksum_mismatch_deletes_the_download(server, tmp_path):
    server.add("/ged/ged231-csv.zip", ged_zip(sample_rows()[:50], "GEDEvent_v23_1.csv"))
    wrong = "0" * 64
    with pytest.raises(DownloadError, match=f"checksum mismatch: expected SHA-256 {wrong}, got [0-9a-f]{{64}}; the downloaded file was deleted"):
        download_ged_csv("23.1", out_dir=tmp_path, base_url=server.url, sha256=wrong)
    assert list(tmp_path.iterdir()) == []


def test_zip_download_retries_a_server_error(server, tmp_path):
    payload = ged_zip(sample_rows()[:10], "GEDEvent_v24_1.csv")
    server.add("/ged/ged241-csv.zip", b"busy", status=502)
    server.add("/ged/ged241-csv.zip", payload)
    got = download_ged_csv("24.1", out_dir=tmp_path, base_url=server.url, backoff=0.01)
    assert got.sha256 == hashlib.sha256(payload).hexdigest()
    assert len(server.requests) == 2


def test_missing_release_is_a_clear_error(server, tmp_path):
    with pytest.raises(DownloadError, match="ged991-csv.zip: not found .HTTP 404.; check the release number"):
        download_ged_csv("99.1", out_dir=tmp_path, base_url=server.url, backoff=0.01)
    assert list(tmp_path.iterdir()) == []


def test_api_pagination_token_and_file(server, tmp_path):
    rows = sample_rows()[:250]
    pages = api_pages(rows, version="23.1", base_url=server.url, pagesize=100)
    server.add("/api/gedevents/23.1?pagesize=100&Country=432", dumps(pages[0]))
    server.add("/api/gedevents/23.1?pagesize=100&page=1", dumps(pages[1]))
    server.add("/api/gedevents/23.1?pagesize=100&page=2", dumps(pages[2]))
    calls = []
    got = fetch_ucdp_api(
        "23.1", TOKEN, base_url=server.url, filters={"Country": "432"}, out_dir=tmp_path, pagesize=100,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert [r.path for r in server.requests] == [
        "/api/gedevents/23.1?pagesize=100&Country=432",
        "/api/gedevents/23.1?pagesize=100&page=1",
        "/api/gedevents/23.1?pagesize=100&page=2",
    ]
    assert all(r.headers.get("x-ucdp-access-token") == TOKEN for r in server.requests)
    assert (got.pages, got.events, got.total_count) == (3, 250, 250)
    assert calls == [(100, 250), (200, 250), (250, 250)]
    assert got.path == tmp_path / "ucdp-api-gedevents-v23.1-Country-432.jsonl"
    text = got.path.read_text(encoding="utf-8")
    assert TOKEN not in text and len(text.splitlines()) == 3
    assert hashlib.sha256(got.path.read_bytes()).hexdigest() == got.sha256
    events = read_ucdp_api_json(got.path).arrow()
    assert sorted(events.column("source_id").to_pylist()) == sorted(r["id"] for r in rows)


def test_next_page_on_another_host_stays_on_the_api_host(server, tmp_path):
    rows = sample_rows()[:60]
    # The recorded pages point at the public API; the token must not leave for it.
    pages = api_pages(rows, version="23.1", base_url="https://ucdpapi.pcr.uu.se", pagesize=30)
    server.add("/api/gedevents/23.1?pagesize=30", dumps(pages[0]))
    server.add("/api/gedevents/23.1?pagesize=30&page=1", dumps(pages[1]))
    got = fetch_ucdp_api("23.1", TOKEN, base_url=server.url, out_dir=tmp_path, pagesize=30, backoff=0.01, retries=0)
    assert got.events == 60 and len(server.requests) == 2


def test_api_retries_503_then_succeeds(server, tmp_path):
    page = api_pages(sample_rows()[:20], version="23.1", base_url=server.url, pagesize=20)[0]
    server.add("/api/gedevents/23.1", "Service Unavailable", status=503)
    server.add("/api/gedevents/23.1", dumps(page))
    got = fetch_ucdp_api("23.1", TOKEN, base_url=server.url, out_dir=tmp_path, pagesize=20, backoff=0.01)
    assert got.events == 20 and len(server.requests) == 2
    assert all(r.headers.get("x-ucdp-access-token") == TOKEN for r in server.requests)


def test_api_retries_a_time_out(server, tmp_path):
    page = api_pages(sample_rows()[:5], version="23.1", base_url=server.url, pagesize=5)[0]
    server.add("/api/gedevents/23.1", dumps(page), delay=1.0)
    server.add("/api/gedevents/23.1", dumps(page))
    got = fetch_ucdp_api("23.1", TOKEN, base_url=server.url, out_dir=tmp_path, pagesize=5, backoff=0.01, timeout=0.3)
    assert got.events == 5 and len(server.requests) == 2


def test_api_gives_up_after_persistent_503(server, tmp_path):
    server.add("/api/gedevents/23.1", "Service Unavailable", status=503)
    with pytest.raises(DownloadError, match="kept failing .HTTP 503. after 3 attempts"):
        fetch_ucdp_api("23.1", TOKEN, base_url=server.url, out_dir=tmp_path, retries=2, backoff=0.01)
    assert len(server.requests) == 3 and list(tmp_path.iterdir()) == []


def test_api_refused_token_is_clear_and_never_shown(server, tmp_path):
    server.add("/api/gedevents/25.1", json.dumps({"message": f"invalid token {TOKEN}"}), status=401)
    with pytest.raises(DownloadError) as info:
        fetch_ucdp_api("25.1", TOKEN, base_url=server.url, out_dir=tmp_path, backoff=0.01)
    message = str(info.value)
    assert "refused the access token (HTTP 401)" in message and "$UCDP_TOKEN" in message
    assert TOKEN not in message
    assert len(server.requests) == 1  # a refusal is not retried
    assert list(tmp_path.iterdir()) == []


def test_api_answer_that_is_not_a_page(server, tmp_path):
    server.add("/api/gedevents/23.1", "<html>maintenance</html>")
    with pytest.raises(DownloadError, match="not JSON"):
        fetch_ucdp_api("23.1", TOKEN, base_url=server.url, out_dir=tmp_path)


def test_api_arguments_checked_before_any_request(tmp_path):
    with pytest.raises(DownloadError, match="no UCDP API token"):
        fetch_ucdp_api("23.1", " ", base_url="http://127.0.0.1:9", out_dir=tmp_path)
    with pytest.raises(DownloadError, match="pagesize 5000"):
        fetch_ucdp_api("23.1", TOKEN, base_url="http://127.0.0.1:9", out_dir=tmp_path, pagesize=5000)

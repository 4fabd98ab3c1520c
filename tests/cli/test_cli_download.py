"""``bluehelmet download ucdp-ged`` and ``ucdp-api`` against a local recorded server."""

from __future__ import annotations

import hashlib

import pytest

from recorded_http import RecordedServer
from ucdp_recordings import api_pages, dumps, ged_zip, sample_rows

TOKEN = "cli-token-88d0e5"


@pytest.fixture
def server():
    with RecordedServer() as running:
        yield running


def test_download_group_lists_its_commands(cli):
    result = cli("download", "--help")
    assert result.exit_code == 0
    assert "ucdp-ged" in result.stdout and "ucdp-api" in result.stdout


def test_ucdp_ged_prints_path_and_checksum_then_ingests(cli, server, tmp_path):
    payload = ged_zip(sample_rows()[:100], "GEDEvent_v25_1.csv")
    server.add("/ged/ged251-csv.zip", payload)
    digest = hashlib.sha256(payload).hexdigest()
    result = cli("download", "ucdp-ged", "--version", "25.1", "--out", tmp_path, "--base-url", server.url)
    assert result.exit_code == 0, result.stderr
    assert str(tmp_path / "ged251-csv.zip") in result.stdout and digest in result.stdout
    assert str(tmp_path / "GEDEvent_v25_1.csv") in result.stdout
    db = tmp_path / "s.duckdb"
    ingested = cli("--db", db, "ingest", tmp_path / "GEDEvent_v25_1.csv", "--json").json()
    assert (ingested["stored"], ingested["release"], ingested["source_kind"]) == (100, "25.1", "ucdp-ged")


def test_ucdp_ged_json_and_checksum_mismatch(cli, server, tmp_path):
    payload = ged_zip(sample_rows()[:10], "GEDEvent_v25_1.csv")
    server.add("/ged/ged251-csv.zip", payload)
    ok = cli("download", "ucdp-ged", "-v", "25.1", "-o", tmp_path / "a", "--base-url", server.url,
             "--sha256", hashlib.sha256(payload).hexdigest(), "--json")
    assert ok.exit_code == 0, ok.stderr
    assert ok.json()["sha256"] == hashlib.sha256(payload).hexdigest() and ok.json()["bytes"] == len(payload)
    bad = cli("download", "ucdp-ged", "-v", "25.1", "-o", tmp_path / "b", "--base-url", server.url, "--sha256", "ab" * 32)
    assert bad.exit_code == 2
    assert "checksum mismatch" in bad.stderr and "deleted" in bad.stderr
    assert list((tmp_path / "b").iterdir()) == []


def test_ucdp_api_token_from_environment(cli, server, tmp_path, monkeypatch):
    page = api_pages(sample_rows()[:40], version="25.1", base_url=server.url, pagesize=1000)[0]
    server.add("/api/gedevents/25.1", dumps(page))
    monkeypatch.setenv("UCDP_TOKEN", TOKEN)
    result = cli("download", "ucdp-api", "--version", "25.1", "--country", "432", "--out", tmp_path, "--base-url", server.url, "--json")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].headers["x-ucdp-access-token"] == TOKEN
    assert server.requests[0].path == "/api/gedevents/25.1?pagesize=1000&Country=432"
    report = result.json()
    assert report["events"] == 40 and TOKEN not in result.stdout + result.stderr


def test_ucdp_api_refused_token_exit_2_without_the_token(cli, server, tmp_path):
    server.add("/api/gedevents/25.1", "denied", status=403)
    result = cli("download", "ucdp-api", "--version", "25.1", "--token", TOKEN, "--out", tmp_path, "--base-url", server.url)
    assert result.exit_code == 2
    assert "refused the access token (HTTP 403)" in result.stderr
    assert TOKEN not in result.stderr + result.stdout

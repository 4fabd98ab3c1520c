"""ACLED API download against a real local HTTP server serving pages written for the tests."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import bluehelmet
from bluehelmet.cli.download_acled import register
from bluehelmet.errors import InvalidRequestError
from bluehelmet.sources.acled_api import AcledApiError, download_acled

PAGES = Path(__file__).parent / "fixtures" / "acled" / "api"
KEY = "k3y-Zx9!q"
EMAIL = "analyst@mission.example.org"


class AcledServer:
    """A local stand-in for /acled/read: pages by ``page``, credentials checked, failures on demand."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.fail: dict[int, int] = {}  # page -> how many 503s to answer before the page
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                query = parse_qs(urlparse(self.path).query)
                server.requests.append(query)
                page = int(query.get("page", ["1"])[0])
                if query.get("key") != [KEY] or query.get("email") != [EMAIL]:
                    text = (PAGES / "auth_error.json").read_text()
                    text = text.replace("KEY_PLACEHOLDER", query.get("key", [""])[0]).replace(
                        "EMAIL_PLACEHOLDER", query.get("email", [""])[0])
                    return self._send(403, text)
                if server.fail.get(page, 0) > 0:
                    server.fail[page] -= 1
                    return self._send(503, "<html>Service Unavailable</html>")
                path = PAGES / f"page{page}.json"
                self._send(200, path.read_text() if path.exists() else (PAGES / "page3.json").read_text())

            def _send(self, status, text):
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/acled/read"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with AcledServer() as s:
        yield s


def _page_rows(n: int) -> list[dict]:
    return json.loads((PAGES / f"page{n}.json").read_text())["data"]


def test_download_pages_until_empty_and_ingest(server, tmp_path, store):
    out = tmp_path / "mali.json"
    summary = download_acled(out, country="Mali", date_from="2022-01-01", date_to="2022-12-31",
                             key=KEY, email=EMAIL, base_url=server.url, limit=3, backoff=0)
    expected = _page_rows(1) + _page_rows(2)
    assert summary.rows == len(expected) == 5 and summary.pages == 2
    assert [q["page"] for q in server.requests] == [["1"], ["2"], ["3"]]
    first = server.requests[0]
    assert first["key"] == [KEY] and first["email"] == [EMAIL]
    assert first["country"] == ["Mali"] and first["limit"] == ["3"]
    assert first["event_date"] == ["2022-01-01|2022-12-31"] and first["event_date_where"] == ["BETWEEN"]
    text = out.read_text()
    assert KEY not in text and EMAIL not in text
    assert json.loads(text)["query"] == {"country": "Mali", "event_date": "2022-01-01|2022-12-31", "event_date_where": "BETWEEN"}

    report = bluehelmet.ingest(store, out)
    assert report.source_kind == "acled" and report.rows_in == report.stored == 5
    events = store.sql("SELECT * FROM events ORDER BY uid").set_index("source_id")
    rows = pd.DataFrame(expected).set_index("event_id_cnty")
    assert (events.loc[rows.index, "deaths_best"] == rows["fatalities"].astype(int)).all()
    assert events.loc["MLI3002", "violence_category"] == "one_sided"
    assert events.loc["MLI3003", "violence_category"] == "state_based"
    assert report.release == pd.to_datetime(rows["timestamp"].max(), unit="s").date().isoformat()
    batches = store.batches()
    assert not batches.astype(str).apply(lambda col: col.str.contains(KEY, regex=False)).any().any()


def test_server_errors_are_retried(server, tmp_path):
    server.fail[2] = 2
    summary = download_acled(tmp_path / "m.json", country="Mali", key=KEY, email=EMAIL,
                             base_url=server.url, retries=3, backoff=0)
    assert summary.rows == 5
    assert [q["page"][0] for q in server.requests] == ["1", "2", "2", "2", "3"]


def test_persistent_server_error_fails_clearly(server, tmp_path):
    server.fail[1] = 10
    with pytest.raises(AcledApiError, match="failed on page 1 after 3 attempts \\(HTTP 503\\)"):
        download_acled(tmp_path / "m.json", key=KEY, email=EMAIL, base_url=server.url, retries=2, backoff=0)
    assert not (tmp_path / "m.json").exists()


def test_auth_error_never_shows_the_credentials(server, tmp_path, caplog):
    wrong = "wr0ng-key-123"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AcledApiError) as caught:
        download_acled(tmp_path / "m.json", country="Mali", key=wrong, email=EMAIL, base_url=server.url, backoff=0)
    message = str(caught.value)
    assert "refused the credentials (HTTP 403)" in message and "Access denied" in message
    assert wrong not in message and EMAIL not in message and "***" in message
    # The HTTP library logs each request URL: the key is masked there too.
    assert "HTTP Request" in caplog.text and wrong not in caplog.text and EMAIL not in caplog.text


def test_missing_credentials_and_bad_period(monkeypatch, tmp_path):
    monkeypatch.delenv("ACLED_KEY", raising=False)
    monkeypatch.delenv("ACLED_EMAIL", raising=False)
    with pytest.raises(AcledApiError, match="set ACLED_KEY \\(--key\\) and ACLED_EMAIL"):
        download_acled(tmp_path / "m.json")
    with pytest.raises(InvalidRequestError, match="wrong order"):
        download_acled(tmp_path / "m.json", key=KEY, email=EMAIL, date_from="2022-12-31", date_to="2022-01-01")


def test_download_command_with_credentials_from_the_environment(server, tmp_path):
    app = typer.Typer()
    download_app = typer.Typer()
    register(download_app)
    app.add_typer(download_app, name="download")
    out = tmp_path / "mali.json"
    result = CliRunner().invoke(
        app,
        ["download", "acled", "--country", "Mali", "--from", "2022-01-01", "--to", "2022-12-31", "--out", str(out),
         "--base-url", server.url],
        env={"ACLED_KEY": KEY, "ACLED_EMAIL": EMAIL},
    )
    assert result.exit_code == 0, result.output
    assert "wrote 5 events in 2 page(s)" in result.output and KEY not in result.output
    assert len(json.loads(out.read_text())["data"]) == 5
    assert server.requests[0]["key"] == [KEY]

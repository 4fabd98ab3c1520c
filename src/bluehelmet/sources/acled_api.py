"""Downloading ACLED events from its API into a JSON file the ``acled`` reader ingests.

The API (``/acled/read``) takes the account's key and e-mail as query parameters and answers
``{"status": 200, "success": true, "count": N, "data": [...rows as in the CSV export...]}``.
:func:`download_acled` asks for one page after another (``page``, ``limit``) until a page comes
back empty, retries server errors, and saves every row in one file shaped like an API answer,
so :func:`bluehelmet.sources.acled.read_acled` reads it with the very mapping it uses for CSV.

The key and e-mail never leave this module except in the request itself: they are not saved
in the file, not shown in errors, and masked in the log lines of the HTTP library.

>>> summary = download_acled("mali-2022.json", country="Mali",          # doctest: +SKIP
...                          date_from="2022-01-01", date_to="2022-12-31")
>>> summary.rows, summary.pages                                       # doctest: +SKIP
(1873, 1)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote, quote_plus

import httpx

from bluehelmet.errors import BluehelmetError, InvalidRequestError

DEFAULT_URL = "https://api.acleddata.com/acled/read"
DEFAULT_LIMIT = 5000
MAX_PAGES = 10_000
_MASK = "***"


class AcledApiError(BluehelmetError):
    """The ACLED API refused or failed a request; the message never contains the credentials."""


@dataclass(frozen=True)
class Credentials:
    """An ACLED account's access key and e-mail. ``repr`` hides both."""

    key: str
    email: str

    def __repr__(self) -> str:
        return "Credentials(key=***, email=***)"

    def redact(self, text: str) -> str:
        """``text`` with the key and e-mail (plain or URL-encoded) masked."""
        for secret in (self.key, self.email):
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                if form:
                    text = text.replace(form, _MASK)
        return text


def credentials(key: str | None = None, email: str | None = None) -> Credentials:
    """The credentials given, else those of ``$ACLED_KEY`` and ``$ACLED_EMAIL``."""
    key = key or os.environ.get("ACLED_KEY")
    email = email or os.environ.get("ACLED_EMAIL")
    missing = [name for name, value in (("ACLED_KEY (--key)", key), ("ACLED_EMAIL (--email)", email)) if not value]
    if missing:
        raise AcledApiError(
            f"no ACLED credentials: set {' and '.join(missing)}; an access key comes with an ACLED account"
        )
    return Credentials(key.strip(), email.strip())


@dataclass
class DownloadSummary:
    """What :func:`download_acled` fetched."""

    path: Path
    pages: int
    rows: int
    query: dict


def query_parameters(
    country: str | None = None, date_from: str | None = None, date_to: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, str]:
    """The API's filter parameters (without credentials or page) for a country and period."""
    params: dict[str, str] = {"limit": str(limit)}
    if country:
        params["country"] = country
    start = _iso_date(date_from, "--from") if date_from else None
    end = _iso_date(date_to, "--to") if date_to else None
    if start and end and start > end:
        raise InvalidRequestError(f"the period is in the wrong order: from {start} is after to {end}")
    if start and end:
        params["event_date"] = f"{start}|{end}"
        params["event_date_where"] = "BETWEEN"
    elif start:
        params["event_date"] = start
        params["event_date_where"] = ">="
    elif end:
        params["event_date"] = end
        params["event_date_where"] = "<="
    return params


def fetch_pages(
    params: dict[str, str],
    creds: Credentials,
    *,
    base_url: str = DEFAULT_URL,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 120.0,
    on_page: Callable[[int, int], None] | None = None,
) -> Iterator[list[dict]]:
    """Yield the ``data`` of page 1, 2, ... until a page is empty.

    Server errors (5xx) and broken connections are retried ``retries`` times, waiting
    ``backoff``, then twice as long, and so on. ``on_page(page, rows)`` reports progress.
    """
    with _masked_http_logs(creds), httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for page in range(1, MAX_PAGES + 1):
            request = {**params, "key": creds.key, "email": creds.email, "page": str(page)}
            rows = _get_page(client, base_url, request, creds, retries=retries, backoff=backoff, page=page)
            if on_page:
                on_page(page, len(rows))
            if not rows:
                return
            yield rows
    raise AcledApiError(f"the ACLED API kept returning rows after {MAX_PAGES} pages; narrow the query")


def download_acled(
    out: str | Path,
    *,
    country: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    limit: int = DEFAULT_LIMIT,
    retries: int = 3,
    backoff: float = 1.0,
    on_page: Callable[[int, int], None] | None = None,
) -> DownloadSummary:
    """Download every event matching the filters into ``out`` (JSON, API-answer shaped).

    Parameters
    ----------
    out:
        The file to write; ingest it with ``bluehelmet ingest FILE`` (kind ``acled``).
    country, date_from, date_to:
        ACLED's country name (``Mali``) and the period of ``event_date`` (``YYYY-MM-DD``).
    key, email:
        The account's credentials; ``$ACLED_KEY`` and ``$ACLED_EMAIL`` by default.
    base_url:
        The ``/acled/read`` endpoint; ``$ACLED_API_URL`` or ACLED's public address by default.
    """
    creds = credentials(key, email)
    params = query_parameters(country, date_from, date_to, limit)
    url = base_url or os.environ.get("ACLED_API_URL") or DEFAULT_URL
    rows: list[dict] = []
    pages = 0
    for page_rows in fetch_pages(params, creds, base_url=url, retries=retries, backoff=backoff, on_page=on_page):
        pages += 1
        rows.extend(page_rows)
    query = {k: v for k, v in params.items() if k != "limit"}
    document = {
        "source": "ACLED API",
        "endpoint": url,
        "query": query,
        "downloaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "success": True,
        "count": len(rows),
        "data": rows,
    }
    from bluehelmet.exports.output_path import prepare_output

    out = prepare_output(out)
    text = json.dumps(document, ensure_ascii=False, indent=1)
    out.write_text(creds.redact(text) if creds.key in text or creds.email in text else text, encoding="utf-8")
    return DownloadSummary(path=out, pages=pages, rows=len(rows), query=query)


def _get_page(client, url, request, creds, *, retries, backoff, page) -> list[dict]:
    last_problem = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            response = client.get(url, params=request)
        except httpx.HTTPError as exc:
            # httpx messages can quote the URL, which carries the key: mask before keeping.
            last_problem = creds.redact(f"{type(exc).__name__}: {exc}")
            continue
        if response.status_code >= 500:
            last_problem = f"HTTP {response.status_code}"
            continue
        return _page_rows(response, creds, page)
    raise AcledApiError(f"the ACLED API failed on page {page} after {retries + 1} attempts ({last_problem})")


def _page_rows(response: httpx.Response, creds: Credentials, page: int) -> list[dict]:
    try:
        body = response.json()
    except ValueError:
        body = None
    message = creds.redact(_error_message(body) or response.text[:300])
    if response.status_code in (401, 403):
        raise AcledApiError(
            f"the ACLED API refused the credentials (HTTP {response.status_code}): {message}. "
            "Check ACLED_KEY and ACLED_EMAIL (the e-mail of the account the key belongs to)"
        )
    if response.status_code >= 400:
        raise AcledApiError(f"the ACLED API rejected the request (HTTP {response.status_code}): {message}")
    if not isinstance(body, dict):
        raise AcledApiError(f"the ACLED API answered page {page} with something other than JSON: {message[:200]}")
    if body.get("success") in (False, 0, "0", "false") or _error_message(body):
        status = body.get("status")
        refused = status in (401, 403, "401", "403")
        raise AcledApiError(
            f"the ACLED API {'refused the credentials' if refused else 'reported an error'}"
            f"{f' (status {status})' if status else ''}: {message}"
        )
    data = body.get("data")
    if not isinstance(data, list):
        raise AcledApiError(f"the ACLED API answer for page {page} has no data list")
    return [row for row in data if isinstance(row, dict)]


def _error_message(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error)
    if error:
        return str(error)
    if body.get("success") in (False, 0, "0", "false"):
        return str(body.get("message") or "no message")
    return None


class _RedactingFilter(logging.Filter):
    def __init__(self, creds: Credentials) -> None:
        super().__init__()
        self.creds = creds

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.creds.redact(record.getMessage())
        record.args = ()
        return True


@contextmanager
def _masked_http_logs(creds: Credentials):
    """Mask the credentials in request URLs the HTTP library logs while we download."""
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    masking = _RedactingFilter(creds)
    for logger in loggers:
        logger.addFilter(masking)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(masking)


def _iso_date(value: str, option: str) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InvalidRequestError(f"{option} {value!r} is not a date written YYYY-MM-DD") from None

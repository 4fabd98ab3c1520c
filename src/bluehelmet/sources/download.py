"""Downloading UCDP data: the GED CSV zip of a release, and GED events from the UCDP API.

These are the only functions of bluehelmet that reach the internet, and only when called
(``bluehelmet download ...``). Both retry transient failures (HTTP 429 and 5xx, time-outs,
dropped connections) a few times with a growing pause, and fail with a
:class:`DownloadError` that says what to do. The UCDP API token is sent in the
``x-ucdp-access-token`` header only: it is never written to a file, a message or a log.

>>> from bluehelmet.sources.download import download_ged_csv           # doctest: +SKIP
>>> got = download_ged_csv("25.1", out_dir="data")                      # doctest: +SKIP
>>> got.csv_path, got.sha256                                            # doctest: +SKIP
(PosixPath('data/GEDEvent_v25_1.csv'), '3f5a...')
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from bluehelmet.errors import BluehelmetError

UCDP_DOWNLOADS = "https://ucdp.uu.se/downloads"
UCDP_API = "https://ucdpapi.pcr.uu.se"
TOKEN_HEADER = "x-ucdp-access-token"
RETRY_STATUS = {429, 500, 502, 503, 504}

Progress = Callable[[int, "int | None"], None]
"""Called as ``progress(done, total)``: bytes for a file download, events for the API."""

_YEARLY = re.compile(r"^(\d{2})\.(\d)$")
_CANDIDATE = re.compile(r"^(\d{2})\.0\.(\d{1,2})$")


class DownloadError(BluehelmetError):
    """A download failed: refused, not found, a server error that persisted, or a bad checksum."""


@dataclass
class GedDownload:
    """A downloaded GED file: the zip (or Candidate CSV), its SHA-256 and the CSV to ingest."""

    url: str
    path: Path
    sha256: str
    bytes: int
    csv_path: Path
    checksum_path: Path

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


@dataclass
class ApiDownload:
    """GED events fetched from the UCDP API and saved as JSON Lines (one page per line)."""

    url: str
    path: Path
    version: str
    pages: int
    events: int
    total_count: int | None
    sha256: str
    filters: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def ged_download_url(version: str, base_url: str = UCDP_DOWNLOADS) -> str:
    """The official download address of a GED release.

    Yearly releases are zipped CSVs (``25.1`` -> ``<base>/ged/ged251-csv.zip``); monthly
    Candidate releases are plain CSVs (``26.0.2`` -> ``<base>/candidateged/GEDEvent_v26_0_2.csv``).

    >>> ged_download_url("25.1")
    'https://ucdp.uu.se/downloads/ged/ged251-csv.zip'
    >>> ged_download_url("26.0.2")
    'https://ucdp.uu.se/downloads/candidateged/GEDEvent_v26_0_2.csv'
    """
    base = base_url.rstrip("/")
    yearly = _YEARLY.match(version.strip())
    if yearly:
        return f"{base}/ged/ged{yearly.group(1)}{yearly.group(2)}-csv.zip"
    candidate = _CANDIDATE.match(version.strip())
    if candidate:
        return f"{base}/candidateged/GEDEvent_v{candidate.group(1)}_0_{candidate.group(2)}.csv"
    raise DownloadError(
        f"{version!r} is not a GED release: give a yearly release like 25.1 or a Candidate release like 26.0.2"
    )


def download_ged_csv(
    version: str,
    *,
    out_dir: str | Path = ".",
    base_url: str = UCDP_DOWNLOADS,
    sha256: str | None = None,
    progress: Progress | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
) -> GedDownload:
    """Download a GED release, check its SHA-256, and unzip its CSV into ``out_dir``.

    Parameters
    ----------
    version:
        ``25.1`` (yearly, a zip) or ``26.0.2`` (Candidate, a CSV).
    sha256:
        The expected SHA-256 (hex). On a mismatch the downloaded file is deleted and
        :class:`DownloadError` names both checksums.
    progress:
        ``progress(bytes_done, bytes_total)`` while the file arrives.

    Writes ``<file>`` and ``<file>.sha256`` (``sha256sum`` format) and, for a zip, the CSV it
    holds. Returns where everything is.
    """
    url = ged_download_url(version, base_url)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / url.rsplit("/", 1)[-1]
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            response = _send(client, url, headers={}, retries=retries, backoff=backoff, stream=True)
            try:
                total = _content_length(response)
                with open(partial, "wb") as handle:
                    for chunk in response.iter_bytes(1 << 16):
                        handle.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            except httpx.HTTPError as exc:
                raise DownloadError(f"{url}: the download broke off after {done:,} bytes ({type(exc).__name__}); run it again") from None
            finally:
                response.close()
        if total is not None and done != total:
            raise DownloadError(f"{url}: got {done:,} of {total:,} bytes; run the download again")
        actual = digest.hexdigest()
        if sha256 and actual.lower() != sha256.strip().lower():
            raise DownloadError(
                f"{target.name}: checksum mismatch: expected SHA-256 {sha256.strip().lower()}, got {actual}; "
                "the downloaded file was deleted"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    checksum_path = target.with_name(target.name + ".sha256")
    checksum_path.write_text(f"{actual}  {target.name}\n", encoding="utf-8")
    csv_path = extract_csv(target, out) if target.suffix == ".zip" else target
    return GedDownload(url=url, path=target, sha256=actual, bytes=done, csv_path=csv_path, checksum_path=checksum_path)


def extract_csv(zip_path: Path, out_dir: Path) -> Path:
    """Extract the CSV files of a zip into ``out_dir`` (flat) and return the largest one."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv") and not m.is_dir()]
            if not members:
                names = ", ".join(archive.namelist()[:10])
                raise DownloadError(f"{zip_path}: the zip holds no CSV file (it holds: {names})")
            paths = []
            for member in members:
                # Only the file's own name: a path inside the zip never escapes out_dir.
                destination = out_dir / Path(member.filename).name
                with archive.open(member) as source, open(destination, "wb") as sink:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        sink.write(chunk)
                paths.append((member.file_size, destination))
    except zipfile.BadZipFile:
        raise DownloadError(f"{zip_path}: not a zip file; the server sent something else") from None
    return max(paths)[1]


def fetch_ucdp_api(
    version: str,
    token: str,
    *,
    base_url: str = UCDP_API,
    filters: dict[str, str] | None = None,
    out_dir: str | Path = ".",
    pagesize: int = 1000,
    progress: Progress | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
) -> ApiDownload:
    """Fetch GED (or Candidate) events from the UCDP API, page by page, into a JSON Lines file.

    Parameters
    ----------
    version:
        The GED release as the API names it (``25.1``, ``26.0.2``).
    token:
        The UCDP API access token (sent as the ``x-ucdp-access-token`` header, never stored).
    filters:
        API filters, e.g. ``{"Country": "432", "StartDate": "2022-01-01", "EndDate": "2024-12-31"}``.
    progress:
        ``progress(events_so_far, total_count)`` after every page.

    The pages are followed through ``NextPageUrl``; a next-page address on another host is
    moved to ``base_url``'s host so the token only ever goes where it was meant to.
    The file is ``<out_dir>/ucdp-api-gedevents-v<version>[-<filters>].jsonl``; read it with
    ``bluehelmet ingest`` (kind ``ucdp-api``).
    """
    if not (_YEARLY.match(version) or _CANDIDATE.match(version)):
        raise DownloadError(f"{version!r} is not a GED release: give a yearly release like 25.1 or a Candidate release like 26.0.2")
    if not token or not token.strip():
        raise DownloadError("no UCDP API token: give --token or set $UCDP_TOKEN (request one from UCDP: https://ucdp.uu.se/apidocs)")
    if pagesize < 1 or pagesize > 1000:
        raise DownloadError(f"pagesize {pagesize} is out of range: the UCDP API serves 1 to 1000 events a page")
    filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    base = base_url.rstrip("/")
    first_url = f"{base}/api/gedevents/{version}"
    params = {"pagesize": str(pagesize), **filters}
    headers = {TOKEN_HEADER: token.strip()}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "".join(f"-{k}-{re.sub(r'[^A-Za-z0-9.]+', '_', v)}" for k, v in sorted(filters.items()))
    target = out / f"ucdp-api-gedevents-v{version}{suffix}.jsonl"
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    pages = events = 0
    total_count: int | None = None
    seen_urls: set[str] = set()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client, open(partial, "wb") as handle:
            url: str | None = first_url
            query: dict[str, str] | None = params
            while url:
                response = _send(client, url, headers=headers, params=query, retries=retries, backoff=backoff, token=token)
                page = _page_json(response, url)
                line = (json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8")
                handle.write(line)
                digest.update(line)
                pages += 1
                events += len(page["Result"])
                total_count = page.get("TotalCount") if isinstance(page.get("TotalCount"), int) else total_count
                if progress:
                    progress(events, total_count)
                seen_urls.add(str(response.url))
                url = _next_page(page, base, seen_urls)
                query = None
                if page.get("TotalPages") is not None and pages >= int(page["TotalPages"]):
                    url = None
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return ApiDownload(
        url=f"{first_url}?pagesize={pagesize}",
        path=target,
        version=version,
        pages=pages,
        events=events,
        total_count=total_count,
        sha256=digest.hexdigest(),
        filters=filters,
    )


def _send(
    client: httpx.Client,
    url: str,
    *,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    retries: int,
    backoff: float,
    stream: bool = False,
    token: str | None = None,
) -> httpx.Response:
    """GET ``url``, retrying transient failures; raise :class:`DownloadError` for the rest."""
    attempt = 0
    while True:
        problem: str
        try:
            request = client.build_request("GET", url, headers=headers, params=params)
            response = client.send(request, stream=stream)
        except httpx.TimeoutException:
            problem = "timed out"
        except httpx.TransportError as exc:
            problem = f"could not connect ({type(exc).__name__})"
        else:
            if response.status_code < 400:
                return response
            response.close()
            if response.status_code not in RETRY_STATUS or attempt >= retries:
                raise DownloadError(_scrub(_status_message(url, response.status_code, attempt + 1), token))
            problem = f"HTTP {response.status_code}"
        if attempt >= retries:
            raise DownloadError(_scrub(f"{url}: {problem} after {attempt + 1} attempts; try again later", token))
        time.sleep(backoff * 2**attempt)
        attempt += 1


def _status_message(url: str, status: int, attempts: int) -> str:
    if status in (401, 403):
        return (
            f"{url}: the UCDP API refused the access token (HTTP {status}); check --token or $UCDP_TOKEN "
            "(tokens are issued by UCDP: https://ucdp.uu.se/apidocs)"
        )
    if status == 404:
        return f"{url}: not found (HTTP 404); check the release number (e.g. 25.1 or 26.0.2)"
    if status in RETRY_STATUS:
        return f"{url}: the server kept failing (HTTP {status}) after {attempts} attempts; try again later"
    return f"{url}: the server answered HTTP {status}"


def _scrub(message: str, token: str | None) -> str:
    """The message without the token, in case a server echoed it into a URL."""
    return message.replace(token, "***") if token else message


def _page_json(response: httpx.Response, url: str) -> dict:
    try:
        page = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DownloadError(f"{url}: the answer is not JSON; is this the UCDP API?") from None
    if not isinstance(page, dict) or not isinstance(page.get("Result"), list):
        raise DownloadError(f"{url}: the answer is not a UCDP API page (no Result list)")
    return page


def _next_page(page: dict, base: str, seen: set[str]) -> str | None:
    """The next page's address on ``base``'s host, or None at the last page."""
    next_url = page.get("NextPageUrl")
    if not next_url or not page.get("Result"):
        return None
    parts = urlsplit(next_url)
    base_parts = urlsplit(base)
    moved = urlunsplit((base_parts.scheme, base_parts.netloc, parts.path, parts.query, ""))
    # A server that points back at a page already fetched would loop forever.
    return None if moved in seen else moved


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    return int(value) if value and value.isdigit() else None

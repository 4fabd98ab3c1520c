"""A real HTTP server on 127.0.0.1 that plays back recorded responses, for download tests.

>>> with RecordedServer() as server:                                   # doctest: +SKIP
...     server.add("/ged/ged251-csv.zip", body=zip_bytes)
...     download_ged_csv("25.1", base_url=server.url)

Each path holds a queue of responses: each request takes the next one, the last one repeats.
Every request is recorded (path with query, headers) so tests can see what arrived.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Recorded:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke a client time-out)


@dataclass
class Request:
    path: str  # with the query string
    headers: dict[str, str]


class RecordedServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Recorded]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with server._lock:
                    server.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
                    route = server._match(self.path)
                    queue = server.routes.get(route) if route else None
                    response = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else Recorded(404, b"not found")
                if response.delay:
                    time.sleep(response.delay)
                self.send_response(response.status)
                headers = {"Content-Length": str(len(response.body)), **response.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(
        self, path: str, body: bytes | str = b"", status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0
    ) -> None:
        """Queue a response for ``path`` (with query string to match it exactly, else any query)."""
        payload = body.encode("utf-8") if isinstance(body, str) else body
        self.routes.setdefault(path, []).append(Recorded(status, payload, headers or {}, delay))

    def _match(self, request_path: str) -> str | None:
        if request_path in self.routes:
            return request_path
        bare = urlsplit(request_path).path
        return bare if bare in self.routes else None

    def __enter__(self) -> "RecordedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

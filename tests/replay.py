"""A local HTTP server that replays recorded-shape answers, so that connector tests and benches
never touch the internet: ``http.server`` in a thread on a free port of 127.0.0.1.

Routes map a path prefix (longest wins) to a :class:`Reply` or to a function of the path that
returns one. A reply can misbehave on purpose: answer slowly, announce more bytes than it sends
(a truncated body), or redirect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout test)
    truncate_to: int | None = None  # send only this many bytes of ``body``
    chunk_delay: float = 0.0  # seconds between 64 KB pieces of the body (a deadline test)


Route = Reply | Callable[[str], Reply]


class ReplayServer:
    """``with ReplayServer({"/api/": Reply(...)}) as server: server.url("/api/x")``."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                reply = server.reply_for(self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                sent = body if reply.truncate_to is None else body[: reply.truncate_to]
                try:
                    if reply.chunk_delay:
                        for i in range(0, len(sent), 65536):
                            self.wfile.write(sent[i : i + 65536])
                            self.wfile.flush()
                            time.sleep(reply.chunk_delay)
                    self.wfile.write(sent if not reply.chunk_delay else b"")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def log_message(self, format, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply_for(self, path: str) -> Reply:
        matches = [p for p in self.routes if path.startswith(p)]
        if not matches:
            return Reply(b"<html><body>404 Not Found</body></html>", 404, "text/html")
        route = self.routes[max(matches, key=len)]
        return route(path) if callable(route) else route

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

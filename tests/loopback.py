"""A scripted HTTP server on 127.0.0.1 for tests: real sockets, no internet.

    with LoopbackServer() as server:
        server.route("/page", Reply(500), Reply(200, b"<html>...</html>", {"Content-Type": "text/html"}))
        fetch(server.url("/page"))          # first request gets 500, every later one 200
        assert server.hits("/page") == 2

A reply may also be a callable taking the ``Request`` and returning a ``Reply`` (e.g. to answer 304
to a matching ``If-None-Match``). Unrouted paths get 404. Use the ``loopback`` fixture by importing
it into a test module: ``from loopback import loopback  # noqa: F401``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to trigger client timeouts)
    send_length: bool = True  # False: no Content-Length, body ends when the connection closes


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lowercased
    started: float  # time.monotonic() on arrival


Script = Reply | Callable[[Request], Reply]


class LoopbackServer:
    def __init__(self) -> None:
        self._routes: dict[str, list[Script]] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.in_flight = 0  # requests received and not yet answered
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def do_GET(self):
                server._serve(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # clients that time out hang up
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, *replies: Script) -> None:
        """Request n of ``path`` gets ``replies[n]``; the last one repeats."""
        with self._lock:
            self._routes[path] = list(replies)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request("GET", handler.path, {k.lower(): v for k, v in handler.headers.items()}, time.monotonic())
        with self._lock:
            index = sum(1 for seen in self.requests if seen.path == request.path)
            self.requests.append(request)
            script = self._routes.get(request.path)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if script is None:
                reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
            else:
                step = script[min(index, len(script) - 1)]
                reply = step(request) if callable(step) else step
            if reply.delay:
                time.sleep(reply.delay)
        finally:
            # Before answering: once the client has its answer it may send the next request.
            with self._lock:
                self.in_flight -= 1
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            if reply.send_length:
                handler.send_header("Content-Length", str(len(reply.body)))
            else:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            handler.wfile.write(reply.body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def loopback():
    with LoopbackServer() as server:
        yield server

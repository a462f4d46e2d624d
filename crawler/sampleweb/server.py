"""One loopback HTTP server class for the demo, the tests and the benches.

``LoopbackServer`` answers every GET through a function given to it, in a
thread of its own, on a 127.0.0.0/8 address (anything else is refused: the
demo, the tests and the benches never serve beyond the machine).
``SampleWebServer`` is four of them, one per sample site.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .render import build_site
from .site import ADDRESSES, Page, SampleWeb

Respond = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer:
    """An HTTP server on a loopback address, answering GETs with ``respond(handler)``.

    Use as a context manager (or ``start()`` / ``stop()``); ``base`` is its
    ``http://address:port``, the port chosen by the OS unless given.
    """

    def __init__(self, respond: Respond, address: str = "127.0.0.1", port: int = 0, http11: bool = False) -> None:
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"{address} is not a loopback address")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if http11 else "HTTP/1.0"
            server_version = "seedcrawl-loopback/1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                respond(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the caller keeps its own log

        self.httpd = ThreadingHTTPServer((address, port), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{address}:{self.httpd.server_address[1]}"
        self.thread: threading.Thread | None = None

    def start(self) -> LoopbackServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str | None]) -> None:
    """A whole response; a header given as None is left out (Content-Length:
    None sends a body whose end only the closed connection tells)."""
    handler.send_response(status)
    for name, value in headers.items():
        if value is not None:
            handler.send_header(name, value)
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:
        pass  # the client hung up (a body over its size limit)


def sample_site_responder(web: SampleWeb, site: int) -> Respond:
    """How one sample site answers: its pages, 404 elsewhere, conditional feeds."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0].split("#", 1)[0]
        web.requests.append((web.bases[site], handler.path))
        page = web.pages.get((site, path)) or Page(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        headers: dict[str, str | None] = {"Content-Type": page.content_type, "Location": page.location}
        if "xml" in page.content_type:  # feeds answer conditional requests, as real ones do
            etag = f'"{hashlib.sha1(page.body).hexdigest()[:16]}"'
            if handler.headers.get("If-None-Match") == etag:
                web.not_modified.append((web.bases[site], handler.path))
                return send(handler, 304, b"", {"ETag": etag})
            headers.update({"ETag": etag, "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})
        send(handler, page.status, page.body, {**headers, "Content-Length": str(len(page.body))})

    return respond


def _late(responders: list[Respond], index: int) -> Respond:
    """A responder looked up when the first request comes (it is made after the servers)."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        responders[index](handler)

    return respond


class SampleWebServer:
    """Serve a SampleWeb on 127.0.0.1-4, one server per address.

    Use as a context manager; ports are chosen by the OS.
    """

    def __init__(self, seeds_dir: Path, port: int = 0) -> None:
        self.seeds_dir = seeds_dir
        responders: list[Respond] = []
        # Each site's responder needs the web, which needs every server's port: bind first.
        self.servers = [LoopbackServer(_late(responders, i), address, port) for i, address in enumerate(ADDRESSES)]
        self.web = build_site([server.base for server in self.servers], seeds_dir)
        responders.extend(sample_site_responder(self.web, i) for i in range(len(ADDRESSES)))

    def __enter__(self) -> SampleWeb:
        for server in self.servers:
            server.start()
        return self.web

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.stop()

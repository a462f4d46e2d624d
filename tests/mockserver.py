"""A programmable HTTP server on 127.0.0.1 for crawl tests, with a request log."""

from __future__ import annotations

import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.sampleweb import LoopbackServer, send

from .conftest import SEEDS

Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler, int], tuple[int, dict[str, str], bytes]]


def seed_page(links: list[str], seed: str = "000") -> bytes:
    """A seed article's page (so links out of it are followed) with these links."""
    text = next(SEEDS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    anchors = "".join(f'<li><a href="{u}">Huawei security story {i}</a></li>' for i, u in enumerate(links))
    return f"<html><body><article><h1>Seed</h1>{paragraphs}</article><ul>{anchors}</ul></body></html>".encode()


def article_page(number: int) -> bytes:
    words = " ".join(f"Huawei network security review {number} paragraph {i}." for i in range(30))
    return f"<html><body><article><h1>Story {number}</h1><p>{words}</p></article></body></html>".encode()


class MockServer(LoopbackServer):
    """Routes: path -> (status, headers, body), or a function of (handler, nth request) giving them."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.log: list[tuple[float, str, int]] = []  # (time, path, nth request to that path)
        super().__init__(self.respond)

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        count = sum(1 for _, p, _ in self.log if p == handler.path) + 1
        self.log.append((time.monotonic(), handler.path, count))
        # A route for a path answers whatever its query (an API endpoint).
        route = self.routes.get(handler.path) or self.routes.get(handler.path.split("?", 1)[0], (404, {}, b"not found"))
        status, headers, body = route(handler, count) if callable(route) else route
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)), **headers}
        send(handler, status, body, headers)

    def __enter__(self) -> MockServer:
        self.start()
        return self

    def times(self, path: str) -> list[float]:
        return [t for t, p, _ in self.log if p == path]


def sources_for(folder: Path, seed_urls: list[str], extra: str = "") -> Path:
    """A seeds folder (the five seeds) with a sources.toml for a mock server."""
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    urls = ", ".join(f'"{u}"' for u in seed_urls)
    sources = seeds / "sources.toml"
    sources.write_text(f'[seeds]\nurls = [{urls}]\n[network]\nallow_hosts = ["127.0.0.1"]\n{extra}')
    return sources

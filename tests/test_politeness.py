"""Polite crawling against a local server: Crawl-delay, Retry-After, per-site budget."""

from pathlib import Path

from pytest_twisted import ensureDeferred

from crawler.middlewares import retry_after_seconds

from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for


@ensureDeferred
async def test_crawl_delay_from_robots_txt_spaces_the_requests(tmp_path: Path) -> None:
    pages = [f"/story/{i}" for i in range(3)]
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 1\n")}
    with MockServer(routes) as server:
        routes["/seed"] = (200, {}, seed_page([server.base + p for p in pages]))
        routes.update({p: (200, {}, article_page(i)) for i, p in enumerate(pages)})
        assert await crawl(sources_for(tmp_path, [server.base + "/seed"]), tmp_path / "st", tmp_path / "log") == 0
    times = sorted(t for t, path, _ in server.log if path in pages or path == "/seed")
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.9, gaps


@ensureDeferred
async def test_retry_after_is_honoured_on_429(tmp_path: Path) -> None:
    def busy(handler, count):
        return (429, {"Retry-After": "2"}, b"slow down") if count == 1 else (200, {}, seed_page([]))

    with MockServer({"/seed": busy, "/robots.txt": (404, {}, b"")}) as server:
        assert await crawl(sources_for(tmp_path, [server.base + "/seed"]), tmp_path / "st", tmp_path / "log") == 0
    first, second = server.times("/seed")
    assert second - first >= 1.9


@ensureDeferred
async def test_per_site_budget_caps_pages_from_one_site(tmp_path: Path) -> None:
    pages = [f"/story/{i}" for i in range(6)]
    routes = {"/robots.txt": (404, {}, b"")}
    with MockServer(routes) as server:
        routes["/seed"] = (200, {}, seed_page([server.base + p for p in pages]))
        routes.update({p: (200, {}, article_page(i)) for i, p in enumerate(pages)})
        sources = sources_for(tmp_path, [server.base + "/seed"], "[limits]\nmax_pages_per_site = 3\n")
        assert await crawl(sources, tmp_path / "st", tmp_path / "log") == 0
    fetched = [path for _, path, _ in server.log if path != "/robots.txt"]
    assert len(fetched) == 3  # the seed page and two stories


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None

"""Aggregator links: wrappers unwrapped to the publisher, opaque ids kept as leads (issue 14, item 1)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import sqlite_utils
from pytest_twisted import ensureDeferred

from crawler.aggregators import is_opaque
from crawler.dedup import unwrap_url
from crawler.feeds import parse_feed

from .conftest import DATA
from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for

FEEDS = DATA / "feeds"


@pytest.mark.parametrize(
    "wrapper, publisher",
    [
        ("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fwww.example.com%2fa%3fb%3d1"
         "&c=2&mkt=en-us", "https://www.example.com/a?b=1"),
        ("https://www.google.com/url?rct=j&sa=t&url=https://www.ft.com/content/x&ct=ga", "https://www.ft.com/content/x"),
        ("https://www.google.co.uk/url?q=https://www.bbc.co.uk/news/1&sa=U", "https://www.bbc.co.uk/news/1"),
        ("https://www.google.com/search?q=huawei+security", None),  # a search, not a wrapper
        ("http://www.bing.com/news/apiclick.aspx?url=javascript:alert(1)", None),  # only web URLs come out
    ],
)  # fmt: skip
def test_wrappers_give_the_publishers_url(wrapper: str, publisher: str | None) -> None:
    assert unwrap_url(wrapper) == (publisher or wrapper)


def test_google_news_article_ids_are_opaque_and_its_searches_are_not() -> None:
    assert is_opaque("https://news.google.com/rss/articles/CBMiXYZ?oc=5")
    assert is_opaque("https://news.google.com/__i/rss/rd/articles/CBMiXYZ?oc=5")
    assert not is_opaque("https://news.google.com/rss/search?q=huawei")
    assert not is_opaque("https://example.org/rss/articles/1")


def _news_sitemap(url: str) -> bytes:
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{url}</loc><news:news><news:publication_date>{now}</news:publication_date>"
        "<news:title>ZTE says it poses no threat</news:title></news:news></url></urlset>"
    ).encode()


def _zte_story() -> bytes:
    words = " ".join(f"ZTE said its equipment poses no threat to national security, point {i}." for i in range(30))
    return f"<html><body><article><h1>ZTE says it poses no threat</h1><p>{words}</p></article></body></html>".encode()


def test_a_google_news_entry_names_its_publisher() -> None:
    body = (FEEDS / "google_news_search.rss").read_text(encoding="utf-8").replace("{BASE}", "https://times.example")
    first = parse_feed(body.encode(), "https://news.google.com/rss/search?q=x").entries[0]
    assert (first.source_name, first.source_url) == ("Example Times", "https://times.example")
    assert first.title.startswith("UK orders removal of Huawei kit")


@ensureDeferred
async def test_aggregator_feeds_lead_to_publishers_and_never_to_the_aggregator(tmp_path: Path) -> None:
    routes: dict = {}
    with MockServer(routes) as server:
        google = (FEEDS / "google_news_search.rss").read_text(encoding="utf-8").replace("{BASE}", server.base).encode()
        bing = (FEEDS / "bing_news_search.rss").read_text(encoding="utf-8")
        bing = bing.replace("{BASE_Q}", quote(server.base, safe="").lower())
        routes.update({
            "/seed": (200, {}, seed_page([])),
            "/google.rss": (200, {"Content-Type": "application/rss+xml"}, google),
            "/bing.rss": (200, {"Content-Type": "application/rss+xml"}, bing.encode()),
            "/story/0": (200, {}, article_page(0)),
            "/story/1": (200, {}, article_page(1)),
            # The second lead's publisher is this server: its news sitemap lists the story.
            "/robots.txt": (200, {"Content-Type": "text/plain"}, f"Sitemap: {server.base}/news.xml\n".encode()),
            "/news.xml": (200, {"Content-Type": "application/xml"}, _news_sitemap(server.base + "/zte-story")),
            "/zte-story": (200, {}, _zte_story()),
        })  # fmt: skip
        feeds = f'[feeds]\nurls = ["{server.base}/google.rss", "{server.base}/bing.rss"]\n'
        sources = sources_for(tmp_path, [server.base + "/seed"], feeds)
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = {path for _, path, _ in server.log}
    assert {"/story/0", "/story/1"} <= fetched  # the publisher's pages, through Bing's wrappers
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    urls = {r["url"]: r for r in db.query("select url, outcome, detail from urls")}
    wrappers = [u for u in urls if "apiclick.aspx" in u]  # kept as they were written, as aliases
    assert len(wrappers) == 2 and all(urls[u]["outcome"] == "alias" for u in wrappers)
    assert urls[wrappers[0]]["detail"].startswith(f"aggregator wrapper of {server.base}/story/")
    # Google News' opaque ids: kept as leads with their publisher, never requested.
    assert not any("news.google.com" in u for u in urls)
    leads = list(db.query("select title, publisher, site, published, feed from leads order by title"))
    assert [(r["publisher"], r["site"]) for r in leads] == [
        ("Example Times", server.base), ("Wire Example", server.base),
    ]  # fmt: skip
    # The leads' publisher (this server) was looked for on its own site, once, through its
    # sitemap, and what it gave was counted to the Google News feed.
    assert sum(1 for _, path, _ in server.log if path == "/news.xml") == 1
    assert "/news.xml" in fetched and "/zte-story" in fetched
    google_row = {r["source"]: r for r in db.query("select source, kind, fetched from source_runs")}
    assert google_row[f"{server.base}/google.rss"]["kind"] == "feed"
    assert google_row[f"{server.base}/google.rss"]["fetched"] >= 1
    assert all(r["feed"] == f"{server.base}/google.rss" for r in leads)
    stats = next(db.query("select stats from runs"))["stats"]
    assert '"seedcrawl/feed/leads": 2' in stats and '"seedcrawl/unwrapped": 2' in stats

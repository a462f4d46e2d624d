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


def test_a_google_news_entry_names_its_publisher() -> None:
    feed = parse_feed((FEEDS / "google_news_search.rss").read_bytes(), "https://news.google.com/rss/search?q=x")
    first = feed.entries[0]
    assert (first.source_name, first.source_url) == ("Example Times", "https://www.example-times.co.uk")
    assert first.title.startswith("UK orders removal of Huawei kit")


@ensureDeferred
async def test_aggregator_feeds_lead_to_publishers_and_never_to_the_aggregator(tmp_path: Path) -> None:
    routes = {"/robots.txt": (404, {}, b"")}
    with MockServer(routes) as server:
        google = (FEEDS / "google_news_search.rss").read_bytes()
        bing = (FEEDS / "bing_news_search.rss").read_text(encoding="utf-8")
        bing = bing.replace("{BASE_Q}", quote(server.base, safe="").lower())
        routes.update({
            "/seed": (200, {}, seed_page([])),
            "/google.rss": (200, {"Content-Type": "application/rss+xml"}, google),
            "/bing.rss": (200, {"Content-Type": "application/rss+xml"}, bing.encode()),
            "/story/0": (200, {}, article_page(0)),
            "/story/1": (200, {}, article_page(1)),
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
        ("Example Times", "https://www.example-times.co.uk"), ("Wire Example", "https://wire.example.org"),
    ]  # fmt: skip
    assert all(r["feed"] == f"{server.base}/google.rss" for r in leads)
    stats = next(db.query("select stats from runs"))["stats"]
    assert '"seedcrawl/feed/leads": 2' in stats and '"seedcrawl/unwrapped": 2' in stats

"""URL traps: an endless calendar or facet is not followed; an article whose
link carries a tracking or paging word that calendars also use is, and what
a feed, sitemap or search lists is held to the URL shape rules alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from pytest_twisted import ensureDeferred

from crawler.traps import MAX_QUERY_VARIANTS, TrapDetector

from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for
from .test_sitemaps import urlset


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/2020/07/14/huawei-ban.html?from=rss",  # how a feed or an app share tags a link
        "https://news.example/story.html?from=timeline&isappinstalled=0",
        "https://news.example/search?q=huawei&start=20",  # a results page's paging
        "https://news.example/article?id=5&to=homepage",
    ],
)  # fmt: skip
def test_a_tracking_or_paging_word_is_not_a_calendar(url: str) -> None:
    assert TrapDetector().check(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/events?month=7&year=2031",
        "https://news.example/diary?date=2031-01-01",
        "https://news.example/diary?date=20310101",
        "https://news.example/listing?from=2031-01-01&to=2031-02-01",
        "https://news.example/listing?start=2031-01-01T00:00:00Z",
        "https://news.example/cal?day=14",
        "https://news.example/calendar/2031/01",
    ],
)  # fmt: skip
def test_a_date_that_a_link_can_move_forever_is_a_calendar(url: str) -> None:
    assert TrapDetector().check(url) == "calendar"


@ensureDeferred
async def test_the_crawl_fetches_a_tagged_story_and_leaves_a_calendar(tmp_path: Path) -> None:
    links = ["/story/0?from=rss", "/story/1?start=0", "/events?month=7&year=2031", "/diary?date=2031-01-01"]
    routes = {
        "/seed": (200, {}, seed_page(links)),
        "/story/0": (200, {}, article_page(0)),
        "/story/1": (200, {}, article_page(1)),
        "/events": (200, {}, article_page(2)),
        "/diary": (200, {}, article_page(3)),
    }
    with MockServer(routes) as server:
        sources = sources_for(tmp_path, [server.base + "/seed"])
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = {path for _, path, _ in server.log}
    assert {"/story/0?from=rss", "/story/1?start=0"} <= fetched
    assert not fetched & {"/events?month=7&year=2031", "/diary?date=2031-01-01"}
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    stats = json.loads(next(db.query("select stats from runs"))["stats"])
    assert stats["seedcrawl/trap/calendar"] == 2


@ensureDeferred
async def test_a_sitemap_of_articles_addressed_by_query_is_read_whole(tmp_path: Path) -> None:
    """A site that addresses its articles as view?id=N lists 25 of them in its
    sitemap: a publisher's list is finite, not a trap, so all 25 are fetched.
    Links found on pages are still held to 20 query variants of a path."""
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()

    def view(handler, count):
        return 200, {}, article_page(int(handler.path.rsplit("=", 1)[1]))

    with MockServer({}) as server:
        base = server.base
        listed = "".join(f"<url><loc>{base}/view?id={n}</loc><lastmod>{hour_ago}</lastmod></url>" for n in range(25))
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, f"Sitemap: {base}/sitemap.xml\n".encode()),
            "/sitemap.xml": (200, {"Content-Type": "application/xml"},
                             urlset(listed)),
            "/view": view,
            "/seed": (200, {}, seed_page([f"/list?page={n}" for n in range(25)])),
            "/list": (200, {}, article_page(99)),
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = {path for _, path, _ in server.log}
    assert {f"/view?id={n}" for n in range(25)} <= fetched
    assert len({p for p in fetched if p.startswith("/list?")}) == MAX_QUERY_VARIANTS
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    stats = json.loads(next(db.query("select stats from runs"))["stats"])
    assert stats["seedcrawl/trap/query_variants"] == 25 - MAX_QUERY_VARIANTS


def test_a_listed_entry_is_held_to_the_shape_rules_only() -> None:
    traps = TrapDetector()
    assert traps.check("https://news.example/diary?date=2031-01-01", listed=True) is None
    assert [traps.check(f"https://news.example/view?id={n}", listed=True) for n in range(30)] == [None] * 30
    assert traps.check("https://news.example/" + "a" * 2000, listed=True) == "long_url"
    assert traps.check("https://news.example/" + "/".join("abcdefghijklm"), listed=True) == "deep_path"


def test_a_path_of_endless_variants_is_cut_at_twenty_and_not_remembered_past_them() -> None:
    """A facet or session trap offers a new query on every page: the crawl
    follows 20 a path, refuses the rest, and keeps only those 20 (a long
    crawl's memory does not grow with the trap), still following the 20 it
    took when they are found again."""
    traps = TrapDetector()
    verdicts = [traps.check(f"https://shop.example/list?page={n}") for n in range(100_000)]
    assert verdicts.count(None) == MAX_QUERY_VARIANTS and set(verdicts[MAX_QUERY_VARIANTS:]) == {"query_variants"}
    assert sum(len(queries) for queries in traps.variants.values()) == MAX_QUERY_VARIANTS
    assert traps.check("https://shop.example/list?page=3") is None

"""URL traps: an endless calendar is not followed; an article whose link
carries a tracking or paging word that calendars also use is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from pytest_twisted import ensureDeferred

from crawler.traps import TrapDetector

from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for


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

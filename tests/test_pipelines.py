"""StorePipeline on its own: a full disk mid-crawl stops the crawl with one line."""

import asyncio
import errno
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler import run
from crawler.items import PageItem
from crawler.pipelines import StorePipeline
from crawler.relevance import Verdict

from .test_store import make_doc


class FullDiskStore:
    """A store whose every write fails as a full disk does."""

    @staticmethod
    def write():
        raise OSError(errno.ENOSPC, "No space left on device", "storage/queue/000_x.txt")


def test_full_disk_closes_the_spider_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = get_crawler(Spider, {})
    crawler.spider = SimpleNamespace(store=FullDiskStore(), run_id=1, sources=SimpleNamespace(languages=["en"]))
    closed = []

    async def close_spider_async(reason: str) -> None:
        closed.append(reason)

    crawler.engine = SimpleNamespace(close_spider_async=close_spider_async, spider=crawler.spider)
    # No reactor runs in this test: run the close coroutine where Scrapy would schedule it.
    monkeypatch.setattr(run, "deferred_from_coro", asyncio.run)
    doc = make_doc()
    article = SimpleNamespace(digest=doc.hash, text=doc.text, title=doc.title, canonical_url=doc.url, sitename=None,
                              published=None, language="en")  # fmt: skip
    item = PageItem(
        article=article, verdict=Verdict(0.5, True, ()), url=doc.url, found_via="feed", found_on=None,
        shingles=doc.shingles,
    )  # fmt: skip
    with pytest.raises(DropItem, match="the disk is full writing storage/queue/000_x.txt"):
        StorePipeline.from_crawler(crawler).process_item(item)
    assert closed == ["storage_error"]
    assert "free some space" in crawler.stats.get_value("seedcrawl/storage_error")


def test_a_borderline_page_is_queued_and_marked_even_just_below_the_threshold(tmp_path) -> None:
    """Issue 13: a weak "no" is the reviewer's call, not the crawl's."""
    from crawler.store import Store

    store = Store(tmp_path / "storage")
    crawler = get_crawler(Spider, {})
    crawler.spider = SimpleNamespace(
        store=store, run_id=store.start_run("x"), sources=SimpleNamespace(languages=["en"])
    )
    items = []
    for number, (score, relevant, borderline) in enumerate(((0.45, False, True), (0.30, False, False))):
        doc = make_doc(f"Story {number}\n\n" + "Huawei equipment and network security, said the report. " * 20)
        article = SimpleNamespace(digest=doc.hash, text=doc.text, title=doc.title, canonical_url=doc.url,
                                  sitename=None, published=None, language="en")  # fmt: skip
        items.append(PageItem(
            article=article, verdict=Verdict(score, relevant, (), borderline=borderline), url=f"{doc.url}/{number}",
            found_via="feed", found_on=None, shingles=frozenset(),
        ))  # fmt: skip
    pipeline = StorePipeline.from_crawler(crawler)
    assert pipeline.process_item(items[0]) is items[0]  # queued
    with pytest.raises(DropItem, match="off topic"):
        pipeline.process_item(items[1])
    rows = {r["score"]: r for r in store.db.query("select score, status, borderline, queue_file from documents")}
    assert rows[0.45]["status"] == "pending" and rows[0.45]["borderline"] == 1 and rows[0.45]["queue_file"]
    assert rows[0.30]["status"] == "offtopic" and not rows[0.30]["borderline"]
    assert crawler.stats.get_value("seedcrawl/queued/borderline") == 1
    store.close()

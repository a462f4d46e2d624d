"""StorePipeline in process, built by Scrapy from the crawler with its CrawlRun."""

import errno
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from crawler import run
from crawler.boilerplate import SiteBoilerplate
from crawler.crawlrun import CrawlRun
from crawler.items import PageItem
from crawler.pipelines import StorePipeline
from crawler.relevance import Verdict
from crawler.store import Store, explain_or_raise

from .conftest import run_to_end
from .test_store import make_doc


class FullDiskStore:
    """A store whose every write fails as a full disk does."""

    explain_or_raise = staticmethod(explain_or_raise)

    @staticmethod
    def write():
        raise OSError(errno.ENOSPC, "No space left on device", "storage/queue/000_x.txt")


def started(crawler, store) -> CrawlRun:
    """The crawler's CrawlRun, as spider_opened leaves it (without the workers)."""
    crawl_run = crawler.get_extension(CrawlRun)
    crawl_run.store, crawl_run.run_id, crawl_run.started = store, 1, True
    crawl_run.boilerplate = SiteBoilerplate()
    return crawl_run


def test_full_disk_closes_the_spider_with_one_line(related_crawler, monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = related_crawler
    started(crawler, FullDiskStore())
    closed = []

    async def close_spider_async(reason: str) -> None:
        closed.append(reason)

    crawler.engine = SimpleNamespace(close_spider_async=close_spider_async, spider=object())
    # No reactor runs in this test: run the close coroutine where Scrapy would schedule it.
    monkeypatch.setattr(run, "deferred_from_coro", run_to_end)
    doc = make_doc()
    article = SimpleNamespace(digest=doc.hash, text=doc.text, title=doc.title, canonical_url=doc.url, sitename=None,
                              published=None, language="en", dates={}, author=None)  # fmt: skip
    item = PageItem(
        article=article, verdict=Verdict(0.5, True, ()), url=doc.url, found_via="feed", found_on=None,
        shingles=doc.shingles,
    )  # fmt: skip
    with pytest.raises(DropItem, match="the disk is full writing storage/queue/000_x.txt"):
        build_from_crawler(StorePipeline, crawler).process_item(item)
    assert closed == ["storage_error"]
    assert "free some space" in crawler.stats.get_value("seedcrawl/storage_error")


def test_a_borderline_page_is_queued_and_marked_even_just_below_the_threshold(related_crawler, tmp_path) -> None:
    """Issue 13: a weak "no" is the reviewer's call, not the crawl's."""
    store = Store(tmp_path / "storage")
    crawler = related_crawler
    started(crawler, store).run_id = store.start_run("x")
    items = []
    for number, (score, relevant, borderline) in enumerate(((0.45, False, True), (0.30, False, False))):
        doc = make_doc(f"Story {number}\n\n" + "Huawei equipment and network security, said the report. " * 20)
        article = SimpleNamespace(digest=doc.hash, text=doc.text, title=doc.title, canonical_url=doc.url,
                                  sitename=None, published=None, language="en", dates={}, author=None)  # fmt: skip
        items.append(PageItem(
            article=article, verdict=Verdict(score, relevant, (), borderline=borderline), url=f"{doc.url}/{number}",
            found_via="feed", found_on=None, shingles=frozenset(),
        ))  # fmt: skip
    pipeline = build_from_crawler(StorePipeline, crawler)
    queued = pipeline.process_item(items[0])
    assert queued["borderline"] is True and queued["score"] == 0.45 and queued["queue_file"].startswith("000_")
    with pytest.raises(DropItem, match="off topic"):
        pipeline.process_item(items[1])
    rows = {r["score"]: r for r in store.db.query("select score, status, borderline, queue_file from documents")}
    assert rows[0.45]["status"] == "pending" and rows[0.45]["borderline"] == 1 and rows[0.45]["queue_file"]
    assert rows[0.30]["status"] == "offtopic" and not rows[0.30]["borderline"]
    assert crawler.stats.get_value("seedcrawl/queued/borderline") == 1
    store.close()


def test_the_pipeline_and_the_budget_are_not_configured_without_a_related_crawl() -> None:
    """Another spider in the same project gets neither the run nor its budget."""
    from scrapy import Spider
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import PageBudgetMiddleware

    crawler = get_crawler(Spider, {"EXTENSIONS": {"crawler.crawlrun.CrawlRun": 0}})
    assert crawler.get_extension(CrawlRun) is None
    for component in (StorePipeline, PageBudgetMiddleware):
        with pytest.raises(NotConfigured):
            build_from_crawler(component, crawler)


def test_every_sources_value_reaches_the_components_through_settings(related_crawler) -> None:
    """The crawl command resolves sources.toml once; components read settings."""
    from crawler.guard import AddressGuardMiddleware
    from crawler.middlewares import PageBudgetMiddleware

    settings = related_crawler.settings
    crawl_run = related_crawler.get_extension(CrawlRun)
    assert crawl_run.sources.seed_urls == ["http://127.0.0.1:1/"] == settings.getlist("SEEDCRAWL_SEED_URLS")
    assert settings.getint("DOWNLOAD_MAXSIZE") == crawl_run.sources.max_body_bytes
    budget = build_from_crawler(PageBudgetMiddleware, related_crawler)
    assert (budget.budget, budget.site_budget) == (crawl_run.sources.max_pages, crawl_run.sources.max_pages_per_site)
    assert build_from_crawler(AddressGuardMiddleware, related_crawler).allowed == set(crawl_run.sources.allow_hosts)

"""What a crawl says while it runs and when it ends.

A long crawl is watched in a terminal or a journal: a line at a steady pace
(``SEEDCRAWL_PROGRESS_INTERVAL`` seconds, as Scrapy's LogStats does for
requests) says how much of the budget is spent and what it has found so
far, and the run's row in the database gets the same counts, so `seedcrawl
status` shows them while the crawl runs. At the end the run's summary (the
one `seedcrawl demo` prints) is logged and kept in the run's row. Per-page
lines are DEBUG: a crawl of thousands of pages is read from these.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from twisted.internet import task

from .crawlrun import SPIDER, CrawlRun
from .summary import progress_line, run_counts

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CrawlProgress:
    """Logs ``progress_line`` every interval and keeps the run row's counts current."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if getattr(crawler.spidercls, "name", None) != SPIDER:
            raise NotConfigured(f"progress is reported for the {SPIDER!r} spider")
        interval = crawler.settings.getfloat("SEEDCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("SEEDCRAWL_PROGRESS_INTERVAL is 0: no progress lines")
        progress = cls(crawler, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.task = task.LoopingCall(self.report)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def report(self) -> None:
        run = self.crawler.get_extension(CrawlRun)
        if run is None or not run.started or run.finished:
            return
        stats = self.crawler.stats.get_stats()
        logger.info("Progress: %s", progress_line(stats, run.sources.max_pages))
        try:
            with run.storage():
                run.store.record_progress(run.run_id, run_counts(stats))
        except CloseSpider:
            pass  # storage() has stopped the crawl and said why

"""Downloader middlewares of seedcrawl (only the ones we need)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from .summary import PAGES_SPENT, SITES_FULL

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector


class BudgetExhausted(IgnoreRequest):
    """The run's page budget is spent; the URL was not fetched and stays unknown."""


class Superseded(IgnoreRequest):
    """A page requested again at a higher priority (more on-topic pages link
    to it) whose other request went first: not fetched twice, not recorded."""


class PageBudgetMiddleware:
    """Spend the page budgets (``limits.max_pages`` for the run,
    ``limits.max_pages_per_site`` for each site) when a page is fetched.

    Counting when links are scheduled would spend it in the order links
    appear on pages; counting here, as the scheduler hands requests out by
    priority, spends it on the best links found so far (best-first). A
    request over budget is dropped as BudgetExhausted, which the spider
    does not record, so the URL is tried in a later run. A page's second
    request (the spider re-ranks a link found again on a better page) is
    dropped as Superseded once one went through.
    """

    def __init__(self, stats: StatsCollector, budget: int | None, site_budget: int | None) -> None:
        self.stats = stats
        self.budget = budget
        self.site_budget = site_budget
        self.fetched = 0
        self.per_site: dict[str, int] = {}
        self.sent: set[str] = set()  # page URLs let through (at most the budget)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBudgetMiddleware:
        settings = crawler.settings
        if settings.get("SEEDCRAWL_MAX_PAGES") is None:
            raise NotConfigured("no page budget (SEEDCRAWL_MAX_PAGES) in the settings")
        budget, site_budget = settings.getint("SEEDCRAWL_MAX_PAGES"), settings.getint("SEEDCRAWL_MAX_PAGES_PER_SITE")
        return cls(crawler.stats, budget, site_budget)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        meta = request.meta.get("seedcrawl")
        if not meta or meta.get("kind") != "page":
            return None
        if request.url in self.sent and not _followed_up(request):
            self.stats.inc_value("seedcrawl/skipped/superseded")
            raise Superseded(f"{request.url} went already, at its higher priority")
        if self.budget is not None and self.fetched >= self.budget:
            self.stats.inc_value("seedcrawl/skipped/budget")
            raise BudgetExhausted(f"page budget of {self.budget} spent")
        site = urlparse_cached(request).hostname or ""
        if self.site_budget and self.per_site.get(site, 0) >= self.site_budget:
            self.stats.inc_value("seedcrawl/skipped/site_budget")
            raise BudgetExhausted(f"budget of {self.site_budget} pages for {site} spent")
        self.fetched += 1
        self.sent.add(request.url)
        self.per_site[site] = self.per_site.get(site, 0) + 1
        self.stats.set_value(PAGES_SPENT, self.fetched)  # the progress line's "N of budget"
        if self.site_budget and self.per_site[site] == self.site_budget:
            self.stats.set_value(SITES_FULL, [*(self.stats.get_value(SITES_FULL) or []), site])
        return None


def _followed_up(request: Request) -> bool:
    """A retry or a redirect of a request: the same fetch going on, not a second one."""
    return bool(request.meta.get("retry_times") or request.meta.get("redirect_times"))


class PolitenessMiddleware:
    """What AutoThrottle does not do: robots.txt Crawl-delay and Retry-After.

    A site's Crawl-delay (read when Scrapy parses its robots.txt) and a
    Retry-After sent with 429 or 503 become a floor under the site's
    download delay; AutoThrottle may adapt above it, never below. It sits
    after RetryMiddleware on the way in (priority above 550), so the floor is
    set before the retry is scheduled. Retry-After is capped by
    SEEDCRAWL_MAX_RETRY_AFTER seconds.
    """

    def __init__(self, crawler: Crawler, max_retry_after: float) -> None:
        self.crawler = crawler
        self.max_retry_after = max_retry_after
        self.floor: dict[str, float] = {}  # slot key (host) -> minimum delay, seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        middleware = cls(crawler, crawler.settings.getfloat("SEEDCRAWL_MAX_RETRY_AFTER"))
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        # AutoThrottle adapts the delay on this signal; connected after it, we restore the floor.
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    def response_downloaded(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        self.apply(request)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        agent = self.crawler.settings.get("USER_AGENT")
        delay = robotparser.crawl_delay(agent)
        if delay:
            self.raise_floor(request, float(delay), "seedcrawl/politeness/crawl_delay")

    def raise_floor(self, request: Request, delay: float, stat: str) -> None:
        key = self.crawler.engine.downloader.get_slot_key(request)
        if delay > self.floor.get(key, 0.0):
            self.floor[key] = delay
            self.crawler.stats.inc_value(stat)
        self.apply(request)

    def apply(self, request: Request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None and key in self.floor:
            slot.delay = max(slot.delay, self.floor[key])
            # Scrapy's jitter would wait as little as half the delay; a floor is a floor.
            slot.jitter = 0.0

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self.apply(request)  # AutoThrottle may have lowered it since
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None:
                self.raise_floor(request, min(wait, self.max_retry_after), "seedcrawl/politeness/retry_after")
        return response


def retry_after_seconds(value: bytes | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# Scrapy reads a meta refresh in a page's first 4,096 characters: at most this many bytes in UTF-8.
HEAD_BYTES = 4 * 4096


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, without decoding every page for them.

    Scrapy looks for the tag in the first 4,096 characters of the page's
    text, and decodes the whole body to get them: on a 2,000-page crawl the
    crawl's own process decoded every page it only hands to the workers.
    A page whose first bytes do not hold the word "refresh" (case-blind, in
    an ASCII-compatible encoding) has no such tag there and goes on as it
    came; any other page gets Scrapy's check.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        head = response.body[:HEAD_BYTES]
        if b"\x00" not in head and b"refresh" not in head.lower():
            return response
        return super().process_response(request, response)

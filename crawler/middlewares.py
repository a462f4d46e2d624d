"""Downloader middlewares of seedcrawl (only the ones we need)."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest


class BudgetExhausted(IgnoreRequest):
    """The run's page budget is spent; the URL was not fetched and stays unknown."""


class PageBudgetMiddleware:
    """Spend the page budget (``limits.max_pages``) when a page is fetched.

    Counting when links are scheduled would spend it in the order links
    appear on pages; counting here, as the scheduler hands requests out by
    priority, spends it on the best links found so far (best-first). A
    request over budget is dropped as BudgetExhausted, which the spider
    does not record, so the URL is tried in a later run.
    """

    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self.fetched = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageBudgetMiddleware:
        return cls(crawler.stats)

    def process_request(self, request: Any, spider: Any = None) -> None:
        meta = request.meta.get("seedcrawl")
        if not meta or meta.get("kind") != "page":
            return None
        budget = request.meta.get("seedcrawl_budget")
        if budget is not None and self.fetched >= budget:
            self.stats.inc_value("seedcrawl/skipped/budget")
            raise BudgetExhausted(f"page budget of {budget} spent")
        self.fetched += 1
        return None

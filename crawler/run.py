"""How a crawl ends when it cannot go on: one reason, one line, one exit status.

A storage failure (disk full, read-only database), a configuration problem
found after the start (a seed file changed under the crawl) or workers that
keep dying stop the crawl cleanly: the spider is closed with a named reason
(recorded as the run's status), the message is logged once at ERROR and
kept in the stats, and ``scrapy crawl`` prints it as its last line and
exits with the status below. Every component stops the crawl through
``stop_crawl`` so the first reason wins and is said once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# The reason is kept under this key, the message under seedcrawl/<reason>.
STOP_REASON = "seedcrawl/stop_reason"
# Exit status of `scrapy crawl related` by the reason it stopped: 2 for what
# the user must fix (storage, configuration), 1 for a failure of the crawl.
EXIT_STATUS = {"storage_error": 2, "config_error": 2, "analysis_failed": 1, "nothing_fetched": 1}


def stop_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """Close the spider with ``reason`` and say why, once per crawl."""
    stats = crawler.stats
    if stats.get_value(STOP_REASON):
        return  # already stopping; the first reason is the one to fix
    stats.set_value(STOP_REASON, reason)
    stats.set_value(f"seedcrawl/{reason}", message)
    logger.error("Stopping the crawl: %s", message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def stop_message(stats: dict[str, Any]) -> tuple[str, int] | None:
    """The line to print and the exit status of a crawl that was stopped, if it was."""
    reason = stats.get(STOP_REASON)
    if not reason:
        return None
    return stats.get(f"seedcrawl/{reason}", reason), EXIT_STATUS.get(reason, 1)

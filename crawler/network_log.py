"""One line, not a traceback, when a site's robots.txt cannot be reached.

Scrapy's RobotsTxtMiddleware logs every failed robots.txt download at ERROR
with the whole chained traceback: about 75 lines per unreachable host, right
after the retry middleware has said in one line why it gave up. On the real
web dead hosts are common (old links, a machine offline), and a crawl log of
tracebacks hides the one that is a bug. A network failure (the exceptions
Scrapy retries: RETRY_EXCEPTIONS) is the web being the web: it becomes one
WARNING line, still counted by the middleware (robotstxt/exception_count/*)
and by the spider when the page itself fails. Anything else keeps its
traceback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class NetworkFailureInOneLine(logging.Filter):
    """Drops the traceback of a network failure and logs it as a warning."""

    def __init__(self, network_errors: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.network_errors = network_errors

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else None
        if isinstance(failure, self.network_errors):
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class QuietNetworkFailures:
    """The Scrapy extension that installs the filter for one crawl."""

    def __init__(self, network_errors: tuple[type[BaseException], ...]) -> None:
        self.filter = NetworkFailureInOneLine(network_errors)
        logging.getLogger(ROBOTS_LOGGER).addFilter(self.filter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkFailures:
        errors = tuple(
            load_object(e) if isinstance(e, str) else e for e in crawler.settings.getlist("RETRY_EXCEPTIONS")
        )
        extension = cls(errors)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        logging.getLogger(ROBOTS_LOGGER).removeFilter(self.filter)

"""A crawl in the test process: what `scrapy crawl related` does, minus the process.

The crawl command prepares the run (``commands.crawl.prepare_run``: sources.toml
and the -a arguments into settings, the storage folder claimed, the crawl
lock), installs the guarded resolver and runs the crawler; so does ``crawl``
here, on the reactor pytest-twisted runs. Tests whose subject is the process itself (a
kill, a signal, the exit status of a refusal, the scheduler's child) start
the real command instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler

from crawler.commands.crawl import prepare_run
from crawler.guard import GuardedResolver
from crawler.run import stop_message
from crawler.spiders.related import RelatedSpider

LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


def parse_extra(extra: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """-a NAME=VALUE and -s NAME=VALUE pairs, as `scrapy crawl` takes them."""
    args: dict[str, str] = {}
    settings: dict[str, str] = {}
    for flag, pair in zip(extra[::2], extra[1::2], strict=True):
        name, value = pair.split("=", 1)
        {"-a": args, "-s": settings}[flag][name] = value
    return args, settings


async def crawl(sources: Path, storage: Path, log_file: Path | None = None, *extra: str) -> int:
    """Crawl in this process; the exit status `scrapy crawl related` would give."""
    args, overrides = parse_extra(extra)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("AUTOTHROTTLE_START_DELAY", 0.05, priority="cmdline")  # as the demo's crawls (loopback)
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    from twisted.internet import reactor

    lock = prepare_run(settings, {"sources": str(sources), "storage": str(storage), **args})
    handler = _log_to(log_file)
    try:
        runner = CrawlerRunner(settings)
        crawler = runner.create_crawler(RelatedSpider)
        build_from_crawler(GuardedResolver, crawler, reactor=reactor).install_on_reactor()
        await runner.crawl(crawler)
    finally:
        lock.release()
        _stop_logging(handler)
    stopped = stop_message(crawler.stats.get_stats())
    return stopped[1] if stopped else 0


def _log_to(log_file: Path | None) -> logging.Handler | None:
    """The crawl's log in its own file, at INFO, as LOG_FILE gives it."""
    if log_file is None:
        return None
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    handler.previous_level = root.level  # type: ignore[attr-defined]
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


def _stop_logging(handler: logging.Handler | None) -> None:
    if handler is None:
        return
    root = logging.getLogger()
    root.removeHandler(handler)
    root.setLevel(handler.previous_level)  # type: ignore[attr-defined]
    handler.close()

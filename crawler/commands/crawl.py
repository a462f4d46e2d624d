"""`scrapy crawl`, with seedcrawl's configuration checked before the engine starts.

A mistake in sources.toml or an unusable storage folder would otherwise
surface as a traceback from inside the engine and an exit status of 0.
Checked here, it is one line on stderr and exit status 2. The crawl lock
(crawler.lock) is taken here too, for the whole process, so a crawl started
by hand and one started by the scheduler never run at once.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from ..lock import CrawlLock, CrawlLocked, describe_stale
from ..sources import SourcesError
from ..spiders.related import RelatedSpider, resolve_config
from ..store import Store, StoreError


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != RelatedSpider.name:
            super().run(args, opts)
            return
        try:
            _, storage = resolve_config(self.settings, **_config_args(opts.spargs))
            Store(storage).close()
            lock = CrawlLock.for_storage(storage).acquire()
        except (SourcesError, StoreError, CrawlLocked) as exc:
            print(f"seedcrawl: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if lock.stale:
            logger.warning("%s", describe_stale(lock.stale))
        try:
            super().run(args, opts)
        finally:
            lock.release()


logger = logging.getLogger(__name__)


def _config_args(spargs: dict[str, str]) -> dict[str, str | None]:
    return {key: spargs.get(key) for key in ("sources", "storage", "max_pages", "max_depth")}

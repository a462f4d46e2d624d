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
import sqlite3
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from ..lock import CrawlLock, CrawlLocked, describe_stale
from ..sources import SourcesError
from ..spiders.related import RelatedSpider, resolve_config
from ..store import Store, StoreError, explain_storage_error


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != RelatedSpider.name:
            super().run(args, opts)
            return
        try:
            _, storage = resolve_config(self.settings, **_config_args(opts.spargs))
            store = Store(storage)  # creates the folder and schema, or says why it cannot
            try:
                store.check_writable()
            finally:
                store.close()
            lock = CrawlLock.for_storage(storage).acquire()
        except (SourcesError, StoreError, CrawlLocked) as exc:
            return self._refuse(str(exc))
        except (sqlite3.Error, OSError) as exc:
            message = explain_storage_error(exc)
            if message is None:
                raise
            return self._refuse(message)
        if lock.stale:
            logger.warning("%s", describe_stale(lock.stale))
        try:
            crawler = self._create_crawler(args[0])
            assert self.crawler_process
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
        finally:
            lock.release()
        problem = crawler.stats.get_value("seedcrawl/storage_error")
        if problem:
            self._refuse(problem)

    def _refuse(self, message: str) -> None:
        """One line on stderr and exit status 2: a problem the user can fix."""
        print(f"seedcrawl: {message}", file=sys.stderr)
        self.exitcode = 2


logger = logging.getLogger(__name__)


def _config_args(spargs: dict[str, str]) -> dict[str, str | None]:
    return {key: spargs.get(key) for key in ("sources", "storage", "max_pages", "max_depth")}

"""`scrapy crawl`, with seedcrawl's configuration checked before the engine starts.

A mistake in sources.toml, an unreadable seed file or an unusable storage
folder would otherwise surface as a traceback from inside the engine and an
exit status of 0. Checked here, it is one line on stderr and exit status 2.
A crawl stopped on the way (crawler.run) ends the same way: its reason as
the last line, and a non-zero exit status. The crawl lock (crawler.lock) is
taken here too, for the whole process, so a crawl started by hand and one
started by the scheduler never run at once.

Stopping: the first SIGINT or SIGTERM closes the crawl gracefully (Scrapy's
own handler); a second one within ``ECHO_SECONDS`` is the same stop arriving
twice (systemd signals the whole group and the scheduler passes it on; a
terminal's Ctrl-C reaches every process of the foreground group) and is
absorbed instead of forcing an unclean shutdown. A second one later still
forces it, as Scrapy promises.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
import time
from collections.abc import Mapping
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.settings import BaseSettings

from ..config import RunConfig
from ..crawlrun import SPIDER, CrawlRun
from ..lock import CrawlLock, CrawlLocked, describe_stale
from ..run import stop_message
from ..seedfile import SeedFormatError
from ..sources import SourcesError
from ..store import Store, StoreError, explain_or_raise

ECHO_SECONDS = 2.0


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] != SPIDER:
            super().run(args, opts)
            return
        assert self.settings is not None
        try:
            lock = prepare_run(self.settings, opts.spargs)  # an unknown -a is an error, not ignored
        except (SourcesError, SeedFormatError, StoreError, CrawlLocked) as exc:
            return self._refuse(str(exc))
        except (sqlite3.Error, OSError) as exc:
            return self._refuse(explain_or_raise(exc))
        if lock.stale:
            logger.warning("%s", describe_stale(lock.stale))
        try:
            crawler = self._create_crawler(args[0])
            assert self.crawler_process
            signalled = absorb_echoed_signals(self.crawler_process)
            self.crawler_process.crawl(crawler)
            self.crawler_process.start()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
            run = crawler.get_extension(CrawlRun) if crawler._extensions is not None else None
            if run is not None and not run.finished:
                # Stopped before the engine ran: Scrapy never closed the spider.
                run.finish("shutdown" if signalled else "failed")
        finally:
            lock.release()
        stopped = stop_message(crawler.stats.get_stats())
        if stopped:
            self._refuse(*stopped)

    def _refuse(self, message: str, status: int = 2) -> None:
        """One line on stderr and a non-zero exit status (2: a problem the user can fix)."""
        print(f"seedcrawl: {message}", file=sys.stderr)
        self.exitcode = status


def prepare_run(settings: BaseSettings, args: Mapping[str, str | None]) -> CrawlLock:
    """What a crawl checks and takes before its engine starts: sources.toml and
    the -a arguments resolved into ``settings`` (components read them there),
    the storage folder created or opened, writable and claimed for its seeds
    folder, and the crawl lock (held by the caller until the crawl ends).
    Raises SourcesError, SeedFormatError, StoreError, CrawlLocked, or the
    storage's own error."""
    config = RunConfig.resolve(settings, args)
    store = Store(config.storage)  # creates the folder and schema, or says why it cannot
    try:
        store.check_writable()
        store.claim_corpus(config.sources.seeds_dir, config.sources.path)
    finally:
        store.close()
    lock = CrawlLock.for_storage(config.storage).acquire()
    config.apply(settings)
    return lock


def absorb_echoed_signals(process: Any) -> list[float]:
    """Treat a stop signal that repeats within ECHO_SECONDS as the first one.

    Scrapy installs ``_signal_shutdown`` for the first SIGINT/SIGTERM and
    ``_signal_kill`` for the next; both are looked up on the process object
    when installed, so wrapping them here changes only what counts as "next".
    (Scrapy has no setting for it; its handlers are otherwise kept as they are.)
    Returns a list that holds the time of the first stop signal once it came.
    """
    from twisted.internet import reactor

    first: list[float] = []
    shutdown, kill = process._signal_shutdown, process._signal_kill

    def on_first(signum: int, frame: Any) -> None:
        first.append(time.monotonic())
        shutdown(signum, frame)

    def on_next(signum: int, frame: Any) -> None:
        if first and time.monotonic() - first[0] < ECHO_SECONDS:
            reactor.callFromThread(logger.info, "Signal %d again at once: the same stop; still closing cleanly", signum)
            return
        kill(signum, frame)

    process._signal_shutdown, process._signal_kill = on_first, on_next
    return first  # when the first stop signal came, once one has


logger = logging.getLogger(__name__)

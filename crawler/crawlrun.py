"""CrawlRun: the Scrapy extension that owns one crawl's run.

It reads the resolved configuration from settings (crawler.config), opens
the one store of the crawl, repairs what a killed run left, records the run
and its outcome, fits the relevance model and starts the analysis workers.
The spider, the pipeline and the middlewares get what they need from it
(``crawler.get_extension(CrawlRun)``) or from settings; none of them reads
another's attributes.

A storage failure anywhere in the crawl (full disk, read-only file) stops it
with one line through ``storage()``; a failure at the start (a seed file
changed, an unusable store) stops it as ``config_error``.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from .analysis import DEFAULT_RESTARTS, PageAnalyser
from .archive import Fetched, Stored, WarcArchive
from .boilerplate import SiteBoilerplate
from .config import RunConfig
from .guard import installed_resolver
from .new_words import count_in_queue, sentence
from .notify import announce, announcement
from .refit import fit_corpus
from .relevance import TopicModel
from .run import STOP_REASON, stop_crawl
from .seedfile import read_seed, stray_note
from .store import Document, Store, StoreError
from .summary import failed_sources, nothing_fetched, summary_lines
from .windows import keep_windows, moved, read_windows

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

STATS = "seedcrawl"
SPIDER = "related"


class CrawlRun:
    """One crawl of the ``related`` spider, from its start to its recorded end."""

    store: Store
    model: TopicModel
    analyser: PageAnalyser
    boilerplate: SiteBoilerplate  # each site's boilerplate lines, learned as pages are stored
    run_id: int
    last_success: datetime | None  # the start of the last finished run, read as this one opens
    windows: dict[str, datetime]  # each search's and site's window start (crawler/windows.py), read then too

    def __init__(self, crawler: Crawler, config: RunConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.sources = config.sources
        self.finished = False
        self.started = False
        # The yield ledger of this run: source -> kind and counts (store.source_runs).
        self.yields: dict[str, dict[str, Any]] = {}
        self.new_words: list[str] = []  # the queue's, counted at the end (crawler/new_words.py)
        self.lookups_spared_before = 0  # the resolver's count at the start (it outlives a crawl in tests)
        # Searches and sites: where this run asked each from, and which answered (crawler/windows.py).
        self.asked_from: dict[str, datetime] = {}
        self.answered: set[str] = set()
        # Sources one of whose requests failed (a site's second sitemap, an index's child): not answered this run.
        self.failed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRun:
        if getattr(crawler.spidercls, "name", None) != SPIDER:
            raise NotConfigured(f"CrawlRun records runs of the {SPIDER!r} spider only")
        run = cls(crawler, RunConfig.from_settings(crawler.settings))
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        return run

    # -- start ----------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        """Open the store, repair, record the run, fit the model, start the
        workers. A failure here stops the crawl with one line (a signal
        handler's exception would only be logged, and the crawl go on)."""
        try:
            self.store = Store(self.config.storage)
            with self.storage():
                self.open_run()
        except (StoreError, ValueError) as exc:  # ValueError: SeedFormatError, SourcesError, an empty model
            stop_crawl(self.crawler, "config_error", str(exc))
        except CloseSpider:
            pass  # a storage failure, said by storage()

    def open_run(self) -> None:
        self.store.reserve_space()
        restored, removed, orphaned = self.store.reconcile_queue()
        if restored or removed:
            logger.warning(
                "Queue repaired after an interrupted run: %d file(s) rewritten from the database, "
                "%d leftover(s) of decided candidates removed", restored, removed,
            )  # fmt: skip
        if orphaned:
            logger.warning(
                "%d queue file(s) whose text the database does not hold (a crash before their commit) "
                "were moved to %s, not deleted", orphaned, self.config.storage / "orphans",
            )  # fmt: skip
        dead = self.store.mark_dead_runs()
        if dead:
            logger.warning("Marked %d run(s) whose process is gone as killed: %s", len(dead), dead)
        if self.config.run_id is not None:
            self.run_id = self.store.adopt_run(self.config.run_id)
        else:
            self.run_id = self.store.start_run(self.sources.path)
        self.started = True
        resolver = installed_resolver()
        self.crawler.stats.set_value(f"{STATS}/resolver", type(resolver).__name__ if resolver else None)
        self.lookups_spared_before = resolver.lookups_spared if resolver else 0
        corpus = fit_corpus(self.sources.seeds_dir, self.store, self.sources.threshold, self.sources.band)
        self.model = corpus.model
        settings = self.crawler.settings
        workers = settings.get("SEEDCRAWL_WORKERS")
        self.analyser = PageAnalyser(
            self.model, None if workers in (None, "", "None") else int(workers), tuple(self.sources.languages),
            restarts=settings.getint("SEEDCRAWL_WORKER_RESTARTS", DEFAULT_RESTARTS),
        )  # fmt: skip
        self.analyser.start(asyncio.get_running_loop())  # the reactor's loop (Scrapy's asyncio reactor)
        self.crawler.stats.set_value(f"{STATS}/model/terms", len(self.model.centroid))
        self.archive = WarcArchive(self.config.storage, self.run_id, settings.getint("SEEDCRAWL_WARC_MAX_BYTES"))
        self.boilerplate = SiteBoilerplate(self.store.boilerplate_lines())
        self.register_seeds(corpus.seed_files)
        if stray := stray_note(self.sources.seeds_dir):
            logger.warning(stray)
        last = self.store.last_success()
        # New sitemap entries and search results are those since the last finished run (each
        # search's and site's own, in windows: see window_start).
        self.last_success = datetime.fromisoformat(last) if last else None
        self.windows = read_windows(self.store)
        self._record_cpu("at_start")
        logger.info(
            "Run %d: %d seed page(s), %d feed(s), budget %d pages, depth %d, storage %s",
            self.run_id, len(self.sources.seed_urls), len(self.sources.feed_urls), self.sources.max_pages,
            self.sources.max_depth, self.config.storage,
        )  # fmt: skip

    def register_seeds(self, seed_files: dict[str, str]) -> None:
        """Put the seed texts in the database so no copy of them is queued.
        Only the files whose text the store lacks are read (a year's 5,000
        seeds took 10 s to read and fingerprint at every start)."""
        missing = self.store.missing_texts(seed_files.values())
        for name, digest in seed_files.items():
            if digest not in missing:
                continue
            path = self.sources.seeds_dir / name
            try:
                seed = read_seed(path)
            except FileNotFoundError:  # removed since the fit listed it
                continue
            if self.store.register_seed(Document.from_seed(seed, path), name):
                self.crawler.stats.inc_value(f"{STATS}/seeds_registered")

    def add_source(self, source: str, kind: str) -> None:
        """A source this run reads (seed, feed, search, site), named before its
        first request so its counts are recorded under the right kind."""
        self.yields.setdefault(source, {})["kind"] = kind

    def tally(self, source: str | None, what: str, count: int = 1) -> None:
        """Count toward a source's yield in this run (recorded at the end). A
        source this run did not name (a link resumed from an earlier run's
        frontier) is recorded without a kind; the ledger takes it from its
        other runs."""
        if source is None:
            return
        tally = self.yields.setdefault(source, {})
        tally[what] = tally.get(what, 0) + count

    def archive_response(self, response: Response) -> Stored:
        """Write a response (and its request) to the run's WARC file; where it
        went. Called inside storage() or a store transaction, whose handling
        of a full disk applies."""
        stored = self.archive.write(fetched_of(response))
        self.crawler.stats.inc_value(f"{STATS}/archive/records")
        return stored

    @contextmanager
    def storage(self) -> Iterator[None]:
        """Around the crawl's own store calls: a storage failure (full disk,
        read-only file) stops the crawl with one line, quietly (CloseSpider
        from a callback is Scrapy's way to end a crawl without a traceback)."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            message = self.store.explain_or_raise(exc)
            stop_crawl(self.crawler, "storage_error", message)
            raise CloseSpider("storage_error") from None

    # -- end ----------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.finish(reason)

    def finish(self, reason: str) -> None:
        """Stop the workers, record the run's end with its counts, close the
        store; once. Called on spider_closed, and by the crawl command when a
        stop signal came during start-up, before Scrapy's engine ran (Scrapy
        then stops without closing the spider)."""
        if self.finished:
            return
        self.finished = True
        if hasattr(self, "analyser"):
            self.analyser.close()
        if hasattr(self, "archive"):
            self.archive.close()
        self._record_cpu("at_end")
        if not hasattr(self, "store"):
            return
        resolver = installed_resolver()
        if self.started and resolver is not None and resolver.lookups_spared > self.lookups_spared_before:
            spared = resolver.lookups_spared - self.lookups_spared_before
            self.crawler.stats.set_value(f"{STATS}/dns/lookups_spared", spared)  # names known not to resolve
        self.store.release_space()  # room for this last row when the disk is full
        try:
            if self.started:
                self._check_fetched(reason)
                # A run that fetched nothing ran to its end but is not one to count
                # from: the next run's search and sitemap window starts at the last
                # finished run, and would skip what this one could not read.
                status = (self.crawler.stats.get_value(STOP_REASON) if reason == "finished" else None) or reason
                self.store.record_source_runs(self.run_id, self.yields)
                self.store.finish_run(self.run_id, status, self.crawler.stats.get_stats())
                if status == "finished":
                    self._move_windows()
                self._count_new_words()
                self._summarise()
        except (sqlite3.Error, OSError) as exc:
            message = self.store.explain_or_raise(exc)
            # The run row stays 'running'; the next start marks it killed.
            logger.error("Could not record the end of run %s: %s", self.run_id, message)
        finally:
            self.store.close()

    def window_start(self, source: str, first_days: int, reach: timedelta | None = None) -> datetime:
        """Where ``source`` is asked from in this run (crawler/windows.py):
        the start of the last run it answered, the last finished run's for
        a source never asked before, ``first_days`` back on the first run;
        no further back than ``reach``, as far as the source can answer.
        Decided once a run: a site's every sitemap is read from the same start."""
        if source in self.asked_from:
            return self.asked_from[source]
        now = datetime.now(UTC)
        start = self.windows.get(source) or self.last_success or now - timedelta(days=first_days)
        if reach is not None and start < now - reach:
            logger.info("%s: asked from %d days back, as far as it reaches (its window began %s)", source,
                        reach.days, start.isoformat(timespec="minutes"))  # fmt: skip
            start = now - reach
        self.asked_from[source] = start
        return start

    def _move_windows(self) -> None:
        """The searches and sites that answered start their next window at
        this run; the others where they started this time (a site whose
        robots.txt or sitemap failed was never asked: where it would have been)."""
        for source, tally in self.yields.items():
            if tally.get("kind") == "site":
                self.window_start(source, self.sources.site_first_days)
        started = datetime.fromisoformat(self.store.run(self.run_id)["started"])
        keep_windows(self.store, moved(self.windows, self.asked_from, self.answered - self.failed, started))

    def _check_fetched(self, reason: str) -> None:
        """A run that ran to its end without a single response is a failure
        (every start URL refused, every host down): say so, exit non-zero."""
        stats = self.crawler.stats
        why = nothing_fetched(stats.get_stats()) if reason == "finished" else None
        if why is not None and not stats.get_value(STOP_REASON):
            stats.set_value(STOP_REASON, "nothing_fetched")
            stats.set_value("seedcrawl/nothing_fetched", why)
            logger.warning("Run %d %s", self.run_id, why)

    def _summarise(self) -> None:
        """The summary `seedcrawl demo` prints, in the log and the run's row."""
        run = self.store.run(self.run_id)
        lines = summary_lines(run, self.store.outcome_counts(self.run_id), failed_sources(self.yields))
        for line in lines:
            logger.info("%s", line)
        self.store.record_summary(self.run_id, "\n".join(lines))
        if run["new"] and (self.sources.notify_command or self.sources.notify_webhook):
            self._announce(run["new"])

    def _count_new_words(self) -> None:
        """The queue's new words (crawler/new_words.py), counted while the word
        frequencies are loaded, kept for the review commands, and logged. The
        run is recorded already: a storage failure here costs only the hint."""
        try:
            words, read = count_in_queue(self.store)
        except (sqlite3.Error, OSError) as exc:
            logger.warning("New words in the queue not counted: %s", self.store.explain_or_raise(exc))
            return
        self.new_words = [word for word, _ in words]
        if words:
            logger.info("%s", sentence(words, read))

    def _announce(self, count: int) -> None:
        """Tell the [notify] hooks about this run's new candidates; a failure is only logged."""
        message = announcement(
            self.run_id, self.config.storage, self.store.new_candidates(self.run_id, 5), count, self.new_words
        )
        failures = announce(self.sources.notify_command, self.sources.notify_webhook, message)
        self.crawler.stats.set_value(f"{STATS}/notify/failed", len(failures))

    def _record_cpu(self, when: str) -> None:
        """CPU seconds of the crawl's own process (all its threads) and of its
        joined workers, once the run has started and at its end: what
        bench/throughput.py reports per page (the crawl process's share is
        what caps a crawl; start-up is paid once, not per page)."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = self.crawler.stats
        stats.set_value(f"{STATS}/cpu/crawl_process_s/{when}", round(own.ru_utime + own.ru_stime, 3))
        stats.set_value(f"{STATS}/cpu/workers_s/{when}", round(workers.ru_utime + workers.ru_stime, 3))


def fetched_of(response: Response) -> Fetched:
    """What the archive keeps of a Scrapy response and its request."""

    def pairs(headers: Any) -> list[tuple[str, str]]:
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]

    request = response.request
    return Fetched(
        response.url, response.status, pairs(response.headers), response.body,
        request.method if request is not None else "GET",
        tuple(pairs(request.headers)) if request is not None else (),
    )  # fmt: skip

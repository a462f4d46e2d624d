"""The `related` spider: from seed pages and feeds to related coverage.

It decides only where to go next. Reading a page is crawler.extract,
judging it crawler.relevance, and keeping it the StorePipeline.

Arguments (``scrapy crawl related -a NAME=VALUE``):

- ``sources``: path of the sources file (default seeds/sources.toml)
- ``storage``: storage folder for corpus.db and queue/ (default storage)
- ``max_pages``, ``max_depth``: override the limits in sources.toml
- ``run_id``: continue a run row the scheduler created (scheduler.py)
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, StopDownload
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from ..analysis import DEFAULT_RESTARTS, AnalysisFailed, PageAnalyser
from ..dedup import UrlError, canonical_url, shingle_sample
from ..feeds import bozo_kind, discover_feeds, parse_feed
from ..guard import GuardedResolver
from ..items import PageItem
from ..outcomes import classify
from ..relevance import TopicModel
from ..run import stop_crawl
from ..seedfile import read_seed, seed_files
from ..sources import MAX_PAGES, SCHEMA, Sources, SourcesError, load_sources, whole_number
from ..store import Document, Store, StoreError, explain_storage_error
from ..traps import TrapDetector

logger = logging.getLogger(__name__)

STATS = "seedcrawl"
# Links scheduled per page of budget: enough candidates for best-first to
# choose from (the budget itself is spent at fetch time, PageBudgetMiddleware),
# bounded so a link-heavy site cannot fill memory.
SCHEDULE_FACTOR = 10


def resolve_config(
    settings: Any,
    sources: str | None = None,
    storage: str | None = None,
    max_pages: str | None = None,
    max_depth: str | None = None,
) -> tuple[Sources, Path]:
    """The run's sources and storage folder from -a arguments and settings."""
    loaded = load_sources(sources or settings.get("SEEDCRAWL_SOURCES"))
    limits = SCHEMA["limits"]  # -a overrides get the bounds sources.toml has
    loaded = loaded.with_overrides(
        max_pages=_int_arg("max_pages", max_pages, low=1, high=limits["max_pages"].most),
        max_depth=_int_arg("max_depth", max_depth, high=limits["max_depth"].most),
    )
    paths = seed_files(loaded.seeds_dir)
    if not paths:
        raise SourcesError(
            f"{loaded.path}: no seed documents (NNN_<hex>.txt files) beside it in {loaded.seeds_dir}; "
            "the relevance model is learned from them"
        )
    for path in paths:
        read_seed(path)  # SeedFormatError: one line naming the file, before the crawl starts
    return loaded, Path(storage or settings.get("SEEDCRAWL_STORAGE"))


def _int_arg(name: str, value: str | None, low: int = 0, high: int | None = None) -> int | None:
    return None if value is None else whole_number(f"-a {name}", value, low=low, high=high or MAX_PAGES)


class RelatedSpider(scrapy.Spider):
    name = "related"

    def __init__(
        self,
        sources: str | None = None,
        storage: str | None = None,
        max_pages: str | None = None,
        max_depth: str | None = None,
        run_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.adopt_run_id = _int_arg("run_id", run_id, high=2**63 - 1)
        self.config_args = {"sources": sources, "storage": storage, "max_pages": max_pages, "max_depth": max_depth}
        self.pages_requested = 0
        self.requested: set[str] = set()
        self.feeds_requested: set[str] = set()
        self.link_extractor = LinkExtractor(unique=True)
        self.traps = TrapDetector()
        self.finished = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RelatedSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sources, spider.storage_dir = resolve_config(settings, **spider.config_args)
        # sources.toml limits become Scrapy settings (allowed until the
        # crawler freezes its settings, right after the spider is built).
        limits = spider.sources
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", limits.per_domain_concurrency, priority="spider")
        settings.set("DOWNLOAD_TIMEOUT", limits.download_timeout, priority="spider")
        settings.set("DOWNLOAD_MAXSIZE", limits.max_body_bytes, priority="spider")
        spider.store = Store(spider.storage_dir)
        spider.best_first = settings.getbool("SEEDCRAWL_BEST_FIRST")
        spider.first_pass = settings.getbool("SEEDCRAWL_FIRST_PASS")
        spider.content_types = tuple(settings.getlist("SEEDCRAWL_CONTENT_TYPES"))
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider.on_spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_spider_closed, signal=signals.spider_closed)
        return spider

    # -- lifecycle ------------------------------------------------------------

    def on_spider_opened(self, spider: scrapy.Spider) -> None:
        """Repair what a killed run left, record this run, fit the model, start
        the workers. A failure here stops the crawl with one line (a signal
        handler's exception would only be logged, and the crawl go on)."""
        try:
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
                "were moved to %s, not deleted", orphaned, self.storage_dir / "orphans",
            )  # fmt: skip
        dead = self.store.mark_dead_runs()
        if dead:
            logger.warning("Marked %d run(s) whose process is gone as killed: %s", len(dead), dead)
        if self.adopt_run_id is not None:
            self.run_id = self.store.adopt_run(self.adopt_run_id)
        else:
            self.run_id = self.store.start_run(self.sources.path)
        self.model = TopicModel.from_corpus(
            self.sources.seeds_dir, self.store.decided_texts(), self.sources.threshold, band=self.sources.band
        )
        settings = self.crawler.settings
        workers = settings.get("SEEDCRAWL_WORKERS")
        self.analyser = PageAnalyser(
            self.model, None if workers in (None, "", "None") else int(workers), tuple(self.sources.languages),
            restarts=settings.getint("SEEDCRAWL_WORKER_RESTARTS", DEFAULT_RESTARTS),
        )  # fmt: skip
        self.crawler.stats.set_value(f"{STATS}/model/terms", len(self.model.centroid))
        self.register_seeds()
        logger.info(
            "Run %d: %d seed page(s), %d feed(s), budget %d pages, depth %d, storage %s",
            self.run_id,
            len(self.sources.seed_urls),
            len(self.sources.feed_urls),
            self.sources.max_pages,
            self.sources.max_depth,
            self.storage_dir,
        )

    @contextmanager
    def storage(self) -> Iterator[None]:
        """Around the crawl's own store calls: a storage failure (full disk,
        read-only file) stops the crawl with one line, quietly (CloseSpider
        from a callback is Scrapy's way to end a crawl without a traceback)."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            message = explain_storage_error(exc)
            if message is None:
                raise
            stop_crawl(self.crawler, "storage_error", message)
            raise CloseSpider("storage_error") from None

    def register_seeds(self) -> None:
        """Put the seed texts in the database so no copy of them is queued."""
        for path in seed_files(self.sources.seeds_dir):
            seed = read_seed(path)
            doc = Document(
                hash=seed.digest,
                text=seed.text,
                title=seed.title,
                url="",
                canonical_url="",
                sitename=None,
                published=None,
                language=None,
                score=None,
                reason="seed document",
                found_via="seed",
                found_on=str(path),
                shingles=frozenset(shingle_sample(seed.text)),
            )
            if self.store.register_seed(doc, path.name):
                self.crawler.stats.inc_value(f"{STATS}/seeds_registered")

    def on_headers(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Stop downloading a page that is not HTML before its body arrives."""
        meta = request.meta.get("seedcrawl", {})
        if meta.get("kind") != "page":
            return
        kind = (headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip().lower()
        if kind and not kind.startswith(self.content_types):
            raise StopDownload(fail=True)

    def on_spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
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
        self.store.release_space()  # room for this last row when the disk is full
        try:
            if hasattr(self, "run_id"):
                self.store.finish_run(self.run_id, reason, self.crawler.stats.get_stats())
        except (sqlite3.Error, OSError) as exc:
            message = explain_storage_error(exc)
            if message is None:
                raise
            # The run row stays 'running'; the next start marks it killed.
            logger.error("Could not record the end of run %s: %s", self.run_id, message)
        finally:
            self.store.close()

    # -- navigation -------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.sources.seed_urls:
            request = self.page_request(url, via="seed", on=None, hops=0, priority=1000, seed=True)
            if request is not None:
                yield request
        for url in self.sources.feed_urls:
            yield self.feed_request(url, on=None)
        # Links an earlier run found but did not get to (killed, or out of budget).
        with self.storage():
            resumed = self.store.frontier(limit=self.sources.max_pages * SCHEDULE_FACTOR)
        for row in resumed:
            request = self.page_request(row["url"], via=row["via"], on=row["found_on"], hops=row["hops"],
                                        priority=row["priority"])  # fmt: skip
            if request is not None:
                self.crawler.stats.inc_value(f"{STATS}/frontier/resumed")
                yield request

    def feed_request(self, url: str, on: str | None) -> scrapy.Request:
        """A conditional request: the feed's stored ETag / Last-Modified go along,
        so an unchanged feed answers 304 and costs no parsing."""
        self.feeds_requested.add(url)
        with self.storage():
            state = self.store.feed_state(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return scrapy.Request(
            url, callback=self.parse_feed, errback=self.on_error, priority=900, headers=headers,
            meta={"seedcrawl": {"via": "feed", "on": on, "kind": "feed"}, "handle_httpstatus_list": [304]},
        )  # fmt: skip

    def page_request(
        self, url: str, via: str, on: str | None, hops: int, priority: int = 0, seed: bool = False
    ) -> scrapy.Request | None:
        """A request for an article page, or None if it is not worth one."""
        stats = self.crawler.stats
        try:
            canonical = canonical_url(url)
        except UrlError:
            stats.inc_value(f"{STATS}/skipped/bad_url")
            return None
        if canonical in self.requested:
            stats.inc_value(f"{STATS}/skipped/seen_this_run")
            return None
        trap = None if seed else self.traps.check(canonical)
        if trap:
            stats.inc_value(f"{STATS}/trap/{trap}")
            return None
        with self.storage():
            if not seed and self.store.is_known_url(canonical):
                stats.inc_value(f"{STATS}/skipped/known_url")
                return None
            if self.pages_requested >= self.sources.max_pages * SCHEDULE_FACTOR:
                stats.inc_value(f"{STATS}/skipped/schedule_cap")
                return None
            if not seed:
                self.store.add_to_frontier(canonical, via, on, hops, priority)
        self.pages_requested += 1
        self.requested.add(canonical)
        # dont_filter: this spider keeps its own seen set (above); Scrapy's
        # dupefilter would also swallow a redirect loop without a trace.
        return scrapy.Request(
            canonical,
            dont_filter=True,
            callback=self.parse_page,
            errback=self.on_error,
            priority=priority,
            meta={
                "seedcrawl": {"via": via, "on": on, "hops": hops, "seed": seed, "kind": "page"},
                "seedcrawl_budget": self.sources.max_pages,
                "seedcrawl_site_budget": self.sources.max_pages_per_site,
            },
        )

    def parse_feed(self, response: Response) -> Any:
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value(f"{STATS}/feed/not_modified")
            with self.storage():
                self.store.record_feed(response.url, last_status=304)
            return
        headers = {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        feed = parse_feed(response.body, response.url, headers)
        if feed.bozo:
            stats.inc_value(f"{STATS}/feed/bozo/{bozo_kind(feed.bozo)}")
            logger.warning("Malformed feed %s: %s", response.url, feed.bozo)
        if not feed.is_feed:
            stats.inc_value(f"{STATS}/feed/not_a_feed")
            with self.storage():
                self.store.record_feed(
                    response.url, last_status=response.status, entries=0, bozo=feed.bozo or "not a feed"
                )
            return
        stats.inc_value(f"{STATS}/feed/parsed")
        stats.inc_value(f"{STATS}/feed/entries", len(feed.entries))
        # Entries into the frontier first, the feed's validators after: a crawl
        # stopped in between (full disk, kill) fetches the whole feed again
        # next time, where a 304 would hide entries that never got queued.
        requests = [self.page_request(entry.url, via="feed", on=response.url, hops=0, priority=500)
                    for entry in feed.entries]  # fmt: skip
        with self.storage():
            self.store.record_feed(
                response.url,
                last_status=response.status,
                entries=len(feed.entries),
                bozo=feed.bozo,
                etag=_header(response, "ETag"),
                last_modified=_header(response, "Last-Modified"),
            )
        for request in requests:
            if request is not None:
                yield request

    async def parse_page(self, response: Response) -> Any:
        stats = self.crawler.stats
        meta = response.meta["seedcrawl"]
        stats.inc_value(f"{STATS}/pages")
        if not isinstance(response, TextResponse):
            self.drop_page(response, "not_html", "response is not text")
            return
        # Extraction and scoring run in a worker process; the reactor keeps fetching.
        try:
            analysis = await self.analyser(
                response.body, response.encoding, response.url, first_pass=self.first_pass and not meta["seed"]
            )
        except AnalysisFailed as exc:
            # Not recorded: the page stays in the frontier for the next run.
            stop_crawl(self.crawler, "analysis_failed", str(exc))
            return
        if analysis.first_pass:
            stats.inc_value(f"{STATS}/first_pass/dropped")
        if analysis.article is None:
            # A seed URL may be a front or section page: no article, but the
            # links are why it was listed. Their own words set their priority.
            follow = []
            if meta["seed"] and meta["hops"] < self.sources.max_depth:
                follow = list(self.follow_links(response, 0.0, meta["hops"] + 1))
            self.drop_page(response, analysis.error_reason or "no_text", analysis.error_detail or "")
            for request in follow:
                yield request
            return
        article, verdict = analysis.article, analysis.verdict
        # The links go into the frontier before the page is recorded as read:
        # a crawl killed in between finds them there when it starts again.
        follow = []
        if (meta["seed"] or verdict.relevant or verdict.borderline) and meta["hops"] < self.sources.max_depth:
            follow = list(self.follow_links(response, verdict.score, meta["hops"] + 1))
        yield PageItem(
            article=article,
            verdict=verdict,
            shingles=analysis.shingles,
            url=response.url,
            found_via=meta["via"],
            found_on=meta["on"],
            is_seed_page=meta["seed"],
            redirected_from=list(response.meta.get("redirect_urls", [])),
        )
        if meta["seed"]:
            for feed_url in discover_feeds(_link_elements(response), response.url):
                if feed_url not in self.feeds_requested:
                    stats.inc_value(f"{STATS}/feed/discovered")
                    yield self.feed_request(feed_url, on=response.url)
        for request in follow:
            yield request

    def follow_links(self, response: TextResponse, parent_score: float, hops: int) -> Any:
        """Links out of a page, best-first by the parent's score and the link's words."""
        for href in response.css("a::attr(href)").getall():
            scheme = href.strip().split(":", 1)[0].lower() if ":" in href[:12] else ""
            if scheme in ("javascript", "mailto", "data", "tel", "file", "ftp"):
                self.crawler.stats.inc_value(f"{STATS}/skipped/scheme/{scheme}")
        for link in self.link_extractor.extract_links(response):
            priority = self.model.link_priority(parent_score, link.text or "", link.url) if self.best_first else 0
            request = self.page_request(link.url, via="link", on=response.url, hops=hops, priority=priority)
            if request is not None:
                yield request

    # -- failures -------------------------------------------------------------

    def drop_page(self, response: Response | scrapy.Request, reason: str, detail: str) -> None:
        """Count and record a page that yields no article (a response, or the
        request whose download was cut off)."""
        self.crawler.stats.inc_value(f"{STATS}/dropped/{reason}")
        logger.info("Dropped %s (%s): %s", response.url, reason, detail)
        request = getattr(response, "request", None) or response
        with self.storage():
            self.store.record_url(
                canonical_url(response.url),
                reason,
                self.run_id,
                requested_url=request.url,
                http_status=getattr(response, "status", None),
                detail=detail[:500],
            )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta.get("seedcrawl", {})
        outcome = classify(failure, GuardedResolver.refusals)
        if outcome is None:
            return  # not fetched, not recorded: a later run may fetch it
        if outcome.name == "content_type":
            self.drop_page(outcome.response or request, outcome.name, outcome.detail)
            return
        if outcome.stat:
            self.crawler.stats.inc_value(f"{STATS}/{outcome.stat}")
        if outcome.is_error:
            logger.warning("Failed %s: %s", request.url, outcome.detail)
        else:
            logger.info("%s %s: %s", outcome.name.replace("_", " ").capitalize(), request.url, outcome.detail)
        if meta.get("kind") == "feed":
            with self.storage():
                self.store.record_feed(request.url, last_status=outcome.http_status, bozo=outcome.detail)
            return
        self.record_failure(request, outcome.name, outcome.detail, outcome.http_status)

    def record_failure(
        self, request: scrapy.Request, outcome: str, detail: str, http_status: int | None = None
    ) -> None:
        """Record what came of a request that produced no page, under the URL
        that was asked for (not where its redirects ended)."""
        meta = request.meta.get("seedcrawl", {})
        asked = (request.meta.get("redirect_urls") or [request.url])[0]
        with self.storage():
            self.store.record_url(
                canonical_url(asked), outcome, self.run_id, requested_url=asked, detail=detail,
                http_status=http_status, found_via=meta.get("via"), found_on=meta.get("on"),
            )  # fmt: skip


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _link_elements(response: TextResponse) -> list[tuple[str, str, str]]:
    return [
        (link.attrib.get("rel", ""), link.attrib.get("type", ""), link.attrib.get("href", ""))
        for link in response.css("link[rel]")
    ]

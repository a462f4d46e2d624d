"""The `related` spider: from seed pages and feeds to related coverage.

It decides only where to go next. The run (store, model, workers, the run
row) is crawler.crawlrun.CrawlRun's; reading a page is crawler.extract,
judging it crawler.relevance, and keeping it the StorePipeline.

Arguments (``scrapy crawl related -a NAME=VALUE``, resolved by the crawl
command into settings, crawler.config):

- ``sources``: path of the sources file (default seeds/sources.toml)
- ``storage``: storage folder for corpus.db and queue/ (default storage)
- ``max_pages``, ``max_depth``: override the limits in sources.toml
- ``run_id``: continue a run row the scheduler created (scheduler.py)
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from ..aggregators import is_opaque
from ..analysis import AnalysisFailed
from ..crawlrun import CrawlRun
from ..dates import LISTINGS
from ..dedup import UrlError, canonical_url, unwrap_url
from ..feeds import FeedEntry, bozo_kind, discover_feeds, parse_feed
from ..guard import installed_resolver
from ..items import PageItem
from ..linklearn import SiteLearner
from ..outcomes import classify
from ..run import stop_crawl
from ..search import GDELT_REACH, SearchResult, derive_queries, gdelt_url, parse_gdelt, rest_of_window
from ..sitemaps import FEED_ROOTS, SITEMAP_ROOTS, SitemapTooLarge, children_to_read, newer_than, read_sitemap
from ..store import FrontierLink
from ..summary import PAGES_SPENT
from ..traps import TrapDetector

logger = logging.getLogger(__name__)

STATS = "seedcrawl"
# Links scheduled per page of budget: enough candidates for best-first to
# choose from (the budget itself is spent at fetch time, PageBudgetMiddleware),
# bounded so a link-heavy site cannot fill memory.
SCHEDULE_FACTOR = 10
# Links left in the frontier by earlier runs are taken up to this many times
# the page budget, best first: a year-old frontier of 50,000 links took the
# whole schedule (10x the budget) and this run's own seeds and feeds got no
# place (bench/throughput.py --year). The rest wait for a later run, or `gc`.
RESUME_FACTOR = 2
# Weak links released from the reserve at a time, when the crawl runs out of better ones.
RESERVE_BATCH = 8
# The reserve is re-ranked by what the sites taught at most this often (seconds).
RERANK_SECONDS = 5.0
# Reserve links of busy sites looked past per release before it stops.
MAX_PASSED_OVER = 64
# How likely an entry is to be on topic before its title is read, in the
# units of a page's relevance score: a search result answers a query built
# from the seeds; a feed was chosen by the user for its subject; a sitemap
# lists everything a site publishes. Entries of the first two are never held
# back in reserve (the prior is above the threshold); a sitemap entry is,
# unless its title speaks of the topic.
SEARCH_PRIOR, FEED_PRIOR, SITEMAP_PRIOR = 0.6, 0.5, 0.3
# Sitemap indexes nest; a site's sitemaps are read this deep and this many per index at most.
MAX_SITEMAP_DEPTH = 2
MAX_SITEMAPS = 50
# A sitemap answered with these is gone for good: it holds nothing to read
# later, so it does not keep its site's window (crawler/windows.py) open.
GONE = (404, 410)


class Link(NamedTuple):
    """A page the crawl may fetch, and how it was found."""

    url: str
    via: str
    on: str | None
    hops: int
    priority: int = 0
    seed: bool = False
    source: str | None = None  # the seed URL or feed it descends from (the yield ledger)
    date_hint: str | None = None  # when a search engine saw it (a date for the page if it states none)
    anchor: str = ""  # the link's text, or the entry's title: what SiteLearner learns from


def frontier_link(url: str, link: Link) -> FrontierLink:
    """How the store keeps a link under its canonical ``url`` until it is resolved."""
    return FrontierLink(url, link.via, link.on, link.hops, link.priority, link.source, link.date_hint, link.anchor)


# A held-back link: (-priority, turn, request, priority before what the site taught).
ReserveEntry = tuple[int, int, scrapy.Request, int]


class RelatedSpider(scrapy.Spider):
    name = "related"

    best_first: bool
    concurrency: int  # CONCURRENT_REQUESTS: the places top_up keeps filled
    first_pass: bool
    content_types: tuple[str, ...]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pages_requested = 0
        self.requested: dict[str, int] = {}  # page URL -> the priority it was last requested at
        # Page URL -> the date each feed, sitemap or search of this run listed it
        # with: all of them are witnesses, not only the one that led to it first.
        self.listed_dates: dict[str, dict[str, str]] = {}
        self.reserve: list[ReserveEntry] = []
        self.arrivals = itertools.count()
        self.site_turns: Counter[str] = Counter()  # reserve links held per site so far
        self.reranked_at = float("-inf")
        self.learner = SiteLearner()
        self.feeds_requested: set[str] = set()
        self.link_extractor = LinkExtractor(unique=True)
        self.traps = TrapDetector()
        self._run: CrawlRun | None = None
        self.sites_requested: set[str] = set()
        self.analysing = 0  # pages fetched and in the workers' hands whose links are on the way

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RelatedSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.best_first = settings.getbool("SEEDCRAWL_BEST_FIRST")
        spider.first_pass = settings.getbool("SEEDCRAWL_FIRST_PASS")
        spider.content_types = tuple(settings.getlist("SEEDCRAWL_CONTENT_TYPES"))
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.top_up, signal=signals.request_left_downloader)
        spider.concurrency = settings.getint("CONCURRENT_REQUESTS")
        return spider

    @property
    def reserve_below(self) -> int:
        """Links ranked below this wait in reserve: the priority of a link out of
        a page scoring just at the relevance threshold, with no words of its own."""
        return int(round(100 * self.run.sources.threshold))

    @property
    def run(self) -> CrawlRun:
        """The run this spider navigates for (built by Scrapy after the spider)."""
        if self._run is None:
            self._run = self.crawler.get_extension(CrawlRun)
            assert self._run is not None, "CrawlRun is in EXTENSIONS (crawler/settings.py)"
        return self._run

    def on_headers(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Stop downloading a page that is not HTML before its body arrives."""
        meta = request.meta.get("seedcrawl", {})
        if meta.get("kind") != "page":
            return
        kind = (headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip().lower()
        if kind and not kind.startswith(self.content_types):
            raise StopDownload(fail=True)

    # -- navigation -------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        run = self.run
        if not run.started:
            return  # the run could not start (said by CrawlRun); nothing to fetch
        for url in run.sources.seed_urls:
            run.add_source(url, "seed")
            run.tally(url, "entries")
        seeds = (Link(url, "seed", None, 0, 1000, seed=True, source=url) for url in run.sources.seed_urls)
        for request in self.page_requests(seeds):
            yield request
        for url in run.sources.feed_urls:
            yield self.feed_request(url, on=None)
        for request in self.search_requests():
            yield request
        for site in run.sources.site_urls:
            yield self.site_request(site, source=site)
        # Links an earlier run found but did not get to (killed, or out of budget).
        with run.storage():
            resumed = run.store.frontier(limit=run.sources.max_pages * RESUME_FACTOR)
        links = (
            Link(
                row["url"],
                row["via"],
                row["found_on"],
                row["hops"],
                row["priority"],
                source=row["source"],
                date_hint=row["date_hint"],
                anchor=row["anchor"] or "",
            )
            for row in resumed
        )
        for request in self.page_requests(links):
            self.crawler.stats.inc_value(f"{STATS}/frontier/resumed")
            yield request

    def feed_request(self, url: str, on: str | None) -> scrapy.Request:
        """A conditional request: the feed's stored ETag / Last-Modified go along,
        so an unchanged feed answers 304 and costs no parsing."""
        self.feeds_requested.add(url)
        self.run.add_source(url, "feed")
        with self.run.storage():
            state = self.run.store.feed_state(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return scrapy.Request(
            url, callback=self.parse_feed, errback=self.on_error, priority=900, headers=headers,
            meta={"seedcrawl": {"via": "feed", "on": on, "kind": "feed", "source": url},
                  "handle_httpstatus_list": [304]},
        )  # fmt: skip

    def page_requests(self, links: Iterable[Link]) -> list[scrapy.Request]:
        """Requests for the article pages worth one, in the order given. The
        links are looked up and added to the frontier in one statement each."""
        stats = self.crawler.stats
        fresh: dict[str, Link] = {}
        boosted: dict[str, Link] = {}
        listed: list[tuple[str, str, str]] = []  # (page, listing, its date) of the links that carry a date
        for link in links:
            try:
                canonical = canonical_url(link.url)
            except UrlError:
                stats.inc_value(f"{STATS}/skipped/bad_url")
                continue
            if link.date_hint and link.via in LISTINGS:
                listed.append((canonical, link.via, link.date_hint))
            if canonical in fresh:
                stats.inc_value(f"{STATS}/skipped/seen_this_run")
                continue
            if canonical in self.requested:
                if not (self.best_first and link.priority > self.requested[canonical]):
                    stats.inc_value(f"{STATS}/skipped/seen_this_run")
                    continue
                # Found again on a better page: asked for again at the higher
                # priority (PageBudgetMiddleware lets only the first one through).
                stats.inc_value(f"{STATS}/reranked")
                boosted[canonical] = link
                continue
            trap = None if link.seed else self.traps.check(canonical, listed=link.via in LISTINGS)
            if trap:
                stats.inc_value(f"{STATS}/trap/{trap}")
                continue
            fresh[canonical] = link
        if not fresh and not boosted:
            self.note_listed(listed)
            return []
        with self.run.storage():
            found = [url for url, link in fresh.items() if not link.seed]
            unknown = set(self.run.store.unknown_urls(found))
            if len(found) > len(unknown):
                stats.inc_value(f"{STATS}/skipped/known_url", len(found) - len(unknown))
            room = max(0, self.run.sources.max_pages * SCHEDULE_FACTOR - self.pages_requested)
            chosen = [(url, link) for url, link in fresh.items() if link.seed or url in unknown]
            if len(chosen) > room:
                stats.inc_value(f"{STATS}/skipped/schedule_cap", len(chosen) - room)
                chosen = chosen[:room]
            self.run.store.add_to_frontier(frontier_link(url, link) for url, link in chosen if not link.seed)
            if boosted:
                self.run.store.raise_in_frontier(frontier_link(url, link) for url, link in boosted.items())
        chosen += list(boosted.items())
        self.pages_requested += len(chosen)
        self.requested.update((url, link.priority) for url, link in chosen)
        self.note_listed(listed)
        # dont_filter: this spider keeps its own seen set (above); Scrapy's
        # dupefilter would also swallow a redirect loop without a trace.
        requests = [
            scrapy.Request(
                url,
                dont_filter=True,
                callback=self.parse_page,
                errback=self.on_error,
                priority=link.priority,
                meta={
                    "seedcrawl": {
                        "via": link.via,
                        "on": link.on,
                        "hops": link.hops,
                        "seed": link.seed,
                        "kind": "page",
                        "source": link.source,
                        "date_hint": link.date_hint,
                        "anchor": link.anchor,
                    }
                },
            )  # fmt: skip
            for url, link in chosen
        ]
        return [request for request in requests if not self.held_back(request)]

    def note_listed(self, listed: list[tuple[str, str, str]]) -> None:
        """Keep the date each listing gave a page this run asks for: a witness
        for the page's date, whichever listing led to it (pages not asked for,
        known or past the budget, are not kept)."""
        for url, via, when in listed:
            if url in self.requested:
                self.listed_dates.setdefault(url, {}).setdefault(via, when)

    def held_back(self, request: scrapy.Request) -> bool:
        """Keep a weak link (out of an off-topic page, or a sitemap entry, with no
        topic words of its own) in reserve instead of scheduling it: it is fetched when nothing
        better is left (on_idle), so a better link found meanwhile, or the same
        one found again on an on-topic page, goes first."""
        meta = request.meta["seedcrawl"]
        if not self.best_first or meta["seed"] or request.priority >= self.reserve_below:
            return False
        base = request.priority - self.learner.adjustment(request.url, meta.get("anchor") or "")
        # Equal priorities go round the sites (each site's first link, then each
        # one's second, ...), then in the order found: links of one front page
        # do not line up behind one busy site while the others wait.
        site = urlsplit(request.url).hostname or ""
        turn = (self.site_turns[site] << 32) + next(self.arrivals)
        self.site_turns[site] += 1
        heapq.heappush(self.reserve, (-request.priority, turn, request, base))
        self.crawler.stats.inc_value(f"{STATS}/reserve/held")
        return True

    def superseded(self, request: scrapy.Request) -> bool:
        """The page was asked for again since, at a higher priority (that request went, or goes)."""
        return self.requested.get(request.url, request.priority) > request.priority

    def on_idle(self, spider: scrapy.Spider) -> None:
        """Nothing left to fetch: release the best of the reserve, while budget remains."""
        if self.release(RESERVE_BATCH):
            raise DontCloseSpider("links released from the reserve")

    def top_up(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A request left the downloader: if nothing better waits to fill its
        place (no scheduled request, no page in analysis whose links may be
        better), the best reserve links take the free places. On a slow web
        waiting for the crawl to go idle left the downloader nearly empty
        (0.17x the bare spider's pages/s on 10 hosts answering in 100-300 ms)."""
        engine = self.crawler.engine
        if not self.reserve or engine is None or engine.scheduler is None:
            return
        waiting = len(engine.scheduler) if hasattr(engine.scheduler, "__len__") else 0
        # Scrapy sends the signal before the downloader forgets the request:
        # its place is free already (counted taken, it stayed empty until the
        # next event, 1.4 of 16 places on 40 slow hosts).
        active = engine.downloader.active
        free = self.concurrency - (len(active) - (request in active)) - waiting - self.analysing
        if free > 0:
            self.release(free, leaving=request)

    def release(self, most: int, leaving: scrapy.Request | None = None) -> int:
        """Up to ``most`` of the best reserve links to the engine, while budget
        remains; how many went. ``leaving``: a request whose place is free though
        the downloader still holds it."""
        if not self.reserve or self.crawler.engine is None:
            return 0
        if self.crawler.stats.get_value(PAGES_SPENT, 0) >= self.run.sources.max_pages:
            return 0  # the budget is spent: what is left stays in the frontier for the next run
        self.rerank_reserve()
        downloader = self.crawler.engine.downloader
        released = 0
        # Links of sites whose places are all taken: the next free place is another site's.
        passed_over: list[ReserveEntry] = []
        while self.reserve and released < most and len(passed_over) < MAX_PASSED_OVER:
            entry = heapq.heappop(self.reserve)
            negative, _, request, _ = entry
            if self.superseded(request):
                continue
            slot = downloader.slots.get(downloader.get_slot_key(request))
            if slot is not None and len(slot.active) - (leaving in slot.active) >= slot.concurrency:
                passed_over.append(entry)
                continue
            self.crawler.engine.crawl(request if request.priority == -negative else request.replace(priority=-negative))
            self.crawler.stats.inc_value(f"{STATS}/reserve/released")
            released += 1
        for entry in passed_over:
            heapq.heappush(self.reserve, entry)
        return released

    def rerank_reserve(self) -> None:
        """The reserve ordered by what the sites' judged pages have taught since
        its links were held back (their words' and shapes' adjustments now), at
        most every RERANK_SECONDS: a large reserve costs its size in lookups."""
        now = time.monotonic()
        if now - self.reranked_at < RERANK_SECONDS:
            return
        self.reranked_at = now
        self.reserve = [
            (-(base + self.learner.adjustment(request.url, request.meta["seedcrawl"].get("anchor") or "")),
             arrival, request, base)
            for _, arrival, request, base in self.reserve
            if not self.superseded(request)
        ]  # fmt: skip
        heapq.heapify(self.reserve)

    def search_requests(self) -> list[scrapy.Request]:
        """This run's news searches (search.gdelt): the derived query and the
        pinned ones, each over its own window (crawler/windows.py) up to now."""
        sources = self.run.sources
        if not sources.gdelt:
            return []
        queries = [*derive_queries(self.run.model, sources.exclude, sources.languages), *sources.queries]
        end = datetime.now(UTC)
        requests = []
        for query in dict.fromkeys(queries):
            self.run.window_start(f"search: {query}", sources.first_days, GDELT_REACH)
            self.crawler.stats.inc_value(f"{STATS}/search/queries")
            self.run.add_source(f"search: {query}", "search")
            requests.append(self.search_request(query, end, 1))
        return requests

    def search_request(self, query: str, end: datetime, page: int) -> scrapy.Request:
        """A request for what GDELT lists for ``query`` from the query's
        window start to ``end``; ``page``: the query's how-manyth this run."""
        source = f"search: {query}"
        endpoint, start = self.crawler.settings.get("SEEDCRAWL_GDELT_URL"), self.run.asked_from[source]
        url = gdelt_url(endpoint, query, start, end, self.run.sources.max_records)
        return scrapy.Request(
            url, callback=self.parse_search, errback=self.on_error, priority=800, dont_filter=True,
            meta={"seedcrawl": {"via": "search", "on": None, "kind": "search", "source": source, "query": query,
                                "end": end.isoformat(), "page": page},
                  "download_slot": "gdelt"},
        )  # fmt: skip

    def rest_of_search(self, response: Response, result: SearchResult) -> scrapy.Request | None:
        """The request for the rest of a query's window when GDELT's answer
        was full (search.max_requests a query at most); the query counts as
        answered once its window is all asked for. Where it cannot be (the
        request limit, results all dated alike) what was left is counted
        and said, and the window moves on as it does for an answered query."""
        meta = response.meta["seedcrawl"]
        source, query, page, end = meta["source"], meta["query"], meta["page"], datetime.fromisoformat(meta["end"])
        sources = self.run.sources
        complete, rest_end = rest_of_window(result, sources.max_records, self.run.asked_from[source], end)
        if rest_end is not None and page < sources.max_requests:
            self.crawler.stats.inc_value(f"{STATS}/search/more")
            return self.search_request(query, rest_end, page + 1)
        if not complete:
            self.crawler.stats.inc_value(f"{STATS}/search/left_unasked")
            logger.warning("News search (%s) was answered in full (search.max_records, %d) %d time(s), the most a "
                           "run asks (search.max_requests): what GDELT saw from %s to %s was not asked for", source,
                           sources.max_records, page, self.run.asked_from[source].isoformat(timespec="minutes"),
                           (rest_end or end).isoformat(timespec="minutes"))  # fmt: skip
        self.run.answered.add(source)
        return None

    def parse_search(self, response: Response) -> Any:
        """Search results: each article is a candidate page, its seendate a date hint."""
        source = response.meta["seedcrawl"]["source"]
        with self.run.storage():
            self.run.archive_response(response)
        result = parse_gdelt(response.body)
        if result.notice is not None:
            self.crawler.stats.inc_value(f"{STATS}/search/notice")
            self.run.tally(source, "errors")
            logger.warning("News search answered with a notice instead of results (%s): %s", source, result.notice)
            return
        if result.repaired:
            self.crawler.stats.inc_value(f"{STATS}/search/repaired", result.repaired)
            logger.warning("News search answered with invalid JSON (%s): %d stray backslash(es) left out, %d "
                           "result(s) read", source, result.repaired, len(result.hits))  # fmt: skip
        self.crawler.stats.inc_value(f"{STATS}/search/results", len(result.hits))
        self.run.tally(source, "entries", len(result.hits))
        rest = self.rest_of_search(response, result)
        if rest is not None:
            yield rest
        yield from self.page_requests(
            Link(
                url,
                "search",
                response.url,
                0,
                self.entry_priority(SEARCH_PRIOR, hit.title, url),
                source=source,
                date_hint=hit.seen,
                anchor=hit.title,
            )
            for hit in result.hits
            for url in (self.unwrapped(hit.url),)
        )

    def site_request(self, site: str, source: str) -> scrapy.Request:
        """A site's robots.txt, for the sitemaps it lists (each site once a run);
        what it gives is counted to ``source`` (the site, or the feed that led to it)."""
        self.sites_requested.add(site)
        if source == site:
            self.run.add_source(site, "site")
        return scrapy.Request(
            urljoin(site, "/robots.txt"), callback=self.parse_sitemap_robots, errback=self.on_error, priority=850,
            dont_filter=True, meta={"seedcrawl": {"via": "sitemap", "on": None, "kind": "sitemap", "source": source,
                                                  "site": site},
                                    "handle_httpstatus_list": [403, 404, 410]},
        )  # fmt: skip

    def parse_sitemap_robots(self, response: Response) -> Any:
        """A site's sitemaps, as its robots.txt lists them (else /sitemap.xml)."""
        source, site = response.meta["seedcrawl"]["source"], response.meta["seedcrawl"]["site"]
        found = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        for url in dict.fromkeys(found or [urljoin(site, "/sitemap.xml")]):
            yield self.sitemap_request(url, source, site, depth=0)

    def sitemap_request(self, url: str, source: str, site: str, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_sitemap, errback=self.on_error, priority=850, dont_filter=True,
            meta={"seedcrawl": {"via": "sitemap", "on": None, "kind": "sitemap", "source": source, "site": site,
                                "depth": depth}},
        )  # fmt: skip

    def parse_sitemap(self, response: Response) -> Any:
        """A sitemap index's newer sitemaps, or a sitemap's newer pages."""
        meta = response.meta["seedcrawl"]
        stats = self.crawler.stats
        with self.run.storage():
            self.run.archive_response(response)
        try:
            sitemap = read_sitemap(response.body, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"), response.url)
        except SitemapTooLarge as exc:
            stats.inc_value(f"{STATS}/sitemap/too_large")
            self.run.tally(meta["source"], "errors")
            logger.warning("Sitemap %s skipped: %s", response.url, exc)
            return
        stats.inc_value(f"{STATS}/sitemap/parsed")
        if sitemap.root in FEED_ROOTS:
            stats.inc_value(f"{STATS}/sitemap/feed")
        elif sitemap.root not in SITEMAP_ROOTS:
            stats.inc_value(f"{STATS}/sitemap/not_a_sitemap")
            what = (f"its root element is <{sitemap.root}>" if sitemap.root
                    else "it is not XML" if response.body.strip() else "it is empty")  # fmt: skip
            logger.warning("Sitemap %s is not a sitemap or a feed (%s): nothing to read in it", response.url, what)
        if unreadable := sitemap.unreadable_dates:
            stats.inc_value(f"{STATS}/sitemap/unreadable_dates", len(unreadable))
            so = "those sitemaps are read" if sitemap.is_index else "those pages are not fetched"
            logger.warning("Sitemap %s: the dates of %d entries could not be read (the first: %r); they count as "
                           "undated, so %s", response.url, len(unreadable), unreadable[0][:80], so)  # fmt: skip
        since = self.run.window_start(meta["source"], self.run.sources.site_first_days)
        self.run.answered.add(meta["source"])
        if sitemap.is_index:
            # A sitemap without a lastmod may hold new pages; one dated before the last run does not.
            children, left = children_to_read(sitemap.entries, since, MAX_SITEMAPS)
            if meta["depth"] >= MAX_SITEMAP_DEPTH:
                stats.inc_value(f"{STATS}/sitemap/too_deep")
                logger.warning("Sitemap index %s is an index within %d others: the %d sitemap(s) it lists are not "
                               "read (indexes are read %d deep)", response.url, meta["depth"], len(children) + left,
                               MAX_SITEMAP_DEPTH)  # fmt: skip
                return
            if left:
                stats.inc_value(f"{STATS}/sitemap/children_left", left)
                logger.warning("Sitemap index %s lists %d sitemaps that may hold new pages: %d read, the newest first, "
                               "%d left", response.url, len(children) + left, len(children), left)  # fmt: skip
            for entry in children:
                yield self.sitemap_request(entry.url, meta["source"], meta["site"], meta["depth"] + 1)
            return
        fresh = newer_than(sitemap.entries, since)
        stats.inc_value(f"{STATS}/sitemap/entries", len(sitemap.entries))
        self.run.tally(meta["source"], "entries", len(fresh))
        yield from self.page_requests(
            Link(entry.url, "sitemap", response.url, 0, self.entry_priority(SITEMAP_PRIOR, entry.title, entry.url),
                 source=meta["source"], date_hint=entry.date.isoformat() if entry.date else None, anchor=entry.title)
            for entry in fresh
        )  # fmt: skip

    def parse_feed(self, response: Response) -> Any:
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value(f"{STATS}/feed/not_modified")
            with self.run.storage():
                self.run.store.record_feed(response.url, last_status=304)
            return
        with self.run.storage():
            self.run.archive_response(response)
        headers = {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        feed = parse_feed(response.body, response.url, headers)
        if feed.bozo:
            stats.inc_value(f"{STATS}/feed/bozo/{bozo_kind(feed.bozo)}")
            logger.warning("Malformed feed %s: %s", response.url, feed.bozo)
        if not feed.is_feed:
            stats.inc_value(f"{STATS}/feed/not_a_feed")
            with self.run.storage():
                self.run.store.record_feed(
                    response.url, last_status=response.status, entries=0, bozo=feed.bozo or "not a feed"
                )
            return
        stats.inc_value(f"{STATS}/feed/parsed")
        stats.inc_value(f"{STATS}/feed/entries", len(feed.entries))
        # Entries into the frontier first, the feed's validators after: a crawl
        # stopped in between (full disk, kill) fetches the whole feed again
        # next time, where a 304 would hide entries that never got queued.
        source = response.meta["seedcrawl"]["source"]
        self.run.tally(source, "entries", len(feed.entries))
        links = [link for entry in feed.entries if (link := self.entry_link(entry, response.url, source)) is not None]
        requests = self.page_requests(links)
        # A lead's story is looked for on its publisher's own site, through the
        # site's sitemaps (never through the aggregator), counted to this feed.
        for site in dict.fromkeys(e.source_url for e in feed.entries if is_opaque(e.url) and e.source_url):
            if site not in self.sites_requested and urlsplit(site).scheme in ("http", "https"):
                self.crawler.stats.inc_value(f"{STATS}/feed/lead_sites")
                requests.append(self.site_request(site, source=source))
        with self.run.storage():
            self.run.store.record_feed(
                response.url,
                last_status=response.status,
                entries=len(feed.entries),
                bozo=feed.bozo,
                etag=_header(response, "ETag"),
                last_modified=_header(response, "Last-Modified"),
            )
        yield from requests

    def entry_link(self, entry: FeedEntry, feed_url: str, source: str) -> Link | None:
        """The page a feed entry leads to: its own URL, the publisher's URL its
        aggregator wrapper carries (the wrapper becomes an alias), or none: an
        opaque wrapper is kept as a lead (crawler.aggregators)."""
        if is_opaque(entry.url):
            self.crawler.stats.inc_value(f"{STATS}/feed/leads")
            self.run.tally(source, "leads")
            site = entry.source_url
            with self.run.storage():
                self.run.store.record_lead(
                    entry.url, feed_url, self.run.run_id, title=entry.title, publisher=entry.source_name,
                    site=site, published=entry.published,
                )  # fmt: skip
            return None
        url = self.unwrapped(entry.url)
        priority = self.entry_priority(FEED_PRIOR, entry.title, url)
        return Link(url, "feed", feed_url, 0, priority, source=source, date_hint=entry.day, anchor=entry.title)

    def entry_priority(self, prior: float, title: str, url: str) -> int:
        """An entry of a search, feed or sitemap, ranked as a link is: its
        channel's prior stands for the score of the page a link is on, and the
        words of its title and URL for the anchor's."""
        if not self.best_first:
            return int(round(100 * prior))
        return self.learned(self.run.model.link_priority(prior, title, url), url, title)

    def learned(self, priority: int, url: str, anchor: str) -> int:
        """``priority`` adjusted by what the site's other links have led to (crawler/linklearn.py)."""
        return priority + self.learner.adjustment(url, anchor)

    def unwrapped(self, url: str) -> str:
        """``url``, or the publisher's URL if ``url`` is a wrapper that carries
        one (dedup.unwrap_url); the wrapper is recorded as an alias of it."""
        target = unwrap_url(url)
        if target == url:
            return url
        self.crawler.stats.inc_value(f"{STATS}/unwrapped")
        try:
            page = canonical_url(target)
        except UrlError:
            return target
        with self.run.storage():
            self.run.store.record_alias(url, page, self.run.run_id, "aggregator wrapper")
        return target

    async def parse_page(self, response: Response) -> list[Any]:
        stats = self.crawler.stats
        meta = response.meta["seedcrawl"]
        stats.inc_value(f"{STATS}/pages")
        self.run.tally(meta.get("source"), "fetched")
        if not isinstance(response, TextResponse):
            self.drop_page(response, "not_html", "response is not text")
            return []
        # Extraction and scoring run in a worker process; the reactor keeps fetching.
        # A page at the depth limit brings no links: reserve links need not wait for it.
        leads_on = meta["hops"] < self.run.sources.max_depth
        self.analysing += leads_on
        try:
            analysis = await self.run.analyser(
                response.body,
                response.encoding,
                response.url,
                first_pass=self.first_pass and not meta["seed"],
                boilerplate=self.run.boilerplate.lines(response.url),
            )
        except AnalysisFailed as exc:
            # Not recorded: the page stays in the frontier for the next run.
            stop_crawl(self.crawler, "analysis_failed", str(exc))
            return []
        finally:
            self.analysing -= leads_on
        if analysis.first_pass:
            stats.inc_value(f"{STATS}/first_pass/dropped")
        if not meta["seed"] and (analysis.verdict is not None or analysis.error_reason == "offtopic"):
            on_topic = analysis.verdict is not None and analysis.verdict.relevant
            self.learner.record(response.url, meta.get("anchor") or "", on_topic)
        if analysis.article is None:
            # A seed URL may be a front or section page: no article, but the
            # links are why it was listed. Their own words set their priority.
            follow = []
            if meta["seed"] and leads_on:
                follow = self.follow_links(response, 0.0, meta["hops"] + 1)
            self.drop_page(response, analysis.error_reason or "no_text", analysis.error_detail or "")
            return follow
        article, verdict = analysis.article, analysis.verdict
        assert verdict is not None  # an article always comes with its verdict
        # The links go into the frontier before the page is recorded as read:
        # a crawl killed in between finds them there when it starts again.
        follow = []
        if (meta["seed"] or verdict.relevant or verdict.borderline) and leads_on:
            follow = self.follow_links(response, verdict.score, meta["hops"] + 1)
        out: list[Any] = [
            PageItem(
                article=article,
                verdict=verdict,
                shingles=analysis.shingles,
                url=response.url,
                found_via=meta["via"],
                found_on=meta["on"],
                is_seed_page=meta["seed"],
                redirected_from=list(response.meta.get("redirect_urls", [])),
                source=meta.get("source"),
                date_hint=meta.get("date_hint"),
                listed_dates=self.listed_dates.pop(asked_url(response), {}),
                response=response,
            )
        ]
        if meta["seed"]:
            for feed_url in discover_feeds(_link_elements(response), response.url):
                if feed_url not in self.feeds_requested:
                    stats.inc_value(f"{STATS}/feed/discovered")
                    out.append(self.feed_request(feed_url, on=response.url))
        return out + follow

    def follow_links(self, response: TextResponse, parent_score: float, hops: int) -> list[scrapy.Request]:
        """Links out of a page, best-first by the parent's score and the link's words."""
        for href in response.css("a::attr(href)").getall():
            scheme = href.strip().split(":", 1)[0].lower() if ":" in href[:12] else ""
            if scheme in ("javascript", "mailto", "data", "tel", "file", "ftp"):
                self.crawler.stats.inc_value(f"{STATS}/skipped/scheme/{scheme}")
        model = self.run.model
        source = response.meta["seedcrawl"].get("source")
        links = []
        for link in self.link_extractor.extract_links(response):
            if is_opaque(link.url):
                self.crawler.stats.inc_value(f"{STATS}/skipped/opaque_wrapper")
                continue
            url = self.unwrapped(link.url)
            anchor = link.text or ""
            priority = (
                self.learned(model.link_priority(parent_score, anchor, url), url, anchor) if self.best_first else 0
            )
            links.append(Link(url, "link", response.url, hops, priority, source=source, anchor=anchor))
        if self.best_first:
            # Best first in the order they are handed over too: the downloader takes
            # requests as the callback yields them, before the scheduler can rank the rest.
            links.sort(key=lambda link: link.priority, reverse=True)
        return self.page_requests(links)

    # -- failures -------------------------------------------------------------

    def drop_page(self, response: Response | scrapy.Request, reason: str, detail: str) -> None:
        """Count and record a page that yields no article (a response, or the
        request whose download was cut off)."""
        self.crawler.stats.inc_value(f"{STATS}/dropped/{reason}")
        logger.debug("Dropped %s (%s): %s", response.url, reason, detail)  # counted; the progress line sums them
        request = getattr(response, "request", None) or response
        # Requests are made for canonical URLs: only a redirect needs the work again.
        url = response.url if response.url == request.url else canonical_url(response.url)
        with self.run.storage():
            self.run.store.record_url(
                url,
                reason,
                self.run.run_id,
                requested_url=request.url,
                http_status=getattr(response, "status", None),
                detail=detail[:500],
            )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta.get("seedcrawl", {})
        resolver = installed_resolver()
        outcome = classify(failure, resolver.refusals if resolver else None)
        if outcome is None:
            return  # not fetched, not recorded: a later run may fetch it
        if outcome.name == "content_type":
            self.drop_page(outcome.response or request, outcome.name, outcome.detail)
            return
        if outcome.stat:
            self.crawler.stats.inc_value(f"{STATS}/{outcome.stat}")
        if outcome.is_error:
            self.run.tally(meta.get("source"), "errors")
            logger.warning("Failed %s: %s", request.url, outcome.detail)
        else:
            logger.debug("%s %s: %s", outcome.name.replace("_", " ").capitalize(), request.url, outcome.detail)
        if meta.get("kind") == "feed":
            with self.run.storage():
                self.run.store.record_feed(request.url, last_status=outcome.http_status, bozo=outcome.detail)
            return
        if meta.get("kind") == "sitemap" and outcome.is_error and outcome.http_status not in GONE:
            # What this sitemap lists is still to be read: the site's window stays (a gone one lists nothing).
            self.run.failed.add(meta.get("source"))
        self.record_failure(request, outcome.name, outcome.detail, outcome.http_status)

    def record_failure(
        self, request: scrapy.Request, outcome: str, detail: str, http_status: int | None = None
    ) -> None:
        """Record what came of a request that produced no page, under the URL
        that was asked for (not where its redirects ended)."""
        meta = request.meta.get("seedcrawl", {})
        asked = asked_url(request)
        with self.run.storage():
            self.run.store.record_url(
                canonical_url(asked), outcome, self.run.run_id, requested_url=asked, detail=detail,
                http_status=http_status, found_via=meta.get("via"), found_on=meta.get("on"),
            )  # fmt: skip


def asked_url(message: Response | scrapy.Request) -> str:
    """The URL a request was made for, before its redirects (Scrapy's
    RedirectMiddleware keeps them in meta, a response shares its request's)."""
    return (message.meta.get("redirect_urls") or [message.url])[0]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _link_elements(response: TextResponse) -> list[tuple[str, str, str]]:
    return [
        (link.attrib.get("rel", ""), link.attrib.get("type", ""), link.attrib.get("href", ""))
        for link in response.css("link[rel]")
    ]

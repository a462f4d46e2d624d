"""StorePipeline: dedup, store, and emit each page the spider extracted.

Order matters and is the same for every page that reaches it: a copy of
something already stored is recorded as a copy (whatever its topic); then
language, then relevance; only what survives all three becomes a queued
candidate. Pages the first pass dropped (crawler/analysis.py) never get
here: they are recorded by the spider, without a document.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured

from .crawlrun import CrawlRun
from .dedup import UrlError, canonical_url
from .items import PageItem, candidate_record
from .run import stop_crawl
from .store import Document

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
STATS = "seedcrawl"


class StorePipeline:
    def __init__(self, crawler: Crawler, run: CrawlRun) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        run = crawler.get_extension(CrawlRun)
        if run is None:
            raise NotConfigured("StorePipeline stores what a CrawlRun records (the related spider)")
        return cls(crawler, run)

    def process_item(self, item: PageItem) -> dict[str, Any]:
        """Everything a page leaves in the database, in one transaction: its
        document, the record of its URL, and its removal from the frontier.
        A queued page goes on as a flat record (what feed exports write)."""
        store = self.run.store
        try:
            with store.write():
                outcome = self._process(item)
        except (sqlite3.Error, OSError) as exc:
            message = store.explain_or_raise(exc)
            # Nothing more can be stored: stop cleanly rather than fail page after page.
            stop_crawl(self.crawler, "storage_error", message)
            raise DropItem(message) from None
        if isinstance(outcome, DropItem):
            raise outcome  # after the commit: a drop is an outcome, not a failure
        return outcome

    def _archive(self, item: PageItem, doc: Document, keep: bool = True) -> None:
        """The page's response into the run's WARC file, and where it went onto
        the document's row (in the page's transaction: a record the database
        never points to is harmless; a row pointing nowhere would not be)."""
        if keep and item.response is not None and self.run.store.text_owner(doc.hash) == doc.hash:
            self.run.store.record_fetch(doc.hash, self.run.archive_response(item.response))

    def _process(self, item: PageItem) -> DropItem | dict[str, Any]:
        store, run_id = self.run.store, self.run.run_id
        article, verdict = item.article, item.verdict
        page_url = canonical_url(item.url)
        doc = Document.from_page(item)

        def record(outcome: str, detail: str | None = None) -> None:
            store.record_url(
                page_url,
                outcome,
                run_id,
                requested_url=item.url,
                hash=doc.hash,
                detail=detail,
                found_via=item.found_via,
                found_on=item.found_on,
                http_status=200,
            )

        for how, other in [("redirect", u) for u in item.redirected_from] + [("canonical", doc.canonical_url)]:
            try:
                alias = canonical_url(other)
            except UrlError:
                continue
            if alias != page_url:
                store.record_alias(alias, page_url, run_id, how)

        match = store.find_duplicate(doc.hash, doc.shingles)
        if item.is_seed_page:
            # The page a seed file was taken from: a copy of that seed (one
            # document per seed in search and the report), else a seed text of its own.
            if match is not None:
                store.add_copy(match, doc, run_id)
            else:
                store.add_document(doc, "seed", run_id)
                self._archive(item, doc)
            record("seed")
            self.stats.inc_value(f"{STATS}/seed_pages")
            return DropItem(f"seed page {item.url}")

        if verdict.relevant:
            self.run.tally(item.source, "on_topic")
        if match is not None:
            store.add_copy(match, doc, run_id)
            record("duplicate", f"{match.kind} copy of {match.digest[:16]} ({match.similarity:.2f})")
            self.stats.inc_value(f"{STATS}/dropped/duplicate")
            self.stats.inc_value(f"{STATS}/dropped/duplicate/{match.kind}")
            return DropItem(f"{match.kind} duplicate of {match.digest[:16]}: {item.url}")

        # A distinct text of its site: its short paragraphs counted, and the
        # lines now seen on enough of the site's pages stored as its boilerplate.
        self.run.boilerplate.learn(item.url, doc.text)
        learned = self.run.boilerplate.take_new()
        if learned:
            store.add_boilerplate(learned, run_id)
            self.stats.inc_value(f"{STATS}/boilerplate/learned", sum(map(len, learned.values())))

        languages = self.run.sources.languages
        if languages and article.language not in languages:
            store.add_document(doc, "language", run_id)
            self._archive(item, doc, keep=self.run.sources.archive_offtopic)
            record("language", f"language {article.language}")
            self.stats.inc_value(f"{STATS}/dropped/language")
            return DropItem(f"language {article.language} not kept: {item.url}")

        if not (verdict.relevant or verdict.borderline):  # a weak "no" is kept for the reviewer
            store.add_document(doc, "offtopic", run_id)
            self._archive(item, doc, keep=self.run.sources.archive_offtopic)
            record("offtopic", f"score {verdict.score:.3f}")
            self.stats.inc_value(f"{STATS}/dropped/offtopic")
            return DropItem(f"off topic ({verdict.score:.3f}): {item.url}")

        path = store.add_candidate(doc, run_id)
        self._archive(item, doc)
        record("queued", path.name)
        self.run.tally(item.source, "queued")
        self.stats.inc_value(f"{STATS}/queued")
        if verdict.borderline:
            self.stats.inc_value(f"{STATS}/queued/borderline")
        logger.info(
            "Queued %s (score %.3f%s): %s", path.name, verdict.score, ", borderline" if verdict.borderline else "",
            article.title,
        )  # fmt: skip
        return candidate_record({**doc.row("pending", run_id), "queue_file": path.name})

"""Reading and judging pages in worker processes, off Scrapy's reactor thread.

Extraction (trafilatura + readability) and scoring are pure CPU work, 70-100
ms a page: on the reactor thread they stall every download. A process pool
runs them on all cores while the reactor keeps fetching. Each worker gets
the fitted relevance model once, when it starts.

Most pages a crawl reaches are off topic, so a first pass judges cheap
previews of each page (its paragraph and body text, a few ms) and only
pages that may be on topic are extracted in full. Seed pages are always
read in full.

``workers = 0`` runs everything in the calling process (tests, debugging).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

from .dedup import shingle_sample
from .extract import MIN_TEXT_CHARS, Article, ExtractionError, confirm, detect_language, draft_article, previews
from .relevance import TopicModel, Verdict

_worker_model: TopicModel | None = None  # set in each worker by _start_worker
PARENT_CHECK_SECONDS = 1.0
# A page past the first pass whose unconfirmed text (trafilatura alone)
# scores under this share of the threshold is recorded as read, without the
# second extractor's opinion: it is off topic however that trims it. On
# bench/relevance.py none of the 274 pages the full path queues scores under
# the threshold before confirmation; at 0.8, 38% of the off-topic pages past
# the first pass skip readability (at 0.9, 88%, with less margin).
SECOND_OPINION_SHARE = 0.8
# Paragraph text shorter than this is too little to tell the language by.
FIRST_PASS_MIN_CHARS = 500


@dataclass(frozen=True)
class Analysis:
    """What a worker sends back: an article and its verdict, or why there is none."""

    article: Article | None
    verdict: Verdict | None
    error_reason: str | None = None
    error_detail: str | None = None
    first_pass: bool = False  # dropped on its preview, never extracted
    shingles: frozenset[int] = frozenset()  # the article's near-duplicate sample


def analyse(
    html: str, url: str, model: TopicModel, languages: tuple[str, ...] = (), first_pass: bool = False
) -> Analysis:
    """Extract and judge one page. Errors come back as values: exceptions
    with custom arguments do not survive the trip between processes."""
    if first_pass:
        dropped = screen(html, model, languages)
        if dropped is not None:
            return dropped
    try:
        article = draft_article(html, url)
    except ExtractionError as exc:
        return Analysis(None, None, exc.reason, str(exc))
    verdict = model.judge(article.text) if first_pass else None
    if verdict is None or verdict.score >= SECOND_OPINION_SHARE * model.threshold:
        article = confirm(article, html)
        verdict = model.judge(article.text)
    return Analysis(article, verdict, shingles=frozenset(shingle_sample(article.text)))


def screen(html: str, model: TopicModel, languages: tuple[str, ...]) -> Analysis | None:
    """The first pass: why a page is dropped on its preview, or None when
    it must be read in full."""
    prose, body = previews(html)
    if len(body.strip()) < MIN_TEXT_CHARS:
        return None  # too little to judge; the extraction says what is wrong, and cheaply
    if languages and len(prose) >= FIRST_PASS_MIN_CHARS:
        language = detect_language(prose)
        if language is not None and language not in languages:
            return Analysis(None, None, "language", f"language {language} (first pass)", first_pass=True)
    # The paragraphs hold less chrome; the body also holds a story set in <div>s.
    verdict = max(model.first_pass(prose), model.first_pass(body), key=lambda v: v.score)
    if verdict.relevant:
        return None
    detail = f"first pass {verdict.score:.3f} < {model.first_pass_cutoff:.3f}; {verdict.reason}"
    return Analysis(None, verdict, "offtopic", detail, first_pass=True)


def _start_worker(model: TopicModel, crawl_pid: int) -> None:
    global _worker_model
    _worker_model = model
    threading.Thread(target=_exit_with_parent, args=(crawl_pid,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker when the crawl that started it is gone.

    A crawl killed with SIGKILL cannot shut its pool down, and a spawned
    worker holds both ends of its task queue, so it would wait for work
    forever: each orphan kept ~180 MB until the machine ran out of memory.
    The crawl's pid comes from the crawl itself: a worker still importing
    when the crawl died would otherwise take its new parent for the crawl.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _analyse_in_worker(body: bytes, encoding: str, url: str, languages: tuple[str, ...], first_pass: bool) -> Analysis:
    assert _worker_model is not None, "worker started without a model"
    return analyse(decode(body, encoding), url, _worker_model, languages, first_pass)


def decode(body: bytes, encoding: str) -> str:
    """A page's text as Scrapy's ``TextResponse.text`` decodes it.

    The crawl sends the raw body and the encoding Scrapy found for it, and
    the worker decodes: bytes cross to the worker as they are, where a str
    would be encoded to UTF-8 by pickle in the crawl's process and decoded
    again here. (Scrapy's MetaRefreshMiddleware still decodes each page in
    the crawl's process, to look at its first 4,096 characters.)
    """
    return html_to_unicode(f"charset={encoding}", body)[1]


class PageAnalyser:
    """Runs ``analyse`` in a process pool (or inline with no workers)."""

    def __init__(self, model: TopicModel, workers: int | None = None, languages: tuple[str, ...] = ()) -> None:
        self.model = model
        self.languages = languages
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        # spawn, not fork: forking a process with reactor and resolver threads can
        # leave a lock held forever in the child.
        context = multiprocessing.get_context("spawn")
        self.pool = (
            ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_start_worker, initargs=(model, os.getpid())
            )
            if self.workers
            else None
        )

    async def __call__(self, body: bytes, encoding: str, url: str, first_pass: bool = False) -> Analysis:
        if self.pool is None:
            return analyse(decode(body, encoding), url, self.model, self.languages, first_pass)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.pool, _analyse_in_worker, body, encoding, url, self.languages, first_pass
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

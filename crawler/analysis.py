"""Reading and judging pages in worker processes, off Scrapy's reactor thread.

Extraction (trafilatura + readability) and scoring are pure CPU work, 70-100
ms a page: on the reactor thread they stall every download. A process pool
runs them on all cores while the reactor keeps fetching (crawler/workers.py).
Each worker gets the fitted relevance model once, when it starts.

Most pages a crawl reaches are off topic, so a first pass judges cheap
previews of each page (its paragraph and body text, a few ms) and only
pages that may be on topic are extracted in full. Seed pages are always
read in full.

``workers = 0`` runs everything in the calling process (tests, debugging).

Stopping: the workers never see the terminal's Ctrl-C or a SIGTERM sent to
the crawl's process group (systemd's default): they are started with those
signals blocked and ignore them, finish the pages in hand, and exit when
the crawl closes their pipes (or when the crawl itself is gone). A worker
that dies anyway (the kernel's OOM killer) is replaced and the pages it
held are read again, up to ``restarts`` times per crawl; after that
``AnalysisFailed`` says what happened and the crawl stops. A page whose
analysis a worker died on twice is recorded as ``analysis_failed``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

from .boilerplate import strip
from .dedup import shingle_sample
from .extract import MIN_TEXT_CHARS, Article, ExtractionError, confirm, detect_language, draft_article, previews
from .relevance import TopicModel, Verdict
from .workers import JobStoppedWorkers, WorkerDied, WorkerPool

logger = logging.getLogger(__name__)

_worker_model: TopicModel | None = None  # set in each worker by _start_worker
# Worker processes replaced per crawl before the crawl gives up (setting
# SEEDCRAWL_WORKER_RESTARTS).
DEFAULT_RESTARTS = 3
# A page past the first pass whose unconfirmed text (trafilatura alone) and
# whose preview (its paragraphs) both score under this share of the threshold
# is recorded as read, without the second extractor's opinion. The draft
# alone is not enough: trafilatura can miss a story set in <div>s that
# readability then finds, and 13 of the 298 pages bench/relevance.py's full
# path queues scored 0.00-0.30 on their draft (0.49 and more on their
# preview). With both: none lost, 69% of the off-topic pages past the first
# pass skip readability.
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
    html: str,
    url: str,
    model: TopicModel,
    languages: tuple[str, ...] = (),
    first_pass: bool = False,
    boilerplate: frozenset[str] = frozenset(),
) -> Analysis:
    """Extract and judge one page, without its site's ``boilerplate`` lines
    (crawler/boilerplate.py). Errors come back as values: exceptions with
    custom arguments do not survive the trip between processes."""
    preview = 0.0
    if first_pass:
        dropped, preview = screen(html, model, languages)
        if dropped is not None:
            return dropped
    try:
        article = draft_article(html, url)
    except ExtractionError as exc:
        return Analysis(None, None, exc.reason, str(exc))
    if boilerplate:
        text, removed = strip(article.title, article.body, boilerplate)
        if removed:
            article = dataclasses.replace(article, text=text)
    verdict = model.judge(article.text) if first_pass else None
    if verdict is None or max(verdict.score, preview) >= SECOND_OPINION_SHARE * model.threshold:
        article = confirm(article, html)
        verdict = model.judge(article.text)
    return Analysis(article, verdict, shingles=frozenset(shingle_sample(article.text)))


def screen(html: str, model: TopicModel, languages: tuple[str, ...]) -> tuple[Analysis | None, float]:
    """The first pass: why a page is dropped on its preview (or None when it
    must be read in full), and the preview's score."""
    prose, body = previews(html)
    if len(body.strip()) < MIN_TEXT_CHARS:
        return None, 0.0  # too little to judge; the extraction says what is wrong, and cheaply
    if languages and len(prose) >= FIRST_PASS_MIN_CHARS:
        language = detect_language(prose)
        if language is not None and language not in languages:
            return Analysis(None, None, "language", f"language {language} (first pass)", first_pass=True), 0.0
    # The paragraphs hold less chrome; the body also holds a story set in <div>s.
    verdict = max(model.first_pass(prose), model.first_pass(body), key=lambda v: v.score)
    if verdict.relevant:
        return None, verdict.score
    detail = f"first pass {verdict.score:.3f} < {model.first_pass_cutoff:.3f}; {verdict.reason}"
    return Analysis(None, verdict, "offtopic", detail, first_pass=True), verdict.score


class AnalysisFailed(RuntimeError):
    """Worker processes keep dying; the message is one line saying how."""


def _start_worker(model: TopicModel) -> None:
    global _worker_model
    _worker_model = model


def _analyse_in_worker(
    body: bytes, encoding: str, url: str, languages: tuple[str, ...], first_pass: bool, boilerplate: frozenset[str]
) -> Analysis:
    assert _worker_model is not None, "worker started without a model"
    return analyse(decode(body, encoding), url, _worker_model, languages, first_pass, boilerplate)


def decode(body: bytes, encoding: str) -> str:
    """A page's text as Scrapy's ``TextResponse.text`` decodes it.

    The crawl sends the raw body and the encoding Scrapy found for it, and
    the worker decodes: bytes cross to the worker as they are, where a str
    would be encoded to UTF-8 by pickle in the crawl's process and decoded
    again here.
    """
    return html_to_unicode(f"charset={encoding}", body)[1]


class PageAnalyser:
    """Runs ``analyse`` in worker processes (crawler/workers.py), or inline with no workers."""

    def __init__(
        self, model: TopicModel, workers: int | None = None, languages: tuple[str, ...] = (),
        restarts: int = DEFAULT_RESTARTS,
    ) -> None:  # fmt: skip
        self.model = model
        self.languages = languages
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.pool = (
            WorkerPool(self.workers, _analyse_in_worker, _start_worker, (model,), restarts, name="analysis worker")
            if self.workers
            else None
        )

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """The workers get the model now, on the crawl's loop, not with its first page."""
        if self.pool is not None:
            self.pool.attach(loop)

    async def __call__(
        self, body: bytes, encoding: str, url: str, first_pass: bool = False, boilerplate: frozenset[str] = frozenset()
    ) -> Analysis:
        if self.pool is None:
            return analyse(decode(body, encoding), url, self.model, self.languages, first_pass, boilerplate)
        try:
            result: Analysis = await self.pool.run(body, encoding, url, self.languages, first_pass, boilerplate)
        except JobStoppedWorkers:
            return Analysis(None, None, "analysis_failed", "its analysis stopped a worker process twice")
        except WorkerDied as exc:
            raise AnalysisFailed(
                f"{exc}; the crawl stopped (out of memory? see SEEDCRAWL_WORKERS and the system log)"
            ) from None
        return result

    def each(self, jobs: Iterable[tuple[bytes, str, str, frozenset[str]]], in_flight: int = 16) -> Iterator[Analysis]:
        """Full analyses of (body, encoding, url, boilerplate lines), in order,
        for a caller without an event loop of its own (seedcrawl reextract):
        the workers are driven from a loop in a thread of their own, at most
        ``in_flight`` pages in their hands at once. Workers that keep dying
        end it with AnalysisFailed; the workers are stopped at its end."""
        if self.pool is None:
            for body, encoding, url, lines in jobs:
                yield analyse(decode(body, encoding), url, self.model, self.languages, False, lines)
            return
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="seedcrawl-analysis", daemon=True)
        thread.start()
        try:
            pending: deque[concurrent.futures.Future[Analysis]] = deque()
            for body, encoding, url, lines in jobs:
                pending.append(asyncio.run_coroutine_threadsafe(self(body, encoding, url, False, lines), loop))
                if len(pending) >= in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            self.close()
            loop.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

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

Stopping: the workers never see the terminal's Ctrl-C or a SIGTERM sent to
the crawl's process group (systemd's default): they are started with those
signals blocked and ignore them, finish the pages in hand, and exit when
the crawl closes the pool (or when the crawl itself is gone). A worker that
dies anyway (the kernel's OOM killer) breaks the pool: it is replaced and
the pages it held are read again, up to ``restarts`` times per crawl; after
that ``AnalysisFailed`` says what happened and the crawl stops.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

from .boilerplate import strip
from .dedup import shingle_sample
from .extract import MIN_TEXT_CHARS, Article, ExtractionError, confirm, detect_language, draft_article, previews
from .relevance import TopicModel, Verdict

logger = logging.getLogger(__name__)

_worker_model: TopicModel | None = None  # set in each worker by _start_worker
PARENT_CHECK_SECONDS = 1.0
# The signals a terminal or a service manager sends to stop a crawl: the
# crawl's own process handles them, the workers must not.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
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


def _start_worker(model: TopicModel, crawl_pid: int) -> None:
    global _worker_model
    for number in STOP_SIGNALS:  # blocked since the spawn; ignored for good
        signal.signal(number, signal.SIG_IGN)
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
    again here. (Scrapy's MetaRefreshMiddleware still decodes each page in
    the crawl's process, to look at its first 4,096 characters.)
    """
    return html_to_unicode(f"charset={encoding}", body)[1]


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Processes started inside inherit a mask that blocks SIGINT and SIGTERM
    from their first instruction (an ignore set in the initializer would
    leave the import time open to a KeyboardInterrupt traceback)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class PageAnalyser:
    """Runs ``analyse`` in a process pool (or inline with no workers)."""

    def __init__(
        self, model: TopicModel, workers: int | None = None, languages: tuple[str, ...] = (),
        restarts: int = DEFAULT_RESTARTS,
    ) -> None:  # fmt: skip
        self.model = model
        self.languages = languages
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.restarts_left = restarts
        self.restarted = 0
        self.failed: AnalysisFailed | None = None  # once set, every page gets it
        self.pool = self._new_pool() if self.workers else None

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: forking a process with reactor and resolver threads can
        # leave a lock held forever in the child.
        pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(self.model, os.getpid()),
        )  # fmt: skip
        with _stop_signals_blocked():
            # The pool starts a worker per task while none is idle: start them
            # all now, inside the mask (their first task is nothing).
            for _ in range(self.workers):
                pool.submit(os.getpid)
        # The pool's own table (private) is read once, now: the pool drops a
        # dead worker from it, and then nothing would say how it died.
        self.processes = list((getattr(pool, "_processes", None) or {}).values())
        return pool

    async def __call__(
        self, body: bytes, encoding: str, url: str, first_pass: bool = False, boilerplate: frozenset[str] = frozenset()
    ) -> Analysis:
        if not self.workers:
            return analyse(decode(body, encoding), url, self.model, self.languages, first_pass, boilerplate)
        loop = asyncio.get_running_loop()
        for _attempt in (1, 2):
            pool = self.pool
            if self.failed is not None or pool is None:
                raise self.failed or AnalysisFailed("the analysis workers were stopped")
            try:
                return await loop.run_in_executor(
                    pool, _analyse_in_worker, body, encoding, url, self.languages, first_pass, boilerplate
                )
            except BrokenProcessPool:
                self._replace(pool)
        detail = "its analysis stopped a worker process twice"
        return Analysis(None, None, "analysis_failed", detail)

    def each(self, jobs: Iterable[tuple[bytes, str, str, frozenset[str]]], in_flight: int = 16) -> Iterator[Analysis]:
        """Full analyses of (body, encoding, url, boilerplate lines), in order,
        from outside a reactor (seedcrawl reextract): at most ``in_flight``
        pages in the pool's hands at once. A worker that dies ends it with
        AnalysisFailed."""
        if self.pool is None:
            for body, encoding, url, lines in jobs:
                yield analyse(decode(body, encoding), url, self.model, self.languages, False, lines)
            return
        pending: deque[Future[Analysis]] = deque()
        for body, encoding, url, lines in jobs:
            pending.append(self.pool.submit(_analyse_in_worker, body, encoding, url, self.languages, False, lines))
            if len(pending) >= in_flight:
                yield self._result(pending.popleft())
        while pending:
            yield self._result(pending.popleft())

    def _result(self, future: Future[Analysis]) -> Analysis:
        try:
            return future.result()
        except BrokenProcessPool:
            raise AnalysisFailed(f"an analysis worker process died ({_how_workers_died(self.processes)})") from None

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new pool for one whose worker died (once, however many pages saw it)."""
        if self.pool is not broken:
            return
        how = _how_workers_died(self.processes)
        # The pool stops its other workers with SIGTERM, which they ignore (see
        # the module's docstring), and then waits for them: end them for it.
        for process in self.processes:
            if process.exitcode is None:
                process.kill()
        broken.shutdown(wait=True, cancel_futures=True)
        if self.restarts_left <= 0:
            self.pool = None
            self.failed = AnalysisFailed(
                f"an analysis worker process died ({how}) after {self.restarted} replacement(s); "
                "the crawl stopped (out of memory? see SEEDCRAWL_WORKERS and the system log)"
            )
            raise self.failed
        self.restarts_left -= 1
        self.restarted += 1
        logger.warning("An analysis worker process died (%s); starting new workers, pages in hand are read again", how)
        self.pool = self._new_pool()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _how_workers_died(processes: list[multiprocessing.process.BaseProcess], patience: float = 1.0) -> str:
    """ "pid 123 killed by SIGKILL", for people. The pool's own thread may be
    reaping the dead worker at this very moment (its exit code shows a little
    later), so this looks again for up to ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while True:
        for process in processes:
            code = process.exitcode
            if code is not None and code < 0:
                try:
                    return f"pid {process.pid} killed by {signal.Signals(-code).name}"
                except ValueError:
                    return f"pid {process.pid} killed by signal {-code}"
            if code not in (None, 0):
                return f"pid {process.pid} exited with status {code}"
        if time.monotonic() >= deadline:
            return "killed"
        time.sleep(0.02)

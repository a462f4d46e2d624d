"""Reading and judging pages in worker processes, off Scrapy's reactor thread.

Extraction (trafilatura + readability) and scoring are pure CPU work, about
80 ms a page: on the reactor thread they stall every download. A process
pool runs them on all cores while the reactor keeps fetching. Each worker
gets the fitted relevance model once, when it starts.

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

from .extract import Article, ExtractionError, extract_article
from .relevance import TopicModel, Verdict

_worker_model: TopicModel | None = None  # set in each worker by _start_worker
PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Analysis:
    """What a worker sends back: an article and its verdict, or why there is none."""

    article: Article | None
    verdict: Verdict | None
    error_reason: str | None = None
    error_detail: str | None = None


def analyse(html: str, url: str, model: TopicModel) -> Analysis:
    """Extract and judge one page. Errors come back as values: exceptions
    with custom arguments do not survive the trip between processes."""
    try:
        article = extract_article(html, url)
    except ExtractionError as exc:
        return Analysis(None, None, exc.reason, str(exc))
    return Analysis(article, model.judge(article.text))


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


def _analyse_in_worker(html: str, url: str) -> Analysis:
    assert _worker_model is not None, "worker started without a model"
    return analyse(html, url, _worker_model)


class PageAnalyser:
    """Runs ``analyse`` in a process pool (or inline with no workers)."""

    def __init__(self, model: TopicModel, workers: int | None = None) -> None:
        self.model = model
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

    async def __call__(self, html: str, url: str) -> Analysis:
        if self.pool is None:
            return analyse(html, url, self.model)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, _analyse_in_worker, html, url)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

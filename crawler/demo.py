"""`seedcrawl demo`: a real crawl of the bundled sample web, offline.

Starts the sample web (crawler.sampleweb) on loopback addresses, writes a
sources.toml for it beside a copy of the seeds in a separate demo folder,
runs the real `related` spider in a child process (the same command a user
runs) and returns what landed in the queue.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import crawl_command, crawl_environment
from .sampleweb import ADDRESSES, SampleWeb, SampleWebServer
from .seedfile import seed_files
from .store import DB_NAME, QUEUE_DIR, Store

REPO_SEEDS = Path(__file__).resolve().parents[1] / "seeds"
# Seconds a stopped demo crawl has to close before it is killed (the sample web answers at once).
STOP_GRACE = 30.0


@dataclass(frozen=True)
class DemoRun:
    folder: Path
    web: SampleWeb
    returncode: int
    log_file: Path

    @property
    def storage(self) -> Path:
        return self.folder / "storage"

    @property
    def queue(self) -> Path:
        return self.storage / QUEUE_DIR


def prepare_folder(
    folder: Path, seeds_from: Path, web: SampleWeb, max_pages: int = 100, discovery: bool = False
) -> Path:
    """A fresh demo folder: seeds/ (copied) with a sources.toml for the sample web;
    ``discovery`` adds its news sitemap site and its news search (the demo's)."""
    if folder.exists():
        shutil.rmtree(folder)
    seeds = folder / "seeds"
    seeds.mkdir(parents=True)
    for path in seed_files(seeds_from):
        shutil.copy2(path, seeds / path.name)
    lines = [
        "# Written by `seedcrawl demo` for the sample web on 127.0.0.1-4.",
        "[seeds]",
        "urls = [" + ", ".join(f'"{u}"' for u in web.seed_urls) + "]",
        "[feeds]",
        "urls = [" + ", ".join(f'"{u}"' for u in web.feed_urls) + "]",
        "[network]",
        "# The sample web lives on loopback addresses, which the crawler refuses by default.",
        "allow_hosts = [" + ", ".join(f'"{a}"' for a in ADDRESSES) + "]",
        "[limits]",
        f"max_pages = {max_pages}",
        "max_depth = 2",
        "per_domain_concurrency = 4",
        "download_timeout = 10",
    ]
    if discovery:
        lines += [
            "[sites]",
            "urls = [" + ", ".join(f'"{u}"' for u in web.site_urls) + "]",
            "[search]",
            "# Answered by the sample web's own search endpoint (SEEDCRAWL_GDELT_URL on the crawl's command line).",
            "gdelt = true",
        ]
    sources = seeds / "sources.toml"
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sources


def start_crawl(sources: Path, storage: Path, log_file: Path, *extra: str) -> subprocess.Popen[bytes]:
    """The crawl as a child process (the caller waits, or kills it). Loopback
    answers in microseconds; a real site gets the default start delay.

    In a session of its own, as the scheduler starts it: a terminal's Ctrl-C
    reaches the demo, which asks the crawl to close (``stop_crawl``); sent to
    the child as well, it printed a traceback from inside Scrapy's import."""
    command = crawl_command(sources, storage, log_file, "-s", "AUTOTHROTTLE_START_DELAY=0.05", *extra)
    return subprocess.Popen(command, env=crawl_environment(), start_new_session=True)


def run_crawl(sources: Path, storage: Path, log_file: Path, *extra: str, timeout: float = 300) -> int:
    """The crawl's exit status; interrupted (Ctrl-C, the timeout), the crawl
    is stopped before the interruption goes on, never left running."""
    crawl = None
    try:
        with interrupt_deferred():
            crawl = start_crawl(sources, storage, log_file, *extra)
        return crawl.wait(timeout)
    except BaseException:
        if crawl is not None:
            stop_crawl(crawl)
        raise


@contextmanager
def interrupt_deferred() -> Iterator[None]:
    """A Ctrl-C that comes while the block runs takes effect when it ends.

    Raised inside subprocess.Popen after the fork (Popen only tidies its
    pipes), it left the crawl it had started running with no handle to stop
    it, while the demo said the crawl had closed. The signal is raised again
    after the block, under the handler there was before (ignored, if it was)."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is None or threading.current_thread() is not threading.main_thread():
        yield  # a handler Python cannot put back, or a thread signals never reach
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


def stop_crawl(crawl: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """SIGTERM, Scrapy's graceful shutdown (the run is recorded as stopped),
    then SIGKILL after ``grace`` seconds or at a second Ctrl-C."""
    if crawl.poll() is not None:
        return
    crawl.send_signal(signal.SIGTERM)
    try:
        crawl.wait(grace)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        crawl.kill()
        crawl.wait()


def run_demo(folder: Path, seeds_from: Path = REPO_SEEDS) -> DemoRun:
    if not seed_files(seeds_from):
        raise FileNotFoundError(f"{seeds_from}: no seed files; run the demo from a clone of the repository")
    with SampleWebServer(seeds_from) as web:
        sources = prepare_folder(folder, seeds_from, web, discovery=True)
        storage = folder / "storage"
        log_file = folder / "crawl.log"
        code = run_crawl(sources, storage, log_file, "-s", f"SEEDCRAWL_GDELT_URL={web.search_url}")
    if code == 0 and last_run_status(storage) != "finished":
        code = 1
    return DemoRun(folder, web, code, log_file)


def last_run_status(storage: Path) -> str | None:
    """How the newest crawl in a storage folder ended ("finished" if it ran to the end)."""
    if not (storage / DB_NAME).exists():
        return None
    store = Store(storage)
    try:
        run = store.last_run()
    finally:
        store.close()
    return run["status"] if run else None

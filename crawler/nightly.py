"""The nightly crawl: an APScheduler 3 cron job that runs the crawl in a child process.

Scrapy's reactor cannot be started twice in one process, so each crawl is
``python -m scrapy crawl related`` in a child; the scheduler records the
child's exit status and log file in the run's row. Never two crawls at
once: the job has ``max_instances=1`` and the child takes the storage
folder's crawl lock (crawler.lock), shared with crawls started by hand.

A machine that was off at 02:30 catches up once when the scheduler starts
(not once per missed night). SIGTERM or Ctrl-C stops the scheduler and
passes SIGTERM to a running crawl, which Scrapy closes gracefully; after
``schedule.shutdown_timeout`` seconds it is killed. The crawl runs in a
session of its own, so a terminal's Ctrl-C reaches only the scheduler, and
the crawl hears of it once, from the scheduler (a signal sent to the whole
group by systemd is absorbed by the crawl when it comes twice).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from tzlocal import get_localzone

from .config import crawl_command, crawl_environment
from .lock import CrawlLock, CrawlLocked
from .sources import DEFAULT_SOURCES, Sources, SourcesError, load_sources
from .store import Store, StoreError

logger = logging.getLogger("seedcrawl.scheduler")
JOB_ID = "nightly-crawl"
DEFAULT_STORAGE = Path("storage")


@dataclass(frozen=True)
class NightlyConfig:
    sources_path: Path
    storage: Path
    sources: Sources

    @classmethod
    def load(cls, sources_path: Path = DEFAULT_SOURCES, storage: Path = DEFAULT_STORAGE) -> NightlyConfig:
        return cls(Path(sources_path), Path(storage), load_sources(sources_path))

    @property
    def timezone(self) -> Any:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.sources.timezone) if self.sources.timezone else get_localzone()

    def trigger(self) -> CronTrigger:
        hour, minute = map(int, self.sources.time.split(":"))
        return CronTrigger(hour=hour, minute=minute, timezone=self.timezone)


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last time at or before ``now`` the trigger fired (or would have)."""
    start = now - timedelta(days=8)  # longer than any period we schedule
    previous, current = None, trigger.get_next_fire_time(None, start)
    while current is not None and current <= now:
        previous, current = current, trigger.get_next_fire_time(current, current + timedelta(seconds=1))
    return previous


def needs_catch_up(last_success: datetime | None, trigger: CronTrigger, now: datetime) -> bool:
    """True when a scheduled run was missed since the last successful one.

    Missing one night or ten gives the same answer: one run at start.
    """
    previous = previous_fire_time(trigger, now)
    if previous is None:
        return False
    return last_success is None or last_success < previous


class CrawlRunner:
    """Runs one crawl at a time in a child process and can stop it gracefully."""

    def __init__(self, config: NightlyConfig, extra_args: tuple[str, ...] = ()) -> None:
        self.config = config
        self.extra_args = extra_args
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        # Held while the crawl's process starts: a stop that comes meanwhile
        # either finds the child or is found by run(), never neither.
        self.starting = threading.RLock()

    def command(self, run_id: int, log_file: Path) -> list[str]:
        return crawl_command(self.config.sources_path, self.config.storage, log_file, *self.extra_args, run_id=run_id)

    def run(self, trigger: str = "schedule") -> int:
        """One crawl in a child process; returns its exit status (2 if refused)."""
        if self.stopping.is_set():
            return 1
        storage = self.config.storage
        holder = CrawlLock.for_storage(storage).holder()
        store = Store(storage)
        try:
            if holder is not None:
                run_id = store.start_run(self.config.sources_path, trigger, status="skipped")
                store.record_exit(run_id, 2)
                logger.warning("Crawl not started: another crawl is running (pid %s)", holder.get("pid"))
                return 2
            logs = storage / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            log_file = logs / f"crawl-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"
            run_id = store.start_run(self.config.sources_path, trigger, log_file=log_file, status="starting")
        finally:
            store.close()
        logger.info("Crawl %d starting, log %s", run_id, log_file)
        command = self.command(run_id, log_file)
        with self.starting:
            self.child = subprocess.Popen(command, env=crawl_environment(), start_new_session=True)  # noqa: S603
            if self.stopping.is_set():  # asked to stop while this run was being prepared: stop() found no child
                self.child.send_signal(signal.SIGTERM)
        code = self.child.wait()
        self.child = None
        store = Store(storage)
        try:
            status = store.record_exit(run_id, code, stopped=self.stopping.is_set())
            row = store.run(run_id)
        finally:
            store.close()
        # A stop asked for (shutdown) is not a failure: said, not shouted.
        level = {"finished": logging.INFO, "shutdown": logging.WARNING}.get(status, logging.ERROR)
        if code and status == "finished":
            level = logging.ERROR  # it ran to its end, then failed
        logger.log(
            level,
            "Crawl %d %s (exit %d): %s pages, %s new, %s duplicates, %s errors",
            run_id, status, code, *(row[k] or 0 for k in ("pages", "new", "duplicates", "errors")),
        )  # fmt: skip
        if self.config.sources.gc_nightly and not self.stopping.is_set():
            self.collect_garbage()
        if self.config.sources.rescore_nightly and not self.stopping.is_set():
            self.rescore_queue()
        return code

    def rescore_queue(self) -> None:
        """relevance.rescore_nightly: the queue, and the pages judged off topic,
        judged again by the model the reviewer's decisions made
        (crawler/rescore.py); a stop ends it between transactions, a failure
        is a warning (the pages keep their scores)."""
        from .rescore import rescore_queue

        sources = self.config.sources
        store = Store(self.config.storage)
        try:
            done = rescore_queue(store, sources.seeds_dir, sources, stopping=self.stopping.is_set, misses=True)
        except (StoreError, sqlite3.Error, OSError, ValueError) as exc:
            logger.warning("The queue was not judged again (%s); it keeps its scores", exc)
            return
        finally:
            store.close()
        logger.info(
            "Queue judged again by the model of your decisions: %d candidate(s), %d score(s) changed, "
            "%d fell below the threshold, %d rose above it",
            done.judged, done.changed, done.fell_below, done.rose_above,
        )  # fmt: skip
        if done.misses is not None:
            logger.info(
                "Pages judged off topic, judged again: %d, %d score(s) changed, %d now reach the cut the crawl "
                "queues at (`seedcrawl misses` lists them first)",
                done.misses.judged, done.misses.changed, done.misses.rose_above,
            )  # fmt: skip

    def collect_garbage(self) -> None:
        """housekeeping.nightly: `seedcrawl gc` after the crawl, holding the crawl lock."""
        from .lock import CrawlLock, CrawlLocked
        from .store.housekeeping import cutoff

        days = self.config.sources.frontier_days
        try:
            lock = CrawlLock.for_storage(self.config.storage).acquire("seedcrawl schedule: gc")
        except CrawlLocked as exc:
            logger.warning("gc skipped: %s", exc)
            return
        store = Store(self.config.storage)
        try:
            done = store.collect(cutoff(days))
        finally:
            store.close()
            lock.release()
        logger.info(
            "gc: removed %d frontier link(s) older than %d days; %.1f MB freed",
            done.frontier_removed, days, done.freed / 1e6,
        )  # fmt: skip

    def stop(self, timeout: float) -> None:
        """Ask a running crawl to close (SIGTERM: Scrapy's graceful shutdown), then kill it.

        Only the first call signals: Scrapy treats a second SIGTERM as a
        demand for an unclean shutdown.
        """
        with self.starting:
            if self.stopping.is_set():
                return
            self.stopping.set()
            child = self.child
        if child is None or child.poll() is not None:
            return  # none running: a run() starting one sees ``stopping`` and stops it
        logger.info("Stopping the running crawl (pid %d), up to %.0f s", child.pid, timeout)
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.error("Crawl pid %d did not stop within %.0f s; killing it", child.pid, timeout)
            child.kill()
            child.wait()


def build_scheduler(config: NightlyConfig, runner: CrawlRunner) -> BlockingScheduler:
    """The scheduler with its one job; nothing starts until .start()."""
    scheduler = BlockingScheduler(timezone=config.timezone)
    scheduler.add_job(
        runner.run, config.trigger(), id=JOB_ID, name="nightly crawl", max_instances=1,
        coalesce=True, misfire_grace_time=3600,
    )  # fmt: skip
    return scheduler


def catch_up_if_missed(config: NightlyConfig, scheduler: BlockingScheduler, runner: CrawlRunner) -> bool:
    store = Store(config.storage)
    try:
        last = store.last_success()
    finally:
        store.close()
    now = datetime.now(config.timezone)
    last_success = datetime.fromisoformat(last) if last else None
    if not needs_catch_up(last_success, config.trigger(), now):
        return False
    logger.info("Last successful crawl %s is older than the last scheduled time: running one now", last or "never")
    scheduler.add_job(runner.run, id="catch-up", name="catch-up crawl", kwargs={"trigger": "catch-up"})
    return True


def next_run_time(config: NightlyConfig) -> datetime | None:
    return config.trigger().get_next_fire_time(None, datetime.now(config.timezone))


def main(argv: list[str] | None = None) -> int:
    """scheduler.py's command line."""
    parser = argparse.ArgumentParser(prog="scheduler.py", description="Run the seedcrawl crawl every night.")
    parser.add_argument(
        "--sources", type=Path, default=DEFAULT_SOURCES, help="sources file (default seeds/sources.toml)"
    )
    parser.add_argument("--storage", type=Path, default=DEFAULT_STORAGE, help="storage folder (default storage)")
    parser.add_argument("--once", action="store_true", help="run one crawl now and exit with its status")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args, extra = parser.parse_known_args(argv)
    return run_scheduler(args.sources, args.storage, once=args.once, extra_args=tuple(extra), debug=args.debug)


def run_scheduler(
    sources: Path, storage: Path, once: bool = False, extra_args: tuple[str, ...] = (), debug: bool = False
) -> int:
    """Run the nightly crawl until stopped (or one crawl, ``once``); the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    try:
        config = NightlyConfig.load(sources, storage)
        Store(config.storage).close()
    except (SourcesError, StoreError, CrawlLocked) as exc:
        if debug:
            raise
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return 2
    runner = CrawlRunner(config, extra_args)
    if once:
        return runner.run(trigger="once")
    try:  # held while the scheduler runs: `status` names it, a second scheduler is refused
        held = CrawlLock.for_scheduler(config.storage).acquire("seedcrawl schedule")
    except CrawlLocked as exc:
        print(f"seedcrawl: {exc}", file=sys.stderr)
        return 2
    try:
        return _run_until_stopped(config, runner)
    finally:
        held.release()


def _run_until_stopped(config: NightlyConfig, runner: CrawlRunner) -> int:
    """The blocking scheduler, until SIGTERM or Ctrl-C (which stop a running crawl cleanly)."""
    scheduler = build_scheduler(config, runner)
    timeout = config.sources.shutdown_timeout

    stopper = threading.Thread(target=runner.stop, args=(timeout,), name="stop-crawl")

    def shut_down(signum: int, frame: Any) -> None:
        logger.info("Received %s: shutting down", signal.Signals(signum).name)
        if not stopper.is_alive() and not runner.stopping.is_set():
            stopper.start()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    logger.info(
        "Nightly crawl at %s %s (%s); next run %s",
        config.sources.time, config.timezone, "from sources.toml" if config.sources.timezone else "the machine's zone",
        next_run_time(config),
    )  # fmt: skip
    catch_up_if_missed(config, scheduler, runner)
    scheduler.start()
    # The scheduler is down; a crawl that was running is closing (or being killed).
    if stopper.is_alive():
        stopper.join(timeout + 10)
    return 0

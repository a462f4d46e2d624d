"""One crawl at a time per storage folder: storage/crawl.lock; one
scheduler at a time too: storage/scheduler.lock.

The lock is an flock(2) on the file, held for the life of the crawling
process, so the kernel releases it when the process dies however it dies.
The file also says who holds it (pid, start time, command) so a second
crawl can name the running one. A file whose lock is free but whose content
names a process is what a killed crawl leaves behind: it is reported as
stale and taken over.

The scheduler holds its lock for its whole life, so `seedcrawl status` can
tell a scheduler waiting for 02:30 from none at all (nothing will run), and
a second scheduler on the same folder (the systemd unit, and one started by
hand) is refused instead of crawling beside it every night.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "crawl.lock"
SCHEDULER_LOCK_NAME = "scheduler.lock"


class CrawlLocked(RuntimeError):
    """Another crawl holds the lock; the message names it."""


@dataclass
class CrawlLock:
    path: Path
    stale: dict | None = None  # what a killed crawl left behind, if anything
    scheduler: bool = False  # the scheduler's lock, not a crawl's

    @classmethod
    def for_storage(cls, storage: Path) -> CrawlLock:
        return cls(Path(storage) / LOCK_NAME)

    @classmethod
    def for_scheduler(cls, storage: Path) -> CrawlLock:
        """The lock a running scheduler holds for its life."""
        return cls(Path(storage) / SCHEDULER_LOCK_NAME, scheduler=True)

    def acquire(self, command: str | None = None) -> CrawlLock:
        """Take the lock or raise CrawlLocked naming the crawl that has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read(fd))
            os.close(fd)
            if self.scheduler:
                raise CrawlLocked(
                    f"a scheduler is already running for {self.path.parent} ({holder}); "
                    "one is enough: stop it first to start another"
                ) from None
            raise CrawlLocked(
                f"another crawl is running on {self.path.parent} ({holder}); wait for it to finish or stop it first"
            ) from None
        previous = _read(fd)
        self.stale = previous or None  # the lock was free, so whoever wrote this is gone
        info = {
            "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command or " ".join(sys.argv),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is None:
            return
        os.ftruncate(fd, 0)  # an empty file is a clean release, not a stale lock
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        del self._fd

    def holder(self) -> dict | None:
        """Who holds the lock now, or None if nobody does."""
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read(fd) or {"pid": "?"}
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> CrawlLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> dict:
    data = os.pread(fd, 4096, 0)
    try:
        return json.loads(data) if data.strip() else {}
    except ValueError:
        return {"pid": "?", "command": data[:100].decode("utf-8", "replace")}


def _describe(info: dict) -> str:
    if not info:
        return "pid unknown"
    return f"pid {info.get('pid', '?')}, started {info.get('started', '?')}: {info.get('command', '?')}"


def describe_stale(info: dict) -> str:
    return f"cleared a stale lock left by a crawl that is no longer running ({_describe(info)})"

"""Opening a storage folder: the connection, its pragmas, write transactions.

The database is opened through sqlite-utils in WAL mode, so a reviewer
reads while a crawl writes. Every write transaction that reads first
begins with BEGIN IMMEDIATE (``write``): in WAL mode a deferred
transaction that read before a reviewer's commit cannot write at all
(SQLITE_BUSY at once, which no busy timeout retries); taking the write
lock first makes it wait its turn.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from ..seedfile import SEED_NAME
from .errors import DB_NAME, StoreError, busy_timeout_s, explain_or_raise, explain_storage_error
from .schema import migrations

logger = logging.getLogger(__name__)

QUEUE_DIR = "queue"
# Queue files whose document the database does not hold (a crash between a
# file's rename and its row's commit) are moved here, never deleted.
ORPHANS_DIR = "orphans"
# Space set aside while a crawl runs (a ballast file), given back when the
# disk fills up so the run's last row can still be written.
RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 256 * 1024


# SQLite's limit on host parameters in one statement is 32,766 since 3.32.
CHUNK = 30_000


def in_chunks(values: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """``values`` in lists small enough for one ``in (...)`` each, with the
    list's placeholders."""
    values = list(values)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def queue_files(queue_dir: Path) -> list[Path]:
    if not queue_dir.is_dir():
        return []
    return [path for path in queue_dir.iterdir() if SEED_NAME.match(path.name)]


def same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


# The WAL file's size after a checkpoint (SQLite checkpoints every 1,000 pages, ~4 MB).
WAL_LIMIT_BYTES = 64 * 1024 * 1024


class StoreBase:
    """The database and the queue folder of one storage directory."""

    def __init__(self, storage_dir: Path | str, create: bool = True, busy_timeout: float | None = None) -> None:
        """Open the storage folder's database; ``create=False`` (read-only
        commands) refuses a folder with no database instead of making one.
        ``busy_timeout`` (seconds) defaults to SEEDCRAWL_BUSY_TIMEOUT."""
        self.storage_dir = Path(storage_dir)
        self.queue_dir = self.storage_dir / QUEUE_DIR
        self.busy_timeout = busy_timeout_s() if busy_timeout is None else busy_timeout
        self._tables: dict[str, Table] = {}
        self._written: list[Path] = []
        db_path = self.storage_dir / DB_NAME
        fresh = not db_path.exists() or db_path.stat().st_size == 0
        if fresh:
            self._refuse_fresh(db_path, create)
        try:
            self.queue_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(db_path, timeout=self.busy_timeout)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            # No memory-mapped reads (SQLite's default): every page a crawl touched
            # in a year-old file counted in its memory (peak RSS 770 MB against
            # 396 on an empty one; 425 without). The near-duplicate lookup at 1M
            # documents costs 0.44 ms instead of 0.36 (bench/dedup.py).
            self.db.enable_wal()
            # In WAL mode, NORMAL syncs at checkpoints, not at every commit:
            # a killed process still loses nothing committed; a power cut may
            # lose the last commits, never the database, and the queue and
            # seed files they wrote are adopted again by reconcile_queue() /
            # review.reconcile(). Every commit's fsync cost 2 ms a page.
            self.db.execute("PRAGMA synchronous = NORMAL")
            # After a checkpoint the WAL file is cut back to this size: a long
            # crawl's WAL stays bounded instead of keeping its largest size.
            self.db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
            if not fresh:
                self._say_upgrade()
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            explained = self.explain(exc)
            raise StoreError(
                f"{self.storage_dir}: {explained}"
                if explained
                else f"{self.storage_dir}: cannot open the corpus database ({exc}); "
                "check that the folder exists and is writable"
            ) from exc
        if not fresh:
            self._refuse_emptied()

    def _say_upgrade(self) -> None:
        """An upgrade's schema steps can take seconds on a large corpus (m021
        rebuilds the search index: 9.6 s on a year's): said before they run,
        once (a warning: the crawl's log has it, a command prints it)."""
        steps = [migration.name for migration in migrations.pending(self.db)]
        if steps:
            logger.warning(
                "%s: upgrading the database to this version of seedcrawl (%s); once, may take a while",
                self.storage_dir / DB_NAME, ", ".join(steps),
            )  # fmt: skip

    def explain(self, exc: BaseException) -> str | None:
        """explain_storage_error, with this store's busy timeout."""
        return explain_storage_error(exc, self.busy_timeout)

    def explain_or_raise(self, exc: BaseException) -> str:
        """explain_or_raise, with this store's busy timeout."""
        return explain_or_raise(exc, self.busy_timeout)

    def _refuse_fresh(self, db_path: Path, create: bool) -> None:
        """No database (or a zero-byte one): fine for a first crawl, not beside
        queue files, whose rows it would have held; never made by a reader."""
        state = "empty" if db_path.exists() else "missing"
        files = queue_files(self.queue_dir)
        if files:
            raise StoreError(
                f"{db_path} is {state} but {self.queue_dir} holds {len(files)} candidate file(s); "
                f"restore {DB_NAME} from a backup, or move the queue files away to start a new corpus "
                "(nothing was changed)"
            )
        if not create:
            raise StoreError(
                f"{self.storage_dir}: no corpus database here ({DB_NAME} is {state}); "
                "run a crawl first, or pass --storage with the right folder"
            )

    def _refuse_emptied(self) -> None:
        """A database with no document at all beside queue files was emptied
        or replaced: an error, so nothing treats those files as strays."""
        if self.db.execute("select exists(select 1 from documents)").fetchone()[0]:
            return
        files = queue_files(self.queue_dir)
        if files:
            self.db.close()
            raise StoreError(
                f"{self.storage_dir / DB_NAME} holds no documents but {self.queue_dir} holds "
                f"{len(files)} candidate file(s); restore {DB_NAME} from a backup, or move the queue "
                "files away to start a new corpus (nothing was changed)"
            )

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction that takes the write lock first (BEGIN
        IMMEDIATE), so its reads stay current until it commits; nested
        calls are savepoints of the outer one. Files written inside it
        (``wrote``) are removed if it does not commit, a failed COMMIT
        (a full disk) included: a queue file never outlives its row."""
        conn = self.db.conn
        written = len(self._written)
        if conn.in_transaction:
            try:
                with self.db.atomic():
                    yield
            except BaseException:
                self._unwrite(written)
                raise
            return
        conn.execute("begin immediate")
        try:
            yield
            conn.execute("commit")
        except BaseException:
            if conn.in_transaction:
                conn.execute("rollback")
            self._unwrite(0)
            raise
        finally:
            self._written.clear()

    def wrote(self, path: Path) -> None:
        """A file written for the current transaction, to go if it rolls back."""
        self._written.append(path)

    def _unwrite(self, keep: int) -> None:
        for path in self._written[keep:]:
            path.unlink(missing_ok=True)
        del self._written[keep:]

    def table(self, name: str) -> Table:
        """A sqlite-utils Table, made once: db.table() queries the list of
        views on every call (0.5 ms of CPU a page in a crawl's profile)."""
        if name not in self._tables:
            self._tables[name] = self.db.table(name)
        return self._tables[name]

    def insert_row(self, table: str, row: dict[str, Any], ignore: bool = False) -> None:
        """One row into a table of the hot path, as one prepared statement:
        sqlite-utils' Table.insert reads the schema again on every call
        (two queries of sqlite_master and a PRAGMA per row), which was most
        of the crawl process's SQLite time."""
        verb = "insert or ignore" if ignore else "insert"
        sql = f"{verb} into {table} ({', '.join(row)}) values ({', '.join('?' * len(row))})"
        if self.db.conn.in_transaction:
            self.db.conn.execute(sql, list(row.values()))
            return
        with self.write():  # never an implicit transaction left open by sqlite3
            self.db.conn.execute(sql, list(row.values()))

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """Write and roll back: fails now, not mid-crawl, if another process
        holds the database, or the database or queue folder cannot be written
        (taking the lock alone succeeds on a read-only file)."""
        self.db.execute("begin immediate")
        try:
            self.db.execute("create table seedcrawl_write_probe (x)")
        finally:
            self.db.execute("rollback")
        probe = self.queue_dir / ".write-probe"
        probe.write_bytes(b"")
        probe.unlink()

    # -- the corpus this storage belongs to ----------------------------------

    def corpus(self) -> dict[str, Path]:
        """The recorded ``seeds`` folder and ``sources`` file (absolute), if any."""
        rows = self.db.execute("select key, value from corpus").fetchall()
        return {key: Path(os.path.normpath(self.storage_dir.absolute() / value)) for key, value in rows}

    def record_corpus(self, seeds_dir: Path, sources: Path | None = None) -> None:
        """Remember the seeds folder (and sources file) of this storage, as
        paths relative to it: moving the project moves both together."""
        base = self.storage_dir.absolute()
        values = {"seeds": seeds_dir, **({"sources": sources} if sources else {})}
        with self.write():
            for key, path in values.items():
                relative = os.path.relpath(Path(path).absolute(), base)
                self.db.execute("insert or replace into corpus (key, value) values (?, ?)", [key, relative])

    def check_corpus(self, seeds_dir: Path) -> None:
        """Refuse a seeds folder other than the recorded one (its accepts would
        land in the wrong folder, its undo look in it). A recorded folder that
        no longer exists (moved) gives way to the one given."""
        recorded = self.corpus().get("seeds")
        if recorded is not None and recorded.exists() and not same_folder(recorded, seeds_dir):
            raise StoreError(
                f"{self.storage_dir} belongs to the seeds folder {recorded}, not {seeds_dir}; "
                "use that folder, or another storage folder for this corpus"
            )

    def claim_corpus(self, seeds_dir: Path, sources: Path | None = None) -> None:
        """check_corpus, then record the folder (first use, or after a move)."""
        self.check_corpus(seeds_dir)
        self.record_corpus(seeds_dir, sources)

    # -- space for the last word ----------------------------------------------

    def reserve_space(self) -> None:
        """Set aside RESERVE_BYTES of disk while a crawl runs: when the disk
        fills up, release_space() gives them back so the run's outcome can be
        recorded (without it the run row would stay 'running')."""
        with open(self.storage_dir / RESERVE_NAME, "wb") as handle:
            handle.write(bytes(RESERVE_BYTES))
            handle.flush()
            os.fsync(handle.fileno())

    def release_space(self) -> None:
        (self.storage_dir / RESERVE_NAME).unlink(missing_ok=True)

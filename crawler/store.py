"""The corpus database (storage/corpus.db) and the review queue beside it.

One SQLite file, opened through sqlite-utils, in WAL mode so a reviewer can
read while a crawl writes. The schema lives here and only here, applied by
``sqlite_utils.Migrations`` (each step is recorded, so applying is safe to
repeat). Tables:

- ``documents``: one row per distinct text (content hash is the key), with
  where it was found, its score and reason, and its status: ``seed``,
  ``pending`` (in the queue), ``offtopic``, ``language``, ``accepted``,
  ``rejected``.
- ``copies``: every other place a stored story was seen (exact or near
  duplicate), so "why was this page not queued?" has an answer.
- ``urls``: every URL fetched and what came of it; known URLs are not
  fetched again.
- ``feeds``: per-feed state (ETag, Last-Modified, last result).
- ``runs``: one row per crawl with its counts.

The queue invariant: a queue file and its row are committed together. The
row is inserted and the file written (atomically) inside one transaction;
if the write fails the row is rolled back. A crash between the file's
rename and the commit leaves a file without a row, which ``reconcile_queue``
moves to ``orphans/`` at the next start (a queue file is never deleted
unless the database holds its text); a pending row whose file is missing is
rewritten from the text stored in the row. A missing or empty database
beside queue files is an error, never a repair: it would see every file as
a stray.

Every write transaction that reads first begins with BEGIN IMMEDIATE
(``Store.write``): in WAL mode a deferred transaction that read before a
reviewer's commit cannot write at all (SQLITE_BUSY at once, which no busy
timeout retries); taking the write lock first makes it wait its turn.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils import Migrations

from . import dedup
from .seedfile import SEED_NAME, content_hash, file_name, remove_stale_temp_files, write_seed

DB_NAME = "corpus.db"
QUEUE_DIR = "queue"
# Queue files whose document the database does not hold (a crash between a
# file's rename and its row's commit) are moved here, never deleted.
ORPHANS_DIR = "orphans"
# Space set aside while a crawl runs (a ballast file), given back when the
# disk fills up so the run's last row can still be written.
RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 256 * 1024
# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = int(float(os.environ.get("SEEDCRAWL_BUSY_TIMEOUT", "30")) * 1000)
MMAP_BYTES = 1 << 30

migrations = Migrations("seedcrawl")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "pages": int,
            "new": int,
            "duplicates": int,
            "offtopic": int,
            "errors": int,
            "sources": str,
            "storage": str,
            "stats": str,
        },
        pk="id",
    )
    db["documents"].create(
        {
            "hash": str,
            "status": str,
            "title": str,
            "url": str,
            "canonical_url": str,
            "sitename": str,
            "published": str,
            "language": str,
            "score": float,
            "reason": str,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "first_seen": str,
            "queue_seq": int,
            "queue_file": str,
            "seed_file": str,
            "shingles": int,
            "text": str,
        },
        pk="hash",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["documents"].create_index(["status"])
    db["documents"].create_index(["queue_seq"], unique=True)
    # Near-duplicate index: sampled shingle hashes of every stored text.
    # WITHOUT ROWID halves its size; sqlite-utils' create() has no option for it.
    db.execute(
        "create table shingles (shingle integer not null, hash text not null references documents(hash), "
        "primary key (shingle, hash)) without rowid"
    )
    db["copies"].create(
        {
            "id": int,
            "hash": str,
            "copy_hash": str,
            "url": str,
            "kind": str,
            "similarity": float,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "seen": str,
        },
        pk="id",
        foreign_keys=[("hash", "documents", "hash"), ("run_id", "runs", "id")],
    )
    db["copies"].create_index(["hash"])
    db["copies"].create_index(["url", "hash"], unique=True)
    db["urls"].create(
        {
            "url": str,
            "requested_url": str,
            "outcome": str,
            "detail": str,
            "hash": str,
            "http_status": int,
            "found_via": str,
            "found_on": str,
            "run_id": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
    )
    db["feeds"].create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "last_fetched": str,
            "last_status": int,
            "entries": int,
            "bozo": str,
        },
        pk="url",
    )
    db.create_view(
        "pending_queue",
        "select queue_seq, queue_file, score, language, published, sitename, title, url, reason "
        "from documents where status = 'pending' order by score desc",
    )


@migrations()
def m002_shingles_by_document_id(db: sqlite_utils.Database) -> None:
    """Index shingles by a small integer id instead of the 64-hex hash.

    A quarter of the size per row, which is what keeps lookups flat at a
    million documents. The id is a real column (an implicit rowid may be
    renumbered by VACUUM).
    """
    db["documents"].add_column("id", int)
    db.execute("update documents set id = rowid")
    db["documents"].create_index(["id"], unique=True)
    db.execute("drop table shingles")
    db.execute(
        "create table shingles (shingle integer not null, doc integer not null, "
        "primary key (shingle, doc)) without rowid"
    )
    for row in list(db.query("select id, text from documents")):
        db.conn.executemany(
            "insert or ignore into shingles values (?, ?)",
            [(value, row["id"]) for value in dedup.shingle_sample(row["text"])],
        )
    db.create_view(
        "story_places",
        "select d.hash, d.status, d.title, d.url as first_seen_at, count(c.id) as other_places, "
        "group_concat(c.url, ' ') as other_urls from documents d join copies c on c.hash = d.hash "
        "group by d.hash order by other_places desc",
    )


@migrations()
def m003_run_process(db: sqlite_utils.Database) -> None:
    """What the scheduler needs to know of each run's child process."""
    for column, kind in (("trigger", str), ("pid", int), ("exit_status", int), ("log_file", str)):
        db["runs"].add_column(column, kind)


@migrations()
def m004_review(db: sqlite_utils.Database) -> None:
    """Review decisions, full-text search, and views for Datasette / sqlite-utils."""
    db["documents"].add_column("decided_at", str)
    db["documents"].add_column("decision_reason", str)
    db["decisions"].create(
        {
            "id": int,
            "hash": str,
            "action": str,
            "reason": str,
            "seed_file": str,
            "queue_file": str,
            "reviewer": str,
            "decided_at": str,
            "undone": int,
        },
        pk="id",
        foreign_keys=[("hash", "documents", "hash")],
    )
    db["decisions"].create_index(["hash"])
    db["documents"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db.create_view(
        "decision_log",
        "select x.id, x.decided_at, x.action, x.undone, x.reviewer, x.reason, x.seed_file, d.title, d.url, d.score "
        "from decisions x join documents d on d.hash = x.hash order by x.id desc",
    )
    db.create_view(
        "run_summary",
        "select id, started, finished, trigger, status, exit_status, pages, new, duplicates, offtopic, errors, "
        "log_file from runs order by id desc",
    )


@migrations()
def m005_frontier(db: sqlite_utils.Database) -> None:
    """Links scheduled but not yet resolved: what a killed crawl resumes."""
    db["frontier"].create(
        {"url": str, "via": str, "found_on": str, "hops": int, "priority": int, "added": str}, pk="url"
    )
    db["frontier"].create_index(["priority"])


@migrations()
def m006_corpus(db: sqlite_utils.Database) -> None:
    """Which seeds folder and sources file this storage belongs to, so every
    command finds them from --storage alone."""
    db["corpus"].create({"key": str, "value": str}, pk="key")


@migrations()
def m007_borderline(db: sqlite_utils.Database) -> None:
    """Weak verdicts: scores within relevance.band of the threshold."""
    db["documents"].add_column("borderline", int)
    db.execute("drop view if exists pending_queue")
    db.create_view(
        "pending_queue",
        "select queue_seq, queue_file, score, borderline, language, published, sitename, title, url, reason "
        "from documents where status = 'pending' order by score desc",
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def site_name(row: dict[str, Any]) -> str:
    """A document's site: its own name for itself, else its URL's host."""
    return row.get("sitename") or urlsplit(row.get("url") or "").hostname or ""


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreError(RuntimeError):
    """The database or queue folder cannot be used; the message says what to do."""


def explain_storage_error(exc: BaseException) -> str | None:
    """One line a person can act on for a storage failure, or None if unknown."""
    text = str(exc)
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return (
            f"{DB_NAME} is locked by another process (a crawl or a reviewer) for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s; try again when it has finished"
        )
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "database or disk is full" in text:
        where = f" writing {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"the disk is full{where}; free some space and run the command again (nothing was changed)"
    if "readonly database" in text or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return (
            f"the storage is read-only{where}: {DB_NAME}, its folder and queue/ must be writable "
            "for this user (nothing was changed)"
        )
    if "file is not a database" in text or "malformed" in text:
        return (
            f"{DB_NAME} is damaged or not a seedcrawl database ({text}); restore it from a backup "
            "or move it away (the queue files were left as they are)"
        )
    if isinstance(exc, PermissionError):
        return f"permission denied on {exc.filename}; make it writable for this user"
    if isinstance(exc, sqlite3.OperationalError) and "unable to open database file" in text:
        return f"cannot open {DB_NAME}: its folder is missing or not writable for this user"
    return None


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


def _queue_files(queue_dir: Path) -> list[Path]:
    if not queue_dir.is_dir():
        return []
    return [path for path in queue_dir.iterdir() if SEED_NAME.match(path.name)]


@dataclass(frozen=True)
class Document:
    """What the crawl learned about one page's text, ready to store."""

    hash: str
    text: str
    title: str
    url: str
    canonical_url: str
    sitename: str | None
    published: str | None
    language: str | None
    score: float | None
    reason: str | None
    found_via: str
    found_on: str | None
    shingles: frozenset[int]
    borderline: bool = False


class Store:
    """The database and the queue folder of one storage directory."""

    def __init__(self, storage_dir: Path | str, create: bool = True) -> None:
        """Open the storage folder's database; ``create=False`` (read-only
        commands) refuses a folder with no database instead of making one."""
        self.storage_dir = Path(storage_dir)
        self.queue_dir = self.storage_dir / QUEUE_DIR
        self._tables: dict[str, Any] = {}
        db_path = self.storage_dir / DB_NAME
        fresh = not db_path.exists() or db_path.stat().st_size == 0
        if fresh:
            self._refuse_fresh(db_path, create)
        try:
            self.queue_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Memory-mapped reads keep index lookups cheap when the file is large.
            self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self.db.enable_wal()
            # In WAL mode, NORMAL syncs at checkpoints, not at every commit:
            # a killed process still loses nothing committed; a power cut may
            # lose the last commits, never the database, and the queue and
            # seed files they wrote are adopted again by reconcile_queue() /
            # review.reconcile(). Every commit's fsync cost 2 ms a page.
            self.db.execute("PRAGMA synchronous = NORMAL")
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            explained = explain_storage_error(exc)
            raise StoreError(
                f"{self.storage_dir}: {explained}"
                if explained
                else f"{self.storage_dir}: cannot open the corpus database ({exc}); "
                "check that the folder exists and is writable"
            ) from exc
        if not fresh:
            self._refuse_emptied()

    def _refuse_fresh(self, db_path: Path, create: bool) -> None:
        """No database (or a zero-byte one): fine for a first crawl, not beside
        queue files, whose rows it would have held; never made by a reader."""
        state = "empty" if db_path.exists() else "missing"
        files = _queue_files(self.queue_dir)
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
        files = _queue_files(self.queue_dir)
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
        calls are savepoints of the outer one."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("begin immediate")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("rollback")
            raise
        conn.execute("commit")

    def table(self, name: str) -> Any:
        """A sqlite-utils Table, made once: db.table() queries the list of
        views on every call (0.5 ms of CPU a page in a crawl's profile)."""
        if name not in self._tables:
            self._tables[name] = self.db.table(name)
        return self._tables[name]

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
        if recorded is not None and recorded.exists() and not _same_folder(recorded, seeds_dir):
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

    # -- runs -------------------------------------------------------------

    def start_run(
        self, sources: Path | str, trigger: str = "manual", log_file: Path | None = None, status: str = "running"
    ) -> int:
        table = self.table("runs")
        table.insert(
            {
                "started": now(),
                "status": status,
                "sources": str(sources),
                "storage": str(self.storage_dir),
                "trigger": trigger,
                "log_file": str(log_file) if log_file else None,
                "pid": os.getpid(),
            }
        )
        return int(table.last_pk)

    def adopt_run(self, run_id: int) -> int:
        """Take over a run row the scheduler created for this process."""
        if not self.table("runs").count_where("id = ?", [run_id]):
            raise StoreError(f"{self.storage_dir}: no run {run_id} to continue; leave out -a run_id")
        self.table("runs").update(run_id, {"status": "running", "pid": os.getpid()})
        return run_id

    def record_exit(self, run_id: int, exit_status: int, stopped: bool = False) -> str:
        """The child's exit status; a run that never reached its end is failed,
        or ``shutdown`` when it was asked to stop (a stop that came while the
        crawl was still starting ends it before it can say so itself)."""
        row = self.table("runs").get(run_id)
        status = row["status"]
        if status in ("starting", "running"):
            status = "shutdown" if stopped else "failed"
        self.table("runs").update(
            run_id, {"exit_status": exit_status, "status": status, "finished": row["finished"] or now()}
        )
        return status

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by id desc limit ?", [limit]))

    def last_success(self) -> str | None:
        """Start time of the newest crawl that ran to its end."""
        row = self.db.execute(
            "select max(started) from runs where status = 'finished' and coalesce(exit_status, 0) = 0"
        ).fetchone()
        return row[0]

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        counts = {
            "pages": stats.get("seedcrawl/pages", 0),
            "new": stats.get("seedcrawl/queued", 0),
            "duplicates": stats.get("seedcrawl/dropped/duplicate", 0),
            "offtopic": stats.get("seedcrawl/dropped/offtopic", 0),
            "errors": sum(v for k, v in stats.items() if k.startswith(("seedcrawl/error/", "log_count/ERROR"))),
        }
        self.table("runs").update(
            run_id,
            {"finished": now(), "status": status, "stats": json.dumps(stats, default=str, sort_keys=True), **counts},
        )

    # -- documents ----------------------------------------------------------

    def _row(self, doc: Document, status: str, run_id: int | None) -> dict[str, Any]:
        row = {
            "hash": doc.hash,
            "status": status,
            "title": doc.title,
            "url": doc.url,
            "canonical_url": doc.canonical_url,
            "sitename": doc.sitename,
            "published": doc.published,
            "language": doc.language,
            "score": doc.score,
            "reason": doc.reason,
            "found_via": doc.found_via,
            "found_on": doc.found_on,
            "run_id": run_id,
            "first_seen": now(),
            "shingles": len(doc.shingles),
            "text": doc.text,
            "borderline": int(doc.borderline),
        }
        return row

    def _insert(self, row: dict[str, Any], doc: Document) -> None:
        """A document row and its shingle sample, in one transaction."""
        with self.write():
            doc_id = self.db.execute("select coalesce(max(id), 0) + 1 from documents").fetchone()[0]
            self.table("documents").insert({**row, "id": doc_id})
            self.db.conn.executemany(
                "insert or ignore into shingles (shingle, doc) values (?, ?)", [(s, doc_id) for s in doc.shingles]
            )

    def register_seed(self, doc: Document, seed_file: str) -> bool:
        """Record a seed document so its copies are never queued; True if new."""
        with self.write():
            if self.table("documents").count_where("hash = ?", [doc.hash]):
                return False
            row = self._row(doc, "seed", None)
            row["seed_file"] = seed_file
            self._insert(row, doc)
        return True

    def find_duplicate(self, digest: str, shingles: frozenset[int]) -> dedup.Match | None:
        """The stored document this text repeats, exactly or nearly, if any."""
        if self.table("documents").count_where("hash = ?", [digest]):
            return dedup.Match(digest, "exact", 1.0)
        if len(shingles) < dedup.MIN_SAMPLES:
            return None  # too short to judge by containment; exact copies were caught above
        marks = ",".join("?" * len(shingles))
        rows = self.db.query(
            "select d.hash, c.shared, d.shingles from ("
            f"  select doc, count(*) as shared from shingles where shingle in ({marks})"
            "   group by doc order by shared desc limit 10"
            ") c join documents d on d.id = c.doc",
            list(shingles),
        )
        best: dedup.Match | None = None
        for row in rows:
            score = dedup.near_match(row["shared"], len(shingles), row["shingles"])
            if score is not None and (best is None or score > best.similarity):
                best = dedup.Match(row["hash"], "near", round(score, 4))
        return best

    def add_document(self, doc: Document, status: str, run_id: int) -> None:
        """Store a text that is not queued (off topic, other language, seed page)."""
        with self.write():
            if not self.table("documents").count_where("hash = ?", [doc.hash]):
                self._insert(self._row(doc, status, run_id), doc)

    def add_copy(self, match: dedup.Match, doc: Document, run_id: int) -> None:
        """Record another place a stored story was published."""
        self.table("copies").insert(
            {
                "hash": match.digest,
                "copy_hash": doc.hash,
                "url": doc.canonical_url,
                "kind": match.kind,
                "similarity": match.similarity,
                "found_via": doc.found_via,
                "found_on": doc.found_on,
                "run_id": run_id,
                "seen": now(),
            },
            ignore=True,
        )

    def add_candidate(self, doc: Document, run_id: int) -> Path:
        """Store a new on-topic document and write its queue file, together."""
        with self.write():
            seq = self._next_queue_seq()
            name = file_name(seq, doc.hash)
            row = self._row(doc, "pending", run_id)
            row.update({"queue_seq": seq, "queue_file": name})
            self._insert(row, doc)
            path = self.queue_dir / name
            write_seed(path, doc.text)  # an exception here rolls the row back
        return path

    def _next_queue_seq(self) -> int:
        row = self.db.execute("select coalesce(max(queue_seq), -1) + 1 from documents").fetchone()
        return int(row[0])

    def pending(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from documents where status = 'pending' order by queue_seq"))

    def reconcile_queue(self) -> tuple[int, int, int]:
        """Make queue files and pending rows agree after a crash.

        A pending row whose file is missing gets it back from the stored
        text. A file with no pending row is removed only if the database
        holds its text (a decided candidate's leftover); any other file is
        moved to orphans/, never deleted. Returns (files rewritten,
        leftovers removed, files moved to orphans/).
        """
        restored = removed = orphaned = 0
        with self.write():
            # Queue files are written holding the write lock (here and by
            # review's undo): a temp file seen while holding it is stale.
            remove_stale_temp_files(self.queue_dir)
            expected = {row["queue_file"]: row for row in self.pending()}
            for path in _queue_files(self.queue_dir):
                if path.name in expected:
                    continue
                if self._holds_text_of(path):
                    path.unlink()
                    removed += 1
                else:
                    orphans = self.storage_dir / ORPHANS_DIR
                    orphans.mkdir(exist_ok=True)
                    os.replace(path, orphans / path.name)
                    orphaned += 1
            for name, row in expected.items():
                if not (self.queue_dir / name).exists():
                    write_seed(self.queue_dir / name, row["text"])
                    restored += 1
        return restored, removed, orphaned

    def _holds_text_of(self, path: Path) -> bool:
        try:
            digest = content_hash(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            return False
        return bool(self.table("documents").count_where("hash = ?", [digest]))

    # -- urls and feeds -----------------------------------------------------

    def is_known_url(self, url: str) -> bool:
        """Fetched before with a final outcome; transient failures are tried again.

        A timeout, a refused connection, a 5xx or a 429 may be gone tomorrow;
        a 404 or a page we read is not worth another request.
        """
        return bool(
            self.table("urls").count_where(
                "url = ? and (outcome != 'error' or (http_status between 400 and 499 and http_status != 429))",
                [url],
            )
        )

    def record_url(self, url: str, outcome: str, run_id: int, **fields: Any) -> None:
        """What came of a URL; it leaves the frontier in the same transaction."""
        table = self.table("urls")
        stamp = now()
        row = {"url": url, "outcome": outcome, "run_id": run_id, "last_seen": stamp, **fields}
        with self.write():
            if table.count_where("url = ?", [url]):
                table.update(url, row)
            else:
                table.insert({**row, "first_seen": stamp})
            self.db.execute("delete from frontier where url = ?", [url])

    def add_to_frontier(self, url: str, via: str, found_on: str | None, hops: int, priority: int) -> None:
        self.table("frontier").insert(
            {"url": url, "via": via, "found_on": found_on, "hops": hops, "priority": priority, "added": now()},
            ignore=True,
        )

    def frontier(self, limit: int) -> list[dict[str, Any]]:
        """Unresolved links, best first (a URL leaves the frontier when it is recorded)."""
        return list(self.db.query("select * from frontier order by priority desc limit ?", [limit]))

    def mark_dead_runs(self) -> list[int]:
        """Runs still 'running' whose process is gone (killed): say so."""
        dead = []
        for row in self.db.query("select id, pid from runs where status in ('running', 'starting')"):
            if row["pid"] and not _alive(row["pid"]):
                dead.append(row["id"])
        for run_id in dead:
            self.table("runs").update(run_id, {"status": "killed"})
        return dead

    def record_alias(self, url: str, page_url: str, run_id: int, how: str) -> None:
        """Another spelling of a page read under ``page_url`` (a redirect or its
        rel=canonical): known from now on, so never fetched for itself."""
        stamp = now()
        with self.write():
            self.table("urls").insert(
                {
                    "url": url,
                    "outcome": "alias",
                    "detail": f"{how} of {page_url}",
                    "run_id": run_id,
                    "first_seen": stamp,
                    "last_seen": stamp,
                },
                ignore=True,
            )
            self.db.execute("delete from frontier where url = ?", [url])

    def feed_state(self, url: str) -> dict[str, Any] | None:
        rows = list(self.table("feeds").rows_where("url = ?", [url]))
        return rows[0] if rows else None

    def record_feed(self, url: str, **fields: Any) -> None:
        self.table("feeds").upsert({"url": url, "last_fetched": now(), **fields}, pk="url")

    # -- reading ------------------------------------------------------------

    def documents(self, status: str | None = None) -> Iterator[dict[str, Any]]:
        if status is None:
            return self.table("documents").rows
        return self.table("documents").rows_where("status = ?", [status])

    def decided_texts(self) -> tuple[list[str], list[str]]:
        """The texts of accepted and of rejected candidates: what the relevance
        model learns from besides the seeds."""
        accepted = [r["text"] for r in self.db.query("select text from documents where status = 'accepted'")]
        rejected = [r["text"] for r in self.db.query("select text from documents where status = 'rejected'")]
        return accepted, rejected

    def copies_of(self, digest: str) -> list[dict[str, Any]]:
        return list(self.table("copies").rows_where("hash = ?", [digest], order_by="id"))

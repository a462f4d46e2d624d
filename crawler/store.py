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
removes at the next start; a pending row whose file is missing is rewritten
from the text stored in the row.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from sqlite_utils import Migrations

from . import dedup
from .seedfile import SEED_NAME, file_name, remove_stale_temp_files, write_seed

DB_NAME = "corpus.db"
QUEUE_DIR = "queue"
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
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return (
            f"{DB_NAME} is locked by another process (a crawl or a reviewer) for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s; try again when it has finished"
        )
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "database or disk is full" in str(exc):
        where = f" writing {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"the disk is full{where}; free some space and run the command again (nothing was changed)"
    if isinstance(exc, PermissionError):
        return f"permission denied on {exc.filename}; make it writable for this user"
    return None


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


class Store:
    """The database and the queue folder of one storage directory."""

    def __init__(self, storage_dir: Path | str) -> None:
        self.storage_dir = Path(storage_dir)
        self.queue_dir = self.storage_dir / QUEUE_DIR
        self._tables: dict[str, Any] = {}
        try:
            self.queue_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.storage_dir / DB_NAME, timeout=BUSY_TIMEOUT_MS / 1000)
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
            raise StoreError(
                f"{self.storage_dir}: cannot open the corpus database ({exc}); "
                "check that the folder exists and is writable"
            ) from exc

    def table(self, name: str) -> Any:
        """A sqlite-utils Table, made once: db.table() queries the list of
        views on every call (0.5 ms of CPU a page in a crawl's profile)."""
        if name not in self._tables:
            self._tables[name] = self.db.table(name)
        return self._tables[name]

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """Take and release the write lock: fails now, not mid-crawl, if another
        process holds the database."""
        self.db.execute("begin immediate")
        self.db.execute("rollback")

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

    def record_exit(self, run_id: int, exit_status: int) -> str:
        """The child's exit status; a run that never reached its end is failed."""
        row = self.table("runs").get(run_id)
        status = row["status"]
        if status in ("starting", "running"):
            status = "failed"
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
        }
        return row

    def _insert(self, row: dict[str, Any], doc: Document) -> None:
        """A document row and its shingle sample, in one transaction."""
        with self.db.atomic():
            doc_id = self.db.execute("select coalesce(max(id), 0) + 1 from documents").fetchone()[0]
            self.table("documents").insert({**row, "id": doc_id})
            self.db.conn.executemany(
                "insert or ignore into shingles (shingle, doc) values (?, ?)", [(s, doc_id) for s in doc.shingles]
            )

    def register_seed(self, doc: Document, seed_file: str) -> bool:
        """Record a seed document so its copies are never queued; True if new."""
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
        with self.db.atomic():
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

    def reconcile_queue(self) -> tuple[int, int]:
        """Make queue files and pending rows agree after a crash.

        Returns (files rewritten from their rows, stray files removed).
        """
        remove_stale_temp_files(self.queue_dir)
        expected = {row["queue_file"]: row for row in self.pending()}
        restored = removed = 0
        for path in self.queue_dir.iterdir():
            if SEED_NAME.match(path.name) and path.name not in expected:
                path.unlink()
                removed += 1
        for name, row in expected.items():
            if not (self.queue_dir / name).exists():
                write_seed(self.queue_dir / name, row["text"])
                restored += 1
        return restored, removed

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
        with self.db.atomic():
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
        with self.db.atomic():
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

    def copies_of(self, digest: str) -> list[dict[str, Any]]:
        return list(self.table("copies").rows_where("hash = ?", [digest], order_by="id"))

"""Documents, their copies, and the review queue folder beside them.

- ``documents``: one row per distinct text (content hash is the key), with
  where it was found, its score and reason, and its status: ``seed``,
  ``pending`` (in the queue), ``offtopic``, ``language``, ``accepted``,
  ``rejected``.
- ``copies``: every other place a stored story was seen (exact or near
  duplicate), so "why was this page not queued?" has an answer.
- ``shingles``: the near-duplicate index (sampled shingle hashes).

The queue invariant: a queue file and its row are committed together. The
row is inserted and the file written (atomically) inside one transaction;
if the write fails the row is rolled back. A crash between the file's
rename and the commit leaves a file without a row, which ``reconcile_queue``
moves to ``orphans/`` at the next start (a queue file is never deleted
unless the database holds its text); a pending row whose file is missing is
rewritten from the text stored in the row.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from .. import dedup
from ..dates import WITNESSES, PublishedDate, day, settle
from ..headline import headline
from ..seedfile import SeedFile, content_hash, file_name, remove_stale_temp_files, write_seed
from .base import ORPHANS_DIR, StoreBase, in_chunks, now, queue_files

if TYPE_CHECKING:
    from ..archive import Stored
    from ..extract import Article
    from ..items import PageItem


@dataclass(frozen=True)
class Document:
    """What the crawl learned about one text, ready to store: a seed file's
    (``from_seed``) or a fetched page's (``from_page``)."""

    hash: str
    text: str
    title: str
    url: str
    canonical_url: str
    sitename: str | None
    language: str | None
    score: float | None
    reason: str | None
    found_via: str
    found_on: str | None
    shingles: frozenset[int]
    borderline: bool = False
    source: str | None = None  # the seed URL or feed the crawl found it through
    dates: PublishedDate = PublishedDate(None, None)  # the date's witnesses and flag
    author: str | None = None  # the byline, as the page gives it

    @classmethod
    def from_seed(cls, seed: SeedFile, path: Path) -> Document:
        """A seed file's text: no URL, no score; its copies are never queued."""
        return cls(
            hash=seed.digest, text=seed.text, title=headline(seed.text), url="", canonical_url="", sitename=None,
            language=None, score=None, reason="seed document", found_via="seed",
            found_on=str(path), shingles=frozenset(dedup.shingle_sample(seed.text)),
        )  # fmt: skip

    @classmethod
    def from_page(cls, item: PageItem) -> Document:
        """An extracted, scored page; its canonical URL is the page's own
        rel=canonical / og:url (relative or junk ones give way to its URL)."""
        article, verdict = item.article, item.verdict
        dates = page_date(article, item.found_via, item.date_hint, item.listed_dates)
        try:
            canonical = dedup.canonical_url(urljoin(item.url, article.canonical_url or item.url))
        except dedup.UrlError:
            canonical = dedup.canonical_url(item.url)
        return cls(
            hash=article.digest, text=article.text, title=article.title, url=item.url, canonical_url=canonical,
            sitename=article.sitename, language=article.language,
            score=verdict.score, reason=verdict.reason, found_via=item.found_via, found_on=item.found_on,
            shingles=item.shingles, borderline=verdict.borderline, source=item.source, dates=dates,
            author=article.author,
        )  # fmt: skip

    @property
    def published(self) -> str | None:
        return self.dates.value

    def row(self, status: str, run_id: int | None) -> dict[str, Any]:
        """Its row in ``documents`` (without id and queue columns)."""
        return {
            "hash": self.hash, "status": status, "title": self.title, "url": self.url,
            "canonical_url": self.canonical_url, "sitename": self.sitename, "author": self.author,
            "language": self.language, "score": self.score, "reason": self.reason, "found_via": self.found_via,
            "found_on": self.found_on, "run_id": run_id, "first_seen": now(), "shingles": len(self.shingles),
            "text": self.text, "borderline": int(self.borderline), "source": self.source,
            **date_columns(self.dates),
        }  # fmt: skip


def date_columns(dates: PublishedDate) -> dict[str, Any]:
    """A settled date as the ``documents`` columns that hold it."""
    return {
        "published": dates.value, "published_witness": dates.witness,
        "date_witnesses": json.dumps(dates.witnesses) if dates.witnesses else None, "date_flag": dates.flag,
    }  # fmt: skip


def page_date(
    article: Article, found_via: str, date_hint: str | None, listed: dict[str, str] | None = None
) -> PublishedDate:
    """The page's own date witnesses and those the crawl brought (the date
    the feed entry, sitemap or search result that led to it gave, and what
    the run's other listings of it gave), settled."""
    witnesses = dict(article.dates)
    for name, value in [*(listed or {}).items(), (found_via, date_hint)]:
        hint = day(value)
        if hint and name in WITNESSES:
            witnesses[name] = hint
    return settle(witnesses)


class DocumentStore(StoreBase):
    """Texts, their copies and the queue folder."""

    def has_text(self, digest: str) -> bool:
        """A stored document's text, or a reviewer's edit of one."""
        return self.text_owner(digest) is not None

    def missing_texts(self, digests: Iterable[str]) -> set[str]:
        """Those of these hashes that no stored document's text (or edit) has."""
        missing = set(digests)
        for chunk, marks in in_chunks(missing):
            for (digest,) in self.db.execute(f"select hash from documents where hash in ({marks})", chunk):
                missing.discard(digest)
            for (digest,) in self.db.execute(f"select text_hash from edits where text_hash in ({marks})", chunk):
                missing.discard(digest)
        return missing

    def text_owner(self, digest: str) -> str | None:
        """The document whose text (or one of whose edits) has this hash."""
        row = self.db.execute("select hash from documents where hash = ?", [digest]).fetchone()
        if row is None:
            row = self.db.execute("select hash from edits where text_hash = ? limit 1", [digest]).fetchone()
        return row[0] if row else None

    def _insert(self, row: dict[str, Any], doc: Document) -> None:
        """A document row and its shingle sample, in one transaction."""
        with self.write():
            doc_id = self.db.execute("select coalesce(max(id), 0) + 1 from documents").fetchone()[0]
            self.insert_row("documents", {**row, "id": doc_id})
            # A shingle already held by MAX_POSTINGS documents is boilerplate: not indexed again.
            self.db.conn.executemany(
                "insert or ignore into shingles (shingle, doc) select ?1, ?2 "
                "where (select count(*) from (select 1 from shingles where shingle = ?1 limit ?3)) < ?3",
                [(s, doc_id, dedup.MAX_POSTINGS) for s in doc.shingles],
            )

    def register_seed(self, doc: Document, seed_file: str) -> bool:
        """Record a seed document so its copies are never queued; True if new."""
        with self.write():
            if self.has_text(doc.hash):
                return False
            self._insert({**doc.row("seed", None), "seed_file": seed_file}, doc)
        return True

    def find_duplicate(self, digest: str, shingles: frozenset[int]) -> dedup.Match | None:
        """The stored document this text repeats, exactly or nearly, if any."""
        owner = self.text_owner(digest)
        if owner is not None:
            return dedup.Match(owner, "exact", 1.0)
        if len(shingles) < dedup.MIN_SAMPLES:
            return None  # too short to judge by containment; exact copies were caught above
        sample = list(shingles)
        marks = ",".join("?" * len(sample))
        # Boilerplate shingles (at the postings cap) say nothing about the story.
        common = {
            row[0]
            for row in self.db.execute(
                f"select shingle from shingles where shingle in ({marks}) group by shingle having count(*) >= ?",
                [*sample, dedup.MAX_POSTINGS],
            )
        }
        sample = [s for s in sample if s not in common]
        if len(sample) < dedup.MIN_SAMPLES:
            return None
        marks = ",".join("?" * len(sample))
        rows = self.db.query(
            "select d.hash, c.shared, d.shingles from ("
            f"  select doc, count(*) as shared from shingles where shingle in ({marks})"
            "   group by doc order by shared desc limit 10"
            ") c join documents d on d.id = c.doc",
            sample,
        )
        best: dedup.Match | None = None
        for row in rows:
            score = dedup.near_match(row["shared"], len(sample), row["shingles"])
            if score is not None and (best is None or score > best.similarity):
                best = dedup.Match(row["hash"], "near", round(score, 4))
        return best

    def record_fetch(self, digest: str, stored: Stored) -> None:
        """Where the document's response is archived, and when and how it was fetched."""
        self.db.execute(
            "update documents set fetched_at = ?, http_status = ?, warc_file = ?, warc_offset = ?, warc_length = ?, "
            "payload_digest = ? where hash = ?",
            [stored.fetched_at, stored.status, stored.file, stored.offset, stored.length, stored.digest, digest],
        )

    def add_document(self, doc: Document, status: str, run_id: int) -> None:
        """Store a text that is not queued (off topic, other language, seed page)."""
        with self.write():
            if not self.has_text(doc.hash):
                self._insert(doc.row(status, run_id), doc)

    def add_copy(self, match: dedup.Match, doc: Document, run_id: int) -> None:
        """Record another place a stored story was published."""
        self.insert_row(
            "copies",
            {
                "hash": match.digest, "copy_hash": doc.hash, "url": doc.canonical_url, "kind": match.kind,
                "similarity": match.similarity, "found_via": doc.found_via, "found_on": doc.found_on,
                "run_id": run_id, "seen": now(), "sitename": doc.sitename,
            },
            ignore=True,
        )  # fmt: skip

    def add_candidate(self, doc: Document, run_id: int) -> Path:
        """Store a new on-topic document and write its queue file, together."""
        with self.write():
            seq = self._next_queue_seq()
            name = file_name(seq, doc.hash)
            self._insert({**doc.row("pending", run_id), "queue_seq": seq, "queue_file": name}, doc)
            path = self.queue_dir / name
            write_seed(path, doc.text)  # an exception here rolls the row back
            self.wrote(path)  # and a rollback after it (a failed commit) removes the file
        return path

    def archived_documents(self, since: str | None = None, run_id: int | None = None) -> list[dict[str, Any]]:
        """Documents whose response is in the archive, oldest first (what reextract
        reads); a ``replaced`` text's response is read through its successor."""
        where: list[str] = ["warc_file is not null", "status != 'replaced'"]
        args: list[Any] = []
        if since:
            where.append("fetched_at >= ?")
            args.append(since)
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        return list(self.db.query(f"select * from documents where {' and '.join(where)} order by id", args))

    def rejudge(self, digest: str, status: str, score: float, reason: str, borderline: bool) -> Path | None:
        """A stored text judged again: its new score and status. Becoming pending
        it gets a queue number and file (returned); leaving pending, its queue
        file goes after the commit (the caller's), the text stays."""
        with self.write():
            row = dict(self.table("documents").get(digest))
            fields: dict[str, Any] = {"status": status, "score": score, "reason": reason, "borderline": int(borderline)}
            path = None
            if status == "pending" and row["status"] != "pending":
                seq = row["queue_seq"] if row["queue_seq"] is not None else self._next_queue_seq()
                fields |= {"queue_seq": seq, "queue_file": file_name(seq, digest)}
                path = self.queue_dir / fields["queue_file"]
                write_seed(path, row["text"])
                self.wrote(path)
            self.table("documents").update(digest, fields)
        return path

    def pending_judged(self, after: int, limit: int, status: str = "pending") -> list[dict[str, Any]]:
        """Up to ``limit`` pending candidates (or pages of another ``status``:
        those judged off topic) after the row ``after`` (a rowid; 0 first),
        with their verdict and their text as the reviewer sees it (edited, if
        it was): what crawler.rescore judges again, a page at a time.

        In rowid order, which the status index holds: in hash order every
        page sorted all the rows of that status again (the year-old
        storage's 79,935 off-topic pages: 25 s of queries, 0.3 s so)."""
        return list(
            self.db.query(
                "select rowid, hash, score, reason, borderline, coalesce(edited_text, text) as text from documents "
                "where status = ? and rowid > ? order by rowid limit ?",
                [status, after, limit],
            )
        )

    def rescore(self, verdicts: Iterable[tuple[str, float, str, bool]], status: str = "pending") -> set[str]:
        """New verdicts (hash, score, reason, borderline) on pending candidates
        (or pages of another ``status``), in one transaction; the crawl's own
        verdict is kept beside the first new one. A page decided (or queued)
        meanwhile is left alone. Returns the hashes of those changed."""
        stamp = now()
        changed = set()
        with self.write():
            for digest, score, reason, borderline in verdicts:
                cursor = self.db.execute(
                    "update documents set crawl_score = coalesce(crawl_score, score), "
                    "crawl_reason = coalesce(crawl_reason, reason), score = ?, reason = ?, borderline = ?, "
                    "rescored_at = ? where hash = ? and status = ?",
                    [score, reason, int(borderline), stamp, digest, status],
                )
                if cursor.rowcount:
                    changed.add(digest)
        return changed

    def replace_text(self, old: dict[str, Any], doc: Document, run_id: int | None) -> Path:
        """A text as re-extracted, now a candidate: a new document (its own hash)
        that takes over the old one's queue number (or gets one), and the old
        row marked ``replaced`` (kept, out of the queue). Returns the new queue file."""
        with self.write():
            seq = old["queue_seq"] if old["queue_seq"] is not None else self._next_queue_seq()
            self.table("documents").update(old["hash"], {"status": "replaced", "queue_seq": None})
            name = file_name(seq, doc.hash)
            kept = ("first_seen", "fetched_at", "http_status", "warc_file", "warc_offset", "warc_length",
                    "payload_digest", "source", "found_via", "found_on")  # fmt: skip
            keep = {k: old[k] for k in kept}
            self._insert({**doc.row("pending", run_id), **keep, "queue_seq": seq, "queue_file": name}, doc)
            path = self.queue_dir / name
            write_seed(path, doc.text)
            self.wrote(path)
        return path

    def boilerplate_lines(self) -> dict[str, set[str]]:
        """Every site's learned boilerplate lines (crawler/boilerplate.py)."""
        lines: dict[str, set[str]] = {}
        for site, line in self.db.execute("select site, line from boilerplate"):
            lines.setdefault(site, set()).add(line)
        return lines

    def add_boilerplate(self, learned: dict[str, set[str]], run_id: int | None) -> None:
        """Lines just learned; in the caller's transaction when there is one."""
        rows = [{"site": site, "line": line, "learned_at": now(), "run_id": run_id}
                for site, lines in learned.items() for line in lines]  # fmt: skip
        with self.write():
            self.table("boilerplate").insert_all(rows, ignore=True)

    def fill_authors(self, authors: dict[str, str]) -> None:
        """Bylines for documents that have none (one transaction; one set meanwhile is kept)."""
        with self.write():
            self.db.conn.executemany(
                "update documents set author = ? where hash = ? and author is null",
                [(author, digest) for digest, author in authors.items()],
            )

    def redate(self, digest: str, dates: PublishedDate) -> None:
        """A document's published date as its witnesses now settle it."""
        with self.write():
            self.table("documents").update(digest, date_columns(dates))

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
            # Names only: a year's queue is 10,000 texts, read here at every start.
            pending = "select queue_file from documents where status = 'pending'"
            expected = {name for (name,) in self.db.execute(pending)}
            present: set[str] = set()
            for path in queue_files(self.queue_dir):
                if path.name in expected:
                    present.add(path.name)
                    continue
                if self._holds_text_of(path):
                    path.unlink()
                    removed += 1
                else:
                    orphans = self.storage_dir / ORPHANS_DIR
                    orphans.mkdir(exist_ok=True)
                    os.replace(path, orphans / path.name)
                    orphaned += 1
            for name in sorted(expected - present):
                query = "select text, edited_text from documents where status = 'pending' and queue_file = ?"
                write_seed(self.queue_dir / name, current_text(next(self.db.query(query, [name]))))
                restored += 1
        return restored, removed, orphaned

    def _holds_text_of(self, path: Path) -> bool:
        try:
            digest = content_hash(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            return False
        return self.has_text(digest)

    def documents(self, status: str | None = None) -> Iterator[dict[str, Any]]:
        if status is None:
            return self.table("documents").rows
        return self.table("documents").rows_where("status = ?", [status])

    def decided_identities(self) -> list[tuple[str, str]]:
        """(content hash of the current text, status) of every accepted and
        rejected candidate, without reading a text."""
        query = "select coalesce(edited_hash, hash), status from documents where status in ('accepted', 'rejected')"
        return [(digest, status) for digest, status in self.db.execute(query)]

    def texts_by_hash(self, digests: Iterable[str]) -> dict[str, str]:
        """Every text the store holds with one of these content hashes: a
        document's as crawled (or registered from a seed file), or any version
        a reviewer made of one."""
        wanted = list(dict.fromkeys(digests))
        found: dict[str, str] = {}
        for chunk, marks in in_chunks(wanted):
            found.update(self.db.execute(f"select hash, text from documents where hash in ({marks})", chunk))
        for chunk, marks in in_chunks(d for d in wanted if d not in found):
            found.update(self.db.execute(f"select text_hash, text from edits where text_hash in ({marks})", chunk))
        return found

    def kept_counts(self, name: str) -> str | None:
        """A body kept by keep_counts(), or None."""
        row = self.db.execute("select body from kept_counts where name = ?", [name]).fetchone()
        return row[0] if row else None

    def latest_decision_number(self) -> int:
        """The number of the latest decision (0 before any): decisions made
        after it are the ones with higher numbers."""
        return self.db.execute("select coalesce(max(id), 0) from decisions").fetchone()[0]

    def positives_after(self, decision: int) -> list[str]:
        """The current texts of the candidates accepted, and of the documents
        added as seeds (`seedcrawl add`), by a decision after ``decision`` (see
        latest_decision_number) and still positives. Looked up by decision
        number: a date is kept after each candidate's text, and reading it
        for every accepted candidate took 0.15 s on a year-old storage."""
        query = (
            "select coalesce(d.edited_text, d.text) from decisions x join documents d on d.hash = x.hash "
            "where x.id > ? and ((x.action = 'accept' and d.status = 'accepted') "
            "or (x.action = 'add' and d.status = 'seed'))"
        )
        return [row[0] for row in self.db.execute(query, [decision])]

    def keep_counts(self, name: str, body: str) -> None:
        """Keep the relevance model's counts for the next fit (crawler/refit.py)."""
        with self.write():
            self.table("kept_counts").upsert({"name": name, "body": body, "counted_at": now()}, pk="name")

    def copies_of(self, digest: str) -> list[dict[str, Any]]:
        return list(self.table("copies").rows_where("hash = ?", [digest], order_by="id"))

    def seed_pages(self, digests: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The page each of these seeds was found at, its ``url`` and
        ``sitename`` (a seed file has no address; the crawl fetches the seed
        URLs and keeps each page as a copy of its seed), the first one where
        several were."""
        pages: dict[str, dict[str, Any]] = {}
        for chunk, marks in in_chunks(digests):
            query = f"select hash, url, sitename from copies where found_via = 'seed' and hash in ({marks}) order by id"
            for digest, url, sitename in self.db.execute(query, chunk):
                pages.setdefault(digest, {"url": url, "sitename": sitename})
        return pages


def current_text(row: dict[str, Any]) -> str:
    """A document's text as the reviewer left it: its newest edit, else as crawled."""
    return row.get("edited_text") or row["text"]


def current_title(row: dict[str, Any]) -> str:
    """A document's title as the reviewer left it: its newest edit's first
    line (``edit`` is how a title is fixed), else as crawled. A list's row
    carries it as ``edited_title`` (``edited_title_column``), a full row in
    its ``edited_text``."""
    edited = row.get("edited_title")
    if edited is None and row.get("edited_text"):
        edited = row["edited_text"].split("\n", 1)[0]
    return edited or row.get("title") or ""


def as_reviewed(row: dict[str, Any]) -> dict[str, Any]:
    """A document as the reviewer left it: the title and text of its newest
    edit (what accepting wrote into seeds/), ``edited`` saying so; the
    crawled text stays in the database and the archive."""
    return row | {"title": current_title(row), "text": current_text(row), "edited": bool(row.get("edited_text"))}


def edited_title_column(table: str = "") -> str:
    """The first line of the newest edit as ``edited_title`` (null when not
    edited), for lists that leave the texts out; ``table``: its alias."""
    text = f"{table}.edited_text" if table else "edited_text"
    return f"substr({text}, 1, instr({text}, char(10)) - 1) as edited_title"

"""Read queries for the people's side: the queue, search, status, the report.

Commands and the report render what these return; none of them writes.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..dates import PARTIAL_DATE_HINT, is_partial_date
from .base import StoreBase, in_chunks
from .documents import edited_title_column
from .errors import explain_storage_error

# A query written in FTS5's syntax (phrases, operators, prefixes, columns) is passed through as it is.
FTS_SYNTAX = re.compile(r'"|\b(AND|OR|NOT|NEAR)\b|\*|[()]|\^|\w:')


class QueryError(ValueError):
    """A search query SQLite's FTS5 cannot parse, or a filter that is not
    what it names (a date that is not one); the message is one line."""


# Documents that were candidates at some point (queued, then decided or not).
CANDIDATE_STATUSES = ("pending", "accepted", "rejected")


@dataclass(frozen=True)
class QueueFilters:
    """Which pending candidates a list, a review or a decision is about (None:
    no such filter): `queue`, `review`, `accept`/`reject` and the browser's
    list all take these."""

    min_score: float | None = None
    max_score: float | None = None
    since: str | None = None  # published on or after (YYYY[-MM[-DD]])
    until: str | None = None  # published on or before
    site: str | None = None  # in the site's name or URL
    lang: str | None = None
    words: str | None = None  # title or text matches (``search``'s syntax)

    def __post_init__(self) -> None:
        """A date that is not one would compare as text and filter silently
        (`since=notadate` selected nothing): one line instead."""
        for name in ("since", "until"):
            value = getattr(self, name)
            if _set(value) and not is_partial_date(str(value).strip()):
                raise QueryError(f"{name}: {value!r} is not {PARTIAL_DATE_HINT}")

    @property
    def given(self) -> bool:
        """Whether any filter narrows the queue (see ``where``)."""
        return any(_set(value) for value in dataclasses.astuple(self))

    def where(self, status: str = "pending") -> tuple[str, list[Any]]:
        """The SQL condition on ``documents`` and its arguments (documents of
        ``status`` only: the queue's, or the near misses' ``offtopic``).
        Blank text narrows nothing: `reject --search " "` must not read as a
        selection of every candidate, nor `queue --lang " "` as one of none."""
        where: list[str] = ["status = ?"]
        args: list[Any] = [status]

        def narrow(condition: str, *values: Any) -> None:
            where.append(condition)
            args.extend(values)

        if _set(self.min_score):
            narrow("score >= ?", self.min_score)
        if _set(self.max_score):
            narrow("score <= ?", self.max_score)
        if _set(self.since):
            narrow("published >= ?", self.since)
        if _set(self.until):
            narrow("published <= ?", f"{self.until}~")  # dates with a time part still count as that day
        if _set(self.site):
            narrow("(sitename like ? or url like ?)", f"%{self.site}%", f"%{self.site}%")
        if _set(self.lang):
            narrow("language = ?", self.lang)
        if _set(self.words):
            narrow("rowid in (select rowid from documents_fts where documents_fts match ?)", _match(str(self.words)))
        return " and ".join(where), args


def _set(value: Any) -> bool:
    """A filter's value that narrows the queue: given, and not blank text."""
    return value is not None and bool(str(value).strip())


EVERY_PENDING = QueueFilters()


class ReadQueries(StoreBase):
    """What the CLI, the review loop and the report show."""

    def pending_candidates(
        self,
        filters: QueueFilters = EVERY_PENDING,
        uncertain_around: float | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Pending candidates (their rows without the texts), best score first,
        or with ``uncertain_around`` (the threshold) the weakest verdicts first:
        the ones a decision teaches most. ``limit``/``offset``: one page of them."""
        columns = ", ".join(c for c in self.table("documents").columns_dict if c not in TEXT_COLUMNS)
        columns += ", " + edited_title_column()
        return self._queue(columns, filters, uncertain_around, limit, offset)

    def pending_numbers(
        self, filters: QueueFilters = EVERY_PENDING, uncertain_around: float | None = None
    ) -> list[int]:
        """The queue numbers of ``pending_candidates``, in its order, without
        reading their rows: where a candidate stands in the list the browser
        walks, at each of its pages and decisions (see bench/year.py browser)."""
        return [row["queue_seq"] for row in self._queue("queue_seq", filters, uncertain_around)]

    def _queue(
        self,
        columns: str,
        filters: QueueFilters,
        uncertain_around: float | None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        where, args = filters.where()
        order = "score desc, queue_seq"
        if uncertain_around is not None:
            order = "abs(score - ?), queue_seq"
            args.append(uncertain_around)
        page = ""
        if limit is not None:
            page = " limit ? offset ?"
            args += [limit, offset]
        sql = f"select {columns} from documents where {where} order by {order}{page}"
        with _searching(filters.words):
            return list(self.db.query(sql, args))

    def pending_texts(self, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` best pending candidates' language, site, URL and text
        (as edited, if it was), best score first. Ties in the index's order:
        breaking them by queue number made SQLite read every pending text (64
        ms on a year-old storage, against 1)."""
        return list(
            self.db.query(
                "select hash, language, sitename, url, coalesce(edited_text, text) as text from documents "
                "where status = 'pending' order by score desc limit ?",
                [limit],
            )
        )

    def still_pending(self, digests: Iterable[str]) -> set[str]:
        """Those of these content hashes whose candidates are still pending."""
        found: set[str] = set()
        for chunk, marks in in_chunks(list(dict.fromkeys(digests))):
            # By the primary key alone: with the status in the query, SQLite
            # read every pending row (15 ms a year-old queue, against under 1).
            query = f"select hash, status from documents where hash in ({marks})"
            found.update(digest for digest, status in self.db.execute(query, chunk) if status == "pending")
        return found

    def near_misses(
        self, filters: QueueFilters = EVERY_PENDING, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Pages the crawl read in full and judged off topic (the queue's
        filters apply), best score first: where a miss of the model is, if
        it made one. Their rows without the texts; ``limit``/``offset``: a page of them."""
        columns = ", ".join(c for c in self.table("documents").columns_dict if c not in TEXT_COLUMNS)
        columns += ", " + edited_title_column()  # one brought back to the queue, edited, then undone
        return self._near_misses(columns, filters, limit, offset)

    def near_miss_hashes(self, filters: QueueFilters = EVERY_PENDING) -> list[str]:
        """The hashes of ``near_misses``, in its order, without reading their
        rows: what `review --misses` walks (80,000 off-topic rows of a year's
        storage: 0.16 s, against 0.68 s for the rows)."""
        return [row["hash"] for row in self._near_misses("hash", filters)]

    def _near_misses(
        self, columns: str, filters: QueueFilters, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        where, args = filters.where("offtopic")
        page = ""
        if limit is not None:
            page = " limit ? offset ?"
            args += [limit, offset]
        with _searching(filters.words):
            return list(self.db.query(f"select {columns} from documents where {where} order by score desc{page}", args))

    def count_near_misses(self, filters: QueueFilters = EVERY_PENDING) -> int:
        """How many off-topic pages pass these filters."""
        where, args = filters.where("offtopic")
        with _searching(filters.words):
            return int(self.db.execute(f"select count(*) from documents where {where}", args).fetchone()[0])

    def count_candidates(self, filters: QueueFilters = EVERY_PENDING) -> int:
        """How many pending candidates pass these filters."""
        where, args = filters.where()
        with _searching(filters.words):
            return int(self.db.execute(f"select count(*) from documents where {where}", args).fetchone()[0])

    def new_candidates(self, run_id: int, limit: int = 5) -> list[dict[str, Any]]:
        """The best candidates a run queued that still wait for review."""
        return list(
            self.db.query(
                "select queue_seq, title, score, url from documents where run_id = ? and status = 'pending' "
                "order by score desc limit ?",
                [run_id, limit],
            )
        )

    def count_pending(self) -> int:
        return int(self.db.execute("select count(*) from documents where status = 'pending'").fetchone()[0])

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search over titles and texts, best match first. FTS5's
        query syntax passes through ("a phrase", AND / OR / NOT, prefix*,
        NEAR(...)); plain words are each quoted, so "U.S." or "5G-ban" need no
        care, and -word leaves a word out. A query FTS5 cannot parse is a
        QueryError with one line."""
        with _searching(query):
            return list(
                self.db.query(
                    "select d.hash, d.queue_seq, d.status, d.score, d.title, d.url, d.seed_file, "
                    f"{edited_title_column('d')}, "
                    "snippet(documents_fts, -1, '[', ']', ' … ', 12) as snippet "
                    "from documents_fts join documents d on d.rowid = documents_fts.rowid "
                    "where documents_fts match ? order by rank limit ?",
                    [_match(query), limit],
                )
            )

    def count_matches(self, query: str) -> int:
        """How many documents a search finds, beyond the rows it shows."""
        with _searching(query):
            return int(self.db.execute("select count(*) from documents_fts where documents_fts match ?",
                                       [_match(query)]).fetchone()[0])  # fmt: skip

    def url_history(self, url: str, given: str) -> dict[str, dict[str, Any]]:
        """What the crawls know of a URL (``url`` canonical, ``given`` as the
        user wrote it): what came of fetching it (``fetched``), a link to it
        waiting in the frontier (``waiting``), an aggregator's lead
        (``lead``), the stored story it is a copy of (``copy``), a feed the
        crawls read (``feed``), a seed added from a page saved from it
        (``seed``: no crawl met it, but the corpus has it); empty when
        nothing has."""

        def first(sql: str, *args: str) -> dict[str, Any] | None:
            return next(self.db.query(sql, args), None)

        fetched = first("select * from urls where url = ?", url) or first(
            "select * from urls where requested_url = ? limit 1", given
        )  # a redirect's start, or a spelling canonicalisation does not undo
        waiting = first("select * from frontier where url = ?", url)
        lead = first("select * from leads where url in (?, ?) limit 1", url, given)
        text = fetched["hash"] if fetched is not None and fetched["hash"] else None
        copy = first("select * from copies where copy_hash = ? limit 1", text) if text else None
        feed = first("select * from feeds where url in (?, ?) limit 1", url, given)
        # Not indexed (no crawl asks it): 20-50 ms on a year's documents, for one `show`.
        seed = first("select hash from documents where status = 'seed' and url in (?, ?) limit 1", url, given)
        known = (
            ("fetched", fetched), ("waiting", waiting), ("lead", lead), ("copy", copy), ("feed", feed), ("seed", seed)
        )  # fmt: skip
        return {key: row for key, row in known if row is not None}

    def status_counts(self) -> list[dict[str, Any]]:
        return list(self.db.query("select status, count(*) as n from documents group by status order by n desc"))

    def candidates_seen(self) -> list[dict[str, Any]]:
        """Date, URL, site and language of every candidate (for the report's tallies)."""
        marks = ", ".join("?" * len(CANDIDATE_STATUSES))
        return list(
            self.db.query(
                f"select published, url, sitename, language from documents where status in ({marks})",
                list(CANDIDATE_STATUSES),
            )
        )

    def run_summaries(self, limit: int = 30) -> list[dict[str, Any]]:
        return list(self.db.query("select * from run_summary limit ?", [limit]))

    def source_yields(self, recent: int = 10) -> list[dict[str, Any]]:
        """Every source's yield over all runs, best first: entries, leads,
        pages fetched, on topic, queued, later accepted and rejected, errors,
        its last good run, and ``warning`` when its last ``recent`` runs all
        failed or found nothing on topic."""
        rows = list(
            self.db.query(
                "select s.source, max(s.kind) as kind, count(*) as runs, sum(s.entries) as entries, "
                "sum(s.leads) as leads, sum(s.fetched) as fetched, sum(s.on_topic) as on_topic, "
                "sum(s.queued) as queued, sum(s.errors) as errors, "
                "max(case when s.errors = 0 and (s.fetched > 0 or s.entries > 0) then r.started end) as last_success "
                "from source_runs s join runs r on r.id = s.run_id group by s.source"
            )
        )
        decided = {
            (r["source"], r["status"]): r["n"]
            for r in self.db.query(
                "select source, status, count(*) as n from documents "
                "where source is not null and status in ('accepted', 'rejected') group by source, status"
            )
        }
        last_runs: dict[str, list[dict[str, Any]]] = {}
        for run in self.db.query(
            "select source, fetched, on_topic, errors from (select *, row_number() over "
            "(partition by source order by run_id desc) as newest from source_runs) where newest <= ?",
            [recent],
        ):
            last_runs.setdefault(run["source"], []).append(run)
        for row in rows:
            row["accepted"] = decided.get((row["source"], "accepted"), 0)
            row["rejected"] = decided.get((row["source"], "rejected"), 0)
            last = last_runs[row["source"]]
            if all(r["errors"] and not r["fetched"] for r in last):
                row["warning"] = f"failed in its last {len(last)} run(s)"
            elif row["leads"] and not row["fetched"]:
                row["warning"] = "leads only (no publisher URLs)"
            elif not any(r["on_topic"] for r in last):
                row["warning"] = f"nothing new on topic in its last {len(last)} run(s)"
            else:
                row["warning"] = ""
        rows.sort(key=lambda r: (r["accepted"], r["queued"], r["on_topic"], r["fetched"]), reverse=True)
        return rows


# A list of candidates does not carry their texts (a year's queue is 50 MB of them).
TEXT_COLUMNS = ("text", "edited_text")


def _match(query: str) -> str:
    """A search as FTS5 takes it: its syntax passes through, plain words are
    each quoted (so "U.S." or "5G-ban" need no care), and a plain word
    written ``-uk`` is left out, as search engines read it: quoted, FTS5
    would find the pages that do say "uk", and `reject --search` reject them."""
    if FTS_SYNTAX.search(query):
        return query
    wanted: list[str] = []
    excluded: list[str] = []
    for word in query.split():
        if word.startswith("-") and word.strip("-"):
            excluded.append(word.lstrip("-"))
        else:
            wanted.append(word)
    if not wanted:
        raise QueryError(f"cannot search for {query!r}: give a word to find besides those to leave out (-word)")
    match = " ".join(_quoted(word) for word in wanted)
    return f"({match})" + "".join(f" NOT {_quoted(word)}" for word in excluded) if excluded else match


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


@contextmanager
def _searching(query: str | None) -> Iterator[None]:
    """A search FTS5 cannot parse is a QueryError with one line; a storage
    failure stays the storage's (locked, full, read-only)."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if query is None or explain_storage_error(exc) is not None:
            raise
        raise QueryError(
            f"cannot search for {query!r}: {exc} (phrases in double quotes; AND, OR, NOT in capitals)"
        ) from None

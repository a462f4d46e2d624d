"""URLs, the frontier and feeds: what the crawl knows about where to go.

- ``urls``: every URL fetched and what came of it; known URLs are not
  fetched again.
- ``frontier``: links scheduled but not yet resolved, what a killed crawl
  resumes.
- ``feeds``: per-feed state (ETag, Last-Modified, last result).
- ``leads``: aggregator entries with no publisher URL (crawler.aggregators).

A page's links are looked up and recorded in one statement each
(``unknown_urls``, ``add_to_frontier``): a SELECT and an INSERT per link
on the reactor thread were most of the crawl process's own time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from .base import StoreBase, in_chunks, now

# A final outcome: transient failures (a timeout, a refused connection, a 5xx
# or a 429) may be gone tomorrow; a 404 or a page we read is not worth
# another request.
FINAL = "(outcome != 'error' or (http_status between 400 and 499 and http_status != 429))"


class FrontierLink(NamedTuple):
    url: str
    via: str
    found_on: str | None
    hops: int
    priority: int
    source: str | None = None
    date_hint: str | None = None  # the feed entry's, sitemap's or search result's date: a witness for the page
    anchor: str = ""  # the link's text or the entry's title: what the link learner reads


class LinkStore(StoreBase):
    """Where the crawl has been and where it may go."""

    def is_known_url(self, url: str) -> bool:
        """Fetched before with a final outcome."""
        return not self.unknown_urls([url])

    def unknown_urls(self, urls: Sequence[str]) -> list[str]:
        """The URLs not fetched before with a final outcome, in the order given."""
        known: set[str] = set()
        for chunk, marks in in_chunks(urls):
            known.update(
                row[0] for row in self.db.execute(f"select url from urls where url in ({marks}) and {FINAL}", chunk)
            )
        return [url for url in urls if url not in known]

    def record_url(self, url: str, outcome: str, run_id: int, **fields: Any) -> None:
        """What came of a URL; it leaves the frontier in the same transaction."""
        stamp = now()
        row = {"url": url, "outcome": outcome, "run_id": run_id, "last_seen": stamp, **fields}
        assignments = ", ".join(f"{column} = excluded.{column}" for column in row if column != "url")
        with self.write():
            self.db.execute(
                f"insert into urls ({', '.join(row)}, first_seen) values ({', '.join('?' * len(row))}, ?) "
                f"on conflict (url) do update set {assignments}",
                [*row.values(), stamp],
            )
            self.db.execute("delete from frontier where url = ?", [url])

    def record_alias(self, url: str, page_url: str, run_id: int, how: str) -> None:
        """Another spelling of a page read under ``page_url`` (a redirect or its
        rel=canonical): known from now on, so never fetched for itself."""
        stamp = now()
        with self.write():
            self.insert_row(
                "urls",
                {"url": url, "outcome": "alias", "detail": f"{how} of {page_url}", "run_id": run_id,
                 "first_seen": stamp, "last_seen": stamp},
                ignore=True,
            )  # fmt: skip
            self.db.execute("delete from frontier where url = ?", [url])

    def add_to_frontier(self, links: Iterable[FrontierLink]) -> None:
        """Links scheduled by this run, in one statement; links already there keep their first record."""
        stamp = now()
        with self.write():
            self.db.conn.executemany(
                "insert or ignore into frontier (url, via, found_on, hops, priority, source, date_hint, anchor, added) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*link, stamp) for link in links],
            )

    def raise_in_frontier(self, links: Iterable[FrontierLink]) -> None:
        """Links found again on a better page: their frontier record takes the
        higher priority and that page as where they were found, so a crawl that
        resumes them asks for them as this one does (links no longer in the
        frontier, fetched meanwhile, are left alone)."""
        with self.write():
            self.db.conn.executemany(
                "update frontier set via = ?, found_on = ?, hops = ?, priority = ?, source = ?, "
                "date_hint = coalesce(?, date_hint), anchor = ? where url = ? and priority < ?",
                [(*link[1:], link.url, link.priority) for link in links],
            )

    def frontier(self, limit: int) -> list[dict[str, Any]]:
        """Unresolved links, best first (a URL leaves the frontier when it is recorded)."""
        return list(self.db.query("select * from frontier order by priority desc limit ?", [limit]))

    def feed_state(self, url: str) -> dict[str, Any] | None:
        rows = list(self.table("feeds").rows_where("url = ?", [url]))
        return rows[0] if rows else None

    def record_feed(self, url: str, **fields: Any) -> None:
        self.table("feeds").upsert({"url": url, "last_fetched": now(), **fields}, pk="url")

    def record_lead(self, url: str, feed: str, run_id: int, **fields: str | None) -> bool:
        """An aggregator's entry that names a story but not its URL; True if new."""
        stamp = now()
        with self.write():
            known = self.db.execute("select 1 from leads where url = ?", [url]).fetchone() is not None
            if known:
                self.db.execute("update leads set last_seen = ?, run_id = ? where url = ?", [stamp, run_id, url])
            else:
                self.insert_row(
                    "leads", {"url": url, "feed": feed, "run_id": run_id, "first_seen": stamp, "last_seen": stamp,
                              **fields},
                )  # fmt: skip
        return not known

    def record_source_runs(self, run_id: int, tallies: dict[str, dict[str, Any]]) -> None:
        """What each source gave in one run (source -> kind and counts)."""
        counts = ("entries", "leads", "fetched", "on_topic", "queued", "errors")
        with self.write():
            self.db.conn.executemany(
                f"insert or replace into source_runs (source, run_id, kind, {', '.join(counts)}) "
                f"values (?, ?, ?, {', '.join('?' * len(counts))})",
                [(source, run_id, tally.get("kind"), *(tally.get(c, 0) for c in counts))
                 for source, tally in tallies.items()],
            )  # fmt: skip

    def outcome_counts(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """How many URLs ended each way (last seen in ``run_id``, or ever), most first."""
        where, args = ("where run_id = ?", [run_id]) if run_id is not None else ("", [])
        return list(
            self.db.query(f"select outcome, count(*) as n from urls {where} group by outcome order by n desc", args)
        )

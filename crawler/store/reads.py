"""Read queries for the people's side: the queue, search, status, the report.

Commands and the report render what these return; none of them writes.
"""

from __future__ import annotations

from typing import Any

from .base import StoreBase

# Documents that were candidates at some point (queued, then decided or not).
CANDIDATE_STATUSES = ("pending", "accepted", "rejected")


class ReadQueries(StoreBase):
    """What the CLI, the review loop and the report show."""

    def pending_candidates(
        self,
        min_score: float | None = None,
        since: str | None = None,
        until: str | None = None,
        site: str | None = None,
        lang: str | None = None,
        uncertain_around: float | None = None,
    ) -> list[dict[str, Any]]:
        """Pending candidates, best score first, or with ``uncertain_around`` (the
        threshold) the weakest verdicts first: the ones a decision teaches most."""
        where: list[str] = ["status = 'pending'"]
        args: list[Any] = []
        if min_score is not None:
            where.append("score >= ?")
            args.append(min_score)
        if since:
            where.append("published >= ?")
            args.append(since)
        if until:
            where.append("published <= ?")
            args.append(until + "~")  # dates with a time part still count as that day
        if site:
            where.append("(sitename like ? or url like ?)")
            args += [f"%{site}%", f"%{site}%"]
        if lang:
            where.append("language = ?")
            args.append(lang)
        order = "score desc, queue_seq"
        if uncertain_around is not None:
            order = "abs(score - ?), queue_seq"
            args.append(uncertain_around)
        sql = f"select * from documents where {' and '.join(where)} order by {order}"
        return list(self.db.query(sql, args))

    def count_pending(self) -> int:
        return int(self.db.execute("select count(*) from documents where status = 'pending'").fetchone()[0])

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search over titles and texts, best match first."""
        # Quote each word: user text is words to find, not FTS5 syntax to parse.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in query.split())
        return list(
            self.db.query(
                "select d.hash, d.queue_seq, d.status, d.score, d.title, "
                "snippet(documents_fts, 1, '[', ']', ' … ', 12) as snippet "
                "from documents_fts join documents d on d.rowid = documents_fts.rowid "
                "where documents_fts match ? order by rank limit ?",
                [match, limit],
            )
        )

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

"""The SQL of review decisions (crawler/review.py decides, this records).

``decisions`` logs every accept, reject and undo with who and when; an
undone decision stays in the log, marked ``undone``.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Iterator
from typing import Any

from .base import StoreBase, in_chunks, now
from .documents import edited_title_column

MAX_ID = 2**63 - 1  # SQLite's largest integer


def reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class DecisionStore(StoreBase):
    """Candidates found by the ids a reviewer types, and the decision log."""

    def documents_by_file_name(self, name: str) -> list[dict[str, Any]]:
        """By queue file or seed file name (`search` names a seed by its file)."""
        query = "select * from documents where queue_file = ? or seed_file = ?"
        return list(self.db.query(query, [name, name]))

    def documents_by_queue_number(self, number: int) -> list[dict[str, Any]]:
        if number > MAX_ID:
            return []  # larger than any SQLite integer: no such candidate
        return list(self.db.query("select * from documents where queue_seq = ?", [number]))

    def documents_by_hash_prefix(self, prefix: str) -> list[dict[str, Any]]:
        # A range on the key, not LIKE (which reads every row): hex digits sort below "g".
        return list(self.db.query("select * from documents where hash >= ? and hash < ?", [prefix, prefix + "g"]))

    def pending_with_text(self, digest: str) -> dict[str, Any] | None:
        """The pending candidate whose text, as crawled or as last edited, has this hash."""
        rows = list(
            self.db.query(
                "select * from documents where +status = 'pending' and (hash = ? or edited_hash = ?)", [digest, digest]
            )
        )
        return rows[0] if rows else None

    def pending_with_hash_prefix(self, prefix: str) -> bool:
        """A pending candidate whose text (or last edit) hash starts with the 16
        hex digits a file name carries."""
        end = prefix + "g"  # hex digits sort below "g": index ranges, not a scan
        return (
            self.db.execute(
                # +status: by the hash ranges, not by the status index (a year's 10,000 pending rows)
                "select 1 from documents where +status = 'pending' "
                "and ((hash >= ? and hash < ?) or (edited_hash >= ? and edited_hash < ?))",
                [prefix, end, prefix, end],
            ).fetchone()
            is not None
        )

    def record_edit(self, row: dict[str, Any], text: str, digest: str, via: str) -> int:
        """A new version of a candidate's text; its number (the crawled text is 1)."""
        version = 1 + self.db.execute("select count(*) from edits where hash = ?", [row["hash"]]).fetchone()[0] + 1
        self.table("edits").insert(
            {"hash": row["hash"], "version": version, "text": text, "text_hash": digest, "via": via,
             "reviewer": reviewer(), "edited_at": now()},
        )  # fmt: skip
        self.table("documents").update(row["hash"], {"edited_text": text, "edited_hash": digest})
        self.log_decision(row, "edit", f"version {version} ({via})", None)
        return version

    def edits_of(self, digest: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from edits where hash = ? order by version", [digest]))

    def set_decision(self, digest: str, status: str, **fields: Any) -> None:
        """A candidate's new status (and seed_file, decided_at, decision_reason)."""
        self.table("documents").update(digest, {"status": status, **fields})

    def log_decision(self, row: dict[str, Any], action: str, reason: str | None, seed_file: str | None) -> None:
        self.table("decisions").insert(
            {
                "hash": row["hash"],
                "action": action,
                "reason": reason,
                "seed_file": seed_file,
                "queue_file": row["queue_file"],
                "reviewer": reviewer(),
                "decided_at": now(),
                "undone": 0,
            }
        )

    def last_decision(self, digest: str) -> dict[str, Any] | None:
        return next(
            self.db.query("select * from decisions where hash = ? and undone = 0 order by id desc limit 1", [digest]),
            None,
        )

    def requeued(self, digests: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Those of these documents a reviewer put in the queue over the crawl's
        verdict (a standing ``requeue``), with who did and when: a new reading
        must not take them out, and ``show`` says how they came."""
        found: dict[str, dict[str, Any]] = {}
        for chunk, marks in in_chunks(list(digests)):
            query = (
                "select id, hash, reviewer, decided_at from decisions "
                f"where action = 'requeue' and undone = 0 and hash in ({marks})"
            )
            found.update((row["hash"], row) for row in self.db.query(query, chunk))
        return found

    def mark_undone(self, decision_id: int) -> None:
        self.table("decisions").update(decision_id, {"undone": 1})

    def known_seed_files(self, names: Iterable[str]) -> set[str]:
        """Which of these seed file names the database knows (index lookups:
        a decision must not read every decided row of a year's corpus)."""
        return set(self._rows_named("seed_file", "seed_file", names, "seed_file is not null"))

    def seed_file_rows(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The rows (without texts) of these seed files, seeds and accepted
        candidates, by file name: the corpus page's, a page of the folder at a time."""
        columns = (
            "hash, seed_file, status, title, url, sitename, author, published, decided_at, first_seen, queue_seq, "
        )
        rows = self._rows_named("seed_file", columns + edited_title_column(), names,
                                "status in ('seed', 'accepted')", whole=True)  # fmt: skip
        return {row["seed_file"]: row for row in rows}

    def decided_queue_files(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """(queue_file, hash, edited_hash) of the accepted and rejected
        candidates among these queue file names (the files still in the queue),
        and of pages put back off topic (an undone requeue)."""
        return list(self._rows_named("queue_file", "queue_file, hash, edited_hash", names,
                                     "status in ('accepted', 'rejected', 'offtopic')", whole=True))  # fmt: skip

    def _rows_named(
        self, column: str, wanted: str, names: Iterable[str], where: str, whole: bool = False
    ) -> Iterator[Any]:
        for chunk, marks in in_chunks(names):
            query = f"select {wanted} from documents where {column} in ({marks}) and {where}"
            for row in self.db.query(query, chunk):
                yield row if whole else row[column]

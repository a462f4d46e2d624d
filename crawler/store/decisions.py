"""The SQL of review decisions (crawler/review.py decides, this records).

``decisions`` logs every accept, reject and undo with who and when; an
undone decision stays in the log, marked ``undone``.
"""

from __future__ import annotations

import getpass
from typing import Any

from .base import StoreBase, now

MAX_ID = 2**63 - 1  # SQLite's largest integer


def reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class DecisionStore(StoreBase):
    """Candidates found by the ids a reviewer types, and the decision log."""

    def documents_by_queue_file(self, name: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from documents where queue_file = ?", [name]))

    def documents_by_queue_number(self, number: int) -> list[dict[str, Any]]:
        if number > MAX_ID:
            return []  # larger than any SQLite integer: no such candidate
        return list(self.db.query("select * from documents where queue_seq = ?", [number]))

    def documents_by_hash_prefix(self, prefix: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from documents where hash like ?", [prefix + "%"]))

    def pending_with_text(self, digest: str) -> dict[str, Any] | None:
        """The pending candidate whose text, as crawled or as last edited, has this hash."""
        rows = list(
            self.db.query(
                "select * from documents where status = 'pending' and (hash = ? or edited_hash = ?)", [digest, digest]
            )
        )
        return rows[0] if rows else None

    def pending_with_hash_prefix(self, prefix: str) -> bool:
        """A pending candidate whose text (or last edit) hash starts with the 16
        hex digits a file name carries."""
        return (
            self.db.execute(
                "select 1 from documents where status = 'pending' "
                "and (substr(hash, 1, 16) = ? or substr(edited_hash, 1, 16) = ?)",
                [prefix, prefix],
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

    def mark_undone(self, decision_id: int) -> None:
        self.table("decisions").update(decision_id, {"undone": 1})

    def known_seed_files(self) -> set[str]:
        return {r["seed_file"] for r in self.db.query("select seed_file from documents where seed_file is not null")}

    def decided_queue_files(self) -> list[dict[str, Any]]:
        """(queue_file, hash) of accepted and rejected candidates."""
        return list(
            self.db.query(
                "select queue_file, hash, edited_hash from documents "
                "where status in ('accepted', 'rejected') and queue_file is not null"
            )
        )

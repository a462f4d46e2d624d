"""Housekeeping: what a year of nightly crawls leaves behind, cleared.

The frontier never empties on its own: links over a run's budget wait there,
and most are never worth fetching once they are months old. ``collect``
removes frontier links added before a date, then checkpoints the WAL, and
VACUUMs the file so the freed pages go back to the disk. It never touches a
document, a decision, a copy, a URL record or a seed file: what the corpus
is and why stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import DB_NAME, StoreBase


@dataclass(frozen=True)
class Collected:
    frontier_removed: int
    bytes_before: int
    bytes_after: int

    @property
    def freed(self) -> int:
        return max(0, self.bytes_before - self.bytes_after)


class Housekeeping(StoreBase):
    """Old frontier links out, the file compacted."""

    def files_size(self) -> int:
        """The database file and its WAL, in bytes."""
        return sum(p.stat().st_size for p in self.storage_dir.glob(DB_NAME + "*") if p.is_file())

    def stale_frontier(self, added_before: str) -> int:
        """How many frontier links were added before this time (ISO)."""
        return int(self.db.execute("select count(*) from frontier where added < ?", [added_before]).fetchone()[0])

    def collect(self, added_before: str) -> Collected:
        before = self.files_size()
        with self.write():
            removed = self.db.execute("delete from frontier where added < ?", [added_before]).rowcount
        self.compact()
        return Collected(removed, before, self.files_size())

    def compact(self) -> None:
        """Freed pages back to the disk: checkpoint the WAL, VACUUM, truncate the WAL."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA optimize")


def cutoff(days: int) -> str:
    """The ISO time ``days`` ago, as the frontier's ``added`` column holds times."""
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")

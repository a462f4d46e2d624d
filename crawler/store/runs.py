"""The run ledger: one row per crawl, with its process and its counts.

A run is ``starting`` (the scheduler made the row), ``running``, then
``finished``, ``shutdown`` (asked to stop), ``failed``, ``killed`` (its
process vanished), or the reason it was stopped (``storage_error`` ...).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..summary import run_counts
from .base import StoreBase, now
from .errors import StoreError


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


class RunLedger(StoreBase):
    """Runs and their outcomes."""

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
        return int(table.last_pk or 0)

    def adopt_run(self, run_id: int) -> int:
        """Take over a run row the scheduler created for this process."""
        if not self.table("runs").count_where("id = ?", [run_id]):
            raise StoreError(f"{self.storage_dir}: no run {run_id} to continue; leave out -a run_id")
        self.table("runs").update(run_id, {"status": "running", "pid": os.getpid()})
        return run_id

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.table("runs").get(run_id))

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

    def last_run(self) -> dict[str, Any] | None:
        runs = self.last_runs(1)
        return runs[0] if runs else None

    def last_success(self) -> str | None:
        """Start time of the newest crawl that ran to its end."""
        row = self.db.execute(
            "select max(started) from runs where status = 'finished' and coalesce(exit_status, 0) = 0"
        ).fetchone()
        return row[0]

    def record_progress(self, run_id: int, counts: dict[str, int]) -> None:
        """A running crawl's counts so far (`seedcrawl status` shows them)."""
        with self.write():
            self.table("runs").update(run_id, counts)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        self.table("runs").update(
            run_id,
            {"finished": now(), "status": status, "stats": json.dumps(stats, default=str, sort_keys=True),
             **run_counts(stats)},
        )  # fmt: skip

    def record_summary(self, run_id: int, summary: str) -> None:
        """The run's end-of-run summary, as its log says it."""
        with self.write():
            self.table("runs").update(run_id, {"summary": summary})

    def mark_dead_runs(self) -> list[int]:
        """Runs still 'running' whose process is gone (killed): say so."""
        dead = []
        for row in self.db.query("select id, pid from runs where status in ('running', 'starting')"):
            if row["pid"] and not _alive(row["pid"]):
                dead.append(row["id"])
        for run_id in dead:
            self.table("runs").update(run_id, {"status": "killed"})
        return dead

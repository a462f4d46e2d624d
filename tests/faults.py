"""Helpers of the fault-injection suite: snapshots, losses, namespaces, the table.

Storage faults are made real where the kernel allows it without privileges
on the machine: ``unshare -rm`` gives the test a mount namespace of its own
in which a folder or file can be bind-mounted read-only and a small tmpfs
can fill up, while everything outside stays as it was. Where ``unshare`` is
missing, those tests skip with the reason.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
from functools import cache
from pathlib import Path

# (fault, what happened, data lost): printed at the end of the test session.
TABLE: list[tuple[str, str, str]] = []


def record(fault: str, outcome: str, lost: list[str]) -> None:
    TABLE.append((fault, outcome, "none" if not lost else "; ".join(lost)))


def snapshot(folder: Path) -> dict:
    """What must survive a fault: queue files, seed files, stored documents."""
    storage, seeds = folder / "storage", folder / "seeds"
    state: dict = {
        "queue": {p.name: p.read_bytes() for p in sorted((storage / "queue").glob("*.txt"))},
        "seeds": {p.name: p.read_bytes() for p in sorted(seeds.glob("*.txt"))},
        "orphans": {p.name: p.read_bytes() for p in sorted((storage / "orphans").glob("*.txt"))},
        "documents": {},
    }
    db_path = storage / "corpus.db"
    if db_path.exists() and db_path.stat().st_size:
        try:
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            state["documents"] = dict(db.execute("select hash, status from documents"))
            db.close()
        except sqlite3.DatabaseError:
            state["documents"] = {}
    return state


def losses(before: dict, after: dict) -> list[str]:
    """Everything of ``before`` that ``after`` no longer holds (a queue file
    moved to orphans/ is kept, not lost)."""
    lost = []
    for name, data in before["queue"].items():
        if after["queue"].get(name) != data and after["orphans"].get(name) != data:
            lost.append(f"queue file {name}")
    for name, data in before["seeds"].items():
        if after["seeds"].get(name) != data:
            lost.append(f"seed file {name}")
    for digest, status in before["documents"].items():
        if after["documents"].get(digest) != status:
            lost.append(f"document {digest[:12]} ({status} -> {after['documents'].get(digest)})")
    return lost


def pending_rows_and_files_agree(storage: Path) -> bool:
    db = sqlite3.connect(storage / "corpus.db")
    rows = {r[0] for r in db.execute("select queue_file from documents where status = 'pending'")}
    db.close()
    return rows == {p.name for p in (storage / "queue").glob("*.txt")}


@cache
def namespaces() -> str | None:
    """None when `unshare -rm` works here, else why not."""
    try:
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare is not available ({exc})"
    if probe.returncode != 0:
        return f"unshare -rm is not permitted here: {probe.stderr.strip()}"
    return None


def in_namespace(script: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run a bash script as root of a private mount namespace."""
    return subprocess.run(
        ["unshare", "-rm", "bash", "-euc", script], capture_output=True, text=True, timeout=timeout,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip


def quoted(command: list[str | os.PathLike[str]]) -> str:
    return shlex.join(str(part) for part in command)


def one_line(stderr: str, prefix: str) -> str:
    """The single error line a command printed (and nothing that looks like a traceback)."""
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]

"""Storage failures in words a person can act on.

Every caller that meets a storage failure (the crawl, the pipeline, the
commands) asks ``explain_storage_error`` for the line to show, so the same
fault reads the same everywhere.
"""

from __future__ import annotations

import errno
import sqlite3

DB_NAME = "corpus.db"


class StoreError(RuntimeError):
    """The database or queue folder cannot be used; the message says what to do."""


def explain_storage_error(exc: BaseException, waited_s: float | None = None) -> str | None:
    """One line a person can act on for a storage failure, or None if unknown
    (``waited_s``: the busy timeout that ran out; SEEDCRAWL_BUSY_TIMEOUT's by default)."""
    text = str(exc)
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        waited = int(busy_timeout_s() if waited_s is None else waited_s)
        return (
            f"{DB_NAME} is locked by another process (a crawl or a reviewer) for more than {waited} s; "
            "try again when it has finished"
        )
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "database or disk is full" in text:
        where = f" writing {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        return f"the disk is full{where}; free some space and run the command again (nothing was changed)"
    if "readonly database" in text or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return (
            f"the storage is read-only{where}: {DB_NAME}, its folder and queue/ must be writable "
            "for this user (nothing was changed)"
        )
    if "file is not a database" in text or "malformed" in text:
        return (
            f"{DB_NAME} is damaged or not a seedcrawl database ({text}); restore it from a backup "
            "or move it away (the queue files were left as they are)"
        )
    if isinstance(exc, PermissionError):
        return f"permission denied on {exc.filename}; make it writable for this user"
    if isinstance(exc, sqlite3.OperationalError) and "unable to open database file" in text:
        return f"cannot open {DB_NAME}: its folder is missing or not writable for this user"
    return None


def explain_or_raise(exc: BaseException, waited_s: float | None = None) -> str:
    """The line for a storage failure; a failure nobody can explain is a bug,
    and is raised again with its traceback."""
    message = explain_storage_error(exc, waited_s)
    if message is None:
        raise exc
    return message


def busy_timeout_s() -> float:
    """How long a writer waits for another process's transaction (seconds):
    SEEDCRAWL_BUSY_TIMEOUT, read when a store is opened, not at import."""
    import os

    try:
        return max(0.0, float(os.environ.get("SEEDCRAWL_BUSY_TIMEOUT", "30")))
    except ValueError:
        return 30.0

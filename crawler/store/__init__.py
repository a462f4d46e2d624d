"""The corpus database (storage/corpus.db) and the review queue beside it.

One SQLite file, opened through sqlite-utils, and the only place in
seedcrawl that holds SQL. One module per concern:

- ``schema``: the tables, as sqlite-utils migrations;
- ``base``: opening the folder, pragmas, write transactions, the corpus
  (seeds folder and sources file) the storage belongs to;
- ``errors``: storage failures in one line a person can act on;
- ``runs``: the run ledger;
- ``documents``: texts, copies, the near-duplicate index and the queue;
- ``links``: URLs, the frontier, feeds;
- ``decisions``: the SQL of review decisions;
- ``reads``: what the commands and the report show;
- ``housekeeping``: old frontier links removed, the file compacted (gc).

``Store`` is all of them for one storage folder. A missing or empty
database beside queue files is an error, never a repair: it would see
every file as a stray.
"""

from __future__ import annotations

from . import sqlite_first  # noqa: F401 - before anything imports sqlite-utils (see there)

# isort: split
from .base import DB_NAME, ORPHANS_DIR, QUEUE_DIR, RESERVE_NAME, now
from .decisions import MAX_ID, DecisionStore
from .documents import Document, DocumentStore
from .errors import StoreError, explain_or_raise, explain_storage_error
from .housekeeping import Collected, Housekeeping
from .links import FrontierLink, LinkStore
from .reads import QueryError, QueueFilters, ReadQueries
from .runs import RunLedger


class Store(RunLedger, DocumentStore, LinkStore, DecisionStore, ReadQueries, Housekeeping):
    """The database and the queue folder of one storage directory."""


__all__ = [
    "Collected", "DB_NAME", "MAX_ID", "ORPHANS_DIR", "QUEUE_DIR", "RESERVE_NAME", "Document", "FrontierLink",
    "QueryError", "QueueFilters", "Store",
    "StoreError", "explain_or_raise", "explain_storage_error", "now",
]  # fmt: skip

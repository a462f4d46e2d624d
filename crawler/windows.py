"""From when each news search and site is read: the last run it answered.

A news search asks for what was published since a time, and a site's
sitemaps are read for entries newer than one. That time was the last
finished run's start for every source alike, so a night GDELT answered a
query with its rate-limit notice, or a site's sitemap failed, moved the
window past what that source never gave. Each source keeps its own: a
source that answered is asked from this run's start next time; one that
did not, from where it was asked from this time (the start of the last
run it answered, or, never asked before, the last finished run's start,
or ``first_days`` back on the first run). The windows are a small JSON
object in the store's kept counts, written when a run finishes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

KEPT = "source_windows"
# A window older than this is forgotten: its source (a query the model no
# longer derives, a site taken out) starts again at the last finished run.
FORGOTTEN_AFTER = timedelta(days=365)


def read_windows(store: Store) -> dict[str, datetime]:
    """Each source's window start, as the last finished run kept them; none
    if they cannot be read (every source then starts at the last finished run)."""
    body = store.kept_counts(KEPT)
    try:
        found = json.loads(body) if body else {}
        starts = {str(source): datetime.fromisoformat(start) for source, start in found.items()}
    except (ValueError, TypeError, AttributeError):
        return {}
    # Compared with the dates of feeds and sitemaps, which are in UTC: a start without its zone is in UTC too.
    return {source: start if start.tzinfo else start.replace(tzinfo=UTC) for source, start in starts.items()}


def moved(
    windows: dict[str, datetime], asked_from: dict[str, datetime], answered: set[str], started: datetime
) -> dict[str, datetime]:
    """The windows after a finished run that started at ``started`` and
    asked each source of ``asked_from`` from its start there: one that
    answered starts at this run next time, one that did not where it
    started this time; a source this run did not ask keeps its window."""
    kept = {source: start for source, start in windows.items() if started - start <= FORGOTTEN_AFTER}
    for source, start in asked_from.items():
        kept[source] = started if source in answered else start
    return kept


def keep_windows(store: Store, windows: dict[str, datetime]) -> None:
    store.keep_counts(KEPT, json.dumps({source: start.isoformat() for source, start in sorted(windows.items())}))

"""The queue ranked by what the reviewer taught: pending candidates judged again.

A candidate's score is the crawl's verdict on the day it was found. The
model learns from every decision after that (crawler/refit.py), but the
queue kept ranking by the old verdicts: rejecting ten phone reviews did not
move the hundred others down, nor accepting a few ban stories lift the rest.
``rescore_pending`` judges each pending candidate's text (as edited, if it
was) with today's model and keeps the new score, reason and borderline
mark; the store keeps the crawl's own verdict beside the first new one, so
why a page was kept stays explained. A candidate stays in the queue
whatever its new score: one that falls below the threshold sinks to the
bottom and is counted, for the reviewer to reject in one go
(``seedcrawl reject --max-score``), never dropped unseen.

The pages the crawl read in full and judged off topic (``seedcrawl
misses``) are judged again on request (``rescore --misses``, and every
night): accepting one brief about a ban should lift the other briefs the
model missed up that list. They stay off topic whatever their new score:
those that now reach the cut the crawl queues at are counted, for the
reviewer to requeue; none enters the queue unasked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .relevance import TopicModel

if TYPE_CHECKING:
    from .sources import Sources
    from .store import Store

# Candidates judged and written per transaction (a year's queue: 20 of them).
CHUNK = 500
# Scores are kept to four places: a difference below this is the same verdict.
SAME_SCORE = 0.00005


@dataclass(frozen=True)
class Rescored:
    """What judging the queue again changed."""

    judged: int = 0
    changed: int = 0  # a new score or borderline mark (and its reason)
    fell_below: int = 0  # at or above the threshold before, below it now
    rose_above: int = 0  # below before, at or above now (off-topic pages: the cut the crawl queues at)
    misses: Rescored | None = None  # the pages judged off topic, when they were judged again too


def rescore_pending(
    store: Store, model: TopicModel, dry_run: bool = False, progress: Callable[[int], None] | None = None,
    stopping: Callable[[], bool] = lambda: False, status: str = "pending",
) -> Rescored:  # fmt: skip
    """Judge every pending candidate (or every page of ``status``) again with
    ``model``; keep (unless ``dry_run``) the verdicts that changed.
    ``progress`` hears how many so far; ``stopping`` is asked between
    transactions (what is written stays). Off-topic pages are counted as
    rising when they reach the cut the crawl queues at (the threshold less
    the borderline band), the others the threshold."""
    judged = changed = fell = rose = 0
    threshold = model.threshold if status == "pending" else model.threshold - model.band
    after = 0
    while not stopping() and (rows := store.pending_judged(after, CHUNK, status)):
        after = rows[-1]["rowid"]
        new = []
        crossed: dict[str, tuple[bool, bool]] = {}  # hash -> (fell below the threshold, rose above it)
        for row in rows:
            verdict = model.judge(row["text"])
            before = row["score"] if row["score"] is not None else 0.0
            if abs(verdict.score - before) < SAME_SCORE and verdict.borderline == bool(row["borderline"]):
                continue  # the same verdict (its reason may name tied words in another order)
            new.append((row["hash"], verdict.score, verdict.reason, verdict.borderline))
            crossed[row["hash"]] = (before >= threshold > verdict.score, verdict.score >= threshold > before)
        judged += len(rows)
        # Only what the store changed counts: a candidate decided meanwhile is left alone.
        kept = set(crossed) if dry_run else store.rescore(new, status) if new else set()
        changed += len(kept)
        fell += sum(crossed[digest][0] for digest in kept)
        rose += sum(crossed[digest][1] for digest in kept)
        if progress is not None:
            progress(judged)
    return Rescored(judged, changed, fell, rose)


def rescore_queue(
    store: Store, seeds_dir: Path, sources: Sources, dry_run: bool = False,
    progress: Callable[[int], None] | None = None, stopping: Callable[[], bool] = lambda: False,
    misses: bool = False, misses_progress: Callable[[int], None] | None = None,
) -> Rescored:  # fmt: skip
    """The pending candidates judged again by the model of the seeds and the
    decisions (crawler/refit.py), at the sources' threshold and band: what
    `seedcrawl rescore`, the browser's button and the scheduler run. With
    ``misses``, the pages judged off topic too, by the same model."""
    from .refit import corpus_model

    model = corpus_model(seeds_dir, store, sources.threshold, sources.band)
    done = rescore_pending(store, model, dry_run, progress, stopping)
    if not misses:
        return done
    return replace(done, misses=rescore_pending(store, model, dry_run, misses_progress, stopping, status="offtopic"))

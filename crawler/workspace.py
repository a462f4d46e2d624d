"""A storage folder and the seeds folder and sources file it was made for.

The CLI and the browser page open storage the same way, through these:
a storage folder is never created by a command that only reads, and an
interrupted decision is finished before anything else is done with it.
"""

from __future__ import annotations

from pathlib import Path

from .review import Review
from .sources import DEFAULT_SOURCES, Sources, load_sources
from .store import Store


def open_store(storage: Path) -> Store:
    """An existing storage folder (never creates one: a typo in --storage is
    an error, not a new empty corpus)."""
    return Store(storage, create=False)


def open_review(storage: Path, seeds_dir: Path | None = None, claim: bool = False, repair: bool = True) -> Review:
    """The storage folder with its seeds folder, after finishing any decision
    a crash interrupted. ``claim``: record the seeds folder (decisions do).
    ``repair=False``: no look for what a crash left (a page the browser only
    shows; every decision looks for its own candidate before it is made)."""
    store = open_store(storage)
    recorded = store.corpus().get("seeds")
    folder = seeds_dir or (recorded if recorded is not None and recorded.exists() else Path("seeds"))
    if claim:
        store.claim_corpus(folder)
    else:
        store.check_corpus(folder)
    review = Review(store, folder)
    if folder.is_dir() and repair:
        review.reconcile()
    return review


def recorded_sources(storage: Path, given: Path | None) -> Path:
    """The sources file given, else the one the storage folder recorded, else
    the one in its recorded seeds folder (storage older than the record of the
    sources file), else seeds/sources.toml: a command run from another
    folder finds the storage's own settings, not the current folder's."""
    if given is not None:
        return given
    if (storage / "corpus.db").exists():
        store = open_store(storage)
        try:
            recorded = store.corpus()
        finally:
            store.close()
        seeds = recorded.get("seeds")
        for path in (recorded.get("sources"), seeds / DEFAULT_SOURCES.name if seeds is not None else None):
            if path is not None and path.exists():
                return path
    return DEFAULT_SOURCES


def storage_sources(storage: Path, given: Path | None = None) -> Sources:
    """The settings of the storage folder's corpus, loaded from the sources
    file ``recorded_sources`` finds (a SourcesError is one line)."""
    return load_sources(recorded_sources(storage, given))

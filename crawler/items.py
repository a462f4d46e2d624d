"""What the spider hands the pipeline: one extracted, scored page."""

from __future__ import annotations

from dataclasses import dataclass, field

from .extract import Article
from .relevance import Verdict


@dataclass
class PageItem:
    """An article page on its way to dedup, storage and the queue.

    ``found_via`` is how the crawl reached it (``seed``, ``feed``, ``link``)
    and ``found_on`` the feed or page that pointed to it.
    """

    article: Article = field(repr=False)
    verdict: Verdict = field(repr=False)
    url: str
    found_via: str
    found_on: str | None
    shingles: frozenset[int] = field(repr=False)  # near-duplicate sample, computed by the worker
    is_seed_page: bool = False
    redirected_from: list[str] = field(default_factory=list)
    source: str | None = None  # the seed URL or feed it descends from (the yield ledger)
    date_hint: str | None = None  # when a search engine saw it

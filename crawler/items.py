"""What the spider hands the pipeline: one extracted, scored page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .extract import Article
from .relevance import Verdict

if TYPE_CHECKING:
    from scrapy.http import Response


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
    date_hint: str | None = None  # the date the feed, sitemap or search that led to it gave
    listed_dates: dict[str, str] = field(default_factory=dict)  # what every one of this run's listings gave
    response: Response | None = field(default=None, repr=False)  # for the archive, if the page is kept


# A queued candidate as Scrapy's feed exports write it (`scrapy crawl related
# -O out.jsonl` / .csv / .json): one flat record of plain values, the fields
# of `seedcrawl export`, from the document's row.
CANDIDATE_FIELDS = (
    "queue_file", "hash", "title", "url", "canonical_url", "sitename", "author", "published", "language", "score",
    "borderline", "reason", "found_via", "found_on", "source", "text",
)  # fmt: skip


def candidate_record(row: dict[str, Any]) -> dict[str, Any]:
    """The exported record of a queued document's row."""
    record = {field: row.get(field) for field in CANDIDATE_FIELDS}
    record["borderline"] = bool(record["borderline"])
    return record

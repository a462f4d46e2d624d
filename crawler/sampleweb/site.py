"""A small, real-text sample of the web, served on loopback addresses.

Four "sites", each on its own loopback address (127.0.0.1 to 127.0.0.4)
so Scrapy treats them as separate hosts: the seed articles' own pages, a
telecom trade site, and two sites that republish a seed wire story. With
them: related coverage (real UK Huawei-ban reporting), a related brief in
words the seeds do not use (the near miss), unrelated real news, a German
page, an RSS 2.0 feed (advertised by the seed pages) and an Atom feed,
robots.txt with a disallowed path, a broken page and a dead link.

The demo crawls it, and so do the integration tests; ``SampleWeb.expect``
says what each page is, so a test can check the queue file by file.
Nothing here reaches beyond 127.0.0.0/8.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, NamedTuple

ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]

SITE_NAMES = ["World Wire Daily", "Telecom Trade Weekly", "Business Daily Asia", "Metro Observer"]

A, B, C, D = range(4)
SEARCH_PATH = "/api/v2/doc/doc"


class SeedPage(NamedTuple):
    """Where a seed file's own page is on site A."""

    number: int  # the seed file's sequence number
    path: str
    headline: str
    date: str


class Placement(NamedTuple):
    site: int
    path: str


class Copy(NamedTuple):
    """A republished copy of a bundled article or a seed."""

    site: int
    path: str
    of: str  # the article id, or seed-N
    how: str  # how the copy differs


# The five seed pages.
SEED_PAGES = [
    SeedPage(0, "/90778/8254649.html", "ZTE, Huawei address U.S. IT security concerns", "2013-05-22"),
    SeedPage(
        1,
        "/business/company-focus/2012/09/06/353372/huawei-calls.htm",
        "Huawei calls for cybersecurity cooperation",
        "2012-09-06",
    ),
    SeedPage(2, "/zte-huawei-slam-us-say-not-spies/", "ZTE, Huawei slam US, say we\u2019re not spies", "2018-02-14"),
    SeedPage(3, "/zte-say-they-pose-no-threat-to-the-usa/", "ZTE say they pose no threat to the USA", "2012-10-09"),
    SeedPage(4, "/news/2014-03/25/content_15126840.html", "Beijing slams spying on Huawei", "2014-03-25"),
]

# Where each bundled article is published.
PLACEMENT = {
    "ukban-000": Placement(B, "/2019/02/20/us-pushes-ban-uk-softer-approach.html"),
    "ukban-002": Placement(B, "/2019/02/18/britain-no-total-huawei-ban.html"),
    "ukban-006": Placement(B, "/2020/01/12/us-officials-visit-britain.html"),
    "ukban-014": Placement(B, "/2020/07/18/pressure-from-trump-5g-ban.html"),
    "ukban-032": Placement(B, "/2020/07/15/uk-ban-groundless-chinese-ambassador.html"),
    "ukban-022": Placement(C, "/world/2020-07/14/uk-bans-huawei-5g.htm"),
    "ukban-052": Placement(C, "/world/2020-07/15/uk-reverses-huawei-decision.htm"),
    "ukban-040": Placement(D, "/tech/huawei-failed-to-resolve-security-flaws"),
    # A news-in-brief item on the topic in words the seeds do not use: the demo's near miss.
    "ukban-058-brief": Placement(B, "/2020/07/30/china-blames-us-poisoned-relations-brief.html"),
    "aeb-08f79376": Placement(A, "/sport/2019/11/19/browns-rudolph-garrett.html"),
    "aeb-04a6711c": Placement(B, "/opinion/2019/11/19/republicans.html"),
    "aeb-06e5123e": Placement(C, "/business/2019-11/18/wework-investigation.htm"),
    "aeb-098bb3e9": Placement(C, "/entertainment/2019-11/19/disney-plus-glitches.htm"),
    "aeb-06ee193d": Placement(D, "/autos/vw-id-space-vizzion"),
    "aeb-57b4dafd": Placement(D, "/de/digitalisierung-gesundheit"),
}

# Republished copies.
COPIES = [
    Copy(C, "/china/2013-05/23/content_16523439.htm", "seed-0", "body only"),
    Copy(D, "/business/zte-huawei-us-security", "seed-0", "US for U.S., cut short"),
    Copy(D, "/world/trump-pressure-led-to-5g-ban", "ukban-014", "body only"),
]


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None


@dataclass
class SampleWeb:
    """The pages of every site, keyed by (address index, path)."""

    bases: list[str]
    pages: dict[tuple[int, str], Page] = field(default_factory=dict)
    # URL -> what a correct crawl does with it: "queued", "seed", "duplicate",
    # "offtopic", "language", "broken", "dead", "robots"; "missed": on topic,
    # but judged off topic by a model of the seeds alone (and kept as such).
    expect: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    not_modified: list[tuple[str, str]] = field(default_factory=list)  # answered 304

    def url(self, site: int, path: str) -> str:
        return self.bases[site] + path

    @property
    def feed_urls(self) -> list[str]:
        return [self.url(B, "/atom.xml")]

    @property
    def site_urls(self) -> list[str]:
        """Sites read through their sitemaps (robots.txt Sitemap: lines)."""
        return [self.url(C, "/")]

    @property
    def search_url(self) -> str:
        """The sample's news-search endpoint (answers as GDELT's DOC API does)."""
        return self.url(D, SEARCH_PATH)

    @property
    def seed_urls(self) -> list[str]:
        return [self.url(A, path) for _, path, _, _ in SEED_PAGES]


def load_articles() -> dict[str, dict[str, Any]]:
    data = resources.files("crawler").joinpath("demo_site/articles.json").read_text(encoding="utf-8")
    return {a["id"]: a for a in json.loads(data)}

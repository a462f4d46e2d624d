"""A site's boilerplate lines, learned from its pages and removed from its texts.

An extractor judges one page at a time, so a site's "Share" row, a
newsletter box, a byline or "CLICK HERE TO GET THE APP" that sits inside
the article's container survives on every page. Seen across a site's pages
they give themselves away: the same short paragraph, word for word, on many
different articles. A paragraph is a site's boilerplate when it is at most
``MAX_WORDS`` words long and appears on at least ``MIN_PAGES`` of the site's
pages and on at least ``MIN_SHARE`` of them. No rule names a site or a
phrase: each site's lines are learned from its own pages (the archive, or
the crawl as it goes).

Chosen on the publisher-labelled texts of ../shared/data/relevance/dev.jsonl
(1,368 real articles from 60-odd publishers): these limits learn 14 lines
on 4 publishers (Fox News' share row and app prompt, a Daily Mail menu,
Forbes' "PROMOTED", the Guardian's "Share") and no sentence of an article.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from .seedfile import format_document

MIN_PAGES = 3
MIN_SHARE = 0.1
MAX_WORDS = 30
# Counting stops for a site past this many distinct paragraphs: memory stays
# bounded on a site of 100,000 pages, and its chrome is learned long before.
MAX_COUNTED = 50_000

_WORDS = re.compile(r"\w+")


def site_of(url: str) -> str:
    """The host a page belongs to, without ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def line_key(paragraph: str) -> str:
    """A paragraph as compared: case and spacing do not matter."""
    return " ".join(paragraph.split()).casefold()


def candidate(paragraph: str) -> bool:
    """Short enough to be chrome (a long repeated paragraph is a disclaimer or a wire story's background)."""
    return 0 < len(_WORDS.findall(paragraph)) <= MAX_WORDS


class SiteBoilerplate:
    """Per site: how many pages were seen, on how many each short paragraph
    appeared, and the lines learned (given, or learned here)."""

    def __init__(self, learned: Mapping[str, Iterable[str]] | None = None) -> None:
        self.pages: Counter[str] = Counter()
        self.counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.learned: defaultdict[str, set[str]] = defaultdict(set)
        self.new: defaultdict[str, set[str]] = defaultdict(set)  # learned here, not yet stored
        for site, lines in (learned or {}).items():
            self.learned[site].update(lines)

    def learn(self, url: str, text: str) -> None:
        """Count one page's paragraphs (seed format: title line, blank line, paragraphs)."""
        site = site_of(url)
        self.pages[site] += 1
        counts = self.counts[site]
        body = text.split("\n\n")[1:]
        keys = {line_key(p) for p in body if candidate(p)}
        for key in keys:
            if key in counts or len(counts) < MAX_COUNTED:
                counts[key] += 1
                if self.is_boilerplate(site, counts[key]) and key not in self.learned[site]:
                    self.learned[site].add(key)
                    self.new[site].add(key)

    def is_boilerplate(self, site: str, pages_with_it: int) -> bool:
        return pages_with_it >= MIN_PAGES and pages_with_it >= MIN_SHARE * self.pages[site]

    def lines(self, url: str) -> frozenset[str]:
        """The site's learned lines (what ``strip`` removes from its pages)."""
        return frozenset(self.learned.get(site_of(url), ()))

    def take_new(self) -> dict[str, set[str]]:
        """Lines learned since the last call, per site: what to store."""
        new, self.new = dict(self.new), defaultdict(set)
        return new


def strip(title: str, body: str, lines: frozenset[str]) -> tuple[str, int]:
    """A seed-format text without the site's boilerplate paragraphs, and how many went."""
    paragraphs = body.split("\n\n") if body else []
    kept = [p for p in paragraphs if line_key(p) not in lines] if lines else paragraphs
    return format_document(title, kept), len(paragraphs) - len(kept)

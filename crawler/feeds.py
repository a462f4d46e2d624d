"""RSS/Atom feeds: entries out of a fetched feed, feeds out of a page.

feedparser never downloads here: Scrapy fetched the bytes and we pass its
headers so feedparser can honour the declared encoding. A feed feedparser
calls "bozo" (malformed) still yields what it could read; the caller counts
the bozo exception rather than dropping the feed in silence.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    published: str | None
    # An aggregator's entry names the publisher: <source url="https://site">Name</source>.
    source_name: str | None = None
    source_url: str | None = None
    day: str | None = None  # the entry's date as YYYY-MM-DD (feedparser reads RFC 822 and ISO, in UTC)
    published_at: datetime | None = None  # the same to the second, aware UTC


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    bozo: str | None  # the parser's complaint about a malformed feed, if any

    @property
    def is_feed(self) -> bool:
        """False when the body was not a feed at all (HTML, binary, empty)."""
        return bool(self.entries) or bool(self.title)


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Entries of a feed, with links resolved against the feed's URL."""
    parsed = feedparser.parse(body, response_headers=headers or {}, resolve_relative_uris=True)
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next((lnk.get("href") for lnk in entry.get("links", []) if lnk.get("href")), None)
        if not link:
            continue
        # dict.get: the fields as the feed gave them, without feedparser's own
        # updated <-> published mapping (deprecated, it warns on every miss).
        published = dict.get(entry, "published") or dict.get(entry, "updated")
        parsed_date = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        source = entry.get("source") or {}
        entries.append(
            FeedEntry(
                urljoin(url, link.strip()),
                (entry.get("title") or "").strip(),
                published,
                (source.get("title") or "").strip() or None,
                (source.get("href") or "").strip() or None,
                time.strftime("%Y-%m-%d", parsed_date) if parsed_date else None,
                datetime.fromtimestamp(calendar.timegm(parsed_date), UTC) if parsed_date else None,
            )  # fmt: skip
        )
    bozo = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        bozo = f"{type(exc).__name__}: {exc}" if exc else "malformed"
    return ParsedFeed((parsed.feed.get("title") or "").strip(), entries, bozo)


def bozo_kind(bozo: str) -> str:
    """Short stats name for a bozo complaint (its exception class)."""
    return bozo.split(":", 1)[0] or "malformed"


def discover_feeds(links: list[tuple[str, str, str]], base_url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate" type="...rss+xml">.

    ``links`` are (rel, type, href) triples from the page's <link> elements.
    """
    found = []
    for rel, kind, href in links:
        if "alternate" in rel.lower().split() and kind.lower().strip() in FEED_TYPES and href:
            found.append(urljoin(base_url, href.strip()))
    return found

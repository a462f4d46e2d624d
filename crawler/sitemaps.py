"""Sites read through their sitemaps: robots.txt ``Sitemap:`` lines, sitemap
indexes, gzip sitemaps and news sitemaps, with Scrapy's own parser, and the
RSS or Atom feeds some sites name as sitemaps, with feedparser.

``scrapy.utils.sitemap.Sitemap`` (what SitemapSpider uses) yields each
``<url>``'s direct children; a news sitemap keeps its date and title one
level down (``<news:news><news:publication_date>``), so ``NewsSitemap``
extends it by those two. Only entries newer than the last finished run (or
``sites.first_days`` back on the first) are fetched: a site's sitemaps list
years of pages. A gzip sitemap is unpacked within the crawl's body limit.
Pure functions, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from .feeds import parse_feed

GZIP_MAGIC = b"\x1f\x8b"
SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
# The protocol takes a syndication feed as a sitemap too (RSS 2.0, Atom 0.3
# or 1.0: sitemaps.org, "Other formats"), and some robots.txt name theirs;
# Scrapy's parser finds no <url> in one.
FEED_ROOTS = frozenset({"rss", "feed", "RDF"})


class SitemapTooLarge(ValueError):
    """A gzip sitemap that unpacks to more than the body limit."""


class NewsSitemap(Sitemap):
    """Scrapy's Sitemap, keeping a news sitemap's publication date and title."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        news = {}  # read first: Scrapy clears the element once it has read it
        for child in elem:
            if self._get_tag_name(child) == "news":
                for field in child.iter():
                    name = self._get_tag_name(field)
                    if name in ("publication_date", "title") and field.text:
                        news[f"news_{name}"] = field.text.strip()
        entry = super()._process_sitemap_element(elem)
        return None if entry is None else {**entry, **news}


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    title: str
    date: datetime | None  # the news publication date, else lastmod


@dataclass(frozen=True)
class ParsedSitemap:
    is_index: bool
    entries: list[SitemapEntry]  # pages (urlset) or sitemaps (index)
    unreadable_dates: list[str] = field(default_factory=list)  # dates given that no reading understood
    root: str = "urlset"  # the document's root element: a sitemap's, a feed's, or another (html), "" if not XML


def read_sitemap(body: bytes, max_size: int, url: str = "") -> ParsedSitemap:
    """A sitemap or sitemap index, gzip or not, or a feed given as a sitemap
    (its links resolved against ``url``); SitemapTooLarge past ``max_size``."""
    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # Scrapy's decompression limit, or a broken gzip stream
            raise SitemapTooLarge(f"gzip sitemap unpacks past {max_size} bytes or is broken ({exc})") from None
    try:
        sitemap = NewsSitemap(body)
    except (StopIteration, SyntaxError, ValueError):
        return ParsedSitemap(False, [], root="")  # empty or not XML at all
    if sitemap.type in FEED_ROOTS:
        return _feed_as_sitemap(body, url, sitemap.type)
    entries, unreadable = [], []
    for item in _safely(sitemap):
        if not item.get("loc"):
            continue
        stated = [value for value in (item.get("news_publication_date"), item.get("lastmod")) if value]
        when = next((d for d in map(_date, stated) if d is not None), None)
        if stated and when is None:
            unreadable.append(stated[0])
        entries.append(SitemapEntry(item["loc"], item.get("news_title", ""), when))
    return ParsedSitemap(sitemap.type == "sitemapindex", entries, unreadable, sitemap.type)


def _feed_as_sitemap(body: bytes, url: str, root: str) -> ParsedSitemap:
    """A feed's entries as a sitemap's pages, dated as feedparser reads them."""
    feed = parse_feed(body, url)
    entries = [SitemapEntry(entry.url, entry.title, entry.published_at) for entry in feed.entries]
    unreadable = [entry.published for entry in feed.entries if entry.published and entry.published_at is None]
    return ParsedSitemap(False, entries, unreadable, root)


def _safely(sitemap: Sitemap) -> Iterator[dict[str, Any]]:
    try:
        yield from sitemap
    except (SyntaxError, ValueError):
        return  # a document cut off mid-way: keep what came before


def newer_than(entries: list[SitemapEntry], since: datetime) -> list[SitemapEntry]:
    """Entries dated after ``since``; undated ones are left out (a sitemap
    lists years of pages, and an undated entry cannot say it is new)."""
    return [entry for entry in entries if entry.date is not None and entry.date > since]


def children_to_read(entries: list[SitemapEntry], since: datetime, limit: int) -> tuple[list[SitemapEntry], int]:
    """The sitemaps of an index to read, and how many more it has that might
    hold new pages: those dated after ``since``, newest first, then the
    undated (which may hold new pages too) in the index's order; at most
    ``limit``, so that an index of a thousand sitemaps gives its newest."""
    dated = sorted(((e.date, k) for k, e in enumerate(entries) if e.date is not None and e.date > since), reverse=True)
    candidates = [entries[k] for _, k in dated] + [entry for entry in entries if entry.date is None]
    return candidates[:limit], max(0, len(candidates) - limit)


# W3C datetime's shorter forms (1997, 1997-07) and the unpadded dates some
# generators write (2017-1-3), which ISO readers refuse.
_SHORT_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _date(value: str | None) -> datetime | None:
    """A sitemap's date as aware UTC: W3C datetime (2020-07-14,
    2020-07-14T12:00:00+01:00, ...Z), its year or month alone (taken as the
    period's first day), an unpadded 2017-1-3, or an RFC 822 date as feeds
    write them (Tue, 14 Jul 2020 12:00:00 GMT), which some sitemaps carry.
    None for anything else."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = _short_date(value) or _rfc822_date(value)
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _short_date(value: str) -> datetime | None:
    match = _SHORT_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:  # month 13, 31 February
        return None


def _rfc822_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None

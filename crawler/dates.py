"""A page's publication date from several witnesses, and whether to trust it.

One extractor's date is a guess: a page's "updated" stamp, a date in a
sidebar, a search engine's crawl time. Each source here is a witness with a
name: ``json-ld`` (the page's schema.org ``datePublished``), ``htmldate``
(the page's metadata: meta tags, ``<time>`` elements, read by htmldate
without its free-text search), ``url`` (a date in the URL path, by
htmldate's URL reader), and what the crawl learned before fetching the page:
``feed`` (the entry's date), ``sitemap`` (news publication date or lastmod),
``search`` (when the search engine saw it). The page's own witnesses come
first; the others date a page that states nothing.

The day most witnesses name is believed. A date is flagged when the
witnesses disagree by more than ``MAX_DISAGREEMENT`` days, and a witness
whose date lies after the fetch or before any web site could have published
it (htmldate's own floor, 1995) is flagged and not believed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

# The order in which witnesses are believed: the page's own statements, then
# the URL its publisher chose, then what others said about it.
WITNESSES = ("json-ld", "htmldate", "url", "feed", "sitemap", "search")

# The witnesses read from the page itself (re-read whenever the page is).
PAGE_WITNESSES = ("json-ld", "htmldate", "url")
# The others: the listings that named the page (a link's ``via`` when found through one).
LISTINGS = tuple(name for name in WITNESSES if name not in PAGE_WITNESSES)

MAX_DISAGREEMENT = timedelta(days=2)
# htmldate's MIN_DATE: no news site published on the web before it. (htmldate
# itself is imported where it reads a page: the review commands that show
# dates need not load it.)
EARLIEST = date(1995, 1, 1)

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# schema.org types that describe the page's own story (not its publisher or an image).
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|BlogPosting|WebPage", re.I)


@dataclass(frozen=True)
class PublishedDate:
    """The date believed, which witness gave it, what every witness said, and a flag."""

    value: str | None
    witness: str | None
    witnesses: dict[str, str] = field(default_factory=dict)
    flag: str | None = None

    @property
    def described(self) -> str:
        """``2019-11-18 (json-ld; url 2019-11-18, feed 2019-11-17)`` for ``show``."""
        if self.value is None:
            return "unknown"
        others = [f"{name} {day}" for name, day in self.witnesses.items() if name != self.witness]
        return f"{self.value} ({self.witness}{'; ' + ', '.join(others) if others else ''})"


def described(row: dict[str, Any]) -> str:
    """A stored document's date as ``show`` prints it: value, witnesses, doubt."""
    try:
        witnesses = json.loads(row.get("date_witnesses") or "{}")
    except ValueError:
        witnesses = {}
    dates = PublishedDate(row.get("published"), row.get("published_witness"), witnesses, row.get("date_flag"))
    if dates.value and not dates.witness:
        return dates.value  # stored before witnesses were kept
    return dates.described + (f"  DOUBTFUL: {dates.flag}" if dates.flag else "")


# How a filter names a publication date, and what it says to anything else.
PARTIAL_DATE_HINT = "a date like 2020-07-01 (YYYY-MM-DD, YYYY-MM or YYYY)"


def is_partial_date(text: str) -> bool:
    """YYYY-MM-DD, YYYY-MM or YYYY naming a real day, month or year: how
    the queue's filters name publication dates (stored as ISO text)."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return False
    parts = [int(x) for x in text.split("-")] + [1, 1]
    try:
        date(*parts[:3])
    except ValueError:
        return False
    return True


def day(value: str | datetime | date | None) -> str | None:
    """``YYYY-MM-DD`` of an ISO date or timestamp, or None when it is not one."""
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    match = _ISO_DAY.search(str(value))
    if not match:
        return None
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def page_witnesses(tree: Any, url: str) -> dict[str, str]:
    """What the page itself says: JSON-LD, htmldate on its metadata, its URL.

    ``tree`` is an lxml tree of the page (htmldate copies it before pruning).
    """
    from htmldate import find_date

    found = {"json-ld": json_ld_date(tree)}
    try:
        # url="": htmldate would otherwise read the date in the canonical link,
        # the URL witness again under another name.
        found["htmldate"] = find_date(
            tree, extensive_search=False, original_date=True, url="", max_date=_tomorrow().isoformat()
        )
    except Exception:  # htmldate on a hostile page; that witness is silent then
        found["htmldate"] = None
    found["url"] = url_date(url)
    return {name: value for name, value in found.items() if value}


def url_date(url: str) -> str | None:
    """A full date in the URL's path (``/2019/11/18/``, ``-2019-11-18``), by htmldate's reader."""
    from htmldate.extractors import extract_url_date
    from htmldate.utils import Extractor

    earliest = datetime.combine(EARLIEST, datetime.min.time())
    options = Extractor(False, datetime.combine(_tomorrow(), datetime.min.time()), earliest, True, "%Y-%m-%d")
    try:
        return day(extract_url_date(url, options))
    except Exception:  # a URL htmldate cannot read; no witness
        return None


def json_ld_date(tree: Any) -> str | None:
    """``datePublished`` of the page's schema.org article object, if it states one.

    Read with json.loads rather than extruct: one field is wanted, and
    extruct would bring rdflib and four other parsers into every crawl.
    """
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except (ValueError, RecursionError):
            continue
        found = _date_published(data)
        if found:
            return found
    return None


def _date_published(data: Any, depth: int = 0) -> str | None:
    """The first article-like object's datePublished in a JSON-LD value (lists and @graph walked)."""
    if depth > 5:
        return None
    if isinstance(data, list):
        return next((d for item in data if (d := _date_published(item, depth + 1))), None)
    if not isinstance(data, dict):
        return None
    kind = data.get("@type")
    kinds = " ".join(kind) if isinstance(kind, list) else str(kind or "")
    if "datePublished" in data and (not kinds or _ARTICLE_TYPES.search(kinds)):
        return day(data["datePublished"])
    return _date_published(data.get("@graph"), depth + 1) if "@graph" in data else None


def reread(stored: str | None, page: dict[str, str]) -> PublishedDate:
    """A stored document's date after its page was read again: the crawl's
    witnesses as stored (``date_witnesses`` JSON), the page's as read now."""
    try:
        known = json.loads(stored) if stored else {}
    except ValueError:
        known = {}
    kept = {name: value for name, value in known.items() if name not in PAGE_WITNESSES and isinstance(value, str)}
    return settle({**kept, **page})


def settle(witnesses: dict[str, str], fetched: date | None = None) -> PublishedDate:
    """The date to believe from what the witnesses said, flagged when it is doubtful.

    The day most witnesses name wins, ties going to the earlier witness in
    ``WITNESSES``. The listings (feed, sitemap, search) say when they saw
    the page, not when it was published: together they are one voice for
    each day they name, so a sitemap and a search that both list an old
    story today do not outvote the page. A date after the fetch or before
    any web site (CMS placeholders such as 0001-01-01) is no evidence: it is
    kept among the witnesses and flagged, never chosen.
    """
    said = {name: witnesses[name] for name in WITNESSES if day(witnesses.get(name))}
    if not said:
        return PublishedDate(None, None, {}, None)
    latest = (fetched or date.today()) + timedelta(days=1)
    flags = []
    plausible = {}
    for name, value in said.items():
        when = date.fromisoformat(day(value) or "")
        if when > latest:
            flags.append(f"{name} says {value}, in the future")
        elif when < EARLIEST:
            flags.append(f"{name} says {value}, before {EARLIEST.year} when no such site existed")
        else:
            plausible[name] = when
    if not plausible:
        return PublishedDate(None, None, said, "; ".join(flags))
    votes = Counter(when for name, when in plausible.items() if name in PAGE_WITNESSES)
    votes.update({when for name, when in plausible.items() if name not in PAGE_WITNESSES})
    witness, chosen = max(plausible.items(), key=lambda item: (votes[item[1]], -WITNESSES.index(item[0])))
    spread = max(plausible.values()) - min(plausible.values())
    if spread > MAX_DISAGREEMENT:
        flags.insert(0, f"witnesses disagree by {spread.days} days")
    return PublishedDate(chosen.isoformat(), witness, said, "; ".join(flags) or None)


def _tomorrow() -> date:
    """Pages stamped today in a time zone ahead of ours are not in the future."""
    return date.today() + timedelta(days=1)

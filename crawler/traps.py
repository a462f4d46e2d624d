"""URL traps: addresses that generate endless pages and would eat the budget.

Calendars that page forever, the same path with ever new query strings,
paths that repeat or nest without end, absurdly long URLs. Each rule names
its trap so the run's stats say which one fired.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

MAX_URL_LENGTH = 2000
MAX_PATH_SEGMENTS = 12
MAX_SEGMENT_REPEATS = 3
MAX_QUERY_VARIANTS = 20  # distinct query strings for one host+path in one run
# A calendar is a date a link can move forever: a parameter named for one
# whose value is a date or a day's number (?month=7&year=2031, ?date=20310101).
CALENDAR_PARAMS = {"date", "day", "month", "year", "week", "cal", "calendar"}
# These are also paging and tracking words (?start=20, ?from=rss, WeChat's
# ?from=timeline on a shared article): a calendar only when the value is a date.
RANGE_PARAMS = {"from", "to", "start", "end"}
_DATE = re.compile(r"(19|20)\d\d([-/.]?\d{1,2}){0,2}(T[\d:.]+(Z|[+-]\d\d:?\d\d)?)?", re.I)
_DAY_NUMBER = re.compile(r"\d{1,2}")
_CALENDAR_PATH = re.compile(r"/(calendar|events?|agenda|archive)/(\d{4})[/-](\d{1,2})([/-]\d{1,2})?/?$", re.I)


class TrapDetector:
    """Remembers query variants per path for one run."""

    def __init__(self) -> None:
        self.variants: dict[str, set[str]] = defaultdict(set)

    def check(self, url: str, listed: bool = False) -> str | None:
        """The trap a URL looks like ("long_url", "deep_path", ...), or None.
        A ``listed`` URL (a feed's, sitemap's or search's entry) is held to
        the shape rules only: a publisher's list is finite, so a dated query
        or the 21st article of a site that addresses them as view?id=N in it
        is an article, not a page of an endless calendar or facet."""
        if len(url) > MAX_URL_LENGTH:
            return "long_url"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > MAX_PATH_SEGMENTS:
            return "deep_path"
        if segments and max(segments.count(s) for s in segments) > MAX_SEGMENT_REPEATS:
            return "repeating_path"
        if listed:
            return None
        if _CALENDAR_PATH.search(parts.path) or _dated_query(parts.query):
            return "calendar"
        if parts.query:
            seen = self.variants[f"{parts.netloc}{parts.path}"]
            if parts.query not in seen:
                if len(seen) >= MAX_QUERY_VARIANTS:
                    return "query_variants"  # not kept: a trap's millions of variants cost nothing
                seen.add(parts.query)
        return None


def _dated_query(query: str) -> bool:
    """Whether a query names a day, month or year as a calendar does."""
    for name, value in parse_qsl(query, keep_blank_values=True):
        name, value = name.lower(), value.strip()
        if name in CALENDAR_PARAMS and (_DATE.fullmatch(value) or _DAY_NUMBER.fullmatch(value)):
            return True
        if name in RANGE_PARAMS and _DATE.fullmatch(value):
            return True
    return False

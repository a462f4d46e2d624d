"""Sites read through their sitemaps, with Scrapy's sitemap parser (issue 14, item 3)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred

from crawler.cli import cli
from crawler.sitemaps import SitemapEntry, SitemapTooLarge, children_to_read, newer_than, read_sitemap
from crawler.store import Store
from crawler.windows import read_windows

from .conftest import DATA
from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for

SITEMAPS = DATA / "sitemaps"
URLSET = "http://www.sitemaps.org/schemas/sitemap/0.9"
NOW = datetime.now(UTC).replace(microsecond=0)


def urlset(listed: str) -> bytes:
    """A sitemap of these ``<url>`` elements."""
    return f'<?xml version="1.0"?><urlset xmlns="{URLSET}">{listed}</urlset>'.encode()


def fixture(name: str, base: str = "http://127.0.0.1:1") -> bytes:
    text = (SITEMAPS / name).read_text(encoding="utf-8")
    week_ago = (NOW - timedelta(days=7)).isoformat()
    return text.replace("{BASE}", base).replace("{TODAY}", NOW.isoformat()).replace("{WEEK_AGO}", week_ago).encode()


def test_a_gzip_news_sitemap_gives_each_storys_date_and_title() -> None:
    sitemap = read_sitemap(gzip.compress(fixture("news-sitemap.xml")), max_size=1_000_000)
    assert not sitemap.is_index
    first = sitemap.entries[0]
    assert (first.title, first.date) == ("Operators asked to remove Huawei equipment", NOW)
    fresh = newer_than(sitemap.entries, NOW - timedelta(days=2))
    assert [e.url.rsplit("/", 1)[1] for e in fresh] == ["0", "1"]  # not the week-old story, not the undated page


def test_indexes_limits_and_junk() -> None:
    assert read_sitemap(fixture("sitemap_index.xml"), max_size=1_000_000).is_index
    with pytest.raises(SitemapTooLarge):
        read_sitemap(gzip.compress(b"<urlset>" + b" " * 200_000 + b"</urlset>"), max_size=100_000)
    assert read_sitemap(b"", 1000).entries == [] and read_sitemap(b"<html>not a sitemap", 1000).entries == []


@pytest.mark.parametrize(
    "stated, read",
    [
        ("2020-07-14T12:00:00+01:00", datetime(2020, 7, 14, 11, tzinfo=UTC)),
        ("2017-1-3", datetime(2017, 1, 3, tzinfo=UTC)),  # unpadded, as some generators write it
        ("2020-07", datetime(2020, 7, 1, tzinfo=UTC)),  # W3C's month alone: its first day
        ("Tue, 14 Jul 2020 12:00:00 GMT", datetime(2020, 7, 14, 12, tzinfo=UTC)),  # a feed's date in a sitemap
        ("yesterday", None),
        ("2020-13-01", None),
    ],
)  # fmt: skip
def test_a_sitemaps_dates_are_read_in_the_forms_sites_write(stated: str, read: datetime | None) -> None:
    body = f'<urlset xmlns="{URLSET}"><url><loc>http://127.0.0.1:1/a</loc><lastmod>{stated}</lastmod></url></urlset>'
    sitemap = read_sitemap(body.encode(), max_size=1_000_000)
    assert sitemap.entries[0].date == read
    assert sitemap.unreadable_dates == ([] if read else [stated])


def test_a_readable_lastmod_dates_an_entry_whose_news_date_is_not() -> None:
    body = (f'<urlset xmlns="{URLSET}" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
            "<loc>http://127.0.0.1:1/a</loc><lastmod>2020-07-14</lastmod>"
            "<news:news><news:publication_date>soon</news:publication_date></news:news></url></urlset>")  # fmt: skip
    sitemap = read_sitemap(body.encode(), max_size=1_000_000)
    assert sitemap.entries[0].date == datetime(2020, 7, 14, tzinfo=UTC) and sitemap.unreadable_dates == []


@ensureDeferred
async def test_a_sitemap_dated_as_a_feed_is_fetched_and_one_it_cannot_read_is_said(tmp_path: Path) -> None:
    """A sitemap dating its pages as RSS does (RFC 822) gave nothing: every
    entry read as undated and was left out, without a word. Now its pages are
    fetched; dates no reading understands are counted and said."""
    stamp = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    with MockServer({}) as server:
        base = server.base
        listed = "".join(f"<url><loc>{base}/story/{n}</loc><lastmod>{when}</lastmod></url>"
                         for n, when in ((0, stamp), (1, stamp), (2, "last Tuesday")))  # fmt: skip
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, f"Sitemap: {base}/sitemap.xml\n".encode()),
            "/sitemap.xml": (200, {"Content-Type": "application/xml"},
                             urlset(listed)),
            "/seed": (200, {}, seed_page([])),
            **{f"/story/{n}": (200, {}, article_page(n)) for n in range(3)},
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = {path for _, path, _ in server.log}
    assert {"/story/0", "/story/1"} <= fetched and "/story/2" not in fetched
    log = (tmp_path / "log").read_text()
    assert f"Sitemap {base}/sitemap.xml: the dates of 1 entries could not be read (the first: 'last Tuesday')" in log
    [run] = sqlite_utils.Database(tmp_path / "storage" / "corpus.db").query("select stats from runs")
    assert json.loads(run["stats"])["seedcrawl/sitemap/unreadable_dates"] == 1


def test_a_feed_given_as_a_sitemap_gives_its_entries_dated() -> None:
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
           "<item><title>A</title><link>/a</link><pubDate>Tue, 14 Jul 2020 12:00:00 +0100</pubDate></item>"
           "<item><title>B</title><link>/b</link><pubDate>someday</pubDate></item></channel></rss>")  # fmt: skip
    sitemap = read_sitemap(rss.encode(), 1_000_000, "http://127.0.0.1:1/feed.xml")
    assert (sitemap.root, sitemap.is_index) == ("rss", False)
    assert [(e.url, e.title, e.date) for e in sitemap.entries] == [
        ("http://127.0.0.1:1/a", "A", datetime(2020, 7, 14, 11, tzinfo=UTC)), ("http://127.0.0.1:1/b", "B", None),
    ]  # fmt: skip
    assert sitemap.unreadable_dates == ["someday"]
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>C</title>'
            '<link href="http://127.0.0.1:1/c"/><updated>2020-07-14T12:00:00Z</updated></entry></feed>')  # fmt: skip
    [entry] = read_sitemap(atom.encode(), 1_000_000, "http://127.0.0.1:1/atom.xml").entries
    assert (entry.url, entry.date) == ("http://127.0.0.1:1/c", datetime(2020, 7, 14, 12, tzinfo=UTC))


@ensureDeferred
async def test_a_site_whose_robots_txt_names_its_feed_as_a_sitemap_is_read_through_it(tmp_path: Path) -> None:
    """The sitemaps protocol takes a feed as a sitemap, and some robots.txt
    name theirs: Scrapy's sitemap parser found no <url> in it, so the site
    gave nothing. A sitemap URL that answers with a web page, or nothing, is said."""
    new, old = format_datetime(NOW - timedelta(hours=1), usegmt=True), format_datetime(NOW - timedelta(days=9))
    items = "".join(f"<item><title>Story {n}</title><link>{{base}}/story/{n}</link><pubDate>{when}</pubDate></item>"
                    for n, when in ((0, new), (1, old)))  # fmt: skip
    with MockServer({}) as server:
        base = server.base
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"},
                            f"Sitemap: {base}/feed.xml\nSitemap: {base}/sitemap-page\nSitemap: {base}/empty.xml\n"
                            .encode()),
            "/empty.xml": (200, {"Content-Type": "application/xml"}, b""),
            "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed.replace("{base}", base).encode()),
            "/sitemap-page": (200, {}, b"<html><body><p>Our sitemap has moved.</p></body></html>"),
            "/seed": (200, {}, seed_page([])),
            **{f"/story/{n}": (200, {}, article_page(n)) for n in range(2)},
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = {path for _, path, _ in server.log}
    assert "/story/0" in fetched and "/story/1" not in fetched  # the new entry; not the one nine days old
    log = (tmp_path / "log").read_text()
    assert f"Sitemap {base}/sitemap-page is not a sitemap or a feed (its root element is <html>)" in log
    assert f"Sitemap {base}/empty.xml is not a sitemap or a feed (it is empty)" in log
    [run] = sqlite_utils.Database(tmp_path / "storage" / "corpus.db").query("select stats from runs")
    stats = json.loads(run["stats"])
    assert stats["seedcrawl/sitemap/feed"] == 1 and stats["seedcrawl/sitemap/not_a_sitemap"] == 2


@ensureDeferred
async def test_only_new_entries_of_a_sites_news_sitemap_are_fetched(tmp_path: Path) -> None:
    with MockServer({}) as server:
        base = server.base
        words = " ".join(f"Ministers in London debated ZTE routers and spying concerns, clause {i}." for i in range(30))
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, fixture("robots.txt", base)),
            "/sitemap_index.xml": (200, {"Content-Type": "application/xml"}, fixture("sitemap_index.xml", base)),
            "/news-sitemap.xml.gz": (200, {"Content-Type": "application/x-gzip"},
                                     gzip.compress(fixture("news-sitemap.xml", base))),
            "/archive-2019.xml": (200, {"Content-Type": "application/xml"}, fixture("archive-2019.xml", base)),
            "/seed": (200, {}, seed_page([])),
            "/story/0": (200, {}, article_page(0)),
            "/story/1": (200, {}, f"<html><body><article><h1>ZTE routers</h1><p>{words}</p></article></body></html>"
                         .encode()),
            "/story/old": (200, {}, article_page(7)),
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = [path for _, path, _ in server.log]
    assert "/news-sitemap.xml.gz" in fetched and "/archive-2019.xml" not in fetched  # an old sitemap is not read
    assert {"/story/0", "/story/1"} <= set(fetched) and "/story/old" not in fetched and "/about" not in fetched
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    dates = {r["url"].rsplit("/", 1)[1]: r["published"] for r in db.query(
        "select url, published from documents where found_via = 'sitemap'")}  # fmt: skip
    assert dates == {"0": NOW.date().isoformat(), "1": NOW.date().isoformat()}  # the pages state none: the sitemap's
    result = CliRunner().invoke(cli, ["sources", "--storage", str(tmp_path / "storage"), "--json"])
    site = {row["source"]: row for row in map(json.loads, result.output.splitlines())}[base + "/"]
    assert site["kind"] == "site" and site["entries"] == 2 and site["fetched"] == 2


@ensureDeferred
async def test_a_site_whose_sitemap_failed_is_read_again_from_where_it_was(tmp_path: Path) -> None:
    """One of a site's two sitemaps failed (503) on the first night, the other
    was read: the site counted as read, and the next night took only what its
    sitemaps dated after the first night's start, so the story the failed
    sitemap listed an hour before was never fetched. A sitemap that is gone
    (404) lists nothing to read later: it does not hold the window."""
    hour_ago = (NOW - timedelta(hours=1)).isoformat()
    failing = [True]

    def listing(story: int) -> bytes:
        return urlset(f"<url><loc>{base}/story/{story}</loc><lastmod>{hour_ago}</lastmod></url>")

    def flaky(handler, count):
        return (503, {}, b"busy") if failing[0] else (200, {"Content-Type": "application/xml"}, listing(1))

    with MockServer({}) as server:
        base = server.base
        robots = f"Sitemap: {base}/a.xml\nSitemap: {base}/b.xml\nSitemap: {base}/gone.xml\n".encode()
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, robots),
            "/a.xml": (200, {"Content-Type": "application/xml"}, listing(0)),
            "/b.xml": flaky,
            "/seed": (200, {}, seed_page([])),
            "/story/0": (200, {}, article_page(0)),
            "/story/1": (200, {}, article_page(1)),
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log1") == 0
        failing[0] = False
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log2") == 0
    fetched = [path for _, path, _ in server.log]
    assert fetched.count("/story/0") == 1 and fetched.count("/story/1") == 1
    assert fetched.count("/gone.xml") == 2
    store = Store(tmp_path / "storage")
    try:
        started = [datetime.fromisoformat(run["started"]) for run in store.db.query("select started from runs")]
        assert read_windows(store) == {base + "/": started[1]}  # read whole on the second night
    finally:
        store.close()


def test_an_index_gives_its_newest_sitemaps_first_then_the_undated() -> None:
    def entry(name: str, hours_ago: int | None) -> SitemapEntry:
        date = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
        return SitemapEntry(f"http://127.0.0.1/{name}.xml", "", date)

    entries = [entry("old", 100), entry("undated", None), entry("older", 5), entry("newer", 1), entry("newest", 0)]
    chosen, left = children_to_read(entries, NOW - timedelta(hours=10), limit=3)
    assert [e.url.rsplit("/", 1)[1] for e in chosen] == ["newest.xml", "newer.xml", "older.xml"] and left == 1
    chosen, left = children_to_read(entries, NOW - timedelta(hours=10), limit=10)
    assert [e.url.rsplit("/", 1)[1] for e in chosen][-1] == "undated.xml" and left == 0  # the old one is not read


@ensureDeferred
async def test_an_index_of_more_sitemaps_than_are_read_gives_its_newest_and_says_so(tmp_path: Path) -> None:
    """An index listing its sitemaps oldest first, more of them than a run
    reads (50): the first 50 in its order were read, the newest left, and
    nothing said so."""
    with MockServer({}) as server:
        base = server.base
        dated = [(k, (NOW - timedelta(minutes=k)).isoformat()) for k in reversed(range(55))]
        listed = "".join(f"<sitemap><loc>{base}/sitemap-{k}.xml</loc><lastmod>{date}</lastmod></sitemap>"
                         for k, date in dated)  # fmt: skip
        index = f'<?xml version="1.0"?><sitemapindex xmlns="{URLSET}">{listed}'
        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, f"Sitemap: {base}/index.xml\n".encode()),
            "/index.xml": (200, {"Content-Type": "application/xml"}, (index + "</sitemapindex>").encode()),
            "/seed": (200, {}, seed_page([])),
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    read = {path for _, path, _ in server.log if path.startswith("/sitemap-")}
    assert read == {f"/sitemap-{k}.xml" for k in range(50)}  # the newest 50 (sitemap-0 is the newest)
    log = (tmp_path / "log").read_text()
    assert "lists 55 sitemaps that may hold new pages: 50 read, the newest first, 5 left" in log
    [run] = sqlite_utils.Database(tmp_path / "storage" / "corpus.db").query("select stats from runs")
    assert json.loads(run["stats"])["seedcrawl/sitemap/children_left"] == 5


@ensureDeferred
async def test_an_index_nested_deeper_than_is_read_is_said(tmp_path: Path) -> None:
    with MockServer({}) as server:
        base = server.base

        def index(child: str) -> tuple[int, dict[str, str], bytes]:
            body = (f'<?xml version="1.0"?><sitemapindex xmlns="{URLSET}">'
                    f"<sitemap><loc>{base}/{child}</loc></sitemap></sitemapindex>")  # fmt: skip
            return 200, {"Content-Type": "application/xml"}, body.encode()

        server.routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, f"Sitemap: {base}/i0.xml\n".encode()),
            "/i0.xml": index("i1.xml"), "/i1.xml": index("i2.xml"), "/i2.xml": index("s.xml"),
            "/seed": (200, {}, seed_page([])),
        })  # fmt: skip
        sources = sources_for(tmp_path, [base + "/seed"], f'[sites]\nurls = ["{base}/"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    read = [path for _, path, _ in server.log if path.endswith(".xml")]
    assert read == ["/i0.xml", "/i1.xml", "/i2.xml"]  # not /s.xml
    log = (tmp_path / "log").read_text()
    assert f"Sitemap index {base}/i2.xml is an index within 2 others: the 1 sitemap(s) it lists are not read" in log

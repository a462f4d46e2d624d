import pytest

from crawler.feeds import bozo_kind, discover_feeds, parse_feed

from .conftest import DATA

FEEDS = DATA / "feeds"


@pytest.mark.parametrize(
    "name, entries",
    [("guardian_us.rss", 55), ("heise_developer.atom", 15), ("debian_dsa_rdf.xml", 1), ("kc0011_gb2312.rss", 20)],
)
def test_real_feeds_give_their_entry_links(name: str, entries: int) -> None:
    feed = parse_feed((FEEDS / name).read_bytes(), "http://127.0.0.1/feed")
    assert len(feed.entries) == entries
    assert all(e.url.startswith("http") for e in feed.entries)
    assert feed.bozo is None


def test_truncated_feed_is_reported_not_fatal() -> None:
    feed = parse_feed((FEEDS / "reuters_mostread_truncated.xml").read_bytes(), "http://127.0.0.1/feed")
    assert feed.bozo is not None
    assert bozo_kind(feed.bozo) == "SAXParseException"


def test_wrong_declared_encoding_still_parses_and_is_flagged() -> None:
    feed = parse_feed((FEEDS / "uol_noticias_nodecl_latin1.rss").read_bytes(), "http://127.0.0.1/feed")
    assert len(feed.entries) == 15
    assert feed.bozo is not None
    assert any("ç" in e.title or "ã" in e.title for e in feed.entries)


def test_html_is_not_a_feed() -> None:
    feed = parse_feed(b"<html><body><p>hello</p></body></html>", "http://127.0.0.1/")
    assert not feed.is_feed


def test_relative_entry_links_resolve_against_the_feed() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title><link>/a.html</link></item></channel></rss>"
    )
    feed = parse_feed(rss, "http://127.0.0.1:8000/news/feed.xml")
    assert [e.url for e in feed.entries] == ["http://127.0.0.1:8000/a.html"]


def test_feeds_advertised_by_a_page_are_found() -> None:
    links = [
        ("alternate", "application/rss+xml", "/feed.xml"),
        ("Alternate", "application/atom+xml", "https://127.0.0.1/atom"),
        ("stylesheet", "text/css", "/s.css"),
        ("alternate", "text/html", "/en/"),
    ]
    assert discover_feeds(links, "http://127.0.0.1/page") == ["http://127.0.0.1/feed.xml", "https://127.0.0.1/atom"]

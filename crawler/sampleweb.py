"""A small, real-text sample of the web, served on loopback addresses.

Four "sites", each on its own loopback address (127.0.0.1 to 127.0.0.4)
so Scrapy treats them as separate hosts: the seed articles' own pages, a
telecom trade site, and two sites that republish a seed wire story. With
them: related coverage (real UK Huawei-ban reporting), unrelated real news,
a German page, an RSS 2.0 feed (advertised by the seed pages) and an Atom
feed, robots.txt with a disallowed path, a broken page and a dead link.

The demo crawls it, and so do the integration tests; ``SampleWeb.expect``
says what each page is, so a test can check the queue file by file.
Nothing here reaches beyond 127.0.0.0/8.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .seedfile import read_seed, seed_files

ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
SITE_NAMES = ["World Wire Daily", "Telecom Trade Weekly", "Business Daily Asia", "Metro Observer"]
A, B, C, D = range(4)

# The five seed pages: (seed file number, path on site A, headline, date).
SEED_PAGES = [
    (0, "/90778/8254649.html", "ZTE, Huawei address U.S. IT security concerns", "2013-05-22"),
    (
        1,
        "/business/company-focus/2012/09/06/353372/huawei-calls.htm",
        "Huawei calls for cybersecurity cooperation",
        "2012-09-06",
    ),
    (2, "/zte-huawei-slam-us-say-not-spies/", "ZTE, Huawei slam US, say we\u2019re not spies", "2018-02-14"),
    (3, "/zte-say-they-pose-no-threat-to-the-usa/", "ZTE say they pose no threat to the USA", "2012-10-09"),
    (4, "/news/2014-03/25/content_15126840.html", "Beijing slams spying on Huawei", "2014-03-25"),
]

# Where each bundled article is published: id -> (site, path).
PLACEMENT = {
    "ukban-000": (B, "/2019/02/20/us-pushes-ban-uk-softer-approach.html"),
    "ukban-002": (B, "/2019/02/18/britain-no-total-huawei-ban.html"),
    "ukban-006": (B, "/2020/01/12/us-officials-visit-britain.html"),
    "ukban-014": (B, "/2020/07/18/pressure-from-trump-5g-ban.html"),
    "ukban-032": (B, "/2020/06/30/johnson-u-turn-huawei.html"),
    "ukban-022": (C, "/world/2020-07/14/uk-bans-huawei-5g.htm"),
    "ukban-052": (C, "/world/2020-07/15/uk-reverses-huawei-decision.htm"),
    "ukban-040": (D, "/tech/huawei-failed-to-resolve-security-flaws"),
    "aeb-08f79376": (A, "/sport/2019/11/19/browns-rudolph-garrett.html"),
    "aeb-04a6711c": (B, "/opinion/2019/11/19/republicans.html"),
    "aeb-06e5123e": (C, "/business/2019-11/18/wework-investigation.htm"),
    "aeb-098bb3e9": (C, "/entertainment/2019-11/19/disney-plus-glitches.htm"),
    "aeb-06ee193d": (D, "/autos/vw-id-space-vizzion"),
    "aeb-57b4dafd": (D, "/de/digitalisierung-gesundheit"),
}

# Republished copies: (site, path, what they copy, how the copy differs).
COPIES = [
    (C, "/china/2013-05/23/content_16523439.htm", "seed-0", "body only"),
    (D, "/business/zte-huawei-us-security", "seed-0", "US for U.S., cut short"),
    (D, "/world/trump-pressure-led-to-5g-ban", "ukban-014", "body only"),
]


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None


@dataclass
class SampleWeb:
    """The pages of every site, keyed by (address index, path)."""

    bases: list[str]
    pages: dict[tuple[int, str], Page] = field(default_factory=dict)
    # URL -> what a correct crawl does with it: "queued", "seed", "duplicate",
    # "offtopic", "language", "broken", "dead", "robots".
    expect: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    not_modified: list[tuple[str, str]] = field(default_factory=list)  # answered 304

    def url(self, site: int, path: str) -> str:
        return self.bases[site] + path

    @property
    def feed_urls(self) -> list[str]:
        return [self.url(B, "/atom.xml")]

    @property
    def seed_urls(self) -> list[str]:
        return [self.url(A, path) for _, path, _, _ in SEED_PAGES]


def load_articles() -> dict[str, dict[str, Any]]:
    data = resources.files("crawler").joinpath("demo_site/articles.json").read_text(encoding="utf-8")
    return {a["id"]: a for a in json.loads(data)}


def _page(
    site: int,
    title: str,
    published: str,
    paragraphs: list[str],
    links: list[tuple[str, str]],
    head_extra: str = "",
    lang: str = "en",
) -> bytes:
    """An article page with the boilerplate real news sites wrap around text."""
    name = html.escape(SITE_NAMES[site])
    nav = "".join(f'<li><a href="/">{label}</a></li>' for label in ("Home", "World", "Business", "Technology", "Sport"))
    related = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a></li>' for u, t in links)
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(title)} | {name}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{name}">
<meta property="article:published_time" content="{published}T08:00:00Z">
{head_extra}
</head><body>
<header><div class="logo"><a href="/">{name}</a></div>
<nav><ul>{nav}</ul></nav>
<div class="cookie">We use cookies to improve your experience. <a href="/about.html">Learn more</a></div>
</header>
<main><article>
<h1>{html.escape(title)}</h1>
<div class="byline">By staff reporters | <time datetime="{published}">{published}</time></div>
{body}
</article>
<aside><h3>Related coverage</h3><ul>{related}</ul></aside>
</main>
<footer><p>Sign up for our daily newsletter.</p>
<ul><li><a href="/about.html">About us</a></li><li><a href="/about.html#contact">Contact</a></li>
<li><a href="/about.html#privacy">Privacy policy</a></li></ul>
<p>&copy; 2024 {name}. All rights reserved.</p></footer>
</body></html>""".encode()


def _paragraphs(text: str, title: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line.strip() != title.strip()]


def build_site(bases: list[str], seeds_dir: Path) -> SampleWeb:
    """Lay out every page of the sample web for the given site base URLs."""
    web = SampleWeb(bases)
    articles = load_articles()
    seeds = [read_seed(p).text for p in seed_files(seeds_dir)]
    url_of = {key: web.url(site, path) for key, (site, path) in PLACEMENT.items()}

    def add(site: int, path: str, page: Page, expect: str | None = None, title: str = "") -> None:
        web.pages[(site, path)] = page
        if expect:
            web.expect[web.url(site, path)] = expect
            web.titles[web.url(site, path)] = title

    rss = web.url(A, "/feed.xml")
    feed_link = f'<link rel="alternate" type="application/rss+xml" title="World Wire Daily" href="{rss}">'
    dead = web.url(A, "/2013/05/gone.html")
    private = web.url(A, "/private/drafts.html")
    copy_c = web.url(C, COPIES[0][1]) + "?utm_source=wire&utm_medium=rss"
    # A click-tracking wrapper (never fetched: the URL inside is) and a short
    # link that answers with a permanent redirect.
    wrapped_copy = web.url(A, "/out?url=" + quote(copy_c, safe=""))
    short = web.url(A, "/go/huawei-5g-ban")
    add(A, "/go/huawei-5g-ban", Page(b"", status=301, location=url_of["ukban-006"]))
    web.expect[short] = "alias"
    seed_links = [
        (url_of["ukban-000"], "As US pushes to ban Huawei, UK weighs its options"),
        (url_of["ukban-002"], "Britain does not support a total Huawei ban"),
        (short, "U.S. officials push Britain on Huawei"),
        (wrapped_copy, "ZTE, Huawei address U.S. IT security concerns (Business Daily Asia)"),
        (url_of["aeb-08f79376"], "Browns player speaks on fight"),
        (dead, "Archive: telecom security hearings"),
        (private, "Drafts"),
    ]
    for number, path, headline, published in SEED_PAGES:
        text = seeds[number]
        add(
            A,
            path,
            Page(_page(A, headline, published, _paragraphs(text, headline), seed_links, feed_link)),
            "seed",
            headline,
        )

    for key, (site, path) in PLACEMENT.items():
        art = articles[key]
        links: list[tuple[str, str]] = []
        if key == "ukban-032":
            links = [(url_of["ukban-052"], "UK reverses decision on Huawei")]
        if key == "ukban-040":
            links = [
                (web.url(D, COPIES[2][1]), "Trump pressure led to 5G ban"),
                (url_of["ukban-014"], "Britain tells Huawei"),
            ]
        expect = (
            "queued" if art["label"] == "related" else ("language" if art.get("lang", "en") != "en" else "offtopic")
        )
        add(
            site,
            path,
            Page(
                _page(
                    site,
                    art["title"],
                    art["published"],
                    _paragraphs(art["text"], art["title"]),
                    links,
                    lang=art.get("lang", "en"),
                )
            ),
            expect,
            art["title"],
        )

    # Republished copies of a seed wire story and of a related article.
    seed0 = _paragraphs(seeds[0], SEED_PAGES[0][2])
    start = next(i for i, p in enumerate(seed0) if p.startswith("GUANGZHOU"))
    end = next((i for i, p in enumerate(seed0) if p.startswith("We Recommend")), len(seed0))
    wire_body = seed0[start:end]
    add(C, COPIES[0][1], Page(_page(C, SEED_PAGES[0][2], "2013-05-23", wire_body, [])), "duplicate", SEED_PAGES[0][2])
    edited = [p.replace("U.S.", "US") for p in wire_body[:-1]]
    add(
        D,
        COPIES[1][1],
        Page(_page(D, SEED_PAGES[0][2].replace("U.S.", "US"), "2013-05-23", edited, [])),
        "duplicate",
        SEED_PAGES[0][2],
    )
    a014 = articles["ukban-014"]
    add(
        D,
        COPIES[2][1],
        Page(_page(D, a014["title"], a014["published"], _paragraphs(a014["text"], a014["title"]), [])),
        "duplicate",
        a014["title"],
    )

    # A broken page (truncated, binary junk) and the feeds.
    broken = web.url(B, "/2020/07/20/huawei-broken.html")
    add(
        B,
        "/2020/07/20/huawei-broken.html",
        Page(
            b"<html><head><title>Huawei security</title></head><body><p>Hua\x00\xff\xfe\x89PNG\r\n\x1a"
            + bytes(range(256))
        ),
        "broken",
    )
    web.expect[dead] = "dead"
    web.expect[private] = "robots"
    for site in range(4):
        listing = [(web.url(s, p), articles[k]["title"]) for k, (s, p) in PLACEMENT.items() if s == site]
        add(site, "/", Page(_page(site, SITE_NAMES[site], "2024-01-01", ["Latest stories"], listing)))
        add(site, "/about.html", Page(_page(site, "About us", "2024-01-01", ["Contact the newsroom."], [])))
        add(site, "/robots.txt", Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"))

    rss_items = [
        ("ukban-014", url_of["ukban-014"]),
        ("ukban-022", url_of["ukban-022"]),
        ("aeb-06e5123e", url_of["aeb-06e5123e"]),
        ("broken", broken),
        ("copy", web.url(D, COPIES[1][1])),
    ]
    add(A, "/feed.xml", Page(_rss(web, articles, rss_items), "application/rss+xml; charset=utf-8"))
    atom_items = [
        ("ukban-032", url_of["ukban-032"]),
        ("ukban-040", url_of["ukban-040"]),
        ("aeb-06ee193d", url_of["aeb-06ee193d"]),
        ("aeb-57b4dafd", url_of["aeb-57b4dafd"]),
        ("aeb-04a6711c", url_of["aeb-04a6711c"]),
        ("aeb-098bb3e9", url_of["aeb-098bb3e9"]),
    ]
    add(B, "/atom.xml", Page(_atom(web, articles, atom_items), "application/atom+xml; charset=utf-8"))
    return web


def _entry_title(articles: dict[str, dict[str, Any]], key: str) -> str:
    return articles[key]["title"] if key in articles else "Huawei and ZTE: the latest"


def _rss(web: SampleWeb, articles: dict[str, dict[str, Any]], items: list[tuple[str, str]]) -> bytes:
    stamp = format_datetime(datetime(2024, 1, 1, tzinfo=UTC))
    entries = "".join(
        f"<item><title>{html.escape(_entry_title(articles, k))}</title><link>{html.escape(u)}</link>"
        f"<guid>{html.escape(u)}</guid><pubDate>{stamp}</pubDate></item>"
        for k, u in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>World Wire Daily</title>'
        f"<link>{web.url(A, '/')}</link><description>Latest</description>{entries}</channel></rss>"
    ).encode()


def _atom(web: SampleWeb, articles: dict[str, dict[str, Any]], items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{html.escape(_entry_title(articles, k))}</title><link href="{html.escape(u)}"/>'
        f"<id>{html.escape(u)}</id><updated>2024-01-01T00:00:00Z</updated></entry>"
        for k, u in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Telecom Trade Weekly</title><id>{web.url(B, '/')}</id><updated>2024-01-01T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "sampleweb/1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        web: SampleWeb = self.server.web  # type: ignore[attr-defined]
        site: int = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        web.requests.append((web.bases[site], self.path))
        page = web.pages.get((site, path)) or Page(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        if "xml" in page.content_type:  # feeds answer conditional requests, as real ones do
            etag = f'"{hashlib.sha1(page.body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == etag:
                web.not_modified.append((web.bases[site], self.path))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(page.status)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
        else:
            self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.location:
            self.send_header("Location", page.location)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request list is the log


class SampleWebServer:
    """Serve a SampleWeb on 127.0.0.1-4, one thread per address.

    Use as a context manager; ports are chosen by the OS.
    """

    def __init__(self, seeds_dir: Path, port: int = 0) -> None:
        self.seeds_dir = seeds_dir
        self.servers = [ThreadingHTTPServer((address, port), _Handler) for address in ADDRESSES]
        self.web = build_site(
            [f"http://{a}:{s.server_address[1]}" for a, s in zip(ADDRESSES, self.servers, strict=True)], seeds_dir
        )
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> SampleWeb:
        for index, server in enumerate(self.servers):
            server.web = self.web  # type: ignore[attr-defined]
            server.site = index  # type: ignore[attr-defined]
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self.web

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

"""The sample web's pages and feeds, laid out from crawler.sampleweb.site: real texts in the
boilerplate real news sites wrap around them."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..seedfile import read_seed, seed_files
from .site import COPIES, PLACEMENT, SEARCH_PATH, SEED_PAGES, SITE_NAMES, A, B, C, D, Page, SampleWeb, load_articles

# The byline of a page whose story's author the data does not give (the seeds, the unrelated news).
UNKNOWN_AUTHOR = "staff reporters"


def _page(
    site: int,
    title: str,
    published: str,
    paragraphs: list[str],
    links: list[tuple[str, str]],
    head_extra: str = "",
    lang: str = "en",
    author: str = UNKNOWN_AUTHOR,
) -> bytes:
    """An article page with the boilerplate real news sites wrap around text,
    its byline naming ``author`` (a story's own, where the data knows it)."""
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
<div class="byline">By {html.escape(author)} | <time datetime="{published}">{published}</time></div>
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


def _entry_title(articles: dict[str, dict[str, Any]], key: str) -> str:
    return articles[key]["title"] if key in articles else "Huawei and ZTE: the latest"


def _rss(web: SampleWeb, articles: dict[str, dict[str, Any]], items: list[tuple[str, str]]) -> bytes:
    """An RSS feed that stamps every item with its build date, as some CMSs
    do: the page's own date must win over it, and the disagreement is shown."""
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


def _news_sitemap(articles: dict[str, dict[str, Any]], items: list[tuple[str, str]], when: datetime) -> bytes:
    """A news sitemap (sitemaps.org urlset with news:news), every story dated ``when``."""
    entries = "".join(
        f"<url><loc>{html.escape(u)}</loc><news:news><news:publication><news:name>Business Daily Asia</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{when.isoformat()}</news:publication_date>"
        f"<news:title>{html.escape(_entry_title(articles, k))}</news:title></news:news></url>"
        for k, u in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}</urlset>'
    ).encode()


def _search_answer(articles: dict[str, dict[str, Any]], items: list[tuple[str, str]], when: datetime) -> bytes:
    """What a GDELT DOC 2.0 ArtList search answers (the sample's search ignores
    the query): each story seen on the day it was published, where the sample
    knows it (GDELT sees a story within hours), else ``when``."""
    hits = [
        {"url": u, "url_mobile": "", "title": _entry_title(articles, k), "seendate": _seen(articles, k, when),
         "socialimage": "", "domain": u.split("/")[2], "language": "English", "sourcecountry": "United Kingdom"}
        for k, u in items
    ]  # fmt: skip
    return json.dumps({"articles": hits}).encode()


def _seen(articles: dict[str, dict[str, Any]], key: str, when: datetime) -> str:
    published = articles.get(key, {}).get("published")
    return f"{published.replace('-', '')}T081500Z" if published else when.strftime("%Y%m%dT%H%M%SZ")


def _updated(articles: dict[str, dict[str, Any]], key: str) -> str:
    published = articles.get(key, {}).get("published")
    return f"{published}T06:00:00Z" if published else "2024-01-01T00:00:00Z"


def _atom(web: SampleWeb, articles: dict[str, dict[str, Any]], items: list[tuple[str, str]]) -> bytes:
    """A well-kept Atom feed: each entry dated the day its story was published."""
    entries = "".join(
        f'<entry><title>{html.escape(_entry_title(articles, k))}</title><link href="{html.escape(u)}"/>'
        f"<id>{html.escape(u)}</id><updated>{_updated(articles, k)}</updated></entry>"
        for k, u in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Telecom Trade Weekly</title><id>{web.url(B, '/')}</id><updated>2024-01-01T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


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
        expect = {"related": "queued", "missed": "missed"}.get(
            art["label"], "language" if art.get("lang", "en") != "en" else "offtopic"
        )
        add(
            site,
            path,
            Page(
                _page(
                    site,
                    art["title"],
                    art["published"] if art.get("page_dated", True) else "",
                    _paragraphs(art["text"], art["title"]),
                    links,
                    lang=art.get("lang", "en"),
                    author=art.get("author", UNKNOWN_AUTHOR),
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
        Page(
            _page(
                D, a014["title"], a014["published"], _paragraphs(a014["text"], a014["title"]), [], author=a014["author"]
            )
        ),
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
        ("ukban-058-brief", url_of["ukban-058-brief"]),
        ("ukban-040", url_of["ukban-040"]),
        ("aeb-06ee193d", url_of["aeb-06ee193d"]),
        ("aeb-57b4dafd", url_of["aeb-57b4dafd"]),
        ("aeb-04a6711c", url_of["aeb-04a6711c"]),
        ("aeb-098bb3e9", url_of["aeb-098bb3e9"]),
    ]
    add(B, "/atom.xml", Page(_atom(web, articles, atom_items), "application/atom+xml; charset=utf-8"))
    # Discovery beyond links: a news sitemap on C (listed in its robots.txt),
    # dated now so a first run takes it, and a news-search endpoint on D
    # answering as GDELT does.
    now = datetime.now(UTC).replace(microsecond=0)
    sitemap = web.url(C, "/news-sitemap.xml")
    add(C, "/robots.txt", Page(f"User-agent: *\nDisallow: /private/\nSitemap: {sitemap}\n".encode(), "text/plain"))
    sitemap_items = [(k, url_of[k]) for k in ("ukban-022", "ukban-052")]
    add(C, "/news-sitemap.xml", Page(_news_sitemap(articles, sitemap_items, now), "application/xml"))
    search_items = [(k, url_of[k]) for k in ("ukban-052", "ukban-040", "aeb-06ee193d")]
    add(D, SEARCH_PATH, Page(_search_answer(articles, search_items, now), "application/json"))
    return web

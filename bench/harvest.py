"""Best-first against breadth-first on a news portal; discovery channels on a web links do not reach.

Usage: .venv/bin/python bench/harvest.py [--shared ../shared/data] [--budget 30] [--runs 3] [--layouts 1,2,3]

The site, served on 127.0.0.1 by this script, is a news portal whose front
page links every article by its headline, in mixed order: real UK
Huawei-ban coverage (relevant) among real unrelated news (the extraction
benchmark's English articles). Relevant articles also link to a few others,
as news sites do. The crawl starts from the portal with a page budget
smaller than the site. Harvest rate = share of the fetched articles that are
relevant (by the data's hand labels, not by the model). Both runs use the
real `scrapy crawl related`; breadth-first is the same crawl with
SEEDCRAWL_BEST_FIRST off and Scrapy's FIFO breadth-first queues. Each
``--layouts`` number shuffles the portal and the related links differently
(layout 1 is the one the crawl's link ranking was developed on; the others
were not looked at before they were measured).

Discovery: a second site holds the same articles, but its front page links
only a quarter of the relevant ones among the unrelated, and relevant pages
link nowhere. The rest are reachable only through the site's news sitemap
(robots.txt ``Sitemap:``; the newest 40 stories) or through a local
news-search endpoint that answers as GDELT's DOC API does and really
searches: it returns the articles whose text has a word of every OR-group
of the query the crawl derived from its seeds. The crawl runs with links
only, then with each channel, then all; the figure is the share of the
site's relevant articles it fetched within the budget.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import crawl_command  # noqa: E402
from crawler.extract import detect_language  # noqa: E402

BREADTH_FIRST = [
    "-s", "SEEDCRAWL_BEST_FIRST=False", "-s", "DEPTH_PRIORITY=1",
    "-s", "SCHEDULER_DISK_QUEUE=scrapy.squeues.PickleFifoDiskQueue",
    "-s", "SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue",
]  # fmt: skip


def article_page(title: str, text: str, links: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())
    related = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for u, t in links)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{html.escape(title)}</h1>{body}</article>"
        f"<aside><ul>{related}</ul></aside></body></html>"
    ).encode()


def build_site(shared: Path, rng: random.Random) -> tuple[dict[str, bytes], dict[str, bool]]:
    articles = load_articles(shared)
    rng.shuffle(articles)
    pages, relevant = {}, {}
    paths = [f"/news/{i:04d}.html" for i in range(len(articles))]
    related_paths = [p for p, a in zip(paths, articles, strict=True) if a[2]]
    for path, (title, text, is_relevant) in zip(paths, articles, strict=True):
        links = [(p, articles[paths.index(p)][0]) for p in rng.sample(related_paths, 3)] if is_relevant else []
        pages[path] = article_page(title, text, links)
        relevant[path] = is_relevant
    portal = [(p, a[0]) for p, a in zip(paths, articles, strict=True)]
    pages["/"] = article_page("The Daily Portal", "Today's headlines from around the world.", portal)
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return pages, relevant


SEARCH_PATH = "/api/v2/doc/doc"
SITEMAP_SIZE = 40  # a news sitemap lists the last days' stories, not the archive


def load_articles(shared: Path) -> list[tuple[str, str, bool]]:
    """(title, text, relevant): the labelled UK Huawei-ban coverage and unrelated real news."""
    articles = []
    for line in (shared / "relevance" / "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"].startswith("ukban") and row["lang"] == "en" and row["label"] == "relevant":
            title = row["title"] if not row["title"].startswith("http") else row["text"].strip().split("\n")[0]
            articles.append((title, row["text"], True))
    truth = json.loads((shared / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for value in truth.values():
        body = value["articleBody"]
        if len(body) > 600 and detect_language(body) == "en":
            slug = [p for p in value["url"].rstrip("/").split("/") if p][-1].rsplit(".", 1)[0]
            title = " ".join(w for w in slug.replace("_", "-").split("-") if w and not w.isdigit()).capitalize()
            articles.append((title or "News", body, False))
    return articles


def build_discovery_site(shared: Path, rng: random.Random) -> tuple[dict[str, bytes], dict[str, bool], Searcher]:
    """The discovery web (see the module's docstring); its pages, labels and search engine."""
    articles = load_articles(shared)
    rng.shuffle(articles)
    paths = [f"/story/{i:04d}.html" for i in range(len(articles))]
    pages, relevant = {}, {}
    for path, (title, text, is_relevant) in zip(paths, articles, strict=True):
        pages[path] = article_page(title, text, [])
        relevant[path] = is_relevant
    on_topic = [p for p in paths if relevant[p]]
    linked = set(rng.sample(on_topic, len(on_topic) // 4)) | {p for p in paths if not relevant[p]}
    portal = [(p, a[0]) for p, a in zip(paths, articles, strict=True) if p in linked]
    pages["/"] = article_page("The Evening Wire", "Today's headlines.", portal)
    newest = rng.sample(paths, SITEMAP_SIZE)
    now = datetime.now(UTC).isoformat()
    entries = "".join(
        f"<url><loc>{{BASE}}{p}</loc><news:news><news:publication><news:name>The Evening Wire</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{now}</news:publication_date>"
        f"<news:title>{html.escape(articles[paths.index(p)][0])}</news:title></news:news></url>"
        for p in newest
    )
    pages["/news-sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{entries}</urlset>'
    ).encode()
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\nSitemap: {BASE}/news-sitemap.xml\n"
    reachable = {"links": sum(relevant[p] for p in linked), "sitemap": sum(relevant[p] for p in newest)}
    searcher = Searcher({p: (a[0], a[1]) for p, a in zip(paths, articles, strict=True)}, reachable)
    return pages, relevant, searcher


class Searcher:
    """A news search over the site's articles, answering as GDELT's ArtList does."""

    def __init__(self, articles: dict[str, tuple[str, str]], reachable: dict[str, int]) -> None:
        self.reachable = reachable  # relevant articles each other channel reaches (for the printout)
        self.articles = {p: (title, set(re.findall(r"[a-z0-9]+", (title + " " + text).lower())))
                         for p, (title, text) in articles.items()}  # fmt: skip

    def answer(self, query: str, base: str, limit: int) -> bytes:
        groups = [
            {term.strip().strip('"').lower() for term in group.split(" OR ")}
            for group in re.findall(r"\(([^)]*)\)", query)
        ] or [set(query.lower().split())]
        seen = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        hits = [
            {"url": base + path, "title": title, "seendate": seen, "domain": "127.0.0.1", "language": "English",
             "sourcecountry": "United Kingdom"}
            for path, (title, words) in self.articles.items()
            if all(group & words for group in groups)
        ][:limit]  # fmt: skip
        return json.dumps({"articles": hits}).encode()


def serve(pages: dict[str, bytes], searcher: Searcher | None = None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if searcher is not None and self.path.startswith(SEARCH_PATH):
                params = parse_qs(urlsplit(self.path).query)
                body = searcher.answer(params["query"][0], base, int(params.get("maxrecords", ["75"])[0]))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
                return
            body = pages.get(self.path)
            if body is not None:
                body = body.replace(b"{BASE}", base.encode())
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def harvest(
    base: str, relevant: dict[str, bool], budget: int, extra: list[str], sources_extra: str = ""
) -> tuple[float, int, int]:
    """Harvest rate, articles fetched, relevant articles fetched, of one crawl from the front page."""
    import sqlite_utils

    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        for path in (ROOT / "tests" / "data" / "seeds").glob("*.txt"):
            (seeds / path.name).write_bytes(path.read_bytes())
        sources = seeds / "sources.toml"
        sources.write_text(
            f'[seeds]\nurls = ["{base}/"]\n[network]\nallow_hosts = ["127.0.0.1"]\n'
            f"[limits]\nmax_pages = {budget}\nmax_depth = 2\n{sources_extra}"
        )
        command = crawl_command(sources, Path(tmp) / "storage", Path(tmp) / "log", *extra)
        subprocess.run(command, check=True, cwd=ROOT, env={"SCRAPY_SETTINGS_MODULE": "crawler.settings", "PATH": ""})
        db = sqlite_utils.Database(Path(tmp) / "storage" / "corpus.db")
        fetched = [r["url"][len(base) :] for r in db.query("select url from urls where outcome != 'alias'")]
    articles = [p for p in fetched if p in relevant]
    found = sum(relevant[p] for p in articles)
    return found / len(articles), len(articles), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layouts", default="1,2,3,4,5", help="site layouts (random seeds); 1 was developed on")
    args = parser.parse_args()
    for layout in [int(x) for x in args.layouts.split(",")]:
        portal_run(args, layout)
    discovery_run(args)
    return 0


def portal_run(args: argparse.Namespace, layout: int) -> None:
    pages, relevant = build_site(args.shared, random.Random(layout))
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    share = sum(relevant.values()) / len(relevant)
    note = "developed on" if layout == 1 else "held out"
    print(
        f"Portal, layout {layout} ({note}): {len(relevant)} articles, {sum(relevant.values())} relevant ({share:.0%}); "
        f"budget {args.budget} pages"
    )
    results = {}
    for name, extra in (("best-first", []), ("breadth-first", BREADTH_FIRST)):
        rates = [harvest(base, relevant, args.budget, extra)[0] for _ in range(args.runs)]
        results[name] = statistics.median(rates)
        print(
            f"  {name:<14} harvest rate {results[name]:.3f}  (median of {args.runs}: "
            + ", ".join(f"{r:.3f}" for r in rates)
            + ")"
        )
    print(f"  best-first / breadth-first: {results['best-first'] / results['breadth-first']:.2f}x")
    server.shutdown()


def discovery_run(args: argparse.Namespace) -> None:
    pages, relevant, searcher = build_discovery_site(args.shared, random.Random(7))
    server = serve(pages, searcher)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    total = sum(relevant.values())
    print(
        f"Discovery web: {len(relevant)} articles, {total} relevant; front page links {len(relevant) - total} "
        f"unrelated and {searcher.reachable['links']} relevant; its news sitemap lists {SITEMAP_SIZE} stories "
        f"({searcher.reachable['sitemap']} relevant); budget {args.budget} pages"
    )
    search = ["-s", f"SEEDCRAWL_GDELT_URL={base}{SEARCH_PATH}"]
    channels = {
        "links only": ("", []),
        "links + news sitemap": (f'[sites]\nurls = ["{base}/"]\n', []),
        "links + news search": ("[search]\ngdelt = true\n", search),
        "all three": (f'[sites]\nurls = ["{base}/"]\n[search]\ngdelt = true\n', search),
    }
    for name, (sources_extra, extra) in channels.items():
        runs = [harvest(base, relevant, args.budget, extra, sources_extra) for _ in range(args.runs)]
        found = statistics.median(r[2] for r in runs)
        rate = statistics.median(r[0] for r in runs)
        print(f"  {name:<22} relevant found {found:.0f}/{total} ({found / total:.0%})  harvest rate {rate:.3f}")
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())

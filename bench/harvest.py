"""Best-first against breadth-first: the harvest rate on one local site.

Usage: .venv/bin/python bench/harvest.py [--shared ../shared/data] [--budget 30] [--runs 3]

The site, served on 127.0.0.1 by this script, is a news portal whose front
page links every article by its headline, in mixed order: real UK
Huawei-ban coverage (relevant) among real unrelated news (the extraction
benchmark's English articles). Relevant articles also link to a few others,
as news sites do. The crawl starts from the portal with a page budget
smaller than the site. Harvest rate = share of the fetched articles that are
relevant (by the data's hand labels, not by the model). Both runs use the
real `scrapy crawl related`; breadth-first is the same crawl with
SEEDCRAWL_BEST_FIRST off and Scrapy's FIFO breadth-first queues.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def harvest(base: str, relevant: dict[str, bool], budget: int, extra: list[str]) -> tuple[float, int]:
    import sqlite_utils

    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        for path in (ROOT / "tests" / "data" / "seeds").glob("*.txt"):
            (seeds / path.name).write_bytes(path.read_bytes())
        sources = seeds / "sources.toml"
        sources.write_text(
            f'[seeds]\nurls = ["{base}/"]\n[network]\nallow_hosts = ["127.0.0.1"]\n'
            f"[limits]\nmax_pages = {budget}\nmax_depth = 2\n"
        )
        command = crawl_command(sources, Path(tmp) / "storage", Path(tmp) / "log", *extra)
        subprocess.run(command, check=True, cwd=ROOT, env={"SCRAPY_SETTINGS_MODULE": "crawler.settings", "PATH": ""})
        db = sqlite_utils.Database(Path(tmp) / "storage" / "corpus.db")
        fetched = [r["url"][len(base) :] for r in db.query("select url from urls where outcome != 'alias'")]
    articles = [p for p in fetched if p in relevant]
    return sum(relevant[p] for p in articles) / len(articles), len(articles)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pages, relevant = build_site(args.shared, random.Random(1))
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    share = sum(relevant.values()) / len(relevant)
    print(
        f"Site: {len(relevant)} articles, {sum(relevant.values())} relevant ({share:.0%}); budget {args.budget} pages"
    )
    results = {}
    for name, extra in (("best-first", []), ("breadth-first", BREADTH_FIRST)):
        rates = [harvest(base, relevant, args.budget, extra)[0] for _ in range(args.runs)]
        results[name] = statistics.median(rates)
        print(
            f"{name:<14} harvest rate {results[name]:.3f}  (median of {args.runs}: "
            + ", ".join(f"{r:.3f}" for r in rates)
            + ")"
        )
    print(f"best-first / breadth-first: {results['best-first'] / results['breadth-first']:.2f}x")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

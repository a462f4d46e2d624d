"""Crawl throughput against the tools a user would pick instead, on one local site.

Usage: .venv/bin/python bench/throughput.py [--pages 2000] [--runs 3] [--scale 20000] [--baseline REV]
       [--only-seedcrawl] [--year DIR] [--hosts 40]

Builds a local web of N article pages from the real HTML of the extraction
benchmark (each page gets a unique paragraph, links to a front page and an
RSS feed), serves it from 127.0.0.1 with a static server started here, and
runs, one after another on the same site:

  (a) seedcrawl: `scrapy crawl related` (extract, score, dedup, store, emit);
  (b) a bare Scrapy spider that fetches the same pages and does nothing;
  (c) trafilatura's own CLI, fetching and extracting the same pages
      (--input-file with the page URLs; its SSRF protection is switched off
      for loopback and its 5 s per-host sleep set to 0 through --config-file,
      or it would refuse the site and wait hours).

For each: pages/s, CPU seconds per page (the run's whole process tree),
and peak RSS (the sum over the process tree, sampled every 0.1 s); the
median of --runs repetitions; the ratios a/b and a/c. --scale also runs (a)
once on a site of that many pages and compares its CPU per page with the
small site's.

--year DIR (a storage folder bench/year.py built) adds (y): the same crawl
as (a), on a copy of that year-old storage and its seeds folder (5,000 more
seeds, 5,000 rejected texts, a frontier of 50,000 links: they are on
127.0.0.9, which no run allows, so the address guard refuses them without
a packet), against (a) on an empty storage.

--hosts N runs a second comparison on a local web of N hosts (127.0.0.10
onwards), each answering every request after 100-300 ms, under seedcrawl's
default politeness (AutoThrottle from 1 s, 16 requests at once, 2 per
host): (a) the full crawl against (b) the bare spider with the same
settings, pages/s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from revision import checked_out  # noqa: E402

from crawler.sampleweb import LoopbackServer, send  # noqa: E402

LOCAL_FAST = [
    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=32",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "LOG_LEVEL=WARNING",
]  # fmt: skip

BARE_SPIDER = """
import scrapy
class BareSpider(scrapy.Spider):
    name = "bare"
    def __init__(self, start=None, **kw):
        super().__init__(**kw)
        self.start_urls_given = start.split(",")
    async def start(self):
        for url in self.start_urls_given:
            yield scrapy.Request(url, callback=self.front)
    def front(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.page)
    def page(self, response):
        pass
"""


# Links off the local site in the real pages: made same-page links, so the
# crawl never looks up a name outside 127.0.0.0/8 (no DNS query leaves the
# machine, and a slow resolver cannot stall the crawl being measured).
OFFSITE = re.compile(rb"""(href\s*=\s*["']?)(?:https?:)?//[^"'\s>]*""", re.IGNORECASE)


def build_site(shared: Path, count: int) -> dict[str, bytes]:
    truth = json.loads((shared / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    originals = [
        OFFSITE.sub(rb"\1#", gzip.decompress((shared / "aeb" / "html" / f"{k}.html.gz").read_bytes()))
        for k in sorted(truth)
    ]
    pages: dict[str, bytes] = {}
    paths = [f"/a/{i:06d}.html" for i in range(count)]
    for i, path in enumerate(paths):
        page = originals[i % len(originals)]
        unique = f'<p>Edition {i}: reader report number {i} from the local newsroom.</p><a href="/">Home</a>'.encode()
        marker = page.lower().rfind(b"</body>")
        pages[path] = page[:marker] + unique + page[marker:] if marker > 0 else page + unique
    links = "".join(f'<li><a href="{p}">Story {i}</a></li>' for i, p in enumerate(paths))
    pages["/"] = f"<html><body><h1>Front page</h1><ul>{links}</ul></body></html>".encode()
    items = "".join(f"<item><title>Story {i}</title><link>{p}</link></item>" for i, p in enumerate(paths[:200]))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
    pages["/feed.xml"] = feed.encode()
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return pages


def serve(
    pages: dict[str, bytes], address: str = "127.0.0.1", latency: tuple[float, float] | None = None
) -> LoopbackServer:
    """A static server of ``pages`` (HTTP/1.1, keep-alive), answering after
    ``latency`` (a range of seconds) when given."""
    rng = random.Random(address)

    def respond(handler: BaseHTTPRequestHandler) -> None:
        if latency:
            time.sleep(rng.uniform(*latency))
        body = pages.get(handler.path)
        kind = "application/rss+xml" if handler.path.endswith(".xml") else "text/html; charset=utf-8"
        headers = {"Content-Type": "text/plain" if handler.path.endswith(".txt") else kind,
                   "Content-Length": str(len(body or b""))}  # fmt: skip
        send(handler, 200 if body is not None else 404, body or b"", headers)

    return LoopbackServer(respond, address=address, http11=True).start()


def host_sites(shared: Path, count: int, hosts: int) -> list[dict[str, bytes]]:
    """The site's pages dealt among ``hosts`` sites, each with its own front page and robots.txt."""
    pages = build_site(shared, count)
    sites = []
    for h in range(hosts):
        mine = {
            path: body
            for i, (path, body) in enumerate(sorted(pages.items()))
            if path.startswith("/a/") and i % hosts == h
        }
        links = "".join(f'<li><a href="{p}">Story {p}</a></li>' for p in mine)
        mine["/"] = f"<html><body><h1>Front page {h}</h1><ul>{links}</ul></body></html>".encode()
        mine["/robots.txt"] = b"User-agent: *\nAllow: /\n"
        sites.append(mine)
    return sites


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack += [int(c) for c in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total


class Measured(NamedTuple):
    wall: float  # seconds
    cpu: float  # CPU seconds of the whole process tree
    own_cpu: float  # CPU seconds of the started process alone (for (a): the crawl's own process)
    peak: int  # peak RSS of the tree, bytes


def own_cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (not its children), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    """Wall time, CPU of the tree and of the process itself, peak tree RSS.
    The process's own CPU is sampled every 0.1 s (the last sample before it
    exits: at most 0.1 s of CPU is missed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, own = 0, 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        own = own_cpu_seconds(process.pid) or own
        time.sleep(0.1)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise RuntimeError(f"{command[:4]} exited {process.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(wall, cpu, own, peak)


def copy_seeds(seeds: Path) -> None:
    """The five seed documents into ``seeds``."""
    seeds.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "tests" / "data" / "seeds").glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())


def seedcrawl_run(base: str, count: int, work: Path, year: Path | None = None) -> list[str]:
    """(a) on an empty storage in ``work``; with ``year``, (y): on a copy of
    that storage, with its seeds folder."""
    seeds = work / "seeds"
    if year is not None:
        seeds = year / "seeds"
        shutil.copytree(year / "storage", work / "storage")
    copy_seeds(seeds)
    (seeds / "sources.toml").write_text(
        f'[seeds]\nurls = ["{base}/"]\n[feeds]\nurls = ["{base}/feed.xml"]\n[network]\nallow_hosts = ["127.0.0.1"]\n'
        f"[limits]\nmax_pages = {count + 10}\nmax_pages_per_site = {count + 10}\nmax_depth = 1\n"
        "per_domain_concurrency = 32\n"
    )
    return [sys.executable, "-m", "scrapy", "crawl", "related", "-a", f"sources={seeds / 'sources.toml'}",
            "-a", f"storage={work / 'storage'}", *LOCAL_FAST]  # fmt: skip


# seedcrawl's default politeness (crawler/settings.py, sources.toml defaults), for the bare spider too.
POLITE = [
    "-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=1.0", "-s", "AUTOTHROTTLE_MAX_DELAY=30.0",
    "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=1.0", "-s", "CONCURRENT_REQUESTS=16",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "-s", "DOWNLOAD_TIMEOUT=30", "-s", "ROBOTSTXT_OBEY=True", "-s", "LOG_LEVEL=WARNING",
]  # fmt: skip


def hosts_commands(bases: list[str], count: int, work: Path) -> dict[str, list[str]]:
    """(a) and (b) on the many-host web, under the default politeness."""
    seeds = work / "seeds"
    copy_seeds(seeds)
    urls = ", ".join(f'"{b}/"' for b in bases)
    hosts = ", ".join(f'"{b.split("//")[1].split(":")[0]}"' for b in bases)
    (seeds / "sources.toml").write_text(
        f"[seeds]\nurls = [{urls}]\n[network]\nallow_hosts = [{hosts}]\n"
        f"[limits]\nmax_pages = {count + len(bases) + 10}\nmax_pages_per_site = {count}\nmax_depth = 1\n"
    )
    spider = work / "bare.py"
    spider.write_text(BARE_SPIDER)
    return {
        "a": [sys.executable, "-m", "scrapy", "crawl", "related", "-a", f"sources={seeds / 'sources.toml'}",
              "-a", f"storage={work / 'storage'}", "-s", "LOG_LEVEL=WARNING"],
        "b": [sys.executable, "-m", "scrapy", "runspider", str(spider),
              "-a", "start=" + ",".join(b + "/" for b in bases), *POLITE,
              "-s", "SEEDCRAWL_ALLOW_HOSTS=" + ",".join(b.split("//")[1].split(":")[0] for b in bases)],
    }  # fmt: skip


def run_hosts(shared: Path, count: int, runs: int, hosts: int) -> dict[str, float]:
    """Median pages/s of (a) and (b) on ``hosts`` slow local hosts."""
    servers = [serve(site, f"127.0.0.{10 + h}", (0.1, 0.3)) for h, site in enumerate(host_sites(shared, count, hosts))]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    walls: dict[str, list[float]] = {"a": [], "b": []}
    try:
        for _ in range(runs):
            for key in ("a", "b"):
                with tempfile.TemporaryDirectory() as tmp:
                    command = hosts_commands([s.base for s in servers], count, Path(tmp))[key]
                    walls[key].append(measure(command, ROOT, env).wall)
    finally:
        for server in servers:
            server.stop()
    return {key: statistics.median(count / w for w in values) for key, values in walls.items()}


def bare_run(base: str, work: Path) -> list[str]:
    spider = work / "bare.py"
    spider.write_text(BARE_SPIDER)
    return [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"start={base}/", *LOCAL_FAST,
            "-s", "ROBOTSTXT_OBEY=True"]  # fmt: skip


def trafilatura_run(base: str, count: int, work: Path) -> list[str]:
    urls = work / "urls.txt"
    urls.write_text("\n".join(f"{base}/a/{i:06d}.html" for i in range(count)) + "\n")
    config = work / "trafilatura.cfg"
    defaults = (Path(sys.executable).parent.parent / "lib").glob("python3*/site-packages/trafilatura/settings.cfg")
    text = next(defaults).read_text()
    text = text.replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0").replace("SSRF_PROTECTION = on", "SSRF_PROTECTION = off")
    config.write_text(text)
    trafilatura = Path(sys.executable).parent / "trafilatura"
    return [str(trafilatura), "--input-file", str(urls), "--output-dir", str(work / "out"), "--config-file",
            str(config), "--parallel", str(os.cpu_count() or 2)]  # fmt: skip


def steady_own_cpu(storage: Path) -> float | None:
    """The crawl process's CPU seconds from the run's start (model fitted,
    workers up) to its end, as CrawlRun records them; None where the code
    measured does not record them (an older baseline)."""
    try:
        db = sqlite3.connect(storage / "corpus.db")
        stats = json.loads(db.execute("select stats from runs order by id desc limit 1").fetchone()[0])
        db.close()
        return stats["seedcrawl/cpu/crawl_process_s/at_end"] - stats["seedcrawl/cpu/crawl_process_s/at_start"]
    except (sqlite3.Error, TypeError, KeyError):
        return None


def command_for(key: str, base: str, count: int, work: Path, year: Path | None = None) -> list[str]:
    if key in ("a", "a0"):
        return seedcrawl_run(base, count, work)
    if key == "y":
        return seedcrawl_run(base, count, work, year)
    if key == "b":
        return bare_run(base, work)
    return trafilatura_run(base, count, work)


def run_all(
    shared: Path,
    count: int,
    runs: int,
    keys: str | list[str] = "abc",
    baseline: Path | None = None,
    year: Path | None = None,
) -> dict[str, dict[str, float]]:
    server = serve(build_site(shared, count))
    base = server.base
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    results: dict[str, list[Measured]] = {key: [] for key in keys}
    steady: dict[str, list[float | None]] = {key: [] for key in keys}
    for _ in range(runs):
        for key in keys:  # interleaved, so a slow moment of the machine hits every run alike
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                if key == "a0" and baseline is not None:  # the same crawl, the baseline's code
                    old_env = {**env, "PYTHONPATH": str(baseline)}
                    results[key].append(measure(command_for(key, base, count, work), baseline, old_env))
                else:
                    results[key].append(measure(command_for(key, base, count, work, year), ROOT, env))
                if key.startswith("a") or key == "y":
                    steady[key].append(steady_own_cpu(work / "storage"))
    server.stop()
    summary = {}
    for key, values in results.items():
        summary[key] = {
            "pages_per_s": statistics.median(count / m.wall for m in values),
            "cpu_per_page": statistics.median(m.cpu / count for m in values),
            "own_cpu_per_page": statistics.median(m.own_cpu / count for m in values),
            "workers_cpu_per_page": statistics.median((m.cpu - m.own_cpu) / count for m in values),
            "peak_rss_mb": statistics.median(m.peak / 1e6 for m in values),
        }
        known = [value for value in steady[key] if value is not None]
        if known:
            summary[key]["steady_own_cpu_per_page"] = statistics.median(known) / count
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0, help="also crawl a site this large once (e.g. 20000)")
    parser.add_argument("--baseline", metavar="REV", help="also crawl with seedcrawl at this git revision")
    parser.add_argument("--only-seedcrawl", action="store_true", help="skip (b) and (c)")
    parser.add_argument("--year", type=Path, help="also crawl on a copy of this year-old storage (bench/year.py)")
    parser.add_argument("--hosts", type=int, default=0, help="also compare (a) and (b) on this many slow local hosts")
    args = parser.parse_args()
    names = {"a0": f"(a0) seedcrawl at {args.baseline}", "a": "(a) seedcrawl full crawl", "b": "(b) bare Scrapy spider",
             "c": "(c) trafilatura CLI", "y": "(y) seedcrawl, year-old storage"}  # fmt: skip
    keys = ["a"] if args.only_seedcrawl else ["a", "b", "c"]
    if args.year:
        keys.append("y")
    with checked_out(args.baseline) as baseline:
        summary = run_all(args.shared, args.pages, args.runs, (["a0"] if baseline else []) + keys, baseline, args.year)
    print(f"{args.pages} pages on 127.0.0.1, median of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'run':<34}{'pages/s':>9}{'CPU s/page':>12}{'own ms/page':>13}{'rest ms/page':>14}{'peak RSS MB':>13}")
    for key in summary:
        m = summary[key]
        print(f"{names[key]:<34}{m['pages_per_s']:>9.1f}{m['cpu_per_page']:>12.4f}{m['own_cpu_per_page'] * 1000:>13.2f}"
              f"{m['workers_cpu_per_page'] * 1000:>14.2f}{m['peak_rss_mb']:>13.0f}")  # fmt: skip
    print(
        "own: the started process alone (for seedcrawl, the crawl's own process: Scrapy, SQLite, dedup);"
        " rest: its children (the analysis workers)"
    )
    own = summary["a"]["own_cpu_per_page"] * 1000
    steady = summary["a"].get("steady_own_cpu_per_page", 0) * 1000
    print(
        f"crawl process CPU: {own:.2f} ms/page with start-up, {steady:.2f} ms/page from the run's start (target < 2 ms)"
    )
    if "a0" in summary:
        old_steady = summary["a0"].get("steady_own_cpu_per_page", 0) * 1000
        print(
            f"against {args.baseline}: own CPU/page {own / (summary['a0']['own_cpu_per_page'] * 1000):.2f}x, "
            + (f"from the run's start {steady / old_steady:.2f}x ({old_steady:.2f} ms), " if old_steady else "")
            + f"pages/s {summary['a']['pages_per_s'] / summary['a0']['pages_per_s']:.2f}x"
        )
    if "b" in summary:
        a, b, c = (summary[k]["pages_per_s"] for k in "abc")
        print(f"a/b = {a / b:.2f} (target >= 0.5)   a/c = {a / c:.2f} (target >= 2)   peak RSS (a) target < 500 MB")
    if "y" in summary:
        y, a = summary["y"], summary["a"]
        print(
            f"year-old storage against empty: CPU/page {y['cpu_per_page'] / a['cpu_per_page']:.2f}x (target <= 1.3x), "
            "crawl process from the run's start "
            f"{y.get('steady_own_cpu_per_page', 0) / a.get('steady_own_cpu_per_page', 1):.2f}x, "
            f"peak RSS {y['peak_rss_mb'] / a['peak_rss_mb']:.2f}x (target <= 1.1x)"
        )
    if args.hosts:
        rates = run_hosts(args.shared, args.pages, args.runs, args.hosts)
        print(f"{args.hosts} hosts answering in 100-300 ms, default politeness, median of {args.runs} runs: "
              f"(a) {rates['a']:.1f} pages/s, (b) {rates['b']:.1f} pages/s: a/b = {rates['a'] / rates['b']:.2f} "
              "(target >= 0.9)")  # fmt: skip
    if args.scale:
        big = run_all(args.shared, args.scale, 1, keys="a")["a"]
        ratio = big["cpu_per_page"] / summary["a"]["cpu_per_page"]
        print(f"scale: CPU s/page {summary['a']['cpu_per_page']:.4f} at {args.pages} pages, "
              f"{big['cpu_per_page']:.4f} at {args.scale} pages: {ratio:.2f}x (target <= 1.5x); "
              f"crawl process CPU at {args.scale} pages: {big['own_cpu_per_page'] * 1000:.2f} ms/page with start-up, "
              f"{big.get('steady_own_cpu_per_page', 0) * 1000:.2f} from the run's start")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A year of nightly crawls: a storage folder built the way a year would leave it, then timed.

Usage:
  .venv/bin/python bench/year.py build DIR [--scale 1.0]
  .venv/bin/python bench/year.py commands DIR [--runs 3]
  .venv/bin/python bench/year.py decisions DIR [--runs 7] [--baseline REV]
  .venv/bin/python bench/year.py browser DIR [--runs 7] [--baseline REV]

``build`` writes DIR/seeds and DIR/storage through the project's own store
and review API (no SQL here): 365 finished runs; 300,000 URL rows; 100,000
documents; 20,000 of them candidates, of which half are decided (accepted
into seeds/ or rejected); a frontier of 50,000 links that never empties.
``--scale`` multiplies the counts (0.05 for a quick look). The texts are
real (the seeds, the extraction benchmark's 121 article bodies, the UK
Huawei-ban and cybersecurity news of ../shared/data/relevance/dev.jsonl),
varied the way a site's pages vary (candidates are on-topic texts half the
time, which the simulated reviewer accepts, and off-topic ones, which it
rejects): each of 400 sites wraps its stories in
its own chrome lines (real sentences, repeated on every page of the site,
so their shingles repeat as real boilerplate's do), each page takes a
rotation of its story's paragraphs and a line of its own. Prints the size
of the database and of the folder, and the build time.

``commands`` times what a reviewer runs on that storage, as a user runs it
(the ``seedcrawl`` command in a new process: start-up included; median of
``--runs``): queue, show, status, search, sources, report, accept, reject,
and the first page of the browser review (``seedcrawl serve``'s app); and
the relevance model's refit at a crawl's start, before and after a day's
review.

``decisions`` times single decisions and their undo, each in a new process,
alternated round by round with the code at ``--baseline`` (a git revision).

``browser`` times the browser review as a reviewer walks it (``seedcrawl
serve``'s app, through Flask's test client, in a new process per round):
a candidate's page, a decision (the accept's POST and the next
candidate's page it leads to), taken back at once, the corpus page
(the seeds folder's newest 200) and the off-topic page (the best 200
pages judged off topic, of 80,000); with ``--baseline``,
alternated with that revision as ``decisions`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from revision import checked_out  # noqa: E402

from crawler import dedup  # noqa: E402
from crawler.dates import settle  # noqa: E402
from crawler.refit import fit_corpus  # noqa: E402
from crawler.review import Review  # noqa: E402
from crawler.seedfile import content_hash, format_document, read_seed, seed_files  # noqa: E402
from crawler.store import Document, Store  # noqa: E402
from crawler.store.links import FrontierLink  # noqa: E402

SHARED = ROOT.parent / "shared"
SEEDCRAWL = str(Path(sys.executable).parent / "seedcrawl")
COUNTS = {"runs": 365, "urls": 300_000, "documents": 100_000, "candidates": 20_000, "frontier": 50_000}
SITES = 400
THRESHOLD = 0.48  # sources.toml's default (the refit's cost does not depend on it)


def real_texts() -> list[tuple[str, list[str], bool]]:
    """(title, paragraphs, on topic) of every real text at hand."""
    texts = []
    for path in seed_files(ROOT / "tests" / "data" / "seeds"):
        seed = read_seed(path)
        texts.append((seed.title, seed.text.split("\n\n")[1:], True))
    truth = json.loads((SHARED / "data" / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for entry in truth.values():
        paragraphs = [p.strip() for p in entry["articleBody"].split("\n") if p.strip()]
        if len(paragraphs) > 2:
            texts.append((paragraphs[0][:80], paragraphs[1:], False))
    for line in (SHARED / "data" / "relevance" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
        if len(paragraphs) > 1:
            texts.append((row["title"], paragraphs[1:], row["label"] == "relevant"))
    return texts


class Pages:
    """Varied pages of real texts, each on one of SITES sites with its own chrome."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.texts = real_texts()
        self.on_topic = [t for t in self.texts if t[2]]
        self.off_topic = [t for t in self.texts if not t[2]]
        sentences = [s for _, ps, _ in self.texts for p in ps for s in p.split(". ") if 4 <= len(s.split()) <= 14]
        self.chrome = [[rng.choice(sentences) for _ in range(rng.randint(3, 8))] for _ in range(SITES)]
        self.n = 0

    def next(self, run: int, candidate: bool = False) -> tuple[str, str, str, bool]:
        """(url, site name, text, on topic) of a new page; a candidate is on
        topic half the time (the reviewer accepts those, rejects the others)."""
        self.n += 1
        site = self.rng.randrange(SITES)
        pool = self.on_topic if candidate and self.rng.random() < 0.5 else self.off_topic
        title, paragraphs, on_topic = self.rng.choice(pool)
        turn = self.rng.randrange(len(paragraphs))
        body = self.chrome[site][:2] + paragraphs[turn:] + paragraphs[:turn] + self.chrome[site][2:]
        body.append(f"Filed on night {run} as story {self.n}.")
        url = f"https://site{site}.example/{2025 + run // 365}/{run % 365}/story-{self.n}.html"
        return url, f"Site {site}", format_document(f"{title} ({self.n})", body), on_topic


def build(folder: Path, scale: float) -> None:
    counts = {k: max(1, int(v * scale)) for k, v in COUNTS.items()}
    counts["runs"] = COUNTS["runs"] if scale >= 1 else max(2, int(COUNTS["runs"] * scale))
    if folder.exists():
        shutil.rmtree(folder)
    seeds = folder / "seeds"
    seeds.mkdir(parents=True)
    for path in seed_files(ROOT / "tests" / "data" / "seeds"):
        shutil.copy2(path, seeds / path.name)
    sources = seeds / "sources.toml"
    sources.write_text('[seeds]\nurls = ["https://site0.example/"]\n', encoding="utf-8")
    rng = random.Random(365)
    pages = Pages(rng)
    store = Store(folder / "storage")
    store.claim_corpus(seeds)
    for path in seed_files(seeds):  # as a crawl registers them
        store.register_seed(Document.from_seed(read_seed(path), path), path.name)
    review = Review(store, seeds)
    start = time.perf_counter()
    runs = counts["runs"]
    per_run = {k: -(-counts[k] // runs) for k in ("urls", "documents", "candidates", "frontier")}  # at least the counts
    link = 0
    for run in range(runs):
        run_id = store.start_run(sources, trigger="nightly")
        queued = []
        with store.write():  # one transaction a run, as a crawl's pages are batched
            for n in range(per_run["documents"]):
                candidate = n < per_run["candidates"]
                url, site, text, on_topic = pages.next(run, candidate)
                doc = Document(
                    hash=content_hash(text), text=text, title=text.split("\n", 1)[0], url=url, canonical_url=url,
                    sitename=site, language="en", score=0.6 if candidate else 0.1, reason="bench",
                    found_via="link", found_on=None, shingles=frozenset(dedup.shingle_sample(text)),
                    dates=settle({"url": f"2025-{1 + run % 12:02d}-{1 + run % 28:02d}"}),
                )  # fmt: skip
                if candidate:
                    queued.append((store.add_candidate(doc, run_id).name, on_topic))
                else:
                    store.add_document(doc, "offtopic", run_id)
                store.record_url(url, "queued" if candidate else "offtopic", run_id, hash=doc.hash, http_status=200)
            for n in range(per_run["urls"] - per_run["documents"]):
                outcome = ("duplicate", "error", "not_html", "skipped")[n % 4]
                store.record_url(f"https://site{n % SITES}.example/other/{run}/{n}", outcome, run_id, http_status=200)
            links = []
            for _ in range(per_run["frontier"]):
                link += 1
                # On a loopback address no bench allows: a crawl on this storage
                # resumes them and the address guard refuses them, no packet sent.
                links.append(FrontierLink(f"http://127.0.0.9/later/{link % SITES}/{link}", "link", None, 2, 50))
            store.add_to_frontier(links)
        store.finish_run(run_id, "finished", {"seedcrawl/pages": per_run["documents"]})
        for name, on_topic in queued[: (len(queued) + 1) // 2]:  # the reviewer decides half, the next morning
            review.accept(name) if on_topic else review.reject(name)
        if run % 30 == 0:
            print(f"night {run + 1} of {runs}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    fit_corpus(seeds, store, THRESHOLD)  # as the last night's crawl left it: the model's counts kept
    seconds = time.perf_counter() - start
    store.close()
    db = folder / "storage" / "corpus.db"
    size = sum(p.stat().st_size for p in (folder / "storage").glob("corpus.db*"))
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    store = Store(folder / "storage")
    have = {row["status"]: row["n"] for row in store.status_counts()}
    runs_done = len(store.last_runs(10_000))
    urls, frontier = store.table("urls").count, store.table("frontier").count
    store.close()
    documents = sum(have.values())
    decided = have.get("accepted", 0) + have.get("rejected", 0)
    what = f"{runs_done} runs, {urls:,} URL rows, {documents:,} documents ({have})"
    what += f", {decided + have.get('pending', 0):,} candidates ({decided:,} decided), {frontier:,} frontier links"
    print(f"built {folder} in {seconds:.0f} s: {what}")
    print(f"database {db.name}: {size / 1e6:.0f} MB; whole folder {total / 1e6:.0f} MB")


def timed(args: list[str], cwd: Path, runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run([SEEDCRAWL, *args], cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        out = result.stdout + result.stderr
        if result.returncode not in (0, 1):
            raise SystemExit(f"seedcrawl {' '.join(args)} failed: {out[-500:]}")
    return statistics.median(times), out


def commands(folder: Path, runs: int) -> None:
    storage = ["--storage", str(folder / "storage")]
    store = Store(folder / "storage")
    pending = store.pending_candidates()
    off_topic = store.count_near_misses()
    store.close()
    first, second, third = (str(row["queue_seq"]) for row in pending[:3])
    rows = []
    for label, args, limit in (
        ("queue", ["queue", *storage], 0.5),
        ("show", ["show", first, *storage], 0.5),
        ("status", ["status", *storage], 0.5),
        ("search", ["search", "huawei", *storage], 0.5),
        ("sources", ["sources", *storage], 0.5),
        ("report", ["report", *storage], 5.0),
    ):
        seconds, _ = timed(args, folder, runs)
        rows.append((label, seconds, limit))
    for label, args in (("accept", ["accept", second, *storage]), ("reject", ["reject", third, *storage])):
        seconds, out = timed(args, folder, 1)  # a decision happens once; undone below
        rows.append((label, seconds, 0.5))
        subprocess.run([SEEDCRAWL, "undo", args[1], *storage], cwd=folder, capture_output=True, check=True)
    seconds, _ = timed(["rescore", *storage], folder, runs)  # every pending candidate judged again
    rows.append((f"rescore ({len(pending)} pending)", seconds, None))
    seconds, _ = timed(["rescore", "--misses", *storage], folder, runs)  # and every page judged off topic
    rows.append((f"rescore --misses (and {off_topic:,} off topic)", seconds, None))
    # Triage: 200 decisions in one command (as `reject --site ...` makes them), then taken back.
    batch = [str(row["queue_seq"]) for row in pending[3:203]]
    for label, args in (("reject 200 (one command)", ["reject", *batch, "--reason", "bench"]),
                        ("undo those 200 (one command)", ["undo", *batch])):  # fmt: skip
        seconds, _ = timed([*args, *storage], folder, 1)
        rows.append((label, seconds, None))
    from crawler.web.app import create_app

    client = create_app(folder / "storage", folder / "seeds").test_client()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        assert client.get("/").status_code == 200
        times.append(time.perf_counter() - start)
    rows.append(("serve: first page (in process)", statistics.median(times), 0.5))
    rows.extend(refits(folder, runs))
    print(f"{'command':<34}{'seconds':>9}{'limit':>7}")
    for label, seconds, limit in rows:
        over = "" if limit is None or seconds <= limit else "  OVER"
        print(f"{label:<34}{seconds:>9.3f}{'-' if limit is None else f'{limit:.1f}':>7}{over}")


def decisions(folder: Path, runs: int, baseline: str | None) -> None:
    """Single decisions as a reviewer makes them (``seedcrawl reject ID``,
    ``accept ID``, ``undo ID``: a new process each, start-up included), each
    taken back at once so the storage ends as it began; with ``baseline``, the
    same commands at that git revision (a worktree put first on PYTHONPATH)
    alternated with today's, round by round, and the ratios printed."""
    store = Store(folder / "storage")
    pending = [str(row["queue_seq"]) for row in store.pending_candidates()[: 4 * runs]]
    store.close()
    steps = ("reject", "undo (of the reject)", "accept", "undo (of the accept)")
    times: dict[tuple[str, str], list[float]] = {}

    def decide(code: str, env: dict[str, str]) -> None:
        rejected, accepted = pending.pop(), pending.pop()
        commands = (["reject", rejected], ["undo", rejected], ["accept", accepted], ["undo", accepted])
        for label, args in zip(steps, commands, strict=True):
            command = [sys.executable, "-m", "crawler.cli", *args, "--storage", str(folder / "storage")]
            start = time.perf_counter()
            result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
            times.setdefault((label, code), []).append(time.perf_counter() - start)
            if result.returncode != 0:
                raise SystemExit(f"{code}: seedcrawl {' '.join(args)} failed: {result.stderr[-500:]}")

    alternate(runs, baseline, decide)
    alternated = f"; rounds alternate with {baseline}" if baseline else ""
    print(f"single decisions, median of {runs} (wall, a new process each){alternated}")
    print_medians(times, steps, baseline)


def alternate(runs: int, baseline: str | None, step: Callable[[str, dict[str, str]], None]) -> None:
    """``step(code, environment)`` ``runs`` times with today's code, each
    followed, with ``baseline``, by that revision's (its worktree first on
    PYTHONPATH): side by side, so a machine's drift falls on both."""
    with checked_out(baseline) as tree:
        for _ in range(runs):
            step("today", {**os.environ, "PYTHONPATH": str(ROOT)})
            if tree is not None and baseline is not None:
                step(baseline, {**os.environ, "PYTHONPATH": str(tree)})


def print_medians(times: dict[tuple[str, str], list[float]], labels: tuple[str, ...], baseline: str | None) -> None:
    """A line per step: today's median, and the baseline's with the ratio."""
    for label in labels:
        today = statistics.median(times[(label, "today")])
        line = f"{label:<24}{today:>7.3f} s"
        if baseline and (label, baseline) not in times:
            line += f"   (no such step at {baseline})"
        elif baseline:
            before = statistics.median(times[(label, baseline)])
            line += f"   at {baseline}: {before:.3f} s   ratio {today / before:.2f}x"
        print(line)


# One round of the browser bench, run in a new process by the code under test (PYTHONPATH).
BROWSER_ROUND = """
import json, sys, time
from pathlib import Path
from crawler.web.app import create_app
folder, first, decided = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
client = create_app(folder / "storage", folder / "seeds").test_client()
page = client.get(f"/c/{first}")  # the first request opens the storage: not timed
token = page.get_data(as_text=True).split('name="csrf" value="', 1)[1].split('"', 1)[0]
start = time.perf_counter()
assert client.get(f"/c/{first}").status_code == 200
shown = time.perf_counter() - start
start = time.perf_counter()
answer = client.post(f"/c/{decided}/accept", data={"csrf": token})
assert answer.status_code == 302, answer.status_code
assert client.get(answer.location).status_code == 200
accepted = time.perf_counter() - start
assert client.post(f"/c/{decided}/undo", data={"csrf": token}).status_code == 302
start = time.perf_counter()
corpus = client.get("/corpus")  # the seeds folder's newest 200 (a revision before it has no such page)
listed = time.perf_counter() - start
times = {"candidate page": shown, "accept + next page": accepted}
if corpus.status_code == 200:
    times["corpus page"] = listed
start = time.perf_counter()
missed = client.get("/misses")  # the best 200 pages judged off topic (none before 2026-12-02)
if missed.status_code == 200:
    times["off-topic page"] = time.perf_counter() - start
print(json.dumps(times))
"""


def browser(folder: Path, runs: int, baseline: str | None) -> None:
    """The browser review's two steps (see the module's docstring), median
    of ``runs`` rounds, each round a new process."""
    store = Store(folder / "storage")
    pending = [str(row["queue_seq"]) for row in store.pending_candidates()[:2]]
    store.close()
    times: dict[tuple[str, str], list[float]] = {}

    def walk(code: str, env: dict[str, str]) -> None:
        command = [sys.executable, "-c", BROWSER_ROUND, str(folder), *pending]
        # Not from ROOT: `-c` puts the working folder first on sys.path, before PYTHONPATH's revision.
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{code}: {result.stderr[-800:]}")
        for label, seconds in json.loads(result.stdout.splitlines()[-1]).items():
            times.setdefault((label, code), []).append(seconds)

    alternate(runs, baseline, walk)
    alternated = f"; rounds alternate with {baseline}" if baseline else ""
    print(f"browser review on {folder}, median of {runs} (in process, Flask's test client){alternated}")
    print_medians(times, ("candidate page", "accept + next page", "corpus page", "off-topic page"), baseline)


def refits(folder: Path, runs: int) -> list[tuple[str, float, float]]:
    """The relevance model's refit at a crawl's start (in process, median of
    ``runs``): with nothing new; after a day's review (10 accepted, 10
    rejected); after those 20 decisions are undone."""
    store = Store(folder / "storage")
    seeds = folder / "seeds"
    review = Review(store, seeds)

    def fit() -> float:
        start = time.perf_counter()
        fit_corpus(seeds, store, THRESHOLD)
        return time.perf_counter() - start

    rows = [("refit, nothing new (in process)", statistics.median(fit() for _ in range(runs)), 2.0)]
    pending = [str(row["queue_seq"]) for row in store.pending_candidates()[:20]]
    for n, seq in enumerate(pending):
        review.accept(seq) if n % 2 else review.reject(seq)
    rows.append(("refit after 20 decisions", fit(), 2.0))
    for seq in reversed(pending):  # the newest seed first, as undo asks
        review.undo(seq)
    rows.append(("refit after undoing them", fit(), 2.0))
    store.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("build")
    b.add_argument("folder", type=Path)
    b.add_argument("--scale", type=float, default=1.0)
    c = sub.add_parser("commands")
    c.add_argument("folder", type=Path)
    c.add_argument("--runs", type=int, default=3)
    d = sub.add_parser("decisions")
    d.add_argument("folder", type=Path)
    d.add_argument("--runs", type=int, default=7)
    d.add_argument("--baseline", metavar="REV", help="alternate with seedcrawl at this git revision")
    w = sub.add_parser("browser")
    w.add_argument("folder", type=Path)
    w.add_argument("--runs", type=int, default=7)
    w.add_argument("--baseline", metavar="REV", help="alternate with seedcrawl at this git revision")
    args = parser.parse_args()
    if args.what == "build":
        build(args.folder, args.scale)
    elif args.what == "decisions":
        decisions(args.folder, args.runs, args.baseline)
    elif args.what == "browser":
        browser(args.folder, args.runs, args.baseline)
    else:
        commands(args.folder, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Near-duplicate detection, measured: recall of copies, false merges, lookup cost.

Usage: .venv/bin/python bench/dedup.py [--shared ../shared/data] [--sizes 10000,1000000] [--boilerplate]

Quality, on real text only (the seeds, the 121 article bodies of the
extraction benchmark, the UK Huawei-ban articles):
- copies: each original republished the way syndication does it: wrapped
  in another site's boilerplate, cut short, lightly edited, or all three;
  plus the real duplicate pairs found in the data. Recall = share of copies
  the crawl's lookup (crawler.store.Store.find_duplicate) maps to their
  original, with every original stored.
- false merges: every pair of distinct originals, among them many different
  articles on the same event (the UK's 2020 Huawei decision). Rate = share
  of pairs the same rule calls one story.
A threshold sweep is printed beside the chosen value as the evidence for it.

Scale: lookup time per document with N stored documents whose shingle
samples are synthetic random 64-bit values (a text's sample is
indistinguishable from random values to the index), median of several
runs, and the ratio between the sizes.

``--boilerplate``: the same, with boilerplate as a real corpus has it. Each
document belongs to one of 200 sites; a quarter of its sample (15 of 60
values) is its site's chrome, the same on every page of the site, and with
probability 0.3 it has one of 5 phrases common to all sites; so as the
corpus grows from 10k to 1M a site's chrome shingles are held by 50, then
5,000 documents. Postings go in as ``Store`` puts them (none past
``MAX_POSTINGS`` for one shingle); ``--no-cap`` stores them all and looks
them all up, as the lookup did before the cap.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler import dedup  # noqa: E402
from crawler.seedfile import content_hash, read_seed, seed_files  # noqa: E402
from crawler.store import Document, Store  # noqa: E402

# Real duplicate pairs in the UK Huawei-ban collection (same article captured twice).
REAL_PAIRS = [("ukban-052", "ukban-061"), ("ukban-050", "ukban-059"), ("ukban-056", "ukban-057")]
EDITS = [("U.S.", "US"), ("U.K.", "UK"), ("per cent", "%"), (" said ", " says "), ("Mr. ", ""), ("\u2019", "'")]


def load_originals(shared: Path) -> dict[str, str]:
    texts = {f"seed-{p.name[:3]}": read_seed(p).text for p in seed_files(ROOT / "tests" / "data" / "seeds")}
    truth = json.loads((shared / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    texts.update({f"aeb-{k[:8]}": v["articleBody"] for k, v in truth.items()})
    for line in (shared / "relevance" / "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"].startswith("ukban"):
            texts[row["id"]] = row["text"]
    return texts


def boilerplate(rng: random.Random, titles: list[str]) -> tuple[str, str]:
    """Another site's chrome: a header, and a footer of links to other stories."""
    header = "\n".join(["Home | World | Business | Tech | Opinion", "Subscribe", rng.choice(titles)])
    footer = "\n".join(["Related stories"] + rng.sample(titles, 6) + ["\u00a9 2024 All rights reserved. Privacy"])
    return header, footer


def make_copies(originals: dict[str, str], rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, original key, copy text) for every original long enough to syndicate."""
    titles = [t.split("\n", 1)[0][:90] for t in originals.values()]
    copies = []
    for key, text in originals.items():
        paragraphs = [p for p in text.split("\n") if p.strip()]
        if len(dedup.shingle_sample(text)) < 2 * dedup.MIN_SAMPLES:
            continue  # a blurb: too short for anyone to syndicate it with changes
        header, footer = boilerplate(rng, titles)
        cut = paragraphs[: max(2, int(len(paragraphs) * rng.uniform(0.55, 0.8)))]
        edited = "\n".join(paragraphs)
        for old, new in EDITS:
            edited = edited.replace(old, new)
        edited_paragraphs = edited.split("\n")
        if len(edited_paragraphs) > 4:
            del edited_paragraphs[rng.randrange(1, len(edited_paragraphs) - 1)]  # an editor drops one
        copies += [
            ("wrapped", key, f"{header}\n{text}\n{footer}"),
            ("cut", key, "\n".join(cut)),
            ("edited", key, "\n".join(edited_paragraphs)),
            ("all three", key, f"{header}\n" + "\n".join(edited_paragraphs[: len(cut)]) + f"\n{footer}"),
        ]
    return copies


def document(key: str, text: str) -> Document:
    return Document(
        hash=content_hash(text),
        text=text,
        title=key,
        url=key,
        canonical_url=key,
        sitename=None,
        language=None,
        score=None,
        reason=None,
        found_via="bench",
        found_on=None,
        shingles=frozenset(dedup.shingle_sample(text)),
    )


def quality(shared: Path) -> None:
    rng = random.Random(20261122)
    originals = load_originals(shared)
    real_copies = [("real pair", a, originals.pop(b)) for a, b in REAL_PAIRS]
    copies = make_copies(originals, rng) + real_copies
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        run = store.start_run("bench")
        for key, text in originals.items():
            store.add_document(document(key, text), "bench", run)
        by_hash = {content_hash(t): k for k, t in originals.items()}
        found: dict[str, list[bool]] = {}
        for kind, key, text in copies:
            doc = document(key, text)
            match = store.find_duplicate(doc.hash, doc.shingles)
            found.setdefault(kind, []).append(match is not None and by_hash.get(match.digest) == key)
        store.close()
    everything = [hit for hits in found.values() for hit in hits]
    print(f"Originals: {len(originals)} real texts; copies: {len(copies)}")
    print(f"{'copy kind':<12} {'copies':>7} {'recall':>7}")
    for kind, hits in found.items():
        print(f"{kind:<12} {len(hits):>7} {sum(hits) / len(hits):>7.3f}")
    print(f"{'all':<12} {len(everything):>7} {sum(everything) / len(everything):>7.3f}   (target >= 0.95)")

    samples = {k: dedup.shingle_sample(t) for k, t in originals.items()}
    scores, same_event = [], []
    for a, b in itertools.combinations(originals, 2):
        sa, sb = samples[a], samples[b]
        if min(len(sa), len(sb)) < dedup.MIN_SAMPLES:
            continue
        score = dedup.containment(len(sa & sb), len(sa), len(sb))
        scores.append(score)
        if a.startswith("ukban") and b.startswith("ukban"):
            same_event.append(score)
    merged = sum(1 for s in scores if s >= dedup.MIN_CONTAINMENT)
    print(f"\nDistinct-story pairs: {len(scores)} ({len(same_event)} on the same event, UK Huawei 2019-24)")
    print(
        f"false merges at containment >= {dedup.MIN_CONTAINMENT}: {merged} = {merged / len(scores):.4%} (target <= 1%)"
    )
    print(f"highest containment between distinct stories: {max(scores):.3f}; same event: {max(same_event):.3f}")

    print("\nThreshold sweep (the evidence for MIN_CONTAINMENT):")
    print(f"{'threshold':>9} {'recall':>7} {'false merges':>13}")
    copy_scores = []
    for _, key, text in copies:
        sc, so = dedup.shingle_sample(text), samples[key]
        copy_scores.append(dedup.containment(len(sc & so), len(sc), len(so)) if min(len(sc), len(so)) else 0.0)
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        recall = sum(1 for s in copy_scores if s >= threshold) / len(copy_scores)
        false = sum(1 for s in scores if s >= threshold) / len(scores)
        print(f"{threshold:>9.1f} {recall:>7.3f} {false:>13.4%}")


def insert_bench_documents(db, size: int, per_doc: int) -> None:
    """``size`` document rows (ids 1..size) for the shingles to point at."""
    with db.atomic():
        db.conn.executemany(
            "insert into documents (id, hash, status, shingles) values (?, ?, 'bench', ?)",
            ((i, f"{i:064x}", per_doc) for i in range(1, size + 1)),
        )


def build_synthetic_store(folder: Path, size: int, rng: random.Random) -> list[list[int]]:
    """A store with ``size`` documents of random samples; returns some stored samples."""
    import numpy as np

    store = Store(folder)
    per_doc = 60  # a 500-word article samples about 60 shingles
    generator = np.random.default_rng(rng.randrange(1 << 30))
    kept: list[list[int]] = []
    db = store.db
    insert_bench_documents(db, size, per_doc)
    chunk = 100_000
    for start in range(1, size + 1, chunk):
        ids = np.arange(start, min(start + chunk, size + 1))
        values = generator.integers(-(1 << 63), (1 << 63) - 1, size=(len(ids), per_doc), dtype=np.int64)
        if len(kept) < 200:
            kept += [list(map(int, row)) for row in values[: 200 - len(kept)]]
        order = np.argsort(values, axis=None)
        flat_values = values.ravel()[order]
        flat_ids = np.repeat(ids, per_doc)[order]
        with db.atomic():
            db.conn.executemany(
                "insert or ignore into shingles (shingle, doc) values (?, ?)",
                zip(flat_values.tolist(), flat_ids.tolist(), strict=True),
            )
    store.close()
    return kept


SITES = 200
COMMON = 5


def site_values(generator) -> tuple[list[list[int]], list[int]]:
    chrome = generator.integers(-(1 << 63), (1 << 63) - 1, size=(SITES, 15), dtype="int64").tolist()
    common = generator.integers(-(1 << 63), (1 << 63) - 1, size=COMMON, dtype="int64").tolist()
    return chrome, common


def build_boilerplate_store(
    folder: Path, size: int, rng: random.Random, cap: bool
) -> tuple[list[list[int]], list[list[int]]]:
    """A store of ``size`` documents whose samples hold their site's chrome;
    returns some stored samples and some new pages' samples of the same sites."""
    import numpy as np

    store = Store(folder)
    generator = np.random.default_rng(rng.randrange(1 << 30))
    chrome, common = site_values(generator)
    per_doc = 60
    db = store.db
    insert_bench_documents(db, size, per_doc)
    held: dict[int, int] = {}
    kept: list[list[int]] = []
    chunk = 100_000
    for start in range(1, size + 1, chunk):
        ids = range(start, min(start + chunk, size + 1))
        unique = generator.integers(-(1 << 63), (1 << 63) - 1, size=(len(ids), 45), dtype=np.int64).tolist()
        rows = []
        for doc, own in zip(ids, unique, strict=True):
            sample = own + chrome[doc % SITES] + ([common[doc % COMMON]] if doc % 10 < 3 else [])
            if len(kept) < 200:
                kept.append(sample)
            for value in sample:
                if cap:
                    if held.get(value, 0) >= dedup.MAX_POSTINGS:
                        continue
                    held[value] = held.get(value, 0) + 1
                rows.append((value, doc))
        rows.sort()
        with db.atomic():
            db.conn.executemany("insert or ignore into shingles (shingle, doc) values (?, ?)", rows)
    store.close()
    fresh = [generator.integers(-(1 << 63), (1 << 63) - 1, size=45).tolist() + chrome[n % SITES] for n in range(200)]
    return kept, fresh


def lookup_time(
    folder: Path, stored: list[list[int]], rng: random.Random, runs: int = 5, fresh: list[list[int]] | None = None
) -> float:
    """Median seconds per find_duplicate over 400 lookups (half copies, half new)."""
    store = Store(folder)
    queries = [frozenset(s) for s in stored[:200]]
    if fresh is None:
        queries += [frozenset(rng.getrandbits(63) for _ in range(60)) for _ in range(200)]
    else:
        queries += [frozenset(s) for s in fresh]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for sample in queries:
            store.find_duplicate("0" * 64, sample)
        timings.append((time.perf_counter() - start) / len(queries))
    store.close()
    return statistics.median(timings)


def scale(sizes: list[int], workdir: Path | None, boilerplate: bool = False, cap: bool = True) -> None:
    rng = random.Random(7)
    kind = ("with site boilerplate, " + ("postings capped" if cap else "no cap")) if boilerplate else "synthetic"
    print(f"\nLookup time per document ({kind}; median of 5 runs of 400 lookups):")
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            started = time.perf_counter()
            fresh = None
            if boilerplate:
                stored, fresh = build_boilerplate_store(Path(tmp), size, rng, cap)
            else:
                stored = build_synthetic_store(Path(tmp), size, rng)
            built = time.perf_counter() - started
            if not cap:
                dedup.MAX_POSTINGS = 1 << 62  # the lookup as it was: every posting read
            seconds = lookup_time(Path(tmp), stored, rng, fresh=fresh)
            db_size = (Path(tmp) / "corpus.db").stat().st_size
        results.append(seconds)
        print(
            f"{size:>10,} documents: {seconds * 1e3:7.3f} ms/lookup  (built in {built:.0f} s, {db_size / 1e6:,.0f} MB)"
        )
    target = "1.5x" if boilerplate else "2x"
    print(f"ratio largest/smallest: {results[-1] / results[0]:.2f}x (target < {target})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sizes", default="10000,1000000", help="stored documents for the scale test")
    parser.add_argument("--workdir", type=Path, default=None, help="where the scale test's databases go")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--boilerplate", action="store_true", help="scale test with each site's chrome in its samples")
    parser.add_argument("--no-cap", action="store_true", help="with --boilerplate: every posting stored and read")
    args = parser.parse_args()
    if not args.boilerplate:
        quality(args.shared)
    if not args.skip_scale:
        scale([int(s) for s in args.sizes.split(",")], args.workdir, args.boilerplate, not args.no_cap)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extraction quality: crawler/extract.py against plain trafilatura and readability-lxml.

Usage: .venv/bin/python bench/extraction.py [--data ../shared/data/aeb] [--folds 5]

Scores every extractor on a folder in the article-extraction-benchmark
layout (``html/<id>.html.gz`` and ``ground-truth.json``) with the
benchmark's published method: word tokens (regex ``\\w+``), 4-token
shingles counted as a multiset; per page TP/FP/FN normalised to sum to 1;
summed over pages; precision, recall, F1. "Accuracy" is the share of pages
whose token lists match exactly.

``--folds K`` cross-validates the choices crawler/extract.py makes (how much
of a paragraph readability must confirm, when readability's longer text is
taken instead): the pages are split into K folds by site (a site's pages
stay together), each fold's choice is made on the other folds' pages, and
the held-out fold's F1 is printed, with trafilatura's defaults on the same
pages beside it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORD = re.compile(r"\w+")


def shingles(text: str) -> tuple[Counter, list[str]]:
    tokens = WORD.findall(text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(0, len(tokens) - 3))), tokens


def score(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """(predicted, expected) texts -> precision, recall, f1, accuracy."""
    tp = fp = fn = 0.0
    exact = 0
    for predicted, expected in pairs:
        p, p_tokens = shingles(predicted)
        e, e_tokens = shingles(expected)
        both = sum((p & e).values())
        extra = sum((p - e).values())
        missing = sum((e - p).values())
        total = both + extra + missing
        if total:
            tp, fp, fn = tp + both / total, fp + extra / total, fn + missing / total
        exact += p_tokens == e_tokens
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": exact / len(pairs)}


def decode(raw: bytes) -> str:
    from trafilatura.utils import decode_file

    return decode_file(raw)


def ours(html: str, url: str) -> str:
    from crawler.extract import ExtractionError, extract_article

    try:
        return extract_article(html, url).body
    except ExtractionError:
        return ""


def trafilatura_defaults(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def readability_lxml(html: str, url: str) -> str:
    import lxml.html
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content()
    except Exception:  # readability raises on empty or odd documents
        return ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "seedcrawl (crawler/extract.py)": ours,
    "trafilatura.extract defaults": trafilatura_defaults,
    "readability-lxml": readability_lxml,
}


# The choices cross-validated: confirmed_paragraphs(shared=..., trigrams=..., fallback=...).
# The first is the shipped default: a fold whose training pages cannot tell
# choices apart keeps it.
CHOICES = [{"shared": 0.5, "trigrams": 0.5, "fallback": 1.5}] + [
    {"shared": shared, "trigrams": trigrams, "fallback": fallback}
    for shared in (0.3, 0.5, 0.7)
    for trigrams in (None, 0.3, 0.5, 0.7)
    for fallback in (None, 1.5, 2.0)
    if (shared, trigrams, fallback) != (0.5, 0.5, 1.5)
]


def folds_by_site(truth: dict[str, dict[str, str]], k: int) -> dict[str, int]:
    """Page id -> fold; sites in a fixed pseudo-random order, dealt round-robin."""
    from crawler.boilerplate import site_of

    sites = sorted({site_of(v["url"]) for v in truth.values()}, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    fold_of_site = {s: i % k for i, s in enumerate(sites)}
    return {key: fold_of_site[site_of(v["url"])] for key, v in truth.items()}


def cross_validate(truth: dict[str, dict[str, str]], pages: dict[str, str], k: int) -> None:
    from crawler.extract import ExtractionError, confirm, draft_article

    outputs: dict[int, dict[str, str]] = {i: {} for i in range(len(CHOICES))}
    for key in truth:
        try:
            draft = draft_article(pages[key], truth[key]["url"])
        except ExtractionError:
            draft = None
        for i, choice in enumerate(CHOICES):
            outputs[i][key] = confirm(draft, pages[key], **choice).body if draft else ""
    plain = {key: trafilatura_defaults(pages[key], truth[key]["url"]) for key in truth}
    fold = folds_by_site(truth, k)

    def f1(i: int, keys: list[str]) -> float:
        return score([(outputs[i][key], truth[key]["articleBody"]) for key in keys])["f1"]

    print(f"{k}-fold cross-validation by site: each fold's choice made on the other folds")
    print(f"{'fold':<6}{'pages':>6}{'chosen (words, trigrams, fallback)':>36}{'held-out F1':>13}{'trafilatura':>13}")
    for held in range(k):
        train = [key for key in truth if fold[key] != held]
        test = [key for key in truth if fold[key] == held]
        best = max(range(len(CHOICES)), key=lambda i: (f1(i, train), i == 0))
        chosen = ", ".join(str(v) for v in CHOICES[best].values())
        base = score([(plain[key], truth[key]["articleBody"]) for key in test])["f1"]
        print(f"{held:<6}{len(test):>6}{chosen:>36}{f1(best, test):>13.4f}{base:>13.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "aeb")
    parser.add_argument("--folds", type=int, help="cross-validate extract.py's choices in this many folds")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {k: decode(gzip.decompress((args.data / "html" / f"{k}.html.gz").read_bytes())) for k in truth}
    if args.folds:
        cross_validate(truth, pages, args.folds)
        return 0
    print(f"{len(pages)} pages from {args.data}")
    print(f"{'extractor':<32}{'F1':>7}{'precision':>11}{'recall':>8}{'accuracy':>10}{'s/page':>8}")
    for name, extractor in EXTRACTORS.items():
        start = time.perf_counter()
        pairs = [(extractor(pages[k], truth[k]["url"]), truth[k]["articleBody"]) for k in truth]
        seconds = (time.perf_counter() - start) / len(pages)
        m = score(pairs)
        print(
            f"{name:<32}{m['f1']:>7.4f}{m['precision']:>11.4f}{m['recall']:>8.4f}{m['accuracy']:>10.3f}{seconds:>8.3f}"
        )
    print("published (all 181 pages): trafilatura 2.0.0 F1 0.958, readability-lxml 0.922; target for ours: >= 0.97")
    return 0


if __name__ == "__main__":
    sys.exit(main())

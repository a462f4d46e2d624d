"""Extraction quality: crawler/extract.py against plain trafilatura and readability-lxml.

Usage: .venv/bin/python bench/extraction.py [--data ../shared/data/aeb]

Scores every extractor on a folder in the article-extraction-benchmark
layout (``html/<id>.html.gz`` and ``ground-truth.json``) with the
benchmark's published method: word tokens (regex ``\\w+``), 4-token
shingles counted as a multiset; per page TP/FP/FN normalised to sum to 1;
summed over pages; precision, recall, F1. "Accuracy" is the share of pages
whose token lists match exactly. Needs readability-lxml (pip install
readability-lxml); it is not a dependency of seedcrawl.
"""

from __future__ import annotations

import argparse
import gzip
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "aeb")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {k: decode(gzip.decompress((args.data / "html" / f"{k}.html.gz").read_bytes())) for k in truth}
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

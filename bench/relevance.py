"""Relevance quality: precision, recall, F1, ROC AUC against a keyword baseline.

Usage: .venv/bin/python bench/relevance.py [--shared ../shared/data]

Evaluation set, real text only, English (the crawl's default language):
- positives: the five seeds, each scored by a model fitted on the other four
  (leave-one-out), and the hand-labelled relevant UK Huawei-ban articles;
- negatives: the hand-labelled off-topic articles (hard negatives that
  mention Huawei in passing), the off-topic cybersecurity news, and the
  121 article bodies of the extraction benchmark (real unrelated news).
The model is fitted on the seeds only: nothing in the evaluation set is
seen in training (the seeds are held out one at a time).

Baseline: the rule a Google Alert user would write, a vendor name (Huawei,
ZTE) AND a security word.

Also prints the time to refit the model on 1,000 documents.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extract import detect_language  # noqa: E402
from crawler.relevance import TopicModel  # noqa: E402
from crawler.seedfile import read_seed, seed_files  # noqa: E402
from crawler.sources import SCHEMA  # noqa: E402

THRESHOLD = SCHEMA["relevance"]["threshold"].default
VENDOR = re.compile(r"\b(huawei|zte)\b", re.I)
SECURITY = re.compile(r"\b(security|cyber\w*|spy\w*|espionage|backdoor\w*|surveillance|threat\w*|ban\w*)\b", re.I)


def baseline(text: str) -> float:
    return 1.0 if VENDOR.search(text) and SECURITY.search(text) else 0.0


def evaluation_set(shared: Path) -> tuple[list[str], list[tuple[str, str, int]]]:
    """(seed texts, [(id, text, label)]) with label 1 relevant, 0 off topic."""
    seeds = [read_seed(p).text for p in seed_files(ROOT / "tests" / "data" / "seeds")]
    items = []
    for line in (shared / "relevance" / "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["lang"] == "en":
            items.append((row["id"], row["title"] + "\n" + row["text"], int(row["label"] == "relevant")))
    truth = json.loads((shared / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for key, value in truth.items():
        if detect_language(value["articleBody"]) == "en":
            items.append((f"aeb-{key[:8]}", value["articleBody"], 0))
    return seeds, items


def metrics(scores: list[float], labels: list[int], threshold: float) -> dict[str, float]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "auc": roc_auc(scores, labels), "fp": fp, "fn": fn}


def roc_auc(scores: list[float], labels: list[int]) -> float:
    """Probability that a random positive outscores a random negative (ties half)."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    seeds, items = evaluation_set(args.shared)

    model = TopicModel.fit(seeds, THRESHOLD)
    ids = [f"seed-{i}" for i in range(len(seeds))] + [i for i, _, _ in items]
    labels = [1] * len(seeds) + [y for _, _, y in items]
    texts = seeds + [t for _, t, _ in items]
    ours = [TopicModel.fit(seeds[:i] + seeds[i + 1 :], THRESHOLD).judge(s).score for i, s in enumerate(seeds)]
    ours += [model.judge(t).score for _, t, _ in items]
    base = [baseline(t) for t in texts]

    print(f"Evaluation set: {sum(labels)} relevant, {len(labels) - sum(labels)} off topic (English, real text)")
    print(f"{'':<26}{'precision':>10}{'recall':>8}{'F1':>7}{'ROC AUC':>9}{'FP':>5}{'FN':>5}")
    for name, scores, threshold in (
        (f"seedcrawl (t={THRESHOLD:.2f})", ours, THRESHOLD),
        ("keyword baseline", base, 1.0),
    ):
        m = metrics(scores, labels, threshold)
        print(
            f"{name:<26}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}{m['auc']:>9.3f}{m['fp']:>5}{m['fn']:>5}"
        )
    print("targets: precision >= 0.90 and recall >= 0.90 at the default threshold")

    misses = sorted((s, i, y) for s, i, y in zip(ours, ids, labels, strict=True) if (s >= THRESHOLD) != bool(y))
    if misses:
        print("\nMistakes at the default threshold (score, id, label):")
        for score, ident, label in misses:
            print(f"  {score:.3f}  {ident}  {'relevant' if label else 'off topic'}")

    corpus = (texts * (1000 // len(texts) + 1))[:1000]
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        TopicModel.fit(corpus[:500], THRESHOLD, negatives=corpus[500:])
        timings.append(time.perf_counter() - start)
    print(f"\nRefit on 1,000 documents (500 positive, 500 negative): median {statistics.median(timings):.3f} s of 5")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

First pass (crawler/analysis.py): each relevant text is put into the real
page chrome of five extraction-benchmark pages (its paragraphs replace the
page's own article paragraphs, as <p> and again as <div> elements); the
pages themselves are the off-topic set. Prints how many pages the full
extraction would queue are lost by the first pass at each cutoff, and how
many off-topic pages skip the full extraction.

Also prints the time to refit the model on 1,000 documents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.analysis import SECOND_OPINION_SHARE  # noqa: E402
from crawler.extract import ExtractionError, confirm, detect_language, draft_article, previews  # noqa: E402
from crawler.relevance import FIRST_PASS_SHARE, TopicModel  # noqa: E402
from crawler.seedfile import read_seed, seed_files  # noqa: E402
from crawler.sources import SCHEMA  # noqa: E402
from tests.chrome import with_article  # noqa: E402

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


def first_pass_report(shared: Path, model: TopicModel, relevant: list[str]) -> None:
    truth = json.loads((shared / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {k: gzip.decompress((shared / "aeb" / "html" / f"{k}.html.gz").read_bytes()) for k in sorted(truth)}
    chromes = [k for k in pages if with_article(pages[k], truth[k]["articleBody"], "a\nb", "p") is not None]

    def preview_score(html: bytes) -> float:
        """The score crawler.analysis.screen compares with the cutoff."""
        return max(model.first_pass(text).score for text in previews(html))

    def scores(html: bytes) -> tuple[float, float]:
        """(score before the second opinion, score after it)."""
        try:
            draft = draft_article(html, "http://127.0.0.1/")
        except ExtractionError:
            return 0.0, 0.0
        return model.judge(draft.text).score, model.judge(confirm(draft, html).text).score

    kept: list[tuple[float, float]] = []  # (first-pass score, unconfirmed score) of pages the full path queues
    for j, text in enumerate(relevant):
        for m in range(5):
            key = chromes[(5 * j + 7 * m) % len(chromes)]
            for tag in ("p", "div"):
                html = with_article(pages[key], truth[key]["articleBody"], text, tag)
                draft, final = scores(html)
                if final >= model.threshold:
                    kept.append((preview_score(html), draft))
    off = [preview_score(html) for html in pages.values()]
    print(f"\nFirst pass: {len(kept)} pages the full extraction queues (relevant texts in real page chrome,")
    print(f"as <p> and <div>), {len(off)} real off-topic pages")
    print(f"{'share of threshold':>20}{'cutoff':>8}{'queued pages lost':>19}{'off-topic skipped':>19}")
    for share in (0.2, 0.25, FIRST_PASS_SHARE, 0.35, 0.4):
        cutoff = share * model.threshold
        lost = sum(score < cutoff for score, _ in kept)
        skipped = sum(score < cutoff for score in off) / len(off)
        mark = "  (default)" if share == FIRST_PASS_SHARE else ""
        print(f"{share:>20.2f}{cutoff:>8.3f}{lost:>19}{skipped:>19.2f}{mark}")

    # Past the first pass, readability's opinion is asked only for pages whose
    # unconfirmed text scores at least SECOND_OPINION_SHARE of the threshold.
    past = [html for html, score in zip(pages.values(), off, strict=True) if score >= model.first_pass_cutoff]
    passed = [scores(html)[0] for html in past]
    lowest = min(draft for _, draft in kept) / model.threshold
    print(f"\nSecond opinion: lowest unconfirmed score of a queued page {lowest:.2f} x threshold; of the")
    print(f"{len(passed)} off-topic pages past the first pass, at each share of the threshold, skip readability:")
    for share in (0.6, 0.7, SECOND_OPINION_SHARE, 0.9):
        lost = sum(draft < share * model.threshold for _, draft in kept)
        skipped = sum(draft < share * model.threshold for draft in passed) / max(1, len(passed))
        mark = "  (default)" if share == SECOND_OPINION_SHARE else ""
        print(f"  {share:.1f}: queued pages lost {lost}, off-topic pages skipping readability {skipped:.2f}{mark}")


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

    relevant = [t for _, t, y in items if y] + seeds
    first_pass_report(args.shared, model, relevant)

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

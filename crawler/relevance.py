"""Is a page on the seeds' topic? A score in [0, 1] and the words that earned it.

Learned from the review too: accepted candidates join the positives, and a
page that looks more like the rejected candidates than like the positives
loses score, so the next crawl scores that kind of page lower.

The model is learned from the seed texts, never from a hand-made word
list: each word is weighted by how surprising it is in the language at
large (its information content, -log of its frequency in wordfreq's
background data, looked up through crawler.frequencies), so "the" and
"said" count for little and "Huawei", "telecom", "espionage" for much. A
page's score is the cosine similarity of its weighted word vector with the
centroid of the seed vectors. Pointing seeds/ at another topic changes the
centroid and nothing else.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .frequencies import word_frequency
from .seedfile import read_seed, seed_files

# Words of two characters or more: a letter first, a letter or digit last,
# inner apostrophes, dots and hyphens kept (u.s, zte's, covid-19).
_WORD = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]")
# Frequency floor for words wordfreq has never seen (names, typos).
_UNSEEN_FREQUENCY = 1e-8
REASON_TERMS = 8
REASON_MIN_INFORMATION = -math.log(5e-4)  # rarer than about 1 word in 2,000
# A page closer to the rejected pages than to the positives loses this many
# times the difference in similarity.
NEGATIVE_WEIGHT = 1.0
# The first pass (first_pass) lets a page through to the full extraction
# when its rare seed words score at least this share of the threshold.
# Chosen on bench/relevance.py (real relevant texts set in the chrome of real
# pages, as <p> and as <div>): at 0.3 none of the 274 pages the full path
# queues is lost and 80% of real off-topic pages skip the full extraction;
# at 0.4 two would be lost.
FIRST_PASS_SHARE = 0.3


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two characters or more."""
    return _WORD.findall(text.lower())


# Recently used words: ~220 bytes each in every crawl process (at 200,000 a
# long crawl's processes grew by 45 MB each); a miss costs ~3 us.
@functools.lru_cache(maxsize=50_000)
def information(word: str, language: str = "en") -> float:
    """-log(frequency in general language): how much a word tells."""
    return -math.log(max(word_frequency(word, language), _UNSEEN_FREQUENCY))


def weigh(text: str, language: str = "en") -> dict[str, float]:
    """Unit-length vector: sublinear term frequency times information."""
    counts = Counter(tokenize(text))
    vector = {w: (1 + math.log(n)) * information(w, language) for w, n in counts.items()}
    norm = math.sqrt(sum(x * x for x in vector.values()))
    return {w: x / norm for w, x in vector.items()} if norm else {}


def _contributions(vector: dict[str, float], centroid: dict[str, float]) -> dict[str, float]:
    """Each shared word's part of the cosine between a unit vector and a centroid."""
    return {w: x * centroid[w] for w, x in vector.items() if w in centroid}


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(x * x for x in vector.values()))
    return {w: x / norm for w, x in vector.items()} if norm else {}


def _mean_vector(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: Counter[str] = Counter()
    count = 0
    for vector in vectors:
        if vector:
            total.update(vector)
            count += 1
    return {w: x / count for w, x in total.items()} if count else {}


@dataclass(frozen=True)
class Verdict:
    score: float
    relevant: bool
    terms: tuple[tuple[str, float], ...]  # (word, share of the score), best first
    penalty: float = 0.0  # taken off for looking like rejected pages
    like_rejected: tuple[tuple[str, float], ...] = ()

    @property
    def reason(self) -> str:
        """One line a person can read: the words that earned the score."""
        if not self.terms:
            text = "shares no distinctive words with the seeds"
        else:
            text = "seed words: " + ", ".join(f"{w} {share:.0%}" for w, share in self.terms)
        if self.penalty:
            words = ", ".join(w for w, _ in self.like_rejected)
            text += f"; -{self.penalty:.3f} for looking like rejected pages ({words})"
        return text


class TopicModel:
    """Cosine similarity to the positives' centroid, less a penalty for pages
    closer to the rejected ones than to the positives."""

    def __init__(
        self, centroid: dict[str, float], threshold: float, language: str = "en",
        rejected: dict[str, float] | None = None,
    ) -> None:  # fmt: skip
        self.centroid = centroid
        self.rejected = rejected or {}
        self.threshold = threshold
        self.language = language

    @classmethod
    def fit(
        cls,
        positives: Iterable[str],
        threshold: float,
        negatives: Iterable[str] = (),
        language: str = "en",
    ) -> TopicModel:
        """Centroids of the positive and the negative (rejected) texts.

        Subtracting the negatives from the positives (Rocchio) was tried
        first: rejecting phone reviews that name the vendor took weight off
        the vendor's name itself and pushed real coverage under the
        threshold. Two centroids keep what the seeds are about intact and
        penalise only pages that look more like what was rejected.
        """
        centroid = _unit(_mean_vector(weigh(text, language) for text in positives))
        if not centroid:
            raise ValueError("the relevance model needs at least one non-empty seed text")
        rejected = _unit(_mean_vector(weigh(text, language) for text in negatives))
        return cls(centroid, threshold, language, rejected)

    @classmethod
    def from_seeds(cls, seeds_dir: Path, threshold: float, language: str = "en") -> TopicModel:
        return cls.fit((read_seed(p).text for p in seed_files(seeds_dir)), threshold, language=language)

    @classmethod
    def from_corpus(cls, seeds_dir: Path, db: Any, threshold: float, language: str = "en") -> TopicModel:
        """The model the crawl uses: the seeds (accepted candidates are among
        them) as positives, every rejected candidate as a negative."""
        positives = [read_seed(p).text for p in seed_files(seeds_dir)]
        negatives: list[str] = []
        if db is not None and "documents" in db.table_names():
            positives += [r["text"] for r in db.query("select text from documents where status = 'accepted'")]
            negatives = [r["text"] for r in db.query("select text from documents where status = 'rejected'")]
        return cls.fit(dict.fromkeys(positives), threshold, negatives=negatives, language=language)

    def similarity(self, text: str) -> tuple[float, dict[str, float]]:
        parts = _contributions(weigh(text, self.language), self.centroid)
        return min(1.0, sum(parts.values())), parts

    def judge(self, text: str) -> Verdict:
        vector = weigh(text, self.language)
        parts = _contributions(vector, self.centroid)
        positive = min(1.0, sum(parts.values()))
        penalty, like_rejected = 0.0, ()
        if self.rejected:
            negative_parts = _contributions(vector, self.rejected)
            penalty = NEGATIVE_WEIGHT * max(0.0, sum(negative_parts.values()) - positive)
            if penalty:
                like_rejected = self._telling(negative_parts, sum(negative_parts.values()))[:4]
        score = max(0.0, positive - penalty)
        terms = self._telling(parts, positive) if positive else ()
        return Verdict(round(score, 4), score >= self.threshold, terms, round(penalty, 4), like_rejected)

    @property
    def first_pass_cutoff(self) -> float:
        return FIRST_PASS_SHARE * self.threshold

    def first_pass(self, preview: str) -> Verdict:
        """Is a page worth reading in full? Judged on a cheap preview.

        A preview (extract.previews) still holds navigation, teasers and
        footers, which dilute the cosine of a relevant article below the
        threshold. The part of the score earned by rare words (the ones a
        reason names) is what separates topics, so it alone is compared
        with a fraction of the threshold: generous on purpose, as a page
        dropped here is never read.
        """
        parts = {
            w: x
            for w, x in _contributions(weigh(preview, self.language), self.centroid).items()
            if information(w, self.language) >= REASON_MIN_INFORMATION
        }
        score = sum(parts.values())
        terms = self._telling(parts, score) if score else ()
        return Verdict(round(score, 4), score >= self.first_pass_cutoff, terms)

    def _telling(self, parts: dict[str, float], total: float) -> tuple[tuple[str, float], ...]:
        # The reason names the telling words; "its" and "said" add a little to
        # every score and would only crowd the explanation.
        telling = ((w, x) for w, x in parts.items() if information(w, self.language) >= REASON_MIN_INFORMATION)
        best = sorted(telling, key=lambda item: item[1], reverse=True)[:REASON_TERMS]
        return tuple((w, x / total) for w, x in best)

    def link_priority(self, parent_score: float, anchor: str, url: str) -> int:
        """Best-first order for a link: its page's score plus its own words'.

        Scrapy pops higher priorities first; the anchor text and the words in
        the URL path are a cheap preview of what the link leads to.
        """
        words = anchor + " " + re.sub(r"[^A-Za-z]+", " ", url.split("//", 1)[-1].split("/", 1)[-1])
        link_score, _ = self.similarity(words)
        return int(round(100 * parent_score + 100 * link_score))

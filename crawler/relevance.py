"""Is a page on the seeds' topic? A score in [0, 1] and the words that earned it.

The model is learned from the seed texts, never from a hand-made word
list: each word is weighted by how surprising it is in the language at
large (its information content, -log of its frequency in wordfreq's
background data), so "the" and "said" count for little and "Huawei",
"telecom", "espionage" for much. A page's score is the cosine similarity of
its weighted word vector with the centroid of the seed vectors. Pointing
seeds/ at another topic changes the centroid and nothing else.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wordfreq import word_frequency

from .seedfile import read_seed, seed_files

# Words: letters first, inner apostrophes, dots and hyphens kept (u.s, zte's).
_WORD = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]")
# Frequency floor for words wordfreq has never seen (names, typos).
_UNSEEN_FREQUENCY = 1e-8
REASON_TERMS = 8


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two letters or more."""
    words = (w.strip(".'’-") for w in _WORD.findall(text.lower()))
    return [w for w in words if len(w) > 1]


@functools.lru_cache(maxsize=200_000)
def information(word: str, language: str = "en") -> float:
    """-log(frequency in general language): how much a word tells."""
    return -math.log(max(word_frequency(word, language), _UNSEEN_FREQUENCY))


def weigh(text: str, language: str = "en") -> dict[str, float]:
    """Unit-length vector: sublinear term frequency times information."""
    counts = Counter(tokenize(text))
    vector = {w: (1 + math.log(n)) * information(w, language) for w, n in counts.items()}
    norm = math.sqrt(sum(x * x for x in vector.values()))
    return {w: x / norm for w, x in vector.items()} if norm else {}


@dataclass(frozen=True)
class Verdict:
    score: float
    relevant: bool
    terms: tuple[tuple[str, float], ...]  # (word, share of the score), best first

    @property
    def reason(self) -> str:
        """One line a person can read: the words that earned the score."""
        if not self.terms:
            return "shares no distinctive words with the seeds"
        words = ", ".join(f"{w} {share:.0%}" for w, share in self.terms)
        return f"seed words: {words}"


class TopicModel:
    """Cosine similarity to the centroid of the positive examples."""

    def __init__(self, centroid: dict[str, float], threshold: float, language: str = "en") -> None:
        self.centroid = centroid
        self.threshold = threshold
        self.language = language

    @classmethod
    def fit(cls, positives: Iterable[str], threshold: float, language: str = "en") -> TopicModel:
        vectors = [weigh(text, language) for text in positives]
        vectors = [v for v in vectors if v]
        if not vectors:
            raise ValueError("the relevance model needs at least one non-empty seed text")
        centroid: Counter[str] = Counter()
        for vector in vectors:
            centroid.update(vector)
        norm = math.sqrt(sum(x * x for x in centroid.values()))
        return cls({w: x / norm for w, x in centroid.items()}, threshold, language)

    @classmethod
    def from_seeds(cls, seeds_dir: Path, threshold: float, language: str = "en") -> TopicModel:
        return cls.fit((read_seed(p).text for p in seed_files(seeds_dir)), threshold, language)

    def similarity(self, text: str) -> tuple[float, dict[str, float]]:
        vector = weigh(text, self.language)
        parts = {w: x * self.centroid[w] for w, x in vector.items() if w in self.centroid}
        return min(1.0, sum(parts.values())), parts

    def judge(self, text: str) -> Verdict:
        score, parts = self.similarity(text)
        best = sorted(parts.items(), key=lambda item: item[1], reverse=True)[:REASON_TERMS]
        terms = tuple((w, x / score) for w, x in best) if score else ()
        return Verdict(round(score, 4), score >= self.threshold, terms)

    def link_priority(self, parent_score: float, anchor: str, url: str) -> int:
        """Best-first order for a link: its page's score plus its own words'.

        Scrapy pops higher priorities first; the anchor text and the words in
        the URL path are a cheap preview of what the link leads to.
        """
        words = anchor + " " + re.sub(r"[^A-Za-z]+", " ", url.split("//", 1)[-1].split("/", 1)[-1])
        link_score, _ = self.similarity(words)
        return int(round(100 * parent_score + 100 * link_score))

"""The counts the relevance model is fitted from, kept between fits.

A refit used to read and count every seed and decided text at each crawl's
start: after a year, 5,000 seeds and 10,000 decisions, 14 s. Counts add up,
so they are kept (in the store, as JSON) with the content hashes of the
texts they cover, and a refit reads and counts only the texts new since the
last one. A text that left the corpus (a seed deleted or edited, a decision
undone) is taken out by counting it again and subtracting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .words import SENTENCE_MARKS, WORD, stem, tokenize

# Bumped when what is counted changes: older kept counts are then recounted.
COUNTS_VERSION = 1


@dataclass
class Counts:
    """What a set of texts says, as the relevance model reads it."""

    forms: Counter[str] = field(default_factory=Counter)  # lower-cased word -> uses
    used_by: Counter[str] = field(default_factory=Counter)  # stem -> texts using it
    inside: Counter[str] = field(default_factory=Counter)  # word -> uses inside a sentence (not first)
    capitalised: Counter[str] = field(default_factory=Counter)  # of those, written with a capital
    members: set[str] = field(default_factory=set)  # content hashes of the texts counted

    @classmethod
    def of(cls, texts: Iterable[str], language: str = "en") -> Counts:
        counts = cls()
        for number, text in enumerate(texts):
            counts.add(str(number), text, language)
        return counts

    @property
    def texts(self) -> int:
        return len(self.members)

    def add(self, digest: str, text: str, language: str = "en") -> None:
        """Count a text once (a hash already counted is passed over)."""
        if digest in self.members:
            return
        self.members.add(digest)
        forms, stems, inside, capitalised = _counted(text, language)
        self.forms.update(forms)
        self.used_by.update(stems)
        self.inside.update(inside)
        self.capitalised.update(capitalised)

    def remove(self, digest: str, text: str, language: str = "en") -> None:
        """Take a counted text out again (its counts follow from its text)."""
        if digest not in self.members:
            return
        self.members.discard(digest)
        forms, stems, inside, capitalised = _counted(text, language)
        for total, part in ((self.forms, forms), (self.used_by, Counter(stems)), (self.inside, inside),
                            (self.capitalised, capitalised)):  # fmt: skip
            total.subtract(part)
            for key in part:
                if total[key] <= 0:
                    del total[key]

    def capitalised_share(self, language: str = "en") -> dict[str, float]:
        """Per stem: the share of its uses inside a sentence written with a
        capital letter. Names are written so; other words only at the start."""
        inside: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        for word, count in self.inside.items():
            key = stem(word, language)
            inside[key] += count
            capitalised[key] += self.capitalised.get(word, 0)
        return {key: capitalised[key] / count for key, count in inside.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": COUNTS_VERSION, "forms": self.forms, "used_by": self.used_by, "inside": self.inside,
            "capitalised": self.capitalised, "members": sorted(self.members),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts | None:
        """Kept counts, or None when they were counted another way."""
        if not isinstance(data, dict) or data.get("version") != COUNTS_VERSION:
            return None
        return cls(
            Counter(data["forms"]), Counter(data["used_by"]), Counter(data["inside"]), Counter(data["capitalised"]),
            set(data["members"]),
        )  # fmt: skip


def _counted(text: str, language: str) -> tuple[Counter[str], set[str], Counter[str], Counter[str]]:
    """A text's word forms, the stems it uses, and its words inside sentences
    (all, and those written with a capital)."""
    words = tokenize(text)
    inside: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    for match in WORD.finditer(text):
        start = match.start()
        if start == 0:
            continue
        # The first word of a sentence or line is capitalised anyway: after
        # one of SENTENCE_MARKS and nothing but blanks (three characters back).
        before = text[max(0, start - 3) : start]
        stripped = before.rstrip()
        if "\n" in before[len(stripped) :] or (stripped and stripped[-1] in SENTENCE_MARKS):
            continue
        word = match.group()
        inside[word.lower()] += 1
        if word[0].isupper():
            capitalised[word.lower()] += 1
    return Counter(words), {stem(word, language) for word in set(words)}, inside, capitalised

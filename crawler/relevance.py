"""Is a page on the seeds' topic? A score in [0, 1] and the words that earned it.

The model is learned from the seed texts, never from a hand-made word list.
What the seeds are about is read as two facets, both learned from them:

- the *names* they are about: words the seeds write with a capital letter
  inside a sentence (Huawei, ZTE, China; a reef's or a species' name);
- what they *say* about them: the other words the seeds use far more than
  language at large does (security, spying, concerns, equipment).

Each word's weight is its log-likelihood ratio, seeds against wordfreq's
frequencies for the language (how much more the seeds use it than language
at large does), times the share of seeds that use it, squared (a word of
one seed alone says little about what they share). Words more common than 1
in 1,000 (function words) carry no weight.

A page is on topic when some passage of it (a window of about 60 words,
with the title) carries both facets about as strongly as the seeds' own
passages do. That is what tells "vendor + security concern" from "vendor
+ new phone" (a name, few concern words) and from "security without the
vendor" (concern words, none of the names), and what makes the score
independent of length: a two-sentence wire item is one passage, a long
article is judged by its best one. One strong name is enough, whatever
the passage's length; concern words add up, so a passage's concerns are
measured against what the seeds' passages of its size carry. Seeds
without names of their own (a topic that is all concepts) are judged on
the second facet alone.

Learned from the review too: accepted candidates join the positives (their
words become the topic's words); words typical of rejected candidates
count against a passage by how much more often the rejected use them than
the positives do, so rejecting phone reviews makes the next phone review
score lower while coverage of the topic keeps its score.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .frequencies import word_frequency
from .seedfile import read_seeds
from .topic_counts import Counts
from .words import sentences, stem, terms

# Frequency floor for words wordfreq has never seen (names, typos).
_UNSEEN_FREQUENCY = 1e-8
# Words more common than this in language at large (the, its, said) are
# function words: in every passage of every text, they tell nothing.
FUNCTION_WORD_FREQUENCY = 1e-3
# A word the seeds write capitalised inside sentences this often is a name.
NAME_CAPITALISED_SHARE = 0.6
# Below this share of the seeds' weight, names are not a facet of their own.
MIN_NAME_SHARE = 0.1
# Dirichlet smoothing of the seeds' word distribution towards the language's
# (a pseudo-count, in words): a word used once is not yet a topic word.
SMOOTHING = 500
# A passage: about this many words of consecutive sentences, plus the title.
PASSAGE_WORDS = 60
# The passage sizes (words) at which the seeds' passages are measured for the
# concerns facet, the last the size a long text is cut into: fewer words
# carry fewer concern words, so a passage is held to what the seeds'
# passages of its size carry (interpolated by distinct words). Names are not
# scaled: one strong name suffices at any length (NAME_DECAY).
SCALE_SIZES = (10, 20, 30, 40, PASSAGE_WORDS)
# The shorter sizes are measured on at most this many yardstick texts: their
# medians settle long before, and a year's refit would read 500 texts 4 more times.
SCALE_TEXTS = 100
# Evidence of a facet in a passage: its words' weights, strongest first, the
# k-th counted with decay**k. One strong name suffices (China, U.S. and
# Chinese together are not Huawei); concern words add up, with diminishing
# returns.
NAME_DECAY = 0.3
CONCEPT_DECAY = 0.9
REASON_TERMS = 8
# A reason leaves out words that earned less than this share of the score
# ("tuesday 0%" explains nothing); the strongest word is always named.
REASON_MIN_SHARE = 0.01
# Rejections needed before what they share counts half (the evidence of
# rejected candidates is shrunk by n / (n + this)).
REJECTION_PRIOR = 3
# The crawl's first pass (crawler.analysis) lets a preview through at this
# share of the threshold (bench/relevance.py: no queued page lost up to 0.7).
FIRST_PASS_SHARE = 0.5


@functools.lru_cache(maxsize=50_000)
def _frequency(word: str, language: str) -> float:
    return max(word_frequency(word, language), _UNSEEN_FREQUENCY)


def passages(text: str, size: int = PASSAGE_WORDS, titled: bool = True, language: str = "en") -> list[set[str]]:
    """The word sets of a text's passages: consecutive sentences of about
    ``size`` words (one sentence shared with the next passage), each with
    the title's words. A text shorter than that is one passage."""
    return windows(*_read(text, titled, language), size)


def _read(text: str, titled: bool, language: str) -> tuple[set[str], list[list[str]]]:
    """A text's title words and each sentence's words (the costly part: stems)."""
    title, found = sentences(text, titled)
    return set(terms(title, language)), [terms(sentence, language) for sentence in found]


def windows(title_words: set[str], sentence_words: list[list[str]], size: int) -> list[set[str]]:
    """The passages of sentences already read (see ``passages``)."""
    found: list[set[str]] = []
    current: list[list[str]] = []
    length = 0
    for words in sentence_words:
        current.append(words)
        length += len(words)
        if length >= size:
            found.append(title_words.union(*current))
            current = current[-1:]
            length = len(current[0])
    if current or not found:
        found.append(title_words.union(*current) if current else title_words)
    return found


def _decayed(weights: Iterable[float], decay: float) -> float:
    return sum(weight * decay**rank for rank, weight in enumerate(sorted(weights, reverse=True)))


def specific_words(
    counted: Counts, language: str, against: Callable[[str, str], float] | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """Stems the texts use more than language at large, weighted by how much
    more (log-likelihood ratio) and by the share of texts that use them, and
    each stem's commonest word, to show in reasons. Words are counted per
    form, then stemmed once each. ``against``: other frequencies to
    weigh them against (bench/relevance.py --background); function words
    are always language at large's."""
    background_frequency = against or _frequency
    used_by = counted.used_by
    counts: Counter[str] = Counter()
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for word, count in counted.forms.items():
        key = stem(word, language)
        counts[key] += count
        forms[key][word] += count
    total = sum(counts.values())
    weights = {}
    for key, count in counts.items():
        # The stem's frequency in language at large (or in ``against``): its words' together.
        background = min(1.0, sum(background_frequency(word, language) for word in forms[key]))
        if max(_frequency(word, language) for word in forms[key]) > FUNCTION_WORD_FREQUENCY:
            continue
        ratio = math.log((count + SMOOTHING * background) / ((total + SMOOTHING) * background))
        if ratio > 0:
            weights[key] = ratio * (used_by[key] / counted.texts) ** 2
    shown = {key: words.most_common(1)[0][0] for key, words in forms.items() if key in weights}
    return weights, shown


@dataclass(frozen=True)
class Verdict:
    score: float
    relevant: bool
    terms: tuple[tuple[str, float], ...]  # (word, share of the passage's evidence), best first
    penalty: float = 0.0  # taken off for looking like rejected pages
    like_rejected: tuple[tuple[str, float], ...] = ()
    missing: str = ""  # the facet a passage lacked, when it is the reason for a low score
    borderline: bool = False  # within the band around the threshold: a weak verdict

    @property
    def reason(self) -> str:
        """One line a person can read: the words that earned the score."""
        if not self.terms:
            text = "shares no distinctive words with the seeds"
        else:
            text = "seed words: " + ", ".join(f"{w} {share:.0%}" for w, share in self.terms)
        if self.missing:
            text += f"; {self.missing}"
        if self.penalty:
            words = ", ".join(w for w, _ in self.like_rejected)
            text += f"; -{self.penalty:.3f} for looking like rejected pages ({words})"
        return text


@dataclass(frozen=True)
class _Passage:
    raw: float
    names: float
    concepts: float
    penalty: float
    words: set[str]


class TopicModel:
    """Names x concerns, passage by passage; see the module's docstring."""

    def __init__(
        self, names: dict[str, float], concepts: dict[str, float], threshold: float, language: str = "en",
        rejected: dict[str, float] | None = None, reference: tuple[float, float] = (1.0, 1.0), band: float = 0.0,
        shown: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.names = names
        self.shown = shown or {}  # stem -> the word shown for it in reasons
        self.concepts = concepts
        self.rejected = rejected or {}
        self.threshold = threshold
        self.language = language
        self.band = band
        self.name_reference, self.concept_reference = reference
        # (distinct words, concept reference) of the seeds' passages at each of
        # SCALE_SIZES, fewest words first; empty: concept_reference for all.
        self.concept_scale: tuple[tuple[float, float], ...] = ()
        # A topic whose seeds name nothing in particular is judged on concepts alone.
        total = sum(names.values()) + sum(concepts.values())
        self.uses_names = total > 0 and sum(names.values()) / total >= MIN_NAME_SHARE

    @property
    def centroid(self) -> dict[str, float]:
        """Every weighted word of the topic (names and concepts)."""
        return {**self.concepts, **self.names}

    @classmethod
    def fit(
        cls, positives: Iterable[str], threshold: float, negatives: Iterable[str] = (), language: str = "en",
        band: float = 0.0, yardstick: int | None = None,
    ) -> TopicModel:  # fmt: skip
        """The two facets of the positives, and the words of the negatives
        (rejected candidates) that the positives do not share. The scale is
        set by the first ``yardstick`` positives (the seeds; all by default),
        so accepting a candidate adds words to the topic without moving it."""
        texts = [text for text in positives if text.strip()]
        rejected = [text for text in negatives if text.strip()]
        return cls.fit_counts(
            Counts.of(texts, language), Counts.of(rejected, language), texts[:yardstick] if yardstick else texts,
            threshold, language, band,
        )  # fmt: skip

    @classmethod
    def fit_counts(
        cls, positives: Counts, negatives: Counts, yardstick: Sequence[str], threshold: float, language: str = "en",
        band: float = 0.0,
    ) -> TopicModel:  # fmt: skip
        """The model from counted texts (crawler.topic_counts): the positives'
        facets, the negatives' words the positives never use, and the scale
        both facets are measured on, from the ``yardstick`` texts' passages."""
        if not positives.texts:
            raise ValueError("the relevance model needs at least one non-empty seed text")
        capitals = positives.capitalised_share(language)
        weights, shown = specific_words(positives, language)
        names = {w: x for w, x in weights.items() if capitals.get(w, 0.0) >= NAME_CAPITALISED_SHARE}
        concepts = {w: x for w, x in weights.items() if w not in names}
        if not names and not concepts:
            raise ValueError("the relevance model found no distinctive words in the seed texts")
        rejected = {}
        if negatives.texts:
            # A word counts against a page by how much more often rejected pages
            # use it than the positives do: not at all when the positives use it
            # as often (a rejected story about the topic's own subject must not
            # teach the model against its words), fully when they never do. The
            # topic's names never count against it, and one rejection teaches
            # less than several.
            confidence = negatives.texts / (negatives.texts + REJECTION_PRIOR)
            rejected_weights, rejected_shown = specific_words(negatives, language)
            for w, x in rejected_weights.items():
                share_rejected = negatives.used_by[w] / negatives.texts
                share_positive = positives.used_by[w] / positives.texts
                if w not in names and share_positive < share_rejected:
                    rejected[w] = x * confidence * (1 - share_positive / share_rejected)
            shown = {**rejected_shown, **shown}
        model = cls(names, concepts, threshold, language, rejected, band=band, shown=shown)
        # The scale of both facets: what the seeds' passages typically carry
        # (the concerns at each passage size; names at the full passage only).
        read = [_read(text, True, language) for text in yardstick]
        scale = []
        for size in SCALE_SIZES:
            texts = read if size == PASSAGE_WORDS else read[:SCALE_TEXTS]
            evidence = [
                (len(words), model._evidence(words))
                for title_words, sentence_words in texts
                for words in windows(title_words, sentence_words, size)
            ]
            if not evidence:
                continue
            concerns = statistics.median(e[1] for _, e in evidence) or 1.0
            scale.append((statistics.median(n for n, _ in evidence), concerns))
            if size == PASSAGE_WORDS:  # a long text's passages: both facets' own scale
                model.name_reference = statistics.median(e[0] for _, e in evidence) or 1.0
                model.concept_reference = concerns
        model.concept_scale = tuple(sorted(scale))
        return model

    @classmethod
    def from_seeds(cls, seeds_dir: Path, threshold: float, language: str = "en", band: float = 0.0) -> TopicModel:
        return cls.fit((seed.text for _, seed in read_seeds(seeds_dir)), threshold, language=language, band=band)

    @classmethod
    def from_corpus(
        cls, seeds_dir: Path, decided: tuple[Sequence[str], Sequence[str]] = ((), ()), threshold: float = 0.5,
        language: str = "en", band: float = 0.0,
    ) -> TopicModel:  # fmt: skip
        """The seeds and the accepted candidates as positives, the rejected
        ones as negatives (``decided``: the texts of both), every text counted
        now; crawler.refit fits the same model from counts kept in the store."""
        positives = [seed.text for _, seed in read_seeds(seeds_dir)]
        accepted, rejected = decided
        texts = list(dict.fromkeys([*positives, *accepted]))
        return cls.fit(texts, threshold, rejected, language, band, yardstick=len(positives))

    # -- judging ----------------------------------------------------------------------

    def _evidence(self, words: set[str]) -> tuple[float, float, float]:
        names = _decayed((self.names[w] for w in words if w in self.names), NAME_DECAY)
        concepts = _decayed((self.concepts[w] for w in words if w in self.concepts), CONCEPT_DECAY)
        penalty = _decayed((self.rejected[w] for w in words if w in self.rejected), CONCEPT_DECAY)
        return names, concepts, penalty

    def _concept_reference(self, size: int) -> float:
        """What the seeds' passages of ``size`` distinct words carry of the concerns."""
        scale = self.concept_scale
        if not scale:
            return self.concept_reference
        if size <= scale[0][0]:
            return scale[0][1]
        for (n0, reference0), (n1, reference1) in zip(scale, scale[1:], strict=False):
            if size <= n1:
                return reference0 + (reference1 - reference0) * ((size - n0) / (n1 - n0) if n1 > n0 else 1.0)
        return scale[-1][1]

    def _passage(self, words: set[str]) -> _Passage:
        names, concepts, penalty = self._evidence(words)
        concept_reference = self._concept_reference(len(words))
        names /= self.name_reference
        concepts /= concept_reference
        penalty /= concept_reference
        said = concepts - penalty
        raw = min(names, said) if self.uses_names else said
        return _Passage(max(0.0, raw), names, concepts, penalty, words)

    def _best(self, text: str, titled: bool = True) -> _Passage:
        candidates = (self._passage(words) for words in passages(text, titled=titled, language=self.language))
        return max(candidates, key=lambda p: (p.raw, p.names + p.concepts))

    def judge(self, text: str, titled: bool = True) -> Verdict:
        """The verdict on a text in the seed format (title line first)."""
        best = self._best(text, titled)
        score = round(squash(best.raw), 4)
        missing = ""
        if self.uses_names and best.names < best.concepts and best.names < 0.5:
            missing = "none of the seeds' names"
        elif best.concepts - best.penalty < 0.5 and (not self.uses_names or best.names >= best.concepts):
            missing = "few of the seeds' other words"
        like_rejected = self._telling({w: self.rejected[w] for w in best.words if w in self.rejected})[:4]
        return Verdict(
            score, score >= self.threshold, self._telling(self._earned(best.words)),
            round(squash(min(best.penalty, best.concepts)), 4) if best.penalty else 0.0, like_rejected,
            missing, abs(score - self.threshold) <= self.band if self.band else False,
        )  # fmt: skip

    def facets(self, text: str) -> tuple[float, float]:
        """The evidence of the names and of the seeds' other words (less what
        looks like rejected pages) in the text's best passage, 1.0 being what a
        typical seed passage carries: what ``judge`` takes the lesser of."""
        best = self._best(text)
        return best.names, best.concepts - best.penalty

    def _earned(self, words: Iterable[str]) -> dict[str, float]:
        """Each topic word's weight among ``words``: what earned a passage its score."""
        topic = self.centroid
        return {w: topic[w] for w in words if w in topic}

    def _telling(self, parts: dict[str, float]) -> tuple[tuple[str, float], ...]:
        total = sum(parts.values())
        if not total:
            return ()
        # Ties go by the word: the same reason in every process (a set's order changes with the hash seed).
        best = sorted(parts.items(), key=lambda item: (-item[1], item[0]))[:REASON_TERMS]
        named = [(w, x) for k, (w, x) in enumerate(best) if k == 0 or x / total >= REASON_MIN_SHARE]
        return tuple((self.shown.get(w, w), x / total) for w, x in named)

    @property
    def first_pass_cutoff(self) -> float:
        return FIRST_PASS_SHARE * self.threshold

    def first_pass(self, preview: str) -> Verdict:
        """Is a page worth reading in full? Judged the same way on a cheap
        preview (its paragraphs, or its whole body text); passages make the
        page's chrome harmless, and the cutoff is generous on purpose: a page
        dropped here is never read."""
        verdict = self.judge(preview, titled=False)  # a preview's first line is chrome, not a title
        return dataclasses.replace(verdict, relevant=verdict.score >= self.first_pass_cutoff, borderline=False)

    def link_priority(self, parent_score: float, anchor: str, url: str) -> int:
        """Best-first order for a link: its page's score plus its own words'.

        Scrapy pops higher priorities first; the anchor text and the words in
        the URL path are a cheap preview of what the link leads to: the
        topic's words among them, as evidence of both facets.
        """
        path = re.sub(r"[^A-Za-z]+", " ", url.split("//", 1)[-1].split("/", 1)[-1])
        words = set(terms(anchor + " " + path, self.language))
        names, concepts, penalty = self._evidence(words)
        link_score = squash((names / self.name_reference + max(0.0, concepts - penalty) / self.concept_reference) / 2)
        return int(round(100 * parent_score + 100 * link_score))


def squash(raw: float) -> float:
    """Evidence (1.0: as strong as a typical seed passage) onto [0, 1)."""
    return 1.0 - math.exp(-raw)

"""The relevance model of a storage's corpus, refitted from kept counts.

The model learns from the seeds and from the reviewer's decisions, and is
refitted when a crawl starts (and by the commands that score). After a year
that is 5,000 seeds and 10,000 decided texts: reading and counting them all
took 14 s at every start. The counts add up (crawler/topic_counts.py), so
they are kept in the store with the hashes of the texts they cover, and a
refit reads only what is new: seed files whose name, size or time changed,
decided texts whose hash is not counted yet. A text that left the corpus (a
seed deleted or edited, a decision undone) is taken out again, its counts
made from its text as the store keeps it (every seed a crawl registered,
every version of an edit); only when no one holds it any more are the
counts made again from every text. The facets' scale is measured on the
passages of at most YARDSTICK_TEXTS seeds: the ones with the lowest hashes,
a sample that stays the same as seeds are added, exact while the corpus is
smaller than that.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .relevance import TopicModel
from .seedfile import content_hash, read_seed, seed_names
from .topic_counts import Counts

if TYPE_CHECKING:
    from .store import Store

logger = logging.getLogger(__name__)

# Seeds whose passages set the scale of both facets (bench/year.py: the
# median of 500 seeds' passages is within 0.3% of all 5,000 seeds').
YARDSTICK_TEXTS = 500


def kept_name(language: str) -> str:
    """Where a language's counts are kept (their stems are the language's)."""
    return f"relevance:{language}"


@dataclass
class KeptCounts:
    """The counts of the positives and the negatives, and the seed files they
    were read from: name -> (size, modification time, content hash)."""

    positives: Counts = field(default_factory=Counts)
    negatives: Counts = field(default_factory=Counts)
    seed_files: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {
            "positives": self.positives.to_json(), "negatives": self.negatives.to_json(),
            "seed_files": self.seed_files,
        }  # fmt: skip
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, body: str | None) -> KeptCounts:
        """Kept counts; empty ones for a missing, unreadable or older body."""
        try:
            data: Any = json.loads(body) if body else None
            positives = Counts.from_json(data["positives"])
            negatives = Counts.from_json(data["negatives"])
            files = data["seed_files"].items()
            seed_files = {name: (int(size), int(mtime), str(digest)) for name, (size, mtime, digest) in files}
        except (ValueError, TypeError, KeyError):
            return cls()
        if positives is None or negatives is None:
            return cls()
        return cls(positives, negatives, seed_files)


@dataclass(frozen=True)
class Corpus:
    """The fitted model, and the seeds folder as the fit found it."""

    model: TopicModel
    seed_files: dict[str, str]  # file name -> content hash of its text


def corpus_model(
    seeds_dir: Path, store: Store | None, threshold: float, band: float = 0.0, language: str = "en"
) -> TopicModel:
    """The model the crawl uses: the seeds and the accepted candidates as
    positives, the rejected ones as negatives. Without a store, the seeds'."""
    if store is None:
        return TopicModel.from_corpus(seeds_dir, threshold=threshold, language=language, band=band)
    return fit_corpus(seeds_dir, store, threshold, band, language).model


def fit_corpus(seeds_dir: Path, store: Store, threshold: float, band: float = 0.0, language: str = "en") -> Corpus:
    """corpus_model(), with the seed files' hashes (a crawl registers the new ones)."""
    kept = KeptCounts.from_json(store.kept_counts(kept_name(language)))
    read: dict[str, str] = {}  # hash -> text, of the texts read for this fit
    seeds = _seed_hashes(Path(seeds_dir), kept.seed_files, read)
    decided = store.decided_identities()
    accepted = [digest for digest, status in decided if status == "accepted"]
    positives = [digest for _, _, digest in seeds.values()] + accepted
    negatives = [digest for digest, status in decided if status == "rejected"]
    changed = kept.seed_files != seeds
    for side, wanted in (("positives", positives), ("negatives", negatives)):
        counts: Counts = getattr(kept, side)
        present = set(wanted)
        gone = [digest for digest in counts.members if digest not in present]
        if gone:  # texts that left the corpus: taken out, or every text counted again
            changed = True
            texts = _texts(gone, seeds_dir, seeds, read, store)
            if len(texts) == len(gone):
                for digest in gone:
                    counts.remove(digest, texts[digest], language)
            else:  # a text no one holds any more (a seed deleted before a crawl registered it)
                counts = Counts()
                setattr(kept, side, counts)
        new = [digest for digest in dict.fromkeys(wanted) if digest not in counts.members]
        if new:
            texts = _texts(new, seeds_dir, seeds, read, store)
            for digest in new:
                text = texts.get(digest, "")
                if text.strip():  # an empty text teaches nothing (and is read again next time)
                    counts.add(digest, text, language)
                    changed = True
    yardstick = sorted({digest for _, _, digest in seeds.values()})[:YARDSTICK_TEXTS]
    texts = _texts(yardstick, seeds_dir, seeds, read, store)
    model = TopicModel.fit_counts(
        kept.positives, kept.negatives, [texts[d] for d in yardstick if texts.get(d, "").strip()], threshold,
        language, band,
    )  # fmt: skip
    if changed:
        kept.seed_files = seeds
        try:
            store.keep_counts(kept_name(language), kept.to_json())
        except (sqlite3.Error, OSError) as exc:  # the counts are a cache: the next fit makes them again
            logger.warning("The relevance model's counts could not be kept (%s); the next fit counts again", exc)
    return Corpus(model, {name: digest for name, (_, _, digest) in seeds.items()})


def _seed_hashes(
    folder: Path, known: dict[str, tuple[int, int, str]], read: dict[str, str]
) -> dict[str, tuple[int, int, str]]:
    """Every seed file's (size, time, hash): known ones by their stat, the
    others read (their texts go into ``read``)."""
    found: dict[str, tuple[int, int, str]] = {}
    for name in seed_names(folder):
        path = folder / name
        try:
            stat = os.stat(path, follow_symlinks=False)
            entry = known.get(name)
            if entry and entry[:2] == (stat.st_size, stat.st_mtime_ns):
                found[name] = entry
                continue
            text = read_seed(path).text
        except FileNotFoundError:  # removed between the listing and its reading (a reviewer's undo)
            continue
        digest = content_hash(text)
        read[digest] = text
        found[name] = (stat.st_size, stat.st_mtime_ns, digest)
    return found


def _texts(
    digests: list[str], folder: Path, seeds: dict[str, tuple[int, int, str]], read: dict[str, str], store: Store
) -> dict[str, str]:
    """The texts of these hashes: read already, from their seed file, or from
    the store."""
    missing = [d for d in digests if d not in read]
    if missing:
        by_hash = {digest: name for name, (_, _, digest) in seeds.items()}
        for digest in missing:
            if digest in by_hash:
                try:
                    text = read_seed(folder / by_hash[digest]).text
                except FileNotFoundError:
                    continue
                if content_hash(text) == digest:  # not rewritten since it was listed
                    read[digest] = text
        read.update(store.texts_by_hash(d for d in missing if d not in read))
    return {d: read[d] for d in digests if d in read}

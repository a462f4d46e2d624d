"""wordfreq's word frequencies, held in a trie: ~2 MB a process instead of ~33.

relevance.specific_words() asks wordfreq how common each word is. wordfreq
answers from a Python dict of its whole list (321,000 str keys for
English), and every process of a crawl holds one: the crawl's and each
extraction worker's, a fifth of a crawl's memory. A MARISA trie
(marisa-trie) holds the same list in 1.3 MB. The answers are wordfreq's
own: its tokenizer, number smashing, combination of multi-token words and
rounding are used as they are, and tests/test_frequencies.py compares the
two word by word. Languages wordfreq segments with a dictionary (Chinese,
Japanese, Korean) are passed to wordfreq itself.
"""

from __future__ import annotations

import ctypes
import functools
import gzip
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path

import marisa_trie
import msgpack
import platformdirs
import wordfreq
from wordfreq.language_info import get_language_info
from wordfreq.numbers import digit_freq, smash_numbers
from wordfreq.tokens import lossy_tokenize

logger = logging.getLogger(__name__)


def word_frequency(word: str, language: str) -> float:
    """What ``wordfreq.word_frequency(word, language)`` answers (0.0 if unknown)."""
    table = _table(language)
    if table is None:
        return wordfreq.word_frequency(word, language)
    # Most words are lower-case ASCII letters, which wordfreq's tokenizer
    # returns as they are (all 289,023 such English words, and samples in
    # nine more languages in tests/test_frequencies.py); its regular
    # expressions cost ~20 us a word, the trie ~1 us.
    plain = word.isascii() and word.isalpha() and word.islower()
    tokens = [word] if plain else lossy_tokenize(word, language)
    if not tokens:
        return 0.0
    # A word wordfreq splits in several tokens is as rare as 1/f = 1/f1 + 1/f2 + ...
    one_over = 0.0
    for token in tokens:
        smashed = smash_numbers(token)
        found = table.get(smashed)
        if not found:
            return 0.0
        frequency = wordfreq.cB_to_freq(-found[0][0])
        if smashed != token:
            frequency *= digit_freq(token)
        one_over += 1.0 / frequency
    frequency = 1.0 / one_over
    return round(frequency, math.floor(-math.log(frequency, 10)) + 3)  # wordfreq's 3 significant digits


@functools.cache
def _table(language: str) -> marisa_trie.RecordTrie | None:
    """word -> its frequency bucket (minus centibels), for one language.

    Building the trie takes 0.3 s; it is saved in the user's cache folder
    and mapped from there by the next process (a crawl's start, ``seedcrawl
    score``), which then shares its pages with every other process mapping it.
    """
    path = wordfreq.available_languages("best").get(language)
    if path is None or get_language_info(language)["tokenizer"] != "regex":
        return None
    cached = cache_path(path)
    try:
        return marisa_trie.RecordTrie("<H").mmap(str(cached))
    except RuntimeError:  # marisa's own errors: not there yet, or not whole
        pass
    table = marisa_trie.RecordTrie("<H", _buckets(path))
    _return_freed_memory()
    _save(table, cached)
    return table


def cache_path(source: str) -> Path:
    """Where the trie of wordfreq's ``source`` file is kept: named after the
    file, its size and its time, so a new wordfreq gets a new trie."""
    stat = os.stat(source)
    name = f"{Path(source).name.split('.')[0]}-{stat.st_size}-{stat.st_mtime_ns}.marisa"
    return Path(platformdirs.user_cache_dir("seedcrawl")) / "wordfreq" / name


def _save(table: marisa_trie.RecordTrie, path: Path) -> None:
    """Written whole or not at all (a file renamed into place); a cache folder
    that cannot be written only means the next process builds it again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        table.save(str(partial))
        os.replace(partial, path)
    except (OSError, RuntimeError) as exc:
        logger.debug("wordfreq's trie not cached at %s: %s", path, exc)


def _buckets(path: str) -> Iterator[tuple[str, tuple[int]]]:
    """(word, (bucket,)) from a cBpack file (see wordfreq.read_cBpack), read
    as a stream: the list is never whole in memory."""
    with gzip.open(path, "rb") as stream:
        unpacker = msgpack.Unpacker(stream, raw=False)
        length = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(f"{path}: not a wordfreq cBpack file (header {header!r})")
        for bucket in range(length - 1):
            for _ in range(unpacker.read_array_header()):
                yield unpacker.unpack(), (bucket,)


def _return_freed_memory() -> None:
    """Building the trie frees ~10 MB in small pieces, which glibc keeps
    unless asked; elsewhere (musl, macOS) there is nothing to ask. The C
    library is looked up in the running program, not with
    ctypes.util.find_library, which forks a child to run ldconfig."""
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return
    if trim is not None:
        trim(0)

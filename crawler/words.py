"""A text's words as the relevance model reads them: lower-cased, stemmed
with Snowball's stemmer for the language, split into sentences."""

from __future__ import annotations

import functools
import re
from typing import Any

import snowballstemmer

# Words of two characters or more: a letter first, a letter or digit last,
# inner apostrophes, dots and hyphens kept (u.s, zte's, covid-19).
WORD = re.compile(r"[^\W\d_][\w'’.-]*[^\W_]")
# A sentence ends at . ! or ? followed by space and a capital or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\W\d_\s]|[\"'“‘(])")
# What ends a sentence or opens a quote, before a word written with a capital anyway.
SENTENCE_MARKS = frozenset('.!?:\n"“‘(')


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two characters or more."""
    return WORD.findall(text.lower())


# Snowball's stemmers by ISO 639-1 code (the languages it has).
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish", "fr": "french", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish",
}  # fmt: skip


@functools.lru_cache(maxsize=32)
def _stemmer(language: str) -> Any:
    name = _SNOWBALL.get(language)
    return snowballstemmer.stemmer(name) if name else None


@functools.lru_cache(maxsize=200_000)
def stem(word: str, language: str = "en") -> str:
    """A word's stem (reef, reefs -> reef; bleaching, bleached -> bleach), so
    that a text is matched on what it says, not on its grammar. Snowball's
    stemmer for the language; the word itself where there is none."""
    stemmer = _stemmer(language)
    return stemmer.stemWord(word) if stemmer is not None else word


def terms(text: str, language: str = "en") -> list[str]:
    """The stems of a text's words."""
    return [stem(word, language) for word in tokenize(text)]


def sentences(text: str, titled: bool = True) -> tuple[str, list[str]]:
    """(title, sentences): the first line is the title (if ``titled``); lines
    are split into sentences."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return "", []
    title, body = (lines[0], lines[1:]) if titled else ("", lines)
    found: list[str] = []
    for line in body:
        found.extend(part for part in _SENTENCE_END.split(line) if part.strip())
    return title, found

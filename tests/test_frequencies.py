"""The trie answers what wordfreq answers, for every word a crawl scores."""

from __future__ import annotations

import json
import random
from pathlib import Path

import wordfreq

from crawler import frequencies
from crawler.seedfile import read_seed, seed_files
from crawler.words import tokenize

DATA = Path(__file__).parent / "data"


def _words_of_test_texts() -> set[str]:
    texts = [read_seed(p).text for p in seed_files(DATA / "seeds")]
    with (DATA / "relevance" / "sample.jsonl").open(encoding="utf-8") as lines:
        texts += [json.loads(line)["text"] for line in lines]
    return {word for text in texts for word in tokenize(text)}


def test_same_frequency_as_wordfreq_for_every_word_of_real_news():
    words = _words_of_test_texts()
    assert len(words) > 2000
    different = {w: (frequencies.word_frequency(w, "en"), wordfreq.word_frequency(w, "en")) for w in words}
    different = {w: pair for w, pair in different.items() if pair[0] != pair[1]}
    assert different == {}


def test_same_frequency_for_words_across_the_table_and_awkward_forms():
    table = list(wordfreq.iter_wordlist("en"))
    sample = random.Random(7).sample(table, 3000) + table[:200] + table[-200:]
    awkward = ["zte's", "u.s", "5g", "g5", "covid-19", "2019", "huawei’s", "e-mail", "xyzzyqq", "", "—", "naïve"]
    for word in sample + awkward:
        assert frequencies.word_frequency(word, "en") == wordfreq.word_frequency(word, "en"), word


def test_other_languages_too_and_wordfreq_itself_for_codes_it_has_to_match():
    for language, words in {"de": ["Sicherheit", "Netzbetreiber", "5G-Netz"], "fr": ["sécurité", "l'espionnage"],
                            "en-GB": ["colour", "huawei"]}.items():  # fmt: skip
        for word in words:
            assert frequencies.word_frequency(word, language) == wordfreq.word_frequency(word, language), word


def test_plain_lower_case_words_read_as_wordfreq_reads_them_in_languages_it_normalises_differently():
    """The shortcut past wordfreq's tokenizer must not change an answer."""
    rng = random.Random(11)
    # Languages wordfreq normalises in different ways: Turkish dotless i,
    # Romanian comma-below, Serbo-Croatian transliterated to Cyrillic, marks
    # removed in Arabic, Vietnamese diacritics.
    assert frequencies._table("sh") is not None
    for language in ("en", "de", "fr", "tr", "ro", "sh", "ar", "vi", "pl", "ru"):
        plain = [w for w in wordfreq.iter_wordlist(language) if w.isascii() and w.isalpha() and w.islower()]
        for word in rng.sample(plain, min(300, len(plain))) + ["qzxv", "huawei"]:
            assert frequencies.word_frequency(word, language) == wordfreq.word_frequency(word, language), (
                language,
                word,
            )

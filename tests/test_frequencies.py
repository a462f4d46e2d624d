"""The trie answers what wordfreq answers, for every word a crawl scores."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
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


# -- the trie kept between processes --------------------------------------------------------

SAMPLE = ["huawei", "the", "espionage", "zte's", "5g", "xyzzyqq"]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A user cache folder of the test's own, and no trie held in memory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    frequencies._table.cache_clear()
    yield tmp_path / "cache"
    frequencies._table.cache_clear()


def answers() -> list[float]:
    return [frequencies.word_frequency(word, "en") for word in SAMPLE]


def cannot_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: str):
        raise AssertionError("built again instead of mapped from the cache")

    monkeypatch.setattr(frequencies, "_buckets", refuse)


def test_the_trie_is_built_once_and_the_next_process_maps_it(cache_home: Path, monkeypatch) -> None:
    expected = [wordfreq.word_frequency(word, "en") for word in SAMPLE]
    assert answers() == expected  # built, and saved
    kept = list(cache_home.glob("seedcrawl/wordfreq/*.marisa"))
    assert len(kept) == 1 and not list(cache_home.rglob("*.part"))
    frequencies._table.cache_clear()  # as a new process
    cannot_build(monkeypatch)
    assert answers() == expected


def test_a_damaged_cache_file_is_built_again(cache_home: Path, monkeypatch) -> None:
    expected = [wordfreq.word_frequency(word, "en") for word in SAMPLE]
    answers()
    (kept,) = cache_home.glob("seedcrawl/wordfreq/*.marisa")
    kept.write_bytes(kept.read_bytes()[:100_000])  # cut short (a full disk, a copy)
    frequencies._table.cache_clear()
    assert answers() == expected
    frequencies._table.cache_clear()
    cannot_build(monkeypatch)
    assert answers() == expected  # and the file is whole again


def test_a_cache_folder_that_cannot_be_written_only_costs_the_build(cache_home: Path) -> None:
    cache_home.write_text("a file where the folder should be")
    assert answers() == [wordfreq.word_frequency(word, "en") for word in SAMPLE]

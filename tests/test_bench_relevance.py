"""bench/relevance.py's short variants: what the issue asks a short item to
be, a title and the first two sentences (its figures for short items are
only as good as these). Until 2026-12-02 a seed's was titled with its
page's first line ("Latest News:"), a text translated from Chinese with the
Chinese title, and a page that repeats its title gave it again as a sentence."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "relevance.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_relevance", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LEAD = (
    "Britain said on Tuesday that Huawei must be removed from its 5G networks by 2027. "
    "The decision follows months of pressure from Washington over security. "
    "A third sentence that a short item does not carry."
)


def test_a_seeds_short_variant_has_its_headline_not_its_pages_chrome(bench) -> None:
    seed = "Latest News:\n\n(Xinhua)\n\n21:02, May 22, 2013\n\nUK orders Huawei out of 5G networks\n\n" + LEAD
    assert bench.short_of({"id": "seed-0", "seed": 0, "text": seed}) == (
        "UK orders Huawei out of 5G networks\n\n"
        "Britain said on Tuesday that Huawei must be removed from its 5G networks by 2027. "
        "The decision follows months of pressure from Washington over security."
    )


def test_a_translated_text_is_titled_in_its_own_language(bench) -> None:
    # As the Chinese items of the UK set are stored: the original's title, then the translation's, twice.
    english = "UK bans use of Huawei 5G equipment"
    item = {"id": "ukban-030", "title": "英国禁止使用华为5G设备",
            "text": f"英国禁止使用华为5G设备\n{english}\n{english}\n{LEAD}"}  # fmt: skip
    short = bench.short_of(item)
    assert short.split("\n\n") == [english, LEAD.rsplit(" A third", 1)[0]]

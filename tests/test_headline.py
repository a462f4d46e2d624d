"""A seed file's headline (crawler.headline): a file saved from a browser
starts with the page's chrome, and the corpus, search and citations called
four of the five seeds "Latest News:", "News Videos", "By October 9, 2012"
and "Tuesday, March 25, 2014, 09:47"."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.headline import headline
from crawler.seedfile import read_seed, seed_files

SEEDS = Path(__file__).parent / "data" / "seeds"


def test_each_seed_is_called_by_the_headline_below_its_pages_chrome() -> None:
    assert [headline(read_seed(path).text) for path in seed_files(SEEDS)] == [
        "ZTE, Huawei address U.S. IT security concerns",  # below "Latest News:", a section, "(Xinhua)", a time
        "Huawei calls for cybersecurity cooperation",  # below a site's menu
        "ZTE, Huawei slam US, say we’re not spies",  # the first line is the headline
        "ZTE say they pose no threat to the USA",  # below "By October 9, 2012"
        "Beijing slams spying on Huawei",  # below a dateline
    ]


PROSE = (
    "The UK said on Tuesday that Huawei must be removed from its 5G networks by 2027, "
    "citing advice from its security agencies."
)


@pytest.mark.parametrize(
    "text",
    [
        f"UK bans Huawei\n\n{PROSE}",
        "The ban\n\nThe government's ban on the vendor's equipment starts next year.\n",  # a note: no paragraph
        f"Huawei banned\n\nBy Jane Doe\n\nUpdated 14 July 2020, 3 min read\n\n{PROSE}",  # a short headline, then chrome
        "Jaguar Land Rover is hit by crippling cyber attack: Workers told to stay at home as the carmaker shuts its "
        f"systems down across the country\n\nSome Headline Below It\n\n{PROSE}",  # a headline of 25 words
    ],
    ids=["three-words", "a-note", "two-words-then-byline", "long"],
)
def test_a_first_line_that_can_be_a_headline_stays_the_title(text: str) -> None:
    assert headline(text) == text.split("\n", 1)[0]


def test_chrome_with_no_headline_under_it_leaves_the_first_line() -> None:
    assert headline(f"Latest News:\n\nBy Jane Doe\n\n{PROSE}") == "Latest News:"
    assert headline(f"News Videos\n\nClick here to watch more.\n\n{PROSE}") == "News Videos"  # a sentence
    assert headline("\ufeffNews Videos\n\n") == "News Videos"
    assert headline("") == ""

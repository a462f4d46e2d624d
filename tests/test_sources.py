import re
from pathlib import Path

import pytest

from crawler.sources import SCHEMA, SourcesError, load_sources

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_sources_file_is_valid() -> None:
    sources = load_sources(ROOT / "seeds" / "sources.toml")
    assert len(sources.seed_urls) == 5
    assert len(sources.feed_urls) >= 5
    assert sources.seeds_dir == ROOT / "seeds"
    assert sources.languages == ["en"]


def test_a_partial_file_keeps_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[limits]\nmax_pages = 12\n")
    sources = load_sources(path)
    assert sources.max_pages == 12
    assert sources.max_depth == SCHEMA["limits"]["max_depth"].default
    assert sources.seed_urls == []


@pytest.mark.parametrize(
    "content, expected",
    [
        ("[limits]\nmax_page = 3\n", "unknown key 'limits.max_page' (expected one of: max_pages"),
        ("[limit]\nmax_pages = 3\n", "unknown section [limit]"),
        ("[limits]\nmax_pages = 'many'\n", "'limits.max_pages' must be a positive integer, got 'many'"),
        ("[limits]\nmax_depth = -1\n", "'limits.max_depth' must be an integer >= 0"),
        ("[relevance]\nthreshold = 2\n", "'relevance.threshold' must be a number from 0 to 1"),
        ("[feeds]\nurls = ['ftp://x.org/feed']\n", "'feeds.urls' must be a list of http(s) URLs"),
        ("[seeds]\nurls = [\n", "invalid TOML"),
        # A limit no crawl could reach is a typo (issue 18), said before the crawl starts.
        ("[limits]\nmax_pages = 99999999999999999999\n", "'limits.max_pages' must be at most 10_000_000"),
        ("[limits]\nmax_body_bytes = 99999999999999\n", "'limits.max_body_bytes' must be at most 1_000_000_000"),
        ("[schedule]\nshutdown_timeout = 9999999\n", "'schedule.shutdown_timeout' must be at most 86_400"),
    ],
)
def test_a_broken_or_unknown_key_is_one_line_naming_file_and_key(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(content)
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    # the seedcrawl commands' option and the spider's argument, both named
    with pytest.raises(SourcesError, match=r"file not found \(.*--sources PATH, or -a sources=PATH to scrapy crawl"):
        load_sources(tmp_path / "nope.toml")


def test_every_key_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        for key in keys:
            assert re.search(rf"`{section}\.{key}`", readme), f"{section}.{key} is not in README.md"

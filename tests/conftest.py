"""Shared fixtures. The network is used only on loopback (the sample web)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from scrapy.utils.reactor import install_reactor, is_reactor_installed

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"

# Components are built in process (scrapy.utils.test.get_crawler), which wants
# the reactor the crawl itself uses (Scrapy's default TWISTED_REACTOR).
if not is_reactor_installed():
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A writable copy of the five seed documents."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def related_crawler(seeds_dir: Path, tmp_path: Path):
    """A crawler of the related spider with seedcrawl's settings and a resolved
    configuration (seeds_dir, storage in tmp_path), its components built in
    process and nothing started: what the crawl command hands Scrapy."""
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    from crawler.config import RunConfig
    from crawler.spiders.related import RelatedSpider

    sources = seeds_dir / "sources.toml"
    sources.write_text('[seeds]\nurls = ["http://127.0.0.1:1/"]\n', encoding="utf-8")
    settings = Settings()
    settings.setmodule("crawler.settings")
    RunConfig.resolve(settings, {"sources": str(sources), "storage": str(tmp_path / "storage")}).apply(settings)
    return get_crawler(RelatedSpider, settings.copy_to_dict())


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    """Real labelled news: UK Huawei-ban coverage and unrelated security news."""
    with (DATA / "relevance" / "sample.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault-injection table (tests/test_faults.py): every fault, what
    happened, and what was lost (which must be nothing)."""
    from .faults import TABLE

    if not TABLE:
        return
    width = max(len(fault) for fault, _, _ in TABLE)
    terminalreporter.section("fault injection: what each fault did, and what it lost")
    terminalreporter.write_line(f"{'fault':<{width}}  {'data lost':<9}  outcome")
    for fault, outcome, lost in TABLE:
        terminalreporter.write_line(f"{fault:<{width}}  {lost:<9}  {outcome}")

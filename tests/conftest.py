"""Shared fixtures. The network is used only on loopback (the sample web)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A writable copy of the five seed documents."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def sample_web():
    """The sample web on 127.0.0.1-4, one for the whole session (its pages never
    change; a test that counts requests keeps a server of its own)."""
    from crawler.sampleweb import SampleWebServer

    with SampleWebServer(SEEDS) as web:
        yield web


# The feed exports the shared crawl writes (what `-O out.jsonl -O out.csv -O out.json` sets).
EXPORTS = {"jsonl": "jsonlines", "csv": "csv", "json": "json"}


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Crawl the sample web twice into one storage folder; keep what each run
    queued. Shared by the crawl, export and archive tests, which only read it."""
    import sqlite_utils
    from pytest_twisted import blockon
    from twisted.internet.defer import ensureDeferred

    from crawler.demo import prepare_folder
    from crawler.sampleweb import SampleWebServer

    from .inprocess import crawl

    folder = tmp_path_factory.mktemp("crawl")
    with SampleWebServer(SEEDS) as web:
        sources = prepare_folder(folder, SEEDS, web)
        storage = folder / "storage"
        feeds = {str(folder / f"out.{ext}"): {"format": fmt, "overwrite": True} for ext, fmt in EXPORTS.items()}
        first = blockon(
            ensureDeferred(crawl(sources, storage, folder / "first.log", "-s", f"FEEDS={json.dumps(feeds)}"))
        )
        queue_after_first = sorted(p.name for p in (storage / "queue").iterdir())
        requests_first = len(web.requests)
        second = blockon(ensureDeferred(crawl(sources, storage, folder / "second.log")))
        requests_second = len(web.requests) - requests_first
        second_run_paths = [path for _, path in web.requests[requests_first:]]
    return {
        "web": web,
        "folder": folder,
        "storage": storage,
        "codes": (first, second),
        "queue_after_first": queue_after_first,
        "requests": (requests_first, requests_second),
        "db": sqlite_utils.Database(storage / "corpus.db"),
        "second_run_paths": second_run_paths,
    }


def run_to_end(coroutine) -> None:
    """Run a coroutine that never waits (a test's stub), without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise AssertionError("the coroutine waited for something")


def wait_for(condition, timeout: float = 60, step: float = 0.05) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass
    (False): how a test waits for another process's event, never a bare sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


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
    settings.set("SEEDCRAWL_WORKERS", 0)  # pages are read in this process: no pool to start
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

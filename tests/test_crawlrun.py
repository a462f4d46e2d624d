"""CrawlRun in process: the extension Scrapy builds from the crawler owns the run."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import sqlite_utils

from crawler import run
from crawler.crawlrun import CrawlRun

from .conftest import run_to_end


def test_the_run_is_recorded_from_its_start_to_its_end(related_crawler, tmp_path) -> None:
    crawl_run = related_crawler.get_extension(CrawlRun)
    assert crawl_run is not None and crawl_run.config.storage == tmp_path / "storage"
    crawl_run.spider_opened(spider=None)
    try:
        assert crawl_run.started and crawl_run.model.judge("Huawei equipment and national security").score >= 0
        related_crawler.stats.inc_value("seedcrawl/pages", 3)
        related_crawler.stats.inc_value("downloader/response_count", 3)  # else it fetched nothing (a failed run)
    finally:
        crawl_run.finish("finished")
        crawl_run.finish("finished")  # once: a second call (the crawl command's) changes nothing
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    [row] = list(db.query("select status, pages, stats from runs"))
    assert (row["status"], row["pages"]) == ("finished", 3)
    stats = json.loads(row["stats"])
    assert stats["seedcrawl/seeds_registered"] == 5  # the seeds are known, so their copies are never queued
    assert stats["seedcrawl/cpu/crawl_process_s/at_end"] >= stats["seedcrawl/cpu/crawl_process_s/at_start"] > 0
    assert db.execute("select count(*) from documents where status = 'seed'").fetchone()[0] == 5
    assert not (tmp_path / "storage" / ".space-reserve").exists()  # the reserve is given back at the end


def test_a_seed_spoiled_after_the_start_stops_the_run_as_a_config_error(
    related_crawler, seeds_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[str] = []

    async def close_spider_async(reason: str) -> None:
        closed.append(reason)

    related_crawler.engine = SimpleNamespace(close_spider_async=close_spider_async, spider=object())
    monkeypatch.setattr(run, "deferred_from_coro", run_to_end)  # no reactor runs here
    next(seeds_dir.glob("000_*.txt")).write_bytes(b"\xff\xfe not UTF-8")
    crawl_run = related_crawler.get_extension(CrawlRun)
    crawl_run.spider_opened(spider=None)
    crawl_run.finish("config_error")
    assert closed == ["config_error"]
    assert "000_" in related_crawler.stats.get_value("seedcrawl/config_error")

"""Each news search and site is read from the last run it answered (crawler/windows.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.store import Store
from crawler.windows import KEPT, keep_windows, moved, read_windows

NIGHT = [datetime(2026, 11, 20 + n, 2, 30, tzinfo=UTC) for n in range(3)]


def test_a_source_that_answered_moves_on_one_that_did_not_keeps_its_start() -> None:
    three_days_back = NIGHT[0] - timedelta(days=3)  # the first run's window (search.first_days)
    first = moved({}, {"search: a": three_days_back, "site: b": three_days_back}, {"search: a"}, NIGHT[0])
    assert first == {"search: a": NIGHT[0], "site: b": three_days_back}  # b: from where it was asked, again
    second = moved(first, {"search: a": NIGHT[0], "site: b": three_days_back}, {"site: b"}, NIGHT[1])
    assert second == {"search: a": NIGHT[0], "site: b": NIGHT[1]}
    third = moved(second, {"search: c": NIGHT[1]}, set(), NIGHT[2])  # a and b not asked: kept as they were
    assert third == {**second, "search: c": NIGHT[1]}
    year_on = NIGHT[2] + timedelta(days=400)
    assert moved(third, {"search: a": NIGHT[0]}, {"search: a"}, year_on) == {"search: a": year_on}  # the rest gone


def test_the_windows_are_kept_in_the_store_and_unreadable_ones_are_none(tmp_path: Path) -> None:
    store = Store(tmp_path / "storage")
    try:
        assert read_windows(store) == {}  # before any run
        keep_windows(store, {"search: a": NIGHT[0], "site: b": NIGHT[1]})
        assert read_windows(store) == {"search: a": NIGHT[0], "site: b": NIGHT[1]}
        for body in ("not json", "[]", '{"search: a": 3}', '{"search: a": "yesterday"}'):
            store.keep_counts(KEPT, body)
            assert read_windows(store) == {}  # every source then starts at the last finished run
        store.keep_counts(KEPT, '{"search: a": "2026-11-20T02:30:00"}')  # no zone: compared with UTC dates
        assert read_windows(store) == {"search: a": NIGHT[0]}
    finally:
        store.close()


@pytest.mark.parametrize("status", ["finished", "shutdown", "nothing_fetched"])
def test_only_a_finished_run_moves_the_windows(related_crawler, tmp_path: Path, status: str) -> None:
    """A run stopped early, or one that fetched nothing, asked what it asked
    in vain: the next asks it again from where it was."""
    from crawler.crawlrun import CrawlRun

    crawl_run = related_crawler.get_extension(CrawlRun)
    crawl_run.spider_opened(spider=None)
    try:
        crawl_run.add_source("search: a", "search")
        crawl_run.window_start("search: a", 3)  # as the spider asks it
        crawl_run.answered.add("search: a")
        if status != "nothing_fetched":
            related_crawler.stats.inc_value("downloader/response_count", 1)
    finally:
        crawl_run.finish("shutdown" if status == "shutdown" else "finished")
    store = Store(tmp_path / "storage")
    try:
        run = store.last_run()
        assert run["status"] == status
        expected = {"search: a": datetime.fromisoformat(run["started"])} if status == "finished" else {}
        assert read_windows(store) == expected
    finally:
        store.close()


def test_a_search_that_failed_on_the_first_run_is_asked_again_from_its_first_days(related_crawler, tmp_path) -> None:
    """The first run asks ``search.first_days`` back; if GDELT did not answer,
    the next run asks from there again, not from the first run's start."""
    from crawler.crawlrun import CrawlRun

    crawl_run = related_crawler.get_extension(CrawlRun)
    crawl_run.spider_opened(spider=None)
    try:
        crawl_run.add_source("search: a", "search")
        first = crawl_run.window_start("search: a", 3)
        related_crawler.stats.inc_value("downloader/response_count", 1)  # the seeds were fetched
    finally:
        crawl_run.finish("finished")
    assert timedelta(days=2.9) < datetime.now(UTC) - first < timedelta(days=3.1)
    store = Store(tmp_path / "storage")
    try:
        assert store.last_run()["status"] == "finished" and read_windows(store) == {"search: a": first}
    finally:
        store.close()

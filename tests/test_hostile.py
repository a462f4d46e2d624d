"""A crawl of the hostile web completes, counts every case by name, queues nothing bad."""

import json
from pathlib import Path

import pytest
import sqlite_utils
from pytest_twisted import blockon
from twisted.internet.defer import ensureDeferred as ensure_deferred

from .hostile import FEEDS, ODD_LINKS, PAGES, HostileServer
from .inprocess import crawl
from .mockserver import sources_for


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("hostile")
    with HostileServer() as server:
        feeds = ", ".join(f'"{server.base}{p}"' for p in FEEDS)
        sources = sources_for(
            folder, [server.base + "/seed"],
            f"[feeds]\nurls = [{feeds}]\n[limits]\ndownload_timeout = 3\nmax_body_bytes = 1000000\nmax_pages = 200\n"
            "max_pages_per_site = 200\n",
        )  # fmt: skip
        code = blockon(ensure_deferred(crawl(sources, folder / "storage", folder / "log", "-s", "RETRY_TIMES=1")))
    db = sqlite_utils.Database(folder / "storage" / "corpus.db")
    return {"code": code, "db": db, "base": server.base, "folder": folder}


def test_the_crawl_completes(hostile_crawl) -> None:
    assert hostile_crawl["code"] == 0
    [run] = list(hostile_crawl["db"].query("select status from runs"))
    assert run["status"] == "finished"


def test_at_least_25_kinds_of_bad_input_are_served_and_the_readme_says_how_many() -> None:
    kinds = [what for what, _ in list(PAGES.values()) + list(FEEDS.values()) if not what.startswith("(")]
    assert len(kinds) + len(ODD_LINKS) >= 25
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"crawls a local site with {len(kinds) + len(ODD_LINKS)} kinds of bad input" in " ".join(readme.split())


def test_every_bad_page_is_recorded_under_a_named_reason(hostile_crawl) -> None:
    db, base = hostile_crawl["db"], hostile_crawl["base"]
    outcome = {r["url"][len(base) :]: (r["outcome"], r["detail"]) for r in db.query("select * from urls")}
    expected = {
        "/binary-as-html": {"no_text", "too_short", "not_html", "unparsable"},
        "/pdf": {"content_type"}, "/image": {"content_type"}, "/feed-as-page": {"content_type"},
        "/empty": {"empty", "not_html"}, "/whitespace": {"empty", "no_text"},
        "/gone": {"error"}, "/server-error": {"error"}, "/reset": {"error"}, "/slow-drip": {"error"},
        "/gzip-bomb": {"too_large"}, "/huge": {"too_large"}, "/huge-unannounced": {"too_large"},
        "/short-body": {"error", "no_text", "too_short"},
        "/loop-a": {"too_many_redirects"}, "/chain-0": {"too_many_redirects"},
    }  # fmt: skip
    for path, allowed in expected.items():
        assert path in outcome, f"{path} ({PAGES[path][0]}) left no record"
        assert outcome[path][0] in allowed, (path, outcome[path])
        if outcome[path][0] == "error":
            assert outcome[path][1] and outcome[path][1] != "error", (path, outcome[path])  # a named reason
    for path in ("/malformed", "/truncated", "/wrong-charset", "/no-charset", "/mixed-encoding", "/bogus-charset",
                 "/nul-bytes", "/deep-nesting"):  # fmt: skip
        assert outcome[path][0] in {"offtopic", "duplicate", "too_short", "no_text", "unparsable"}, (
            path,
            outcome[path],
        )


def test_every_case_is_counted_in_the_run_stats(hostile_crawl) -> None:
    stats = json.loads(next(hostile_crawl["db"].query("select stats from runs"))["stats"])
    for key in (
        "seedcrawl/trap/calendar", "seedcrawl/trap/deep_path", "seedcrawl/trap/long_url",
        "seedcrawl/trap/query_variants", "seedcrawl/dropped/content_type", "seedcrawl/feed/not_a_feed",
        "seedcrawl/error/http_404",
    ):  # fmt: skip
        assert stats.get(key, 0) >= 1, key
    assert any(k.startswith("seedcrawl/feed/bozo/") for k in stats)
    for scheme in ("javascript", "mailto", "data"):
        assert stats.get(f"seedcrawl/skipped/scheme/{scheme}") == 1, scheme


def test_hostile_feeds_are_survived_without_expanding_entities(hostile_crawl) -> None:
    db = hostile_crawl["db"]
    feeds = {r["url"].rsplit("/", 1)[1]: r for r in db.query("select * from feeds")}
    assert set(feeds) >= {p.lstrip("/") for p in FEEDS}
    assert "amplification" in feeds["feed-bomb"]["bozo"]  # expat's own limit stops the bomb
    texts = " ".join(r["text"] or "" for r in db.query("select text from documents"))
    assert "root:" not in texts and "aaaaaaaaaa" * 10 not in texts  # no file read, no expansion


def test_nothing_bad_reaches_the_queue(hostile_crawl) -> None:
    db = hostile_crawl["db"]
    assert db.table("documents").count_where("status = 'pending'") == 0
    assert list((hostile_crawl["folder"] / "storage" / "queue").iterdir()) == []

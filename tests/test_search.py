"""News search built from the corpus (GDELT DOC 2.0), without the internet (issue 14, item 2)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred

from crawler.cli import cli
from crawler.relevance import TopicModel
from crawler.search import SearchHit, SearchResult, derive_queries, gdelt_url, parse_gdelt, rest_of_window
from crawler.store import Store
from crawler.windows import keep_windows

from .conftest import DATA, SEEDS
from .inprocess import crawl
from .mockserver import MockServer, article_page, seed_page, sources_for

SEARCH = DATA / "search"


def test_the_query_is_derived_from_the_seeds_and_grows_with_accepted_candidates() -> None:
    [query] = derive_queries(TopicModel.from_seeds(SEEDS, 0.48), languages=["en"])
    names, concepts = query.split(") (")
    assert {"huawei", "zte"} <= set(names.strip("(").split(" OR "))  # who the seeds are about
    assert "security" in concepts and query.endswith("sourcelang:english")
    accepted = [
        f"Backdoor report {i}\n\nInvestigators found a backdoor in routers sold by the vendor, report {i} said. "
        "The backdoor let operators listen to traffic. Huawei denied any backdoor in its equipment."
        for i in range(4)
    ]
    [grown] = derive_queries(TopicModel.from_corpus(SEEDS, (accepted, []), 0.48))
    assert "backdoor" in grown and "backdoor" not in query  # the corpus grows its own vocabulary
    [without] = derive_queries(TopicModel.from_seeds(SEEDS, 0.48), exclude=["Huawei"])
    assert "huawei" not in without


def test_the_request_asks_for_an_article_list_over_the_window() -> None:
    start, end = datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    query = parse_qs(urlsplit(gdelt_url("https://api.gdeltproject.org/api/v2/doc/doc", "(a OR b) c", start, end,
                                        75)).query)  # fmt: skip
    assert query["mode"] == ["ArtList"] and query["format"] == ["json"] and query["maxrecords"] == ["75"]
    assert (query["startdatetime"], query["enddatetime"]) == (["20261127000000"], ["20261130023000"])
    assert query["query"] == ["(a OR b) c"]


def test_answers_notices_and_junk_are_told_apart() -> None:
    result = parse_gdelt((SEARCH / "gdelt_artlist.json").read_bytes())
    assert [hit.seen for hit in result.hits][:2] == ["2020-11-14T16:15:00+00:00", "2020-11-15T08:00:00+00:00"]
    assert result.hits[3].seen is None and result.notice is None
    notice = parse_gdelt((SEARCH / "gdelt_rate_limited.txt").read_bytes())
    assert notice.hits == [] and notice.notice.startswith("Please limit requests to one every 5 seconds")
    assert parse_gdelt(b"") == parse_gdelt(b"   ") and parse_gdelt(b"").notice is None  # nothing matched
    assert parse_gdelt(b"[1, 2]").notice == "not a GDELT ArtList answer"


def _served(server: MockServer, answer: bytes) -> None:
    server.routes.update({
        "/robots.txt": (404, {}, b""),
        "/seed": (200, {}, seed_page([])),
        "/api/v2/doc/doc": (200, {"Content-Type": "application/json"}, answer),
        "/story/0": (200, {}, article_page(0)),
        "/story/1": (200, {}, _other_story()),
    })  # fmt: skip


async def _search_crawl(endpoint: str, sources: Path, storage: Path, log: Path) -> int:
    """A crawl whose news search asks ``endpoint``, GDELT's requests not held 5 s apart."""
    return await crawl(sources, storage, log, "-s", f"SEEDCRAWL_GDELT_URL={endpoint}",
                       "-s", 'DOWNLOAD_SLOTS={"gdelt": {"concurrency": 1, "delay": 0}}')  # fmt: skip


def _gdelt_at(server: MockServer) -> str:
    return f"{server.base}/api/v2/doc/doc"


def _other_story() -> bytes:
    """An article page unlike article_page(0), so neither is a copy of the other."""
    words = " ".join(
        f"Ministers in London debated ZTE routers and spying concerns, clause {i} of the bill." for i in range(30)
    )
    return f"<html><body><article><h1>ZTE routers debated</h1><p>{words}</p></article></body></html>".encode()


@ensureDeferred
async def test_search_results_are_fetched_with_their_date_and_counted_to_their_query(tmp_path: Path) -> None:
    with MockServer({}) as server:
        _served(server, (SEARCH / "gdelt_artlist.json").read_text().replace("{BASE}", server.base).encode())
        search = '[search]\ngdelt = true\nqueries = ["\\"5G ban\\" huawei"]\n'
        sources = sources_for(tmp_path, [server.base + "/seed"], search)
        assert await _search_crawl(_gdelt_at(server), sources, tmp_path / "storage", tmp_path / "log") == 0
    asked = [parse_qs(urlsplit(path).query)["query"][0] for _, path, _ in server.log if path.startswith("/api/")]
    derived = next(query for query in asked if query != '"5G ban" huawei')
    assert len(asked) == 2 and derived.startswith("(huawei OR zte")
    fetched = [path for _, path, _ in server.log]
    assert fetched.count("/story/0") == 1 and fetched.count("/story/1") == 1  # the same result twice: one fetch
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    published = {r["url"].rsplit("/", 1)[1]: r["published"] for r in db.query(
        "select url, published from documents where found_via = 'search'")}  # fmt: skip
    assert published == {"0": "2020-11-14", "1": "2020-11-15"}  # the pages state none: the day the search saw them
    result = CliRunner().invoke(cli, ["sources", "--storage", str(tmp_path / "storage"), "--json"])
    rows = {row["source"]: row for row in map(json.loads, result.output.splitlines())}
    pinned = rows['search: "5G ban" huawei']
    assert pinned["kind"] == "search" and pinned["entries"] == 4
    queries = CliRunner().invoke(cli, ["sources", "--storage", str(tmp_path / "storage"), "--queries"])
    assert queries.output.splitlines() == [derived, '"5G ban" huawei']  # what the crawl ran


@ensureDeferred
async def test_a_rate_limit_notice_is_counted_and_survived(tmp_path: Path) -> None:
    with MockServer({}) as server:
        _served(server, (SEARCH / "gdelt_rate_limited.txt").read_bytes())
        sources = sources_for(tmp_path, [server.base + "/seed"], "[search]\ngdelt = true\n")
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log", "-s",
                           f"SEEDCRAWL_GDELT_URL={server.base}/api/v2/doc/doc") == 0  # fmt: skip
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    [run] = list(db.query("select status, stats from runs"))
    assert run["status"] == "finished" and json.loads(run["stats"])["seedcrawl/search/notice"] == 1
    log = (tmp_path / "log").read_text()
    assert "News search answered with a notice instead of results" in log and "Traceback" not in log


# GDELT's titles as it copies them into its JSON: a backslash it did not
# escape ("Invalid \escape", gdelt-doc-api issues #26 and #28) and a raw tab.
UNESCAPED = [("Huawei network security review 0", "Huawei\\'s network: security review 0"),
             ("Huawei network security review 1", "Huawei network\tsecurity review 1")]  # fmt: skip


def _unescaped_answer(base: str) -> bytes:
    answer = (SEARCH / "gdelt_artlist.json").read_text().replace("{BASE}", base)
    for clean, raw in UNESCAPED:
        answer = answer.replace(clean, raw, 1)
    return answer.encode()


def test_an_answer_with_titles_gdelt_did_not_escape_is_read_not_lost() -> None:
    body = _unescaped_answer("http://127.0.0.1")
    with pytest.raises(ValueError, match="Invalid"):
        json.loads(body)  # what a strict reader makes of it: not one result
    result = parse_gdelt(body)
    clean = parse_gdelt((SEARCH / "gdelt_artlist.json").read_text().replace("{BASE}", "http://127.0.0.1").encode())
    assert result.notice is None and result.repaired == 1 and clean.repaired == 0
    assert [hit.url for hit in result.hits] == [hit.url for hit in clean.hits] and len(result.hits) == 4
    assert [hit.title for hit in result.hits][:2] == ["Huawei's network: security review 0",
                                                      "Huawei network\tsecurity review 1"]  # fmt: skip
    # Beside a stray one, the escapes JSON allows are read as JSON reads them.
    mixed = b'{"articles": [{"url": "http://127.0.0.1/a", "title": "say \\"no\\" \\\\ \\u00e9\\n it\\\'s"}]}'
    kept = parse_gdelt(mixed)
    assert kept.repaired == 1 and kept.hits[0].title == 'say "no" \\ \u00e9\n it\'s'


@ensureDeferred
async def test_a_search_answer_that_is_not_valid_json_gives_its_results_and_says_so(tmp_path: Path) -> None:
    with MockServer({}) as server:
        _served(server, _unescaped_answer(server.base))
        sources = sources_for(tmp_path, [server.base + "/seed"], "[search]\ngdelt = true\n")
        assert await _search_crawl(_gdelt_at(server), sources, tmp_path / "storage", tmp_path / "log") == 0
    fetched = [path for _, path, _ in server.log]
    assert fetched.count("/story/0") == 1 and fetched.count("/story/1") == 1
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    [run] = list(db.query("select status, stats from runs"))
    stats = json.loads(run["stats"])
    assert stats["seedcrawl/search/repaired"] == 1 and "seedcrawl/search/notice" not in stats
    assert "News search answered with invalid JSON" in (tmp_path / "log").read_text()


@ensureDeferred
async def test_a_run_that_fetched_nothing_does_not_move_the_next_searchs_window(tmp_path: Path) -> None:
    """A crawl run by hand while the machine was offline ran to its end,
    fetching nothing, and was recorded as finished: the next night searched
    only from it on, so what was published since the last good run before
    it was never asked for."""
    storage = tmp_path / "storage"
    with MockServer({}) as server:
        _served(server, (SEARCH / "gdelt_artlist.json").read_text().replace("{BASE}", server.base).encode())
        sources = sources_for(tmp_path, [server.base + "/seed"], "[search]\ngdelt = true\n")
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log1") == 0
        # Offline: every host refused (127.0.0.9 is not on the allow-list), the search too.
        offline = sources.with_name("offline.toml")
        offline.write_text('[seeds]\nurls = ["http://127.0.0.9:9/seed"]\n[search]\ngdelt = true\n')
        assert await _search_crawl("http://127.0.0.9:9/doc", offline, storage, tmp_path / "log2") == 1
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log3") == 0
    db = sqlite_utils.Database(storage / "corpus.db")
    runs = list(db.query("select id, started, status from runs order by id"))
    assert [run["status"] for run in runs] == ["finished", "nothing_fetched", "finished"]
    searches = [path for _, path, _ in server.log if path.startswith("/api/")]
    asked = [parse_qs(urlsplit(path).query)["startdatetime"][0] for path in searches]
    first_start = datetime.fromisoformat(runs[0]["started"]).astimezone(UTC).strftime("%Y%m%d%H%M%S")
    assert asked[-1] == first_start  # the third run searches from the first, the last that fetched anything
    status = CliRunner(env={"COLUMNS": "120"}).invoke(cli, ["status", "--storage", str(storage)])
    assert re.search(r"\n 2 .* manual +nothing fetched +0 ", status.output), status.output


@ensureDeferred
async def test_a_query_gdelt_did_not_answer_is_asked_again_from_where_it_last_was(tmp_path: Path) -> None:
    """A rate-limit notice lost the window: the next night's query started
    at the night it failed. Each query now starts where it last answered
    (a page it listed that failed to download does not count against it)."""
    storage = tmp_path / "storage"
    limited = [False]
    with MockServer({}) as server:
        flaky = '{"url": "{BASE}/story/flaky", "title": "Huawei flaky", "seendate": "20201116T000000Z"},'
        listed = (SEARCH / "gdelt_artlist.json").read_text().replace('"articles": [', '"articles": [' + flaky, 1)
        answer = listed.replace("{BASE}", server.base).encode()
        notice = (SEARCH / "gdelt_rate_limited.txt").read_bytes()

        def search(handler, count):
            derived = parse_qs(urlsplit(handler.path).query)["query"][0].startswith("(")
            return 200, {"Content-Type": "application/json"}, notice if limited[0] and derived else answer

        _served(server, answer)
        server.routes["/api/v2/doc/doc"] = search
        server.routes["/story/flaky"] = (500, {}, b"try again later")  # an error each night
        sources = sources_for(tmp_path, [server.base + "/seed"], '[search]\ngdelt = true\nqueries = ["5G ban"]\n')
        for night, rate_limited in enumerate((False, True, False)):
            limited[0] = rate_limited
            time.sleep(1.1)  # runs are dated to the second
            assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / f"log{night}") == 0
    db = sqlite_utils.Database(storage / "corpus.db")
    starts = [datetime.fromisoformat(run["started"]).astimezone(UTC).strftime("%Y%m%d%H%M%S")
              for run in db.query("select started, status from runs order by id")]  # fmt: skip
    asked = [parse_qs(urlsplit(path).query) for _, path, _ in server.log if path.startswith("/api/")]
    third = {query["query"][0]: query["startdatetime"][0] for query in asked[4:]}
    derived = next(query for query in third if query.startswith("("))
    assert third == {derived: starts[0], "5G ban": starts[1]}  # the derived query from the first night
    pinned = list(db.query("select run_id, errors from source_runs where source = 'search: 5G ban' order by run_id"))
    assert pinned[1] == {"run_id": 2, "errors": 1}  # the flaky page, counted to it on the second night: it answered


def test_a_full_answer_asks_for_the_rest_of_the_window_up_to_its_oldest_result() -> None:
    start, end = datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)

    def answered(*seen: str | None) -> SearchResult:
        return SearchResult(
            [SearchHit(f"http://127.0.0.1/{k}", "", s, "") for k, s in enumerate(seen)], None, 0, len(seen)
        )

    day = "2026-11-{}T10:00:00+00:00".format
    assert rest_of_window(answered(day(29), day(28)), 3, start, end) == (True, None)  # not full: that was all
    rest = rest_of_window(answered(day(29), day(28), day(28)), 3, start, end)
    assert rest == (False, datetime(2026, 11, 28, 10, 0, 1, tzinfo=UTC))  # those seen at 10:00 asked for again
    assert rest_of_window(answered(day(29), day(28), "2026-11-26T23:00:00+00:00"), 3, start, end) == (True, None)
    at_end = end.isoformat()
    assert rest_of_window(answered(at_end, at_end, None), 3, start, end) == (False, None)  # cannot be paged
    assert rest_of_window(answered(None, None, None), 3, start, end) == (False, None)
    # An entry without a URL is left out of the hits, but GDELT listed it: the answer is full.
    answer = json.dumps({"articles": [{"url": "http://127.0.0.1/0", "seendate": "20261129T100000Z"}, {"title": "?"}]})
    assert rest_of_window(parse_gdelt(answer.encode()), 2, start, end) == (
        False,
        datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC),
    )


def _gdelt_archive(stories: int, hours_apart: float = 1.0) -> list[tuple[datetime, int]]:
    """When GDELT saw each story, newest first: the first an hour ago."""
    now = datetime.now(UTC)
    return [(now - timedelta(hours=hours_apart * (k + 1)), k) for k in range(stories)]


def _gdelt(base: str, archive: list[tuple[datetime, int]], refused: set[int] | None = None) -> object:
    """A GDELT stand-in for the pinned query "5G ban": what it saw within the
    request's start and end, newest first, at most maxrecords (the derived
    query: nothing); the requests numbered in ``refused`` get the rate-limit notice."""
    notice = (SEARCH / "gdelt_rate_limited.txt").read_bytes()
    asked = [0]

    def answer(handler, count):
        params = parse_qs(urlsplit(handler.path).query)
        if params["query"][0] != "5G ban":
            return 200, {}, b""
        asked[0] += 1
        if refused and asked[0] in refused:
            return 200, {"Content-Type": "text/plain"}, notice
        start, end = (datetime.strptime(params[key][0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
                      for key in ("startdatetime", "enddatetime"))  # fmt: skip
        listed = [(seen, k) for seen, k in archive if start <= seen.replace(microsecond=0) <= end]
        articles = [{"url": f"{base}/story/{k}", "title": f"Huawei network security review {k}",
                     "seendate": seen.strftime("%Y%m%dT%H%M%SZ")}
                    for seen, k in listed[: int(params["maxrecords"][0])]]  # fmt: skip
        return 200, {"Content-Type": "application/json"}, json.dumps({"articles": articles}).encode()

    return answer


def _pinned_requests(server: MockServer) -> list[dict[str, list[str]]]:
    asked = [parse_qs(urlsplit(path).query) for _, path, _ in server.log if path.startswith("/api/")]
    return [query for query in asked if query["query"] == ["5G ban"]]


PAGED = '[search]\ngdelt = true\nqueries = ["5G ban"]\nmax_records = 3\n'


@ensureDeferred
async def test_a_full_answer_is_followed_by_the_rest_of_the_window(tmp_path: Path) -> None:
    """GDELT answers at most max_records results, newest first: seven
    stories in the window, three a request, gave the three newest and lost
    the other four. The rest of the window is asked for, older each time."""
    storage = tmp_path / "storage"
    with MockServer({}) as server:
        _served(server, b"")
        server.routes["/api/v2/doc/doc"] = _gdelt(server.base, _gdelt_archive(7))
        for k in range(7):
            server.routes[f"/story/{k}"] = (200, {}, article_page(k))
        sources = sources_for(tmp_path, [server.base + "/seed"], PAGED)
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log") == 0
    requests = _pinned_requests(server)
    ends = [query["enddatetime"][0] for query in requests]
    assert len(requests) == 4 and ends == sorted(ends, reverse=True) and len(set(ends)) == 4  # older each time
    assert len({query["startdatetime"][0] for query in requests}) == 1  # the same window
    fetched = [path for _, path, _ in server.log if path.startswith("/story/")]
    assert sorted(fetched) == [f"/story/{k}" for k in range(7)]  # every story, each once
    db = sqlite_utils.Database(storage / "corpus.db")
    [stats] = [json.loads(run["stats"]) for run in db.query("select stats from runs")]
    assert stats["seedcrawl/search/more"] == 3 and "seedcrawl/search/left_unasked" not in stats
    [row] = db.query("select entries from source_runs where source = 'search: 5G ban'")
    assert row["entries"] == 10  # 3 + 3 + 3 + 1 listed, the stories at each page's edge twice, fetched once


@ensureDeferred
async def test_what_the_request_limit_leaves_unasked_is_counted_and_said(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    with MockServer({}) as server:
        _served(server, b"")
        server.routes["/api/v2/doc/doc"] = _gdelt(server.base, _gdelt_archive(7))
        sources = sources_for(tmp_path, [server.base + "/seed"], PAGED + "max_requests = 2\n")
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log") == 0
    assert len(_pinned_requests(server)) == 2
    fetched = {path for _, path, _ in server.log if path.startswith("/story/")}
    assert fetched == {f"/story/{k}" for k in range(5)}
    [stats] = [json.loads(run["stats"]) for run in sqlite_utils.Database(storage / "corpus.db").query(
        "select stats from runs")]  # fmt: skip
    assert stats["seedcrawl/search/left_unasked"] == 1
    log = (tmp_path / "log").read_text()
    assert re.search(
        r"News search \(search: 5G ban\) was answered in full \(search.max_records, 3\) 2 time\(s\), the most a run "
        r"asks \(search.max_requests\): what GDELT saw from \S+ to \S+ was not asked for",
        log,
    )


@ensureDeferred
async def test_a_query_whose_rest_was_refused_is_asked_again_from_the_same_start(tmp_path: Path) -> None:
    """The first answer was full, the request for the rest got GDELT's
    rate-limit notice: the window is not all asked for, so the query is
    not answered, and the next night asks from the same start again."""
    storage = tmp_path / "storage"
    with MockServer({}) as server:
        _served(server, b"")
        server.routes["/api/v2/doc/doc"] = _gdelt(server.base, _gdelt_archive(5), refused={2})
        sources = sources_for(tmp_path, [server.base + "/seed"], PAGED)
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log1") == 0
        time.sleep(1.1)  # runs are dated to the second
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log2") == 0
    requests = _pinned_requests(server)
    assert len(requests) == 5  # the first night's two, the second night's three (stories 0-2, 2-4, 4)
    assert requests[2]["startdatetime"] == requests[0]["startdatetime"]
    fetched = {path for _, path, _ in server.log if path.startswith("/story/")}
    assert fetched == {f"/story/{k}" for k in range(5)}


@ensureDeferred
async def test_a_window_kept_through_a_long_pause_is_asked_only_as_far_back_as_gdelt_searches(tmp_path: Path) -> None:
    """GDELT searches the last three months: a query last answered half a
    year ago (the crawl paused, or the query refused since) is asked from
    three months back, where GDELT would refuse or answer nothing."""
    storage = tmp_path / "storage"
    store = Store(storage)
    try:
        keep_windows(store, {"search: 5G ban": datetime.now(UTC) - timedelta(days=200)})
    finally:
        store.close()
    with MockServer({}) as server:
        _served(server, b"")
        server.routes["/api/v2/doc/doc"] = _gdelt(server.base, _gdelt_archive(1))
        sources = sources_for(tmp_path, [server.base + "/seed"], PAGED)
        assert await _search_crawl(_gdelt_at(server), sources, storage, tmp_path / "log") == 0
    [request] = _pinned_requests(server)
    asked = datetime.strptime(request["startdatetime"][0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    assert timedelta(days=89, hours=23) < datetime.now(UTC) - asked < timedelta(days=90, minutes=5)
    assert "search: 5G ban: asked from 90 days back, as far as it reaches" in (tmp_path / "log").read_text()

"""Failed requests get a name, and a final one is never fetched again."""

from pathlib import Path

import sqlite_utils
from pytest_twisted import ensureDeferred
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from twisted.python.failure import Failure

from crawler.guard import AddressRefused
from crawler.middlewares import BudgetExhausted
from crawler.outcomes import classify

from .inprocess import crawl
from .mockserver import MockServer, seed_page, sources_for


def failure(exc: Exception, url: str = "http://127.0.0.1/x") -> Failure:
    made = Failure(exc)
    made.request = Request(url)  # type: ignore[attr-defined]
    return made


def test_each_kind_of_failure_has_its_name() -> None:
    assert classify(failure(BudgetExhausted("page budget of 3 spent"))) is None  # not an outcome: tried later
    assert classify(failure(AddressRefused("10.0.0.1", "private"))).name == "refused"
    assert classify(failure(IgnoreRequest("Forbidden by robots.txt"))).name == "robots"
    assert classify(failure(IgnoreRequest("max redirections reached"))).name == "too_many_redirects"
    announced = classify(
        failure(
            DownloadCancelledError(
                "Expected to receive 3000062 bytes which is larger than download max size (1000000) in request <GET x>."
            )
        )
    )
    assert (announced.name, announced.is_error) == ("too_large", False)  # final: not downloaded again
    counted = classify(failure(DownloadCancelledError("")))  # cut off as it arrived: Scrapy gives no words
    assert counted.name == "too_large" and "size limit" in counted.detail
    assert classify(failure(StopDownload(fail=True))).name == "content_type"
    assert classify(failure(ConnectionResetError("reset"))).name == "error"


@ensureDeferred
async def test_a_body_over_the_size_limit_is_too_large_and_never_downloaded_again(tmp_path: Path) -> None:
    """Issue 18: an honest Content-Length over limits.max_body_bytes was a
    transient error, downloaded again every run."""
    huge = b"<html><body><p>" + b"x" * 300_000 + b"</p></body></html>"
    with MockServer({}) as server:
        server.routes.update({
            "/seed": (200, {}, seed_page([server.base + "/huge", server.base + "/huge-unannounced"])),
            "/huge": (200, {}, huge),
            "/huge-unannounced": (200, {"Content-Length": None}, huge),
        })  # fmt: skip
        sources = sources_for(tmp_path, [server.base + "/seed"], "[limits]\nmax_body_bytes = 100000\n")
        for run in ("first", "second"):
            assert await crawl(sources, tmp_path / "storage", tmp_path / f"{run}.log") == 0
        fetched = [path for _, path, _ in server.log]
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    outcomes = {r["url"].rsplit("/", 1)[1]: r["outcome"] for r in db.query("select url, outcome from urls")}
    assert outcomes["huge"] == outcomes["huge-unannounced"] == "too_large"
    assert fetched.count("/huge") == 1 and fetched.count("/huge-unannounced") == 1

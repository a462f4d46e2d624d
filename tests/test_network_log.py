"""A host the network cannot reach costs the crawl log one line, not a traceback."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import sqlite_utils
from scrapy.exceptions import DownloadConnectionRefusedError

from crawler.network_log import NetworkFailureInOneLine

from .inprocess import crawl
from .mockserver import MockServer, seed_page, sources_for


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_hosts_robots_txt_is_one_warning_line(tmp_path: Path) -> None:
    gone = f"http://127.0.0.1:{closed_port()}/huawei-security-story"
    with MockServer({}) as server:
        server.routes["/seed"] = (200, {}, seed_page([gone]))
        sources = sources_for(tmp_path, [server.base + "/seed"])
        log = tmp_path / "crawl.log"
        assert await crawl(sources, tmp_path / "storage", log) == 0
    text = log.read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if "[scrapy.downloadermiddlewares.robotstxt]" in ln]
    assert f"WARNING: Error downloading <GET {gone}>" in line and "Connection was refused" in line
    assert "Traceback" not in text
    db = sqlite_utils.Database(tmp_path / "storage" / "corpus.db")
    assert [r["outcome"] for r in db.query("select outcome from urls where url = ?", [gone])] == ["error"]


def test_any_other_failure_keeps_its_traceback() -> None:
    def record_of(error: Exception) -> logging.LogRecord:
        try:
            raise error
        except Exception:
            info = sys.exc_info()
        return logging.LogRecord("robots", logging.ERROR, __file__, 1, "Error downloading", (), info)

    quiet = NetworkFailureInOneLine((DownloadConnectionRefusedError,))
    network, bug = record_of(DownloadConnectionRefusedError("refused")), record_of(KeyError("netloc"))
    assert quiet.filter(network) and quiet.filter(bug)
    assert network.exc_info is None and network.levelname == "WARNING"
    assert bug.exc_info is not None and bug.levelname == "ERROR"

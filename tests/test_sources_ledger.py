"""The yield ledger: what each seed URL and feed gave, run by run (issue 14, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from pytest_twisted import ensureDeferred

from crawler.cli import cli
from crawler.demo import prepare_folder
from crawler.sources import load_sources

from .conftest import SEEDS
from .inprocess import crawl


@ensureDeferred
async def test_every_candidate_is_counted_to_the_source_that_found_it(sample_web, tmp_path: Path) -> None:
    sources = prepare_folder(tmp_path, SEEDS, sample_web)
    storage = tmp_path / "storage"
    assert await crawl(sources, storage, tmp_path / "log") == 0
    queued = sorted(p.name for p in (storage / "queue").iterdir())
    runner = CliRunner()
    assert runner.invoke(cli, ["accept", "0", "--storage", str(storage)]).exit_code == 0
    result = runner.invoke(cli, ["sources", "--storage", str(storage), "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["source"]: row for row in map(json.loads, result.output.splitlines())}
    config = load_sources(sources)
    for url in config.seed_urls:
        assert rows[url]["kind"] == "seed" and rows[url]["entries"] == 1 and rows[url]["fetched"] >= 1
    for url in config.feed_urls:
        assert rows[url]["kind"] == "feed" and rows[url]["entries"] > 0
    assert sum(row["queued"] for row in rows.values()) == len(queued)  # none unattributed
    assert sum(row["accepted"] for row in rows.values()) == 1
    best = next(iter(rows.values()))
    assert best["accepted"] == 1  # best yield first
    table = runner.invoke(cli, ["sources", "--storage", str(storage)])
    assert table.exit_code == 0 and "best yield first" in table.output
    report = runner.invoke(cli, ["report", "--storage", str(storage), "-o", str(tmp_path / "report.html")])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert report.exit_code == 0 and "Sources, best yield first" in page and config.feed_urls[0] in page
    view = sqlite_utils.Database(storage / "corpus.db").query("select source, queued, accepted from source_yield")
    assert {r["source"]: r["accepted"] for r in view} == {source: row["accepted"] for source, row in rows.items()}
    lines = table.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    # `show` names the exact source a candidate descends from.
    db = sqlite_utils.Database(storage / "corpus.db")
    one = next(db.query("select queue_seq, source from documents where status = 'pending' and source is not null"))
    shown = runner.invoke(cli, ["show", str(one["queue_seq"]), "--storage", str(storage)]).output
    assert f"source{one['source']}" in "".join(shown.split())  # a long URL is folded at the terminal's width
    assert lines[2].split()[-7:] == ["seen", "read", "topic", "queued", "acc", "rej", "err"]


@ensureDeferred
async def test_a_source_that_finds_nothing_on_topic_is_marked(tmp_path: Path) -> None:
    from .mockserver import MockServer, seed_page, sources_for

    with MockServer({"/robots.txt": (404, {}, b"")}) as server:
        server.routes["/seed"] = (200, {}, seed_page([]))
        server.routes["/empty.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                       b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                       b"</channel></rss>")  # fmt: skip
        sources = sources_for(tmp_path, [server.base + "/seed"], f'[feeds]\nurls = ["{server.base}/empty.xml"]\n')
        assert await crawl(sources, tmp_path / "storage", tmp_path / "log") == 0
    result = CliRunner().invoke(cli, ["sources", "--storage", str(tmp_path / "storage"), "--json"])
    rows = {row["source"]: row for row in map(json.loads, result.output.splitlines())}
    assert rows[f"{server.base}/empty.xml"]["warning"] == "nothing new on topic in its last 1 run(s)"

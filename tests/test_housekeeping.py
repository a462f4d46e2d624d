"""`seedcrawl gc`, the nightly gc step and a bounded WAL (issue 19, item 4)."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.lock import CrawlLock
from crawler.nightly import CrawlRunner, NightlyConfig
from crawler.review import Review
from crawler.store import Document, FrontierLink, Store
from crawler.store import base as store_base

from .conftest import SEEDS
from .test_store import make_doc

OLD = "2020-01-01T00:00:00+00:00"


def corpus(folder: Path, frontier: int = 20_000) -> tuple[Path, dict[str, int]]:
    """A storage folder with seeds, an accepted and a rejected candidate, and
    a frontier of old and new links; returns it and its table counts."""
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "sources.toml").write_text('[seeds]\nurls = ["http://127.0.0.1/"]\n', encoding="utf-8")
    storage = folder / "storage"
    store = Store(storage)
    store.claim_corpus(seeds, seeds / "sources.toml")
    run = store.start_run(seeds / "sources.toml")
    for n in range(3):
        store.add_candidate(make_doc(f"Story {n}\n\n" + f"Huawei network equipment review number {n}. " * 30,
                                     url=f"http://127.0.0.1/{n}"), run)  # fmt: skip
    review = Review(store, seeds)
    review.accept("0")
    review.reject("1", "not this")
    links = [FrontierLink(f"http://127.0.0.1/later/{n}/" + "x" * 200, "link", None, 2, 50) for n in range(frontier)]
    store.add_to_frontier(links)
    store.finish_run(run, "finished", {})
    store.close()
    db = sqlite_utils.Database(storage / "corpus.db")
    with db.conn:
        db.execute("update frontier set added = ? where rowid % 4 != 0", [OLD])  # three in four are old
    return storage, counts(storage)


def counts(storage: Path) -> dict[str, int]:
    db = sqlite_utils.Database(storage / "corpus.db")
    return {t: db[t].count for t in ("documents", "decisions", "urls", "copies", "frontier")}


def test_gc_removes_old_frontier_links_compacts_and_keeps_every_document_decision_and_seed(tmp_path: Path) -> None:
    storage, before = corpus(tmp_path)
    seeds_before = sorted(p.name for p in (tmp_path / "seeds").iterdir())
    dry = CliRunner().invoke(cli, ["gc", "--storage", str(storage), "--dry-run"])
    assert dry.exit_code == 0 and "would remove 15000 frontier link(s) older than 90 days" in dry.output
    assert counts(storage) == before
    size = sum(p.stat().st_size for p in storage.glob("corpus.db*"))
    result = CliRunner().invoke(cli, ["gc", "--storage", str(storage)])
    assert result.exit_code == 0, result.output
    assert "removed 15000 frontier link(s) older than 90 days" in result.output
    assert "documents, decisions and seeds untouched" in result.output
    shown = re.search(r"database ([\d.]+) MB -> ([\d.]+) MB \(([\d.]+) MB freed\)", result.output)
    assert shown, result.output
    was, now, freed = (float(x) for x in shown.groups())
    assert abs(was - size / 1e6) <= 0.05 and round(was - now, 1) == freed  # the line adds up
    after = counts(storage)
    assert after == {**before, "frontier": 5000}
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == seeds_before
    assert sum(p.stat().st_size for p in storage.glob("corpus.db*")) < size * 0.6  # the space went back to the disk
    assert CliRunner().invoke(cli, ["queue", "--storage", str(storage)]).exit_code == 0


def test_gc_waits_for_no_crawl(tmp_path: Path) -> None:
    storage, before = corpus(tmp_path, frontier=10)
    with CrawlLock.for_storage(storage):
        result = CliRunner().invoke(cli, ["gc", "--storage", str(storage)])
    assert result.exit_code == 1 and "another crawl is running" in result.output
    assert counts(storage) == before


def test_gc_where_there_is_no_storage_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not that seeds/sources.toml is missing (it looked for that first)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["gc", "--storage", "elsewhere"])
    assert result.exit_code == 2 and "no corpus database here" in result.output
    assert "sources.toml" not in result.output and not (tmp_path / "elsewhere" / "corpus.db").exists()


def test_the_nightly_step_runs_gc_when_asked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    storage, _ = corpus(tmp_path, frontier=100)
    sources = tmp_path / "seeds" / "sources.toml"
    sources.write_text(sources.read_text() + "[housekeeping]\nnightly = true\nfrontier_days = 30\n")
    config = NightlyConfig.load(sources, storage)
    assert config.sources.gc_nightly and config.sources.frontier_days == 30
    with caplog.at_level(logging.INFO, logger="seedcrawl.scheduler"):
        CrawlRunner(config).collect_garbage()
    assert "gc: removed 75 frontier link(s) older than 30 days" in caplog.text
    assert counts(storage)["frontier"] == 25


def test_the_wal_file_shrinks_back_after_a_reader_held_it_open(tmp_path: Path, monkeypatch) -> None:
    """A reader (the report, the review page) that holds a snapshot while the
    crawl writes keeps checkpoints from reusing the WAL, which grows; once it
    is gone the next checkpoint must give the space back."""
    monkeypatch.setattr(store_base, "WAL_LIMIT_BYTES", 1024 * 1024)
    store = Store(tmp_path / "storage")
    store.register_seed(Document.from_seed(*_seed()), "000.txt")
    wal = tmp_path / "storage" / "corpus.db-wal"

    def write(batches: int, start: int) -> None:
        for batch in range(start, start + batches):  # a transaction each, as a crawl's pages are
            links = [FrontierLink(f"http://127.0.0.1/{batch}/{n}/" + "y" * 500, "link", None, 1, 1) for n in range(500)]
            store.add_to_frontier(links)

    reader = sqlite3.connect(tmp_path / "storage" / "corpus.db")
    reader.execute("begin")
    reader.execute("select count(*) from documents").fetchone()  # a snapshot, held
    write(30, 0)
    grown = wal.stat().st_size
    reader.rollback()
    reader.close()
    write(10, 30)
    after = wal.stat().st_size
    store.close()
    assert grown > 10 * 1024 * 1024 and after < 6 * 1024 * 1024, (grown, after)


def _seed():
    from crawler.seedfile import read_seed, seed_files

    path = next(iter(seed_files(SEEDS)))
    return read_seed(path), path


def test_gc_says_figures_that_add_up() -> None:
    """The demo said `0.6 MB -> 0.4 MB (0.1 MB freed)`: each figure rounded on its own."""
    from crawler.cli.operations import freed_mb, mb

    assert freed_mb(551_000, 449_000) == "0.2 MB"  # shown as 0.6 -> 0.4
    for before in range(400_000, 700_000, 7_000):
        for after in range(100_000, before, 9_000):
            shown = float(mb(before).split()[0]) - float(mb(after).split()[0])
            assert float(freed_mb(before, after).split()[0]) == pytest.approx(shown), (before, after)

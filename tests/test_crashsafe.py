"""A crawl killed with SIGKILL at any moment and started again loses and duplicates nothing."""

import sqlite3
import time
from pathlib import Path

from crawler.demo import prepare_folder, run_crawl, start_crawl
from crawler.seedfile import content_hash

from .conftest import SEEDS, wait_for

KILL_AFTER = (2.0, 2.6, 3.2, 3.8, 4.5, 5.3)  # seconds after start: start-up, seeds, feeds, links, late


def children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return {int(child) for child in listing.read().split()}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def state(storage: Path) -> tuple[set[str], set[str], str]:
    db = sqlite3.connect(storage / "corpus.db")
    integrity = db.execute("pragma integrity_check").fetchone()[0]
    rows = {r[0] for r in db.execute("select queue_file from documents where status = 'pending'")}
    db.close()
    files = {p.name for p in (storage / "queue").iterdir()}
    return rows, files, integrity


def test_killed_crawls_resume_and_finish_the_same_work(sample_web, tmp_path: Path) -> None:
    web = sample_web
    sources = prepare_folder(tmp_path / "site", SEEDS, web)
    storage = tmp_path / "storage"
    kills = 0
    orphans: set[int] = set()
    for delay in KILL_AFTER:
        crawl = start_crawl(sources, storage, tmp_path / f"killed-{delay}.log", "-s", "DOWNLOAD_DELAY=0.5")
        time.sleep(delay)
        if crawl.poll() is None:
            orphans |= children(crawl.pid)  # its extraction workers
            crawl.kill()  # SIGKILL: no handler, no cleanup
            kills += 1
        crawl.wait()
        if (storage / "corpus.db").exists():
            assert state(storage)[2] == "ok"  # SQLite itself is never damaged
    assert kills >= 4
    assert orphans, "the killed crawls had worker processes"
    wait_for(lambda: not any(alive(pid) for pid in orphans), timeout=10)
    assert not [pid for pid in orphans if alive(pid)], "workers outlived their killed crawl"
    assert run_crawl(sources, storage, tmp_path / "final.log") == 0
    rows, files, integrity = state(storage)
    assert integrity == "ok"
    assert rows == files  # every queued row has its file and every file its row
    assert not list(storage.rglob("*.part")) and not list(storage.rglob(".tmp-*"))
    texts = [(storage / "queue" / name).read_text(encoding="utf-8") for name in files]
    titles = sorted(text.split("\n", 1)[0] for text in texts)
    expected = sorted(web.titles[u] for u, what in web.expect.items() if what == "queued")
    assert titles == expected  # the same eight stories an uninterrupted crawl queues, each once
    assert all(
        name[4:20] == content_hash(text)[:16]
        for name, text in zip(
            sorted(files), [(storage / "queue" / n).read_text(encoding="utf-8") for n in sorted(files)], strict=True
        )
    )
    db = sqlite3.connect(storage / "corpus.db")
    statuses = [r[0] for r in db.execute("select status from runs order by id")]
    assert statuses[-1] == "finished" and "killed" in statuses

"""Fault injection: every fault ends in one line and loses nothing.

Each test makes one fault real (a read-only mount, a full tmpfs, a deleted,
emptied or damaged database, a killed worker, a stop signal at a random
moment), checks what the user sees (exit status, one line, no traceback)
and compares what was stored before with what is there after. The table of
faults, outcomes and losses is printed at the end of the run (conftest).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.config import crawl_command
from crawler.demo import prepare_folder, run_crawl
from crawler.lock import CrawlLock

from .conftest import SEEDS, wait_for
from .faults import (
    in_namespace,
    losses,
    namespaces,
    one_line,
    pending_rows_and_files_agree,
    quoted,
    record,
    snapshot,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDCRAWL = [sys.executable, "-m", "crawler.cli"]
needs_namespaces = pytest.mark.skipif(namespaces() is not None, reason=namespaces() or "")
# Random moments, reproducible: the seed is in every failure message.
SEED = int(os.environ.get("SEEDCRAWL_FAULT_SEED", time.time_ns() % 100_000))
MOMENTS = random.Random(SEED)


@pytest.fixture(scope="module")
def web(sample_web):
    return sample_web


@pytest.fixture(scope="module")
def corpus(web, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus after one crawl of the sample web: eight candidates queued."""
    folder = tmp_path_factory.mktemp("corpus")
    sources = prepare_folder(folder, SEEDS, web)
    assert run_crawl(sources, folder / "storage", folder / "crawl.log") == 0
    assert len(list((folder / "storage" / "queue").glob("*.txt"))) == 8
    return folder


def copy_of(corpus: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    return folder


def crawl(folder: Path, *extra: str) -> list[str]:
    return crawl_command(folder / "seeds" / "sources.toml", folder / "storage", folder / "fault.log", *extra)


def expected_titles(web) -> list[str]:
    return sorted(web.titles[u] for u, what in web.expect.items() if what == "queued")


def queued_titles(storage: Path) -> list[str]:
    return sorted(p.read_text(encoding="utf-8").split("\n", 1)[0] for p in (storage / "queue").glob("*.txt"))


def last_run(storage: Path) -> dict:
    db = sqlite3.connect(storage / "corpus.db")
    db.row_factory = sqlite3.Row
    row = dict(db.execute("select * from runs order by id desc limit 1").fetchone())
    db.close()
    return row


def log_is_clean(log: Path) -> None:
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "Traceback" not in text and "forcing unclean shutdown" not in text, text[-3000:]


# -- storage faults -----------------------------------------------------------------------


@needs_namespaces
@pytest.mark.parametrize("what", ["storage folder", "database file"])
def test_read_only_storage_is_one_line_for_the_crawl_and_the_reviewer(what: str, corpus: Path, tmp_path: Path) -> None:
    folder = copy_of(corpus, tmp_path)
    target = folder / "storage" / ("corpus.db" if what == "database file" else "")
    before = snapshot(folder)
    accept = [*SEEDCRAWL, "accept", "0", "--storage", folder / "storage"]
    result = in_namespace(
        f"mount --bind {target} {target} && mount -o remount,bind,ro {target}\n"
        f"set +e; {quoted(crawl(folder))} 2> {folder}/crawl.err; echo crawl=$?\n"
        f"{quoted(accept)} 2> {folder}/accept.err; echo accept=$?"
    )
    assert "crawl=2" in result.stdout and "accept=2" in result.stdout, result.stdout + result.stderr
    crawl_line = one_line((folder / "crawl.err").read_text(), "seedcrawl: ")
    accept_line = one_line((folder / "accept.err").read_text(), "Error: ")
    for line in (crawl_line, accept_line):
        assert "read-only" in line or "not writable" in line, line
    lost = losses(before, snapshot(folder))
    record(f"{what} read-only", "crawl and accept: exit 2, one line (read-only, make it writable)", lost)
    assert lost == []


@needs_namespaces
def test_disk_full_at_start_is_one_line(corpus: Path, tmp_path: Path) -> None:
    folder = copy_of(corpus, tmp_path)
    before = snapshot(folder)
    disk = tmp_path / "disk"
    disk.mkdir()
    result = in_namespace(
        f"mount -t tmpfs -o size=4m tmpfs {disk} && cp -a {folder}/storage {disk}/storage\n"
        f"head -c 100000000 /dev/zero > {disk}/filler 2>/dev/null || true\n"
        f"set +e; {quoted(crawl_command(folder / 'seeds/sources.toml', disk / 'storage', folder / 'fault.log'))} "
        f"2> {folder}/crawl.err; echo crawl=$?\n"
        f"rm -r {folder}/storage && cp -a {disk}/storage {folder}/storage"
    )
    assert "crawl=2" in result.stdout, result.stdout + result.stderr
    line = one_line((folder / "crawl.err").read_text(), "seedcrawl: ")
    assert "the disk is full" in line
    lost = losses(before, snapshot(folder))
    record("disk full at start", "crawl: exit 2, one line (the disk is full)", lost)
    assert lost == []


@needs_namespaces
def test_disk_full_mid_crawl_stops_with_one_line_and_the_next_crawl_finishes_the_work(web, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    sources = prepare_folder(folder, SEEDS, web)
    disk = tmp_path / "disk"
    disk.mkdir()
    storage = disk / "storage"
    first = crawl_command(sources, storage, folder / "full.log")
    again = crawl_command(sources, storage, folder / "again.log")
    result = in_namespace(
        f"mount -t tmpfs -o size=1m tmpfs {disk}\n"
        f"set +e; {quoted(first)} 2> {folder}/crawl.err; echo crawl=$?\n"
        f"cp -a {storage} {folder}/after-fault\n"
        f"mount -o remount,size=64m {disk}\n"  # space freed: the next night's crawl
        f"{quoted(again)} 2> {folder}/again.err; echo again=$?\n"
        f"cp -a {storage} {folder}/storage"
    )
    assert "crawl=2" in result.stdout and "again=0" in result.stdout, result.stdout + result.stderr
    line = one_line((folder / "crawl.err").read_text(), "seedcrawl: ")
    assert "the disk is full" in line
    log_is_clean(folder / "full.log")
    faulted = last_run_of(folder / "after-fault", 1)
    assert faulted["status"] == "storage_error" and faulted["pages"] > 0  # it had started, and says how it ended
    assert pending_rows_and_files_agree(folder / "after-fault")
    assert last_run(folder / "storage")["status"] == "finished"
    assert queued_titles(folder / "storage") == expected_titles(web)  # nothing committed was lost; none twice
    lost = [] if queued_titles(folder / "storage") == expected_titles(web) else ["queued stories"]
    record("disk full mid-crawl (1 MB tmpfs)", f"exit 2 after {faulted['pages']} pages, run storage_error", lost)


def last_run_of(storage: Path, run_id: int) -> dict:
    db = sqlite3.connect(storage / "corpus.db")
    db.row_factory = sqlite3.Row
    row = dict(db.execute("select * from runs where id = ?", [run_id]).fetchone())
    db.close()
    return row


@pytest.mark.parametrize("damage", ["deleted", "emptied", "corrupted"])
def test_a_missing_empty_or_damaged_database_never_costs_a_queue_file(
    damage: str, corpus: Path, tmp_path: Path
) -> None:
    folder = copy_of(corpus, tmp_path)
    storage = folder / "storage"
    for suffix in ("-wal", "-shm"):
        (storage / f"corpus.db{suffix}").unlink(missing_ok=True)
    before = snapshot(folder)
    database = storage / "corpus.db"
    if damage == "deleted":
        database.unlink()
    elif damage == "emptied":
        database.write_bytes(b"")
    else:
        database.write_bytes(b"this is not an SQLite database, it is what a bad copy leaves behind\n" * 100)
    crawled = subprocess.run(crawl(folder), capture_output=True, text=True, cwd=ROOT, timeout=120)
    queue = subprocess.run([*SEEDCRAWL, "queue", "--storage", storage], capture_output=True, text=True, timeout=60)
    accept = subprocess.run([*SEEDCRAWL, "accept", "0", "--storage", storage], capture_output=True, text=True)
    assert (crawled.returncode, queue.returncode, accept.returncode) == (2, 2, 2), crawled.stderr[-2000:]
    crawl_line = one_line(crawled.stderr, "seedcrawl: ")
    queue_line = one_line(queue.stderr, "Error: ")
    if damage == "corrupted":
        assert "damaged" in crawl_line and "damaged" in queue_line
    else:
        for line in (crawl_line, queue_line):
            assert f"corpus.db is {'missing' if damage == 'deleted' else 'empty'}" in line, line
            assert "holds 8 candidate file(s)" in line and "queue" in line
        # Nothing re-initialised: no new database, and the empty one still empty.
        assert (not database.exists()) if damage == "deleted" else database.stat().st_size == 0
    after = snapshot(folder)
    lost = [item for item in losses(before, after) if not item.startswith("document")]  # the rows went with the file
    said = "damaged" if damage == "corrupted" else f"{'missing' if damage == 'deleted' else 'empty'}, 8 queue files"
    record(f"database {damage}", f"crawl, queue, accept: exit 2, one line (corpus.db {said}); no repair", lost)
    assert lost == [] and after["queue"] == before["queue"]


# -- workers ------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def workers_of(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                if b"crawler.workers" in cmdline.read():
                    found.append(child)
        except FileNotFoundError:
            pass
    return found


def finish(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """communicate(), and on a timeout end the whole process group (no test
    leaves a hung crawl and its workers behind)."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise


def pages_done(storage: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{storage / 'corpus.db'}?mode=ro", uri=True, timeout=1)
        count = db.execute("select count(*) from urls").fetchone()[0]
        db.close()
        return count
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("restarts", [3, 0])
def test_a_killed_worker_is_replaced_or_stops_the_crawl_with_its_own_outcome(
    restarts: int, web, tmp_path: Path
) -> None:
    folder = tmp_path / "site"
    sources = prepare_folder(folder, SEEDS, web)
    storage = folder / "storage"
    command = crawl_command(
        sources, storage, folder / "crawl.log", "-s", "DOWNLOAD_DELAY=0.6", "-s", "SEEDCRAWL_WORKERS=2",
        "-s", f"SEEDCRAWL_WORKER_RESTARTS={restarts}",
    )  # fmt: skip
    crawl_process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # Early, so that pages are still to come (a worker that dies with no work
    # left changes nothing anyone could notice).
    assert wait_for(lambda: len(workers_of(crawl_process.pid)) == 2 and pages_done(storage) >= 1)
    victim = workers_of(crawl_process.pid)[0]
    os.kill(victim, signal.SIGKILL)  # what the OOM killer does
    _, stderr = finish(crawl_process, 180)
    log = (folder / "crawl.log").read_text()
    assert "Traceback" not in log and "BrokenProcessPool" not in log
    assert f"An analysis worker process died (pid {victim} killed by SIGKILL)" in log or restarts == 0
    run = last_run(storage)
    if restarts:
        assert crawl_process.returncode == 0 and run["status"] == "finished"
        # The pages the dead worker held were read again: every story is queued, once.
        assert run_crawl(sources, storage, folder / "again.log") == 0
        lost = [] if queued_titles(storage) == expected_titles(web) else ["queued stories"]
        record("analysis worker killed (SIGKILL)", "replaced; run finished, every story queued", lost)
        assert lost == []
    else:
        line = one_line(stderr, "seedcrawl: ")
        assert crawl_process.returncode == 1 and run["status"] == "analysis_failed"
        assert f"an analysis worker process died (pid {victim} killed by SIGKILL)" in line
        assert pending_rows_and_files_agree(storage)
        record("analysis worker killed, no restarts left", "exit 1, run analysis_failed, one line", [])
    assert wait_for(lambda: not any(alive(pid) for pid in workers_of(crawl_process.pid)), timeout=10)


# -- stopping -----------------------------------------------------------------------------


def started_crawl(storage: Path) -> bool:
    holder = CrawlLock.for_storage(storage).holder()
    return bool(holder) and pages_done(storage) > 0


@pytest.mark.parametrize("how", ["SIGINT to the crawl's group (Ctrl-C)", "SIGTERM to the crawl's group"])
def test_stopping_a_crawl_at_a_random_moment_is_clean(how: str, web, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    sources = prepare_folder(folder, SEEDS, web)
    storage = folder / "storage"
    command = crawl_command(sources, storage, folder / "crawl.log", "-s", "DOWNLOAD_DELAY=0.3")
    crawl_process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # From the crawl's first page on: before it, the interpreter may still be
    # importing Scrapy (1.2-1.5 s here), with Python's own Ctrl-C handling.
    assert wait_for(lambda: started_crawl(storage), step=0.01), "the crawl did not start"
    moment = MOMENTS.uniform(0.0, 3.0)
    time.sleep(moment)
    workers = workers_of(crawl_process.pid)
    os.killpg(crawl_process.pid, signal.SIGINT if how.startswith("SIGINT") else signal.SIGTERM)
    _, stderr = finish(crawl_process, 120)
    context = f"{how} {moment:.2f} s after the first page (SEEDCRAWL_FAULT_SEED={SEED})"
    assert crawl_process.returncode == 0, context
    assert "Traceback" not in stderr, context
    log_is_clean(folder / "crawl.log")
    run = last_run(storage)
    assert run["status"] == "shutdown" and run["pages"] is not None, (context, run)
    stats = __import__("json").loads(run["stats"])
    assert not [key for key in stats if "Broken" in key or "Cancelled" in key], (context, stats)
    assert wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10), context
    assert not list(storage.rglob("*.part")) and pending_rows_and_files_agree(storage)
    assert run_crawl(sources, storage, folder / "again.log") == 0  # the next run finishes the work
    lost = [] if queued_titles(storage) == expected_titles(web) else ["queued stories"]
    record(f"{how} at {moment:.1f} s", f"run shutdown ({run['pages']} pages), no traceback, no orphan", lost)
    assert lost == [], context


@pytest.mark.parametrize(
    "how",
    ["Ctrl-C on the scheduler (SIGINT to its group)", "systemd default (SIGTERM to every process)",
     "systemd KillMode=mixed (SIGTERM to the scheduler)"],
)  # fmt: skip
def test_stopping_the_scheduler_during_a_crawl_is_clean(how: str, web, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    sources = prepare_folder(folder, SEEDS, web)
    storage = folder / "storage"
    scheduler = subprocess.Popen(
        [sys.executable, "scheduler.py", "--sources", str(sources), "--storage", str(storage),
         "-s", "DOWNLOAD_DELAY=0.5", "-s", "AUTOTHROTTLE_START_DELAY=0.5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    assert wait_for(lambda: started_crawl(storage)), "the catch-up crawl did not start"
    moment = MOMENTS.uniform(0.2, 2.0)
    time.sleep(moment)
    crawl_pid = int(CrawlLock.for_storage(storage).holder()["pid"])
    workers = workers_of(crawl_pid)
    if how.startswith("Ctrl-C"):
        os.killpg(scheduler.pid, signal.SIGINT)  # the terminal's foreground group
    elif how.startswith("systemd default"):
        for pid in [scheduler.pid, crawl_pid, *workers]:  # the whole control group at once
            os.kill(pid, signal.SIGTERM)
    else:
        os.kill(scheduler.pid, signal.SIGTERM)
    output, _ = finish(scheduler, 180)
    context = f"{how} {moment:.2f} s into the crawl (SEEDCRAWL_FAULT_SEED={SEED})"
    assert scheduler.returncode == 0, (context, output[-3000:])
    assert "Traceback" not in output and " ERROR: " not in output, (context, output[-3000:])
    run = last_run(storage)
    assert run["status"] == "shutdown" and run["pages"] is not None, (context, run)
    log_is_clean(Path(run["log_file"]))
    assert wait_for(lambda: not alive(crawl_pid) and not any(alive(pid) for pid in workers), timeout=10), context
    assert CrawlLock.for_storage(storage).holder() is None
    assert not list(storage.rglob("*.part")) and pending_rows_and_files_agree(storage)
    record(how, f"run shutdown ({run['pages']} pages), scheduler exit 0, no traceback", [])


def test_a_stop_while_the_crawl_is_still_starting_is_a_shutdown_not_a_failure(web, tmp_path: Path) -> None:
    """SIGTERM can reach the crawl before its own handlers are in place (the
    interpreter still importing): it ends at once, and the scheduler, which
    asked for the stop, records the run as a shutdown."""
    import threading

    from crawler.nightly import CrawlRunner, NightlyConfig

    folder = tmp_path / "site"
    sources = prepare_folder(folder, SEEDS, web)
    runner = CrawlRunner(NightlyConfig.load(sources, folder / "storage"))
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(runner.run("schedule")))
    thread.start()
    assert wait_for(lambda: runner.child is not None, timeout=30, step=0.001)
    runner.stop(timeout=60)
    thread.join(60)
    run = last_run(folder / "storage")
    assert run["status"] == "shutdown", run
    record("SIGTERM to the scheduler as its crawl starts", f"run shutdown (exit {codes[0]})", [])

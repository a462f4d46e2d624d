"""The nightly scheduler: lock, catch-up rule, child-process runs, shutdown."""

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from crawler.config import crawl_command
from crawler.demo import prepare_folder
from crawler.lock import CrawlLock, CrawlLocked
from crawler.nightly import JOB_ID, CrawlRunner, NightlyConfig, build_scheduler, needs_catch_up, previous_fire_time

from .conftest import SEEDS, wait_for


def run_status(storage: Path) -> str | None:
    """The newest run's status, read without waiting on the crawl's writes."""
    try:
        db = sqlite3.connect(f"file:{storage / 'corpus.db'}?mode=ro", uri=True, timeout=1)
        row = db.execute("select status from runs order by id desc limit 1").fetchone()
        db.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


ROOT = Path(__file__).resolve().parents[1]
UTC = ZoneInfo("UTC")
HOLD_LOCK = (
    "import sys, time; from pathlib import Path; from crawler.lock import CrawlLock; "
    "CrawlLock.for_storage(Path(sys.argv[1])).acquire('holder for a test'); print('held', flush=True); time.sleep(60)"
)


def hold_lock(storage: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(storage)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def config_for(tmp_path: Path, schedule: str = "") -> NightlyConfig:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    (seeds / "sources.toml").write_text(schedule or '[schedule]\ntime = "02:30"\ntimezone = "Europe/London"\n')
    return NightlyConfig.load(seeds / "sources.toml", tmp_path / "storage")


# -- the lock -----------------------------------------------------------------


def test_second_crawl_is_refused_naming_the_running_one(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path)
    try:
        with pytest.raises(CrawlLocked) as info:
            CrawlLock.for_storage(tmp_path).acquire()
        message = str(info.value)
        assert f"pid {holder.pid}" in message and "holder for a test" in message
        assert CrawlLock.for_storage(tmp_path).holder()["pid"] == holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_lock_left_by_a_killed_crawl_is_detected_and_cleared(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / "crawl.lock").read_text()  # the dead crawl's record is still there
    assert CrawlLock.for_storage(tmp_path).holder() is None
    lock = CrawlLock.for_storage(tmp_path).acquire()
    assert lock.stale["pid"] == holder.pid
    lock.release()
    again = CrawlLock.for_storage(tmp_path).acquire()
    assert again.stale is None  # a clean release leaves nothing stale
    again.release()


def test_scrapy_crawl_by_hand_refuses_while_another_crawl_runs(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    holder = hold_lock(config.storage)
    try:
        result = subprocess.run(
            crawl_command(config.sources_path, config.storage, tmp_path / "log"),
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("seedcrawl:")]
    assert f"another crawl is running on {config.storage} (pid {holder.pid}" in error


# -- the schedule and the catch-up rule ---------------------------------------------


def test_scheduler_has_one_cron_job_never_run_twice_at_once(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    scheduler = build_scheduler(config, CrawlRunner(config))
    [job] = scheduler.get_jobs()
    assert job.id == JOB_ID and job.max_instances == 1 and job.coalesce
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert fields["hour"] == "2" and fields["minute"] == "30"
    assert str(job.trigger.timezone) == "Europe/London"


def test_default_schedule_is_0230_in_the_machines_zone(tmp_path: Path) -> None:
    config = config_for(tmp_path, "[limits]\nmax_pages = 5\n")
    assert config.sources.time == "02:30"
    from tzlocal import get_localzone

    assert str(config.timezone) == str(get_localzone())


@pytest.mark.parametrize(
    "last_success, now, expected",
    [
        (None, "2026-11-22 09:00", True),  # never ran
        ("2026-11-22 02:31", "2026-11-22 09:00", False),  # ran last night
        ("2026-11-21 02:31", "2026-11-22 09:00", True),  # machine was off at 02:30 today
        ("2026-11-12 02:31", "2026-11-22 09:00", True),  # off for ten nights: still one run
        ("2026-11-21 02:31", "2026-11-22 02:00", False),  # tonight's run is still ahead
    ],
)
def test_catch_up_once_only_when_a_scheduled_run_was_missed(last_success, now, expected, tmp_path: Path) -> None:
    trigger = config_for(tmp_path, '[schedule]\ntime = "02:30"\ntimezone = "UTC"\n').trigger()
    parse = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    assert needs_catch_up(parse(last_success) if last_success else None, trigger, parse(now)) is expected


def test_previous_fire_time_is_the_last_0230(tmp_path: Path) -> None:
    trigger = config_for(tmp_path, '[schedule]\ntime = "02:30"\ntimezone = "UTC"\n').trigger()
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert previous_fire_time(trigger, now) == datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
    assert previous_fire_time(trigger, now - timedelta(hours=7)) == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)


# -- runs in a child process ----------------------------------------------------------


def test_once_runs_a_crawl_in_a_child_and_records_it(sample_web, tmp_path: Path) -> None:
    web = sample_web
    sources = prepare_folder(tmp_path / "site", SEEDS, web, max_pages=6)
    storage = tmp_path / "storage"
    result = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--sources", str(sources), "--storage", str(storage),
         "-s", "AUTOTHROTTLE_START_DELAY=0.05"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    [run] = list(sqlite_utils.Database(storage / "corpus.db").query("select * from runs"))
    assert run["status"] == "finished" and run["exit_status"] == 0 and run["trigger"] == "once"
    assert run["pid"] != os.getpid() and run["pages"] > 0
    log = Path(run["log_file"])
    assert log.parent == storage / "logs" and "Spider closed (finished)" in log.read_text()
    assert not (storage / "crawl.lock").read_text()  # released


def test_a_failing_crawl_is_recorded_with_its_exit_status(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    # The child's own check refuses a seeds folder emptied after the scheduler started.
    for path in config.sources.seeds_dir.glob("*.txt"):
        path.unlink()
    code = CrawlRunner(config).run()
    assert code == 2
    [run] = sqlite_utils.Database(config.storage / "corpus.db")["runs"].rows
    assert run["status"] == "failed" and run["exit_status"] == 2
    assert CrawlRunner(config).run() == 2  # and the next run goes ahead as usual (and fails the same way)


def test_a_stop_while_the_crawl_is_being_started_stops_the_crawl(tmp_path: Path, monkeypatch) -> None:
    """SIGTERM to the scheduler just before its crawl's process exists: stop()
    finds no child, so run() stops the one it starts (it ran to its end before)."""
    config = config_for(tmp_path)
    runner = CrawlRunner(config)
    runner.command = lambda run_id, log_file: [sys.executable, "-c", "import time; time.sleep(30)"]
    real = subprocess.Popen

    def stopped_first(*args, **kwargs):
        runner.stop(5)  # the scheduler's stop-crawl thread, between run()'s checks and the child
        return real(*args, **kwargs)

    monkeypatch.setattr("crawler.nightly.subprocess.Popen", stopped_first)
    assert runner.run() == -signal.SIGTERM
    [run] = sqlite_utils.Database(config.storage / "corpus.db")["runs"].rows
    assert run["status"] == "shutdown" and run["exit_status"] == -signal.SIGTERM


def test_a_run_while_another_crawl_holds_the_lock_is_skipped_and_recorded(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    holder = hold_lock(config.storage)
    try:
        assert CrawlRunner(config).run() == 2
    finally:
        holder.kill()
        holder.wait()
    [run] = sqlite_utils.Database(config.storage / "corpus.db")["runs"].rows
    assert run["status"] == "skipped"


def test_after_a_nightly_crawl_the_queue_is_judged_again_by_the_reviewers_decisions(tmp_path: Path, caplog) -> None:
    """relevance.rescore_nightly (on by default): what `seedcrawl rescore` does, after each scheduled crawl."""
    import dataclasses

    from crawler.review import Review
    from crawler.store import Store

    from .test_rescore import TEXTS
    from .test_store import make_doc

    schedule = '[schedule]\ntime = "02:30"\n[relevance]\nrescore_nightly = false\n'
    config = config_for(tmp_path, schedule)  # no seed URL, no feed: each crawl has nothing to fetch
    store = Store(config.storage)
    run = store.start_run("sources.toml")
    for number, text in enumerate(TEXTS.values()):
        store.add_candidate(make_doc(text, url=f"http://127.0.0.1/{number}"), run)  # scored 0.5 "by the crawl"
    Review(store, config.sources.seeds_dir).reject("1", "phone review")
    miss = dataclasses.replace(make_doc(TEXTS["hearing"].replace("Huawei", "ZTE"), url="http://127.0.0.1/miss"),
                               score=0.1)  # fmt: skip
    store.add_document(miss, "offtopic", run)  # kept off topic at 0.1 "by the crawl"
    store.close()

    def scores() -> dict[str, tuple]:
        db = sqlite_utils.Database(config.storage / "corpus.db")
        rows = db.query("select * from documents where queue_seq is not null or status = 'offtopic'")
        return {r["title"]: (r["score"], r["crawl_score"]) for r in rows}

    CrawlRunner(config).run()
    assert {score for score, _ in scores().values()} == {0.5, 0.1} and "judged again" not in caplog.text  # off
    (config.sources.seeds_dir / "sources.toml").write_text('[schedule]\ntime = "02:30"\n')
    with caplog.at_level("INFO", logger="seedcrawl.scheduler"):
        CrawlRunner(NightlyConfig.load(config.sources_path, config.storage)).run()
    judged = scores()
    assert judged["Huawei handset tested"][0] < 0.2 and judged["Huawei handset tested"][1] == 0.5
    assert judged["Huawei hearing"][0] > 0.5 and judged["Huawei phone review"] == (0.5, None)  # decided: untouched
    assert "Queue judged again by the model of your decisions: 2 candidate(s), 2 score(s) changed" in caplog.text
    assert judged[miss.title][0] > 0.5 and judged[miss.title][1] == 0.1  # the pages judged off topic too
    assert "Pages judged off topic, judged again: 1, 1 score(s) changed, 1 now reach the cut" in caplog.text


def test_sigterm_stops_the_scheduler_and_lets_the_crawl_close(sample_web, tmp_path: Path) -> None:
    web = sample_web
    sources = prepare_folder(tmp_path / "site", SEEDS, web, max_pages=50)
    storage = tmp_path / "storage"
    # Never ran, so the scheduler catches up at once; a slow throttle keeps the crawl busy.
    scheduler = subprocess.Popen(
        [sys.executable, "scheduler.py", "--sources", str(sources), "--storage", str(storage),
         "-s", "AUTOTHROTTLE_START_DELAY=2", "-s", "DOWNLOAD_DELAY=2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert wait_for(lambda: CrawlLock.for_storage(storage).holder()), "the catch-up crawl did not start"
    assert wait_for(lambda: run_status(storage) == "running"), "the crawl did not get going"
    scheduler.send_signal(signal.SIGTERM)
    output, _ = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, output
    assert "Received SIGTERM: shutting down" in output
    [run] = list(sqlite_utils.Database(storage / "corpus.db").query("select * from runs"))
    assert run["trigger"] == "catch-up"
    assert run["status"] == "shutdown"  # Scrapy closed the spider gracefully
    assert CrawlLock.for_storage(storage).holder() is None


def test_a_crawl_refuses_with_one_line_when_the_database_stays_locked(tmp_path: Path) -> None:
    import sqlite3

    from crawler.store import Store

    config = config_for(tmp_path)
    Store(config.storage).close()
    holder = sqlite3.connect(config.storage / "corpus.db")
    holder.execute("begin exclusive")
    try:
        result = subprocess.run(
            crawl_command(config.sources_path, config.storage, tmp_path / "log"),
            capture_output=True, text=True, cwd=ROOT, timeout=120, env={**os.environ, "SEEDCRAWL_BUSY_TIMEOUT": "0.5"},
        )  # fmt: skip
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("seedcrawl:")]
    assert error.startswith("seedcrawl: corpus.db is locked by another process")
    assert "Traceback" not in result.stderr


# -- is anything going to run? ---------------------------------------------------


def test_status_says_whether_a_scheduler_runs_and_a_second_one_is_refused(tmp_path: Path) -> None:
    """`status` said "Next scheduled run: 02:30" whether or not anything was
    going to run it: a scheduler never started, or stopped, looked the same as
    one waiting. The scheduler now holds storage/scheduler.lock for its life;
    status names it, or says nothing will run; a second scheduler on the same
    storage folder (the systemd unit, and one started by hand) is refused."""
    from click.testing import CliRunner

    from crawler.cli import cli
    from crawler.store import Store

    config = config_for(tmp_path)
    store = Store(config.storage)
    store.finish_run(store.start_run(config.sources_path, trigger="schedule"), "finished", {})  # no catch-up due
    store.close()
    where = ["--sources", str(config.sources_path), "--storage", str(config.storage)]

    def status() -> str:
        return " ".join(CliRunner().invoke(cli, ["status", *where], catch_exceptions=False).output.split())

    assert "Next scheduled run: none: no scheduler is running for this storage folder" in status()
    scheduler = subprocess.Popen([sys.executable, "scheduler.py", *where], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        assert wait_for(lambda: CrawlLock.for_scheduler(config.storage).holder()), "the scheduler did not start"
        said = status()
        assert "Next scheduled run: 20" in said and "02:30 Europe/London" in said
        assert f"by the scheduler, pid {scheduler.pid}, running since" in said
        second = subprocess.run([sys.executable, "scheduler.py", *where], cwd=ROOT, capture_output=True, text=True,
                                timeout=60)  # fmt: skip
        assert second.returncode == 2 and second.stdout == ""
        assert second.stderr.strip().splitlines()[-1] == (
            f"seedcrawl: a scheduler is already running for {config.storage} (pid {scheduler.pid}, started "
            + CrawlLock.for_scheduler(config.storage).holder()["started"]
            + ": seedcrawl schedule); one is enough: stop it first to start another"
        )
    finally:
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, output
    assert "no scheduler is running" in status()

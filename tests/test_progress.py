"""A crawl says how it goes: a progress line at a steady pace, a summary at the end."""

import socket
from pathlib import Path

import sqlite_utils
from pytest_twisted import ensureDeferred

from crawler.demo import prepare_folder
from crawler.new_words import in_queue
from crawler.sampleweb import SampleWebServer
from crawler.store import Store
from crawler.summary import PAGES_SPENT, SITES_FULL, nothing_fetched, progress_line

from .conftest import SEEDS
from .inprocess import crawl
from .test_cli import invoke


def test_the_progress_line_counts_against_the_budget_and_names_full_sites() -> None:
    stats = {
        PAGES_SPENT: 120, "seedcrawl/queued": 14, "seedcrawl/queued/borderline": 3, "seedcrawl/dropped/offtopic": 80,
        "seedcrawl/dropped/duplicate": 6, "seedcrawl/error/http_500": 2, SITES_FULL: ["a.example", "b.example"],
    }  # fmt: skip
    assert progress_line(stats, 400) == (
        "120 of 400 pages fetched, 14 new candidate(s) (3 borderline), 80 off topic, 6 duplicates, 2 errors; "
        "site budget spent: a.example, b.example"
    )


def test_a_run_with_no_response_says_why() -> None:
    assert nothing_fetched({"downloader/response_count": 3}) is None
    assert "every request was refused (2 to private" in nothing_fetched({"seedcrawl/refused/loopback": 2})
    assert "no start URL" in nothing_fetched({})
    offline = nothing_fetched({"seedcrawl/error/CannotResolveHostError": 17})
    assert offline == ("fetched nothing: every request failed (17 CannotResolveHostError; see the log); "
                       "no host name could be resolved: is this machine offline, or its DNS server down?")  # fmt: skip
    mixed = nothing_fetched({"seedcrawl/error/CannotResolveHostError": 2, "seedcrawl/error/http_500": 5})
    assert mixed == "fetched nothing: every request failed (5 http_500, 2 CannotResolveHostError; see the log)"


@ensureDeferred
async def test_a_crawl_logs_progress_and_its_summary_and_keeps_the_summary(tmp_path: Path) -> None:
    with SampleWebServer(SEEDS) as web:
        sources = prepare_folder(tmp_path, SEEDS, web, max_pages=30)
        storage, log = tmp_path / "storage", tmp_path / "crawl.log"
        code = await crawl(sources, storage, log, "-s", "SEEDCRAWL_PROGRESS_INTERVAL=0.05")
    assert code == 0
    text = log.read_text(encoding="utf-8")
    progress = [line for line in text.splitlines() if "Progress: " in line]
    assert progress and all(" of 30 pages fetched, " in line for line in progress)
    assert "Dropped " not in text  # per-page lines are DEBUG; the progress line counts them
    run = next(sqlite_utils.Database(storage / "corpus.db").query("select * from runs"))
    assert run["offtopic"] > 0  # there were drops to count
    summary = run["summary"].split("\n")
    assert summary[0].startswith(f"Run 1 finished: {run['pages']} pages, {run['new']} new candidates")
    assert summary[1].startswith("Pages by outcome: ") and all(line in text for line in summary)
    status = invoke("status", "--storage", str(storage)).output
    assert f" {run['pages']} " in status and f" {run['new']} " in status


@ensureDeferred
async def test_a_run_whose_every_start_url_is_refused_ends_with_a_warning_and_exit_1(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.9", 0))  # loopback, not on the allow-list: refused before any connection
    listener.listen()
    listener.settimeout(0.1)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in SEEDS.glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    sources = seeds / "sources.toml"
    sources.write_text(f'[seeds]\nurls = ["http://127.0.0.9:{listener.getsockname()[1]}/story.html"]\n')
    try:
        code = await crawl(sources, tmp_path / "storage", tmp_path / "crawl.log")
        try:
            listener.accept()
            connected = True
        except TimeoutError:
            connected = False
    finally:
        listener.close()
    assert code == 1 and not connected
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "WARNING: Run 1 fetched nothing: every request was refused (1 to private or local addresses" in log


@ensureDeferred
async def test_new_candidates_are_announced_to_a_command_and_a_webhook(tmp_path: Path) -> None:
    """Issue 15, item 8; and a failing hook is logged, never fails the crawl."""
    import json
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    posted: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    told = tmp_path / "told.json"
    script = f"import os, sys; open({str(told)!r}, 'w').write(os.environ['SEEDCRAWL_NEW'] + chr(10) + sys.stdin.read())"
    runs = {"good": (f'{sys.executable} -c "{script}"', f"http://127.0.0.1:{hook.server_port}/hook"),
            "failing": (f'{sys.executable} -c "raise SystemExit(3)"', "http://127.0.0.1:9/closed")}  # fmt: skip
    results = {}
    try:
        for name, (command, webhook) in runs.items():
            with SampleWebServer(SEEDS) as web:
                folder = tmp_path / name
                sources = prepare_folder(folder, SEEDS, web, max_pages=24)  # 6-7 candidates: enough for new words
                with open(sources, "a", encoding="utf-8") as handle:
                    handle.write(f"[notify]\ncommand = {json.dumps(command)}\nwebhook = {json.dumps(webhook)}\n")
                code = await crawl(sources, folder / "storage", folder / "crawl.log")
            run = next(sqlite_utils.Database(folder / "storage" / "corpus.db").query("select * from runs"))
            results[name] = (code, run, (folder / "crawl.log").read_text(encoding="utf-8"))
    finally:
        hook.shutdown()
    code, run, _ = results["good"]
    assert code == 0 and run["new"] > 0
    count, body = told.read_text(encoding="utf-8").split("\n", 1)
    assert int(count) == run["new"] and json.loads(body) == posted[0]
    assert posted[0]["new_candidates"] == run["new"] and posted[0]["review"].startswith("seedcrawl review --storage ")
    assert 1 <= len(posted[0]["best"]) <= 5 and posted[0]["best"][0]["title"]
    store = Store(tmp_path / "good" / "storage", create=False)
    try:  # the words the queue names: the sample web's UK-ban stories speak of a ban, the seeds never
        assert "ban" in posted[0]["new_words"] and posted[0]["new_words"] == [word for word, _ in in_queue(store)[0]]
    finally:
        store.close()
    code, run, log = results["failing"]
    assert code == 0 and run["new"] > 0 and run["status"] == "finished"
    assert "notify.command exited with status 3" in log and "notify.webhook http://127.0.0.1:9/closed failed" in log

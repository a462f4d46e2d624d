"""Ctrl-C during `seedcrawl demo`: one line, the crawl closed, nothing left running.

The terminal sends SIGINT to its foreground process group; the test starts
the demo in a group of its own and signals that group, as a terminal would.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo import run_crawl

from .conftest import wait_for
from .test_faults import alive, children
from .test_nightly import run_status

# A shell without job control (a script, `pytest ... &`) starts a command it
# puts in the background with SIGINT ignored, and children inherit that: the
# demo would ignore the test's Ctrl-C. A terminal's foreground job has
# SIGINT at its default; this sets it back, then becomes the demo (same pid).
AS_A_TERMINAL_STARTS_IT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def start_demo(folder: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", AS_A_TERMINAL_STARTS_IT,
               sys.executable, "-m", "crawler.cli", "demo", "--folder", str(folder)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # fmt: skip


def interrupt(demo: subprocess.Popen[str], when) -> tuple[str, list[int]]:
    """Ctrl-C once ``when`` holds; the demo's output and its crawl's pid."""
    assert wait_for(lambda: when() or demo.poll() is not None, timeout=120)
    crawl = children(demo.pid)
    assert crawl, "the demo had no crawl running when interrupted"
    os.killpg(demo.pid, signal.SIGINT)
    output, _ = demo.communicate(timeout=120)
    return output, crawl


def test_ctrl_c_while_the_crawl_starts_stops_it_in_one_line(tmp_path: Path) -> None:
    demo = start_demo(tmp_path / "demo")
    output, crawl = interrupt(demo, lambda: children(demo.pid))  # the crawl is still importing Scrapy
    assert demo.returncode == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    # The last thing said; wrapped at the console's width when it names the storage folder (the crawl
    # may have made corpus.db before the signal: its last physical line was then the folder's path).
    stopped = "Stopped (Ctrl-C): the crawl closed;"
    said = " ".join(output.split())
    assert said.endswith(
        (f"{stopped} it had stored nothing", f"{stopped} what it stored is in {tmp_path / 'demo' / 'storage'}")
    ), output
    assert not [pid for pid in crawl if alive(pid)], "the crawl outlived the demo"


def test_ctrl_c_during_the_crawl_closes_it_and_keeps_what_it_stored(tmp_path: Path) -> None:
    demo = start_demo(tmp_path / "demo")
    database = tmp_path / "demo" / "storage" / "corpus.db"
    output, crawl = interrupt(demo, lambda: run_status(database.parent) == "running")  # its signal handlers set
    assert demo.returncode == 130, output
    assert "Traceback" not in output, output
    assert f"Stopped (Ctrl-C): the crawl closed; what it stored is in {tmp_path / 'demo' / 'storage'}" in " ".join(
        output.split()
    )
    assert not [pid for pid in crawl if alive(pid)], "the crawl outlived the demo"
    with sqlite3.connect(database) as db:
        [(status,)] = db.execute("select status from runs").fetchall()
    assert status == "shutdown"  # closed by Scrapy, its counts recorded


def test_ctrl_c_as_popen_starts_the_crawl_still_stops_it(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C after the fork, before subprocess.Popen returns: the crawl it
    started is stopped, not left running without a handle."""
    started: list[int] = []
    real = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def started_then_interrupted(self, *args, **kwargs):
        real(self, *args, **kwargs)
        started.append(self.pid)
        os.kill(os.getpid(), signal.SIGINT)  # the terminal's Ctrl-C, while Popen is still inside

    monkeypatch.setattr(subprocess.Popen, "_execute_child", started_then_interrupted)
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]  # a crawl that would outlive the test
    monkeypatch.setattr("crawler.demo.crawl_command", lambda *args: sleeper)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (see above)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_crawl(tmp_path / "sources.toml", tmp_path / "storage", tmp_path / "crawl.log")
        assert started and not alive(started[0]), "the crawl outlived the Ctrl-C"
    finally:
        signal.signal(signal.SIGINT, previous)
        for pid in started:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

"""The pipe-fed worker pool (crawler/workers.py), in process, on the
reactor's event loop as in a crawl: what a crawl relies on when a worker
computes, fails, dies or is told to stop.

The jobs are standard functions (os.getpid, time.sleep, os._exit, int), so
each test says what the worker did without a helper module of its own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import time

import pytest
from pytest_twisted import ensureDeferred
from twisted.internet.defer import Deferred

from crawler.workers import JobFailed, JobStoppedWorkers, WorkerDied, WorkerPool


def on_the_loop(test):
    """Runs an asyncio test on the reactor's loop, where the crawl runs its pool."""

    @ensureDeferred
    @functools.wraps(test)
    async def run(*args, **kwargs):
        await Deferred.fromFuture(asyncio.ensure_future(test(*args, **kwargs)))

    return run


def pool_of(function, restarts: int = 3, size: int = 2) -> WorkerPool:
    return WorkerPool(size, function, os.getpid, (), restarts, name="test worker")


async def holding_a_job(pool: WorkerPool) -> int:
    """The pid of a worker that has a job in hand."""
    while not (pool.workers[0].jobs and pool.workers[0].writer is not None):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # it has read the job (workers start in ~0.1 s)
    return pool.workers[0].process.pid


@on_the_loop
async def test_jobs_run_in_the_workers_and_come_back_to_their_callers() -> None:
    pool = pool_of(os.getpid)
    workers = sorted(worker.process.pid for worker in pool.workers)
    try:
        answered = sorted(set(await asyncio.gather(*(pool.run() for _ in range(8)))))
    finally:
        pool.close()
    assert answered == workers and os.getpid() not in answered  # both workers took jobs


@on_the_loop
async def test_a_job_that_raises_fails_alone_with_the_workers_traceback() -> None:
    pool = pool_of(int)
    try:
        first, bad, last = await asyncio.gather(pool.run("12"), pool.run("x"), pool.run("7"), return_exceptions=True)
    finally:
        pool.close()
    assert (first, last) == (12, 7)
    assert isinstance(bad, JobFailed) and "ValueError: invalid literal for int()" in str(bad)


@on_the_loop
async def test_a_killed_worker_is_replaced_and_its_job_read_again(caplog: pytest.LogCaptureFixture) -> None:
    pool = pool_of(time.sleep)
    with caplog.at_level(logging.WARNING, logger="crawler.workers"):
        try:
            jobs = [asyncio.ensure_future(pool.run(0.5)) for _ in range(4)]
            victim = await holding_a_job(pool)
            os.kill(victim, signal.SIGKILL)  # what the OOM killer does
            results = await asyncio.gather(*jobs)
            now = [worker.process.pid for worker in pool.workers]
        finally:
            pool.close()
    assert results == [None] * 4  # every job answered, the dead worker's too
    assert pool.restarted == 1 and victim not in now and len(now) == 2
    assert f"An test worker process died (pid {victim} killed by SIGKILL)" in caplog.text


@on_the_loop
async def test_with_no_restarts_left_every_waiting_job_gets_one_clear_error(caplog: pytest.LogCaptureFixture) -> None:
    pool = pool_of(time.sleep, restarts=0)
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            jobs = [asyncio.ensure_future(pool.run(0.5)) for _ in range(6)]
            victim = await holding_a_job(pool)
            os.kill(victim, signal.SIGKILL)
            results = await asyncio.gather(*jobs, return_exceptions=True)
            with pytest.raises(WorkerDied):
                await pool.run(0)
            await asyncio.sleep(0.8)  # the other worker answers the job it had in hand
    finally:
        pool.close()
    # Its answer came for a job the pool had taken back: an IndexError in the loop's callback,
    # a traceback in the crawl's log (seen once in a loaded test run of a killed worker's crawl).
    assert "Exception in callback" not in caplog.text
    errors = {str(r) for r in results if isinstance(r, WorkerDied)}
    assert errors == {f"an test worker process died (pid {victim} killed by SIGKILL) after 0 replacement(s)"}
    assert all(r is None or isinstance(r, WorkerDied) for r in results)


@on_the_loop
async def test_a_job_that_kills_its_worker_twice_is_given_up_and_the_pool_goes_on() -> None:
    pool = pool_of(os._exit)
    try:
        with pytest.raises(JobStoppedWorkers, match="exited with status 3"):
            await pool.run(3)  # each worker that reads it exits with status 3
        alive = [worker.process.poll() for worker in pool.workers]
    finally:
        pool.close()
    assert pool.restarted == 2 and alive == [None, None]


@on_the_loop
async def test_workers_ignore_a_stop_signal_and_end_when_their_pipe_is_closed() -> None:
    pool = pool_of(os.getpid)
    processes = [worker.process for worker in pool.workers]
    try:
        await asyncio.gather(*(pool.run() for _ in range(8)))  # both have started
        for process in processes:
            os.kill(process.pid, signal.SIGINT)  # Ctrl-C reaches the crawl's whole process group
            os.kill(process.pid, signal.SIGTERM)  # so does systemd's stop
        assert sorted(set(await asyncio.gather(*(pool.run() for _ in range(8))))) == sorted(p.pid for p in processes)
    finally:
        pool.close()
    assert [process.returncode for process in processes] == [0, 0]  # reaped: their CPU time is counted


@on_the_loop
async def test_pages_and_results_larger_than_a_pipe_cross_whole() -> None:
    """Up to DOWNLOAD_MAXSIZE (5 MB): more than a pipe holds, either way."""
    sizes = [5_000_000, 3, 1_500_000, 70_000]
    measuring, making = pool_of(len), pool_of(bytes)
    try:
        measured = await asyncio.gather(*(measuring.run(b"x" * size) for size in sizes))
        made = await asyncio.gather(*(making.run(size) for size in sizes))
    finally:
        measuring.close()
        making.close()
    assert measured == sizes
    assert [len(result) for result in made] == sizes and all(not any(result) for result in made)


@on_the_loop
async def test_closing_with_pages_in_hand_cancels_them_and_waits_for_the_workers() -> None:
    """What a crawl's end does when a stop signal left analyses unfinished."""
    pool = pool_of(time.sleep)
    jobs = [asyncio.ensure_future(pool.run(0.3)) for _ in range(6)]
    await holding_a_job(pool)
    processes = [worker.process for worker in pool.workers]
    pool.close()
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results), results
    assert [process.returncode for process in processes] == [0, 0]  # finished their page, then exited
    with pytest.raises(WorkerDied, match="stopped"):
        await pool.run(0)

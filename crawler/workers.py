"""Worker processes fed through pipes that the crawl's own event loop reads.

concurrent.futures' process pool feeds its workers through two threads of
the crawl's process (a queue feeder that pickles and writes each job, a
manager that reads each result and wakes the event loop from outside):
0.35 ms of the crawl's CPU a page, with a GIL hand-off each way. Here the
loop itself writes each job to a worker's pipe and reads its result
(asyncio's pipe transports, multiprocessing's message framing), with no
thread in between.

Each worker holds at most ``DEPTH`` jobs: one it works on and the next,
already in its pipe, so it never waits for the loop between two pages; the
rest wait in one queue for whichever worker frees up first.

A worker reads its jobs from a pipe whose only writer is the crawl: when
the crawl is gone, however it went (SIGKILL included), the worker reads
end-of-file and exits. A worker that dies is seen the same way, from its
result pipe: it is replaced (``restarts`` times per pool), the job it was
working on is tried once more on another worker (a job a worker died on
twice fails with JobStoppedWorkers), and the jobs waiting behind it go
back to the queue's front.
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Jobs a worker holds at once: the one it works on and the one after it.
DEPTH = 2
# The signals a terminal or a service manager sends to stop a crawl: the
# crawl's own process handles them, the workers must not.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
# multiprocessing.connection's framing: a signed 4-byte big-endian length.
HEADER = struct.Struct("!i")
# A pipe's size (Linux's default is 64 KB; unprivileged processes may ask for up to 1 MB).
PIPE_BYTES = 1 << 20
# How long closing waits for a worker to finish its page and exit.
CLOSE_PATIENCE = 30.0


class WorkerDied(RuntimeError):
    """The workers kept dying (or were stopped); the message says how, in one line."""


class JobStoppedWorkers(RuntimeError):
    """A worker died twice while working on this job: it is not tried again."""


class JobFailed(RuntimeError):
    """The job itself raised in the worker; the message is its traceback."""


@dataclass
class _Job:
    payload: bytes
    future: asyncio.Future[Any]
    tries: int = 0


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    jobs: deque[_Job] = field(default_factory=deque)
    writer: asyncio.WriteTransport | None = None
    reader: asyncio.ReadTransport | None = None
    files: list[Any] = field(default_factory=list)  # the pipe ends the transports own


class _Results(asyncio.Protocol):
    """Cuts a worker's result pipe into messages."""

    def __init__(self, pool: WorkerPool, worker: _Worker) -> None:
        self.pool, self.worker, self.buffer = pool, worker, bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            end = HEADER.size + size
            if len(self.buffer) < end:
                return
            message = pickle.loads(memoryview(self.buffer)[HEADER.size : end])
            del self.buffer[:end]
            self.pool._finished(self.worker, message)

    def eof_received(self) -> bool:
        self.pool._gone(self.worker)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._gone(self.worker)


class WorkerPool:
    """``size`` processes that each run ``initializer(*initargs)`` once, then
    ``function(*args)`` for every ``await pool.run(*args)``; on the asyncio
    loop given to ``attach``, or else on the one that runs the first job.
    The functions go by name (module and qualified name): they must be
    importable at module level. ``name`` says what a worker is, in messages
    ("analysis worker")."""

    def __init__(
        self, size: int, function: Callable[..., Any], initializer: Callable[..., None], initargs: tuple[Any, ...],
        restarts: int, name: str = "worker",
    ) -> None:  # fmt: skip
        self.name = name
        self.start = pickle.dumps((_name_of(function), _name_of(initializer), initargs), pickle.HIGHEST_PROTOCOL)
        self.restarts_left = restarts
        self.restarted = 0
        self.failed: WorkerDied | None = None
        self.closing = False
        self.waiting: deque[_Job] = deque()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.workers = [self._spawn() for _ in range(size)]

    async def run(self, *args: Any) -> Any:
        """``function(*args)`` in a worker; raises WorkerDied once the workers
        have died more often than allowed, JobFailed if the job raised."""
        if self.failed is not None:
            raise self.failed
        if self.closing:
            raise WorkerDied("the workers were stopped")
        loop = asyncio.get_running_loop()
        self.attach(loop)  # once: the first loop stays
        job = _Job(pickle.dumps(args, pickle.HIGHEST_PROTOCOL), loop.create_future())
        self.waiting.append(job)
        self._dispatch()
        return await job.future

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Connect the workers' pipes to ``loop`` and send their start message
        now, so that they are ready for the first job (otherwise the first job does)."""
        if self.loop is not None:
            return
        self.loop = loop
        for worker in self.workers:
            loop.create_task(self._connect(worker))

    def _spawn(self) -> _Worker:
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        for pipe in (jobs_write, results_write):
            _widen(pipe)
        # The worker finds this package where the crawl found it, at the end of
        # its path: PYTHONPATH would put a site-packages folder before the
        # standard library's modules.
        package_parent = str(Path(__file__).resolve().parents[1])
        bootstrap = (
            f"import sys; sys.path.append({package_parent!r}); "
            f"from {__name__} import serve; serve({jobs_read}, {results_write})"
        )
        with _stop_signals_blocked():
            process = subprocess.Popen([sys.executable, "-c", bootstrap], pass_fds=(jobs_read, results_write))
        os.close(jobs_read)
        os.close(results_write)
        files = [os.fdopen(jobs_write, "wb", buffering=0), os.fdopen(results_read, "rb", buffering=0)]
        return _Worker(process, files=files)

    async def _connect(self, worker: _Worker) -> None:
        """The worker's pipes in the loop, its start message on the way, its jobs after it."""
        assert self.loop is not None
        if self.closing or worker not in self.workers:
            return
        writer, _ = await self.loop.connect_write_pipe(asyncio.Protocol, worker.files[0])
        writer.write(_framed(self.start))
        reader, _ = await self.loop.connect_read_pipe(lambda: _Results(self, worker), worker.files[1])
        worker.writer, worker.reader = writer, reader
        if self.closing or worker not in self.workers:
            _close_transports(worker)
            return
        self._dispatch()

    def _dispatch(self) -> None:
        for worker in self.workers:
            while self.waiting and worker.writer is not None and len(worker.jobs) < DEPTH:
                job = self.waiting.popleft()
                if job.future.done():  # its awaiter went away
                    continue
                worker.jobs.append(job)
                worker.writer.write(_framed(job.payload))

    def _finished(self, worker: _Worker, message: tuple[bool, Any]) -> None:
        if not worker.jobs:  # the pool took its jobs back (another worker died, none left to replace it)
            return
        job = worker.jobs.popleft()
        ok, value = message
        if not job.future.done():
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(JobFailed(value))
        self._dispatch()

    def _gone(self, worker: _Worker) -> None:
        """A worker's result pipe ended: it died, or it was told to stop."""
        if self.closing or worker not in self.workers:
            return
        self.workers.remove(worker)
        _close_transports(worker)
        how = describe_exit(worker.process)
        held, worker.jobs = worker.jobs, deque()
        if held:
            held[0].tries += 1  # the one it was working on
        if self.restarts_left <= 0:
            self.failed = WorkerDied(f"an {self.name} process died ({how}) after {self.restarted} replacement(s)")
            for job in [*held, *self._take_all()]:
                if not job.future.done():
                    job.future.set_exception(self.failed)
            return
        self.restarts_left -= 1
        self.restarted += 1
        logger.warning("An %s process died (%s); starting a new one, the pages it held are read again", self.name, how)
        for job in reversed(held):
            if job.tries >= 2 and not job.future.done():
                job.future.set_exception(JobStoppedWorkers(f"its job stopped an {self.name} process twice ({how})"))
            else:
                self.waiting.appendleft(job)
        replacement = self._spawn()
        self.workers.append(replacement)
        assert self.loop is not None
        self.loop.create_task(self._connect(replacement))

    def _take_all(self) -> list[_Job]:
        """Every job the pool holds (waiting, or in a worker's hands), taken from it."""
        jobs = [*self.waiting, *(job for worker in self.workers for job in worker.jobs)]
        self.waiting.clear()
        for worker in self.workers:
            worker.jobs.clear()
        return jobs

    def close(self) -> None:
        """End every worker once its page in hand is done (they read
        end-of-file), and wait for them: their CPU time is counted then.
        Jobs still held are cancelled, as a closing executor cancels its own."""
        self.closing = True
        for job in self._take_all():
            job.future.cancel()
        for worker in self.workers:
            _close_transports(worker)
        for worker in self.workers:
            try:
                worker.process.wait(timeout=CLOSE_PATIENCE)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        self.workers = []


def _framed(payload: bytes) -> bytes:
    """A message as multiprocessing.connection reads it: its length, then it."""
    return HEADER.pack(len(payload)) + payload


def _widen(pipe: int) -> None:
    """A page (most under 1 MB) fits in the pipe whole: one write, no
    buffering in the transport and no wake-up per 64 KB as the worker reads."""
    try:
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass  # not Linux, or over /proc/sys/fs/pipe-max-size: the default 64 KB works, slower


def _close_transports(worker: _Worker) -> None:
    """Close the pipes now, not on the loop's next turn: closing may happen
    outside a running loop, and a worker only stops when its pipe is shut."""
    # Both take their pipe out of the loop's selector at once (asyncio's unix_events).
    if worker.writer is not None and not worker.writer.is_closing():  # abort() twice fails
        worker.writer.abort()  # unsent jobs are dropped: the worker is going
    if worker.reader is not None:
        worker.reader.close()
    for file in worker.files:
        file.close()  # the transport's own close later sees it closed


def describe_exit(process: subprocess.Popen[bytes], patience: float = 1.0) -> str:
    """ "pid 123 killed by SIGKILL", for people. A worker whose pipe just
    ended may not have been reaped yet: wait up to ``patience`` seconds."""
    try:
        code = process.wait(timeout=patience)
    except subprocess.TimeoutExpired:
        return f"pid {process.pid} closed its pipe"
    if code < 0:
        try:
            return f"pid {process.pid} killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"pid {process.pid} killed by signal {-code}"
    return f"pid {process.pid} exited with status {code}"


def _name_of(function: Callable[..., Any]) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def _load(name: str) -> Callable[..., Any]:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Processes started inside inherit a mask that blocks SIGINT and SIGTERM
    from their first instruction (an ignore set later would leave the
    import time open to a KeyboardInterrupt traceback)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def serve(jobs_fd: int, results_fd: int) -> None:
    """A worker's life: the start message, then one result per job, until
    the crawl closes the pipe (or is gone)."""
    for number in STOP_SIGNALS:  # blocked since the spawn; ignored for good
        signal.signal(number, signal.SIG_IGN)
    jobs, results = Connection(jobs_fd, writable=False), Connection(results_fd, readable=False)
    try:
        function_name, initializer_name, initargs = jobs.recv()
        _load(initializer_name)(*initargs)
        function = _load(function_name)
        while True:
            args = jobs.recv()
            try:
                message = (True, function(*args))
            except Exception:  # noqa: BLE001 - sent back whole, raised in the crawl
                message = (False, traceback.format_exc())
            results.send(message)
    except (EOFError, BrokenPipeError):
        pass  # the crawl closed the pipe, or is gone

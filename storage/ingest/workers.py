"""Parse documents in worker processes, each document under a time and memory budget.

Reading, splitting and enriching a document is pure CPU work on untrusted input. In a worker
process it cannot hold the caller's interpreter lock (the bot keeps answering), it runs on
another core, and it can be stopped: each worker runs one document at a time under an address
space limit (RLIMIT_AS) and a CPU limit (RLIMIT_CPU), and the parent kills a worker whose
document runs past the wall-clock budget. Only that document fails, with a one-line reason;
the next one gets a fresh worker.

One daemon thread per worker in the parent sends a document and waits for the answer, so
callers get futures and can keep several documents parsing ahead of the writer. Workers are
forked by a forkserver (forking a process that runs threads, as the bot does, is unsafe) that
imported the pipeline and warmed its caches once (storage/ingest/preload.py): a new worker is
a fork away, and the caches' pages are shared.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import threading
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection

from news.types import IngestError

logger = logging.getLogger(__name__)

MB = 2**20
# Imported once by the forkserver, so that every worker forked from it starts with them loaded
# (the main module too: otherwise multiprocessing imports it again in each worker).
PRELOAD = ["__main__", "storage.ingest.preload"]
# Starting a worker on a busy machine (the first one starts the forkserver); not a document's.
START_SECONDS = 120.0
# A worker with nothing to do this long is stopped (a bot mostly waits; a new one is a fork
# away), so idle processes do not pile up when ingestors are dropped without close().
IDLE_SECONDS = 30.0
WORKER_NICENESS = 5  # added to the parent's: a lower scheduling priority than the writer
_READY = b"ready"
_IDLE = object()  # what a pool thread's wait for a call returns when none came in time


@dataclass(frozen=True, slots=True)
class Budget:
    """How many documents are parsed at once, and what one may cost."""

    workers: int  # worker processes; 0 parses in the calling thread, without limits
    seconds: float  # wall-clock time per document
    memory_mb: int  # address space of each worker process


def default_workers() -> int:
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ParsePool:
    """Worker processes that run fn(*args), one call each at a time, under a Budget.

    fn must be an importable module-level function; its arguments and results are pickled. A
    call over budget raises IngestError ("took too long", "out of memory"); any other error fn
    raises is raised again by the future, with the worker's traceback as a note.
    """

    def __init__(self, fn: Callable[..., object], budget: Budget) -> None:
        if budget.workers < 1:
            raise ValueError("a ParsePool needs at least one worker")
        self.budget = budget
        self._crew = _Crew(fn, budget)
        threads = [threading.Thread(target=self._crew.serve, name=f"parse-{n}", daemon=True)
                   for n in range(budget.workers)]
        for thread in threads:
            thread.start()
        # The threads hold the crew, not the pool: a pool dropped without close() (or still
        # open at exit) stops its workers all the same.
        self._stop = weakref.finalize(self, self._crew.stop, threads)

    def submit(self, *args: object) -> Future:
        """Queue fn(*args); return the future of its result."""
        return self._crew.submit(args)

    def close(self) -> None:
        """Stop the workers: calls running fail, queued ones are cancelled."""
        self._stop()


class _Crew:
    """What the pool's threads share: the queue of calls and the worker processes."""

    def __init__(self, fn: Callable[..., object], budget: Budget) -> None:
        self.fn, self.budget = fn, budget
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        self.jobs: queue.SimpleQueue[tuple[Future, tuple] | None] = queue.SimpleQueue()
        self.workers: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False

    def submit(self, args: tuple) -> Future:
        """Queue a call; return its future."""
        if self.closed:
            raise RuntimeError("the parse pool is closed")
        future: Future = Future()
        self.jobs.put((future, args))
        return future

    def serve(self) -> None:
        """Run queued calls on this thread's worker process, starting another when it is lost."""
        worker: _Worker | None = None
        while (job := self._next_job(worker)) is not None:
            if job is _IDLE:
                worker = self._retire(worker)
                continue
            future, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if worker is None or not worker.usable():
                    worker = self._replace(worker)
                future.set_result(worker.call(args, self.budget))
            except BaseException as exc:  # the future carries it to the caller
                if self.closed and isinstance(exc, IngestError):  # not the document's fault
                    exc = IngestError("ingest stopped before this document was parsed")
                future.set_exception(exc)
        if worker is not None:
            worker.stop()

    def _next_job(self, worker: _Worker | None) -> tuple[Future, tuple] | object | None:
        """Wait for a call; _IDLE when a running worker has waited IDLE_SECONDS for one."""
        try:
            return self.jobs.get(timeout=IDLE_SECONDS if worker is not None else None)
        except queue.Empty:
            return _IDLE

    def _retire(self, worker: _Worker | None) -> None:
        """Stop a worker that has nothing to do."""
        if worker is not None:
            with self.lock:
                self.workers.discard(worker)
            worker.stop()

    def stop(self, threads: list[threading.Thread]) -> None:
        """Cancel queued calls, kill the workers (running calls fail) and end the threads."""
        with self.lock:
            self.closed = True
            workers, self.workers = set(self.workers), set()
        while not self.jobs.empty():
            job = self.jobs.get()
            if job is not None:
                job[0].cancel()
        for worker in workers:  # their threads see them die and stop them
            worker.kill()
        for _ in threads:
            self.jobs.put(None)
        for thread in threads:
            thread.join(START_SECONDS)

    def _replace(self, old: _Worker | None) -> _Worker:
        """Retire a lost worker and start a new one."""
        with self.lock:
            if old is not None:
                old.stop()
                self.workers.discard(old)
            if self.closed:
                raise IngestError("ingest is shutting down")
        worker = _Worker(self.context, self.fn, self.budget)
        with self.lock:
            if self.closed:  # closed while it started
                worker.stop()
                raise IngestError("ingest is shutting down")
            self.workers.add(worker)
        return worker


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context, fn: Callable[..., object], budget: Budget) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, fn, budget), daemon=True,
            name="briefbot-parse")
        self.process.start()
        child.close()
        self.lost = False
        try:
            ready = self.conn.poll(START_SECONDS) and self._receive() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            raise IngestError(f"could not start a parse worker ({self._death(budget)})")

    def usable(self) -> bool:
        """Tell whether the worker can take another call."""
        return not self.lost and self.process.is_alive()

    def call(self, args: tuple, budget: Budget) -> object:
        """Run one call; kill the worker when it runs past the budget."""
        try:
            self.conn.send(args)
        except (OSError, ValueError):
            self.lost = True
            raise IngestError(f"parsing failed: {self._death(budget)}") from None
        if not self.conn.poll(budget.seconds):  # answers, or dies, in time
            self.stop()
            raise IngestError(f"took too long (over {budget.seconds:g} s)")
        try:
            status, value, retire = self._receive()
        except (EOFError, OSError):
            raise IngestError(f"parsing failed: {self._death(budget)}") from None
        self.lost = self.lost or retire
        if status == "raised":
            raise value
        return value

    def kill(self) -> None:
        """Kill the process if it still runs (safe from any thread)."""
        if self.process.exitcode is None:
            self.process.kill()

    def stop(self) -> None:
        """Kill the process (if it still runs), reap it and close the pipe (owner thread only)."""
        self.lost = True
        self.kill()
        self.process.join()
        self.conn.close()

    def _receive(self) -> object:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.lost = True
            raise

    def _death(self, budget: Budget) -> str:
        """Say why the worker stopped, from its exit status."""
        self.process.join(1.0)  # it may be exiting still: let it say how
        self.stop()
        code = self.process.exitcode
        if code == -signal.SIGXCPU:
            return f"took too long (over {budget.seconds:g} s of CPU time)"
        how = (f"killed by {signal.Signals(-code).name}" if code is not None and code < 0
               else f"exit status {code}")
        return f"out of memory or crashed (the worker was {how}; limit {budget.memory_mb} MB)"


# ---- inside the worker process ----


def _worker_main(conn: Connection, fn: Callable[..., object], budget: Budget) -> None:
    """Serve calls from the parent until it closes the pipe or a call leaves us unusable."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    # The parent matches and writes every document in order, so ingest goes as fast as it
    # does: workers yield the core to it and parse with the time it leaves, and the bot's event
    # loop (in the parent too) keeps answering while a batch parses.
    os.nice(WORKER_NICENESS)
    _limit(resource.RLIMIT_CORE, 0)  # a worker stopped by SIGXCPU leaves no core file
    _limit(resource.RLIMIT_AS, budget.memory_mb * MB)
    conn.send(_READY)
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        _limit_cpu(budget.seconds)
        payload, retire = _answer(fn, args, budget)
        conn.send_bytes(payload)
        if retire:
            return


def _answer(fn: Callable[..., object], args: tuple, budget: Budget) -> tuple[bytes, bool]:
    """Run one call; return its pickled answer and whether this worker must stop after it."""
    try:
        return _dumps(("ok", fn(*args), False)), False
    except MemoryError:
        pass  # answered below, once what the call held is freed
    except Exception as exc:
        return _dumps(("raised", _portable(exc), False)), False
    # A worker that ran out of memory may be left in a bad state: it stops after answering.
    error = IngestError(f"out of memory while parsing (over the {budget.memory_mb} MB limit)")
    return _dumps(("raised", error, True)), True


def _portable(exc: Exception) -> Exception:
    """Return exc ready to pickle back to the parent, with this process's traceback as a note."""
    if isinstance(exc, IngestError):  # its message is all the user sees
        return IngestError(str(exc))
    trace = "".join(traceback.format_exception(exc)).rstrip()
    try:
        pickle.dumps(exc)
    except Exception:
        exc = RuntimeError(f"{exc.__class__.__name__}: {exc}")
    exc.add_note("in the parse worker:\n" + trace)
    return exc


def _dumps(answer: tuple) -> bytes:
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


def _limit_cpu(seconds: float) -> None:
    """Let the next call use *seconds* more CPU time; past it the kernel stops the worker."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1)


def _limit(which: int, soft: int) -> None:
    """Set a soft resource limit, never above the hard one."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))

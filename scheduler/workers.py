"""A district's digests built by worker processes, each a share of every school's classes.

A digest costs about 300 µs of Python, and one process runs one thread of Python at a time: one
process builds about 3,000 digests a second here, two side by side about 4,000 on two cores
shared with PostgreSQL (`benchmarks/README.md`, «Digests»). The clock hands each share
(`digest_batch.Part`) to a process of the pool, which runs the ordinary job loop
(`run_due_jobs`) with `Digest(part=…)`: its own transactions, its own job runs («digest 1/2»),
so a share that fails runs again on a later tick by itself while the others stand, and no
message is queued twice (the outbox skips a key it has). The pool lives as long as the clock:
starting a process and importing the journal takes about a second.

Each share reads the school's pupils in its own transaction. A pupil moved from a class of one
share to a class of another in the moment between the two readings would be in neither, and
miss that one digest (the next one comes); a pupil in both is told once (the outbox's keys).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from domain.clock import FixedClock
from domain.ports import UnitOfWork
from domain.usecases.digest_batch import Part
from domain.usecases.family_jobs import ChartMaker, Digest
from domain.usecases.scheduling import JobRun, run_due_jobs
from scheduler.outage import Outage

log = logging.getLogger(__name__)


class DigestWorkers:
    """A pool of `processes` processes, each building one share of the digests per tick."""

    def __init__(self, processes: int, *, parts: Callable[[], WorkerParts]) -> None:
        """`parts`: builds a worker's storage and charts in that process, once. It
        is sent there by pickling: a module-level function, or a `functools.partial` of one,
        from the composition root (`app/`), so this module knows no storage of its own."""
        if processes < 1:
            raise ValueError("digest workers need at least one process")
        self.processes = processes
        self.parts = parts
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        # A share failing tick after tick (the database away) is one event in the log.
        self._trouble = [
            Outage(log, f"digest share {Part(i, processes)} failed", f"digest share "
                   f"{Part(i, processes)} runs again")
            for i in range(processes)
        ]  # fmt: skip

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),  # no copy of a running event loop
            initializer=_start_worker,
            initargs=(self.parts,),
        )

    async def run(self, now: dt.datetime) -> list[JobRun]:
        """Every share due at `now`, side by side; a failed share is logged and left to the
        next tick (its transaction rolled back, its run not recorded). Once shut down (the
        clock stopped or lost the lead), nothing runs: another leader's workers take over."""
        if self._closed:
            return []
        loop = asyncio.get_running_loop()
        count = self.processes

        def submit(pool: ProcessPoolExecutor) -> list[asyncio.Future[list[JobRun]]]:
            return [
                loop.run_in_executor(pool, _run_share, Part(i, count), now) for i in range(count)
            ]

        pool = self._open_pool()
        try:
            shares = submit(pool)
        except BrokenProcessPool:  # a worker died between ticks (killed, out of memory)
            self._discard(pool)
            pool = self._open_pool()
            shares = submit(pool)
        runs: list[JobRun] = []
        broken = False
        for i, outcome in enumerate(await asyncio.gather(*shares, return_exceptions=True)):
            if isinstance(outcome, BaseException):
                broken = broken or isinstance(outcome, BrokenProcessPool)
                self._trouble[i].failed(outcome, "; the next tick tries again")
            else:
                self._trouble[i].ended()
                runs += outcome
        if broken:  # a worker died during the tick: a new pool for the next one
            self._discard(pool)
        return runs

    def _open_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        pool.shutdown(wait=False, cancel_futures=True)
        if self._pool is pool:
            self._pool = None

    def shutdown(self) -> None:
        """No new shares; a share in the middle of its transaction finishes in its process
        (the interpreter waits for it at exit)."""
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# --------------------------------------------------------------------------- in the worker


@dataclass(slots=True)
class WorkerParts:
    """What a worker process builds digests with, made in that process."""

    make_uow: Callable[[], UnitOfWork]
    charts: ChartMaker | None


@dataclass(slots=True)
class _Worker:
    loop: asyncio.AbstractEventLoop
    parts: WorkerParts


_worker: _Worker | None = None


def _start_worker(parts: Callable[[], WorkerParts]) -> None:
    """Once per process: its own event loop, and the parts (an engine among them) kept for
    every share it runs."""
    global _worker
    # The clock's process decides when its workers stop: Ctrl-C in a terminal reaches the
    # whole process group, and a share in the middle of its transaction is left to finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # If the clock's process is killed outright, nothing would tell its workers: they end
    # with it (a share's transaction in flight is rolled back by the database).
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _worker = _Worker(loop=loop, parts=parts())


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _run_share(part: Part, now: dt.datetime) -> list[JobRun]:
    worker = _worker
    assert worker is not None, "_start_worker runs first"
    parts = worker.parts
    job = Digest(parts.charts, part)
    return worker.loop.run_until_complete(run_due_jobs(parts.make_uow, FixedClock(now), (job,)))

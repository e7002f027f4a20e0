"""The digest workers: each class in exactly one share; their processes ignore Ctrl-C in a
terminal (the clock's process stops them) and end with the clock's process even when it is
killed outright."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.process import digest_worker_parts
from domain.usecases.digest_batch import Part
from scheduler.workers import DigestWorkers
from storage.database import create_engine
from storage.migrate import upgrade
from tests.faults import PrivateCluster

ROOT = Path(__file__).parents[1]

CLOCK = """
import asyncio, datetime as dt, sys
from functools import partial
from app.process import digest_worker_parts
from scheduler.workers import DigestWorkers

async def main():
    workers = DigestWorkers(2, parts=partial(digest_worker_parts, sys.argv[1], False))
    assert await workers.run(dt.datetime.now(dt.UTC)) == []  # no school yet
    print(*workers._pool._processes, flush=True)
    await asyncio.sleep(60)

if __name__ == "__main__":  # the workers are spawned: they import this file again
    asyncio.run(main())
"""


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:  # gone
        return False
    return state != "Z"


def ignores_ctrl_c(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def migrated(tmp_path: Path) -> str:
    """An empty journal (no school: the shares have nothing to do, only to run)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite3'}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return url


def test_workers_ignore_ctrl_c_and_end_with_the_clock_killed_outright(tmp_path: Path) -> None:
    url = migrated(tmp_path)
    script = tmp_path / "clock.py"
    script.write_text(CLOCK)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    clock = subprocess.Popen(
        [sys.executable, str(script), url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert clock.stdout is not None
        workers = [int(pid) for pid in clock.stdout.readline().split()]
        assert len(workers) == 2 and all(running(pid) for pid in workers)
        deadline = time.monotonic() + 15  # a worker that got no share may still be starting
        while not all(ignores_ctrl_c(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(ignores_ctrl_c(pid) for pid in workers)
        os.kill(workers[0], signal.SIGINT)  # as Ctrl-C reaches the whole process group
        time.sleep(0.5)
        assert running(workers[0])
        clock.kill()  # no chance to shut its pool down
        clock.wait()
        deadline = time.monotonic() + 15
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if running(pid)]
    finally:
        if clock.poll() is None:
            clock.kill()
            clock.wait()


@given(st.sets(st.integers(min_value=1, max_value=10**6), max_size=60), st.integers(1, 8))
def test_every_class_is_in_exactly_one_share(class_ids: set[int], count: int) -> None:
    shares = [Part(i, count) for i in range(count)]
    for class_id in class_ids:
        assert sum(share.holds(class_id) for share in shares) == 1


def test_a_share_out_of_range_is_refused() -> None:
    for index, count in ((2, 2), (-1, 2), (0, 0)):
        with pytest.raises(ValueError):
            Part(index, count)
    assert str(Part(0, 2)) == "1/2" and Part(1, 2).holds(3) and not Part(1, 2).holds(4)


async def test_a_dead_worker_is_replaced_and_a_stopped_pool_stays_stopped(
    tmp_path: Path,
) -> None:
    """A worker killed between ticks (out of memory, say) breaks the pool: the shares run in a
    new pool, at the latest on the tick after. Once shut down (the clock stopped or lost the
    lead), the workers run nothing more and no new pool starts."""
    url = await asyncio.to_thread(migrated, tmp_path)
    workers = DigestWorkers(2, parts=partial(digest_worker_parts, url, False))
    now = dt.datetime.now(dt.UTC)
    try:
        assert await workers.run(now) == []
        pool = workers._pool
        assert pool is not None
        first = list(pool._processes)
        os.kill(first[0], signal.SIGKILL)
        await asyncio.to_thread(_until_gone, first[0])
        # The pool learns of the death from its management thread: at submission, with the
        # shares in flight, or (on a loaded machine) a tick later still. No tick raises.
        for _ in range(5):
            assert await workers.run(now) == []
            if workers._pool is not None and workers._pool is not pool:
                break
            await asyncio.sleep(0.2)
        assert workers._pool is not None and workers._pool is not pool
        assert not set(workers._pool._processes) & set(first)
    finally:
        workers.shutdown()
    assert workers._pool is None
    assert await workers.run(now) == []
    assert workers._pool is None


def _until_gone(pid: int) -> None:
    deadline = time.monotonic() + 15
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.postgres
async def test_a_share_failing_tick_after_tick_is_logged_once(
    private_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    """The database away for several ticks: one warning for the share (no traceback for each
    tick), then one line when it runs again (it used to log an ERROR with a traceback a tick)."""
    engine = create_engine(private_cluster.url())
    await upgrade(engine)
    await engine.dispose()
    workers = DigestWorkers(1, parts=partial(digest_worker_parts, private_cluster.url(), False))
    now = dt.datetime.now(dt.UTC)
    caplog.set_level(logging.INFO, logger="scheduler.workers")
    try:
        assert await workers.run(now) == []
        private_cluster.stop()
        for _ in range(3):
            assert await workers.run(now) == []
        failed = [r for r in caplog.records if "digest share 1/1 failed" in r.getMessage()]
        assert len(failed) == 1 and failed[0].levelno == logging.WARNING
        assert failed[0].exc_info is None
        private_cluster.start()
        for _ in range(20):  # the worker's pool may first meet a connection the restart cut
            if await workers.run(now) == [] and any(
                "runs again" in r.getMessage() for r in caplog.records
            ):
                break
            await asyncio.sleep(0.2)
        back = [r for r in caplog.records if "digest share 1/1 runs again" in r.getMessage()]
        assert len(back) == 1
        assert sum("digest share 1/1 failed" in r.getMessage() for r in caplog.records) == 1
    finally:
        workers.shutdown()

"""What kind of trouble a failure is (out of reach, busy, a bug), with real errors, and how
each is logged; and the sender keeping, not setting aside, what a busy database cannot take."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.clock import SystemClock
from domain.delivery import OutboxMessage, SendOutcome, SendResult
from scheduler.outage import Outage, Trouble, trouble
from scheduler.sender import Sender
from storage.database import session_factory
from storage.uow import SqlUnitOfWork
from tests.faults import PrivateCluster
from tests.test_sender import UowFactory, queue


async def _error(action: Callable[[], Awaitable[object]]) -> BaseException:
    try:
        await action()
    except Exception as err:
        return err
    raise AssertionError("it did not fail")


async def test_real_errors_are_told_apart(private_cluster: PrivateCluster, tmp_path: Path) -> None:
    url = private_cluster.url()
    found: dict[str, Trouble] = {}

    # A bug: a programming error, on either database, and a value PostgreSQL refuses.
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    lite = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:

        async def select_from(e: AsyncEngine, sql: str, **values: object) -> None:
            async with e.connect() as conn:
                await conn.execute(text(sql), values)

        found["no such table (PostgreSQL)"] = trouble(
            await _error(lambda: select_from(engine, "select * from no_such_table"))
        )
        found["no such table (SQLite)"] = trouble(
            await _error(lambda: select_from(lite, "select * from no_such_table"))
        )
        found["NUL in a text"] = trouble(
            await _error(lambda: select_from(engine, "select cast(:t as text)", t="a\x00b"))
        )
        try:
            {}["missing"]
        except KeyError as err:
            found["KeyError"] = trouble(err)

        # Busy: the pool's only connection taken, a lock that times out, too many connections.
        async with engine.connect() as held:
            await held.execute(text("select pg_advisory_lock(4242)"))
            found["pool timeout"] = trouble(await _error(lambda: select_from(engine, "select 1")))
            other = create_async_engine(url)
            try:

                async def wait_for_lock() -> None:
                    async with other.connect() as conn:
                        await conn.execute(text("set lock_timeout = '50ms'"))
                        await conn.execute(text("select pg_advisory_lock(4242)"))

                found["lock timeout"] = trouble(await _error(wait_for_lock))
                async with other.begin() as conn:
                    await conn.execute(text("create role one_only login connection limit 1"))
            finally:
                await other.dispose()
        first, second = (create_async_engine(url.replace("postgres@", "one_only@")) for _ in "12")
        try:
            async with first.connect() as conn:
                await conn.execute(text("select 1"))
                found["too many connections"] = trouble(
                    await _error(lambda: select_from(second, "select 1"))
                )
        finally:
            await first.dispose()
            await second.dispose()

        # Out of reach: a connection cut under a held session, then refused.
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
            await asyncio.to_thread(private_cluster.stop)
            found["server gone"] = trouble(
                # the lambda returns the awaitable _error expects
                await _error(lambda: conn.execute(text("select 1")))  # type: ignore[arg-type]
            )
        found["connection refused"] = trouble(await _error(lambda: select_from(engine, "select 1")))
    finally:
        await engine.dispose()
        await lite.dispose()
    assert found == {
        "no such table (PostgreSQL)": Trouble.BUG,
        "no such table (SQLite)": Trouble.BUG,
        "NUL in a text": Trouble.BUG,
        "KeyError": Trouble.BUG,
        "pool timeout": Trouble.BUSY,
        "lock timeout": Trouble.BUSY,
        "too many connections": Trouble.BUSY,
        "server gone": Trouble.UNREACHABLE,
        "connection refused": Trouble.UNREACHABLE,
    }


async def test_sqlite_locked_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    writer = create_async_engine(f"sqlite+aiosqlite:///{path}")
    impatient = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0})
    try:
        async with writer.begin() as conn:
            await conn.execute(text("create table t (x integer)"))
        async with writer.connect() as conn:
            await conn.execute(text("begin immediate"))
            await conn.execute(text("insert into t values (1)"))

            async def write() -> None:
                async with impatient.begin() as other:
                    await other.execute(text("insert into t values (2)"))

            assert trouble(await _error(write)) is Trouble.BUSY
            await conn.execute(text("rollback"))
    finally:
        await writer.dispose()
        await impatient.dispose()


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_kind_is_logged_as_it_should(caplog: pytest.LogCaptureFixture) -> None:
    """Out of reach and busy: one warning line each, no traceback. A bug: an ERROR with its
    traceback, again after 5 minutes if it still fails the tries, not in between."""
    ticks = Ticks()
    outage = Outage(logging.getLogger("tests.trouble"), "it failed", "it works", monotonic=ticks)
    caplog.set_level(logging.WARNING, logger="tests.trouble")
    down = ConnectionRefusedError(111, "Connect call failed")
    for _ in range(3):
        outage.failed(down)
    try:
        {}["missing"]
    except KeyError as err:
        bug = err
    for step in (0.0, 100.0, 150.0, 60.0, 10.0):  # tries at 0, 100, 250, 310, 320 s
        ticks.now += step
        outage.failed(bug)
    outage.failed(down)
    ticks.now += 5
    outage.ended()
    lines = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert lines == [
        (
            "WARNING",
            "it failed (the database is out of reach): ConnectionRefusedError: [Errno 111]"
            " Connect call failed",
            False,
        ),
        ("ERROR", "it failed (a bug): KeyError: 'missing'", True),
        ("ERROR", "it failed (a bug): KeyError: 'missing'", True),  # 310 s after the first
        ("WARNING", "it works after 325.0 s and 9 failed tries", False),
    ]


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_busy_database_keeps_the_outcomes(
    make_uow: UowFactory, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Every connection of the sender's pool taken while it records: not a refusal, nothing
    set aside; the outcomes wait, and are recorded once a connection is free."""
    school_id = await queue(make_uow, [8001, 8002, 8003], per_chat=1)
    assert school_id
    small = create_async_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    sessions = session_factory(small)
    hold = asyncio.Event()
    held = asyncio.Event()

    class TakesThePool:
        """Sends, and with the first send takes the pool's only connection until told."""

        async def send(self, message: OutboxMessage) -> SendResult:
            if not held.is_set():
                held.set()
                asyncio.get_running_loop().create_task(_hold(small, hold))
                await asyncio.sleep(0.05)
            return SendResult(SendOutcome.SENT)

    sender = Sender(lambda: SqlUnitOfWork(sessions), TakesThePool(), SystemClock(), concurrency=1)
    caplog.set_level(logging.WARNING, logger="scheduler.sender")
    try:
        await sender.run_once()
        assert sender.unrecorded_sends >= 1  # kept, not set aside
        hold.set()
        assert await sender.record(within=5)
        while await sender.run_once():
            pass
    finally:
        hold.set()
        await small.dispose()
    async with make_uow() as uow:
        assert await uow.outbox.counts() == {"sent": 3}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("(the database is busy)" in r.getMessage() for r in caplog.records)


async def _hold(engine: AsyncEngine, until: asyncio.Event) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("select 1"))
        await until.wait()

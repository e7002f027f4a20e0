"""Counting the statements a session sends: tests and benchmarks hold the digest's reads to a
constant number a class."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

# asyncpg looks up a type it has not met on a connection yet (an int[] parameter, say) with
# these, once per connection: a cache being filled, not statements of ours.
_INTROSPECTION = ("typeinfo_tree", "current_setting('jit')", "set_config('jit'")


class StatementCount:
    def __init__(self) -> None:
        self.count = 0

    def statement(self, *_: object) -> None:
        self.count += 1

    def logged(self, record: object) -> None:
        query = getattr(record, "query", "")
        if not any(marker in query for marker in _INTROSPECTION):
            self.count += 1

    async def take(self) -> int:
        """The count so far, starting again from zero."""
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after, not at once
        count, self.count = self.count, 0
        return count


@asynccontextmanager
async def counting_statements(session: AsyncSession) -> AsyncIterator[StatementCount]:
    """Every statement the session's connection runs, whether through SQLAlchemy or straight
    through asyncpg (the digest's class reads on PostgreSQL)."""
    counter = StatementCount()
    conn = await session.connection()
    connection = conn.sync_connection
    assert connection is not None
    event.listen(connection, "before_cursor_execute", counter.statement)
    driver = None
    if conn.dialect.driver == "asyncpg":
        # SQLAlchemy runs prepared statements, which asyncpg does not log: none counts twice.
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None  # an open connection has its driver's
        driver.add_query_logger(counter.logged)
    try:
        yield counter
    finally:
        event.remove(connection, "before_cursor_execute", counter.statement)
        if driver is not None:
            driver.remove_query_logger(counter.logged)

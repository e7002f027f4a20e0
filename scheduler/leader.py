"""Only one process runs the clock and the sender: the holder of a PostgreSQL advisory lock.

The lock lives as long as the holder's connection, so when the holder dies PostgreSQL lets it
go at once and a follower, trying every few seconds, takes over. SQLite has one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from scheduler.outage import Outage, reason

log = logging.getLogger(__name__)

# One lock per part, shared by every process of this installation: a clock process and a
# sender process each lead their own part.
LOCK_KEYS = {"clock": 7_265_012_001, "sender": 7_265_012_002}
LOCK_KEY = LOCK_KEYS["clock"]


class Leadership:
    def __init__(
        self, engine: AsyncEngine, retry: float = 5.0, key: int = LOCK_KEY, part: str = "clock"
    ) -> None:
        self.engine = engine
        self.part = part
        self.retry = retry
        self.key = key
        self._connection: AsyncConnection | None = None
        # The database away: one line when the tries start failing, one when one works again.
        self.outage = Outage(
            log,
            f"cannot try the {part}'s leader lock",
            f"the {part}'s leader lock can be tried again",
        )

    @property
    def needs_lock(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process leads (or `stop` is set)."""
        if not self.needs_lock:
            return True
        while not stop.is_set():
            try:
                connection = await self.engine.connect()
                try:
                    got = await connection.scalar(
                        text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
                    )
                    await connection.commit()
                except BaseException:
                    with contextlib.suppress(Exception):
                        await connection.close()
                    raise
                self.outage.ended()
                if got:
                    self._connection = connection
                    log.info("this process now runs the %s", self.part)
                    return True
                await connection.close()
            except Exception as err:  # the database may be restarting
                self.outage.failed(err, f"; trying again every {self.retry:g} s")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.retry)
            except TimeoutError:
                pass
        return False

    async def still_leading(self) -> bool:
        if not self.needs_lock:
            return True
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception as err:
            log.warning(
                "lost the connection that holds the %s's leader lock: %s", self.part, reason(err)
            )
            await self.release()
            return False

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                await connection.commit()
            except Exception:
                pass
            finally:
                with contextlib.suppress(Exception):  # a connection the database already cut
                    await connection.close()

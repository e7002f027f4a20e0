"""The sender: claims due messages with a lease, sends them within Telegram's limits, and
records each outcome. A crash leaves leased messages that another sender picks up later."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Protocol

from domain.delivery import (
    LEASE,
    OutboxMessage,
    OutboxStatus,
    RateLimiter,
    SendOutcome,
    SendResult,
    after_failure,
)
from domain.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)


class MessageGateway(Protocol):
    async def send(self, message: OutboxMessage) -> SendResult: ...


class Sender:
    def __init__(
        self,
        make_uow: Callable[[], UnitOfWork],
        gateway: MessageGateway,
        clock: Clock,
        limiter: RateLimiter | None = None,
        *,
        batch: int = 200,
        concurrency: int = 16,
        flush_interval: float = 0.05,
        lease: dt.timedelta = LEASE,
    ) -> None:
        self.make_uow = make_uow
        self.gateway = gateway
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.batch = batch
        self.concurrency = concurrency
        self.flush_interval = flush_interval
        self.lease = lease
        self._done: list[tuple[OutboxMessage, SendResult]] = []
        self._deferred: list[tuple[OutboxMessage, float]] = []
        self.sent = 0

    async def run(self, stop: asyncio.Event, idle: float = 0.5) -> None:
        while not stop.is_set():
            try:
                count = await self.run_once()
            except Exception:
                log.exception("the sender failed a round; trying again")
                count = 0
            if count == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=idle)
                except TimeoutError:
                    pass

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many messages it took."""
        now = self.clock.now()
        async with self.make_uow() as uow:
            messages = await uow.outbox.claim(now, self.batch, now + self.lease)
            await uow.commit()
        if not messages:
            return 0
        loop = asyncio.get_running_loop()
        counter = itertools.count()
        ready: list[tuple[float, int, OutboxMessage]] = [
            (loop.time(), next(counter), x) for x in messages
        ]
        heapq.heapify(ready)
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        finished = asyncio.Event()
        flusher = asyncio.create_task(self._flush_loop(finished))
        horizon = self.lease.total_seconds() / 3
        try:
            while ready:
                at, _, message = heapq.heappop(ready)
                mono = loop.time()
                if at > mono:
                    await asyncio.sleep(at - mono)
                    mono = loop.time()
                delay = self.limiter.wait(message.chat_id, mono)
                if delay > 0:
                    if delay > horizon:
                        self._deferred.append((message, delay))  # back to the queue, unleased
                    else:
                        heapq.heappush(ready, (mono + delay, next(counter), message))
                    continue
                self.limiter.record(message.chat_id, mono)
                await slots.acquire()
                task = asyncio.create_task(self._send(message, slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            finished.set()  # never cancel a flush halfway: its outcomes would be lost
            await asyncio.gather(flusher, return_exceptions=True)
            await self.flush()
        return len(messages)

    async def _send(self, message: OutboxMessage, slots: asyncio.Semaphore) -> None:
        try:
            result = await self.gateway.send(message)
        except Exception as err:  # a bug in a gateway must not lose the message
            result = SendResult(SendOutcome.TEMPORARY, error=f"{type(err).__name__}: {err}")
        finally:
            slots.release()
        if result.outcome is SendOutcome.RETRY_AFTER:
            self.limiter.pause(result.retry_after, asyncio.get_running_loop().time())
        self._done.append((message, result))

    async def _flush_loop(self, finished: asyncio.Event) -> None:
        while not finished.is_set():
            try:
                await asyncio.wait_for(finished.wait(), timeout=self.flush_interval)
            except TimeoutError:
                await self.flush()

    async def flush(self) -> None:
        """Record outcomes so far: sent ones first, so that a crash repeats as few as possible."""
        done, self._done = self._done, []
        deferred, self._deferred = self._deferred, []
        if not done and not deferred:
            return
        now = self.clock.now()
        sent = [m.id for m, r in done if r.outcome is SendOutcome.SENT and m.id is not None]
        failed = [after_failure(m, r, now) for m, r in done if r.outcome is not SendOutcome.SENT]
        for message, delay in deferred:
            message.status = OutboxStatus.PENDING
            message.lease_until = None
            message.not_before = now + dt.timedelta(seconds=delay)
        try:
            async with self.make_uow() as uow:
                await uow.outbox.mark_sent(sent, now)
                await uow.outbox.save([*failed, *(m for m, _ in deferred)])
                for message in failed:
                    if message.status is OutboxStatus.BLOCKED:
                        await uow.outbox.mark_unreachable(message.account_id, now)
                await uow.commit()
        except Exception:
            # Keep the outcomes for the next flush; the lease keeps others off meanwhile.
            log.exception("could not record %s outcomes; will try again", len(done))
            self._done = done + self._done
            self._deferred = deferred + self._deferred
            return
        self.sent += len(sent)

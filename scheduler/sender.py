"""The sender: claims due messages with a lease, renders each one's notice for its recipient
(in their language, by their messenger's renderer), sends it through that messenger's gateway
within its limits, and records each outcome. A crash leaves leased messages that another
sender picks up later.

When the database goes away mid-batch the sender stops sending (what is in flight finishes)
and keeps what Telegram answered until it can record it: first thing when the database is
back, before it claims anything, whether or not this process still leads. So an outage repeats
nothing Telegram took, as long as it is recorded before the lease runs out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

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
from scheduler.messenger import MessageGateway, NoticeRenderer
from scheduler.outage import Outage, Trouble, reason, trouble

log = logging.getLogger(__name__)


class _Route:
    """The gateway, the rate limits and the renderer of one messenger."""

    __slots__ = ("gateway", "limiter", "renderer")

    def __init__(
        self, gateway: MessageGateway, limiter: RateLimiter, renderer: NoticeRenderer | None
    ) -> None:
        self.gateway = gateway
        self.limiter = limiter
        self.renderer = renderer

    def rendered(self, message: OutboxMessage) -> OutboxMessage:
        """The message as its gateway sends it: its notice rendered in the recipient's
        language; a message queued rendered (no notice) as it is."""
        notice = message.notice
        if notice is None:
            return message
        if self.renderer is None:
            raise LookupError(f"no renderer for the messenger {message.messenger!r}")
        return replace(
            message,
            text=self.renderer.render(notice, message.language),
            buttons=self.renderer.render_buttons(notice, message.language)
            if notice.buttons
            else [],
        )


async def _wait(event: asyncio.Event | None, seconds: float) -> bool:
    """Sleep `seconds` or until `event` is set; returns whether it was set."""
    if event is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(event.wait(), timeout=max(0.0, seconds))
    except TimeoutError:
        return False
    return True


@dataclass(slots=True)
class Outcomes:
    """What Telegram answered and the database does not know yet."""

    sent: list[tuple[dt.datetime, list[int]]] = field(default_factory=list)  # stamped «ok»s
    changed: list[OutboxMessage] = field(default_factory=list)  # failures, and put back
    unreachable: list[tuple[int, dt.datetime]] = field(default_factory=list)  # blocked the bot

    @property
    def sends(self) -> int:
        return sum(len(ids) for _, ids in self.sent)

    def __bool__(self) -> bool:
        return bool(self.sent or self.changed or self.unreachable)

    def then(self, later: Outcomes) -> Outcomes:
        """These, then `later`: what a failed flush keeps goes before what came since."""
        return Outcomes(
            sent=self.sent + later.sent,
            changed=self.changed + later.changed,
            unreachable=self.unreachable + later.unreachable,
        )

    def each(self) -> list[tuple[str, Outcomes]]:
        """One outcome at a time, each named for the log."""
        pieces = [(f"message {i} (sent)", Outcomes(sent=[(at, [i])])) for at, ids in self.sent
                  for i in ids]  # fmt: skip
        pieces += [
            (f"message {x.id} ({x.status.value})", Outcomes(changed=[x])) for x in self.changed
        ]
        pieces += [
            (f"account {a} (blocked the bot)", Outcomes(unreachable=[(a, at)]))
            for a, at in self.unreachable
        ]
        return pieces


class Sender:
    def __init__(
        self,
        make_uow: Callable[[], UnitOfWork],
        gateway: MessageGateway | Mapping[str, MessageGateway],
        clock: Clock,
        limiter: RateLimiter | None = None,
        *,
        renderer: NoticeRenderer | None = None,
        renderers: Mapping[str, NoticeRenderer] | None = None,
        limiters: Mapping[str, RateLimiter] | None = None,
        batch: int = 200,
        concurrency: int = 16,
        flush_interval: float = 0.05,
        lease: dt.timedelta = LEASE,
    ) -> None:
        """`gateway`: by messenger name, each with its own limits (`limiters`, else Telegram's
        defaults) and renderer (`renderers`); or one gateway, with `limiter` and `renderer`, for
        every message whatever its messenger."""
        self.make_uow = make_uow
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self._single: _Route | None = None
        self._routes: dict[str, _Route] = {}
        if isinstance(gateway, Mapping):
            chosen = limiters or {}
            drawn = renderers or {}
            self._routes = {
                name: _Route(way, chosen.get(name) or RateLimiter(), drawn.get(name))
                for name, way in gateway.items()
            }
        else:
            self._single = _Route(gateway, self.limiter, renderer)
        self.batch = batch
        self.concurrency = concurrency
        self.flush_interval = flush_interval
        self.lease = lease
        # What Telegram answered and the database does not know yet. Each outcome is worked
        # out once, when it arrives (an attempt is counted once however many tries it takes to
        # record it), and kept across rounds and lost leads until a flush records it.
        self._sent: list[int] = []  # answered «ok» since the last flush began
        self._held = Outcomes()  # the rest, and the «ok»s stamped, not yet recorded
        self._recording = asyncio.Lock()
        self.database = Outage(
            log, "the sender cannot reach the database", "the sender reaches the database again"
        )
        self.rounds = Outage(log, "the sender failed a round", "the sender completes rounds again")
        self.sent = 0

    @property
    def unrecorded(self) -> int:
        """Outcomes the database does not know yet."""
        return self.unrecorded_sends + len(self._held.changed)

    @property
    def unrecorded_sends(self) -> int:
        """Sends Telegram took that are not recorded: each goes again if its lease runs out."""
        return len(self._sent) + self._held.sends

    async def run(self, stop: asyncio.Event, idle: float = 0.5) -> None:
        """Rounds until `stop`. What a round could not record goes first: nothing is claimed
        while a confirmed send waits to be recorded."""
        while not stop.is_set():
            if not await self.record(stop):
                return
            try:
                count = await self.run_once(stop)
            except Exception as err:
                count = 0
                self.rounds.failed(err, "; trying again")
            else:
                self.rounds.ended()
            if count == 0:
                await _wait(stop, self.database.pause() if self.database.ongoing else idle)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Claim one batch and deliver it; returns how many messages it took (0 when the
        database cannot be reached, or outcomes of earlier sends could not be recorded)."""
        if not await self.flush():
            return 0
        now = self.clock.now()
        try:
            async with self.make_uow() as uow:
                await uow.outbox.expire(now)  # a day's summary is not sent the next day
                messages = await uow.outbox.claim(now, self.batch, now + self.lease)
                await uow.commit()
        except Exception as err:
            self.database.failed(err, "; nothing is sent until it is back")
            return 0
        self.database.ended()
        if messages:
            await self._deliver(messages, stop)
        return len(messages)

    def _halted(self, stop: asyncio.Event | None) -> bool:
        """No new send while outcomes cannot be recorded, nor once told to stop."""
        return self.database.ongoing or (stop is not None and stop.is_set())

    async def _deliver(self, messages: list[OutboxMessage], stop: asyncio.Event | None) -> None:
        """Send a claimed batch within the limits. Halted (see `_halted`), it lets the sends in
        flight finish and puts the rest back in the queue, recorded with the outcomes: a later
        claim takes them at once instead of after the lease."""
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
            while ready and not self._halted(stop):
                mono = loop.time()
                if ready[0][0] > mono:
                    await _wait(stop, ready[0][0] - mono)
                    continue
                _, _, message = heapq.heappop(ready)
                route = self._route(message)
                if route is None:
                    self._no_route(message)
                    continue
                delay = route.limiter.wait(message.chat_id, mono)
                if delay > 0:
                    if delay > horizon:
                        self._put_back(message, delay)
                    else:
                        heapq.heappush(ready, (mono + delay, next(counter), message))
                    continue
                await slots.acquire()
                if self._halted(stop):  # while it waited for a slot
                    slots.release()
                    heapq.heappush(ready, (mono, next(counter), message))
                    break
                route.limiter.record(message.chat_id, loop.time())
                task = asyncio.create_task(self._send(message, route, slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for _, _, message in ready:
                self._put_back(message, 0.0)
            finished.set()  # never cancel a flush halfway: its outcomes would be lost
            await asyncio.gather(flusher, return_exceptions=True)
            await self.flush()

    def _route(self, message: OutboxMessage) -> _Route | None:
        return self._single or self._routes.get(message.messenger)

    def _no_route(self, message: OutboxMessage) -> None:
        """A messenger this process has no gateway for: the message fails, said why."""
        result = SendResult(
            SendOutcome.PERMANENT, error=f"no gateway for the messenger {message.messenger!r}"
        )
        self._held.changed.append(after_failure(message, result, self.clock.now()))

    async def _send(self, message: OutboxMessage, route: _Route, slots: asyncio.Semaphore) -> None:
        try:
            try:
                outgoing = route.rendered(message)
            except Exception as err:  # it will not render better next time
                result = SendResult(SendOutcome.PERMANENT, error=f"not rendered: {err!r}")
            else:
                try:
                    result = await route.gateway.send(outgoing)
                except Exception as err:  # a bug in a gateway must not lose the message
                    result = SendResult(SendOutcome.TEMPORARY, error=f"{type(err).__name__}: {err}")
        finally:
            slots.release()
        if result.outcome is SendOutcome.RETRY_AFTER:
            route.limiter.pause(result.retry_after, asyncio.get_running_loop().time())
        if result.outcome is SendOutcome.SENT:
            if message.id is not None:
                self._sent.append(message.id)
            return
        now = self.clock.now()
        self._held.changed.append(after_failure(message, result, now))
        if message.status is OutboxStatus.BLOCKED:
            self._held.unreachable.append((message.account_id, now))

    def _put_back(self, message: OutboxMessage, delay: float) -> None:
        """Unleased and due again after `delay` seconds (once recorded)."""
        message.status = OutboxStatus.PENDING
        message.lease_until = None
        message.not_before = self.clock.now() + dt.timedelta(seconds=delay)
        self._held.changed.append(message)

    async def _flush_loop(self, finished: asyncio.Event) -> None:
        while not finished.is_set():
            pause = self.database.pause() if self.database.ongoing else self.flush_interval
            if await _wait(finished, pause):
                return
            await self.flush()

    async def flush(self) -> bool:
        """Record the outcomes so far in one transaction; returns whether none is left. When
        the database cannot take them they stay for the next try (their lease keeps other
        senders off those messages meanwhile) and sending stops until they are recorded; the
        same when it is busy (a pool or lock timeout). When it refuses them for another reason
        (`Trouble.BUG`: a value it will never take) they are recorded one by one: what it
        refuses is set aside (logged), the rest recorded, and sending goes on."""
        async with self._recording:
            if self._sent:
                self._held.sent.append((self.clock.now(), self._sent))
                self._sent = []
            batch, self._held = self._held, Outcomes()
            if not batch:
                return True
            try:
                refused = await self._write(batch)
            except Exception as err:
                if trouble(err) is not Trouble.BUG:  # it passes: try them all again later
                    return self._keep(batch, err)
                refused, batch, left, gone = await self._write_each(batch)
                if gone is not None:  # out of reach meanwhile: keep what is left
                    self.sent += batch.sends
                    return self._keep(left, gone)
            recorded = batch.sends
            self.sent += recorded
            if refused:
                log.warning(
                    "%s outcomes not written: the messages are not this sender's claim any more"
                    " (its lease ran out and another sender claimed them, or sent them)",
                    refused,
                )
            self.database.ended(
                f"; {recorded + len(batch.changed) - refused} outcomes recorded late"
                f" ({recorded} of them sent)"
            )
            return self.unrecorded == 0

    async def _write(self, batch: Outcomes) -> int:
        """One transaction; returns how many outcomes were not this sender's claim to write."""
        async with self.make_uow() as uow:
            for at, ids in batch.sent:
                await uow.outbox.mark_sent(ids, at)
            refused = await uow.outbox.save(batch.changed)
            for account_id, at in batch.unreachable:
                await uow.outbox.mark_unreachable(account_id, at)
            await uow.commit()
        return refused

    async def _write_each(
        self, batch: Outcomes
    ) -> tuple[int, Outcomes, Outcomes, Exception | None]:
        """Each outcome in a transaction of its own, after the batch's was refused: what the
        database refuses is set aside, once, with an ERROR naming it (kept, it would stop
        sending for good). Returns the claims refused, what was recorded, and, when the
        database went out of reach or got busy meanwhile, what is left to record and why."""
        refused, recorded = 0, Outcomes()
        pieces = batch.each()
        for n, (name, piece) in enumerate(pieces):
            try:
                refused += await self._write(piece)
            except Exception as err:
                if trouble(err) is not Trouble.BUG:
                    left = Outcomes()
                    for _, rest in pieces[n:]:
                        left = left.then(rest)
                    return refused, recorded, left, err
                log.error(
                    "the database refuses the outcome of %s, set aside: %s", name, reason(err)
                )
                continue
            recorded = recorded.then(piece)
        return refused, recorded, Outcomes(), None

    def _keep(self, batch: Outcomes, err: Exception) -> bool:
        """The database is out of reach or busy: keep `batch` for the next try, first."""
        self._held = batch.then(self._held)
        self.database.failed(
            err,
            f"; {self.unrecorded} outcomes wait to be recorded, {self.unrecorded_sends}"
            " of them sent; nothing more is sent until they are",
        )
        return False

    async def record(self, stop: asyncio.Event | None = None, within: float | None = None) -> bool:
        """Flush until every outcome is recorded (True), or until `stop` is set or `within`
        seconds have passed (False), pausing longer between tries while the database is away."""
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while not await self.flush():
            pause = self.database.pause()
            if deadline is not None:
                pause = min(pause, deadline - loop.time())
                if pause <= 0:
                    return False
            if await _wait(stop, pause):
                return False
        return True

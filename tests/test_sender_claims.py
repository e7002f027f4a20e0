"""Whose claim it is: a sender whose lease ran out records nothing over another's claim."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter

import pytest
from sqlalchemy import select

from domain.clock import FixedClock
from domain.delivery import OutboxMessage, SendOutcome, SendResult
from scheduler.sender import Sender
from storage import models as m
from tests.test_sender import UowFactory, queue

LEASE = dt.timedelta(seconds=60)


class HeldGateway:
    """A fake gateway: notes every send, holds it until `let_go` is set, then answers
    `outcome` (a temporary failure: Telegram did not take it)."""

    def __init__(self, name: str, outcome: SendOutcome = SendOutcome.SENT) -> None:
        self.name = name
        self.outcome = outcome
        self.received: list[str] = []
        self.let_go = asyncio.Event()
        self.arrived = asyncio.Event()

    async def send(self, message: OutboxMessage) -> SendResult:
        self.received.append(message.chat_id)
        self.arrived.set()
        await self.let_go.wait()
        return SendResult(self.outcome, error=f"{self.name}: 502 Bad Gateway")


# a test helper: any predicate
async def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within 4 s: {what}")


async def test_a_late_outcome_never_overwrites_another_senders_claim(
    make_uow: UowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A claims two messages and sends the first (one at a time); its lease runs out while
    Telegram keeps it waiting; B claims both and sends them; then A hears a failure for the
    first and, told to stop, puts the second back. A's late outcomes are not written: B's
    claim stands, a third sender finds nothing to claim, B records both as sent, and no chat
    gets a third send nor an attempt counted for A's failure."""
    await queue(make_uow, [6001, 6002], per_chat=1)
    clock = FixedClock(dt.datetime.now(dt.UTC))
    first, second, third = (
        HeldGateway("A", SendOutcome.TEMPORARY),
        HeldGateway("B"),
        HeldGateway("C"),
    )
    third.let_go.set()
    a = Sender(make_uow, first, clock, concurrency=1, lease=LEASE)
    b = Sender(make_uow, second, clock, lease=LEASE)
    c = Sender(make_uow, third, clock, lease=LEASE)
    a_stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="scheduler.sender")

    a_round = asyncio.create_task(a.run_once(a_stop))
    await asyncio.wait_for(first.arrived.wait(), 4)
    assert len(first.received) == 1  # the second waits for A's only slot

    clock.advance(LEASE + dt.timedelta(seconds=1))  # A's lease ran out (a long outage)
    b_round = asyncio.create_task(b.run_once())
    await _until(lambda: len(second.received) == 2, "B sends both")

    a_stop.set()
    first.let_go.set()  # A hears its failure late and puts the rest back
    assert await asyncio.wait_for(a_round, 4) == 2
    assert a.unrecorded == 0  # nothing left to retry: what it may not write is dropped

    clock.advance(dt.timedelta(seconds=10))  # past A's backoff, within B's lease
    assert await c.run_once() == 0, "a third sender took what B holds"

    second.let_go.set()
    assert await asyncio.wait_for(b_round, 4) == 2
    assert await c.run_once() == 0

    async with make_uow() as uow:
        rows = (
            await uow.session.execute(
                select(m.OutboxRow.chat_id, m.OutboxRow.status, m.OutboxRow.attempts)
            )
        ).all()
    assert sorted(rows) == [("6001", "sent", 0), ("6002", "sent", 0)]
    sends = Counter(first.received + second.received + third.received)
    assert third.received == []
    assert sends == {"6001": 2, "6002": 1}, sends  # A sent one before its lease ran out
    not_written = [r for r in caplog.records if "not this sender's claim" in r.getMessage()]
    assert len(not_written) == 1, [r.getMessage() for r in caplog.records]
    assert "2 outcomes" in not_written[0].getMessage()


async def test_a_send_telegram_took_is_recorded_late_unless_already_sent(
    make_uow: UowFactory,
) -> None:
    """Delivered is delivered: A's «ok» heard after B re-claimed the message is recorded as
    sent; recorded again (B's «ok»), it keeps the first moment it was sent."""
    await queue(make_uow, [6101], per_chat=1)
    clock = FixedClock(dt.datetime.now(dt.UTC))
    first, second = HeldGateway("A"), HeldGateway("B")
    a = Sender(make_uow, first, clock, lease=LEASE)
    b = Sender(make_uow, second, clock, lease=LEASE)
    a_round = asyncio.create_task(a.run_once())
    await asyncio.wait_for(first.arrived.wait(), 4)
    clock.advance(LEASE + dt.timedelta(seconds=1))
    b_round = asyncio.create_task(b.run_once())
    await asyncio.wait_for(second.arrived.wait(), 4)
    sent_by_a = clock.now()
    first.let_go.set()
    assert await asyncio.wait_for(a_round, 4) == 1
    clock.advance(dt.timedelta(seconds=5))
    second.let_go.set()
    assert await asyncio.wait_for(b_round, 4) == 1
    async with make_uow() as uow:
        row = (await uow.session.execute(select(m.OutboxRow.status, m.OutboxRow.sent_at))).one()
    assert tuple(row) == ("sent", sent_by_a)
    assert a.sent == 1
    assert b.sent == 1

"""An outcome the database refuses is not an outage: the rest is recorded, sending goes on."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import SystemClock
from domain.delivery import OutboxMessage, SendOutcome, SendResult
from domain.people import Account
from scheduler.sender import Sender
from storage import models as m
from tests.test_sender import UowFactory, queue


class FailingFor:
    """A fake gateway: sends everything but to the chats in `errors`, which fail
    (temporarily) with the given error text."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        self.received: list[str] = []

    async def send(self, message: OutboxMessage) -> SendResult:
        self.received.append(message.chat_id)
        if message.chat_id in self.errors:
            return SendResult(SendOutcome.TEMPORARY, error=self.errors[message.chat_id])
        return SendResult(SendOutcome.SENT)


async def _rows(make_uow: UowFactory) -> dict[str, tuple[str, int, str]]:
    async with make_uow() as uow:
        rows = await uow.session.execute(
            select(
                m.OutboxRow.chat_id,
                m.OutboxRow.status,
                m.OutboxRow.attempts,
                m.OutboxRow.last_error,
            )
        )
        return {chat: (status, attempts, error) for chat, status, attempts, error in rows}


async def _one_more(make_uow: UowFactory, school_id: int, chat: int) -> None:
    """A message queued after the trouble: sending goes on if it is sent."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with make_uow() as uow:
        account = await uow.accounts.add(
            Account(
                id=None, messenger="telegram", user_id=str(chat), chat_id=str(chat),
                display_name=str(chat), created_at=now,
            )
        )  # fmt: skip
        assert account.id is not None
        await uow.outbox.add(
            [
                OutboxMessage(
                    id=None, school_id=school_id, account_id=account.id, chat_id=str(chat),
                    messenger="telegram", kind="test", dedup_key=f"more:{chat}", text="Ещё одно",
                    not_before=now, created_at=now,
                )
            ]
        )  # fmt: skip
        await uow.commit()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_nul_in_an_error_text_stops_nothing(make_uow: UowFactory) -> None:
    """PostgreSQL refuses a text with NUL in it: the error is stored without it, the batch's
    other outcomes are recorded with it, and the next message goes out."""
    school_id = await queue(make_uow, [7001, 7002, 7003], per_chat=1)
    gateway = FailingFor({"7002": "Bad Gateway\x00\x00 from the proxy"})
    sender = Sender(make_uow, gateway, SystemClock())
    assert await sender.run_once() == 3
    assert sender.unrecorded == 0
    rows = await _rows(make_uow)
    assert rows == {
        "7001": ("sent", 0, ""),
        "7002": ("pending", 1, "Bad Gateway from the proxy"),
        "7003": ("sent", 0, ""),
    }
    await _one_more(make_uow, school_id, 7004)
    assert await sender.run_once() == 1
    assert (await _rows(make_uow))["7004"] == ("sent", 0, "")


@pytest_asyncio.fixture
async def refusing(engine: AsyncEngine, backend: str) -> AsyncIterator[None]:
    """The outbox refuses, for good, a last error that says «poison»: a stand-in for any value
    the database will never take (the journal strips what it knows of, such as NUL)."""
    async with engine.begin() as conn:
        if backend == "postgresql":
            await conn.execute(
                text(
                    "ALTER TABLE outbox ADD CONSTRAINT ck_test_no_poison"
                    " CHECK (position('poison' in last_error) = 0)"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER test_no_poison BEFORE UPDATE ON outbox"
                    " WHEN instr(NEW.last_error, 'poison') > 0"
                    " BEGIN SELECT RAISE(ABORT, 'poison refused'); END"
                )
            )
    try:
        yield
    finally:
        if backend == "postgresql":  # the database is the session's: leave it as it was
            async with engine.begin() as conn:
                await conn.execute(text("ALTER TABLE outbox DROP CONSTRAINT ck_test_no_poison"))


@pytest.mark.usefixtures("refusing")
async def test_an_outcome_refused_for_good_is_set_aside(
    make_uow: UowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The flush fails not because the database is away: each outcome is recorded by itself,
    the one refused is set aside with one ERROR naming its message, the rest is recorded, and
    sending goes on."""
    school_id = await queue(make_uow, [7101, 7102, 7103, 7104], per_chat=1)
    gateway = FailingFor({"7102": "poison pill", "7103": "Bad Gateway"})
    sender = Sender(make_uow, gateway, SystemClock())
    caplog.set_level(logging.WARNING, logger="scheduler.sender")
    assert await sender.run_once() == 4
    assert sender.unrecorded == 0
    assert not sender.database.ongoing
    rows = await _rows(make_uow)
    assert rows["7101"] == ("sent", 0, "")
    assert rows["7102"][:2] == ("sending", 0)  # claimed again once its lease runs out
    assert rows["7103"] == ("pending", 1, "Bad Gateway")
    assert rows["7104"] == ("sent", 0, "")
    async with make_uow() as uow:
        poisoned = await uow.session.scalar(
            select(m.OutboxRow.id).where(m.OutboxRow.chat_id == "7102")
        )
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in caplog.records]
    assert f"message {poisoned}" in errors[0].getMessage()
    assert not [r for r in caplog.records if "cannot reach" in r.getMessage()]
    await _one_more(make_uow, school_id, 7105)
    assert await sender.run_once() == 1
    assert (await _rows(make_uow))["7105"] == ("sent", 0, "")
    assert sender.sent == 3


async def test_a_notice_that_cannot_be_read_fails_alone_and_sending_goes_on(
    make_uow: UowFactory,
) -> None:
    """A stored notice this code cannot read (an intent a newer version wrote, then rolled
    back; a damaged row) must not stop the queue: it fails, said why, and the rest go out."""
    school_id = await queue(make_uow, [7101, 7102, 7103], per_chat=1)
    forged = {
        "lines": [{"msgid": "At risk of 2", "params": []}],
        "buttons": [[["ok", {"intent": "NoSuchIntent", "fields": {}}]]],
    }
    async with make_uow() as uow:
        await uow.session.execute(
            m.OutboxRow.__table__.update()
            .where(m.OutboxRow.chat_id == "7102")
            .values(notice=forged)
        )
        await uow.session.execute(
            m.OutboxRow.__table__.update()
            .where(m.OutboxRow.chat_id == "7103")
            .values(notice={"lines": "not a list of lines"})
        )
        await uow.commit()
    gateway = FailingFor({})
    sender = Sender(make_uow, gateway, SystemClock())
    while await sender.run_once():
        pass
    assert gateway.received == ["7101"]
    rows = await _rows(make_uow)
    assert rows["7101"][0] == "sent"
    for chat in ("7102", "7103"):
        status, _, error = rows[chat]
        assert status == "failed" and error.startswith("unreadable notice:"), rows[chat]
    await _one_more(make_uow, school_id, 7104)
    assert await sender.run_once() == 1
    assert gateway.received[-1] == "7104"

"""The sender against the fake Telegram: flood control, blocked users, limits, nothing lost."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from bot.gateway import TelegramGateway
from bot.main import build_bot
from domain.clock import SystemClock
from domain.delivery import OutboxMessage, RateLimiter
from domain.people import Account
from domain.usecases.schools import create_school
from fakegram import FakeTelegram
from scheduler.sender import Sender
from storage import models as m
from storage.uow import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]
TOKEN = "555000:sender-test"


async def queue(make_uow: UowFactory, chats: list[int], per_chat: int) -> int:
    """Accounts for the chats and `per_chat` messages to each; returns the school id."""
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with make_uow() as uow:
        accounts = [
            await uow.accounts.add(
                Account(
                    id=None,
                    messenger="telegram",
                    user_id=str(c),
                    chat_id=str(c),
                    language="ru",
                    display_name="",
                    created_at=now,
                )
            )
            for c in chats
        ]
        await uow.outbox.add(
            [
                OutboxMessage(
                    id=None,
                    school_id=school.id,
                    account_id=a.id,
                    chat_id=a.chat_id,
                    messenger=a.messenger,
                    kind="test",
                    dedup_key=f"t:{a.chat_id}:{i}",
                    text=f"Сообщение {i} для <b>{a.chat_id}</b>",
                    not_before=now,
                    created_at=now,
                )
                for i in range(per_chat)
                for a in accounts
            ]
        )
        await uow.commit()
    return school.id


async def test_flood_control_and_blocked_chats(make_uow: UowFactory) -> None:
    chats = list(range(3001, 3031))
    blocked = set(chats[:4])
    await queue(make_uow, chats, per_chat=2)
    async with FakeTelegram() as server:
        server.add_bot(TOKEN)
        for chat in chats:
            server.add_user(chat, started=True)
        for chat in blocked:
            server.block(chat)
        server.fail_next("sendMessage", code=429, retry_after=1, times=3)
        bot = build_bot(TOKEN, server.api_url)
        sender = Sender(
            make_uow,
            TelegramGateway(bot),
            SystemClock(),
            RateLimiter(per_second=10, per_chat_interval=1.0),
        )
        try:
            for _ in range(40):
                if await sender.run_once() == 0:
                    await asyncio.sleep(0.3)
                    if await sender.run_once() == 0:
                        break
        finally:
            await bot.session.close()
        delivered = {c: [x for x in server.messages(c) if x.from_bot] for c in chats}
        assert all(len(delivered[c]) == 2 for c in chats if c not in blocked)
        assert all(not delivered[c] for c in blocked)
        assert delivered[chats[10]][0].text in ("Сообщение 0 для 3011", "Сообщение 1 для 3011")
        assert server.max_sends_in_window(1.0) <= 10
        assert max(server.max_sends_per_chat(1.0).values()) <= 1
        refused = [r for r in server.requests if r.method == "sendMessage" and r.error_code == 429]
        assert len(refused) == 3  # only the forced ones: the sender never tripped the limits
    async with make_uow() as uow:
        rows = (await uow.session.execute(select(m.OutboxRow.chat_id, m.OutboxRow.status))).all()
        unreachable = set(
            (
                await uow.session.scalars(
                    select(m.AccountRow.chat_id).where(m.AccountRow.unreachable_at.is_not(None))
                )
            ).all()
        )
        counts = await uow.outbox.counts()
    assert {s for c, s in rows if int(c) in blocked} == {"blocked"}
    assert {s for c, s in rows if int(c) not in blocked} == {"sent"}
    assert unreachable == {str(c) for c in blocked}
    assert counts == {"sent": 52, "blocked": 8}


async def test_temporary_errors_are_retried_then_recorded(make_uow: UowFactory) -> None:
    await queue(make_uow, [4001, 4002], per_chat=1)
    async with FakeTelegram() as server:
        server.add_bot(TOKEN)
        server.add_user(4001, started=True)
        server.add_user(4002, started=True)
        server.fail_next(
            "sendMessage", code=500, chat_id=4002, times=None, description="Internal Server Error"
        )
        bot = build_bot(TOKEN, server.api_url)
        sender = Sender(make_uow, TelegramGateway(bot), SystemClock())
        try:
            await sender.run_once()
        finally:
            await bot.session.close()
    async with make_uow() as uow:
        failures = await uow.outbox.latest_failures(10)
        pending = (
            await uow.session.execute(
                select(
                    m.OutboxRow.chat_id,
                    m.OutboxRow.status,
                    m.OutboxRow.attempts,
                    m.OutboxRow.last_error,
                )
            )
        ).all()
    states = {c: (s, a) for c, s, a, _ in pending}
    assert states["4001"] == ("sent", 0)
    assert states["4002"] == ("pending", 1)  # to be tried again after a backoff
    assert "Internal Server Error" in next(e for c, _, _, e in pending if c == "4002")
    assert failures == []


async def test_due_counts_what_may_go_now(make_uow: UowFactory) -> None:
    """What the sandbox's clock note counts: pending messages whose time has come, not those
    held until later nor those sent or being sent."""
    await queue(make_uow, [11, 12, 13], per_chat=1)  # due a second ago
    now = dt.datetime.now(dt.UTC)
    async with make_uow() as uow:
        assert await uow.outbox.due(now) == 3
        [claimed] = await uow.outbox.claim(now, 1, now + dt.timedelta(minutes=5))
        held = await uow.accounts.add(
            Account(
                id=None, messenger="telegram", user_id="14", chat_id="14", language="ru",
                display_name="", created_at=now,
            )
        )  # fmt: skip
        assert held.id is not None
        later = now + dt.timedelta(hours=9)  # quiet hours: the morning
        await uow.outbox.add(
            [
                OutboxMessage(
                    id=None, school_id=claimed.school_id, account_id=held.id, chat_id="14",
                    messenger="telegram", kind="test", dedup_key="t:14", text="утром",
                    not_before=later, created_at=now,
                )
            ]
        )  # fmt: skip
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.outbox.due(now) == 2  # one is being sent, one waits for the morning
        assert await uow.outbox.due(later) == 3


async def test_a_message_past_its_day_expires_instead_of_being_sent(make_uow: UowFactory) -> None:
    """Issue 16: the deputy's 9:00 summary of a day that has ended (held by quiet hours, or a
    sender that was down) is not delivered next morning beside that day's own: a message past
    its `not_after` is recorded as expired, unsent; one still within its day goes."""
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    now = dt.datetime.now(dt.UTC)
    async with make_uow() as uow:
        account = await uow.accounts.add(
            Account(
                id=None,
                messenger="telegram",
                user_id="4501",
                chat_id="4501",
                language="ru",
                display_name="",
                created_at=now,
            )
        )
        assert account.id is not None and school.id is not None

        def summary(key: str, not_after: dt.datetime) -> OutboxMessage:
            return OutboxMessage(
                id=None, school_id=school.id, account_id=account.id, chat_id="4501",
                messenger="telegram", kind="deputy_summary", dedup_key=key, text=f"Сводка {key}",
                not_before=now - dt.timedelta(hours=12), created_at=now - dt.timedelta(days=1),
                not_after=not_after,
            )  # fmt: skip

        await uow.outbox.add(
            [
                summary("yesterday", now - dt.timedelta(minutes=1)),
                summary("today", now + dt.timedelta(hours=8)),
            ]
        )
        await uow.commit()
    async with FakeTelegram() as server:
        server.add_bot(TOKEN)
        server.add_user(4501, started=True)
        bot = build_bot(TOKEN, server.api_url)
        sender = Sender(make_uow, TelegramGateway(bot), SystemClock(), RateLimiter())
        try:
            assert await sender.run_once() == 1
            assert await sender.run_once() == 0
        finally:
            await bot.session.close()
        assert [x.text for x in server.messages(4501) if x.from_bot] == ["Сводка today"]
    async with make_uow() as uow:
        rows = dict(
            (await uow.session.execute(select(m.OutboxRow.dedup_key, m.OutboxRow.status))).all()
        )
    assert rows == {"yesterday": "expired", "today": "sent"}

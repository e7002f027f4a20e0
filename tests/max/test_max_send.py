"""Notices reach MAX accounts through the same outbox and the same sender as Telegram's: the
real TelegramGateway against fakegram and the real MaxGateway (maxo) against fakemax, each
account getting its messenger's rendering in its language, the acknowledgement button's
payload MAX's own. MAX's refusals: a 429 is tried again, neither lost nor doubled; a dialog
that is gone blocks the account."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from bot.gateway import TelegramGateway
from bot.main import build_bot
from bot.max import MESSENGER as MAX
from bot.max import payloads
from bot.max.client import MaxBot
from bot.max.gateway import MaxGateway
from bot.max.render import MaxRenderer
from bot.render import TelegramRenderer
from domain.clock import FixedClock, SystemClock
from domain.delivery import OutboxMessage, RateLimiter, SendOutcome
from domain.intents import AcknowledgeTermMarks
from domain.people import Account
from domain.usecases import diary
from domain.usecases.accounts import MessengerUser
from domain.usecases.schools import create_school
from fakegram import FakeTelegram
from fakemax import FakeMax
from scheduler.sender import Sender
from storage import models as m
from storage.uow import SqlUnitOfWork
from tests.two_messengers import MSK, family_with_term_marks

UowFactory = Callable[[], SqlUnitOfWork]
TG_TOKEN = "555001:max-send-test"
MAX_TOKEN = "max-send-test"
MOTHER_MAX, FATHER_MAX = 5002, 5004
ACK = payloads.encode(AcknowledgeTermMarks(1))


def max_user(user: int) -> MessengerUser:
    chat = str(FakeMax.chat_id_of(user))
    return MessengerUser(messenger=MAX, user_id=chat, chat_id=chat, language="ru")


def to_mother(
    text: str, buttons: list[list[dict[str, str]]] | None = None, photo: bytes | None = None
) -> OutboxMessage:
    """A message for the mother's MAX dialog, as the sender hands it to the gateway."""
    now = dt.datetime.now(dt.UTC)
    return OutboxMessage(
        id=None,
        school_id=1,
        account_id=1,
        chat_id=str(FakeMax.chat_id_of(MOTHER_MAX)),
        messenger=MAX,
        kind="test",
        dedup_key="t",
        text=text,
        buttons=buttons or [],
        photo=photo,
        not_before=now,
        created_at=now,
    )


def free() -> dict[str, RateLimiter]:
    return {name: RateLimiter(per_second=0, per_chat_interval=0) for name in ("telegram", MAX)}


async def test_term_marks_reach_telegram_and_max_through_one_sender(make_uow: UowFactory) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK))
    father = await family_with_term_marks(
        make_uow, clock, mother=max_user(MOTHER_MAX), father=max_user(FATHER_MAX)
    )
    async with FakeTelegram() as tg_server, FakeMax() as max_server:
        tg_server.add_bot(TG_TOKEN)
        for chat in (1, 2):
            tg_server.add_user(chat, started=True)
        max_server.add_bot(MAX_TOKEN)
        for user in (MOTHER_MAX, FATHER_MAX):
            max_server.user_starts(user)
        bot, max_bot = build_bot(TG_TOKEN, tg_server.api_url), MaxBot(MAX_TOKEN, max_server.api_url)
        sender = Sender(
            make_uow,
            {"telegram": TelegramGateway(bot), MAX: MaxGateway(max_bot)},
            clock,
            renderers={"telegram": TelegramRenderer(), MAX: MaxRenderer()},
            limiters=free(),
        )
        try:
            while await sender.run_once():
                pass
        finally:
            await bot.session.close()
            await max_bot.close()
        tg_mother = [x for x in tg_server.messages(2) if x.from_bot]
        max_mother = max_server.bot_messages(MOTHER_MAX)
        max_father = max_server.bot_messages(FATHER_MAX)
        assert max_server.internal_errors == [] and tg_server.internal_errors == []

    # The mother: the digest and the term marks in both messengers, in Russian.
    assert any("Лебедев Вера, 7А" in (x.text or "") for x in tg_mother)
    assert any("Лебедев Вера, 7А" in (x.text or "") for x in max_mother)
    assert all(x.format == "html" for x in max_mother + max_father)
    tg_ack = [x for x in tg_mother if x.reply_markup]
    [[tg_button]] = tg_ack[-1].reply_markup["inline_keyboard"]  # type: ignore[index]  # checked
    assert tg_button["text"] == "✅ Ознакомлен(а)" and tg_button["callback_data"].startswith("ack:")
    [mother_marks] = [x for x in max_mother if x.buttons]
    assert "Пожалуйста, подтвердите, что ознакомились." in (mother_marks.text or "")
    [[mother_button]] = mother_marks.buttons
    assert mother_button["text"] == "✅ Ознакомлен(а)"
    assert payloads.decode(mother_button["payload"]) == AcknowledgeTermMarks(
        int(tg_button["callback_data"].removeprefix("ack:"))
    )  # one acknowledgement, offered in each of her messengers
    # The father: his term marks on MAX, rendered in English when sent, with MAX's payload.
    [term_marks] = [x for x in max_father if x.buttons]
    assert "Please confirm" in (term_marks.text or "")
    [[button]] = term_marks.buttons
    assert button["type"] == "callback" and button["text"] == "✅ I have seen them"
    intent = payloads.decode(button["payload"])
    assert isinstance(intent, AcknowledgeTermMarks)
    assert button["payload"] == payloads.encode(AcknowledgeTermMarks(intent.ack_id))
    # The intent acts the same whichever messenger it came through.
    ack = await diary.acknowledge_term_marks(make_uow(), father, intent.ack_id, clock)
    assert ack.acknowledged_at == clock.now()
    async with make_uow() as uow:
        counts = await uow.outbox.counts()
    assert set(counts) == {"sent"}


async def queue_max(make_uow: UowFactory, users: list[int]) -> None:
    """A MAX account for each user and one message with a button to each."""
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with make_uow() as uow:
        for user in users:
            chat = str(FakeMax.chat_id_of(user))
            account = await uow.accounts.add(
                Account(
                    id=None,
                    messenger=MAX,
                    user_id=str(user),
                    chat_id=chat,
                    language="ru",
                    display_name="",
                    created_at=now,
                )
            )
            assert account.id is not None
            await uow.outbox.add(
                [
                    OutboxMessage(
                        id=None,
                        school_id=school.id,
                        account_id=account.id,
                        chat_id=chat,
                        messenger=MAX,
                        kind="test",
                        dedup_key=f"t:{chat}",
                        text=f"Сообщение для <b>{user}</b>",
                        buttons=[
                            [{"text": "OK", "data": payloads.encode(AcknowledgeTermMarks(1))}]
                        ],
                        not_before=now,
                        created_at=now,
                    )
                ]
            )
        await uow.commit()


async def test_a_429_from_max_is_tried_again_not_lost_or_doubled(make_uow: UowFactory) -> None:
    users = list(range(6001, 6009))
    gone = users[0]  # never started the bot: the dialog is not there
    await queue_max(make_uow, users)
    # MAX takes 3 requests a second here; the sender, unlimited, is told 429 and waits.
    async with FakeMax(rate_limit=3) as server:
        server.add_bot(MAX_TOKEN)
        for user in users[1:]:
            server.user_starts(user)
        max_bot = MaxBot(MAX_TOKEN, server.api_url)
        sender = Sender(make_uow, {MAX: MaxGateway(max_bot)}, SystemClock(), limiters=free())
        try:
            for _ in range(60):
                if await sender.run_once() == 0:
                    await asyncio.sleep(0.3)
                    async with make_uow() as uow:
                        if "pending" not in await uow.outbox.counts():
                            break
        finally:
            await max_bot.close()
        refused = [r for r in server.requests if r.status == 429]
        delivered = {u: server.bot_messages(u) for u in users[1:]}
        assert server.internal_errors == []
    assert refused, "the fake's limit was never reached: the test tests nothing"
    assert all(len(delivered[u]) == 1 for u in users[1:])
    assert delivered[users[1]][0].text == f"Сообщение для {users[1]}"
    assert delivered[users[1]][0].button_labels == ["OK"]
    async with make_uow() as uow:
        rows = dict(
            (await uow.session.execute(select(m.OutboxRow.chat_id, m.OutboxRow.status))).all()
        )
        counts = await uow.outbox.counts()
    assert rows[str(FakeMax.chat_id_of(gone))] == "blocked"
    assert counts == {"sent": len(users) - 1, "blocked": 1}


async def test_a_photo_is_uploaded_and_sent_with_its_buttons() -> None:
    async with FakeMax() as server:
        server.add_bot(MAX_TOKEN)
        server.user_starts(MOTHER_MAX)
        max_bot = MaxBot(MAX_TOKEN, server.api_url)
        message = to_mother(
            text="График", buttons=[[{"text": "OK", "data": "seen:1"}]], photo=b"\x89PNG fake"
        )
        try:
            result = await MaxGateway(max_bot).send(message)
        finally:
            await max_bot.close()
        sent = server.last_bot_message(MOTHER_MAX)
        assert result.outcome is SendOutcome.SENT
        assert [a["type"] for a in sent.attachments] == ["image", "inline_keyboard"]
        assert server.file(sent.attachments[0]).data == b"\x89PNG fake"
        assert sent.text == "График"


async def test_max_out_of_reach_is_temporary() -> None:
    """Nothing listens at MAX's address: the message waits for another try, it is not failed."""
    async with FakeMax() as server:
        url = server.api_url  # a port that was open, closed once the fake stops
    max_bot = MaxBot(MAX_TOKEN, url)
    message = to_mother(text="Сообщение")
    try:
        result = await MaxGateway(max_bot).send(message)
    finally:
        await max_bot.close()
    assert result.outcome is SendOutcome.TEMPORARY, result

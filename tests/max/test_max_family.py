"""A guardian with a MAX account and a Telegram account: the term marks reach each account once,
in its messenger, through one outbox and one sender; acknowledged on MAX by the button under
them, through the running MAX bot; the class teacher (on MAX too) sees it on the register of
guardians."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.gateway import TelegramGateway
from bot.main import build_bot
from bot.max import MESSENGER as MAX
from bot.max.client import MaxBot
from bot.max.gateway import MaxGateway
from bot.max.render import MaxRenderer
from bot.render import TelegramRenderer
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, redeem_invitation, resolve_actor
from domain.usecases.family_jobs import Digest, TermMarksNotice
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.term_marks import set_term_mark
from fakegram import FakeTelegram
from scheduler.sender import Sender
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import MSK
from tests.max.harness import TOKEN, MaxHarness, running_max_bot
from tests.max.test_max_send import free

TG_TOKEN = "555002:max-family-test"
MOTHER_TG = 8300


async def _send_all(h: MaxHarness, tg: FakeTelegram) -> None:
    bot, max_bot = build_bot(TG_TOKEN, tg.api_url), MaxBot(TOKEN, h.server.api_url)
    sender = Sender(
        h.make_uow,
        {"telegram": TelegramGateway(bot), MAX: MaxGateway(max_bot)},
        h.clock,
        renderers={"telegram": TelegramRenderer(), MAX: MaxRenderer()},
        limiters=free(),
    )
    try:
        while await sender.run_once():
            pass
    finally:
        await bot.session.close()
        await max_bot.close()


async def test_a_guardian_acknowledges_on_max_and_the_class_teacher_sees_it(
    make_uow: Callable[[], SqlUnitOfWork],
) -> None:
    async with running_max_bot(make_uow) as h, FakeTelegram() as tg:
        tg.add_bot(TG_TOKEN)
        tg.add_user(MOTHER_TG, started=True)
        h.clock.moment = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
        class_teacher = h.person(7001, "Анна")  # T1, class teacher of 7А, in Russian
        await class_teacher.start(await h.code(PersonKind.STAFF, "T1"))
        mother = h.person(7300, "Мария")
        await mother.start(await h.code(PersonKind.GUARDIAN, "GA3"))
        telegram = MessengerUser(
            messenger="telegram", user_id=str(MOTHER_TG), chat_id=str(MOTHER_TG), language="ru"
        )
        await redeem_invitation(
            h.make_uow(), telegram, await h.code(PersonKind.GUARDIAN, "GA3"), h.clock
        )  # her second account, on Telegram

        t1_on_max = MessengerUser(messenger=MAX, user_id="7001", chat_id="7001", language="ru")
        teacher = await resolve_actor(h.make_uow(), t1_on_max)
        async with h.make_uow() as uow:
            seven = (await uow.people.class_by_name(h.school_id, "7А")).id
            snap = await uow.directory.snapshot(h.school_id)
        maths = next(s.id for s in snap.subjects if s.name == "Математика")
        h.clock.moment = dt.datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
        await run_due_jobs(h.make_uow, h.clock, (Digest(),))
        h.clock.moment = dt.datetime(2026, 12, 28, 12, 0, tzinfo=MSK)
        await set_term_mark(h.make_uow(), teacher, seven, maths, h.pupils["A3"], "4", h.clock)
        h.clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
        await run_due_jobs(h.make_uow, h.clock, (TermMarksNotice(),))
        await _send_all(h, tg)

        # One of each per account, in that account's messenger.
        on_max = [m.text or "" for m in h.server.bot_messages(mother.user_id)]
        on_tg = [m.text or "" for m in tg.messages(MOTHER_TG) if m.from_bot]
        for sent in (on_max, on_tg):
            assert sum("Итоговые отметки: Галкина Глеб" in t for t in sent) == 1, sent
            assert sum("Галкина Глеб, 7А" in t and "Итоговые" not in t for t in sent) == 1, sent

        [notice] = [
            m for m in h.server.bot_messages(mother.user_id) if "Итоговые" in (m.text or "")
        ]
        callback = await mother.press("Ознакомлен(а)", mid=notice.mid)
        assert mother.notes(callback) == ["Спасибо: ознакомление подтверждено 29.12.2026 17:00."]
        [pressed] = [m for m in h.server.messages(mother.user_id) if m.mid == notice.mid]
        assert pressed.buttons == []  # the button is gone
        async with h.make_uow() as uow:
            [ack] = await uow.family.acknowledgements(h.school_id)
        assert ack.acknowledged_at is not None

        await class_teacher.send("/menu")
        await class_teacher.press("Мой класс")
        await class_teacher.press("Родители")
        assert "итоговые подтверждены 29.12" in (class_teacher.screen().text or "")

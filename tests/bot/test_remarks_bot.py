"""Deputy control in the bot: the deputy writes a remark, the teacher gets its notice from the
outbox, opens it and marks it fixed, the deputy accepts; forged remark ids show nothing."""

from __future__ import annotations

import datetime as dt

from bot.payloads import REMARK_PREFIX
from bot.render import TelegramRenderer
from domain.model import Role, StaffMember
from domain.people import PersonKind
from domain.remarks import RemarkStatus
from domain.usecases import journal_remarks as uc
from domain.usecases.accounts import MessengerUser, resolve_actor
from fakegram import FakeUser
from tests.bot.conftest import MSK, TOKEN, Harness
from tests.bot.test_forgery import forge, refused


async def deliver(h: Harness) -> None:
    """What the outbox holds goes out through the same fake Telegram."""
    from bot.gateway import TelegramGateway
    from bot.main import build_bot
    from scheduler.sender import Sender

    sending_bot = build_bot(TOKEN, h.server.api_url)
    try:
        await Sender(
            h.make_uow, TelegramGateway(sending_bot), h.clock, renderer=TelegramRenderer()
        ).run_once()
    finally:
        await sending_bot.session.close()


async def deputy_of(h: Harness) -> FakeUser:
    deputy = h.user(5002, "Борис")
    await deputy.start(await h.code(PersonKind.STAFF, "T2"))
    return deputy


async def stored(h: Harness) -> list:
    async with h.make_uow() as uow:
        return await uow.remarks.by_deputy(h.school_id, h.staff["T2"])


async def test_a_remark_from_writing_to_acceptance(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 0, tzinfo=MSK)
    teacher = await h.teacher()
    deputy = await deputy_of(h)
    assert "Замечания мне" not in str(teacher.screen().buttons)  # no remarks yet: no button

    await deputy.press("Замечания учителям")
    assert "Замечаний пока нет." in deputy.screen().text
    await deputy.press("Новое замечание")
    assert "Учителя параллелей 5-11" in deputy.screen().text
    labels = [b for row in deputy.screen().buttons for b in row]
    assert "Иванова Анна Петровна (7А, 8Б)" in labels
    assert not any("Петров Борис" in b for b in labels)  # not to themselves
    await deputy.press("Иванова Анна Петровна (7А, 8Б)")
    assert "Напишите замечание для Ивановой Анны Петровны" in deputy.screen().text
    await deputy.send("Не заполнены темы уроков <b>7А</b> за 9–13.11")
    await deputy.press("через неделю (23.11)")
    assert "Замечание сохранено" in deputy.last_alert()
    written = deputy.screen().text
    assert "Иванова А. П., срок 23.11" in written and "к исправлению" in written
    assert "уроков <b>7А</b> за" in written  # escaped: shown literally, not as markup
    [remark] = await stored(h)
    assert remark.text == "Не заполнены темы уроков <b>7А</b> за 9–13.11"
    assert remark.due == dt.date(2026, 11, 23) and remark.teacher_id == h.staff["T1"]

    # The teacher's notice comes from the outbox, with a button that opens the remark.
    await deliver(h)
    notice = teacher.bot_messages()[-1]
    expected = "Замечание завуча Петрова Б. И. по вашему журналу, исправить до 23.11.2026"
    assert expected in notice.text
    assert "Не заполнены темы уроков <b>7А</b>" in notice.text  # shown literally
    await teacher.press("Открыть замечание", message=notice)
    card = teacher.screen().text
    assert "Петров Б. И. → Иванова А. П." in card and "Исправить до: 23.11.2026" in card
    await teacher.press("Исправлено")
    assert "завуч получит уведомление" in teacher.last_alert()
    assert "исправлено, ждёт проверки" in teacher.screen().text
    assert "Исправлено" not in str(teacher.screen().buttons)
    await teacher.send("/menu")
    assert "Замечания мне (открыто: 0)" in str(teacher.screen().buttons)

    # The deputy hears of it and accepts it from the notice.
    await deliver(h)
    told = deputy.bot_messages()[-1]
    assert "Иванова А. П. исправил(а) замечание от 16.11" in told.text
    await deputy.press("Открыть замечание", message=told)
    await deputy.press("Принять")
    assert deputy.last_alert() == "Замечание принято."
    assert "Состояние: принято" in deputy.screen().text
    await deputy.press("Назад")
    assert "👍 Иванова А. П., срок 23.11" in deputy.screen().text
    [remark] = await stored(h)
    assert remark.status is RemarkStatus.ACCEPTED


async def test_reopen_in_the_bot(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 0, tzinfo=MSK)
    teacher = await h.teacher()
    deputy = await deputy_of(h)
    deputy_actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5002", chat_id="5002", language="ru"),
    )
    teacher_actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    remark = await uc.write_remark(
        h.make_uow(),
        deputy_actor,
        h.staff["T1"],
        "Нет домашнего задания",
        dt.date(2026, 11, 19),
        h.clock,
    )
    await uc.mark_fixed(h.make_uow(), teacher_actor, remark.id, h.clock)
    await deputy.send("/menu")
    await deputy.press("Замечания учителям")
    await deputy.press("✅ Иванова А. П. · 19.11")
    await deputy.press("Вернуть на доработку")
    assert "Замечание возвращено, исправить до 19.11.2026" in deputy.last_alert()
    assert "Возвращено на доработку: 1" in deputy.screen().text
    await deliver(h)
    assert "Завуч Петров Б. И. вернул(а) замечание" in teacher.bot_messages()[-1].text
    await teacher.send("/menu")
    await teacher.press("Замечания мне (открыто: 1)")
    assert "Замечания по вашему журналу" in teacher.screen().text
    await teacher.press("Нет домашнего задания")
    assert "Исправлено" in str(teacher.screen().buttons)


async def test_forged_remark_ids_are_refused(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 0, tzinfo=MSK)
    teacher = await h.teacher()
    deputy = await deputy_of(h)
    deputy_actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5002", chat_id="5002", language="ru"),
    )
    remark = await uc.write_remark(
        h.make_uow(),
        deputy_actor,
        h.staff["T1"],
        "Секретное замечание",
        dt.date(2026, 11, 19),
        h.clock,
    )
    # Another teacher (who is no deputy) opens their remarks and forges the id.
    other = h.user(5003, "Вера")
    async with h.make_uow() as uow:
        newcomer = StaffMember(
            id=None,
            school_id=h.school_id,
            external_id="T9",
            last_name="Сидорова",
            first_name="Вера",
            roles=frozenset({Role.TEACHER}),
        )
        await uow.directory.save([newcomer], [])
        await uow.commit()
    h.staff["T9"] = newcomer.id
    await other.start(await h.code(PersonKind.STAFF, "T9"))
    # T9 has no remarks and sees no button; a forged notice button is refused.
    assert "Замечания" not in str(other.screen().buttons)
    await other.press_data(f"{REMARK_PREFIX}{remark.id}", other.screen().message_id)
    assert other.last_alert() == "это не ваше замечание"
    await other.press_data(f"{REMARK_PREFIX}abc", other.screen().message_id)
    assert "устарел" in other.last_alert()

    # The deputy's list: a forged item id of a remark that does not exist.
    await deputy.press("Замечания учителям")
    assert await refused(deputy, *forge(deputy, "rm", "999999")) == "это не ваше замечание"
    for forged in (str(2**40), "-1", "1" * 40):  # no id of the journal: an old or forged screen
        assert "устарел" in await refused(deputy, *forge(deputy, "rm", forged))
    await deputy.send("/menu")
    await deputy.press("Замечания учителям")
    # The teacher's list: an id of nobody's remark, and a forged due choice for the deputy.
    await teacher.send("/menu")
    await teacher.press("Замечания мне")
    assert await refused(teacher, *forge(teacher, "rm", str(remark.id + 1))) == (
        "это не ваше замечание"
    )
    assert "Секретное замечание" in teacher.screen().text  # still their own list
    # A forged teacher id in the deputy's new-remark screen.
    await deputy.press("Новое замечание")
    alert = await refused(deputy, *forge(deputy, "rt", str(h.staff["T9"])))
    assert alert == "этот учитель не ведёт уроки в ваших параллелях"
    assert len(await stored(h)) == 1

"""A guardian in the bot: two children, marks with forecasts, absences, an absence reported,
settings, a term-marks confirmation; and forged buttons that show nothing of other families."""

from __future__ import annotations

import datetime as dt

from domain.people import PersonKind
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, resolve_actor
from fakegram import FakeUser
from fakegram.server import ChatMessage
from tests.bot.conftest import MSK, Harness
from tests.bot.test_forgery import forge, refused


async def _teacher_marks(h: Harness) -> None:
    """T1 gives A10 (7А) an oral 4 and B20 (8Б) a control 3, and marks A10 absent at lesson 2."""
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    views = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    by_number = {v.lesson.lesson_number: v.lesson.id for v in views}
    await teaching.put_mark(
        h.make_uow(), teacher, by_number[1], h.pupils["A10"], "oral", "4", h.clock
    )
    await teaching.put_mark(
        h.make_uow(), teacher, by_number[3], h.pupils["B20"], "control", "3", h.clock
    )
    await teaching.save_attendance(
        h.make_uow(), teacher, by_number[2], {h.pupils["A10"]: "Н"}, h.clock
    )


async def test_a_guardian_of_two_children_switches_between_them(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
    await h.teacher()
    await _teacher_marks(h)
    mother = h.user(6100, "Ольга")
    await mother.start(await h.code(PersonKind.GUARDIAN, "GF"))
    assert "Лебедев Вера" in mother.screen().text and "Харитонов Дарья" in mother.screen().text
    await mother.press("Дневник")
    await mother.press("Лебедев Вера")
    await mother.press("Отметки")
    marks = mother.screen().text
    assert "Лебедев Вера</b>" not in marks  # names are escaped, not markup
    assert "Лебедев Вера, 7А: II четверть" in marks
    assert "Математика: 4" in marks and "Средний балл 4,00: выходит 4" in marks
    await mother.press("Назад")
    await mother.press("Пропуски")
    assert "16.11: пропуски: Математика" in mother.screen().text
    await mother.press("Назад")
    await mother.press("Другой ребёнок")
    await mother.press("Харитонов Дарья")
    await mother.press("Отметки")
    other = mother.screen().text
    assert "Харитонов Дарья, 8Б" in other and "Математика: 3" in other
    assert "Лебедев" not in other

    # Forged child ids: another family's pupil and an id that does not exist.
    await mother.press("Назад")
    await mother.press("Другой ребёнок")
    assert "не ваш ребёнок" in await refused(mother, *forge(mother, "kid", str(h.pupils["A3"])))
    assert "не ваш ребёнок" in await refused(mother, *forge(mother, "kid", "999999"))
    assert "Чей дневник открыть?" in mother.screen().text  # nothing of theirs was shown


async def test_report_an_absence_and_change_settings(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 7, 30, tzinfo=MSK)
    parent = h.user(6200, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    await parent.press("Дневник")  # one child: straight to the child's page
    await parent.press("Сообщить об отсутствии")
    await parent.press("сегодня и завтра")
    await parent.press("Болеет")
    replies = await parent.send("Температура 38")
    assert any("классный руководитель увидит это (16.11–17.11)" in r.text for r in replies)
    async with h.make_uow() as uow:
        [report] = await uow.family.absence_reports(
            h.school_id, [h.pupils["A3"]], dt.date(2026, 11, 16), dt.date(2026, 11, 17)
        )
    assert (report.reason.value, report.text) == ("Б", "Температура 38")
    # Issue 16.9: one day is one date, not «16.11–16.11».
    await parent.press("Сообщить об отсутствии")
    await parent.press("сегодня")
    await parent.press("Болеет")
    replies = await parent.send("Не придёт")
    assert any("классный руководитель увидит это (16.11)." in r.text for r in replies), replies
    await parent.press("Настройки")
    await parent.press("Уведомления об отметках: вкл")
    await parent.press("Тихие часы: 21:00–08:00")
    screen = [b for row in parent.screen().buttons for b in row]
    assert "Уведомления об отметках: выкл" in screen and "Тихие часы: 22:00–07:00" in screen
    async with h.make_uow() as uow:
        account = await uow.accounts.by_user("telegram", "6200")
    assert account.notify_marks is False and account.quiet_from == dt.time(22)


async def _term_marks_to_confirm(h: Harness) -> tuple[FakeUser, FakeUser, ChatMessage]:
    """T1 (class teacher of 7А) sets A3's maths term mark on 28.12; the notice with its
    «Ознакомлен(а)» button reaches GA3 on 29.12 at 17:00 Moscow time."""
    from bot.gateway import TelegramGateway
    from bot.render import TelegramRenderer
    from domain.usecases.family_jobs import TermMarksNotice
    from domain.usecases.scheduling import run_due_jobs
    from domain.usecases.term_marks import set_term_mark
    from scheduler.sender import Sender

    h.clock.moment = dt.datetime(2026, 12, 28, 12, 0, tzinfo=MSK)
    class_teacher = await h.teacher()
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    parent = h.user(6300, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    async with h.make_uow() as uow:
        cls = await uow.people.class_by_name(h.school_id, "7А")
        snap = await uow.directory.snapshot(h.school_id)
    maths = next(s.id for s in snap.subjects if s.name == "Математика")
    await set_term_mark(h.make_uow(), teacher, cls.id, maths, h.pupils["A3"], "4", h.clock)
    h.clock.moment = dt.datetime(2026, 12, 29, 17, 0, tzinfo=MSK)
    await run_due_jobs(h.make_uow, h.clock, (TermMarksNotice(),))
    bot = h.server  # the sender delivers through the same fake Telegram
    from bot.main import build_bot
    from tests.bot.conftest import TOKEN

    sending_bot = build_bot(TOKEN, bot.api_url)
    try:
        await Sender(
            h.make_uow, TelegramGateway(sending_bot), h.clock, renderer=TelegramRenderer()
        ).run_once()
    finally:
        await sending_bot.session.close()
    message = parent.bot_messages()[-1]
    assert "Итоговые отметки: Галкина Глеб, II четверть" in message.text
    return class_teacher, parent, message


async def test_term_marks_confirmation_button(harness: Harness) -> None:
    h = harness
    _, parent, message = await _term_marks_to_confirm(h)
    h.clock.moment = dt.datetime(2026, 12, 29, 14, 0, tzinfo=dt.UTC)  # as the system clock has it
    await parent.press("Ознакомлен(а)", message=message)
    # Pressed at 17:00 in the school (Moscow, UTC+3): the answer says so, not «14:00 UTC».
    assert parent.last_alert() == "Спасибо: ознакомление подтверждено 29.12.2026 17:00."
    async with h.make_uow() as uow:
        [ack] = await uow.family.acknowledgements(h.school_id)
    assert ack.acknowledged_at is not None


async def test_a_confirmation_after_midnight_is_dated_by_the_schools_day(
    harness: Harness,
) -> None:
    """Issue 16.2: 21:30 UTC on 29.12 is 00:30 on 30.12 in Moscow, both in the guardian's
    answer and on the class teacher's list of who confirmed."""
    h = harness
    class_teacher, parent, message = await _term_marks_to_confirm(h)
    h.clock.moment = dt.datetime(2026, 12, 29, 21, 30, tzinfo=dt.UTC)
    await parent.press("Ознакомлен(а)", message=message)
    assert parent.last_alert() == "Спасибо: ознакомление подтверждено 30.12.2026 00:30."
    await class_teacher.send("/menu")
    await class_teacher.press("Мой класс")
    await class_teacher.press("Родители")
    assert "итоговые подтверждены 30.12" in class_teacher.screen().text


async def test_the_diary_shows_a_teachers_comment_to_a_mark_as_text(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
    await h.teacher()
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    [first, *_] = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    hostile = "<b>Молодец</b>, </a> & <i>"
    await teaching.put_mark(
        h.make_uow(), teacher, first.lesson.id, h.pupils["A3"], "oral", "5", h.clock,
        comment=hostile,
    )  # fmt: skip
    parent = h.user(6400, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    await parent.press("Дневник")
    await parent.press("Отметки")
    screen = parent.screen()
    assert f"💬 Комментарий к отметке 5 за 16.11: {hostile}" in screen.text  # text, not markup
    bold = screen.entity_texts("bold")
    assert "Молодец" not in bold and "Математика" in bold


async def test_the_weeks_homework_shows_each_lesson_what_was_set_for_it(harness: Harness) -> None:
    """Issue 16.1: homework typed at Monday's lessons is due at each subject's next lesson only;
    the later lessons of the week, with nothing set for them yet, show nothing."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 30, tzinfo=MSK)
    teacher = await h.teacher()
    await teacher.press("2. 7А · Математика")
    await teacher.press("ДЗ")
    await teacher.send("№ 312, 315")
    physicist = await h.teacher("T2", 5002)
    await physicist.press("4. 7А · Физика")
    await physicist.press("ДЗ")
    await physicist.send("Упр. 43")
    parent = h.user(6500, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    await parent.press("Дневник")
    await parent.press("На неделю")
    week = parent.screen().text
    # Maths is on Tuesday 17.11, Monday 23.11 (twice) and Tuesday 24.11; physics on 23.11.
    assert "17.11 Математика: № 312, 315" in week
    assert "23.11 Физика: Упр. 43" in week
    assert week.count("№ 312, 315") == 1 and week.count("Упр. 43") == 1, week
    await parent.press("Назад")
    await parent.press("ДЗ на завтра")
    tomorrow = parent.screen().text
    assert "17.11 Математика: № 312, 315" in tomorrow and "Физика" not in tomorrow

    # Homework entered ahead for Tuesday's lesson shows on the lesson after it, 23.11.
    actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    h.clock.moment = dt.datetime(2026, 11, 17, 12, 0, tzinfo=MSK)
    [tuesday] = await teaching.todays_lessons(h.make_uow(), actor, h.clock)
    await teaching.set_homework(h.make_uow(), actor, tuesday.lesson.id, "№ 320", h.clock)
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 30, tzinfo=MSK)
    await parent.press("Назад")
    await parent.press("На неделю")
    week = parent.screen().text
    assert "17.11 Математика: № 312, 315" in week and "23.11 Математика: № 320" in week
    assert week.count("Математика") == 2, week


async def test_a_mean_has_a_decimal_comma_in_russian_and_a_point_in_english(
    harness: Harness,
) -> None:
    """Issue 16.9: 4,50 in Russian, 4.50 in English, on the diary's marks screen."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
    await h.teacher()
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    first, second, *_ = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    for view, value in ((first, "5"), (second, "4")):
        await teaching.put_mark(
            h.make_uow(), teacher, view.lesson.id, h.pupils["A10"], "oral", value, h.clock
        )
    russian = h.user(6600, "Мария")
    await russian.start(await h.code(PersonKind.GUARDIAN, "GA10"))
    await russian.press("Дневник")
    await russian.press("Отметки")
    assert "Средний балл 4,50: выходит 5" in russian.screen().text
    english = h.user(6601, "Olga", language="en")
    await english.start(await h.code(PersonKind.GUARDIAN, "GF"))
    await english.press("Diary")
    await english.press("Лебедев Вера")
    await english.press("Marks")
    assert "Mean 4.50: mark 5" in english.screen().text


async def test_the_day_view_shows_each_lesson_with_topic_homework_attendance_and_marks(
    harness: Harness,
) -> None:
    """Issue 16.11: «По дням» opens the child's school day, each lesson in order with its topic,
    the homework set for it, the child's absence or lateness and marks with their kind of work
    and comment; ◀ / ▶ skip the days without lessons, weekends and the autumn holiday."""
    from domain.family import AbsenceCode
    from domain.usecases.class_teacher import set_absence_reason

    h = harness
    await h.teacher()
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    await h.teacher("T2", 5002)
    t2 = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5002", chat_id="5002", language="ru"),
    )
    # Tuesday 10.11: maths sets «№ 300» for the next maths lesson, Monday 16.11.
    h.clock.moment = dt.datetime(2026, 11, 10, 12, 0, tzinfo=MSK)
    [tuesday] = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    await teaching.set_homework(h.make_uow(), teacher, tuesday.lesson.id, "№ 300", h.clock)
    # Monday 16.11: a topic and an oral 5 with a comment at lesson 1, absent from lesson 2
    # (the class teacher says: ill), late for physics, which gives a control 4.
    h.clock.moment = dt.datetime(2026, 11, 16, 13, 0, tzinfo=MSK)
    first, second, *_ = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    [physics, *_] = [
        v
        for v in await teaching.todays_lessons(h.make_uow(), t2, h.clock)
        if v.lesson.class_id == h.classes["7А"]
    ]
    pupil = h.pupils["A3"]
    await teaching.set_topic(
        h.make_uow(), teacher, first.lesson.id, h.clock, text="Линейные уравнения"
    )
    await teaching.put_mark(
        h.make_uow(), teacher, first.lesson.id, pupil, "oral", "5", h.clock, comment="Молодец"
    )
    await teaching.save_attendance(h.make_uow(), teacher, second.lesson.id, {pupil: "Н"}, h.clock)
    await teaching.save_attendance(h.make_uow(), t2, physics.lesson.id, {pupil: "ОП"}, h.clock)
    await teaching.put_mark(h.make_uow(), t2, physics.lesson.id, pupil, "control", "4", h.clock)
    await set_absence_reason(
        h.make_uow(), teacher, h.classes["7А"], pupil, dt.date(2026, 11, 16), AbsenceCode.ILL,
        h.clock,
    )  # fmt: skip
    # Another child of the same class, with nothing of A3's.
    await teaching.put_mark(
        h.make_uow(), teacher, first.lesson.id, h.pupils["A4"], "oral", "2", h.clock
    )

    parent = h.user(6700, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    await parent.press("Дневник")
    await parent.press("По дням")
    day = parent.screen().text
    assert "Пн 16.11, сегодня\nГалкина Глеб, 7А" in day, day
    lessons = day.split("\n\n")[1:]
    assert [x.splitlines()[0] for x in lessons] == [
        "1. 08:30–09:15 Математика",
        "2. 09:25–10:10 Математика",
        "4. 11:35–12:20 Физика",
    ], day
    assert lessons[0].splitlines()[1:] == [
        "   Тема: Линейные уравнения",
        "   ДЗ: № 300",
        "   Отметка 5 (устный ответ): «Молодец»",
    ], lessons[0]
    assert lessons[1].splitlines()[1:] == ["   Отсутствие (болезнь)"], lessons[1]
    assert lessons[2].splitlines()[1:] == ["   Опоздание", "   Отметка 4 (контрольная работа)"]
    assert "Отметка 2" not in day  # A4's mark is not A3's
    assert "Сегодня" not in [b for row in parent.screen().buttons for b in row]

    # ◀ across the week's empty days and the weekend: Tuesday 10.11, then Monday 09.11; ◀
    # again skips the autumn holiday (26.10–04.11) and Thursday/Friday 05–06.11 without lessons.
    await parent.press("◀ Вт 10.11")
    tuesday_screen = parent.screen().text
    assert "Вт 10.11\nГалкина Глеб, 7А" in tuesday_screen and "сегодня" not in tuesday_screen
    assert "1. 08:30–09:15 Математика" in tuesday_screen and "Физика" not in tuesday_screen
    assert "Пн 16.11 ▶" in [b for row in parent.screen().buttons for b in row]
    await parent.press("◀ Пн 09.11")
    await parent.press("◀ Вт 20.10")
    assert "Вт 20.10\nГалкина" in parent.screen().text
    await parent.press("Пн 09.11 ▶")
    assert "Пн 09.11\nГалкина" in parent.screen().text
    await parent.press("Сегодня")
    assert "Пн 16.11, сегодня" in parent.screen().text
    # Back at today by ◀ from tomorrow: no «Сегодня» to press either.
    await parent.press("Вт 17.11 ▶")
    await parent.press("◀ Пн 16.11")
    assert "Сегодня" not in [b for row in parent.screen().buttons for b in row]
    # ▶ goes on to Tuesday 17.11: the homework set on Monday for it, nothing else yet.
    await parent.press("Вт 17.11 ▶")
    assert "Вт 17.11\nГалкина" in parent.screen().text

    # Forged days: outside the school year, a day without lessons, and no day at all.
    shown = parent.screen().text
    for item in ("2027-01-12", "2026-08-31", "2026-11-18", "2026-11-01"):
        alert = await refused(parent, *forge(parent, "dday", item))
        assert alert == "в этот день у ребёнка нет уроков", (item, alert)
        assert parent.screen().text == shown
    alert = await refused(parent, *forge(parent, "dday", "2026-02-30"))
    assert alert == "Этот экран устарел; вот свежее меню."


async def test_the_marks_screen_gives_each_mark_its_kind_of_work_and_date(
    harness: Harness,
) -> None:
    """Issue 16.11: «Отметки» lists every mark with its kind of work and day, not bare values."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 10, 12, 0, tzinfo=MSK)
    await h.teacher()
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    [tuesday] = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    await teaching.put_mark(
        h.make_uow(), teacher, tuesday.lesson.id, h.pupils["A3"], "control", "3", h.clock
    )
    h.clock.moment = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)
    [first, *_] = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    await teaching.put_mark(
        h.make_uow(), teacher, first.lesson.id, h.pupils["A3"], "oral", "5", h.clock
    )
    parent = h.user(6800, "Мария")
    await parent.start(await h.code(PersonKind.GUARDIAN, "GA3"))
    await parent.press("Дневник")
    await parent.press("Отметки")
    assert (
        "Математика: 3 (контрольная работа, 10.11), 5 (устный ответ, 16.11)" in parent.screen().text
    ), parent.screen().text

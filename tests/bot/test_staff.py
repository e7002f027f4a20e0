"""A class teacher and a deputy in the bot: the register, the prompt's buttons, control, and
forged buttons for other classes and teachers."""

from __future__ import annotations

import datetime as dt

from bot.gateway import TelegramGateway
from bot.main import build_bot
from bot.render import TelegramRenderer
from domain.journal import Attendance
from domain.people import Actor
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, resolve_actor
from domain.usecases.class_teacher import AbsencePrompt
from domain.usecases.scheduling import run_due_jobs
from scheduler.sender import Sender
from tests.bot.conftest import MSK, TOKEN, Harness
from tests.bot.helpers import press_in_row
from tests.bot.test_forgery import forge, refused


async def _absent(h: Harness, *pupils: str) -> None:
    """The pupils are absent from T1's first lesson of the day."""
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    views = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    first = next(v.lesson.id for v in views if v.lesson.lesson_number == 1)
    await teaching.save_attendance(
        h.make_uow(), teacher, first, {h.pupils[p]: Attendance.ABSENT for p in pupils}, h.clock
    )


async def test_class_teacher_register_and_forged_buttons(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 14, 0, tzinfo=MSK)
    teacher = await h.teacher()  # T1: class teacher of 7А
    await _absent(h, "A0")
    await teacher.press("Мой класс")
    assert "Класс 7А" in teacher.screen().text
    await teacher.press("Журнал пропусков")
    assert "Абрамов Анна: пропуски: 1 Математика" in teacher.screen().text
    await press_in_row(teacher, "Абрамов Анна", "Б")
    assert teacher.last_alert() == "Причина Б записана"
    assert "•Б•" in [b for row in teacher.screen().buttons for b in row]
    # Forged: another class, a pupil of another class, garbage.
    assert "пропускал" in await refused(teacher, *forge(teacher, "rg", f"v{h.pupils['B5']}:Б"))
    await teacher.press("Назад")
    await teacher.press("Другой класс")
    assert "не ваш класс" in await refused(teacher, *forge(teacher, "cl", str(h.classes["8Б"])))
    assert "устарел" in await refused(teacher, *forge(teacher, "cl", "x'; --"))


async def test_the_prompt_buttons_set_reasons(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
    teacher = await h.teacher()
    await _absent(h, "A0")
    h.clock.moment = dt.datetime(2026, 11, 16, 15, 0, tzinfo=MSK)
    [run] = await run_due_jobs(h.make_uow, h.clock, (AbsencePrompt(),))
    assert run.messages == 1
    bot = build_bot(TOKEN, h.server.api_url)
    try:
        await Sender(
            h.make_uow, TelegramGateway(bot), h.clock, renderer=TelegramRenderer()
        ).run_once()
    finally:
        await bot.session.close()
    prompt = teacher.bot_messages()[-1]
    assert "Пропуски в 7А за 16.11" in prompt.text
    await teacher.press("У", message=prompt)
    assert teacher.last_alert() == "Причина У записана"
    updated = next(m for m in teacher.bot_messages() if m.message_id == prompt.message_id)
    assert [b["text"] for b in updated.inline_buttons[1]] == ["Б", "•У•", "Н"]
    # Another teacher pressing the same data is refused: T2 is not 7А's class teacher.
    other = await h.teacher("T2", user_id=5002)
    data = prompt.inline_buttons[1][2]["callback_data"]
    await other.press_data(data, other.screen().message_id)
    assert "не ваш класс" in other.last_alert()


async def test_deputy_control_and_remind(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 17, 9, 30, tzinfo=MSK)
    await h.teacher()  # T1 joins: their Monday lessons are overdue
    deputy = await h.teacher("T2", user_id=5002)
    await deputy.press("Контроль")
    text = deputy.screen().text
    assert "Контроль, параллели 5-11" in text and "Уроков" in text
    await deputy.press("Таблица (XLSX)")
    await deputy.press("PDF")
    spreadsheet, pdf = deputy.documents()
    assert spreadsheet.filename.startswith("control-") and spreadsheet.data[:2] == b"PK"
    assert pdf.filename.endswith(".pdf") and pdf.data[:4] == b"%PDF"
    await deputy.press("Просрочено сейчас")
    overdue = [m for m in deputy.bot_messages() if m.inline_buttons][-1]
    assert "Просрочено сейчас" in overdue.text and "Иванова А. П." in overdue.text
    await deputy.press("🔔 Иванова А. П.")
    assert deputy.last_alert().startswith("Напоминание отправлено")
    assert "этот учитель не ведёт" in await refused(deputy, *forge(deputy, "rmd", "999999"))
    # A teacher who is no deputy gets a refusal for the deputy's remind button.
    teacher = h.user(5001, "Анна")
    await teacher.send("/menu")
    await teacher.press_data(f"rm:{h.staff['T2']}", teacher.screen().message_id)
    assert "только завуч" in teacher.last_alert() or "завуча" in teacher.last_alert()


async def test_class_report_ranges(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 14, 0, tzinfo=MSK)
    teacher = await h.teacher()
    await _absent(h, "A0")
    await teacher.press("Мой класс")
    await teacher.press("Посещаемость и успеваемость")
    assert "7А: 05.11–16.11" in teacher.screen().text
    await teacher.press("7 дней")
    assert (
        "7А: 10.11–16.11" in teacher.screen().text
        and "Пропущено уроков: 1" in teacher.screen().text
    )
    await teacher.press("прошлый период")
    assert "7А: 01.09–24.10" in teacher.screen().text
    await teacher.press("PDF")
    [pdf] = teacher.documents()
    assert pdf.data[:4] == b"%PDF" and pdf.filename.startswith("report-7А")


async def test_a_one_day_range_is_one_date(harness: Harness) -> None:
    """Issue 16.9: on a period's first day the class report and the control say «05.11», not
    «05.11–05.11»."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 5, 14, 0, tzinfo=MSK)  # II четверть starts today
    teacher = await h.teacher()
    await teacher.press("Мой класс")
    await teacher.press("Посещаемость и успеваемость")
    text = teacher.screen().text
    assert "7А: 05.11" in text and "05.11–05.11" not in text, text
    deputy = await h.teacher("T2", user_id=5002)
    await deputy.press("Контроль")
    text = deputy.screen().text
    assert "Контроль, параллели 5-11: 05.11" in text and "05.11–05.11" not in text, text


async def test_the_guardians_screen_agrees_with_each_guardian(harness: Harness) -> None:
    """«не подключилась» for a mother: the words about a person agree with their gender."""
    h = harness
    teacher = await h.teacher()  # T1: class teacher of 7А
    await teacher.press("Мой класс")
    await teacher.press("Родители: обзоры и подтверждения")
    text = teacher.screen().text
    assert "Козлова Ольга (Вера): не подключилась к боту — нужна распечатка" in text, text
    assert "Белова Мария (Борис): не подключилась к боту — нужна распечатка" in text
    assert "подключён" not in text


async def find_overdue_now(h: Harness) -> None:
    """The deputy's «overdue now» as of the clock: it makes the lessons of the last 30 days."""
    from domain.usecases.control import deputy_overdue

    deputy = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5002", chat_id="5002", language="ru"),
    )
    await deputy_overdue(h.make_uow(), deputy, h.clock)


async def _only_first_september_overdue(h: Harness) -> Actor:
    """The timetable has no start date, so the journal made August's lessons too (its 30 days
    back): Иванова (T1, joined as 5001) filled them in, and only Tuesday 01.09 is left."""
    actor = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    await find_overdue_now(h)
    async with h.make_uow() as uow:
        august = await uow.journal.lessons_between(
            h.school_id, dt.date(2026, 8, 1), dt.date(2026, 8, 31)
        )
    for old in (x for x in august if x.acting_teacher_id == h.staff["T1"]):
        await teaching.set_topic(h.make_uow(), actor, old.id, h.clock, text="Повторение")
        await teaching.save_attendance(h.make_uow(), actor, old.id, {}, h.clock)
        await teaching.set_homework(h.make_uow(), actor, old.id, "—", h.clock)
    return actor


async def _deliver(h: Harness) -> None:
    bot = build_bot(TOKEN, h.server.api_url)
    try:
        await Sender(
            h.make_uow, TelegramGateway(bot), h.clock, renderer=TelegramRenderer()
        ).run_once()
    finally:
        await bot.session.close()


async def test_the_summary_remind_works_out_what_is_overdue_at_the_press(harness: Harness) -> None:
    """Wednesday 02.09 at 09:00: of Иванова's lessons only Tuesday's 7А maths (01.09) is past
    its deadlines. The 9:00 summary offers «🔔 Иванова А. П.»; each press lists what is overdue
    then, and once she has filled it in, the press tells the deputy so and reminds nobody."""
    from domain.usecases.control import DeputySummary

    h = harness
    h.clock.moment = dt.datetime(2026, 9, 2, 9, 0, tzinfo=MSK)
    teacher = await h.teacher()  # T1
    deputy = await h.teacher("T2", user_id=5002)
    actor = await _only_first_september_overdue(h)
    await run_due_jobs(h.make_uow, h.clock, (DeputySummary(),))
    await _deliver(h)
    summary = deputy.bot_messages()[-1]
    assert "Иванова А. П.\n• уроков без посещаемости или темы: 1 (7А · Математика 01.09)" in (
        summary.text
    )
    assert ["🔔 Иванова А. П."] in summary.buttons

    await deputy.press("🔔 Иванова А. П.", message=summary)
    assert deputy.last_alert() == "Напоминание отправлено (просрочено: 1)."
    await _deliver(h)
    assert teacher.bot_messages()[-1].text == (
        "Завуч просит заполнить журнал:\n"
        "• 01.09 7А · Математика, урок 1 — не заполнено: посещаемость, тема, ДЗ"
    )

    # She records the topic and the register; the homework is still missing.
    async with h.make_uow() as uow:
        [lesson] = await uow.journal.lessons_on(h.school_id, dt.date(2026, 9, 1))
    h.clock.advance(dt.timedelta(minutes=5))
    await teaching.set_topic(h.make_uow(), actor, lesson.id, h.clock, text="Повторение")
    await teaching.save_attendance(h.make_uow(), actor, lesson.id, {}, h.clock)
    await deputy.press("🔔 Иванова А. П.", message=summary)
    assert deputy.last_alert() == "Напоминание отправлено (просрочено: 1)."
    await _deliver(h)
    assert teacher.bot_messages()[-1].text == (
        "Завуч просит заполнить журнал:\n• 01.09 7А · Математика, урок 1 — не заполнено: ДЗ"
    )
    received = len(teacher.bot_messages())

    # Everything filled in: the same button reminds nobody and goes from the summary.
    h.clock.advance(dt.timedelta(minutes=5))
    await teaching.set_homework(h.make_uow(), actor, lesson.id, "№ 1", h.clock)
    await deputy.press("🔔 Иванова А. П.", message=summary)
    assert deputy.last_alert() == "Сейчас просрочек нет, напоминание не отправлено."
    await _deliver(h)
    assert len(teacher.bot_messages()) == received
    updated = next(m for m in deputy.bot_messages() if m.message_id == summary.message_id)
    assert ["🔔 Иванова А. П."] not in updated.buttons
    assert updated.buttons == [b for b in summary.buttons if b != ["🔔 Иванова А. П."]]

    # The press is still checked: a teacher who is no deputy, a teacher id of nobody.
    await teacher.press_data(f"rm:{h.staff['T1']}", teacher.screen().message_id)
    assert "завуч" in (teacher.last_alert() or "")
    assert "не ведёт" in await refused(deputy, "rm:999999", summary.message_id)


async def test_class_report_keeps_reasons_not_entered_apart_and_risks_once_per_pupil(
    harness: Harness,
) -> None:
    """Two absences on Monday 16.11: Абрамова's is coded Н in the register, Белова's has no reason
    yet. The report counts one «Н» and one «reason not entered yet», on the screen and in the
    spreadsheet (with its «Итого» row); Васильев's two subjects at risk of «2» come in one
    entry. (The PDF's table is checked in tests/test_class_report_pdf.py.)"""
    import io

    from openpyxl import load_workbook

    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 14, 0, tzinfo=MSK)
    teacher = await h.teacher()  # T1, class teacher of 7А, maths
    await h.teacher("T2", user_id=5002)  # physics in 7А
    await _absent(h, "A0", "A1")
    for user, number in (("5001", 1), ("5002", 4)):
        actor = await resolve_actor(
            h.make_uow(),
            MessengerUser(messenger="telegram", user_id=user, chat_id=user, language="ru"),
        )
        views = await teaching.todays_lessons(h.make_uow(), actor, h.clock)
        lesson = next(v.lesson.id for v in views if v.lesson.lesson_number == number)
        await teaching.put_mark(h.make_uow(), actor, lesson, h.pupils["A2"], "oral", "2", h.clock)
    await teacher.press("Мой класс")
    await teacher.press("Журнал пропусков")
    await press_in_row(teacher, "Абрамов Анна", "Н")
    await teacher.press("Назад")
    await teacher.press("Посещаемость и успеваемость")
    text = teacher.screen().text
    assert (
        "Пропущено уроков: 2, из них по болезни 0, по уважительной 0, без уважительной 1, "
        "причина ещё не указана 1; пропущено дней: 0; опозданий: 0"
    ) in text
    # Абрамова and Белова missed a maths lesson with no marks yet: the minimum is out of reach.
    assert (
        "В зоне риска: Абрамов Анна: Математика «н/а»; Белова Борис: Математика «н/а»; "
        "Васильев Вера: Математика «2», Физика «2»\n"
    ) in text
    await teacher.press("Таблица (XLSX)")
    await teacher.press("PDF")
    spreadsheet, pdf = teacher.documents()
    assert pdf.data[:4] == b"%PDF"
    sheet = load_workbook(io.BytesIO(spreadsheet.data))["Посещаемость"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Ученик",
        "Пропущено уроков",
        "Пропущено дней",
        "По болезни (Б)",
        "Уважительная (У)",
        "Без уважительной (Н)",
        "Причина ещё не указана",
        "Опозданий",
    ]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["Абрамов Анна"] == [1, 0, 0, 0, 1, 0, 0]
    assert by_name["Белова Борис"] == [1, 0, 0, 0, 0, 1, 0]
    assert rows[-1] == ["Итого", 2, 0, 0, 0, 1, 1, 0]
    assert all(cell.font.bold for cell in sheet[sheet.max_row])


async def test_the_overdue_screen_remind_tells_when_nothing_is_overdue_any_more(
    harness: Harness,
) -> None:
    """«Overdue now» was opened while Иванова's 01.09 lesson was overdue; she filled it in
    before the deputy pressed «🔔 Иванова А. П.» there: the deputy is told nothing is overdue,
    she gets no message, and the screen is drawn afresh without her."""
    h = harness
    h.clock.moment = dt.datetime(2026, 9, 2, 9, 0, tzinfo=MSK)
    teacher = await h.teacher()
    deputy = await h.teacher("T2", user_id=5002)
    actor = await _only_first_september_overdue(h)
    await deputy.press("Контроль")
    await deputy.press("Просрочено сейчас")
    assert "Иванова А. П." in deputy.screen().text
    async with h.make_uow() as uow:
        [lesson] = await uow.journal.lessons_on(h.school_id, dt.date(2026, 9, 1))
    await teaching.set_topic(h.make_uow(), actor, lesson.id, h.clock, text="Повторение")
    await teaching.save_attendance(h.make_uow(), actor, lesson.id, {}, h.clock)
    await teaching.set_homework(h.make_uow(), actor, lesson.id, "№ 1", h.clock)
    received = len(teacher.bot_messages())
    await deputy.press("🔔 Иванова А. П.")
    assert deputy.last_alert() == "Сейчас просрочек нет, напоминание не отправлено."
    await _deliver(h)
    assert len(teacher.bot_messages()) == received
    screen = deputy.screen()
    assert "Иванова А. П." not in screen.text
    assert ["🔔 Иванова А. П."] not in screen.buttons

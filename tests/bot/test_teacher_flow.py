"""A teacher in a corridor with a phone: join, open today's lesson, mark it, and nothing else."""

from __future__ import annotations

import datetime as dt

from domain.journal import Attendance
from domain.people import PersonKind
from tests.bot.conftest import MSK, Harness
from tests.bot.helpers import all_callback_data, press_in_row

# Issue 16, item 13: the realistic lesson below took 21 taps + 1 text (18 with one kind of
# work) before the kinds moved onto the marks screen and attendance was saved on leaving it.
LESSON_TAPS = 16


async def test_a_realistic_lesson_takes_16_taps_and_one_text(harness: Harness) -> None:
    """25 pupils, the topic from the plan, typed homework, 3 absent and 1 late, 5 marks of two
    kinds of work: the taps and texts counted from the menu."""
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # during lesson 1
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    menu = teacher.screen()
    assert "Today, Mon 16.11" in menu.text
    assert "7А · Математика" in menu.text and "8Б · Математика" in menu.text
    taps = texts = 0

    async def tap(label: str) -> None:
        nonlocal taps
        taps += 1
        await teacher.press(label)

    async def mark(name: str, value: str) -> None:
        nonlocal taps
        taps += 1
        await press_in_row(teacher, name, value)

    await tap("1. 7А · Математика")
    card = teacher.screen().text
    assert "Topic: — not entered" in card and "Attendance: — not taken (25 pupils)" in card
    await tap("By the plan: Линейные уравнения")
    assert "Topic: Линейные уравнения" in teacher.screen().text

    await tap("Attendance")
    for name in ("Абрамов Анна", "Белова Борис", "Васильев Вера"):
        await tap(name)
    await tap("Галкина Глеб")
    await tap("Галкина Глеб")  # second tap: late
    assert "Present 22, absent 3, late 1" in teacher.screen().text
    await tap("Marks")  # leaving the register saves it
    grid = teacher.screen()
    assert "Устный ответ" in grid.text and "Marks given: 0" in grid.text
    for name, value in [("Дмитриев", "5"), ("Егорова", "4"), ("Жуков", "5")]:
        await mark(name, value)
    await tap("Работа на уроке")  # the kind of work is chosen on the grid itself
    grid = teacher.screen()
    labels = [b for row in grid.buttons for b in row]
    assert "● Работа на уроке" in labels and "Устный ответ · 3" in labels, labels
    for name, value in [("Зайцева", "3"), ("Ильин", "4")]:
        await mark(name, value)
    assert "● Работа на уроке · 2" in [b for row in teacher.screen().buttons for b in row]
    await tap("Homework")
    texts += 1
    await teacher.send("§ 12, № 3–5")
    final = teacher.screen().text
    assert "Homework: § 12, № 3–5" in final and "Marks: 5" in final
    assert "absent 3, late 1" in final
    assert (taps, texts) == (LESSON_TAPS, 1)

    # The database holds exactly that.
    async with h.make_uow() as uow:
        [lesson] = [
            x
            for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
            if x.lesson_number == 1
        ]
        attendance_rows = await uow.journal.attendance([lesson.id])
        marks = await uow.journal.marks([lesson.id])
    assert (lesson.topic, lesson.homework, lesson.attendance_taken) == (
        "Линейные уравнения",
        "§ 12, № 3–5",
        True,
    )
    assert lesson.plan_topic_id is not None
    by_pupil = {a.pupil_id: a.status for a in attendance_rows}
    assert by_pupil == {
        h.pupils["A0"]: Attendance.ABSENT,
        h.pupils["A1"]: Attendance.ABSENT,
        h.pupils["A2"]: Attendance.ABSENT,
        h.pupils["A3"]: Attendance.LATE,
    }
    assert sorted((m.pupil_id, m.work_kind, m.value) for m in marks) == sorted(
        [
            (h.pupils["A4"], "oral", "5"),
            (h.pupils["A5"], "oral", "4"),
            (h.pupils["A6"], "oral", "5"),
            (h.pupils["A7"], "classwork", "3"),
            (h.pupils["A8"], "classwork", "4"),
        ]
    )
    assert all(len(d.encode()) <= 64 for d in all_callback_data(teacher))
    assert all(len(m.text) <= 4096 for m in teacher.bot_messages())


async def test_a_plan_topic_the_button_cuts_is_whole_in_the_card(harness: Harness) -> None:
    """A long КТП topic does not fit a button: the card states it whole, the button takes it."""
    from sqlalchemy import update

    from storage import models as m

    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # during lesson 1
    long_topic = (
        "Линейные уравнения с одной переменной: решение задач с помощью уравнений, "
        "практикум <по> учебнику"
    )
    async with h.make_uow() as uow:
        await uow.session.execute(
            update(m.PlanTopicRow)
            .where(m.PlanTopicRow.topic == "Линейные уравнения")
            .values(topic=long_topic)
        )
        await uow.commit()
    teacher = await h.teacher()
    await teacher.press("1. 7А · Математика")
    screen = teacher.screen()
    assert f"Следующая тема по КТП: {long_topic}" in screen.text  # whole, markup shown literally
    assert "Тема: — не указана" in screen.text and "ДЗ: — не указано" in screen.text  # agreed
    [plan] = [b for row in screen.buttons for b in row if b.startswith("📘")]
    assert plan.endswith("…") and len(plan) == 60
    await teacher.press(plan)
    assert f"Тема: {long_topic}" in teacher.screen().text
    assert "Следующая тема по КТП" not in teacher.screen().text

"""A teacher in a corridor with a phone: join, open today's lesson, mark it, and nothing else."""

from __future__ import annotations

import datetime as dt

from domain.journal import Attendance
from domain.people import PersonKind
from tests.bot.conftest import MSK, Harness
from tests.bot.helpers import all_callback_data, press_in_row


async def test_teacher_marks_a_25_pupil_lesson_in_20_taps(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # during lesson 1
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    menu = teacher.screen()
    assert "Today, Mon 16.11" in menu.text
    assert "7А · Математика" in menu.text and "8Б · Математика" in menu.text

    await teacher.press("1. 7А · Математика")
    card = teacher.screen().text
    assert "Topic: — not entered" in card and "Attendance: — not taken (25 pupils)" in card
    await teacher.press("By the plan: Линейные уравнения")
    assert "Topic: Линейные уравнения" in teacher.screen().text

    await teacher.press("Attendance")
    for name in ("Абрамов Анна", "Белова Борис", "Васильев Вера"):
        await teacher.press(name)
    await teacher.press("Галкина Глеб")
    await teacher.press("Галкина Глеб")  # second tap: late
    attendance = teacher.screen().text
    assert "Present 22, absent 3, late 1" in attendance
    await teacher.press("Save")
    assert "absent 3, late 1" in teacher.screen().text

    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    for name, value in [
        ("Дмитриев", "5"),
        ("Егорова", "4"),
        ("Жуков", "5"),
        ("Зайцева", "3"),
        ("Ильин", "2"),
    ]:
        await press_in_row(teacher, name, value)
    assert "Marks given: 5" in teacher.screen().text
    await teacher.press("Back")
    await teacher.press("Homework")
    await teacher.send("§ 12, № 3–5")
    final = teacher.screen().text
    assert "Homework: § 12, № 3–5" in final and "Marks: 5" in final
    assert teacher.taps <= 20, teacher.taps

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
            (h.pupils["A7"], "oral", "3"),
            (h.pupils["A8"], "oral", "2"),
        ]
    )
    assert all(len(d.encode()) <= 64 for d in all_callback_data(teacher))
    assert all(len(m.text) <= 4096 for m in teacher.bot_messages())

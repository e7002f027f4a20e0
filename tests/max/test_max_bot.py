"""The MAX bot end to end: the real maxo dispatcher with the journal's screens, polling the fake
MAX server, driven as a person would."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable

import pytest

from bot.max.kit import ascii_filename
from domain.journal import Attendance
from domain.people import PersonKind
from fakemax.state import StoredMessage
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import MSK
from tests.bot.test_teacher_flow import LESSON_TAPS
from tests.max.harness import MaxHarness, running_max_bot


@pytest.fixture
async def max_harness(make_uow: Callable[[], SqlUnitOfWork]) -> AsyncIterator[MaxHarness]:
    async with running_max_bot(make_uow) as h:
        yield h


async def test_a_teacher_joins_by_the_max_deep_link_and_sees_today(max_harness: MaxHarness) -> None:
    h = max_harness
    teacher = h.person(7001, "Анна", locale="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    texts = teacher.texts()
    assert any("Welcome! You are in the journal as: teacher" in t for t in texts), texts
    menu = teacher.screen()
    assert "Today, Mon 16.11" in (menu.text or ""), menu.text


def row_payload(screen: StoredMessage, name: str, value: str) -> str:
    """The payload of button `value` in the row under the pupil `name` on a marks grid."""
    rows = screen.buttons
    [index] = [i for i, row in enumerate(rows) if len(row) == 1 and name in row[0]["text"]]
    [button] = [b for b in rows[index + 1] if b["text"] == value]
    return button["payload"]


async def test_a_25_pupil_lesson_is_marked_on_max_in_the_telegram_budget(
    max_harness: MaxHarness,
) -> None:
    """The realistic lesson of the Telegram test (25 pupils, the plan's topic, 3 absent and 1
    late, 5 marks of two kinds, typed homework), on MAX: the same taps, ≤ 20 taps + 1 text."""
    h = max_harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # during lesson 1
    teacher = await h.teacher()
    taps = texts = 0

    async def tap(label: str) -> None:
        nonlocal taps
        taps += 1
        await teacher.press(label)

    async def mark(name: str, value: str) -> None:
        nonlocal taps
        taps += 1
        await teacher.press(row_payload(teacher.screen(), name, value))

    await tap("1. 7А · Математика")
    card = teacher.screen().text or ""
    assert "Topic: — not entered" in card and "Attendance: — not taken (25 pupils)" in card
    await tap("By the plan")
    assert "Topic: Линейные уравнения" in (teacher.screen().text or "")
    await tap("Attendance")
    for name in ("Абрамов Анна", "Белова Борис", "Васильев Вера"):
        await tap(name)
    await tap("Галкина Глеб")
    await tap("Галкина Глеб")  # second tap: late
    assert "Present 22, absent 3, late 1" in (teacher.screen().text or "")
    await tap("Marks")
    for name, value in [("Дмитриев", "5"), ("Егорова", "4"), ("Жуков", "5")]:
        await mark(name, value)
    await tap("Работа на уроке")
    for name, value in [("Зайцева", "3"), ("Ильин", "4")]:
        await mark(name, value)
    await tap("Homework")
    texts += 1
    await teacher.send("§ 12, № 3–5")
    final = teacher.screen().text or ""
    assert "Homework: § 12, № 3–5" in final and "absent 3, late 1" in final, final
    assert (taps, texts) == (LESSON_TAPS, 1) and taps <= 20

    async with h.make_uow() as uow:
        [lesson] = [
            x
            for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
            if x.lesson_number == 1
        ]
        statuses = {a.pupil_id: a.status for a in await uow.journal.attendance([lesson.id])}
        marks = await uow.journal.marks([lesson.id])
    assert (lesson.topic, lesson.homework) == ("Линейные уравнения", "§ 12, № 3–5")
    assert statuses == {
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
    sent = h.server.bot_messages(teacher.user_id)
    assert all(len(m.text or "") <= 4000 for m in sent)
    assert all(len(b["text"]) <= 24 for m in sent for row in m.buttons for b in row)


async def test_the_class_report_arrives_as_a_file_on_max(max_harness: MaxHarness) -> None:
    """A report is a file: uploaded to MAX first, then sent by its token."""
    h = max_harness
    h.clock.moment = dt.datetime(2026, 11, 16, 14, 0, tzinfo=MSK)
    teacher = h.person(7001, "Анна")  # T1, class teacher of 7А, in Russian
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("Мой класс")
    await teacher.press("Посещаемость")
    assert "7А: 05.11–16.11" in (teacher.screen().text or "")
    await teacher.press("PDF")
    [attachment] = [
        a for m in h.server.bot_messages(7001) for a in m.attachments if a["type"] == "file"
    ]
    report = h.server.file(attachment)
    assert report.data[:4] == b"%PDF" and report.filename == "report-7A-2026-11-16.pdf"


def test_a_file_name_for_max_is_ascii() -> None:
    assert ascii_filename("report-7А-2026-11-16.pdf") == "report-7A-2026-11-16.pdf"
    assert ascii_filename("Журнал 5Б «итоги».xlsx") == "Zhurnal_5B__itogi_.xlsx"

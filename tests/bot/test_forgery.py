"""Forged buttons for every kind of button get a refusal and change nothing; stale ones a menu."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from domain.people import PersonKind
from fakegram import FakeUser
from storage import models as m
from tests.bot.conftest import MSK, Harness

SEP = "\x1d"


def forge(user: FakeUser, widget: str, item: str) -> tuple[str, int]:
    """Callback data for `widget` with our own item, under the screen's real intent id."""
    screen = [m for m in user.bot_messages() if m.inline_buttons][-1]
    for row in screen.inline_buttons:
        for button in row:
            data = button.get("callback_data", "")
            if SEP in data:
                intent = data.split(SEP, 1)[0]
                return f"{intent}{SEP}{widget}:{item}", screen.message_id
    raise AssertionError(f"no dialog buttons on {screen.text!r}")


async def journal_state(h: Harness) -> dict[str, int]:
    async with h.make_uow() as uow:
        session = uow.session
        counts = {}
        for name, model in [("marks", m.MarkRow), ("attendance", m.AttendanceRow),
                            ("audit", m.AuditRow), ("remarks", m.RemarkRow),
                            ("term_marks", m.TermMarkRow)]:  # fmt: skip
            counts[name] = await session.scalar(select(func.count()).select_from(model))
        counts["topics"] = await session.scalar(
            select(func.count()).select_from(m.LessonRow).where(m.LessonRow.topic != "")
        )
        counts["substitutes"] = await session.scalar(
            select(func.count())
            .select_from(m.LessonRow)
            .where(m.LessonRow.substitute_id.is_not(None))
        )
        counts["taken"] = await session.scalar(
            select(func.count()).select_from(m.LessonRow).where(m.LessonRow.attendance_taken)
        )
    return counts


async def _ids(h: Harness) -> dict[str, int]:
    """Lesson ids of today: T1's first maths lesson and T2's physics lesson."""
    async with h.make_uow() as uow:
        lessons = await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
    mine = next(x for x in lessons if x.teacher_id == h.staff["T1"] and x.lesson_number == 1)
    theirs = next(x for x in lessons if x.teacher_id == h.staff["T2"] and x.lesson_number == 4)
    return {"mine": mine.id, "theirs": theirs.id}


async def refused(user: FakeUser, data: str, message_id: int) -> str:
    await user.press_data(data, message_id)
    alert = user.last_alert()
    assert alert, "no refusal was shown"
    return alert


async def test_forged_buttons_are_refused(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 9, 0, tzinfo=MSK)
    deputy = h.user(5002, "Борис", language="en")
    await deputy.start(await h.code(PersonKind.STAFF, "T2"))  # makes T2's lessons exist too
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    ids = await _ids(h)
    other_pupil = h.pupils["B5"]  # 8Б, not in 7А
    before = await journal_state(h)

    # The menu's lesson button: another teacher's lesson, a lesson that does not exist.
    alert = await refused(teacher, *forge(teacher, "tl", str(ids["theirs"])))
    assert "not yours" in alert
    alert = await refused(teacher, *forge(teacher, "tl", "999999"))
    assert "out of date" in alert
    assert "Today, Mon 16.11" in teacher.screen().text  # a fresh menu
    # Garbage without an intent, and garbage under a real intent.
    assert "out of date" in await refused(teacher, "garbage", teacher.screen().message_id)
    assert "out of date" in await refused(teacher, *forge(teacher, "tl", "'; drop table marks; --"))

    # Inside my lesson: attendance, marks, kinds, remarks with a pupil of another class.
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    await teacher.press_data(*forge(teacher, "ap", str(other_pupil)))
    await teacher.press("Back")  # leaving the register saves it
    assert "not on the lesson's roster" in teacher.last_alert()
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    assert "roster" in await refused(teacher, *forge(teacher, "mg", f"v{other_pupil}:5"))
    assert "not a mark" in await refused(teacher, *forge(teacher, "mg", f"v{h.pupils['A1']}:9"))
    assert "no such kind" in await refused(teacher, *forge(teacher, "qk", "no-such-kind"))
    await teacher.press("Other kinds")
    assert "no such kind of work" in await refused(teacher, *forge(teacher, "wk", "no-such-kind"))
    await teacher.send("/menu")
    await teacher.press("1. 7А · Математика")
    await teacher.press("To the guardians")
    await teacher.press_data(*forge(teacher, "rp", str(other_pupil)))
    await teacher.press("Praise")
    replies = await teacher.send("Молодец")
    assert any("not on the lesson's roster" in r.text for r in replies)

    # Substitution, courses, past lessons, term marks.
    await teacher.send("/menu")
    await teacher.press("I am substituting")
    assert "only today's lessons" in await refused(teacher, *forge(teacher, "sl", "999999"))
    await teacher.send("/menu")
    await teacher.press("Past lessons")
    physics = f"{h.classes['7А']}_{await _subject(h, 'Физика')}"
    assert "do not teach" in await refused(teacher, *forge(teacher, "cs", physics))
    await teacher.press("7А · Математика")
    assert "not yours" in await refused(teacher, *forge(teacher, "pl", str(ids["theirs"])))
    await teacher.send("/menu")
    await teacher.press("Term marks")
    await teacher.press("7А · Математика")
    assert "not in this class" in await refused(teacher, *forge(teacher, "tg", f"v{other_pupil}:5"))
    assert "not a mark" in await refused(teacher, *forge(teacher, "tg", f"v{h.pupils['A1']}:7"))
    await teacher.send("/lang")
    assert "unknown language de" in await refused(teacher, *forge(teacher, "lg", "de"))

    assert await journal_state(h) == before
    assert all("Traceback" not in (msg.text or "") for msg in teacher.bot_messages())


async def _subject(h: Harness, name: str) -> int:
    async with h.make_uow() as uow:
        snap = await uow.directory.snapshot(h.school_id)
    return next(s.id for s in snap.subjects if s.name == name)


async def test_stale_buttons_get_a_fresh_menu(harness: Harness) -> None:
    h = harness
    teacher = await h.teacher()
    await teacher.press("1. 7А · Математика")
    card = teacher.screen()
    # The next morning yesterday's card is out of date.
    h.clock.moment = dt.datetime(2026, 11, 17, 8, 0, tzinfo=MSK)
    await teacher.press("Посещаемость", message=card)
    assert "устарел" in teacher.last_alert()
    assert "Сегодня, Вт 17.11" in teacher.screen().text
    # A lesson removed from the journal: its card is out of date too.
    await teacher.press("1. 7А · Математика")
    async with h.make_uow() as uow:
        await uow.session.execute(m.LessonRow.__table__.delete())
        await uow.commit()
    await teacher.press("Посещаемость")
    assert "устарел" in teacher.last_alert()

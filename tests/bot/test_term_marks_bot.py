"""The term marks screen through the fake Telegram: the bulk confirmation leaves out pupils
flagged «!» (too few marks) and says so; before the period's last two weeks a confirmation is
asked once more."""

from __future__ import annotations

import datetime as dt

from domain.people import PersonKind
from domain.usecases import teaching
from domain.usecases.accounts import MessengerUser, resolve_actor
from fakegram import FakeUser
from tests.bot.conftest import MSK, Harness
from tests.bot.helpers import press_in_row

KINDS = ("oral", "homework", "classwork", "independent", "test")


async def _marks(h: Harness, given: dict[str, int]) -> None:
    """Marks «4» on today's first maths lesson of 7А: `given` pupil → how many (each of a kind
    of its own). Maths has 5 hours a week, so 5 marks are the minimum."""
    teacher = await resolve_actor(
        h.make_uow(),
        MessengerUser(messenger="telegram", user_id="5001", chat_id="5001", language="ru"),
    )
    views = await teaching.todays_lessons(h.make_uow(), teacher, h.clock)
    lesson = next(v.lesson.id for v in views if v.lesson.lesson_number == 1)
    for pupil, count in given.items():
        for kind in KINDS[:count]:
            await teaching.put_mark(
                h.make_uow(), teacher, lesson, h.pupils[pupil], kind, "4", h.clock
            )


def _buttons(user: FakeUser) -> list[str]:
    return [b for row in user.screen().buttons for b in row]


async def _term_marks(h: Harness) -> dict[int, str]:
    async with h.make_uow() as uow:
        snap = await uow.directory.snapshot(h.school_id)
        maths = next(s.id for s in snap.subjects if s.name == "Математика")
        periods = await uow.journal.periods(h.school_id)
        [period] = [p.id for p in periods if p.name == "II четверть"]
        pupils = list(h.pupils.values())
        return {
            t.pupil_id: t.value
            for t in await uow.journal.term_marks(h.school_id, period, maths, pupils)
        }


async def test_the_bulk_confirmation_leaves_out_pupils_with_too_few_marks(
    harness: Harness,
) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 12, 21, 8, 40, tzinfo=MSK)  # the last two weeks
    teacher = await h.teacher()  # in Russian
    await _marks(h, {"A0": 5, "A1": 5, "A2": 2})
    await teacher.send("/menu")
    await teacher.press("Итоговые отметки")
    await teacher.press("7А · Математика")
    sheet = teacher.screen().text
    assert "Абрамов Анна: 4,00 (5) → 4" in sheet and "Васильев Вера: 4,00 (2!) → 4" in sheet
    # The button counts what it confirms: the two with enough marks, not Васильев (2!).
    await teacher.press("✅ Подтвердить предложенные (2)")
    assert teacher.last_alert() == (
        "Подтверждено: 2. Не подтверждено из-за малого числа отметок: 1 "
        "(выставьте каждому отдельно)."
    )
    assert (
        "Не подтверждены из-за малого числа отметок (выставьте каждому отдельно): Васильев Вера"
        in teacher.screen().text
    )
    assert await _term_marks(h) == {h.pupils["A0"]: "4", h.pupils["A1"]: "4"}
    assert not any("Подтвердить предложенные" in b for b in _buttons(teacher))
    # Васильев is set one by one, in one tap: the period ends within two weeks.
    await press_in_row(teacher, "Васильев", "·4·")
    assert teacher.last_alert() == "Итоговая отметка 4 сохранена"
    assert "Не подтверждены" not in teacher.screen().text
    assert await _term_marks(h) == {h.pupils[p]: "4" for p in ("A0", "A1", "A2")}


async def test_a_confirmation_before_the_last_two_weeks_is_asked_once_more(
    harness: Harness,
) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # six weeks before the end
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await _marks(h, {"A0": 5, "A1": 5})
    await teacher.press("Term marks")
    await teacher.press("7А · Математика")
    assert "Families will see the term marks from 22.12." in teacher.screen().text
    # The bulk confirmation asks; «Back» sets nothing.
    await teacher.press("Confirm the suggested marks (2)")
    question = teacher.screen().text
    assert "II четверть ends on 28.12.2026." in question
    assert "Term marks are set in its last two weeks, from 15.12." in question
    assert "Confirm the suggested marks now (2)?" in question
    await teacher.press("Back")
    assert "✅ Confirm the suggested marks (2)" in _buttons(teacher)
    assert await _term_marks(h) == {}
    # One more tap confirms.
    await teacher.press("Confirm the suggested marks (2)")
    await teacher.press("Yes, now")
    assert teacher.last_alert() == "Confirmed: 2"
    assert "Абрамов Анна: 4.00 (5) → 4 ✅ 4" in teacher.screen().text
    assert await _term_marks(h) == {h.pupils["A0"]: "4", h.pupils["A1"]: "4"}
    # A single term mark on a sheet opened again asks too, once for that sheet.
    await teacher.press("Back")
    await teacher.press("7А · Математика")
    await press_in_row(teacher, "Васильев", "3")
    assert "Set the term mark now: Васильев Вера — 3?" in teacher.screen().text
    await teacher.press("Yes, now")
    assert teacher.last_alert() == "Term mark 3 saved"
    await press_in_row(teacher, "Галкина", "5")  # the teacher has said «now» on this sheet
    assert teacher.last_alert() == "Term mark 5 saved"
    assert await _term_marks(h) == {
        h.pupils["A0"]: "4",
        h.pupils["A1"]: "4",
        h.pupils["A2"]: "3",
        h.pupils["A3"]: "5",
    }

"""Term marks on SQLite and PostgreSQL: the bulk confirmation leaves out pupils with too few
marks, a term mark set before the period's last two weeks needs a second yes, and families see
term marks only from the period's last week (diary, digest, printed digest, the notice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import aclosing
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FixedClock
from domain.grading import term_marks_early, term_marks_shown
from domain.people import Actor, PersonKind
from domain.usecases import diary, teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.class_teacher import printable_digests
from domain.usecases.digest_batch import class_batches
from domain.usecases.family_jobs import TermMarksNotice
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school
from domain.usecases.term_marks import (
    EarlyTermMark,
    confirm_suggestions,
    set_term_mark,
    term_sheet,
)
from storage.uow import SqlUnitOfWork
from tests.rendered import rendered_outbox
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")
UowFactory = Callable[[], SqlUnitOfWork]
# II четверть of bot_school: 05.11–28.12.2026. Its last two weeks start on 15.12, its last
# week on 22.12.
ENDS = dt.date(2026, 12, 28)


def test_the_last_two_weeks_and_the_last_week_of_a_period() -> None:
    assert term_marks_early(ENDS, dt.date(2026, 12, 14))
    assert not term_marks_early(ENDS, dt.date(2026, 12, 15))
    assert not term_marks_early(ENDS, dt.date(2027, 1, 10))
    assert not term_marks_shown(ENDS, dt.date(2026, 12, 21))
    assert term_marks_shown(ENDS, dt.date(2026, 12, 22))
    assert term_marks_shown(ENDS, dt.date(2027, 1, 10))


async def _join(w: SimpleNamespace, kind: PersonKind, external: str, user_id: int) -> Actor:
    [issued] = await issue_invitations(w.make_uow(), w.school_id, kind, [w.ids[external]], w.clock)
    user = MessengerUser(
        messenger="telegram", user_id=str(user_id), chat_id=str(user_id), language="ru"
    )
    return await redeem_invitation(w.make_uow(), user, issued.code, w.clock)


@pytest.fixture
async def school(make_uow: UowFactory) -> SimpleNamespace:
    clock = FixedClock(dt.datetime(2026, 11, 16, 10, 0, tzinfo=MSK))
    created = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), created, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(created.id)
    ids = {p.external_id: p.id for p in snap.pupils}
    ids |= {s.external_id: s.id for s in snap.staff}
    ids |= {g.external_id: g.id for g in snap.guardians}
    w = SimpleNamespace(make_uow=make_uow, clock=clock, school_id=created.id, ids=ids)
    w.subjects = {s.name: s.id for s in snap.subjects}
    w.classes = {c.name: c.id for c in snap.classes}
    w.maths = await _join(w, PersonKind.STAFF, "T1", 1)  # maths in 7А, its class teacher
    w.physics = await _join(w, PersonKind.STAFF, "T2", 2)  # physics in 7А
    w.mother = await _join(w, PersonKind.GUARDIAN, "GA10", 3)  # A10 of 7А
    return w


async def _marks(w: SimpleNamespace, pupil: str, count: int) -> None:
    """`count` marks «4» for the pupil on today's first maths lesson, each of another kind."""
    views = await teaching.todays_lessons(w.make_uow(), w.maths, w.clock)
    lesson = next(v.lesson.id for v in views if v.lesson.lesson_number == 1)
    kinds = ("oral", "homework", "classwork", "independent", "test", "practical")
    for kind in kinds[:count]:
        await teaching.put_mark(w.make_uow(), w.maths, lesson, w.ids[pupil], kind, "4", w.clock)


async def test_the_bulk_confirmation_leaves_out_pupils_with_too_few_marks(
    school: SimpleNamespace,
) -> None:
    w = school
    w.clock.moment = dt.datetime(2026, 12, 21, 10, 0, tzinfo=MSK)  # in the last two weeks
    await _marks(w, "A0", 5)
    await _marks(w, "A1", 5)
    await _marks(w, "A2", 2)  # maths has 5 hours a week: 5 marks are the minimum
    course = (w.classes["7А"], w.subjects["Математика"])
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    assert not sheet.early
    assert [x.pupil_id for x in sheet.to_confirm()] == [w.ids["A0"], w.ids["A1"]]
    done = await confirm_suggestions(w.make_uow(), w.maths, *course, w.clock)
    assert done.count == 2
    assert [x.name for x in done.left_out] == ["Васильев Вера"]
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    marks = {x.pupil_id: x.term_mark for x in sheet.lines if x.term_mark}
    assert marks == {w.ids["A0"]: "4", w.ids["A1"]: "4"}
    await set_term_mark(w.make_uow(), w.maths, *course, w.ids["A2"], "4", w.clock)  # one by one
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    assert sheet.left_out() == [] and sheet.to_confirm() == []


async def test_an_early_term_mark_needs_a_second_yes(school: SimpleNamespace) -> None:
    w = school
    await _marks(w, "A0", 5)
    course = (w.classes["7А"], w.subjects["Математика"])
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    assert sheet.early and sheet.due_from == dt.date(2026, 12, 15)
    with pytest.raises(EarlyTermMark) as refused:
        await confirm_suggestions(w.make_uow(), w.maths, *course, w.clock)
    assert refused.value.params == {"period": "II четверть", "ends": "28.12.2026"}
    with pytest.raises(EarlyTermMark):
        await set_term_mark(w.make_uow(), w.maths, *course, w.ids["A1"], "3", w.clock)
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    assert [x.term_mark for x in sheet.lines if x.term_mark] == []  # nothing was set
    done = await confirm_suggestions(w.make_uow(), w.maths, *course, w.clock, early=True)
    assert done.count == 1
    await set_term_mark(w.make_uow(), w.maths, *course, w.ids["A1"], "3", w.clock, early=True)
    sheet = await term_sheet(w.make_uow(), w.maths, *course, w.clock)
    assert {x.pupil_id: x.term_mark for x in sheet.lines if x.term_mark} == {
        w.ids["A0"]: "4",
        w.ids["A1"]: "3",
    }


async def _family_sees(w: SimpleNamespace) -> dict[str, str | None]:
    """The term marks of A10 as the family sees them today: in the diary, the digest and the
    printed digest (a subject's name → its term mark)."""
    book = await diary.diary_marks(w.make_uow(), w.mother, w.ids["A10"], w.clock)
    seen = {f"diary {s.subject.name}": s.term_mark for s in book.subjects}
    day = w.clock.now().astimezone(MSK).date()
    async with w.make_uow() as uow:
        info = await uow.schools.get(w.school_id)
        batches = class_batches(uow, info, day, day - dt.timedelta(days=13))
        async with aclosing(batches) as classes:
            async for batch in classes:
                for digest in batch:
                    if digest.pupil.id == w.ids["A10"]:
                        seen |= {f"digest {s.subject.name}": s.term_mark for s in digest.subjects}
    _, _, printed = await printable_digests(
        w.make_uow(), w.maths, w.classes["7А"], w.clock, only_offline=False
    )
    [own] = [d for d in printed if d.pupil.id == w.ids["A10"]]
    seen |= {f"printed {s.subject.name}": s.term_mark for s in own.subjects}
    return seen


async def _notices(w: SimpleNamespace) -> list[str]:
    return [r.text for r in await rendered_outbox(w.make_uow) if r.kind == "term_marks"]


async def test_families_see_term_marks_from_the_periods_last_week(
    school: SimpleNamespace,
) -> None:
    w = school
    job = (TermMarksNotice(),)
    # Both graded subjects of 7А get A10's term mark on 16.11, six weeks before the end.
    for teacher, subject, value in ((w.maths, "Математика", "5"), (w.physics, "Физика", "4")):
        await set_term_mark(
            w.make_uow(),
            teacher,
            w.classes["7А"],
            w.subjects[subject],
            w.ids["A10"],
            value,
            w.clock,
            early=True,
        )
    hidden = {
        f"{where} {subject}": None
        for where in ("diary", "digest", "printed")
        for subject in ("Математика", "Физика")
    }
    for day in (dt.date(2026, 11, 16), dt.date(2026, 12, 11), dt.date(2026, 12, 21)):
        w.clock.moment = dt.datetime.combine(day, dt.time(17, 0), MSK)
        await run_due_jobs(w.make_uow, w.clock, job)
        assert await _family_sees(w) == hidden, day
        assert await _notices(w) == [], day  # held, not sent
    # 21.12 at 23:30 in Moscow is 20:30 UTC: still the day before the last week there.
    w.clock.moment = dt.datetime(2026, 12, 21, 23, 30, tzinfo=MSK)
    assert await _family_sees(w) == hidden
    # The period's last week: the diary and the digests show them, the notice goes that day.
    w.clock.moment = dt.datetime(2026, 12, 22, 17, 0, tzinfo=MSK)
    assert await _family_sees(w) == {
        f"{where} {subject}": value
        for where in ("diary", "digest", "printed")
        for subject, value in (("Математика", "5"), ("Физика", "4"))
    }
    await run_due_jobs(w.make_uow, w.clock, job)
    [notice] = await _notices(w)
    assert "Итоговые отметки: Лебедев Вера, II четверть" in notice
    assert "Математика: 5" in notice and "Физика: 4" in notice

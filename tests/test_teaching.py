"""A teacher's use cases on SQLite and PostgreSQL: what they may do, and what a forged id gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FixedClock
from domain.errors import Forbidden, Gone, InvalidInput
from domain.journal import Attendance, LessonState, RemarkTone
from domain.people import Actor, PersonKind
from domain.usecases import teaching as t
from domain.usecases.accounts import (
    CodeRefused,
    MessengerUser,
    TooManyTries,
    issue_invitations,
    redeem_invitation,
    resolve_actor,
)
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from domain.usecases.term_marks import confirm_suggestions, set_term_mark, term_sheet
from storage.uow import SqlUnitOfWork
from tests.school_data import raw_tables

MSK = ZoneInfo("Europe/Moscow")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=MSK)

UowFactory = Callable[[], SqlUnitOfWork]


@dataclass
class World:
    make_uow: UowFactory
    clock: FixedClock
    school_id: int
    staff: dict[str, int]
    pupils: dict[str, int]
    classes: dict[str, int]
    subjects: dict[str, int]

    async def join(self, kind: PersonKind, external: str, user_id: int) -> Actor:
        ids = self.staff if kind is PersonKind.STAFF else self.pupils
        [issued] = await issue_invitations(
            self.make_uow(), self.school_id, kind, [ids[external]], self.clock
        )
        return await redeem_invitation(self.make_uow(), user(user_id), issued.code, self.clock)


def user(user_id: int) -> MessengerUser:
    return MessengerUser(
        messenger="telegram",
        user_id=str(user_id),
        chat_id=str(user_id),
        language="ru",
        display_name=f"user {user_id}",
    )


@pytest.fixture
async def world(make_uow: UowFactory) -> World:
    clock = FixedClock(MONDAY)
    school = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    return World(
        make_uow,
        clock,
        school.id,
        {s.external_id: s.id for s in snap.staff},
        {p.external_id: p.id for p in snap.pupils},
        {c.name: c.id for c in snap.classes},
        {s.name: s.id for s in snap.subjects},
    )


async def _first_lesson(w: World, actor: Actor) -> t.LessonView:
    [view] = [v for v in await t.todays_lessons(w.make_uow(), actor, w.clock) if v.grade == 5]
    return view


async def test_invitations_link_once_and_refuse_the_rest(world: World) -> None:
    w = world
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.STAFF, [w.staff["T1"]], w.clock
    )
    with pytest.raises(CodeRefused):
        await redeem_invitation(w.make_uow(), user(1), "no-such-code", w.clock)
    actor = await redeem_invitation(w.make_uow(), user(1), issued.code, w.clock)
    assert actor.is_teacher and actor.is_class_teacher and actor.staff.external_id == "T1"
    with pytest.raises(CodeRefused):  # used: the same answer as a wrong code
        await redeem_invitation(w.make_uow(), user(2), issued.code, w.clock)
    stranger = await resolve_actor(w.make_uow(), user(2))
    assert not stranger.known


async def test_wrong_codes_are_throttled(world: World) -> None:
    w = world
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.STAFF, [w.staff["T2"]], w.clock
    )
    for i in range(5):
        with pytest.raises(CodeRefused):
            await redeem_invitation(w.make_uow(), user(7), f"guess-{i}", w.clock)
    with pytest.raises(TooManyTries):  # even the right code waits
        await redeem_invitation(w.make_uow(), user(7), issued.code, w.clock)
    w.clock.advance(dt.timedelta(minutes=16))
    actor = await redeem_invitation(w.make_uow(), user(7), issued.code, w.clock)
    assert actor.is_deputy


async def test_expired_invitation_and_young_pupils(world: World) -> None:
    w = world
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.STAFF, [w.staff["T3"]], w.clock, days=1
    )
    w.clock.advance(dt.timedelta(days=2))
    with pytest.raises(CodeRefused):
        await redeem_invitation(w.make_uow(), user(3), issued.code, w.clock)
    with pytest.raises(Forbidden):  # born 2015: eleven years old
        await issue_invitations(
            w.make_uow(), w.school_id, PersonKind.PUPIL, [w.pupils["S1"]], w.clock
        )


async def test_a_person_with_several_roles(world: World) -> None:
    w = world
    teacher = await w.join(PersonKind.STAFF, "T1", 11)
    [issued] = await issue_invitations(
        w.make_uow(), w.school_id, PersonKind.GUARDIAN, [await _guardian_id(w, "G1")], w.clock
    )
    both = await redeem_invitation(w.make_uow(), user(11), issued.code, w.clock)
    assert teacher.is_teacher and not teacher.is_guardian
    assert both.is_teacher and both.is_class_teacher and both.is_guardian
    assert sorted(p.external_id for p in both.children) == ["S1", "S4"]


async def _guardian_id(w: World, external: str) -> int:
    async with w.make_uow() as uow:
        snap = await uow.directory.snapshot(w.school_id)
    return next(g.id for g in snap.guardians if g.external_id == external)


async def test_today_shows_own_lessons_with_what_is_missing(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    t3 = await w.join(PersonKind.STAFF, "T3", 3)
    [lesson] = await t.todays_lessons(w.make_uow(), t1, w.clock)
    assert (lesson.class_name, lesson.subject_name, lesson.lesson.lesson_number) == (
        "5А",
        "Математика",
        1,
    )
    assert lesson.starts == dt.time(8, 30)
    assert lesson.state == [
        LessonState.ATTENDANCE_MISSING,
        LessonState.TOPIC_MISSING,
        LessonState.HOMEWORK_MISSING,
    ]
    titles = [v.title for v in await t.todays_lessons(w.make_uow(), t3, w.clock)]
    assert titles == ["6Б · Математика", "5А (2) · Английский язык"]
    # Asking again makes no second copy of a lesson.
    again = await t.todays_lessons(w.make_uow(), t1, w.clock)
    assert [v.lesson.id for v in again] == [lesson.lesson.id]


async def test_no_lessons_on_a_holiday_or_sunday(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    w.clock.moment = dt.datetime(2026, 10, 26, 9, 0, tzinfo=MSK)  # Monday, autumn holidays
    assert await t.todays_lessons(w.make_uow(), t1, w.clock) == []
    w.clock.moment = dt.datetime(2026, 11, 22, 9, 0, tzinfo=MSK)  # Sunday
    assert await t.todays_lessons(w.make_uow(), t1, w.clock) == []
    # Before the school year (its first period starts on 1 September) and after it: no lessons,
    # so none stands overdue when the year starts.
    w.clock.moment = dt.datetime(2026, 8, 24, 9, 0, tzinfo=MSK)  # a Monday in August
    assert await t.todays_lessons(w.make_uow(), t1, w.clock) == []
    w.clock.moment = dt.datetime(2027, 6, 7, 9, 0, tzinfo=MSK)  # a Monday after the year ends
    assert await t.todays_lessons(w.make_uow(), t1, w.clock) == []
    w.clock.moment = dt.datetime(2026, 9, 7, 9, 0, tzinfo=MSK)  # a Monday in the year
    assert len(await t.todays_lessons(w.make_uow(), t1, w.clock)) == 1


async def test_marking_a_lesson(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    view = await _first_lesson(w, t1)
    lesson_id = view.lesson.id
    card = await t.lesson_card(w.make_uow(), t1, lesson_id, w.clock)
    assert card.pupils == 2  # S3 is home-schooled, not on the roster
    assert card.suggested_topic is not None and card.suggested_topic.topic == "Натуральные числа"
    await t.set_topic(w.make_uow(), t1, lesson_id, w.clock, plan_topic_id=card.suggested_topic.id)
    await t.save_attendance(
        w.make_uow(), t1, lesson_id, {w.pupils["S1"]: Attendance.ABSENT}, w.clock
    )
    await t.put_mark(w.make_uow(), t1, lesson_id, w.pupils["S2"], "oral", "5", w.clock)
    await t.set_homework(w.make_uow(), t1, lesson_id, "№ 15, 16", w.clock)
    done = await t.lesson_card(w.make_uow(), t1, lesson_id, w.clock)
    assert done.state == [LessonState.DONE]
    assert (done.absent, done.late, done.marks) == (1, 0, 1)
    assert done.lesson.topic == "Натуральные числа" and done.lesson.homework == "№ 15, 16"
    sheet = await t.marks_sheet(w.make_uow(), t1, lesson_id, "oral")
    assert sheet.scale == ("5", "4", "3", "2")
    assert [(r.name, r.attendance, r.marks) for r in sheet.roster] == [
        ("Алексеев Артём", Attendance.ABSENT, {}),
        ("Борисова Белла", None, {"oral": "5"}),
    ]
    # A second kind of work for the same pupil is a second mark.
    await t.put_mark(w.make_uow(), t1, lesson_id, w.pupils["S2"], "control", "4", w.clock)
    assert (await t.lesson_card(w.make_uow(), t1, lesson_id, w.clock)).marks == 2
    # A mark for the pupil marked absent is refused until the teacher confirms it.
    with pytest.raises(t.PupilAbsent) as asked:
        await t.put_mark(w.make_uow(), t1, lesson_id, w.pupils["S1"], "oral", "4", w.clock)
    assert asked.value.params == {"name": "Алексеев Артём", "value": "4"}
    assert (await t.lesson_card(w.make_uow(), t1, lesson_id, w.clock)).marks == 2
    await t.put_mark(
        w.make_uow(), t1, lesson_id, w.pupils["S1"], "oral", "4", w.clock, absent_ok=True
    )
    await t.put_mark(  # a comment to that mark asks nothing again
        w.make_uow(), t1, lesson_id, w.pupils["S1"], "oral", "4", w.clock, comment="устно"
    )
    assert (await t.lesson_card(w.make_uow(), t1, lesson_id, w.clock)).marks == 3
    # The marks screen opens on the kind with most marks and offers the kinds in use.
    sheet = await t.marks_sheet(w.make_uow(), t1, lesson_id)
    assert sheet.work_kind.code == "oral"
    quick = [(k.code, k.given, k.chosen) for k in sheet.quick_kinds]
    assert quick == [
        ("oral", 2, True),
        ("homework", 0, False),
        ("classwork", 0, False),
        ("control", 1, False),
    ]
    assert len(sheet.kinds) > len(quick)
    # The next lesson's suggestion moves on in the plan.
    w.clock.moment = dt.datetime(2026, 11, 23, 9, 0, tzinfo=MSK)
    nxt = await _first_lesson(w, t1)
    card = await t.lesson_card(w.make_uow(), t1, nxt.lesson.id, w.clock)
    assert card.suggested_topic.topic == "Сложение и вычитание"


async def test_forged_ids_get_refusals_and_change_nothing(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    t3 = await w.join(PersonKind.STAFF, "T3", 3)
    mine = (await _first_lesson(w, t1)).lesson.id
    theirs = (await t.todays_lessons(w.make_uow(), t3, w.clock))[0].lesson.id
    s4_other_class = w.pupils["S4"]
    attempts = [
        t.lesson_card(w.make_uow(), t1, theirs, w.clock),
        t.lesson_card(w.make_uow(), t1, 999_999, w.clock),
        t.set_topic(w.make_uow(), t1, theirs, w.clock, text="Взлом"),
        t.set_topic(w.make_uow(), t1, mine, w.clock, plan_topic_id=999_999),
        t.save_attendance(w.make_uow(), t1, theirs, {}, w.clock),
        t.save_attendance(w.make_uow(), t1, mine, {s4_other_class: Attendance.ABSENT}, w.clock),
        t.put_mark(w.make_uow(), t1, theirs, w.pupils["S4"], "oral", "5", w.clock),
        t.put_mark(w.make_uow(), t1, mine, s4_other_class, "oral", "5", w.clock),
        t.put_mark(w.make_uow(), t1, mine, w.pupils["S3"], "oral", "5", w.clock),  # home-schooled
        t.put_mark(w.make_uow(), t1, mine, w.pupils["S1"], "oral", "6", w.clock),
        t.put_mark(w.make_uow(), t1, mine, w.pupils["S1"], "no-such-kind", "5", w.clock),
        t.add_remark(w.make_uow(), t1, mine, s4_other_class, RemarkTone.PRAISE, "Молодец", w.clock),
        t.marks_sheet(w.make_uow(), t1, theirs, "oral"),
        t.attendance_roster(w.make_uow(), t1, theirs),
        t.past_lessons(w.make_uow(), t1, w.classes["6Б"], w.subjects["Английский язык"], w.clock),
        term_sheet(w.make_uow(), t1, w.classes["5А"], w.subjects["Английский язык"], w.clock),
    ]
    for attempt in attempts:
        with pytest.raises((Forbidden, Gone)):
            await attempt
    card = await t.lesson_card(w.make_uow(), t1, mine, w.clock)
    assert (card.lesson.topic, card.absent, card.marks, card.lesson.attendance_taken) == (
        "",
        0,
        0,
        False,
    )
    theirs_card = await t.lesson_card(w.make_uow(), t3, theirs, w.clock)
    assert (theirs_card.lesson.topic, theirs_card.marks) == ("", 0)


async def test_changes_after_the_window_need_a_reason(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    lesson_id = (await _first_lesson(w, t1)).lesson.id
    s1, s2 = w.pupils["S1"], w.pupils["S2"]
    await t.save_attendance(w.make_uow(), t1, lesson_id, {s1: Attendance.ABSENT}, w.clock)
    # Within the day a change needs no reason.
    await t.save_attendance(w.make_uow(), t1, lesson_id, {s1: Attendance.LATE}, w.clock)
    await t.put_mark(w.make_uow(), t1, lesson_id, s2, "oral", "4", w.clock)
    # Two days later the oral mark's window (1 day) and the day's facts are closed.
    w.clock.moment = MONDAY + dt.timedelta(days=2)
    with pytest.raises(t.ReasonRequired):
        await t.put_mark(w.make_uow(), t1, lesson_id, s2, "oral", "5", w.clock)
    with pytest.raises(t.ReasonRequired):
        await t.save_attendance(w.make_uow(), t1, lesson_id, {}, w.clock)
    await t.put_mark(
        w.make_uow(), t1, lesson_id, s2, "oral", "5", w.clock, reason="ошибка при вводе"
    )
    sheet = await t.marks_sheet(w.make_uow(), t1, lesson_id, "oral")
    assert sheet.roster[1].marks == {"oral": "5"}
    async with w.make_uow() as uow:
        marks = await uow.journal.marks([lesson_id])
        trail = await uow.journal.audit_of("mark", marks[0].id)
    assert [(a.old_value, a.new_value, a.late, a.reason) for a in trail] == [
        (None, "4", False, ""),
        ("4", "5", True, "ошибка при вводе"),
    ]
    assert all(a.author_id == w.staff["T1"] for a in trail)
    # A late first entry needs no reason, but is recorded as late.
    await t.put_mark(w.make_uow(), t1, lesson_id, s1, "control", "3", w.clock)


async def test_marks_are_refused_for_future_lessons_but_topics_may_be_ahead(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    w.clock.moment = dt.datetime(2026, 11, 23, 9, 0, tzinfo=MSK)
    future = (await _first_lesson(w, t1)).lesson.id
    w.clock.moment = MONDAY
    await t.set_topic(w.make_uow(), t1, future, w.clock, text="Повторение")
    await t.set_homework(w.make_uow(), t1, future, "", w.clock)
    with pytest.raises(Forbidden):
        await t.put_mark(w.make_uow(), t1, future, w.pupils["S1"], "oral", "5", w.clock)
    # Leaving its register untouched saves nothing and refuses nothing; a toggle is refused.
    left = await t.save_attendance(w.make_uow(), t1, future, {}, w.clock, leaving=True)
    assert not left.attendance_taken
    with pytest.raises(Forbidden):
        await t.save_attendance(
            w.make_uow(), t1, future, {w.pupils["S1"]: Attendance.ABSENT}, w.clock, leaving=True
        )
    with pytest.raises(InvalidInput):
        await t.set_topic(w.make_uow(), t1, future, w.clock, text="   ")


async def test_substitution(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    t2 = await w.join(PersonKind.STAFF, "T2", 2)
    options = await t.substitutable_lessons(w.make_uow(), t1, w.clock)
    six_b = next(v for v in options if v.class_name == "6Б")
    assert all(not v.lesson.taught_by(w.staff["T1"]) for v in options)
    await t.substitute(w.make_uow(), t1, six_b.lesson.id, w.clock)
    today = await t.todays_lessons(w.make_uow(), t1, w.clock)
    substituted = next(v for v in today if v.class_name == "6Б")
    assert substituted.is_substitution and substituted.teacher_name == "Сидорова В."
    await t.put_mark(w.make_uow(), t1, six_b.lesson.id, w.pupils["S4"], "oral", "5", w.clock)
    with pytest.raises(Forbidden):
        await t.substitute(w.make_uow(), t2, six_b.lesson.id, w.clock)
    w.clock.advance(dt.timedelta(days=1))
    yesterday = await t.todays_lessons(w.make_uow(), t2, w.clock)
    assert yesterday == []  # T2 teaches nothing on Tuesday
    with pytest.raises(Forbidden):
        await t.substitute(w.make_uow(), t2, six_b.lesson.id, w.clock)


async def test_past_lessons_and_remarks(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    courses = await t.my_courses(w.make_uow(), t1)
    assert [c.title for c in courses] == ["5А · Математика", "6Б · Математика"]
    past = await t.past_lessons(
        w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], w.clock
    )
    # Mondays of the last 21 days: 26 October and 2 November fall in the autumn holidays.
    assert [v.lesson.day for v in past] == [dt.date(2026, 11, d) for d in (16, 9)]
    remark = await t.add_remark(
        w.make_uow(),
        t1,
        past[1].lesson.id,
        w.pupils["S1"],
        RemarkTone.CONCERN,
        "Не было тетради",
        w.clock,
    )
    async with w.make_uow() as uow:
        [stored] = await uow.family.remarks_of_pupils(
            w.school_id, [w.pupils["S1"]], dt.datetime(2026, 11, 1, tzinfo=MSK)
        )
    assert (stored.id, stored.text, stored.tone, stored.lesson_id) == (
        remark.id,
        "Не было тетради",
        RemarkTone.CONCERN,
        past[1].lesson.id,
    )
    assert stored.author_id == w.staff["T1"]


async def test_term_marks(world: World) -> None:
    w = world
    t1 = await w.join(PersonKind.STAFF, "T1", 1)
    past = await t.past_lessons(
        w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], w.clock
    )
    s1, s2 = w.pupils["S1"], w.pupils["S2"]
    for view, (m1, m2) in zip(past, [("5", "3"), ("4", "3")], strict=True):
        lesson_id = view.lesson.id
        await t.save_attendance(w.make_uow(), t1, lesson_id, {}, w.clock, reason="заполняю")
        await t.put_mark(w.make_uow(), t1, lesson_id, s1, "oral", m1, w.clock, reason="заполняю")
        await t.put_mark(w.make_uow(), t1, lesson_id, s2, "control", m2, w.clock, reason="заполняю")
    sheet = await term_sheet(w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], w.clock)
    assert sheet.period.name == "II четверть"
    lines = {x.pupil_id: x for x in sheet.lines}
    # S1: oral 5 and 4 → 4.50 → 5, flagged: 2 marks where 5 are the minimum
    assert lines[s1].suggestion.value == "5" and lines[s1].suggestion.too_few_marks
    assert str(lines[s1].suggestion.mean) == "4.50"
    # S2: control works 3 and 3 → 3
    assert lines[s2].suggestion.value == "3"
    # 16.11 is six weeks before the period ends: term marks are set only with a second yes.
    await set_term_mark(
        w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], s2, "4", w.clock, early=True
    )
    # S1 is flagged (too few marks): the bulk confirmation leaves S1 out.
    done = await confirm_suggestions(
        w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], w.clock, early=True
    )
    assert (done.count, [x.pupil_id for x in done.left_out]) == (0, [s1])
    await set_term_mark(
        w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], s1, "5", w.clock, early=True
    )
    sheet = await term_sheet(w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], w.clock)
    assert {x.pupil_id: x.term_mark for x in sheet.lines} == {s1: "5", s2: "4"}
    with pytest.raises(Forbidden):
        await set_term_mark(
            w.make_uow(),
            t1,
            w.classes["5А"],
            w.subjects["Математика"],
            w.pupils["S4"],
            "5",
            w.clock,
            early=True,
        )
    # After the period, a change needs a reason.
    w.clock.moment = dt.datetime(2026, 12, 30, 10, 0, tzinfo=MSK)
    with pytest.raises(t.ReasonRequired):
        await set_term_mark(
            w.make_uow(), t1, w.classes["5А"], w.subjects["Математика"], s2, "3", w.clock
        )


async def test_strangers_are_refused(world: World) -> None:
    w = world
    stranger = await resolve_actor(w.make_uow(), user(99))
    with pytest.raises(Forbidden):
        await t.todays_lessons(w.make_uow(), stranger, w.clock)

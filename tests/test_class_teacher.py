"""Class teachers and deputies on SQLite and PostgreSQL: the absence register, prompts through a
school week, overdue entries, control figures worked out by hand, who may see what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FixedClock
from domain.errors import Forbidden
from domain.family import AbsenceCode, ReportedReason
from domain.journal import Attendance
from domain.people import Actor, PersonKind
from domain.usecases import class_teacher as ct
from domain.usecases import control, diary, teaching
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school
from storage.uow import SqlUnitOfWork
from tests.rendered import rendered_outbox
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")
MONDAY = dt.date(2026, 11, 16)
UowFactory = Callable[[], SqlUnitOfWork]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), MSK)


class World(SimpleNamespace):
    make_uow: UowFactory
    clock: FixedClock
    school_id: int
    ids: dict[str, int]
    t1: Actor  # teaches maths in 7А and 8Б; class teacher of 7А
    t2: Actor  # physics in 7А, deputy head of the grades given


async def make_world(
    make_uow: UowFactory, deputy_grades: str = "5-11", holiday: bool = False, senior: bool = False
) -> World:
    clock = FixedClock(at(MONDAY, 8, 0))
    data = bot_school()
    data["staff"] = data["staff"].replace("teacher;deputy,5-11", f"teacher;deputy,{deputy_grades}")
    data["timetable"] += "".join(f"7А,{d},1,Математика,T1,201\n" for d in (3, 4, 5))
    if holiday:
        data["holidays"] += "День здоровья,2026-11-18,2026-11-18\n"
    if senior:  # 10А, whose I полугодие ends on the day II четверть of grades 1–9 ends
        data["staff"] += "T3,Сидорова,Вера,Павловна,teacher,\n"
        data["classes"] += "10А,10,T3\n"
        data["students"] += "C0,10А,Ли,Иван,2010-03-15\n"
        data["periods"] += "I полугодие,half,10-11,2026-09-01,2026-12-28\n"
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(data), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    ids = {p.external_id: p.id for p in snap.pupils} | {s.external_id: s.id for s in snap.staff}
    ids |= {c.name: c.id for c in snap.classes} | {g.external_id: g.id for g in snap.guardians}
    w = World(make_uow=make_uow, clock=clock, school_id=school.id, ids=ids)
    w.t1 = await join(w, PersonKind.STAFF, ids["T1"], 1)
    w.t2 = await join(w, PersonKind.STAFF, ids["T2"], 2)
    return w


async def join(w: World, kind: PersonKind, person: int, user_id: int) -> Actor:
    [issued] = await issue_invitations(w.make_uow(), w.school_id, kind, [person], w.clock)
    user = MessengerUser(
        messenger="telegram", user_id=str(user_id), chat_id=str(user_id), language="ru"
    )
    return await redeem_invitation(w.make_uow(), user, issued.code, w.clock)


async def lessons_today(w: World, actor: Actor) -> dict[int, int]:
    views = await teaching.todays_lessons(w.make_uow(), actor, w.clock)
    return {v.lesson.lesson_number: v.lesson.id for v in views}


async def outbox(w: World) -> list[SimpleNamespace]:
    return await rendered_outbox(w.make_uow)


async def test_the_register_and_who_may_use_it(make_uow: UowFactory) -> None:
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 10, 0)
    lessons = await lessons_today(w, w.t1)
    a0, a1, a2 = w.ids["A0"], w.ids["A1"], w.ids["A2"]
    await teaching.save_attendance(
        w.make_uow(), w.t1, lessons[1], {a0: Attendance.ABSENT, a1: Attendance.LATE}, w.clock
    )
    await teaching.save_attendance(w.make_uow(), w.t1, lessons[2], {a0: Attendance.ABSENT}, w.clock)
    parent = await join(w, PersonKind.GUARDIAN, w.ids["GA2"], 9)
    await diary.report_absence(
        w.make_uow(), parent, a2, MONDAY, MONDAY, ReportedReason.ILL, "Простуда", w.clock
    )
    register = await ct.absence_register(w.make_uow(), w.t1, w.ids["7А"], MONDAY)
    lines = {x.name: x for x in register.lines}
    assert lines["Абрамов Анна"].missed == ["1 Математика", "2 Математика"]
    assert lines["Абрамов Анна"].lessons_today == 3 and not lines["Абрамов Анна"].whole_day
    assert lines["Белова Борис"].late == ["1 Математика"] and lines["Белова Борис"].missed == []
    assert lines["Васильев Вера"].reported is ReportedReason.ILL
    await ct.set_absence_reason(
        w.make_uow(), w.t1, w.ids["7А"], a0, MONDAY, AbsenceCode.ILL, w.clock
    )
    register = await ct.absence_register(w.make_uow(), w.t1, w.ids["7А"], MONDAY)
    assert {x.name: x.code for x in register.lines}["Абрамов Анна"] is AbsenceCode.ILL
    # The deputy of grades 5–11 reads 7А's register but does not set reasons there.
    assert (await ct.absence_register(w.make_uow(), w.t2, w.ids["7А"], MONDAY)).lines
    with pytest.raises(ct.NotYourClass):
        await ct.set_absence_reason(
            w.make_uow(), w.t2, w.ids["7А"], a0, MONDAY, AbsenceCode.VALID, w.clock
        )
    with pytest.raises(Forbidden):  # Белова was only late
        await ct.set_absence_reason(
            w.make_uow(), w.t1, w.ids["7А"], a1, MONDAY, AbsenceCode.ILL, w.clock
        )
    with pytest.raises(ct.NotYourClass):  # T1 is not the class teacher of 8Б
        await ct.absence_register(w.make_uow(), w.t1, w.ids["8Б"], MONDAY)
    report = await ct.class_report(w.make_uow(), w.t1, w.ids["7А"], MONDAY, MONDAY, w.clock)
    by_name = {a.name: a for a in report.attendance}
    assert (
        by_name["Абрамов Анна"].lessons_missed,
        by_name["Абрамов Анна"].ill,
        by_name["Абрамов Анна"].days_missed,
    ) == (2, 2, 0)
    assert by_name["Белова Борис"].late == 1


async def test_a_deputy_sees_only_their_grades(make_uow: UowFactory) -> None:
    w = await make_world(make_uow, deputy_grades="8-9")
    w.clock.moment = at(MONDAY, 18, 0)
    with pytest.raises(ct.NotYourClass):
        await ct.absence_register(w.make_uow(), w.t2, w.ids["7А"], MONDAY)
    assert [c.name for c in await ct.classes_visible(w.make_uow(), w.t2)] == ["8Б"]
    figures = await control.control_figures(w.make_uow(), w.t2, MONDAY, MONDAY, w.clock)
    assert [f.name for f in figures.classes] == ["8Б"]
    with pytest.raises(Forbidden):
        await control.control_figures(w.make_uow(), w.t1, MONDAY, MONDAY, w.clock)
    with pytest.raises(Forbidden):  # T1 is no deputy
        await control.remind_teacher(w.make_uow(), w.t1, w.ids["T2"], w.clock)
    # T1 teaches 8Б: the deputy of 8–9 may remind them, of 8Б only (7А is not in 8–9). At 18:00
    # Monday, looking back 30 days: 8Б's maths on 19.10 and 9.11 has no facts nor homework, today's
    # no homework yet (due 14:20; facts are due at 24:00), and the I term's marks (ended 24.10)
    # are missing for all 35 pupils: three lessons and one course, each listed by itself.
    count = await control.remind_teacher(w.make_uow(), w.t2, w.ids["T1"], w.clock)
    assert count == 4
    [reminder] = [x for x in await outbox(w) if x.kind == "remind"]
    assert reminder.chat_id == "1" and "7А" not in reminder.text
    assert reminder.text.splitlines() == [
        "Завуч просит заполнить журнал:",
        "• 19.10 8Б · Математика, урок 3 — не заполнено: посещаемость, тема, ДЗ",
        "• 09.11 8Б · Математика, урок 3 — не заполнено: посещаемость, тема, ДЗ",
        "• 16.11 8Б · Математика, урок 3 — не заполнено: ДЗ",
        "• 8Б · Математика — не выставлено итоговых: 35 (период закончился 24.10)",
    ]
    with pytest.raises(Forbidden):
        await control.remind_teacher(w.make_uow(), w.t2, 999_999, w.clock)


async def test_control_figures_worked_out_by_hand(make_uow: UowFactory) -> None:
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 10, 0)
    t1 = await lessons_today(w, w.t1)
    card = await teaching.lesson_card(w.make_uow(), w.t1, t1[1], w.clock)
    # Lesson 1 (7А): topic from the plan, register and homework on the day: on time.
    await teaching.set_topic(
        w.make_uow(), w.t1, t1[1], w.clock, plan_topic_id=card.suggested_topic.id
    )
    await teaching.save_attendance(w.make_uow(), w.t1, t1[1], {}, w.clock)
    await teaching.set_homework(w.make_uow(), w.t1, t1[1], "№ 1", w.clock)
    await teaching.put_mark(w.make_uow(), w.t1, t1[1], w.ids["A0"], "oral", "5", w.clock)
    await teaching.put_mark(w.make_uow(), w.t1, t1[1], w.ids["A1"], "oral", "4", w.clock)
    await teaching.put_mark(w.make_uow(), w.t1, t1[1], w.ids["A1"], "homework", "5", w.clock)
    # Lesson 2 (7А): filled in on Tuesday, too late. Lesson 3 (8Б) and T2's two: nothing.
    w.clock.moment = at(MONDAY + dt.timedelta(days=1), 9, 0)
    await teaching.set_topic(w.make_uow(), w.t1, t1[2], w.clock, text="Повторение")
    await teaching.save_attendance(w.make_uow(), w.t1, t1[2], {}, w.clock)
    report = await control.control_figures(w.make_uow(), w.t2, MONDAY, MONDAY, w.clock)
    figures = {f.name: f for f in report.teachers}
    ivanova, petrov = figures["Иванова А. П."], figures["Петров Б. И."]
    # Иванова: 3 lessons, 1 on time, 1 with homework, 1 by the plan.
    assert (ivanova.lessons, ivanova.on_time, ivanova.with_homework, ivanova.ktp_given) == (
        3,
        1,
        1,
        1,
    )
    assert ivanova.on_time_pct == Decimal("33.3")
    # Pupil-subjects: 7А maths 25 + 8Б maths 35 = 60; А0 has one mark, А1 two: 58 without.
    assert (ivanova.pupil_subjects, ivanova.no_marks, ivanova.one_mark) == (60, 58, 1)
    assert ivanova.no_marks_pct == Decimal("96.7") and ivanova.one_mark_pct == Decimal("1.7")
    # Петров: physics in 7А and «Разговоры о важном» in 8Б (not graded: no pupil-subjects).
    assert (petrov.lessons, petrov.on_time, petrov.pupil_subjects, petrov.no_marks) == (
        2,
        0,
        25,
        25,
    )
    total = report.total
    assert (total.lessons, total.on_time, total.pupil_subjects, total.no_marks) == (5, 1, 85, 83)
    assert total.on_time_pct == Decimal("20.0") and total.ktp_pct == Decimal("20.0")
    classes = {f.name: f for f in report.classes}
    assert (classes["7А"].lessons, classes["7А"].on_time, classes["8Б"].lessons) == (3, 1, 2)


async def test_todays_lessons_count_once_filled_in_or_past_their_deadline(
    make_uow: UowFactory,
) -> None:
    """Today's facts are due by 24:00: at 10:00 a lesson given and filled in counts as on
    time, and the lessons not yet filled in today are not yet late, so they do not count."""
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 10, 0)
    t1 = await lessons_today(w, w.t1)
    await teaching.set_topic(w.make_uow(), w.t1, t1[1], w.clock, text="Уравнения")
    await teaching.save_attendance(w.make_uow(), w.t1, t1[1], {}, w.clock)
    report = await control.control_figures(w.make_uow(), w.t2, MONDAY, MONDAY, w.clock)
    total = report.total
    assert (total.lessons, total.on_time, total.on_time_pct) == (1, 1, Decimal("100.0"))
    # At 00:00 Tuesday the deadline has passed: every Monday lesson counts, one on time.
    w.clock.moment = at(MONDAY + dt.timedelta(days=1), 0, 0)
    report = await control.control_figures(w.make_uow(), w.t2, MONDAY, MONDAY, w.clock)
    assert (report.total.lessons, report.total.on_time) == (5, 1)


async def test_overdue_entries_by_the_deadlines(make_uow: UowFactory) -> None:
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 8, 0)
    t1 = await lessons_today(w, w.t1)
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
    # Lesson 1 done except homework; lesson 2 given the plan's control work, no marks.
    await teaching.set_topic(w.make_uow(), w.t1, t1[1], w.clock, text="Уравнения")
    await teaching.save_attendance(w.make_uow(), w.t1, t1[1], {}, w.clock)
    async with w.make_uow() as uow:
        plan = await uow.journal.plan(
            w.school_id, (await uow.journal.lesson(w.school_id, t1[2])).subject_id, w.ids["7А"], 7
        )
    control_work = next(p for p in plan if "Контрольная" in p.topic)
    await teaching.set_topic(w.make_uow(), w.t1, t1[2], w.clock, plan_topic_id=control_work.id)
    await teaching.save_attendance(w.make_uow(), w.t1, t1[2], {}, w.clock)
    await teaching.set_homework(w.make_uow(), w.t1, t1[2], "", w.clock)

    async def kinds(now: dt.datetime) -> set[tuple[str, str]]:
        async with w.make_uow() as uow:
            found = await control.find_overdue(uow, school, now, teacher_id=w.ids["T1"])
            await uow.commit()
        return {(e.kind.value, e.title) for e in found if e.day == MONDAY}

    # 12:00: the class's last lesson (4) ends 12:20, homework is due by 14:20.
    assert await kinds(at(MONDAY, 12, 0)) == set()
    assert await kinds(at(MONDAY, 14, 30)) == {
        ("homework", "7А · Математика"),
        ("homework", "8Б · Математика"),
    }
    after_midnight = await kinds(at(MONDAY + dt.timedelta(days=1), 0, 5))
    assert ("facts", "8Б · Математика") in after_midnight
    assert ("facts", "7А · Математика") not in after_midnight
    # The control work of lesson 2 has no marks: overdue after 5 days for grade 7.
    assert ("written_marks", "7А · Математика") not in await kinds(
        at(MONDAY + dt.timedelta(days=5), 23, 0)
    )
    assert ("written_marks", "7А · Математика") in await kinds(
        at(MONDAY + dt.timedelta(days=6), 0, 5)
    )


async def test_prompts_through_a_school_week(make_uow: UowFactory) -> None:
    w = await make_world(make_uow, holiday=True)
    jobs = (ct.AbsencePrompt(), ct.AbsenceReminder())
    # Each school day at 9:00 Абрамов misses the first lesson (Wednesday is a holiday).
    start = dt.datetime.combine(MONDAY, dt.time(0), MSK).astimezone(dt.UTC)
    w.clock.moment = start
    while w.clock.moment < start + dt.timedelta(days=7):
        local = w.clock.moment.astimezone(MSK)
        if local.hour == 9 and local.minute == 0 and local.isoweekday() <= 5:
            lessons = await lessons_today(w, w.t1)
            if 1 in lessons:
                await teaching.save_attendance(
                    w.make_uow(), w.t1, lessons[1], {w.ids["A0"]: Attendance.ABSENT}, w.clock
                )
        if local.isoweekday() == 4 and local.hour == 16 and local.minute == 0:
            # Thursday afternoon: the class teacher gives Thursday's absence its reason.
            await ct.set_absence_reason(
                w.make_uow(),
                w.t1,
                w.ids["7А"],
                w.ids["A0"],
                local.date(),
                AbsenceCode.VALID,
                w.clock,
            )
        await run_due_jobs(w.make_uow, w.clock, jobs)
        w.clock.advance(dt.timedelta(minutes=30))
    sent = [(x.kind, x.created_at.astimezone(MSK)) for x in await outbox(w)]
    prompts = [(t.day, t.hour, t.minute) for kind, t in sent if kind == "absence_prompt"]
    reminders = [(t.day, t.hour, t.minute) for kind, t in sent if kind == "absence_reminder"]
    assert prompts == [(16, 15, 0), (17, 15, 0), (19, 15, 0), (20, 15, 0)]
    # Mornings after: Tuesday (for Monday), Thursday (for Tuesday; Wednesday was a holiday),
    # Friday: Thursday's absence has its reason already, so nothing.
    assert reminders == [(17, 8, 30), (19, 8, 30)]
    first = next(x for x in await outbox(w) if x.kind == "absence_prompt")
    assert first.chat_id == "1"
    assert "Абрамов Анна: пропуски: 1 Математика" in first.text
    assert [b["text"] for b in first.buttons[0]] == ["Абрамов Анна"]
    assert [b["text"] for b in first.buttons[1]] == ["Б", "У", "Н"]


async def test_deputy_summary_and_remind(make_uow: UowFactory) -> None:
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 10, 0)
    await lessons_today(w, w.t1)
    w.clock.moment = at(MONDAY + dt.timedelta(days=1), 9, 0)
    await run_due_jobs(
        w.make_uow,
        w.clock,
        (control.OverdueTeacherReminder(), control.DeputySummary()),
    )
    sent = await outbox(w)
    teacher_notice = next(x for x in sent if x.kind == "overdue_teacher" and x.chat_id == "1")
    # Tuesday 9:00: every lesson of Иванова's of the last 30 days, oldest first, each by itself
    # with what it lacks (Monday's lessons 1 and 2 in 7А are two lines), then the I term's marks.
    assert teacher_notice.text.splitlines()[0] == "Просрочено в вашем журнале:"
    assert teacher_notice.text.splitlines()[-5:] == [
        "• 16.11 7А · Математика, урок 1 — не заполнено: посещаемость, тема, ДЗ",
        "• 16.11 7А · Математика, урок 2 — не заполнено: посещаемость, тема, ДЗ",
        "• 16.11 8Б · Математика, урок 3 — не заполнено: посещаемость, тема, ДЗ",
        "• 7А · Математика — не выставлено итоговых: 25 (период закончился 24.10)",
        "• 8Б · Математика — не выставлено итоговых: 35 (период закончился 24.10)",
    ]
    summary = next(x for x in sent if x.kind == "deputy_summary")
    assert summary.chat_id == "2" and "<b>Иванова А. П.</b>" in summary.text
    buttons = [b["data"] for row in summary.buttons for b in row]
    assert f"rm:{w.ids['T1']}" in buttons
    count = await control.remind_teacher(w.make_uow(), w.t2, w.ids["T1"], w.clock)
    assert count >= 3
    reminder = (await outbox(w))[-1]
    assert reminder.kind == "remind" and reminder.chat_id == "1" and reminder.urgent
    assert reminder.text.startswith("Завуч просит заполнить журнал:")


async def test_no_prompt_for_a_home_schooled_pupil(make_uow: UowFactory) -> None:
    w = await make_world(make_uow)
    w.clock.moment = at(MONDAY, 10, 0)
    lessons = await lessons_today(w, w.t1)
    await teaching.save_attendance(
        w.make_uow(), w.t1, lessons[1], {w.ids["A0"]: Attendance.ABSENT}, w.clock
    )
    # The pupil goes over to home schooling (kept out of the electronic journal).
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
    moved = "id,class,last_name,first_name,home_schooled\nA0,7А,Абрамов,Анна,1\n"
    await import_school(w.make_uow(), school, raw_tables({"students": moved}), MONDAY)
    w.clock.moment = at(MONDAY, 15, 0)
    [run] = await run_due_jobs(w.make_uow, w.clock, (ct.AbsencePrompt(),))
    assert run.messages == 0
    register = await ct.absence_register(w.make_uow(), w.t1, w.ids["7А"], MONDAY)
    assert register.lines == []


async def test_preliminary_reports_of_two_periods_ending_on_one_day(make_uow: UowFactory) -> None:
    """II четверть (grades 1–9) and I полугодие (10–11) both end on 28.12: a fortnight before,
    every class of each period's grades gets its report, to its class teacher and the deputy
    of 5–11; a second walk of the same days (a restart) sends nothing again."""
    w = await make_world(make_uow, senior=True)
    await join(w, PersonKind.STAFF, w.ids["T3"], 3)
    fortnight_before = dt.date(2026, 12, 14)
    for _ in range(2):
        w.clock.moment = at(fortnight_before, 7, 0)
        while w.clock.moment < at(fortnight_before + dt.timedelta(days=1), 12, 0):
            await run_due_jobs(w.make_uow, w.clock, (ct.PreliminaryReport(),))
            w.clock.advance(dt.timedelta(minutes=30))
    reports = [x for x in await outbox(w) if x.kind == "preliminary_report"]
    got = sorted((x.text.split(",")[1].strip(), x.chat_id) for x in reports)
    # 7А: T1 (chat 1) and the deputy T2 (chat 2); 8Б: T2, class teacher and deputy, once;
    # 10А: T3 (chat 3) and T2.
    assert got == [("10А", "2"), ("10А", "3"), ("7А", "1"), ("7А", "2"), ("8Б", "2")]
    assert all(x.created_at.astimezone(MSK).date() == fortnight_before for x in reports)
    senior = next(x for x in reports if x.chat_id == "3")
    assert "I полугодие" in senior.text
    assert all("II четверть" in x.text for x in reports if "10А" not in x.text)

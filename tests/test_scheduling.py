"""The clock walks a school week: reminders at the right local times, never on days off or twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.clock import FixedClock
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.control import OverdueTeacherReminder
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school
from storage import models as m
from storage.uow import SqlUnitOfWork
from tests.rendered import rendered_outbox
from tests.school_data import bot_school, raw_tables

UowFactory = Callable[[], SqlUnitOfWork]
MONDAY_UTC = dt.datetime(2026, 11, 16, 0, 0, tzinfo=dt.UTC)


def week_school(holiday: bool) -> dict[str, str]:
    """T1 teaches 7А maths every day Monday to Saturday; Wednesday may be a holiday."""
    data = bot_school()
    data["timetable"] += "".join(f"7А,{d},1,Математика,T1,201\n" for d in (3, 4, 5, 6))
    if holiday:
        data["holidays"] += "День здоровья,2026-11-18,2026-11-18\n"
    return data


async def setup_school(
    make_uow: UowFactory, name: str, zone: str, holiday: bool, user_id: int, clock: FixedClock
) -> int:
    school = await create_school(make_uow(), name, zone)
    await import_school(make_uow(), school, raw_tables(week_school(holiday)), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    t1 = next(s.id for s in snap.staff if s.external_id == "T1")
    [issued] = await issue_invitations(make_uow(), school.id, PersonKind.STAFF, [t1], clock)
    user = MessengerUser(
        messenger="telegram", user_id=str(user_id), chat_id=str(user_id), language="ru"
    )
    await redeem_invitation(make_uow(), user, issued.code, clock)
    return school.id


async def outbox(make_uow: UowFactory) -> list[SimpleNamespace]:
    """The outbox as plain records, readable after the session is gone."""
    return await rendered_outbox(make_uow)


async def test_a_school_week_in_two_time_zones(make_uow: UowFactory) -> None:
    clock = FixedClock(MONDAY_UTC - dt.timedelta(days=3))
    moscow = await setup_school(make_uow, "Школа в Москве", "Europe/Moscow", True, 101, clock)
    vladivostok = await setup_school(
        make_uow, "Школа во Владивостоке", "Asia/Vladivostok", False, 102, clock
    )
    for _ in range(2):  # the second walk is a restart replaying the week: nothing new
        clock.moment = MONDAY_UTC
        while clock.moment < MONDAY_UTC + dt.timedelta(days=7):
            await run_due_jobs(make_uow, clock)
            clock.advance(dt.timedelta(minutes=30))
    rows = await outbox(make_uow)
    local = {
        moscow: ZoneInfo("Europe/Moscow"),
        vladivostok: ZoneInfo("Asia/Vladivostok"),
    }
    sent = sorted((r.school_id, r.created_at.astimezone(local[r.school_id])) for r in rows)
    moscow_days = [t for s, t in sent if s == moscow]
    vladivostok_days = [t for s, t in sent if s == vladivostok]
    # 19:00 local on school days; Moscow has a holiday on Wednesday; Saturday is a day off.
    assert [(t.day, t.hour, t.minute) for t in moscow_days] == [
        (16, 19, 0),
        (17, 19, 0),
        (19, 19, 0),
        (20, 19, 0),
    ]
    assert [(t.day, t.hour, t.minute) for t in vladivostok_days] == [
        (16, 19, 0),
        (17, 19, 0),
        (18, 19, 0),
        (19, 19, 0),
        (20, 19, 0),
    ]
    assert len({r.dedup_key for r in rows}) == len(rows) == 9
    monday = next(r for r in rows if r.school_id == moscow)
    assert monday.chat_id == "101"
    assert "Незаполненные уроки за сегодня (16.11)" in monday.text
    assert "1. 7А · Математика — нет: посещаемость, тема, ДЗ" in monday.text
    assert monday.not_before == monday.created_at  # 19:00 is before the quiet hours
    async with make_uow() as uow:
        runs = len((await uow.session.scalars(select(m.JobRunRow))).all())
    assert runs == 9


async def test_a_run_missed_while_down_happens_on_return(make_uow: UowFactory) -> None:
    clock = FixedClock(MONDAY_UTC)
    school_id = await setup_school(make_uow, "Школа", "Europe/Moscow", False, 101, clock)
    msk = ZoneInfo("Europe/Moscow")
    clock.moment = dt.datetime(2026, 11, 16, 18, 59, tzinfo=msk)
    assert await run_due_jobs(make_uow, clock) == []
    clock.moment = dt.datetime(2026, 11, 16, 21, 30, tzinfo=msk)  # back after being down
    [run] = await run_due_jobs(make_uow, clock)
    assert (run.school_id, run.period_key, run.messages) == (school_id, "2026-11-16", 1)
    [row] = await outbox(make_uow)
    # Written at 21:30, inside the quiet hours: it waits for the morning.
    assert row.not_before.astimezone(msk) == dt.datetime(2026, 11, 17, 8, 0, tzinfo=msk)
    assert await run_due_jobs(make_uow, clock) == []
    # Down over midnight: yesterday's evening reminder is not sent the next day.
    clock.moment = dt.datetime(2026, 11, 18, 0, 30, tzinfo=msk)
    assert await run_due_jobs(make_uow, clock) == []


async def test_finished_lessons_are_not_reminded(make_uow: UowFactory) -> None:
    from domain.usecases import teaching
    from domain.usecases.accounts import resolve_actor

    msk = ZoneInfo("Europe/Moscow")
    clock = FixedClock(dt.datetime(2026, 11, 17, 9, 0, tzinfo=msk))  # Tuesday: one lesson
    await setup_school(make_uow, "Школа", "Europe/Moscow", False, 101, clock)
    actor = await resolve_actor(
        make_uow(), MessengerUser(messenger="telegram", user_id="101", chat_id="101", language="ru")
    )
    [lesson] = await teaching.todays_lessons(make_uow(), actor, clock)
    lesson_id = lesson.lesson.id
    await teaching.set_topic(make_uow(), actor, lesson_id, clock, text="Повторение")
    await teaching.set_homework(make_uow(), actor, lesson_id, "", clock)
    await teaching.save_attendance(make_uow(), actor, lesson_id, {}, clock)
    clock.moment = dt.datetime(2026, 11, 17, 19, 0, tzinfo=msk)
    [run] = await run_due_jobs(make_uow, clock)
    assert run.messages == 0
    assert await outbox(make_uow) == []


async def test_a_days_overdue_notice_keeps_only_that_day(make_uow: UowFactory) -> None:
    """Issue 16: the 8:00 overdue notice (as the deputy's 9:00 summary and the 15:00 absence
    prompt, `DailyJob.for_the_day`) is about one day: it is queued with `not_after` at that
    day's midnight at the school, after which the sender expires it unsent."""
    clock = FixedClock(MONDAY_UTC)
    await setup_school(make_uow, "Школа", "Europe/Moscow", False, 101, clock)
    msk = ZoneInfo("Europe/Moscow")
    clock.moment = dt.datetime(2026, 11, 17, 8, 0, tzinfo=msk)  # Monday's lesson is overdue
    [run] = await run_due_jobs(make_uow, clock, (OverdueTeacherReminder(),))
    assert run.messages == 1
    [row] = await outbox(make_uow)
    assert row.not_after.astimezone(msk) == dt.datetime(2026, 11, 18, 0, 0, tzinfo=msk)

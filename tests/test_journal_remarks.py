"""Deputy control on SQLite and PostgreSQL: a remark written, seen, fixed, accepted or reopened;
who may do what; forged ids; the morning reminder of overdue remarks through the outbox."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FixedClock
from domain.errors import Forbidden, InvalidInput
from domain.people import Actor, PersonKind
from domain.remarks import RemarkStatus
from domain.usecases import journal_remarks as uc
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.import_school import import_school
from domain.usecases.scheduling import run_due_jobs
from domain.usecases.schools import create_school, update_school
from storage.uow import SqlUnitOfWork
from tests.rendered import rendered_outbox
from tests.school_data import bot_school, raw_tables

MSK = ZoneInfo("Europe/Moscow")
MONDAY = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
UowFactory = Callable[[], SqlUnitOfWork]
JOB = (uc.OverdueRemarks(),)


class World(SimpleNamespace):
    make_uow: UowFactory
    clock: FixedClock
    school_id: int
    ids: dict[str, int]
    deputy: Actor  # T2: teacher and deputy of 5–11, chat 2
    teacher: Actor  # T1: maths in 7А and 8Б, chat 1
    colleague: Actor  # T3: physics in 8Б, chat 3
    other_deputy: Actor  # D2: deputy of 5–11, chat 4


def school_data() -> dict[str, str]:
    data = bot_school()
    data["staff"] += "T3,Сидорова,Вера,,teacher,\nD2,Кузнецов,Глеб,,deputy,5-11\n"
    data["assignments"] += "T3,Физика,8Б,2\n"
    return data


async def join(
    make_uow: UowFactory, clock: FixedClock, school_id: int, person: int, user_id: int
) -> Actor:
    [issued] = await issue_invitations(make_uow(), school_id, PersonKind.STAFF, [person], clock)
    user = MessengerUser(
        messenger="telegram", user_id=str(user_id), chat_id=str(user_id), language="ru"
    )
    return await redeem_invitation(make_uow(), user, issued.code, clock)


@pytest.fixture
async def world(make_uow: UowFactory) -> World:
    clock = FixedClock(MONDAY)
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(school_data()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    ids = {s.external_id: s.id for s in snap.staff}
    w = World(make_uow=make_uow, clock=clock, school_id=school.id, ids=ids)
    w.teacher = await join(make_uow, clock, school.id, ids["T1"], 1)
    w.deputy = await join(make_uow, clock, school.id, ids["T2"], 2)
    w.colleague = await join(make_uow, clock, school.id, ids["T3"], 3)
    w.other_deputy = await join(make_uow, clock, school.id, ids["D2"], 4)
    return w


async def outbox(w: World, kind: str | None = None) -> list[SimpleNamespace]:
    found = await rendered_outbox(w.make_uow)
    return [x for x in found if kind is None or x.kind == kind]


async def write(w: World, text: str = "Не выставлены темы уроков за 10–13.11", days: int = 3):
    due = MONDAY.date() + dt.timedelta(days=days)
    return await uc.write_remark(w.make_uow(), w.deputy, w.ids["T1"], text, due, w.clock)


async def test_write_see_fix_accept(world: World) -> None:
    w = world
    assert [c.name for c in await uc.remark_teachers(w.make_uow(), w.deputy)] == [
        "Иванова Анна Петровна",
        "Сидорова Вера",
    ]  # teachers of 5–11, not the deputy themselves
    remark = await write(w)
    assert remark.status is RemarkStatus.OPEN and remark.due == dt.date(2026, 11, 19)

    [notice] = await outbox(w, "journal_remark")
    assert notice.chat_id == "1" and notice.account_id == w.teacher.account_id
    assert "завуча Петрова Б. И. по вашему журналу" in notice.text and "19.11.2026" in notice.text
    assert "Не выставлены темы уроков за 10–13.11" in notice.text
    assert notice.buttons == [[{"text": "📝 Открыть замечание", "data": f"rmk:{remark.id}"}]]

    [seen] = await uc.remarks_for_teacher(w.make_uow(), w.teacher, w.clock)
    assert seen.remark.id == remark.id and seen.deputy_name == "Петров Б. И."
    assert not seen.overdue
    summary = await uc.remarks_summary(w.make_uow(), w.teacher)
    assert (summary.to_me, summary.to_me_open, summary.written) == (1, 1, 0)

    w.clock.advance(dt.timedelta(hours=5))
    fixed = await uc.mark_fixed(w.make_uow(), w.teacher, remark.id, w.clock)
    assert fixed.status is RemarkStatus.FIXED and fixed.fixed_at is not None
    [told] = await outbox(w, "journal_remark_fixed")
    assert told.chat_id == "2" and "Иванова А. П." in told.text
    # A second tap changes nothing and tells nobody twice.
    await uc.mark_fixed(w.make_uow(), w.teacher, remark.id, w.clock)
    assert len(await outbox(w, "journal_remark_fixed")) == 1

    accepted = await uc.accept(w.make_uow(), w.deputy, remark.id, w.clock)
    assert accepted.status is RemarkStatus.ACCEPTED and accepted.accepted_at is not None
    [mine] = await uc.remarks_by_deputy(w.make_uow(), w.deputy, w.clock)
    assert mine.remark.status is RemarkStatus.ACCEPTED and mine.teacher_name == "Иванова А. П."
    summary = await uc.remarks_summary(w.make_uow(), w.teacher)
    assert (summary.to_me, summary.to_me_open) == (1, 0)
    assert (await uc.remarks_summary(w.make_uow(), w.deputy)).written == 1


async def test_reopen_notifies_and_counts(world: World) -> None:
    w = world
    first = await write(w, "Первое", days=1)
    second = await write(w, "Второе", days=7)
    await uc.mark_fixed(w.make_uow(), w.teacher, first.id, w.clock)
    with pytest.raises(Forbidden):
        await uc.reopen(w.make_uow(), w.deputy, second.id, w.clock)  # still open
    with pytest.raises(Forbidden):
        await uc.accept(w.make_uow(), w.deputy, second.id, w.clock)  # not fixed yet

    w.clock.moment = dt.datetime(2026, 11, 18, 10, 0, tzinfo=MSK)  # after the due day (17.11)
    again = await uc.reopen(w.make_uow(), w.deputy, first.id, w.clock)
    assert again.status is RemarkStatus.OPEN and again.reopened == 1 and again.fixed_at is None
    assert again.due == dt.date(2026, 11, 21)  # past its due day: three more days
    [told] = await outbox(w, "journal_remark_reopened")
    assert told.chat_id == "1" and "Первое" in told.text and "21.11.2026" in told.text

    views = await uc.remarks_for_teacher(w.make_uow(), w.teacher, w.clock)
    assert [v.remark.text for v in views] == ["Первое", "Второе"]  # open first, by due day

    await uc.mark_fixed(w.make_uow(), w.teacher, first.id, w.clock)
    assert len(await outbox(w, "journal_remark_fixed")) == 2  # each fix is told
    await uc.accept(w.make_uow(), w.deputy, first.id, w.clock)
    # Even an accepted remark may be opened again, with a day the deputy names.
    again = await uc.reopen(w.make_uow(), w.deputy, first.id, w.clock, due=dt.date(2026, 11, 30))
    assert (again.reopened, again.due, again.accepted_at) == (2, dt.date(2026, 11, 30), None)
    assert len(await outbox(w, "journal_remark_reopened")) == 2


async def test_what_a_remark_must_be(world: World) -> None:
    w = world
    for text in ("", "   \n "):
        with pytest.raises(InvalidInput):
            await write(w, text)
    with pytest.raises(InvalidInput):
        await write(w, "я" * 1001)
    assert len((await write(w, "я" * 1000)).text) == 1000
    with pytest.raises(InvalidInput):
        await write(w, days=-1)
    assert (await write(w, days=0)).due == MONDAY.date()  # today is still in time
    # Today is the school's day: at 23:30 in Moscow it is still Monday there.
    w.clock.moment = dt.datetime(2026, 11, 16, 23, 30, tzinfo=MSK)
    assert (await write(w, days=0)).due == MONDAY.date()
    with pytest.raises(Forbidden):  # to themselves
        await uc.write_remark(w.make_uow(), w.deputy, w.ids["T2"], "x", MONDAY.date(), w.clock)
    with pytest.raises(Forbidden):  # a teacher is not a deputy
        await uc.write_remark(w.make_uow(), w.teacher, w.ids["T3"], "x", MONDAY.date(), w.clock)
    with pytest.raises(Forbidden):  # somebody who teaches nothing
        await uc.write_remark(w.make_uow(), w.deputy, w.ids["D2"], "x", MONDAY.date(), w.clock)
    with pytest.raises(Forbidden):
        await uc.remarks_by_deputy(w.make_uow(), w.teacher)
    assert len(await outbox(w, "journal_remark")) == 3  # only the remarks that were written


async def test_only_teachers_of_the_deputys_grades(make_uow: UowFactory) -> None:
    clock = FixedClock(MONDAY)
    school = await create_school(make_uow(), "Лицей", "Europe/Moscow")
    data = {
        "staff": (
            "id,last_name,first_name,middle_name,roles,deputy_grades\n"
            "Z1,Зайцева,Зоя,,deputy,5-9\n"
            "S5,Орлова,Ольга,,teacher,\n"
            "S10,Лебедев,Лев,,teacher,\n"
        ),
        "subjects": "name,grading\nХимия,marks\nБиология,marks\n",
        "classes": "name,grade\n5А,5\n10А,10\n11Б,11\n",
        "assignments": (
            "teacher_id,subject,class,hours_per_week\n"
            "S5,Биология,5А,1\nS10,Химия,10А,2\nS10,Химия,11Б,2\n"
        ),
    }
    await import_school(make_uow(), school, raw_tables(data), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    ids = {s.external_id: s.id for s in snap.staff}
    deputy = await join(make_uow, clock, school.id, ids["Z1"], 21)
    choices = await uc.remark_teachers(make_uow(), deputy)
    assert [(c.name, c.classes) for c in choices] == [("Орлова Ольга", "5А")]
    due = MONDAY.date() + dt.timedelta(days=7)
    ok = await uc.write_remark(make_uow(), deputy, ids["S5"], "Темы", due, clock)
    assert ok.teacher_id == ids["S5"]
    with pytest.raises(Forbidden, match="does not teach in your grades"):
        await uc.write_remark(make_uow(), deputy, ids["S10"], "Темы", due, clock)
    # Nor a teacher of another school, whose id a forged button could carry.
    other = await create_school(make_uow(), "Школа", "Europe/Moscow")
    await import_school(make_uow(), other, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        foreign = {s.external_id: s.id for s in (await uow.directory.snapshot(other.id)).staff}
    for forged in (foreign["T1"], 999_999, 0, 2**40):
        with pytest.raises(Forbidden):
            await uc.write_remark(make_uow(), deputy, forged, "Темы", due, clock)
    async with make_uow() as uow:
        assert len(await uow.remarks.by_deputy(school.id, ids["Z1"])) == 1


async def test_who_may_fix_accept_and_reopen(world: World) -> None:
    w = world
    remark = await write(w)
    for stranger in (w.colleague, w.deputy, w.other_deputy):
        with pytest.raises(Forbidden):
            await uc.mark_fixed(w.make_uow(), stranger, remark.id, w.clock)
    await uc.mark_fixed(w.make_uow(), w.teacher, remark.id, w.clock)
    for stranger in (w.teacher, w.colleague, w.other_deputy):
        with pytest.raises(Forbidden):
            await uc.accept(w.make_uow(), stranger, remark.id, w.clock)
        with pytest.raises(Forbidden):
            await uc.reopen(w.make_uow(), stranger, remark.id, w.clock)
    for stranger in (w.colleague, w.other_deputy):
        with pytest.raises(uc.RemarkRefused):
            await uc.remark_detail(w.make_uow(), stranger, remark.id, w.clock)
        assert await uc.remarks_for_teacher(w.make_uow(), stranger, w.clock) == []
    assert await uc.remarks_by_deputy(w.make_uow(), w.other_deputy, w.clock) == []
    async with w.make_uow() as uow:
        stored = await uow.remarks.get(w.school_id, remark.id)
    assert stored.status is RemarkStatus.FIXED and stored.reopened == 0


async def test_forged_and_unknown_ids_are_refused(world: World, make_uow: UowFactory) -> None:
    w = world
    remark = await write(w)
    # A remark of another school, with its own deputy and teacher.
    school = await create_school(make_uow(), "Другая", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        there = {s.external_id: s.id for s in (await uow.directory.snapshot(school.id)).staff}
    their_deputy = await join(make_uow, w.clock, school.id, there["T2"], 31)
    theirs = await uc.write_remark(
        make_uow(), their_deputy, there["T1"], "Чужое", MONDAY.date(), w.clock
    )
    for forged in (theirs.id, 999_999, -1, 0, 2**40):
        for actor in (w.teacher, w.deputy):
            with pytest.raises(uc.RemarkRefused):
                await uc.remark_detail(w.make_uow(), actor, forged, w.clock)
        with pytest.raises(uc.RemarkRefused):
            await uc.mark_fixed(w.make_uow(), w.teacher, forged, w.clock)
        with pytest.raises(uc.RemarkRefused):
            await uc.accept(w.make_uow(), w.deputy, forged, w.clock)
        with pytest.raises(uc.RemarkRefused):
            await uc.reopen(w.make_uow(), w.deputy, forged, w.clock)
    async with make_uow() as uow:
        still = await uow.remarks.get(school.id, theirs.id)
    assert still.status is RemarkStatus.OPEN
    assert (await uc.remark_detail(w.make_uow(), w.teacher, remark.id, w.clock)).remark == remark


async def run_job(w: World, when: dt.datetime) -> list[SimpleNamespace]:
    w.clock.moment = when
    before = len(await outbox(w, "overdue_remarks"))
    await run_due_jobs(w.make_uow, w.clock, JOB)
    return (await outbox(w, "overdue_remarks"))[before:]


async def test_overdue_remarks_are_reminded_each_school_morning(world: World) -> None:
    w = world
    late = await write(w, "Нет домашних заданий в 7А", days=1)  # due Tuesday 17.11
    await write(w, "Поздняя тема", days=14)  # not due for a while
    await uc.write_remark(
        w.make_uow(), w.deputy, w.ids["T3"], "Журнал 8Б", MONDAY.date(), w.clock
    )  # due Monday: overdue from Tuesday
    assert await run_job(w, dt.datetime(2026, 11, 17, 8, 59, tzinfo=MSK)) == []  # before 09:00
    tuesday = await run_job(w, dt.datetime(2026, 11, 17, 9, 0, tzinfo=MSK))
    assert sorted(x.chat_id for x in tuesday) == ["2", "3"]  # T1's is due today: in time
    wednesday = await run_job(w, dt.datetime(2026, 11, 18, 9, 5, tzinfo=MSK))
    assert sorted(x.chat_id for x in wednesday) == ["1", "2", "3"]
    to_teacher = next(x for x in wednesday if x.chat_id == "1")
    assert "Нет домашних заданий в 7А" in to_teacher.text and "17.11.2026" in to_teacher.text
    assert "Поздняя тема" not in to_teacher.text
    to_deputy = next(x for x in wednesday if x.chat_id == "2")
    assert "Иванова А. П." in to_deputy.text and "Сидорова В." in to_deputy.text
    assert "Журнал 8Б" in to_deputy.text and "Поздняя тема" not in to_deputy.text
    async with w.make_uow() as uow:
        stored = await uow.remarks.get(w.school_id, late.id)
    assert stored.last_reminded_at == dt.datetime(2026, 11, 18, 6, 5, tzinfo=dt.UTC)

    # Once a day: later the same day nothing more.
    assert await run_job(w, dt.datetime(2026, 11, 18, 15, 0, tzinfo=MSK)) == []
    # Saturday and Sunday are no school days in a five-day week.
    assert await run_job(w, dt.datetime(2026, 11, 21, 9, 30, tzinfo=MSK)) == []
    assert await run_job(w, dt.datetime(2026, 11, 22, 9, 30, tzinfo=MSK)) == []
    # Fixed: no more reminders to T1, and the deputy's list no longer names it.
    await uc.mark_fixed(w.make_uow(), w.teacher, late.id, w.clock)
    monday = await run_job(w, dt.datetime(2026, 11, 23, 9, 0, tzinfo=MSK))
    assert sorted(x.chat_id for x in monday) == ["2", "3"]
    assert "Нет домашних заданий" not in next(x for x in monday if x.chat_id == "2").text


async def test_private_notifications_carry_no_text(world: World) -> None:
    w = world
    async with w.make_uow() as uow:
        school = await uow.schools.get(w.school_id)
    schedule = dataclasses.replace(school.schedule, private_notifications=True)
    await update_school(w.make_uow(), school, schedule=schedule)
    await write(w, "Секретный текст", days=0)
    [notice] = await outbox(w, "journal_remark")
    assert "Секретный текст" not in notice.text and "/menu" in notice.text
    [reminder, *_] = await run_job(w, dt.datetime(2026, 11, 17, 9, 0, tzinfo=MSK))
    assert "Секретный текст" not in reminder.text

"""Deputy control: a deputy head writes a remark to a teacher about their journal, with a due
date; the teacher marks it fixed; the deputy accepts it or opens it again. Overdue remarks are
reminded every school morning.

A deputy writes only to teachers who teach in a class of the deputy's grades. Remark ids come
from buttons, and a button can be forged: a remark that is not the actor's is refused the same
way whether it exists or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.clock import SystemClock, school_time
from domain.errors import Forbidden, InvalidInput
from domain.intents import OpenRemark
from domain.journal import sort_key
from domain.model import GradeRange, School, SchoolClass, StaffMember
from domain.names import PersonName
from domain.people import Actor, PersonKind
from domain.ports import Clock, UnitOfWork
from domain.remarks import MAX_REMARK_TEXT, JournalRemark, RemarkStatus
from domain.usecases.kernel import acting_school, local_now, stored_id
from domain.usecases.scheduling import (
    DailyJob,
    Msg,
    Notice,
    msg,
    to_outbox,
)

OPEN_BUTTON = Msg("📝 Open the remark")  # translated for the recipient
DUE_CHOICES = (3, 7, 14)  # days the bot offers for the due date
REOPEN_DAYS = 3  # a remark reopened after its due date gets this many days again
REMIND_AT = dt.time(9, 0)
PREVIEW = 80  # characters of a remark in a list
MAX_ID = 2**31 - 1  # ids are database integers; a forged bigger one is refused, not an error


class RemarkRefused(Forbidden):
    message = "this remark is not yours"


@dataclass(frozen=True, slots=True)
class RemarkView:
    remark: JournalRemark
    teacher_name: str
    deputy_name: str
    overdue: bool
    written_on: dt.date  # in the school's time zone

    @property
    def preview(self) -> str:
        return preview(self.remark.text)


@dataclass(frozen=True, slots=True)
class TeacherChoice:
    """A teacher the deputy may write to, with the classes of the deputy's grades they teach."""

    staff_id: int
    name: str
    classes: str
    person: PersonName | None = None  # the name's parts, for a message to put in a case


@dataclass(frozen=True, slots=True)
class RemarksSummary:
    to_me: int  # remarks addressed to the actor, all of them
    to_me_open: int
    written: int  # remarks the actor wrote as a deputy


def preview(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------- helpers


def _staff(actor: Actor) -> int:
    if actor.staff_id is None:
        raise Forbidden("only staff can do this")
    return actor.staff_id


def _deputy(actor: Actor) -> tuple[int, GradeRange]:
    if not actor.is_deputy or actor.staff is None or actor.staff_id is None:
        raise Forbidden("only a deputy head can do this")
    if actor.staff.deputy_grades is None:
        raise Forbidden("your grades as deputy head are not set")
    return actor.staff_id, actor.staff.deputy_grades


async def _classes_in(uow: UnitOfWork, school_id: int, grades: GradeRange) -> list[SchoolClass]:
    return [c for c in await uow.people.classes(school_id) if c.grade in grades]


async def _names(uow: UnitOfWork, school_id: int, ids: Sequence[int]) -> dict[int, StaffMember]:
    return {stored_id(s.id): s for s in await uow.people.staff(school_id, sorted(set(ids)))}


async def lesson_views(
    uow: UnitOfWork, school: School, remarks: Sequence[JournalRemark], clock: Clock | None
) -> list[RemarkView]:
    assert school.id is not None
    staff = await _names(uow, school.id, [x for r in remarks for x in (r.teacher_id, r.deputy_id)])
    now = local_now(clock or SystemClock(), school)
    today = now.date()
    return [
        RemarkView(
            remark=r,
            teacher_name=staff[r.teacher_id].short_name if r.teacher_id in staff else "?",
            deputy_name=staff[r.deputy_id].short_name if r.deputy_id in staff else "?",
            overdue=r.overdue(today),
            written_on=school_time(r.created_at, school.timezone).date(),
        )
        for r in remarks
    ]


async def _remark(uow: UnitOfWork, actor: Actor, remark_id: int) -> JournalRemark:
    """The remark if the actor wrote it or it is addressed to them; a refusal for anything else."""
    staff_id = _staff(actor)
    assert actor.school_id is not None
    if not 0 < remark_id <= MAX_ID:
        raise RemarkRefused()
    remark = await uow.remarks.get(actor.school_id, remark_id)
    if remark is None or staff_id not in (remark.teacher_id, remark.deputy_id):
        raise RemarkRefused()
    return remark


async def _queue(
    uow: UnitOfWork,
    school: School,
    notices: Sequence[Notice],
    now: dt.datetime,
) -> None:
    """Into the outbox in the caller's transaction: kept with the change, or not at all."""
    messages = [
        to_outbox(n, school, now)
        for n in notices
        if n.account.id is not None and n.account.unreachable_at is None
    ]
    if messages:
        await uow.outbox.add(messages)


async def _notices(
    uow: UnitOfWork,
    school: School,
    staff_id: int,
    kind: str,
    key: str,
    lines: tuple[Msg, ...],
    remark: JournalRemark,
) -> list[Notice]:
    assert school.id is not None
    accounts = await uow.accounts.accounts_of(school.id, PersonKind.STAFF, staff_id)
    assert remark.id is not None
    button = ((OPEN_BUTTON, OpenRemark(remark.id)),)
    return [
        Notice(
            account=a,
            school_id=school.id,
            kind=kind,
            dedup_key=f"{key}:{a.id}",
            lines=lines,
            buttons=(button,),
        )
        for a in accounts
    ]


def _day(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def check_text(text: str) -> str:
    """The remark's text, trimmed: 1 to MAX_REMARK_TEXT characters."""
    body = text.strip()
    if not body:
        raise InvalidInput("the remark is empty")
    if len(body) > MAX_REMARK_TEXT:
        raise InvalidInput("the remark is longer than {limit} characters", limit=MAX_REMARK_TEXT)
    return body


# --------------------------------------------------------------------------- the deputy


async def remark_teachers(uow: UnitOfWork, actor: Actor) -> list[TeacherChoice]:
    """Teachers who teach in a class of the deputy's grades (not the deputy themselves)."""
    deputy_id, grades = _deputy(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        classes = sorted(await _classes_in(uow, school.id, grades), key=lambda c: sort_key(c.name))
        taught: dict[int, list[str]] = {}
        for cls in classes:
            assert cls.id is not None
            for a in await uow.journal.assignments_for_class(school.id, cls.id):
                names = taught.setdefault(a.teacher_id, [])
                if cls.name not in names:
                    names.append(cls.name)
        taught.pop(deputy_id, None)
        staff = await _names(uow, school.id, list(taught))
    choices = [
        TeacherChoice(
            staff_id=tid,
            name=staff[tid].full_name,
            classes=", ".join(names),
            person=PersonName.of(staff[tid]),
        )
        for tid, names in taught.items()
        if tid in staff
    ]
    return sorted(choices, key=lambda c: sort_key(c.name))


async def write_remark(
    uow: UnitOfWork,
    actor: Actor,
    teacher_id: int,
    text: str,
    due: dt.date,
    clock: Clock,
) -> JournalRemark:
    """A remark to a teacher of the deputy's grades; the teacher is told in the same transaction."""
    deputy_id, grades = _deputy(actor)
    body = check_text(text)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        now = local_now(clock, school)
        if due < now.date():
            raise InvalidInput("the due date cannot be in the past")
        if teacher_id == deputy_id:
            raise Forbidden("you cannot write a remark to yourself")
        classes = {c.id for c in await _classes_in(uow, school.id, grades)}
        valid = 0 < teacher_id <= MAX_ID
        assignments = await uow.journal.assignments_of(school.id, teacher_id) if valid else []
        if not any(a.class_id in classes for a in assignments):
            raise Forbidden("this teacher does not teach in your grades")
        remark = JournalRemark(
            id=None,
            school_id=school.id,
            deputy_id=deputy_id,
            teacher_id=teacher_id,
            text=body,
            due=due,
            status=RemarkStatus.OPEN,
            created_at=now,
        )
        await uow.remarks.add(remark)
        deputy = actor.staff
        assert deputy is not None
        if school.schedule.private_notifications:
            lines: tuple[Msg, ...] = (
                msg("A new remark from the deputy head about your journal. Open /menu to read it."),
            )
        else:
            lines = (
                msg(
                    "📝 A remark from the deputy head {name} about your journal, "
                    "to fix by {due}:\n{text}",
                    name=PersonName.of(deputy, short=True),
                    due=_day(due),
                    text=body,
                ),
                msg("When it is fixed, open the remark and press «Fixed»."),
            )
        notices = await _notices(
            uow, school, teacher_id, "journal_remark", f"journal_remark:{remark.id}", lines, remark
        )
        await _queue(uow, school, notices, now)
        await uow.commit()
    return remark


async def remarks_by_deputy(
    uow: UnitOfWork, actor: Actor, clock: Clock | None = None
) -> list[RemarkView]:
    """The deputy's own remarks: open first, then those waiting for acceptance, then accepted."""
    deputy_id, _ = _deputy(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        remarks = await uow.remarks.by_deputy(school.id, deputy_id)
        return await lesson_views(uow, school, remarks, clock)


async def accept(uow: UnitOfWork, actor: Actor, remark_id: int, clock: Clock) -> JournalRemark:
    """The deputy who wrote the remark accepts the teacher's fix."""
    async with uow:
        remark = await _remark(uow, actor, remark_id)
        if remark.deputy_id != actor.staff_id or not actor.is_deputy:
            raise RemarkRefused()
        if remark.status is RemarkStatus.ACCEPTED:
            return remark
        if remark.status is not RemarkStatus.FIXED:
            raise Forbidden("the teacher has not marked this remark fixed yet")
        school = await acting_school(uow, actor)
        remark.status = RemarkStatus.ACCEPTED
        remark.accepted_at = local_now(clock, school)
        await uow.remarks.save(remark)
        await uow.commit()
    return remark


async def reopen(
    uow: UnitOfWork,
    actor: Actor,
    remark_id: int,
    clock: Clock,
    due: dt.date | None = None,
) -> JournalRemark:
    """The fix is not enough: the remark is open again and the teacher is told.

    Past its due date, the remark gets REOPEN_DAYS more unless the deputy names a new day.
    """
    async with uow:
        remark = await _remark(uow, actor, remark_id)
        if remark.deputy_id != actor.staff_id or not actor.is_deputy:
            raise RemarkRefused()
        if remark.status is RemarkStatus.OPEN:
            raise Forbidden("the remark is already open")
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        today = now.date()
        if due is not None and due < today:
            raise InvalidInput("the due date cannot be in the past")
        if due is not None:
            remark.due = due
        elif remark.due < today:
            remark.due = today + dt.timedelta(days=REOPEN_DAYS)
        remark.status = RemarkStatus.OPEN
        remark.reopened += 1
        remark.fixed_at = None
        remark.accepted_at = None
        await uow.remarks.save(remark)
        deputy = actor.staff
        assert deputy is not None
        if school.schedule.private_notifications:
            lines: tuple[Msg, ...] = (
                msg("A remark about your journal is open again. Open /menu to read it."),
            )
        else:
            lines = (
                msg(
                    "📝 The deputy head {name} has opened the remark of {day} again, "
                    "to fix by {due}:\n{text}",
                    name=deputy.short_name,
                    day=school_time(remark.created_at, school.timezone).strftime("%d.%m"),
                    due=_day(remark.due),
                    text=remark.text,
                ),
            )
        key = f"journal_remark_reopened:{remark.id}:{remark.reopened}"
        notices = await _notices(
            uow, school, remark.teacher_id, "journal_remark_reopened", key, lines, remark
        )
        await _queue(uow, school, notices, now)
        await uow.commit()
    return remark


# --------------------------------------------------------------------------- the teacher


async def remarks_for_teacher(
    uow: UnitOfWork, actor: Actor, clock: Clock | None = None
) -> list[RemarkView]:
    """Remarks addressed to the actor: open first (earliest due first), then the rest."""
    staff_id = _staff(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        remarks = await uow.remarks.for_teacher(school.id, staff_id)
        return await lesson_views(uow, school, remarks, clock)


async def mark_fixed(uow: UnitOfWork, actor: Actor, remark_id: int, clock: Clock) -> JournalRemark:
    """The addressed teacher says the remark is fixed; the deputy is told, to accept or reopen."""
    async with uow:
        remark = await _remark(uow, actor, remark_id)
        if remark.teacher_id != actor.staff_id:
            raise RemarkRefused()
        if remark.status is not RemarkStatus.OPEN:
            return remark  # a second tap changes nothing and tells nobody twice
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        remark.status = RemarkStatus.FIXED
        remark.fixed_at = now
        await uow.remarks.save(remark)
        teacher = actor.staff
        assert teacher is not None
        if school.schedule.private_notifications:
            lines: tuple[Msg, ...] = (
                msg("A teacher has fixed a remark. Open /menu to accept it."),
            )
        else:
            lines = (
                msg(
                    "✅ {name} has fixed the remark of {day}:\n{text}",
                    name=teacher.short_name,
                    day=school_time(remark.created_at, school.timezone).strftime("%d.%m"),
                    text=remark.text,
                ),
                msg("Open the remark to accept it or to open it again."),
            )
        key = f"journal_remark_fixed:{remark.id}:{remark.reopened}"
        notices = await _notices(
            uow, school, remark.deputy_id, "journal_remark_fixed", key, lines, remark
        )
        await _queue(uow, school, notices, now)
        await uow.commit()
    return remark


# --------------------------------------------------------------------------- both


async def remark_detail(
    uow: UnitOfWork, actor: Actor, remark_id: int, clock: Clock | None = None
) -> RemarkView:
    """One remark, for the teacher it is addressed to or the deputy who wrote it."""
    async with uow:
        remark = await _remark(uow, actor, remark_id)
        school = await acting_school(uow, actor)
        [view] = await lesson_views(uow, school, [remark], clock)
    return view


async def remarks_summary(uow: UnitOfWork, actor: Actor) -> RemarksSummary:
    """What the menu shows: remarks to the actor (open ones counted) and remarks written."""
    if actor.staff_id is None or actor.school_id is None:
        return RemarksSummary(0, 0, 0)
    async with uow:
        mine = await uow.remarks.for_teacher(actor.school_id, actor.staff_id)
        written = (
            await uow.remarks.by_deputy(actor.school_id, actor.staff_id) if actor.is_deputy else []
        )
    return RemarksSummary(len(mine), sum(1 for r in mine if r.is_open), len(written))


# --------------------------------------------------------------------------- the morning job


class OverdueRemarks(DailyJob):
    """At 09:00 on school days each teacher hears of their open remarks past the due date, and
    each deputy gets the list of their overdue remarks, in one notice a day."""

    name = "overdue_remarks"
    at = REMIND_AT

    async def notices(
        self, uow: UnitOfWork, school: School, period_key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        day = dt.date.fromisoformat(period_key)
        overdue = await uow.remarks.open_due_before(school.id, day)
        if not overdue:
            return []
        staff = await _names(
            uow, school.id, [x for r in overdue for x in (r.teacher_id, r.deputy_id)]
        )
        private = school.schedule.private_notifications
        by_teacher: dict[int, list[JournalRemark]] = {}
        by_deputy: dict[int, list[JournalRemark]] = {}
        for r in overdue:
            by_teacher.setdefault(r.teacher_id, []).append(r)
            by_deputy.setdefault(r.deputy_id, []).append(r)
        result: list[Notice] = []
        for teacher_id, remarks in sorted(by_teacher.items()):
            if private:
                lines: tuple[Msg, ...] = (
                    msg(
                        "Remarks about your journal are overdue: {count}. Open /menu to see them.",
                        count=len(remarks),
                    ),
                )
            else:
                lines = (
                    msg("⏰ Overdue remarks about your journal: {count}", count=len(remarks)),
                    *(
                        msg("• due {due}: {text}", due=_day(r.due), text=preview(r.text))
                        for r in remarks
                    ),
                    msg("When one is fixed, open it from /menu and press «Fixed»."),
                )
            result += await self._to(uow, school, teacher_id, "teacher", period_key, lines)
        for deputy_id, remarks in sorted(by_deputy.items()):
            if private:
                lines = (
                    msg(
                        "Remarks you wrote are overdue: {count}. Open /menu to see them.",
                        count=len(remarks),
                    ),
                )
            else:
                lines = (
                    msg("⏰ Overdue remarks you wrote: {count}", count=len(remarks)),
                    *(
                        msg(
                            "• {teacher}, due {due}: {text}",
                            teacher=staff[r.teacher_id].short_name
                            if r.teacher_id in staff
                            else "?",
                            due=_day(r.due),
                            text=preview(r.text),
                        )
                        for r in remarks
                    ),
                )
            result += await self._to(uow, school, deputy_id, "deputy", period_key, lines)
        for r in overdue:
            r.last_reminded_at = now
            await uow.remarks.save(r)
        return result

    async def _to(
        self,
        uow: UnitOfWork,
        school: School,
        staff_id: int,
        role: str,
        period_key: str,
        lines: tuple[Msg, ...],
    ) -> list[Notice]:
        assert school.id is not None
        return [
            Notice(
                account=account,
                school_id=school.id,
                kind=self.name,
                dedup_key=f"{self.name}:{school.id}:{period_key}:{role}:{account.id}",
                lines=lines,
            )
            for account in await uow.accounts.accounts_of(school.id, PersonKind.STAFF, staff_id)
        ]

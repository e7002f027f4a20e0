"""The diary of a guardian's child, or of a pupil of 14+ (read only): marks with forecasts,
absences with reasons, homework, remarks. Every read checks that the child is the actor's own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from domain.errors import Forbidden, InvalidInput
from domain.family import AbsenceCode, AbsenceReport, ReportedReason, TermAcknowledgement
from domain.forecast import Forecast, MarkInPeriod, forecast
from domain.grading import term_marks_shown
from domain.journal import Attendance, Lesson, homework_due, school_days
from domain.model import (
    Grading,
    Period,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    TimetableSlot,
)
from domain.people import Actor
from domain.ports import Clock, UnitOfWork
from domain.usecases.kernel import acting_school, current_period, local_now, school_id

MAX_REPORT_DAYS = 30
MAX_REPORT_TEXT = 500
HOMEWORK_LOOKBACK_DAYS = 21  # how far back a subject's last lesson is looked for


class NotYourChild(Forbidden):
    message = "this is not your child"


def children(actor: Actor) -> list[Pupil]:
    """Whose diary the actor may read: a guardian's children, or the pupil themself."""
    if actor.pupil is not None:
        return [actor.pupil]
    return list(actor.children)


def own_child(actor: Actor, pupil_id: int) -> Pupil:
    """The child if it is the actor's own (or the pupil themself); a refusal otherwise."""
    for pupil in children(actor):
        if pupil.id == pupil_id:
            return pupil
    raise NotYourChild()


class MarkComment(NamedTuple):
    """A teacher's comment to a mark: the teacher's own text, for the family to read (in the
    diary and the digest; never in a notification in the school's privacy mode)."""

    day: dt.date
    value: str
    work_kind: str  # its name
    text: str


@dataclass(slots=True)
class SubjectMarks:
    subject: Subject
    marks: list[tuple[dt.date, str, str]]  # (day, value, work kind name)
    forecast: Forecast | None
    term_mark: str | None = None
    comments: list[MarkComment] = field(default_factory=list)  # of the marks listed, in order


@dataclass(slots=True)
class DiaryMarks:
    pupil: Pupil
    school_class: SchoolClass
    period: Period
    subjects: list[SubjectMarks]
    periods: list[Period] = field(default_factory=list)
    kind_names: dict[str, str] = field(default_factory=dict)


async def _class_of(uow: UnitOfWork, school: School, pupil: Pupil, day: dt.date) -> SchoolClass:
    assert school.id is not None and pupil.id is not None
    cls = await uow.people.class_of_pupil(school.id, pupil.id, day)
    if cls is None:
        raise Forbidden("the pupil is not in a class on this day")
    return cls


async def _child_today(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock
) -> tuple[Pupil, School, dt.date, SchoolClass]:
    """The actor's own child (else refused), the school, its today and the child's class."""
    pupil = own_child(actor, pupil_id)
    school = await acting_school(uow, actor)
    today = local_now(clock, school).date()
    return pupil, school, today, await _class_of(uow, school, pupil, today)


async def _school_days(
    uow: UnitOfWork, school: School, grade: int, first: dt.date, last: dt.date
) -> list[dt.date]:
    assert school.id is not None
    holidays = await uow.journal.holidays(school.id)
    return school_days(first, last, grade, holidays, school.schedule.six_day_week)


async def subject_forecasts(
    uow: UnitOfWork,
    school: School,
    pupil: Pupil,
    cls: SchoolClass,
    period: Period,
    today: dt.date,
) -> list[SubjectMarks]:
    """Marks by subject in the period with the forecast for each; used by diary and digest."""
    assert school.id is not None and pupil.id is not None and cls.id is not None
    last = min(period.ends, today)
    marked = await uow.family.marks_of_pupils(school.id, [pupil.id], period.starts, last)
    kinds = {k.code: k for k in await uow.schools.work_kinds(school.id)}
    lessons = await uow.family.lessons_of_class(school.id, cls.id, period.starts, last)
    member_of = {g for g, p in await _memberships(uow, school.id, pupil.id)}
    own = [x for x in lessons if x.subgroup_id is None or x.subgroup_id in member_of]
    absences = {
        a.lesson_id
        for a, _ in await uow.family.attendance_of_pupils(
            school.id, [pupil.id], period.starts, last
        )
        if a.status is Attendance.ABSENT
    }
    slots = [
        s
        for s in await uow.journal.timetable(school.id)
        if s.class_id == cls.id and (s.subgroup_id is None or s.subgroup_id in member_of)
    ]
    future_days = await _school_days(
        uow, school, cls.grade, today + dt.timedelta(days=1), period.ends
    )
    hours: dict[int, Decimal] = defaultdict(Decimal)
    assignments = await uow.journal.assignments_for_class(school.id, cls.id)
    for a in assignments:
        if a.subgroup_id is None or a.subgroup_id in member_of:
            hours[a.subject_id] = max(hours[a.subject_id], a.hours_per_week)
    subject_ids = sorted(
        {x.subject_id for x in own} | {mk[1].subject_id for mk in marked} | set(hours)
    )
    subjects = {s.id: s for s in await uow.people.subjects(school.id, subject_ids)}
    # Families see term marks from the period's last week on; a range of days a report makes up
    # is no stored period (no id) and has none.
    terms = (
        {
            t.subject_id: t.value
            for t in await uow.family.term_marks_of_pupils(school_id(school), [pupil.id], period.id)
        }
        if period.id is not None and term_marks_shown(period.ends, today)
        else {}
    )
    result = []
    for subject_id in subject_ids:
        subject = subjects.get(subject_id)
        if subject is None:
            continue
        mine = [(mk, lesson) for mk, lesson in marked if lesson.subject_id == subject_id]
        held = [x for x in own if x.subject_id == subject_id and x.attendance_taken]
        missed = sum(1 for x in held if x.id in absences)
        left = sum(
            1
            for day in future_days
            for s in slots
            if s.subject_id == subject_id and s.valid_on(day)
        )
        prediction = None
        if subject.grading is Grading.MARKS:
            prediction = forecast(
                [
                    MarkInPeriod(
                        mk.value,
                        mk.work_kind,
                        kinds[mk.work_kind].weight if mk.work_kind in kinds else Decimal(1),
                    )
                    for mk, _ in mine
                ],
                settings=school.grading,
                hours_per_week=hours.get(subject_id, Decimal(1)),
                lessons_held=len(held),
                lessons_missed=missed,
                lessons_left=left,
            )
        shown = [
            (
                lesson.day,
                mk.value,
                kinds[mk.work_kind].name if mk.work_kind in kinds else mk.work_kind,
            )
            for mk, lesson in mine
        ]
        result.append(
            SubjectMarks(
                subject=subject,
                marks=shown,
                forecast=prediction,
                term_mark=terms.get(subject_id),
                comments=[
                    MarkComment(day=day, value=value, work_kind=kind, text=mk.comment)
                    for (day, value, kind), (mk, _) in zip(shown, mine, strict=True)
                    if mk.comment
                ],
            )
        )
    return sorted(result, key=lambda s: s.subject.name.casefold())


async def _memberships(uow: UnitOfWork, school_id: int, pupil_id: int) -> list[tuple[int, int]]:
    return [(g, pupil_id) for g in await uow.people.subgroups_of_pupil(school_id, pupil_id)]


async def diary_marks(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock, period_id: int | None = None
) -> DiaryMarks:
    async with uow:
        pupil, school, today, cls = await _child_today(uow, actor, pupil_id, clock)
        periods = [
            p
            for p in await uow.journal.periods(school_id(school))
            if cls.grade in p.grades and p.kind != "year" and p.starts <= today
        ]
        if period_id is not None:
            period = next((p for p in periods if p.id == period_id), None)
            if period is None:
                raise Forbidden("there is no such period for this class")
        else:
            period = current_period(periods, cls.grade, today)
            if period is None:
                raise Forbidden("there is no period for this class yet")
        subjects = await subject_forecasts(uow, school, pupil, cls, period, today)
        names = {k.code: k.name for k in await uow.schools.work_kinds(school_id(school))}
    return DiaryMarks(
        pupil=pupil,
        school_class=cls,
        period=period,
        subjects=subjects,
        periods=periods,
        kind_names=names,
    )


@dataclass(slots=True)
class AbsenceDay:
    day: dt.date
    lessons: list[str]  # subject names of the lessons missed
    late: list[str]
    code: AbsenceCode | None  # the class teacher's reason
    reported: ReportedReason | None  # what the guardian reported ahead


async def diary_absences(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock, days: int = 30
) -> list[AbsenceDay]:
    async with uow:
        pupil = own_child(actor, pupil_id)
        school = await acting_school(uow, actor)
        assert school.id is not None and pupil.id is not None
        today = local_now(clock, school).date()
        first = today - dt.timedelta(days=days)
        entries = await uow.family.attendance_of_pupils(school.id, [pupil.id], first, today)
        reasons = {
            r.day: r.code
            for r in await uow.family.absence_reasons(school.id, [pupil.id], first, today)
        }
        reports = await uow.family.absence_reports(school.id, [pupil.id], first, today)
        subject_ids = sorted({lesson.subject_id for _, lesson in entries})
        names = {s.id: s.name for s in await uow.people.subjects(school.id, subject_ids)}
    by_day: dict[dt.date, AbsenceDay] = {}
    for entry, lesson in entries:
        item = by_day.setdefault(
            lesson.day,
            AbsenceDay(
                day=lesson.day,
                lessons=[],
                late=[],
                code=reasons.get(lesson.day),
                reported=next((r.reason for r in reports if r.covers(lesson.day)), None),
            ),
        )
        target = item.lessons if entry.status is Attendance.ABSENT else item.late
        target.append(names.get(lesson.subject_id, "?"))
    return sorted(by_day.values(), key=lambda d: d.day, reverse=True)


@dataclass(slots=True)
class HomeworkLine:
    day: dt.date
    subject: str
    text: str


async def diary_homework(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock, week: bool = False
) -> list[HomeworkLine]:
    """Homework set for the next school day (or the coming week), as teachers entered it."""
    async with uow:
        pupil, school, today, cls = await _child_today(uow, actor, pupil_id, clock)
        assert school.id is not None and pupil.id is not None
        first = today - dt.timedelta(days=HOMEWORK_LOOKBACK_DAYS)
        taught = await _school_days(uow, school, cls.grade, first, today + dt.timedelta(days=14))
        days = [d for d in taught if d > today]
        if not days:
            return []
        last = days[min(len(days) - 1, 5 if week else 0)]
        # Homework is set at a lesson for the subject's next one: each lesson between tomorrow
        # and `last` (by the timetable) shows what the subject's lesson just before it set.
        member_of = {g for g, _ in await _memberships(uow, school.id, pupil.id)}
        slots = [
            x
            for x in await uow.journal.timetable(school.id)
            if x.class_id == cls.id and (x.subgroup_id is None or x.subgroup_id in member_of)
        ]
        assert cls.id is not None
        lessons = [
            x
            for x in await uow.family.lessons_of_class(school_id(school), cls.id, first, last)
            if x.subgroup_id is None or x.subgroup_id in member_of
        ]
        names = {
            s.id: s.name
            for s in await uow.people.subjects(school.id, sorted({x.subject_id for x in slots}))
        }
    lesson_days: dict[int, set[dt.date]] = defaultdict(set)
    for day in taught:
        for slot in slots:
            if slot.valid_on(day):
                lesson_days[slot.subject_id].add(day)
    for lesson in lessons:
        lesson_days[lesson.subject_id].add(lesson.day)
    upcoming = sorted(
        {(day, x.subject_id) for day in days if day <= last for x in slots if x.valid_on(day)}
    )
    lines = []
    for day, subject_id in upcoming:
        mine = [x for x in lessons if x.subject_id == subject_id]
        text = homework_due(day, lesson_days[subject_id], mine)
        if text:
            lines.append(HomeworkLine(day, names.get(subject_id, "?"), text))
    return lines


async def report_absence(
    uow: UnitOfWork,
    actor: Actor,
    pupil_id: int,
    starts: dt.date,
    ends: dt.date,
    reason: ReportedReason,
    text: str,
    clock: Clock,
) -> AbsenceReport:
    """A guardian says ahead that the child will be away; the class teacher gets it."""
    if not actor.is_guardian or actor.guardian is None:
        raise Forbidden("only a guardian can report an absence")
    body = " ".join(text.split())
    if len(body) > MAX_REPORT_TEXT:
        raise InvalidInput("the text is longer than {limit} characters", limit=MAX_REPORT_TEXT)
    if ends < starts:
        raise InvalidInput("the absence ends before it starts")
    if (ends - starts).days >= MAX_REPORT_DAYS:
        raise InvalidInput(
            "an absence can be reported for {days} days at most", days=MAX_REPORT_DAYS
        )
    async with uow:
        pupil = own_child(actor, pupil_id)
        school = await acting_school(uow, actor)
        assert school.id is not None and pupil.id is not None and actor.guardian.id is not None
        now = local_now(clock, school)
        if starts < now.date() - dt.timedelta(days=7):
            raise InvalidInput("an absence more than a week ago is settled with the class teacher")
        report = AbsenceReport(
            id=None,
            school_id=school.id,
            pupil_id=pupil.id,
            guardian_id=actor.guardian.id,
            starts=starts,
            ends=ends,
            reason=ReportedReason(reason),
            text=body,
            created_at=now,
        )
        await uow.family.add_absence_report(report)
        await uow.commit()
    return report


async def acknowledge_term_marks(
    uow: UnitOfWork, actor: Actor, ack_id: int, clock: Clock
) -> TermAcknowledgement:
    """«Ознакомлен(а)»: stored with its time; only the guardian it was sent to can press it."""
    if actor.guardian is None or actor.school_id is None:
        raise Forbidden("only a guardian can acknowledge term marks")
    async with uow:
        ack = await uow.family.acknowledgement(actor.school_id, ack_id)
        if ack is None or ack.guardian_id != actor.guardian.id:
            raise Forbidden("this acknowledgement is not yours")
        if ack.acknowledged_at is None:
            ack.acknowledged_at = clock.now()
            ack.account_id = actor.account.id
            await uow.family.save_acknowledgements([ack])
            await uow.commit()
    return ack


async def update_settings(
    uow: UnitOfWork,
    actor: Actor,
    *,
    notify_marks: bool | None = None,
    charts: bool | None = None,
    quiet: tuple[dt.time, dt.time] | None = None,
) -> None:
    account = actor.account
    if account.id is None:
        raise Forbidden("you are not linked to a school yet; open the invitation link")
    async with uow:
        if notify_marks is not None:
            account.notify_marks = notify_marks
        if charts is not None:
            account.charts = charts
        if quiet is not None:
            account.quiet_from, account.quiet_to = quiet
        await uow.accounts.update(account)
        await uow.commit()


@dataclass(frozen=True, slots=True)
class ClassTeacherContact:
    """Whom a family asks about what a teacher wrote: the child's class teacher, and how the
    school is reached (replies in the bot itself come with the conversations)."""

    class_name: str
    teacher: str | None  # the full name; None when the class has none in the journal
    school_contacts: str


async def class_teacher_contact(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock
) -> ClassTeacherContact:
    """The button under a digest with a teacher's word: the own child's class teacher."""
    async with uow:
        _, school, _, cls = await _child_today(uow, actor, pupil_id, clock)
        assert school.id is not None
        teacher = None
        if cls.class_teacher_id is not None:
            staff = {s.id: s for s in await uow.people.all_staff(school.id)}
            member = staff.get(cls.class_teacher_id)
            teacher = member.full_name if member is not None else None
    return ClassTeacherContact(
        class_name=cls.name, teacher=teacher, school_contacts=school.help_contacts or ""
    )


# --------------------------------------------------------------------------- the day view


class NoSuchSchoolDay(Forbidden):
    message = "there are no lessons of the child's on this day"


@dataclass(frozen=True, slots=True)
class DayMark:
    value: str
    work_kind: str  # its name
    comment: str  # the teacher's own text, "" when none


@dataclass(slots=True)
class DayLesson:
    """One lesson of the child's school day, as the timetable has it or as it was given."""

    number: int
    starts: dt.time | None
    ends: dt.time | None
    subject: str
    topic: str
    homework: str | None  # what was set for this lesson (homework_due)
    attendance: Attendance | None
    marks: list[DayMark] = field(default_factory=list)


@dataclass(slots=True)
class DiaryDay:
    pupil: Pupil
    school_class: SchoolClass
    day: dt.date
    today: dt.date
    lessons: list[DayLesson]
    previous: dt.date | None  # the child's school day before, within the school year
    following: dt.date | None
    code: AbsenceCode | None  # the class teacher's reason, when the child missed lessons
    reported: ReportedReason | None  # what the guardian reported ahead for the day


def school_year_span(periods: list[Period], grade: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days the grade has lessons in this school year: from its first period's start to its
    last one's end (1 September to 31 August when no period is set)."""
    first, last = SchoolYear.bounds_for(today)
    mine = [p for p in periods if grade in p.grades and first <= p.starts <= last]
    terms = [p for p in mine if p.kind != "year"] or mine
    if not terms:
        return first, last
    return min(p.starts for p in terms), max(p.ends for p in terms)


def days_with_lessons(
    days: list[dt.date], slots: list[TimetableSlot], periods: list[Period], grade: int
) -> list[dt.date]:
    """The school days on which the timetable gives the class a lesson within a period."""
    mine = [p for p in periods if grade in p.grades]
    terms = [p for p in mine if p.kind != "year"] or mine
    return [
        d
        for d in days
        if any(s.valid_on(d) for s in slots) and (not terms or any(p.covers(d) for p in terms))
    ]


def day_to_show(lesson_days: list[dt.date], today: dt.date) -> dt.date | None:
    """Today when the child has lessons, else the last such day before it (the first one of the
    year when there is none before)."""
    before = [d for d in lesson_days if d <= today]
    if before:
        return before[-1]
    return lesson_days[0] if lesson_days else None


async def diary_day(
    uow: UnitOfWork, actor: Actor, pupil_id: int, clock: Clock, day: dt.date | None = None
) -> DiaryDay:
    """The child's school day (today's or the last one by default): each lesson with its topic,
    the homework set for it, the child's attendance and marks. A day that is not one of the
    child's school days of this year is refused."""
    async with uow:
        pupil, school, today, cls = await _child_today(uow, actor, pupil_id, clock)
        assert school.id is not None and pupil.id is not None
        periods = await uow.journal.periods(school.id)
        first, last = school_year_span(periods, cls.grade, today)
        member_of = {g for g, _ in await _memberships(uow, school.id, pupil.id)}
        slots = [
            x
            for x in await uow.journal.timetable(school.id)
            if x.class_id == cls.id and (x.subgroup_id is None or x.subgroup_id in member_of)
        ]
        taught = await _school_days(uow, school, cls.grade, first, last)
        lesson_days = days_with_lessons(taught, slots, periods, cls.grade)
        shown = day_to_show(lesson_days, today) if day is None else day
        if shown is None or shown not in lesson_days:
            raise NoSuchSchoolDay()
        lookback = shown - dt.timedelta(days=HOMEWORK_LOOKBACK_DAYS)
        assert cls.id is not None
        given = [
            x
            for x in await uow.family.lessons_of_class(school_id(school), cls.id, lookback, shown)
            if x.subgroup_id is None or x.subgroup_id in member_of
        ]
        marks = await uow.family.marks_of_pupils(school.id, [pupil.id], shown, shown)
        attendance = await uow.family.attendance_of_pupils(school.id, [pupil.id], shown, shown)
        reasons = await uow.family.absence_reasons(school.id, [pupil.id], shown, shown)
        reports = await uow.family.absence_reports(school.id, [pupil.id], shown, shown)
        subject_ids = sorted({x.subject_id for x in slots} | {x.subject_id for x in given})
        names = {s.id: s.name for s in await uow.people.subjects(school.id, subject_ids)}
        kinds = {k.code: k.name for k in await uow.schools.work_kinds(school.id)}
        bells = {b.lesson: b for b in await uow.journal.bells(school.id) if b.shift == 1}
    index = lesson_days.index(shown)
    status = {entry.lesson_id: entry.status for entry, _ in attendance}
    by_lesson: dict[int | None, list[DayMark]] = defaultdict(list)
    for mk, marked in sorted(marks, key=lambda m: m[0].created_at):
        by_lesson[marked.id].append(
            DayMark(
                value=mk.value,
                work_kind=kinds.get(mk.work_kind, mk.work_kind),
                comment=mk.comment,
            )
        )
    recent = [d for d in lesson_days if lookback <= d < shown]
    result = []
    homework_told: set[int] = set()  # a subject's second lesson of the day repeats nothing
    for number, subject_id, lesson in _lessons_of_day(shown, slots, given):
        bell = bells.get(number)
        subject_days = {
            d for d in recent if any(s.subject_id == subject_id and s.valid_on(d) for s in slots)
        }
        subject_days |= {x.day for x in given if x.subject_id == subject_id}
        result.append(
            DayLesson(
                number=number,
                starts=bell.starts if bell else None,
                ends=bell.ends if bell else None,
                subject=names.get(subject_id, "?"),
                topic=lesson.topic if lesson else "",
                homework=None
                if subject_id in homework_told
                else homework_due(
                    shown, subject_days, [x for x in given if x.subject_id == subject_id]
                ),
                attendance=status.get(lesson.id) if lesson and lesson.id is not None else None,
                marks=by_lesson.get(lesson.id, []) if lesson else [],
            )
        )
        homework_told.add(subject_id)
    return DiaryDay(
        pupil=pupil,
        school_class=cls,
        day=shown,
        today=today,
        lessons=result,
        previous=lesson_days[index - 1] if index > 0 else None,
        following=lesson_days[index + 1] if index + 1 < len(lesson_days) else None,
        code=reasons[0].code if reasons else None,
        reported=next((r.reason for r in reports if r.covers(shown)), None),
    )


def _lessons_of_day(
    day: dt.date, slots: list[TimetableSlot], given: list[Lesson]
) -> list[tuple[int, int, Lesson | None]]:
    """(number, subject, the lesson as given or None) of a day, in order: the lessons given,
    and the timetable's lessons not given (yet)."""
    held = [x for x in given if x.day == day]
    taken = {(x.lesson_number, x.subject_id) for x in held}
    slots_ids = {x.slot_id for x in held if x.slot_id is not None}
    planned: list[tuple[int, int, Lesson | None]] = [
        (s.lesson, s.subject_id, None)
        for s in slots
        if s.valid_on(day) and s.id not in slots_ids and (s.lesson, s.subject_id) not in taken
    ]
    items: list[tuple[int, int, Lesson | None]] = [(x.lesson_number, x.subject_id, x) for x in held]
    return sorted(items + planned, key=lambda item: (item[0], item[1]))

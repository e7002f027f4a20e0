"""Deputy control: overdue entries by the regulation's deadlines, the morning summary with a
«remind» button, and the control figures per teacher and per class."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from domain.clock import school_time
from domain.errors import Forbidden
from domain.intents import RemindTeacher
from domain.journal import EntryKind, Lesson, end_of_day, entry_deadline, last_lesson_end
from domain.model import ALL_GRADES, GradeRange, Grading, PeriodKind, School, StaffMember
from domain.people import Actor, PersonKind
from domain.ports import Clock, UnitOfWork
from domain.text import strong
from domain.usecases.kernel import (
    acting_school,
    current_period,
    local_now,
    materialise_lessons,
    stored_id,
)
from domain.usecases.scheduling import (
    DailyJob,
    Msg,
    Notice,
    msg,
    to_outbox,
)

LOOK_BACK_DAYS = 30
WRITTEN_WORDS = (
    "контрол",
    "самостоят",
    "диктант",
    "сочинен",
    "изложен",
    "провероч",
    "тест",
    "практическ",
    "лаборатор",
    "зачёт",
    "зачет",
    "экзамен",
    "control",
    "test",
)


def N_(msgid: str) -> str:  # gettext's marker: translated when rendered
    return msgid


# What a lesson lacks, as the teacher's reminder names it.
MISSING_ATTENDANCE = N_("attendance")
MISSING_TOPIC = N_("topic")
MISSING_HOMEWORK = N_("homework")
MISSING_MARKS = N_("marks for the written work")
REMINDER_LESSONS = 25  # lessons a reminder names one by one; the rest are counted


class OverdueKind(enum.StrEnum):
    FACTS = "facts"  # topic or attendance after 24:00
    HOMEWORK = "homework"  # 2 hours after the class's last lesson
    WRITTEN_MARKS = "written_marks"  # a written work without marks after 5 or 7 days
    TERM_MARKS = "term_marks"  # on the period's last day


@dataclass(frozen=True, slots=True)
class OverdueEntry:
    teacher_id: int
    kind: OverdueKind
    title: str  # class · subject
    day: dt.date
    count: int = 1
    missing: tuple[str, ...] = ()  # msgids of what the lesson lacks: attendance, topic, …
    lesson_number: int | None = None  # of a lesson's entry; None for term marks


def is_written(kind_or_topic: str) -> bool:
    text = kind_or_topic.casefold()
    return any(word in text for word in WRITTEN_WORDS)


def _deputy_grades(actor: Actor) -> GradeRange:
    if not actor.is_deputy or actor.staff is None or actor.staff.deputy_grades is None:
        raise Forbidden("only a deputy head can see this")
    return actor.staff.deputy_grades


async def find_overdue(
    uow: UnitOfWork,
    school: School,
    now: dt.datetime,
    *,
    grades: GradeRange = ALL_GRADES,
    teacher_id: int | None = None,
    days: int = LOOK_BACK_DAYS,
) -> list[OverdueEntry]:
    """Everything past its deadline, as of `now`, for lessons of the last `days` days."""
    assert school.id is not None
    today = school_time(now, school.timezone).date()
    first = today - dt.timedelta(days=days)
    slots = await uow.journal.timetable(school.id)
    day = first
    while day <= today:
        await materialise_lessons(uow, school, day, slots)
        day += dt.timedelta(days=1)
    classes = {c.id: c for c in await uow.people.classes(school.id)}
    subjects = {
        s.id: s for s in await uow.people.subjects(school.id, sorted({s.subject_id for s in slots}))
    }
    lessons = [
        x
        for x in await uow.journal.lessons_between(school.id, first, today)
        if x.class_id in classes and classes[x.class_id].grade in grades
    ]
    if teacher_id is not None:
        lessons = [x for x in lessons if x.acting_teacher_id == teacher_id]
    bells = await uow.journal.bells(school.id)
    last_number: dict[tuple[int, dt.date], int] = {}
    for x in lessons:
        key = (x.class_id, x.day)
        last_number[key] = max(last_number.get(key, 0), x.lesson_number)
    plan_kinds = await _plan_kinds(uow, school, lessons)
    written = await _written_kinds(uow, school)
    all_marks = await uow.journal.marks([x.id for x in lessons if x.id])
    marked = {mk.lesson_id for mk in all_marks}
    written_marks = {mk.lesson_id for mk in all_marks if mk.work_kind in written}
    found: list[OverdueEntry] = []
    for x in lessons:
        cls = classes[x.class_id]
        subject = subjects.get(x.subject_id)
        if subject is None:
            continue
        title = f"{cls.name} · {subject.name}"
        teacher = x.acting_teacher_id
        facts = tuple(
            word
            for word, there in ((MISSING_ATTENDANCE, x.attendance_taken), (MISSING_TOPIC, x.topic))
            if not there
        )
        if facts and now >= end_of_day(x.day, school.timezone):
            found.append(
                OverdueEntry(
                    teacher_id=teacher, kind=OverdueKind.FACTS, title=title, day=x.day,
                    missing=facts, lesson_number=x.lesson_number,
                )
            )  # fmt: skip
        ends = last_lesson_end([last_number[(x.class_id, x.day)]], bells)
        homework_due = entry_deadline(
            EntryKind.HOMEWORK, x.day, school.timezone, last_lesson_ends=ends
        )
        if x.homework is None and now >= homework_due:
            found.append(
                OverdueEntry(
                    teacher_id=teacher, kind=OverdueKind.HOMEWORK, title=title, day=x.day,
                    missing=(MISSING_HOMEWORK,), lesson_number=x.lesson_number,
                )
            )  # fmt: skip
        kind = plan_kinds.get(x.plan_topic_id or -1, "")
        if subject.grading is Grading.MARKS and is_written(kind) and x.id not in written_marks:
            due = entry_deadline(EntryKind.WRITTEN_MARK, x.day, school.timezone, grade=cls.grade)
            if now >= due and x.id not in marked:
                found.append(
                    OverdueEntry(
                        teacher_id=teacher, kind=OverdueKind.WRITTEN_MARKS, title=title,
                        day=x.day, missing=(MISSING_MARKS,), lesson_number=x.lesson_number,
                    )
                )  # fmt: skip
    found += await _term_overdue(uow, school, now, today, grades, teacher_id)
    return found


async def _written_kinds(uow: UnitOfWork, school: School) -> set[str]:
    assert school.id is not None
    return {k.code for k in await uow.schools.work_kinds(school.id) if k.written}


async def _plan_kinds(uow: UnitOfWork, school: School, lessons: Sequence[Lesson]) -> dict[int, str]:
    assert school.id is not None
    kinds: dict[int, str] = {}
    seen: set[tuple[int, int]] = set()
    classes = {c.id: c for c in await uow.people.classes(school.id)}
    for x in lessons:
        if x.plan_topic_id is None or (x.subject_id, x.class_id) in seen:
            continue
        seen.add((x.subject_id, x.class_id))
        for topic in await uow.journal.plan(
            school.id, x.subject_id, x.class_id, classes[x.class_id].grade
        ):
            kinds[stored_id(topic.id)] = f"{topic.work_kind} {topic.topic}"
    return kinds


async def _term_overdue(
    uow: UnitOfWork,
    school: School,
    now: dt.datetime,
    today: dt.date,
    grades: GradeRange,
    teacher_id: int | None,
) -> list[OverdueEntry]:
    assert school.id is not None
    result = []
    periods = [
        p
        for p in await uow.journal.periods(school.id)
        if p.kind != PeriodKind.YEAR
        and p.ends <= today <= p.ends + dt.timedelta(days=30)
        and now >= end_of_day(p.ends, school.timezone)
    ]
    if not periods:
        return []
    classes = {c.id: c for c in await uow.people.classes(school.id)}
    assignments = await uow.journal.all_assignments(school.id)
    subjects = {
        s.id: s
        for s in await uow.people.subjects(school.id, sorted({a.subject_id for a in assignments}))
    }
    for period in periods:
        for a in assignments:
            cls = classes.get(a.class_id)
            subject = subjects.get(a.subject_id)
            if cls is None or subject is None or cls.grade not in grades:
                continue
            if cls.grade not in period.grades or subject.grading is Grading.NONE:
                continue
            if teacher_id is not None and a.teacher_id != teacher_id:
                continue
            pupils = [
                p
                for p in await uow.people.roster(
                    school.id,
                    stored_id(cls.id),
                    a.subgroup_id,
                    period.ends,
                )
                if p.in_journal(period.ends)
            ]
            have = {
                t.pupil_id
                for t in await uow.journal.term_marks(
                    school.id,
                    stored_id(period.id),
                    a.subject_id,
                    [stored_id(p.id) for p in pupils],
                )
            }
            lacking = [p for p in pupils if p.id not in have]
            if lacking:
                result.append(
                    OverdueEntry(
                        teacher_id=a.teacher_id,
                        kind=OverdueKind.TERM_MARKS,
                        title=f"{cls.name} · {subject.name}",
                        day=period.ends,
                        count=len(lacking),
                    )
                )
    return result


KIND_TEXT = {
    OverdueKind.FACTS: N_("• lessons without attendance or topic: {count} ({where})"),
    OverdueKind.HOMEWORK: N_("• lessons without homework: {count} ({where})"),
    OverdueKind.WRITTEN_MARKS: N_("• written works without marks: {count} ({where})"),
    OverdueKind.TERM_MARKS: N_("• term marks missing: {count} ({where})"),
}


def summary_lines(entries: Sequence[OverdueEntry]) -> list[Msg]:
    """One line per kind, with the lessons it concerns."""
    lines = []
    by_kind: dict[OverdueKind, list[OverdueEntry]] = defaultdict(list)
    for e in entries:
        by_kind[e.kind].append(e)
    for kind in OverdueKind:
        items = by_kind.get(kind, [])
        if not items:
            continue
        where = ", ".join(sorted({f"{e.title} {e.day:%d.%m}" for e in items})[:8])
        lines.append(msg(KIND_TEXT[kind], count=sum(e.count for e in items), where=where))
    return lines


def overdue_items(entries: Sequence[OverdueEntry]) -> int:
    """How many lessons and courses (for term marks) the entries concern."""
    lessons = {_lesson_key(e) for e in entries if e.kind is not OverdueKind.TERM_MARKS}
    return len(lessons) + sum(1 for e in entries if e.kind is OverdueKind.TERM_MARKS)


def _lesson_key(e: OverdueEntry) -> tuple[dt.date, int, str]:
    return (e.day, e.lesson_number or 0, e.title)


def reminder_lines(entries: Sequence[OverdueEntry]) -> list[Msg]:
    """One line per lesson, oldest first, with what it lacks; one per course lacking term
    marks. The lessons past the first REMINDER_LESSONS are counted in a last line."""
    lacking: dict[tuple[dt.date, int, str], list[str]] = defaultdict(list)
    terms: list[Msg] = []
    for e in entries:
        if e.kind is OverdueKind.TERM_MARKS:
            terms.append(
                msg(
                    "• {title} — term marks missing: {count} (the period ended {day})",
                    title=e.title,
                    count=e.count,
                    day=e.day.strftime("%d.%m"),
                )
            )
        else:
            words = lacking[_lesson_key(e)]
            words += [w for w in e.missing if w not in words]
    order = (MISSING_ATTENDANCE, MISSING_TOPIC, MISSING_HOMEWORK, MISSING_MARKS)
    lines = [
        msg(
            "• {day} {title}, lesson {number} — missing: {what}",
            day=day.strftime("%d.%m"),
            title=title,
            number=number,
            what=tuple(Msg(w) for w in sorted(words, key=order.index)),
        )
        for (day, number, title), words in sorted(lacking.items())
    ]
    if len(lines) > REMINDER_LESSONS:
        more = len(lines) - REMINDER_LESSONS
        lines = [*lines[:REMINDER_LESSONS], msg("… and more lessons: {count}", count=more)]
    return lines + terms


# --------------------------------------------------------------------------- jobs


class OverdueTeacherReminder(DailyJob):
    """School mornings at 08:00: each teacher hears what of theirs is overdue, lesson by
    lesson."""

    name = "overdue_teacher"
    at = dt.time(8, 0)

    async def notices(
        self, uow: UnitOfWork, school: School, key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        by_teacher: dict[int, list[OverdueEntry]] = defaultdict(list)
        for e in await find_overdue(uow, school, now):
            by_teacher[e.teacher_id].append(e)
        result = []
        for teacher_id, entries in sorted(by_teacher.items()):
            lines = (msg("Overdue in your journal:"), *reminder_lines(entries))
            for account in await uow.accounts.accounts_of(school.id, PersonKind.STAFF, teacher_id):
                result.append(
                    Notice(
                        account=account,
                        school_id=school.id,
                        kind=self.name,
                        dedup_key=f"{self.name}:{key}:{account.id}",
                        lines=lines,
                    )
                )
        return self.for_the_day(school, key, result)


class DeputySummary(DailyJob):
    """School mornings at 09:00, after the teachers were reminded: what is still overdue in the
    deputy's grades, by teacher, each with a «remind» button."""

    name = "deputy_summary"
    at = dt.time(9, 0)

    async def notices(
        self, uow: UnitOfWork, school: School, key: str, now: dt.datetime
    ) -> list[Notice]:
        assert school.id is not None
        staff = {s.id: s for s in await uow.people.all_staff(school.id)}
        result = []
        for deputy in staff.values():
            if deputy.deputy_grades is None:
                continue
            accounts = await uow.accounts.accounts_of(
                school.id, PersonKind.STAFF, stored_id(deputy.id)
            )
            if not accounts:
                continue
            entries = await find_overdue(uow, school, now, grades=deputy.deputy_grades)
            by_teacher: dict[int, list[OverdueEntry]] = defaultdict(list)
            for e in entries:
                by_teacher[e.teacher_id].append(e)
            if not by_teacher:
                continue
            lines: list[Msg] = [
                msg("Overdue entries in grades {grades}:", grades=str(deputy.deputy_grades))
            ]
            buttons = []
            for teacher_id, items in sorted(by_teacher.items(), key=lambda x: _name(staff, x[0])):
                lines.append(msg("{teacher}", teacher=strong(_name(staff, teacher_id))))
                lines += summary_lines(items)
                remind = msg("🔔 {name}", name=_name(staff, teacher_id))  # a button: «remind»
                buttons.append(((remind, RemindTeacher(teacher_id)),))
            for account in accounts:
                result.append(
                    Notice(
                        account=account,
                        school_id=school.id,
                        kind=self.name,
                        dedup_key=f"{self.name}:{key}:{account.id}",
                        lines=tuple(lines),
                        buttons=tuple(buttons),
                    )
                )
        return self.for_the_day(school, key, result)


def _name(staff: dict[int | None, StaffMember], staff_id: int) -> str:
    member = staff.get(staff_id)
    return member.short_name if member else "?"


async def remind_teacher(uow: UnitOfWork, actor: Actor, teacher_id: int, clock: Clock) -> int:
    """The deputy's «remind» button: what of the teacher's is overdue is worked out as of the
    press, whatever the summary under which it was pressed said, and the teacher gets it
    listed lesson by lesson. Returns how many lessons and courses it named; with nothing
    overdue any more nobody is reminded and it returns 0."""
    grades = _deputy_grades(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        classes = {c.id: c for c in await uow.people.classes(school.id)}
        teaches = [
            a
            for a in await uow.journal.assignments_of(school.id, teacher_id)
            if a.class_id in classes and classes[a.class_id].grade in grades
        ]
        if not teaches:
            raise Forbidden("this teacher does not teach in your grades")
        now = clock.now()
        entries = await find_overdue(uow, school, now, grades=grades, teacher_id=teacher_id)
        items = reminder_lines(entries)
        if not items:
            await uow.commit()  # the lessons find_overdue materialised
            return 0
        lines = (msg("The deputy head asks you to fill in the journal:"), *items)
        stamp = int(now.timestamp())
        messages = []
        for account in await uow.accounts.accounts_of(school.id, PersonKind.STAFF, teacher_id):
            notice = Notice(
                account=account,
                school_id=school.id,
                kind="remind",
                dedup_key=f"remind:{teacher_id}:{stamp}:{account.id}",
                lines=lines,
                urgent=True,
            )
            messages.append(to_outbox(notice, school, now))
        await uow.outbox.add(messages)
        await uow.commit()
        return overdue_items(entries)


# --------------------------------------------------------------------------- control figures


def _pct(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Figures:
    """The regulation's control figures for one teacher or one class."""

    name: str
    lessons: int = 0
    on_time: int = 0
    with_homework: int = 0
    ktp_given: int = 0
    pupil_subjects: int = 0
    no_marks: int = 0
    one_mark: int = 0
    _pairs: set[tuple[int, int, int]] = field(default_factory=set)  # (class, subject, pupil)

    @property
    def on_time_pct(self) -> Decimal | None:
        return _pct(self.on_time, self.lessons)

    @property
    def homework_pct(self) -> Decimal | None:
        return _pct(self.with_homework, self.lessons)

    @property
    def ktp_pct(self) -> Decimal | None:
        return _pct(self.ktp_given, self.lessons)

    @property
    def no_marks_pct(self) -> Decimal | None:
        return _pct(self.no_marks, self.pupil_subjects)

    @property
    def one_mark_pct(self) -> Decimal | None:
        return _pct(self.one_mark, self.pupil_subjects)


@dataclass(slots=True)
class ControlReport:
    grades: GradeRange
    first: dt.date
    last: dt.date
    teachers: list[Figures]
    classes: list[Figures]
    total: Figures


async def control_figures(
    uow: UnitOfWork, actor: Actor, first: dt.date, last: dt.date, clock: Clock
) -> ControlReport:
    """For the deputy's grades: lessons filled in on time, pupils with no marks and with one
    mark, homework recorded, and КТП hours given (lessons with a plan topic) against lessons
    held. A lesson counts once its facts are due (24:00 of its day) or entered: today's lessons
    not yet filled in are not late yet."""
    grades = _deputy_grades(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        today = local_now(clock, school).date()
        last = min(last, today)
        classes = {c.id: c for c in await uow.people.classes(school.id) if c.grade in grades}
        staff = {s.id: s for s in await uow.people.all_staff(school.id)}
        slots = [s for s in await uow.journal.timetable(school.id) if s.class_id in classes]
        day = first
        while day <= last:
            await materialise_lessons(uow, school, day, slots)
            day += dt.timedelta(days=1)
        now = clock.now()
        lessons = [
            x
            for x in await uow.journal.lessons_between(school.id, first, last)
            if x.class_id in classes
            and (x.attendance_taken or bool(x.topic) or now >= end_of_day(x.day, school.timezone))
        ]
        subjects = {
            s.id: s
            for s in await uow.people.subjects(school.id, sorted({x.subject_id for x in lessons}))
        }
        graded = [x for x in lessons if subjects[x.subject_id].grading is not Grading.NONE]
        audits = await uow.journal.audits_of("lesson", [x.id for x in lessons if x.id])
        marks = await uow.journal.marks([x.id for x in graded if x.id])
        assignments = [
            a for a in await uow.journal.all_assignments(school.id) if a.class_id in classes
        ]
        rosters = {}
        for a in assignments:
            if subjects.get(a.subject_id) and subjects[a.subject_id].grading is Grading.NONE:
                continue
            pupils = await uow.people.roster(school.id, a.class_id, a.subgroup_id, last)
            rosters[(a.teacher_id, a.class_id, a.subject_id, a.subgroup_id)] = [
                stored_id(p.id) for p in pupils if p.in_journal(last)
            ]
    first_entry: dict[tuple[int, str], bool] = {}
    for entry in audits:
        key = (entry.entity_id, entry.field)
        if key not in first_entry:
            first_entry[key] = entry.late
    marks_of: dict[tuple[int, int, int], int] = defaultdict(int)
    lesson_by_id = {x.id: x for x in lessons}
    for mk in marks:
        lesson = lesson_by_id[mk.lesson_id]
        marks_of[(lesson.class_id, lesson.subject_id, mk.pupil_id)] += 1
    by_teacher: dict[int, Figures] = {}
    by_class: dict[int, Figures] = {}
    total = Figures(name="")
    for x in lessons:
        on_time = (
            x.attendance_taken
            and bool(x.topic)
            and first_entry.get((stored_id(x.id), "topic")) is False
            and first_entry.get((stored_id(x.id), "attendance_taken")) is False
        )
        teacher = staff.get(x.acting_teacher_id)
        for bucket in (
            by_teacher.setdefault(
                x.acting_teacher_id, Figures(name=teacher.short_name if teacher else "?")
            ),
            by_class.setdefault(x.class_id, Figures(name=classes[x.class_id].name)),
            total,
        ):
            bucket.lessons += 1
            bucket.on_time += int(on_time)
            bucket.with_homework += int(x.homework is not None)
            bucket.ktp_given += int(x.plan_topic_id is not None)
    for (teacher_id, class_id, subject_id, _), pupil_ids in rosters.items():
        for pupil_id in pupil_ids:
            count = marks_of.get((class_id, subject_id, pupil_id), 0)
            teacher = staff.get(teacher_id)
            for bucket in (
                by_teacher.setdefault(
                    teacher_id, Figures(name=teacher.short_name if teacher else "?")
                ),
                by_class.setdefault(class_id, Figures(name=classes[class_id].name)),
                total,
            ):
                pair = (class_id, subject_id, pupil_id)
                if pair in bucket._pairs:
                    continue
                bucket._pairs.add(pair)
                bucket.pupil_subjects += 1
                bucket.no_marks += int(count == 0)
                bucket.one_mark += int(count == 1)
    return ControlReport(
        grades=grades,
        first=first,
        last=last,
        teachers=sorted(by_teacher.values(), key=lambda f: f.name),
        classes=sorted(by_class.values(), key=lambda f: f.name),
        total=total,
    )


@dataclass(slots=True)
class TeacherOverdue:
    teacher_id: int
    name: str
    entries: list[OverdueEntry]


async def deputy_overdue(uow: UnitOfWork, actor: Actor, clock: Clock) -> list[TeacherOverdue]:
    """What is overdue now in the deputy's grades, by teacher, names in order."""
    grades = _deputy_grades(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        entries = await find_overdue(uow, school, clock.now(), grades=grades)
        staff = {s.id: s for s in await uow.people.all_staff(school.id)}
        await uow.commit()
    by_teacher: dict[int, list[OverdueEntry]] = defaultdict(list)
    for e in entries:
        by_teacher[e.teacher_id].append(e)
    return sorted(
        (TeacherOverdue(t, _name(staff, t), items) for t, items in by_teacher.items()),
        key=lambda x: x.name,
    )


async def control_this_period(uow: UnitOfWork, actor: Actor, clock: Clock) -> ControlReport:
    """Control figures from the start of the current period (or 30 days) to today."""

    grades = _deputy_grades(actor)
    async with uow:
        school = await acting_school(uow, actor)
        today = local_now(clock, school).date()
        periods = await uow.journal.periods(stored_id(school.id))
    period = current_period(periods, grades.first, today)
    first = period.starts if period else today - dt.timedelta(days=30)
    return await control_figures(uow, actor, first, today, clock)

"""A teacher's use cases: today's lessons, the lesson card, attendance, marks, remarks,
substitutions and past lessons.

Every use case checks that the acting teacher may touch this lesson and these pupils: ids come
from buttons, and a button can be forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.errors import Forbidden, Gone, InvalidInput, JournalError
from domain.journal import (
    Attendance,
    AuditEntry,
    EntryChange,
    EntryChangeKind,
    EntryKind,
    Lesson,
    Mark,
    Remark,
    RemarkTone,
    entry_change,
    entry_deadline,
    is_late,
    last_lesson_end,
    sort_key,
)

# the refusal a late change without a reason gets, where the screens look for it
from domain.journal import ReasonRequired as ReasonRequired
from domain.model import Grading, PlanTopic, Pupil, School, WorkKind
from domain.people import Actor
from domain.ports import Clock, UnitOfWork
from domain.usecases.kernel import (
    LessonView,
    acting_school,
    acting_teacher,
    clean_reason,
    lesson_views,
    local_now,
    materialise_lessons,
)

MAX_TOPIC = 500
MAX_HOMEWORK = 2000
MAX_REMARK = 1000
MAX_COMMENT = 200
REMOVE_MARK = ""


class PupilAbsent(JournalError):
    """A mark for a pupil marked absent (Н) on the lesson: given only when confirmed."""

    message = "{name} is absent from this lesson (Н). Give {value} anyway?"


class LessonRefused(Forbidden):
    message = "this lesson is not yours"


# --------------------------------------------------------------------------- views


@dataclass(slots=True)
class RosterEntry:
    pupil_id: int
    name: str
    attendance: Attendance | None
    marks: dict[str, str] = field(default_factory=dict)  # work kind → value


@dataclass(frozen=True, slots=True)
class KindChoice:
    """A kind of work as the marks screen offers it."""

    code: str
    name: str
    given: int  # marks of this kind in the lesson
    chosen: bool
    quick: bool  # on the marks screen itself, not only in the list of every kind


@dataclass(slots=True)
class MarksSheet:
    view: LessonView
    work_kind: WorkKind
    scale: tuple[str, ...]
    roster: list[RosterEntry]
    kinds: list[KindChoice] = field(default_factory=list)  # every kind, in the school's order

    @property
    def quick_kinds(self) -> list[KindChoice]:
        return [k for k in self.kinds if k.quick]


QUICK_KINDS = 3  # the school's first kinds of work are always one tap away on the marks screen


def kind_choices(kinds: Sequence[WorkKind], chosen: str, given: dict[str, int]) -> list[KindChoice]:
    """Every kind of work with its marks in the lesson; the quick ones are the school's first
    few, those that already have marks in this lesson and the chosen one."""
    return [
        KindChoice(
            code=k.code,
            name=k.name,
            given=given.get(k.code, 0),
            chosen=k.code == chosen,
            quick=i < QUICK_KINDS or k.code == chosen or given.get(k.code, 0) > 0,
        )
        for i, k in enumerate(kinds)
    ]


def default_kind(kinds: Sequence[WorkKind], given: dict[str, int]) -> str:
    """The kind the marks screen opens on: the one with most marks in the lesson, else the
    school's first."""
    if given:
        order = {k.code: i for i, k in enumerate(kinds)}
        return min(given, key=lambda code: (-given[code], order.get(code, len(order))))
    if not kinds:
        raise Forbidden("there is no such kind of work")
    return kinds[0].code


# --------------------------------------------------------------------------- helpers


async def _lesson(uow: UnitOfWork, actor: Actor, lesson_id: int) -> Lesson:
    """The lesson if the actor teaches or substitutes it; a refusal for anything else."""
    staff_id = acting_teacher(actor)
    assert actor.school_id is not None
    lesson = await uow.journal.lesson(actor.school_id, lesson_id)
    if lesson is None:
        raise Gone()
    if not lesson.taught_by(staff_id):
        raise LessonRefused()
    return lesson


async def _roster(uow: UnitOfWork, lesson: Lesson) -> list[Pupil]:
    pupils = await uow.people.roster(
        lesson.school_id, lesson.class_id, lesson.subgroup_id, lesson.day
    )
    return sorted(
        (p for p in pupils if p.in_journal(lesson.day)),
        key=lambda p: (sort_key(p.last_name), sort_key(p.first_name)),
    )


def _id(p: Pupil) -> int | None:
    return p.id


def _pupil_name(p: Pupil) -> str:
    return f"{p.last_name} {p.first_name}"


async def _suggested_topic(uow: UnitOfWork, lesson: Lesson, grade: int) -> PlanTopic | None:
    plan = await uow.journal.plan(lesson.school_id, lesson.subject_id, lesson.class_id, grade)
    if not plan:
        return None
    used = await uow.journal.used_plan_topics(
        lesson.school_id, lesson.class_id, lesson.subgroup_id, lesson.subject_id
    )
    for topic in plan:
        if topic.id not in used or topic.id == lesson.plan_topic_id:
            return topic
    return None


async def _homework_deadline(uow: UnitOfWork, school: School, lesson: Lesson) -> dt.datetime:
    assert school.id is not None
    slots = await uow.journal.timetable(school.id, lesson.day.isoweekday())
    numbers = [s.lesson for s in slots if s.class_id == lesson.class_id and s.valid_on(lesson.day)]
    ends = last_lesson_end(numbers, await uow.journal.bells(school.id))
    return entry_deadline(EntryKind.HOMEWORK, lesson.day, school.timezone, last_lesson_ends=ends)


def _lesson_audit(
    change: EntryChange,
    lesson: Lesson,
    field_name: str,
    actor: Actor,
    now: dt.datetime,
    reason: str,
) -> AuditEntry:
    """The audit line of a change to one of the lesson's own fields."""
    assert lesson.id is not None
    return change.audit(
        school_id=lesson.school_id,
        entity="lesson",
        entity_id=lesson.id,
        field_name=field_name,
        author_id=acting_teacher(actor),
        at=now,
        reason=reason,
    )


# --------------------------------------------------------------------------- today


async def todays_lessons(uow: UnitOfWork, actor: Actor, clock: Clock) -> list[LessonView]:
    """The teacher's lessons today, substitutions included, each with what is missing."""
    staff_id = acting_teacher(actor)
    async with uow:
        school = await acting_school(uow, actor)
        today = local_now(clock, school).date()
        assert school.id is not None
        slots = await uow.journal.timetable(school.id, today.isoweekday())
        await materialise_lessons(
            uow, school, today, [s for s in slots if s.teacher_id == staff_id]
        )
        lessons = await uow.journal.lessons_on(school.id, today, staff_id)
        views = await lesson_views(uow, school, lessons, staff_id)
        await uow.commit()
    return views


async def lesson_card(uow: UnitOfWork, actor: Actor, lesson_id: int, clock: Clock) -> LessonView:
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        [view] = await lesson_views(uow, school, [lesson], actor.staff_id)
        view.suggested_topic = await _suggested_topic(uow, lesson, view.grade)
        roster = await _roster(uow, lesson)
        ids = {p.id for p in roster}
        entries = [a for a in await uow.journal.attendance([lesson_id]) if a.pupil_id in ids]
        view.pupils = len(roster)
        view.absent = sum(1 for a in entries if a.status is Attendance.ABSENT)
        view.late = sum(1 for a in entries if a.status is Attendance.LATE)
        view.marks = sum(1 for m in await uow.journal.marks([lesson_id]) if m.pupil_id in ids)
    return view


# --------------------------------------------------------------------------- topic, homework


async def set_topic(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    clock: Clock,
    *,
    text: str | None = None,
    plan_topic_id: int | None = None,
    reason: str | None = None,
) -> Lesson:
    """The topic typed or taken from the plan; may be entered ahead for future lessons."""
    reason_text = clean_reason(reason)
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        if plan_topic_id is not None:
            grade, _ = await _grade_and_grading(uow, lesson)
            plan = await uow.journal.plan(
                lesson.school_id, lesson.subject_id, lesson.class_id, grade
            )
            chosen = next((t for t in plan if t.id == plan_topic_id), None)
            if chosen is None:
                raise Forbidden("this topic is not in the plan of this class")
            topic = chosen.topic
        else:
            topic = " ".join((text or "").split())
            if not topic:
                raise InvalidInput("the topic is empty")
            if len(topic) > MAX_TOPIC:
                raise InvalidInput("the topic is longer than {limit} characters", limit=MAX_TOPIC)
        now = local_now(clock, school)
        late = is_late(now, entry_deadline(EntryKind.LESSON_FACTS, lesson.day, school.timezone))
        change = entry_change(lesson.topic or None, topic, late=late)
        change.require_reason(reason_text)
        if change.recorded or lesson.plan_topic_id != plan_topic_id:
            await uow.journal.add_audit(
                [_lesson_audit(change, lesson, "topic", actor, now, reason_text)]
            )
            lesson.topic = topic
            lesson.plan_topic_id = plan_topic_id
            await uow.journal.save_lesson(lesson)
        await uow.commit()
    return lesson


async def set_homework(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    text: str,
    clock: Clock,
    reason: str | None = None,
) -> Lesson:
    """Homework typed, or "" for «no homework»; may be entered ahead."""
    reason_text = clean_reason(reason)
    homework = text.strip()
    if len(homework) > MAX_HOMEWORK:
        raise InvalidInput("the homework is longer than {limit} characters", limit=MAX_HOMEWORK)
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        late = is_late(now, await _homework_deadline(uow, school, lesson))
        change = entry_change(lesson.homework, homework, late=late)
        change.require_reason(reason_text)
        if change.recorded:
            await uow.journal.add_audit(
                [_lesson_audit(change, lesson, "homework", actor, now, reason_text)]
            )
            lesson.homework = homework
            await uow.journal.save_lesson(lesson)
        await uow.commit()
    return lesson


# --------------------------------------------------------------------------- attendance


async def attendance_roster(uow: UnitOfWork, actor: Actor, lesson_id: int) -> list[RosterEntry]:
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        roster = await _roster(uow, lesson)
        entries = {a.pupil_id: a.status for a in await uow.journal.attendance([lesson_id])}
    return [
        RosterEntry(pupil_id=pid, name=_pupil_name(p), attendance=entries.get(pid))
        for p in roster
        if (pid := _id(p)) is not None
    ]


async def save_attendance(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    statuses: dict[int, Attendance],
    clock: Clock,
    reason: str | None = None,
    *,
    leaving: bool = False,
) -> Lesson:
    """Who was absent (Н) or late (ОП); everybody else was present. One save for the class.

    `leaving`: the teacher left the register, which saves it; leaving the register of a lesson
    still to come with nobody marked saves nothing and refuses nothing."""
    reason_text = clean_reason(reason)
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        if lesson.day > now.date():
            if leaving and not statuses:
                return lesson
            raise Forbidden("the lesson has not taken place yet")
        roster_ids = {p.id for p in await _roster(uow, lesson)}
        strangers = set(statuses) - roster_ids
        if strangers:
            raise Forbidden("this pupil is not on the lesson's roster")
        old = {a.pupil_id: a.status for a in await uow.journal.attendance([lesson_id])}
        new = {pid: Attendance(s) for pid, s in statuses.items() if s is not None}
        late = is_late(now, entry_deadline(EntryKind.LESSON_FACTS, lesson.day, school.timezone))
        changes = {
            pid: entry_change(
                old[pid].value if pid in old else None,
                new[pid].value if pid in new else None,
                late=late,
                stood=lesson.attendance_taken,
            )
            for pid in sorted(set(old) | set(new), key=int)
        }
        changed = {pid: c for pid, c in changes.items() if c.recorded}
        for change in changed.values():
            change.require_reason(reason_text)
        if changed or not lesson.attendance_taken:
            await uow.journal.replace_attendance(lesson.school_id, lesson_id, new)
            await uow.journal.add_audit(
                [
                    change.audit(
                        school_id=lesson.school_id,
                        entity="attendance",
                        entity_id=lesson_id,
                        field_name=str(pid),
                        author_id=acting_teacher(actor),
                        at=now,
                        reason=reason_text,
                    )
                    for pid, change in changed.items()
                ]
            )
        if not lesson.attendance_taken:
            lesson.attendance_taken = True
            await uow.journal.save_lesson(lesson)
            # When the register was first taken, and whether in time: the control figures use it.
            taken = entry_change(None, "1", late=late)
            await uow.journal.add_audit(
                [_lesson_audit(taken, lesson, "attendance_taken", actor, now, reason_text)]
            )
        await uow.commit()
    return lesson


# --------------------------------------------------------------------------- marks


async def _work_kind(uow: UnitOfWork, school_id: int, code: str) -> WorkKind:
    kinds = {k.code: k for k in await uow.schools.work_kinds(school_id)}
    if code not in kinds:
        raise Forbidden("there is no such kind of work")
    return kinds[code]


async def marks_sheet(
    uow: UnitOfWork, actor: Actor, lesson_id: int, work_kind: str | None = None
) -> MarksSheet:
    """The lesson's roster with its marks, for one kind of work (None: the default one)."""
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        kinds = await uow.schools.work_kinds(lesson.school_id)
        [view] = await lesson_views(uow, school, [lesson], actor.staff_id)
        scale = _scale(school, view.grade, view.grading)
        roster = await _roster(uow, lesson)
        attendance = {a.pupil_id: a.status for a in await uow.journal.attendance([lesson_id])}
        marks: dict[int, dict[str, str]] = {}
        for m in await uow.journal.marks([lesson_id]):
            marks.setdefault(m.pupil_id, {})[m.work_kind] = m.value
    on_roster = {p.id for p in roster}
    given: dict[str, int] = {}
    for pupil_id, by_kind in marks.items():
        if pupil_id in on_roster:
            for code in by_kind:
                given[code] = given.get(code, 0) + 1
    code = default_kind(kinds, given) if work_kind is None else work_kind
    kind = next((k for k in kinds if k.code == code), None)
    if kind is None:
        raise Forbidden("there is no such kind of work")
    lines = [
        RosterEntry(
            pupil_id=pid,
            name=_pupil_name(p),
            attendance=attendance.get(pid),
            marks=marks.get(pid, {}),
        )
        for p in roster
        if (pid := _id(p)) is not None
    ]
    return MarksSheet(
        view=view,
        work_kind=kind,
        scale=scale,
        roster=lines,
        kinds=kind_choices(kinds, kind.code, given),
    )


def _scale(school: School, grade: int, grading: Grading) -> tuple[str, ...]:
    if not school.grading.marks_allowed_in(grade):
        raise Forbidden("the first grade gets no marks")
    scale = school.grading.values_for(grading.value)
    if not scale:
        raise Forbidden("this subject is not graded with marks")
    return scale


async def work_kinds(uow: UnitOfWork, actor: Actor) -> list[WorkKind]:
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        return await uow.schools.work_kinds(school.id)


async def put_mark(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    pupil_id: int,
    work_kind: str,
    value: str,
    clock: Clock,
    *,
    comment: str | None = None,
    reason: str | None = None,
    absent_ok: bool = False,
) -> Mark | None:
    """One tap, one mark; REMOVE_MARK takes a mistaken mark back. Late changes need a reason.

    A new value for a pupil marked absent (Н) on the lesson is refused with PupilAbsent unless
    `absent_ok` (the teacher confirmed it)."""
    reason_text = clean_reason(reason)
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        now = local_now(clock, school)
        if lesson.day > now.date():
            raise Forbidden("the lesson has not taken place yet")
        kind = await _work_kind(uow, lesson.school_id, work_kind)
        grade, grading = await _grade_and_grading(uow, lesson)
        scale = _scale(school, grade, grading)
        if value != REMOVE_MARK and value not in scale:
            raise Forbidden("{value} is not a mark of this subject", value=value)
        pupil = next((p for p in await _roster(uow, lesson) if p.id == pupil_id), None)
        if pupil is None:
            raise Forbidden("this pupil is not on the lesson's roster")
        existing = await _mark_of(uow, lesson_id, pupil_id, kind.code)
        entry_kind = EntryKind.WRITTEN_MARK if kind.written else EntryKind.ORAL_MARK
        deadline = entry_deadline(entry_kind, lesson.day, school.timezone, grade=grade)
        old = existing.value if existing is not None else None
        change = entry_change(old, value or None, late=is_late(now, deadline))
        gives_value = change.kind in (EntryChangeKind.NEW, EntryChangeKind.CHANGED)
        if gives_value and not absent_ok:
            attendance = await uow.journal.attendance([lesson_id])
            if any(a.pupil_id == pupil_id and a.status is Attendance.ABSENT for a in attendance):
                raise PupilAbsent(name=_pupil_name(pupil), value=value)
        note = None if comment is None else " ".join(comment.split())[:MAX_COMMENT]
        if existing is None:
            if value == REMOVE_MARK:
                await uow.commit()
                return None
            mark = Mark(
                id=None,
                school_id=lesson.school_id,
                lesson_id=lesson_id,
                pupil_id=pupil_id,
                work_kind=kind.code,
                value=value,
                comment=note or "",
                author_id=acting_teacher(actor),
                created_at=now,
            )
            await uow.journal.save_mark(mark)
            assert mark.id is not None
            await uow.journal.add_audit([_mark_audit(change, mark, actor, now, reason_text)])
            await uow.commit()
            return mark
        if not change.recorded and (note is None or note == existing.comment):
            await uow.commit()
            return existing
        change.require_reason(reason_text)
        if change.recorded:
            await uow.journal.add_audit([_mark_audit(change, existing, actor, now, reason_text)])
        if value == REMOVE_MARK:
            assert existing.id is not None
            await uow.journal.delete_mark(existing.id)
            await uow.commit()
            return None
        existing.value = value
        if note is not None:
            existing.comment = note
        await _resave_mark(uow, existing, now)
        await uow.commit()
        return existing


async def comment_mark(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    pupil_id: int,
    work_kind: str,
    comment: str,
    clock: Clock,
) -> Mark | None:
    """A comment to a mark already given (None: there is no mark of this kind to comment on).
    The value stays, so no entry window applies; the family hears the mark again, once."""
    note = " ".join(comment.split())[:MAX_COMMENT]
    async with uow:
        await _lesson(uow, actor, lesson_id)
        existing = await _mark_of(uow, lesson_id, pupil_id, work_kind)
        if existing is None:
            return None
        if existing.comment != note:
            existing.comment = note
            school = await acting_school(uow, actor)
            await _resave_mark(uow, existing, local_now(clock, school))
        await uow.commit()
        return existing


async def _mark_of(uow: UnitOfWork, lesson_id: int, pupil_id: int, code: str) -> Mark | None:
    marks = await uow.journal.marks([lesson_id])
    return next((m for m in marks if m.pupil_id == pupil_id and m.work_kind == code), None)


async def _resave_mark(uow: UnitOfWork, mark: Mark, now: dt.datetime) -> None:
    """A mark's new value or comment: saved, and the family hears of it once again."""
    assert mark.id is not None
    mark.changed_at = now
    await uow.journal.save_mark(mark)
    await uow.family.reset_notified(mark.id)


def _mark_audit(
    change: EntryChange, mark: Mark, actor: Actor, now: dt.datetime, reason: str
) -> AuditEntry:
    assert mark.id is not None
    return change.audit(
        school_id=mark.school_id,
        entity="mark",
        entity_id=mark.id,
        field_name="value",
        author_id=acting_teacher(actor),
        at=now,
        reason=reason,
    )


async def _grade_and_grading(uow: UnitOfWork, lesson: Lesson) -> tuple[int, Grading]:
    """The class's grade and the subject's grading: all a mark needs of the lesson's view."""
    classes = await uow.people.classes(lesson.school_id, [lesson.class_id])
    subjects = await uow.people.subjects(lesson.school_id, [lesson.subject_id])
    grade = classes[0].grade if classes else 0
    grading = subjects[0].grading if subjects else Grading.MARKS
    return grade, grading


# --------------------------------------------------------------------------- remarks


async def add_remark(
    uow: UnitOfWork,
    actor: Actor,
    lesson_id: int,
    pupil_id: int,
    tone: RemarkTone,
    text: str,
    clock: Clock,
    tell_family: bool = False,
) -> Remark:
    """A word to the pupil's guardians about this lesson: kept in the diary and the digest, and,
    with `tell_family`, sent to the family's accounts through the outbox at once."""
    body = text.strip()
    if not body:
        raise InvalidInput("the remark is empty")
    if len(body) > MAX_REMARK:
        raise InvalidInput("the remark is longer than {limit} characters", limit=MAX_REMARK)
    async with uow:
        lesson = await _lesson(uow, actor, lesson_id)
        school = await acting_school(uow, actor)
        if pupil_id not in {p.id for p in await _roster(uow, lesson)}:
            raise Forbidden("this pupil is not on the lesson's roster")
        remark = Remark(
            id=None,
            school_id=lesson.school_id,
            pupil_id=pupil_id,
            lesson_id=lesson_id,
            author_id=acting_teacher(actor),
            tone=RemarkTone(tone),
            text=body,
            created_at=local_now(clock, school),
        )
        await uow.journal.add_remark(remark)
        if tell_family:
            await _tell_family(uow, school, lesson, remark)
        await uow.commit()
    return remark


async def _tell_family(uow: UnitOfWork, school: School, lesson: Lesson, remark: Remark) -> None:
    from domain.usecases.family_jobs import family_accounts
    from domain.usecases.scheduling import Notice, msg, to_outbox

    assert remark.id is not None
    [pupil] = await uow.people.pupils(lesson.school_id, [remark.pupil_id])
    [subject] = await uow.people.subjects(lesson.school_id, [lesson.subject_id])
    if school.schedule.private_notifications:
        lines = (msg("New entries in the diary. Open /menu to see them."),)
    else:
        values = {"name": pupil.first_name, "subject": subject.name, "text": remark.text}
        if remark.tone is RemarkTone.PRAISE:
            lines = (msg("👍 {name}, {subject}: {text}", **values),)
        else:
            lines = (msg("⚠️ {name}, {subject}: {text}", **values),)
    now = remark.created_at
    messages = []
    assert school.id is not None  # a school read from storage
    for _, account in await family_accounts(uow, lesson.school_id, pupil):
        if account.id is None or account.unreachable_at is not None:
            continue
        notice = Notice(
            account=account,
            school_id=school.id,
            kind="remark",
            dedup_key=f"remark:{remark.id}:{account.id}",
            lines=lines,
        )
        messages.append(to_outbox(notice, school, now))
    await uow.outbox.add(messages)


# --------------------------------------------------------------------------- substitution


async def substitutable_lessons(uow: UnitOfWork, actor: Actor, clock: Clock) -> list[LessonView]:
    """Today's lessons of other teachers that the actor could take over."""
    staff_id = acting_teacher(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        today = local_now(clock, school).date()
        await materialise_lessons(
            uow, school, today, await uow.journal.timetable(school.id, today.isoweekday())
        )
        lessons = [
            x
            for x in await uow.journal.lessons_on(school.id, today)
            if not x.taught_by(staff_id) and x.substitute_id is None
        ]
        views = await lesson_views(uow, school, lessons, staff_id)
        await uow.commit()
    return views


async def substitute(uow: UnitOfWork, actor: Actor, lesson_id: int, clock: Clock) -> Lesson:
    """Record the actor as the substitute of today's lesson; it then appears in their Today."""
    staff_id = acting_teacher(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        lesson = await uow.journal.lesson(school.id, lesson_id)
        today = local_now(clock, school).date()
        if lesson is None or lesson.day != today:
            raise Forbidden("only today's lessons can be substituted")
        if lesson.teacher_id == staff_id or lesson.substitute_id == staff_id:
            return lesson
        if lesson.substitute_id is not None:
            raise Forbidden("another teacher already substitutes this lesson")
        lesson.substitute_id = staff_id
        await uow.journal.save_lesson(lesson)
        now = local_now(clock, school)
        change = entry_change(None, str(staff_id), late=False)
        await uow.journal.add_audit([_lesson_audit(change, lesson, "substitute", actor, now, "")])
        await uow.commit()
    return lesson


# --------------------------------------------------------------------------- past lessons


@dataclass(frozen=True, slots=True)
class Course:
    """What a teacher teaches: a subject in a class, perhaps to one group of it."""

    class_id: int
    subject_id: int
    subgroup_id: int | None
    title: str
    hours_per_week: str


async def my_courses(uow: UnitOfWork, actor: Actor) -> list[Course]:
    staff_id = acting_teacher(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        assignments = await uow.journal.assignments_of(school.id, staff_id)
        classes = {
            c.id: c for c in await uow.people.classes(school.id, [a.class_id for a in assignments])
        }
        subjects = {
            s.id: s
            for s in await uow.people.subjects(school.id, [a.subject_id for a in assignments])
        }
        groups = {
            g.id: g
            for g in await uow.people.subgroups(
                school.id, [a.subgroup_id for a in assignments if a.subgroup_id]
            )
        }
    courses = []
    for a in assignments:
        group = f" ({groups[a.subgroup_id].name})" if a.subgroup_id in groups else ""
        title = f"{classes[a.class_id].name}{group} · {subjects[a.subject_id].name}"
        courses.append(
            Course(
                class_id=a.class_id,
                subject_id=a.subject_id,
                subgroup_id=a.subgroup_id,
                title=title,
                hours_per_week=str(a.hours_per_week),
            )
        )
    return sorted(courses, key=lambda c: sort_key(c.title))


async def past_lessons(
    uow: UnitOfWork, actor: Actor, class_id: int, subject_id: int, clock: Clock, days: int = 21
) -> list[LessonView]:
    """The course's lessons of the last weeks, newest first, to fill in what is missing."""
    staff_id = acting_teacher(actor)
    async with uow:
        school = await acting_school(uow, actor)
        assert school.id is not None
        assignments = await uow.journal.assignments_of(school.id, staff_id)
        if not any(a.class_id == class_id and a.subject_id == subject_id for a in assignments):
            raise Forbidden("you do not teach this subject in this class")
        today = local_now(clock, school).date()
        slots = [
            s
            for s in await uow.journal.timetable(school.id)
            if s.class_id == class_id and s.subject_id == subject_id and s.teacher_id == staff_id
        ]
        first = today - dt.timedelta(days=days)
        day = first
        while day <= today:
            await materialise_lessons(uow, school, day, slots)
            day += dt.timedelta(days=1)
        lessons = [
            x
            for x in await uow.journal.lessons_of(school.id, class_id, subject_id, first, today)
            if x.taught_by(staff_id)
        ]
        views = await lesson_views(uow, school, lessons, staff_id)
        await uow.commit()
    return sorted(views, key=lambda v: (v.lesson.day, v.lesson.lesson_number), reverse=True)

"""What every use case needs first: the acting person's school and teacher id, the school's
local time, the day's lessons made from the timetable, the current period, a lesson's screen
view and a cleaned reason for a late change.

It imports nothing from other use cases, so that any of them may import it without a cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.clock import school_time
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.journal import Lesson, LessonState, is_school_day, lesson_state
from domain.model import Grading, Period, PlanTopic, School, TimetableSlot
from domain.people import Actor
from domain.ports import Clock, UnitOfWork

MAX_REASON = 500


async def acting_school(uow: UnitOfWork, actor: Actor) -> School:
    """The school the actor acts in; a refusal for an account not linked to one yet."""
    if actor.school_id is None:
        raise Forbidden("you are not linked to a school yet; open the invitation link")
    school = await uow.schools.get(actor.school_id)
    if school is None:
        raise NotFound("the school is gone")
    return school


def school_id(school: School) -> int:
    """A stored school's id (every school a use case reads has one)."""
    assert school.id is not None
    return school.id


def stored_id(value: int | None) -> int:
    """The id of a record read from storage: every such record has one (only a record not
    yet added has none)."""
    assert value is not None, "a record read from storage has an id"
    return value


def acting_teacher(actor: Actor) -> int:
    """The actor's staff id if they teach; a refusal for anyone else."""
    if not actor.is_teacher or actor.staff_id is None:
        raise Forbidden("only teachers can do this")
    return actor.staff_id


def local_now(clock: Clock, school: School) -> dt.datetime:
    return school_time(clock.now(), school.timezone)


def current_period(periods: list[Period], grade: int, today: dt.date) -> Period | None:
    """The term covering today for this grade, or the one that ended most recently."""
    terms = [p for p in periods if grade in p.grades and p.kind != "year"]
    for p in terms:
        if p.covers(today):
            return p
    ended = [p for p in terms if p.ends < today]
    return max(ended, key=lambda p: p.ends) if ended else None


def clean_reason(reason: str | None) -> str:
    """The reason for a late change with its spaces folded; a refusal past MAX_REASON."""
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON:
        raise InvalidInput("the reason is longer than {limit} characters", limit=MAX_REASON)
    return text


async def materialise_lessons(
    uow: UnitOfWork, school: School, day: dt.date, slots: Sequence[TimetableSlot]
) -> None:
    """Make the day's lessons from the timetable: not on holidays or days off, nor outside the
    study periods of the class's grade (a timetable without dates would else give August
    lessons that then stand overdue in September), where the school has periods at all."""
    assert school.id is not None
    valid = [s for s in slots if s.valid_on(day)]
    if not valid:
        return
    holidays = await uow.journal.holidays(school.id)
    periods = await uow.journal.periods(school.id)
    classes = {c.id: c for c in await uow.people.classes(school.id)}
    six_days = any(s.weekday == 6 for s in slots)
    made = [
        Lesson(
            id=None,
            school_id=school.id,
            day=day,
            lesson_number=s.lesson,
            class_id=s.class_id,
            subgroup_id=s.subgroup_id,
            subject_id=s.subject_id,
            teacher_id=s.teacher_id,
            slot_id=s.id,
        )
        for s in valid
        if s.class_id in classes
        and is_school_day(day, classes[s.class_id].grade, holidays, six_days)
        and in_study_period(day, classes[s.class_id].grade, periods)
    ]
    if made:
        await uow.journal.add_lessons(made)


def in_study_period(day: dt.date, grade: int, periods: Sequence[Period]) -> bool:
    """No periods stored (a school set up without them): every school day counts."""
    if not periods:
        return True
    return any(p.covers(day) and grade in p.grades for p in periods)


@dataclass(slots=True)
class LessonView:
    lesson: Lesson
    class_name: str
    subject_name: str
    group_name: str
    grade: int
    grading: Grading
    starts: dt.time | None
    ends: dt.time | None
    state: list[LessonState]
    is_substitution: bool
    teacher_name: str = ""
    suggested_topic: PlanTopic | None = None
    pupils: int = 0
    absent: int = 0
    late: int = 0
    marks: int = 0

    @property
    def title(self) -> str:
        group = f" ({self.group_name})" if self.group_name else ""
        return f"{self.class_name}{group} · {self.subject_name}"


async def lesson_views(
    uow: UnitOfWork, school: School, lessons: Sequence[Lesson], actor_staff: int | None
) -> list[LessonView]:
    """The lessons as a screen lists them: class, subject, group, bells and what is missing."""
    assert school.id is not None
    if not lessons:
        return []
    classes = {c.id: c for c in await uow.people.classes(school.id, [x.class_id for x in lessons])}
    subjects = {
        s.id: s for s in await uow.people.subjects(school.id, [x.subject_id for x in lessons])
    }
    group_ids = [x.subgroup_id for x in lessons if x.subgroup_id]
    groups = (
        {g.id: g for g in await uow.people.subgroups(school.id, group_ids)} if group_ids else {}
    )
    teacher_ids = {x.teacher_id for x in lessons}
    staff = {s.id: s for s in await uow.people.staff(school.id, sorted(teacher_ids))}
    bells = {b.lesson: b for b in await uow.journal.bells(school.id) if b.shift == 1}
    views = []
    for x in sorted(lessons, key=lambda x: (x.day, x.lesson_number, x.class_id)):
        cls = classes.get(x.class_id)
        subject = subjects.get(x.subject_id)
        bell = bells.get(x.lesson_number)
        views.append(
            LessonView(
                lesson=x,
                class_name=cls.name if cls else "?",
                subject_name=subject.name if subject else "?",
                group_name=groups[x.subgroup_id].name if x.subgroup_id in groups else "",
                grade=cls.grade if cls else 0,
                grading=subject.grading if subject else Grading.MARKS,
                starts=bell.starts if bell else None,
                ends=bell.ends if bell else None,
                state=lesson_state(x),
                is_substitution=actor_staff is not None and x.substitute_id == actor_staff,
                teacher_name=staff[x.teacher_id].short_name if x.teacher_id in staff else "",
            )
        )
    return views

"""The journal itself: lessons as they were given, attendance, marks, remarks, term marks.

Also the entry windows of the regulation (Регламент 2.1): what may be entered until when, and
what a change after the window needs (a reason, kept with the old value in the audit trail).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from domain.errors import Forbidden
from domain.model import Bell, Holiday, TimetableSlot


class Attendance(enum.StrEnum):
    """What a subject teacher marks on a lesson; present pupils have no entry."""

    ABSENT = "Н"  # absent, reason still unknown (the class teacher gives Б / У / Н)
    LATE = "ОП"  # late: not an absence

    @staticmethod
    def cycle(current: Attendance | None) -> Attendance | None:
        """One tap moves present → Н → ОП → present."""
        if current is None:
            return Attendance.ABSENT
        if current is Attendance.ABSENT:
            return Attendance.LATE
        return None


class RemarkTone(enum.StrEnum):
    PRAISE = "praise"
    CONCERN = "concern"


@dataclass(slots=True)
class Lesson:
    """One lesson on one day; made from the timetable when first needed, or as a substitution."""

    id: int | None
    school_id: int
    day: dt.date
    lesson_number: int
    class_id: int
    subgroup_id: int | None
    subject_id: int
    teacher_id: int
    slot_id: int | None = None
    substitute_id: int | None = None
    topic: str = ""
    plan_topic_id: int | None = None
    homework: str | None = None  # None: not entered; "": «no homework»
    attendance_taken: bool = False

    def taught_by(self, staff_id: int) -> bool:
        return staff_id in (self.teacher_id, self.substitute_id)

    @property
    def acting_teacher_id(self) -> int:
        return self.substitute_id or self.teacher_id


@dataclass(slots=True)
class AttendanceEntry:
    id: int | None
    school_id: int
    lesson_id: int
    pupil_id: int
    status: Attendance


@dataclass(slots=True)
class Mark:
    id: int | None
    school_id: int
    lesson_id: int
    pupil_id: int
    work_kind: str
    value: str
    comment: str
    author_id: int
    created_at: dt.datetime
    changed_at: dt.datetime | None = None


@dataclass(slots=True)
class AuditEntry:
    """A change to the journal of record: never silent, the old value is kept."""

    id: int | None
    school_id: int
    entity: str  # lesson, attendance, mark, term_mark
    entity_id: int
    field: str
    old_value: str | None
    new_value: str | None
    author_id: int
    at: dt.datetime
    reason: str = ""
    late: bool = False


@dataclass(slots=True)
class Remark:
    """A teacher's word to a pupil's guardians: praise or concern."""

    id: int | None
    school_id: int
    pupil_id: int
    lesson_id: int | None
    author_id: int
    tone: RemarkTone
    text: str
    created_at: dt.datetime


@dataclass(slots=True)
class TermMark:
    id: int | None
    school_id: int
    pupil_id: int
    subject_id: int
    period_id: int
    value: str
    suggested: str | None
    author_id: int
    set_at: dt.datetime


# --------------------------------------------------------------------------- entry windows


class EntryKind(enum.StrEnum):
    LESSON_FACTS = "lesson_facts"  # topic and attendance
    HOMEWORK = "homework"
    ORAL_MARK = "oral_mark"
    WRITTEN_MARK = "written_mark"
    TERM_MARK = "term_mark"


@dataclass(frozen=True, slots=True)
class EntryRules:
    """The school's entry deadlines; the defaults are the regulation's."""

    homework_hours_after_last_lesson: int = 2
    oral_mark_days: int = 1
    written_mark_days_junior: int = 5  # grades 2–9
    written_mark_days_senior: int = 7  # grades 10–11


def end_of_day(day: dt.date, timezone: str) -> dt.datetime:
    """24:00 local time of `day`, as an aware datetime."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), ZoneInfo(timezone))


def entry_deadline(
    kind: EntryKind,
    day: dt.date,
    timezone: str,
    *,
    grade: int = 5,
    last_lesson_ends: dt.time | None = None,
    rules: EntryRules = EntryRules(),
    period_ends: dt.date | None = None,
) -> dt.datetime:
    """When the window for an entry about a lesson on `day` closes, in the school's zone."""
    if kind is EntryKind.LESSON_FACTS:
        return end_of_day(day, timezone)
    if kind is EntryKind.HOMEWORK:
        if last_lesson_ends is None:
            return end_of_day(day, timezone)
        ends = dt.datetime.combine(day, last_lesson_ends, ZoneInfo(timezone))
        return ends + dt.timedelta(hours=rules.homework_hours_after_last_lesson)
    if kind is EntryKind.ORAL_MARK:
        return end_of_day(day + dt.timedelta(days=rules.oral_mark_days), timezone)
    if kind is EntryKind.WRITTEN_MARK:
        days = rules.written_mark_days_senior if grade >= 10 else rules.written_mark_days_junior
        return end_of_day(day + dt.timedelta(days=days), timezone)
    assert period_ends is not None, "a term mark's window is its period"
    return end_of_day(period_ends, timezone)


def is_late(now: dt.datetime, deadline: dt.datetime) -> bool:
    return now >= deadline


# --------------------------------------------------------------------------- changes of record


class ReasonRequired(Forbidden):
    """The entry window has closed: a change now needs a reason, kept in the audit trail."""

    message = "the entry window has closed; give a reason for the change"


class EntryChangeKind(enum.StrEnum):
    NEW = "new"  # nothing stood before: a first entry
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class EntryChange:
    """What one field of the journal (a topic, a homework, a pupil's attendance, a mark, a term
    mark) goes through: the one place that says whether a change is late, whether it needs a
    reason, and what the audit trail keeps. Every use case that writes the journal asks it."""

    old: str | None
    new: str | None
    kind: EntryChangeKind
    late: bool

    @property
    def recorded(self) -> bool:
        """Whether anything changes, so the audit trail gets a line."""
        return self.kind is not EntryChangeKind.UNCHANGED

    @property
    def needs_reason(self) -> bool:
        """After the window a first entry is still welcome; changing what stood is not silent."""
        return self.late and self.kind in (EntryChangeKind.CHANGED, EntryChangeKind.REMOVED)

    def require_reason(self, reason: str) -> None:
        if self.needs_reason and not reason:
            raise ReasonRequired()

    def audit(
        self,
        *,
        school_id: int,
        entity: str,
        entity_id: int,
        field_name: str,
        author_id: int,
        at: dt.datetime,
        reason: str,
    ) -> AuditEntry:
        return AuditEntry(
            id=None,
            school_id=school_id,
            entity=entity,
            entity_id=entity_id,
            field=field_name,
            old_value=self.old,
            new_value=self.new,
            author_id=author_id,
            at=at,
            reason=reason,
            late=self.late,
        )


def entry_change(
    old: str | None, new: str | None, *, late: bool, stood: bool | None = None
) -> EntryChange:
    """Classify a change of one field from `old` to `new` (None: no entry).

    `stood`: whether the old state stood as an entry of record even without a value (a taken
    register, where a pupil with no entry was present; a closed term sheet, where a blank is
    what was reported); by default, whether there was an old value."""
    if stood is None:
        stood = old is not None
    if old == new:
        kind = EntryChangeKind.UNCHANGED
    elif not stood:
        kind = EntryChangeKind.NEW
    elif new is None:
        kind = EntryChangeKind.REMOVED
    else:
        kind = EntryChangeKind.CHANGED
    return EntryChange(old=old, new=new, kind=kind, late=late)


# --------------------------------------------------------------------------- the school day


def is_school_day(day: dt.date, grade: int, holidays: Iterable[Holiday], six_days: bool) -> bool:
    if day.isoweekday() > (6 if six_days else 5):
        return False
    return not any(h.covers(day, grade) for h in holidays)


def school_days(
    first: dt.date, last: dt.date, grade: int, holidays: Sequence[Holiday], six_days: bool
) -> list[dt.date]:
    """The school days of a grade from `first` to `last`, both included."""
    days = []
    day = first
    while day <= last:
        if is_school_day(day, grade, holidays, six_days):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def slots_on(day: dt.date, slots: Iterable[TimetableSlot]) -> list[TimetableSlot]:
    return sorted((s for s in slots if s.valid_on(day)), key=lambda s: (s.lesson, s.class_id))


def last_lesson_end(
    numbers: Sequence[int], bells: Sequence[Bell], shift: int = 1
) -> dt.time | None:
    """When a class's last lesson of the day ends, by the bells; None without bells."""
    if not numbers:
        return None
    by_number = {b.lesson: b for b in bells if b.shift == shift}
    bell = by_number.get(max(numbers))
    return bell.ends if bell else None


# --------------------------------------------------------------------------- lesson state


class LessonState(enum.StrEnum):
    DONE = "done"
    ATTENDANCE_MISSING = "attendance_missing"
    TOPIC_MISSING = "topic_missing"
    HOMEWORK_MISSING = "homework_missing"


def lesson_state(lesson: Lesson) -> list[LessonState]:
    """What is still missing from a lesson, most urgent first; [DONE] when nothing is."""
    missing: list[LessonState] = []
    if not lesson.attendance_taken:
        missing.append(LessonState.ATTENDANCE_MISSING)
    if not lesson.topic:
        missing.append(LessonState.TOPIC_MISSING)
    if lesson.homework is None:
        missing.append(LessonState.HOMEWORK_MISSING)
    return missing or [LessonState.DONE]


@dataclass(slots=True)
class RosterLine:
    """A pupil on a lesson's roster, with what the lesson already holds for them."""

    pupil_id: int
    name: str
    attendance: Attendance | None = None
    marks: list[tuple[str, str]] = field(default_factory=list)  # (work kind, value)


def short_pupil_name(last_name: str, first_name: str) -> str:
    """«Иванов Пётр» — how a roster button names a pupil."""
    return f"{last_name} {first_name}".strip()


def sort_key(name: str) -> str:
    return name.casefold().replace("ё", "е")


# --------------------------------------------------------------------------- homework due


def homework_due(
    day: dt.date, lesson_days: Iterable[dt.date], lessons: Iterable[Lesson]
) -> str | None:
    """What a subject's lessons on `day` ask for: the homework set at the subject's lesson just
    before (the latest lesson of its latest day before `day`, `lesson_days` being every day the
    subject is taught, by the timetable or as given). None when that lesson has none entered
    yet, or set «no homework»: an older lesson's homework is never carried forward, since it
    was due at the lesson in between."""
    before = [d for d in lesson_days if d < day]
    if not before:
        return None
    previous = max(before)
    entered = [x for x in lessons if x.day == previous and x.homework is not None]
    if not entered:
        return None
    return max(entered, key=lambda x: x.lesson_number).homework or None

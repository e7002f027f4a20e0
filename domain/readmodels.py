"""The read models the ports return: rows as the storage reads them for the digests, and the
facts a digest states besides the marks. They live apart from the use cases that read them so
that `domain.ports` and every use case can import them without a cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from domain.journal import Attendance
from domain.model import (
    Assignment,
    Holiday,
    PlanTopic,
    Pupil,
    Subject,
    TimetableSlot,
    WorkKind,
)
from domain.people import Account

# --------------------------------------------------------------------------- rows read


class LessonFact(NamedTuple):
    """A lesson of the class, as much of it as the digest needs."""

    id: int
    day: dt.date
    subject_id: int
    subgroup_id: int | None
    attendance_taken: bool
    plan_topic_id: int | None


class MarkFact(NamedTuple):
    """A mark of a pupil with its lesson's day and subject, and the teacher's comment to it
    ("" without one); a pupil's in (day, mark id) order (a sort by pupil first is half the
    database's work of one by day across the class)."""

    pupil_id: int
    day: dt.date
    subject_id: int
    work_kind: str
    value: str
    comment: str


class MarkCount(NamedTuple):
    """A pupil's marks in a subject for one kind of work, counted as `MarkTally` counts them:
    the numeric ones (values in `forecast.MARK_NUMBERS`) and their sum, and «зач»/«незач»
    (`grading.PASS_FAIL`); the database is given those two lists to count by."""

    pupil_id: int
    subject_id: int
    work_kind: str
    numbers: int
    total: int
    others: int


class AttendanceFact(NamedTuple):
    """An attendance entry of a pupil (any lesson, any class), with its lesson's day; in no
    particular order (what is worked out of them is counts)."""

    pupil_id: int
    lesson_id: int
    day: dt.date
    status: Attendance


class RemarkFact(NamedTuple):
    pupil_id: int
    created_at: dt.datetime
    text: str
    teacher: str  # the author's short name, «Иванова А. П.»


class AccountFact(NamedTuple):
    """An account of a pupil's family: a guardian's (guardian_id set) or the pupil's own."""

    pupil_id: int
    guardian_id: int | None
    account: Account


class TermMarkFact(NamedTuple):
    pupil_id: int
    period_id: int
    subject_id: int
    value: str


@dataclass(slots=True)
class SchoolRows:
    """A school's lists, read once per run, and what is small enough to read for the whole
    school at once rather than a class at a time (pupils, remarks, term marks: three statements a
    school instead of three a class)."""

    work_kinds: list[WorkKind]
    timetable: list[TimetableSlot]
    holidays: list[Holiday]
    assignments: list[Assignment]
    subjects: list[Subject]
    plan_topics: list[PlanTopic]
    used_plan_topics: dict[tuple[int, int], set[int]]  # (class id, subject id) → plan topic ids
    accounts: list[AccountFact]  # of the pupils' guardians and of the pupils themselves
    # class id → the pupils in the class on the day (as `people.roster`), with their subgroups
    pupils: dict[int, list[tuple[Pupil, frozenset[int]]]]
    remarks: list[RemarkFact]  # about the school's pupils since the moment, oldest first
    term_marks: list[TermMarkFact]  # of the periods asked for


@dataclass(slots=True)
class ClassRows:
    """One class's journal for one digest, for the class's pupils (`SchoolRows.pupils`): a
    constant number of queries whatever its size.

    Each row is a tuple (or a driver's record) with the fields of its `…Fact`, in that order.
    Rows may include pupils of the class whom the digest leaves out; they are not looked at.
    The marks come counted (`MarkCount`), and listed one by one only where they are shown:
    since the digest's first day, or over the whole period for a pupil whose chart is drawn.
    """

    lessons: Sequence[LessonFact]  # the class's lessons from min(since, period start) to the day
    mark_counts: Sequence[MarkCount]  # the pupils' marks in the period up to the day, counted
    marks: Sequence[MarkFact]  # those of them shown (see above)
    attendance: Sequence[AttendanceFact]  # from min(since, period start) to the day


# --------------------------------------------------------------------------- digest facts


@dataclass(slots=True)
class DigestFacts:
    """What a digest says besides the marks, for the message and for the printed page."""

    lessons_missed: int
    days_missed: int
    late: int
    remarks: list[DigestRemark]
    upcoming: list[str]


class DigestRemark(NamedTuple):
    """A teacher's word to the family in the digest's weeks, and who wrote it."""

    day: dt.date
    text: str
    teacher: str = ""  # «Иванова А. П.»

"""The records of rows that passed every check, ready to be applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from domain.importing.columns import TABLE_ORDER
from domain.importing.problems import ImportProblem
from domain.importing.reading import Row
from domain.model import GradeRange, Grading, PeriodKind, Role

# --------------------------------------------------------------------------- validated rows

# `keep` on a validated row names the columns whose stored value stays as it is: the file has
# no such column, or (birth_date, enrolled_on, relation) the cell is empty. A new row gets the
# format's default for them.


@dataclass(slots=True)
class StaffRow:
    row: Row
    external_id: str
    last_name: str
    first_name: str
    middle_name: str
    roles: frozenset[Role]
    deputy_grades: GradeRange | None
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class SubjectRow:
    row: Row
    name: str
    short_name: str
    grading: Grading
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class ClassRow:
    row: Row
    name: str
    grade: int
    class_teacher: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class StudentRow:
    row: Row
    external_id: str
    class_name: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    enrolled_on: dt.date | None
    left_on: dt.date | None
    home_schooled: bool
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class GuardianRow:
    row: Row
    external_id: str
    student_id: str
    last_name: str
    first_name: str
    middle_name: str
    relation: str
    phone: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class GroupRow:
    row: Row
    class_name: str
    subject: str
    group: str
    student_id: str


@dataclass(slots=True)
class AssignmentRow:
    row: Row
    teacher_id: str
    subject: str
    class_name: str
    group: str
    hours: Decimal


@dataclass(slots=True)
class BellRow:
    row: Row
    lesson: int
    starts: dt.time
    ends: dt.time
    shift: int


@dataclass(slots=True)
class PeriodRow:
    row: Row
    name: str
    kind: PeriodKind
    grades: GradeRange
    starts: dt.date
    ends: dt.date


@dataclass(slots=True)
class HolidayRow:
    row: Row
    name: str
    starts: dt.date
    ends: dt.date
    grades: GradeRange


@dataclass(slots=True)
class TimetableRow:
    row: Row
    class_name: str
    group: str
    weekday: int
    lesson: int
    subject: str
    teacher_id: str
    room: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class PlanRow:
    row: Row
    subject: str
    grade: int | None
    class_name: str
    number: int
    topic: str
    hours: int
    kind: str
    keep: frozenset[str] = frozenset()


@dataclass(slots=True)
class ValidatedImport:
    """Rows that passed every check, by table, ready to be applied; and what to tell the user."""

    staff: list[StaffRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    classes: list[ClassRow] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    guardians: list[GuardianRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)
    bells: list[BellRow] = field(default_factory=list)
    periods: list[PeriodRow] = field(default_factory=list)
    holidays: list[HolidayRow] = field(default_factory=list)
    timetable: list[TimetableRow] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)

    def tables(self) -> list[str]:
        return [t for t in TABLE_ORDER if getattr(self, t)]

"""The school as the journal sees it: who teaches whom, when, and by what plan.

Plain dataclasses, no persistence concerns. Every entity carries `school_id`, because one
installation serves several schools and nothing may leak between them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from domain.grading import GradingSettings
from domain.stored import as_int


class Role(enum.StrEnum):
    TEACHER = "teacher"
    DEPUTY = "deputy"
    DIRECTOR = "director"
    ADMIN = "admin"
    SECRETARY = "secretary"


class Grading(enum.StrEnum):
    """How a subject is assessed; decides which mark values a teacher may give."""

    MARKS = "marks"
    PASS_FAIL = "pass_fail"
    NONE = "none"


class PeriodKind(enum.StrEnum):
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class GradeRange:
    """Parallels a rule applies to, e.g. 1–9 for quarters, 10–11 for halves."""

    first: int = 1
    last: int = 11

    def __post_init__(self) -> None:
        if not (1 <= self.first <= self.last <= 11):
            raise ValueError(f"bad grade range {self.first}-{self.last}")

    def __contains__(self, grade: object) -> bool:
        return isinstance(grade, int) and self.first <= grade <= self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @classmethod
    def parse(cls, text: str) -> GradeRange:
        """Accepts `5`, `5-9`, `5–9` (the dash Word puts in)."""
        cleaned = text.strip().replace("–", "-").replace("—", "-").replace(" ", "")
        if "-" in cleaned:
            first, _, last = cleaned.partition("-")
            return cls(int(first), int(last))
        return cls(int(cleaned), int(cleaned))


ALL_GRADES = GradeRange(1, 11)


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """What the school sends and when, in its own time zone."""

    evening_reminder: dt.time = dt.time(19, 0)
    six_day_week: bool = False
    digest_weekday: int = 5  # Friday
    digest_time: dt.time = dt.time(18, 0)
    digest_weeks: int = 2  # parents hear at least every two weeks
    term_notice_time: dt.time = dt.time(17, 0)
    private_notifications: bool = False  # no names, marks or subjects in pushes

    def to_dict(self) -> dict[str, object]:
        return {
            "evening_reminder": self.evening_reminder.strftime("%H:%M"),
            "six_day_week": self.six_day_week,
            "digest_weekday": self.digest_weekday,
            "digest_time": self.digest_time.strftime("%H:%M"),
            "digest_weeks": self.digest_weeks,
            "term_notice_time": self.term_notice_time.strftime("%H:%M"),
            "private_notifications": self.private_notifications,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> ScheduleSettings:
        data = data or {}
        base = cls()

        def time_of(key: str, default: dt.time) -> dt.time:
            text = str(data.get(key, default.strftime("%H:%M")))
            hours, _, minutes = text.partition(":")
            return dt.time(int(hours), int(minutes or 0))

        return cls(
            evening_reminder=time_of("evening_reminder", base.evening_reminder),
            six_day_week=bool(data.get("six_day_week", False)),
            digest_weekday=as_int(data.get("digest_weekday", base.digest_weekday)),
            digest_time=time_of("digest_time", base.digest_time),
            digest_weeks=as_int(data.get("digest_weeks", base.digest_weeks)),
            term_notice_time=time_of("term_notice_time", base.term_notice_time),
            private_notifications=bool(data.get("private_notifications", False)),
        )


@dataclass(slots=True)
class School:
    id: int | None
    name: str
    timezone: str
    grading: GradingSettings = field(default_factory=GradingSettings)
    help_contacts: str = ""
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    messengers: tuple[str, ...] = ("telegram", "max")  # offered to its people; MAX alone is one


MESSENGER_NAMES = {"telegram": "Telegram", "max": "MAX"}
"""The messengers the journal runs on, as their people know them."""


def parse_messengers(text: str) -> tuple[str, ...]:
    """`max` or `telegram,max` → the school's messengers, in the journal's order; an unknown
    name or none at all is refused."""
    from domain.errors import InvalidInput

    names = [part.strip().casefold() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in MESSENGER_NAMES]
    if unknown or not names:
        raise InvalidInput(
            "{value} is not a list of messengers: write telegram, max or telegram,max",
            value=text.strip() or "—",
        )
    return tuple(n for n in MESSENGER_NAMES if n in names)


@dataclass(slots=True)
class SchoolYear:
    """A school year runs from 1 September; periods and holidays belong to one."""

    id: int | None
    school_id: int
    name: str
    starts: dt.date
    ends: dt.date

    @staticmethod
    def first_year(day: dt.date) -> int:
        return day.year if day.month >= 9 else day.year - 1

    @staticmethod
    def name_for(day: dt.date) -> str:
        first = SchoolYear.first_year(day)
        return f"{first}/{first + 1}"

    @staticmethod
    def bounds_for(day: dt.date) -> tuple[dt.date, dt.date]:
        """1 September to 31 August: every day belongs to the year whose bounds hold it."""
        first = SchoolYear.first_year(day)
        return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


@dataclass(slots=True)
class Period:
    id: int | None
    school_id: int
    school_year_id: int | None
    name: str
    kind: PeriodKind
    grades: GradeRange
    starts: dt.date
    ends: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends


@dataclass(slots=True)
class Holiday:
    id: int | None
    school_id: int
    name: str
    starts: dt.date
    ends: dt.date
    grades: GradeRange = ALL_GRADES

    def covers(self, day: dt.date, grade: int) -> bool:
        return self.starts <= day <= self.ends and grade in self.grades


@dataclass(slots=True)
class Bell:
    """When lesson N of a shift starts and ends."""

    id: int | None
    school_id: int
    shift: int
    lesson: int
    starts: dt.time
    ends: dt.time


def short_name(last_name: str, first_name: str, middle_name: str | None = "") -> str:
    """«Иванова А. П.»: the last name and the initials."""
    initials = " ".join(f"{p[0]}." for p in (first_name, middle_name) if p)
    return f"{last_name} {initials}".strip()


@dataclass(slots=True)
class StaffMember:
    id: int | None
    school_id: int
    external_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    roles: frozenset[Role] = frozenset()
    deputy_grades: GradeRange | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """«Иванова А. П.», as the journal writes a teacher."""
        return short_name(self.last_name, self.first_name, self.middle_name)


@dataclass(slots=True)
class Subject:
    id: int | None
    school_id: int
    name: str
    short_name: str = ""
    grading: Grading = Grading.MARKS


@dataclass(slots=True)
class SchoolClass:
    id: int | None
    school_id: int
    name: str
    grade: int
    class_teacher_id: int | None = None


@dataclass(slots=True)
class Pupil:
    """A pupil of the school. Home-schooled pupils with special needs stay out of the journal."""

    id: int | None
    school_id: int
    external_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: dt.date | None = None
    enrolled_on: dt.date | None = None
    left_on: dt.date | None = None
    home_schooled: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def in_journal(self, day: dt.date) -> bool:
        """Whether the pupil appears in the electronic journal on `day`."""
        if self.home_schooled:
            return False
        if self.enrolled_on and day < self.enrolled_on:
            return False
        return not (self.left_on and day > self.left_on)

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


@dataclass(slots=True)
class Enrolment:
    """A pupil's stay in one class; a move to another class closes one and opens the next."""

    id: int | None
    school_id: int
    pupil_id: int
    class_id: int
    starts: dt.date
    ends: dt.date | None = None


@dataclass(slots=True)
class Guardian:
    id: int | None
    school_id: int
    external_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass(slots=True)
class Guardianship:
    """A guardian of a pupil; a family with two children has two of these."""

    id: int | None
    school_id: int
    guardian_id: int
    pupil_id: int
    relation: str = ""


@dataclass(slots=True)
class Subgroup:
    """Part of a class taught separately in one subject (e.g. English group 1)."""

    id: int | None
    school_id: int
    class_id: int
    subject_id: int
    name: str


@dataclass(slots=True)
class Assignment:
    """A teacher teaches a subject to a class (or one of its subgroups) so many hours a week."""

    id: int | None
    school_id: int
    teacher_id: int
    subject_id: int
    class_id: int
    subgroup_id: int | None
    hours_per_week: Decimal


@dataclass(slots=True)
class TimetableSlot:
    """A weekly lesson: weekday 1 (Monday) … 6 (Saturday), lesson number by the bells."""

    id: int | None
    school_id: int
    class_id: int
    subgroup_id: int | None
    weekday: int
    lesson: int
    subject_id: int
    teacher_id: int
    room: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        if day.isoweekday() != self.weekday:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


@dataclass(slots=True)
class PlanTopic:
    """A line of the calendar-thematic plan (КТП), for a whole grade or for one class."""

    id: int | None
    school_id: int
    subject_id: int
    grade: int | None
    class_id: int | None
    number: int
    topic: str
    hours: int = 1
    work_kind: str = ""


@dataclass(slots=True)
class WorkKind:
    """A kind of work a mark is given for, and its weight in the weighted mean."""

    id: int | None
    school_id: int
    code: str
    name: str
    weight: Decimal
    written: bool = False

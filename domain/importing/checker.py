"""The machinery of one validation: reading cells, counting warnings, what is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.importing.cells import CellError, parse_date, parse_int
from domain.importing.keys import class_key, clean_name, fold, id_key, school_key
from domain.importing.messages import (
    ABSENT_KEPT,
    EMPTY_KEPT,
    EMPTY_REFUSED,
    IDS_AMBIGUOUS,
    IDS_RESOLVED,
)
from domain.importing.problems import ImportProblem
from domain.importing.reading import Row
from domain.importing.snapshot import SchoolSnapshot
from domain.importing.validated import ValidatedImport
from domain.model import Role

# --------------------------------------------------------------------------- validation


EARLIEST_BIRTH = dt.date(1900, 1, 1)
AHEAD = dt.timedelta(days=366)  # how far ahead an arrival or leaving date may be


@dataclass(slots=True)
class Checker:
    """Collects problems while reading cells, so that one pass reports every bad cell."""

    problems: list[ImportProblem]

    def cell(
        self, row: Row, column: str, parse: Callable[[str], object], *, required: bool = False
    ) -> object:
        text = row.get(column)
        if not text:
            if required:
                self.fail(row, column, "{column} is empty", column=column)
            return None
        try:
            return parse(text)
        except CellError as err:
            self.problems.append(
                ImportProblem.of(row.source, row.number, column, err.message, **err.params)
            )
            return None

    def date(self, row: Row, column: str, *, required: bool = False) -> dt.date | None:
        value = self.cell(row, column, parse_date, required=required)
        return value if isinstance(value, dt.date) else None

    def number(
        self, row: Row, column: str, low: int, high: int, *, required: bool = False
    ) -> int | None:
        value = self.cell(row, column, lambda t: parse_int(t, low, high), required=required)
        return value if isinstance(value, int) else None

    def text(self, row: Row, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = clean_name(row.get(column))
        if required and not value:
            self.fail(row, column, "{column} is empty", column=column)
        elif len(value) > limit:
            self.fail(
                row,
                column,
                "{column} is longer than {limit} characters",
                column=column,
                limit=limit,
            )
        return value

    def name(self, row: Row, column: str, *, required: bool = False, limit: int = 200) -> str:
        """A person's, subject's or class's name: never «?», which is what a letter becomes
        when a file passes through an encoding without Cyrillic."""
        value = self.text(row, column, required=required, limit=limit)
        if "?" in value:
            self.fail(
                row,
                column,
                "{value} has «?» in place of letters: was the file saved in an encoding "
                "without Cyrillic?",
                value=value,
            )
        return value

    def key(self, row: Row, column: str, *, required: bool = True) -> str:
        """A school id (staff, pupil, guardian): compared without invisible characters."""
        return school_key(self.text(row, column, required=required, limit=64))

    def fail(self, row: Row, column: str | None, message: str, /, **params: object) -> None:
        self.problems.append(ImportProblem.of(row.source, row.number, column, message, **params))

    def duplicate(
        self, seen: dict[object, Row], key: object, row: Row, column: str, value: str
    ) -> bool:
        first = seen.get(key)
        if first is not None:
            self.fail(
                row, column, "{value} is already on row {first}", value=value, first=first.number
            )
            return True
        seen[key] = row
        return False


@dataclass(slots=True)
class _Tally:
    """A warning said once per file and column: how many rows, and the first one's values."""

    example: dict[str, object]
    count: int = 0


@dataclass(slots=True)
class Validation:
    """One validation: its checks, its results, and what later tables may refer to.

    Tables are checked in TABLE_ORDER; each adds what it brings (staff ids, classes, pupils,
    groups, lesson numbers) to what the school already has, for the tables after it.
    """

    check: Checker
    snapshot: SchoolSnapshot
    today: dt.date | None
    out: ValidatedImport = field(default_factory=ValidatedImport)
    staff_roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    class_grades: dict[str, int] = field(default_factory=dict)
    pupil_class: dict[str, str] = field(default_factory=dict)
    group_keys: set[tuple[str, str, str]] = field(default_factory=set)
    lessons: set[int] = field(default_factory=set)
    tallies: dict[tuple[str, str, str], _Tally] = field(default_factory=dict)
    # "staff", "pupil", "guardian" → id_key → the spellings stored (or first given in the files)
    spellings: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {"staff": {}, "pupil": {}, "guardian": {}}
    )

    def tally(self, row: Row, column: str, message: str, /, **example: object) -> None:
        """Count a warning of a file's column; the first row's values fill its example."""
        self.tallies.setdefault((row.source, column, message), _Tally(example=example)).count += 1

    def warnings(self) -> list[ImportProblem]:
        return [
            ImportProblem.of(source, None, column, message, count=t.count, **t.example)
            for (source, column, message), t in self.tallies.items()
        ]

    def kept(self, row: Row, stored: bool, *columns: str) -> frozenset[str]:
        """The columns the row's file lacks: a stored row keeps them (and is counted)."""
        absent = frozenset(c for c in columns if not row.has(c))
        if stored:
            for column in absent:
                self.tally(row, column, ABSENT_KEPT)
        return absent

    def empty_kept(self, row: Row, column: str, stored: object) -> frozenset[str]:
        """A fact an empty cell cannot un-know (a birth date, a relation): stored stays, and
        the user hears of it when there was one."""
        if row.has(column) and not row.get(column):
            if stored:
                self.tally(row, column, EMPTY_KEPT)
            return frozenset({column})
        return frozenset()

    def not_emptied(self, row: Row, column: str, stored: object, default: object) -> None:
        """A column with a default (grading, home_schooled, hours, a deputy's grades): an empty
        cell is the default for a new row, but never written over another stored value."""
        if row.has(column) and not row.get(column) and stored is not None and stored != default:
            shown = ("1" if stored else "0") if isinstance(stored, bool) else str(stored)
            self.check.fail(row, column, EMPTY_REFUSED, column=column, value=shown)

    def school_id(
        self, row: Row, column: str, kind: str, *, new: bool = False, required: bool = True
    ) -> str:
        """A staff, pupil or guardian id as the one stored (or first given) that it matches
        after id_key: «t1» is the stored «T1», never a second person. `new`: the row brings
        the person, so an id seen for the first time is theirs."""
        written = self.check.key(row, column, required=required)
        if not written:
            return written
        known = self.spellings[kind].setdefault(id_key(written), [])
        if not known:
            if new:
                known.append(written)
            return written
        if written in known:
            return written
        if len(known) > 1:
            allowed = ", ".join(known)
            self.check.fail(row, column, IDS_AMBIGUOUS, value=written, allowed=allowed)
            return written
        self.tally(row, column, IDS_RESOLVED, value=written, id=known[0])
        return known[0]

    def known_class(self, row: Row, column: str) -> str:
        name = self.check.text(row, column, required=True, limit=20)
        if name and class_key(name) not in self.class_grades:
            self.check.fail(row, column, "there is no class {value}", value=name)
        return name

    def known_subject(self, row: Row, column: str = "subject") -> str:
        name = self.check.text(row, column, required=True, limit=100)
        if name and fold(name) not in self.subjects:
            self.check.fail(row, column, "there is no subject {value}", value=name)
        return name

    def known_teacher(self, row: Row, column: str) -> str:
        ext = self.school_id(row, column, "staff")
        if ext and ext not in self.staff_roles:
            self.check.fail(row, column, "no staff member has the id {value}", value=ext)
        elif ext and Role.TEACHER not in self.staff_roles[ext]:
            self.check.fail(row, column, "staff member {value} is not a teacher", value=ext)
        return ext

    def known_pupil(self, row: Row, column: str = "student_id") -> str:
        ext = self.school_id(row, column, "pupil")
        if ext and ext not in self.pupil_class:
            self.check.fail(row, column, "there is no pupil with the id {value}", value=ext)
        return ext

    def known_group(self, row: Row, cls: str, subject: str) -> str:
        group = self.check.text(row, "group", limit=50)
        if (
            group
            and cls
            and subject
            and (class_key(cls), fold(subject), fold(group)) not in self.group_keys
        ):
            self.check.fail(
                row,
                "group",
                "class {name} has no group {value} in {subject}",
                name=cls,
                value=group,
                subject=subject,
            )
        return group


def ordered(start: dt.date | None, end: dt.date | None) -> bool:
    return start is None or end is None or start <= end

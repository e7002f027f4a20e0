"""The check of the students table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from domain.importing.cells import parse_choice
from domain.importing.checker import AHEAD, EARLIEST_BIRTH, Validation
from domain.importing.columns import BOOL_NAMES
from domain.importing.keys import class_key, school_key
from domain.importing.reading import Row
from domain.importing.tables.staff import person_names
from domain.importing.validated import StudentRow
from domain.model import Pupil


@dataclass(slots=True)
class _PupilDates:
    birth: dt.date | None
    enrolled: dt.date | None
    left: dt.date | None
    keep: frozenset[str]


def check_students(v: Validation, rows: Sequence[Row]) -> None:
    stored = {school_key(p.external_id): p for p in v.snapshot.pupils}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "pupil", new=True)
        cls = v.known_class(row, "class")
        old = stored.get(ext)
        dates = _pupil_dates(v, row, old)
        home = v.check.cell(row, "home_schooled", lambda t: parse_choice(t, BOOL_NAMES))
        if old is not None:
            v.not_emptied(row, "home_schooled", old.home_schooled, False)
        optional = ("middle_name", "birth_date", "enrolled_on", "left_on", "home_schooled")
        last, first, middle = person_names(v.check, row)
        item = StudentRow(
            row=row,
            external_id=ext,
            class_name=cls,
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=dates.birth,
            enrolled_on=dates.enrolled,
            left_on=dates.left,
            home_schooled=bool(home),
            keep=v.kept(row, old is not None, *optional) | dates.keep,
        )
        if ext and not v.check.duplicate(seen, ext, row, "id", school_key(row.get("id"))):
            v.out.students.append(item)
            v.pupil_class[ext] = class_key(cls)


def _pupil_dates(v: Validation, row: Row, old: Pupil | None) -> _PupilDates:
    """A pupil's dates, checked against each other and the calendar, stored ones included."""
    check = v.check
    birth = check.date(row, "birth_date")
    enrolled = check.date(row, "enrolled_on")
    left = check.date(row, "left_on")
    keep = v.empty_kept(row, "birth_date", old and old.birth_date) | v.empty_kept(
        row, "enrolled_on", old and old.enrolled_on
    )
    if birth is not None and birth < EARLIEST_BIRTH:
        check.fail(row, "birth_date", "{value} is before 1900", value=row.get("birth_date"))
    elif birth is not None and v.today is not None and birth > v.today:
        check.fail(row, "birth_date", "{value} is in the future", value=row.get("birth_date"))
    for column, day in (("enrolled_on", enrolled), ("left_on", left)):
        if day is not None and v.today is not None and day > v.today + AHEAD:
            check.fail(row, column, "{value} is more than a year ahead", value=row.get(column))
        elif day is not None and day < EARLIEST_BIRTH:
            check.fail(row, column, "{value} is before 1900", value=row.get(column))

    def effective(column: str, given: dt.date | None) -> dt.date | None:
        if given is not None or old is None:
            return given
        return getattr(old, column) if (not row.has(column) or column in keep) else None

    birth_on = effective("birth_date", birth)
    enrolled_on = effective("enrolled_on", enrolled)
    left_on = effective("left_on", left)
    if enrolled_on and left_on and left_on < enrolled_on:
        check.fail(row, "left_on" if left else "enrolled_on", "the pupil leaves before arriving")
    if birth_on and enrolled_on and birth_on >= enrolled_on:
        check.fail(
            row, "birth_date" if birth else "enrolled_on", "the pupil is born after arriving"
        )
    return _PupilDates(birth=birth, enrolled=enrolled, left=left, keep=keep)

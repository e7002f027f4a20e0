"""Checking every row against the format and the school, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from domain.importing.checker import Checker, Validation
from domain.importing.columns import TABLE_ORDER
from domain.importing.keys import class_key, fold, id_key, school_key
from domain.importing.problems import ImportRejected, RawTable
from domain.importing.reading import Row, read_rows
from domain.importing.snapshot import SchoolSnapshot, latest_enrolments
from domain.importing.tables.assignments import check_assignments
from domain.importing.tables.bells import check_bells
from domain.importing.tables.classes import check_classes
from domain.importing.tables.groups import check_groups
from domain.importing.tables.guardians import check_guardians
from domain.importing.tables.holidays import check_holidays
from domain.importing.tables.periods import check_periods
from domain.importing.tables.plan import check_plan
from domain.importing.tables.staff import check_staff
from domain.importing.tables.students import check_students
from domain.importing.tables.subjects import check_subjects
from domain.importing.tables.timetable import check_timetable
from domain.importing.validated import ValidatedImport


def validate(
    raw_tables: Sequence[RawTable], snapshot: SchoolSnapshot, today: dt.date | None = None
) -> ValidatedImport:
    """Check every row against the format and against the school; raise ImportRejected.

    `today` (the school's date) bounds the dates that cannot be in the future; without it
    only the calendar's own checks apply.
    """
    parsed = read_rows(raw_tables)
    v = Validation(check=Checker(parsed.problems), snapshot=snapshot, today=today)
    _start(v)
    for table, check_table in _TABLE_CHECKS:
        check_table(v, parsed.tables.get(table, []))
    if v.check.problems:
        raise ImportRejected(v.check.problems)
    v.out.warnings = parsed.warnings + v.warnings()
    return v.out


def _start(v: Validation) -> None:
    """What the school has before the import: every reference may point at it."""
    snap = v.snapshot
    v.staff_roles = {school_key(s.external_id): s.roles for s in snap.staff}
    for kind, people in (
        ("staff", snap.staff),
        ("pupil", snap.pupils),
        ("guardian", snap.guardians),
    ):
        for person in people:
            ext = school_key(person.external_id)
            known = v.spellings[kind].setdefault(id_key(ext), [])
            if ext not in known:
                known.append(ext)
    v.subjects = {fold(s.name) for s in snap.subjects}
    v.class_grades = {class_key(c.name): c.grade for c in snap.classes}
    v.lessons = {b.lesson for b in snap.bells}
    classes = {c.id: c for c in snap.classes}
    subjects = {s.id: s for s in snap.subjects}
    latest = latest_enrolments(snap.enrolments)
    for pupil in snap.pupils:
        enrolment = latest.get(pupil.id) if pupil.id is not None else None
        ext = school_key(pupil.external_id)
        if enrolment is not None and enrolment.class_id in classes:
            v.pupil_class[ext] = class_key(classes[enrolment.class_id].name)
        else:
            v.pupil_class.setdefault(ext, "")
    for sg in snap.subgroups:
        if sg.class_id in classes and sg.subject_id in subjects:
            v.group_keys.add(
                (
                    class_key(classes[sg.class_id].name),
                    fold(subjects[sg.subject_id].name),
                    fold(sg.name),
                )
            )


_TABLE_CHECKS: tuple[tuple[str, Callable[[Validation, Sequence[Row]], None]], ...] = (
    ("staff", check_staff),
    ("subjects", check_subjects),
    ("classes", check_classes),
    ("students", check_students),
    ("guardians", check_guardians),
    ("groups", check_groups),
    ("assignments", check_assignments),
    ("bells", check_bells),
    ("periods", check_periods),
    ("holidays", check_holidays),
    ("timetable", check_timetable),
    ("plan", check_plan),
)
assert tuple(t for t, _ in _TABLE_CHECKS) == TABLE_ORDER

"""Turning a school's spreadsheets into the journal's records, or into a list of what is wrong.

The rules are import-format.md's: English or Russian headers, two date formats, school keys that
make a re-import update rather than duplicate, and all-or-nothing: one bad row means nothing is
imported and every bad row is named with its column and reason.

Validation reads nothing but the rows and a snapshot of what the school already has, so it is
pure and runs before a single row is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence

from domain.importing.cells import (
    PHONE_EXAMPLE,
    CellError,
    parse_choice,
    parse_date,
    parse_grades,
    parse_hours,
    parse_int,
    parse_phone,
    parse_time,
)
from domain.importing.checker import AHEAD, EARLIEST_BIRTH, Checker, Validation, ordered
from domain.importing.columns import (
    BOOL_NAMES,
    GRADING_NAMES,
    NAME_COLUMNS,
    PERIOD_KIND_NAMES,
    ROLE_NAMES,
    TABLE_ALIASES,
    TABLE_ORDER,
    TABLES,
    Column,
    table_for_name,
)
from domain.importing.keys import (
    INVISIBLE,
    class_key,
    class_name,
    clean_name,
    fold,
    id_key,
    school_key,
)
from domain.importing.messages import (
    ABSENT_KEPT,
    CLASSES_NORMALISED,
    EMPTY_KEPT,
    EMPTY_REFUSED,
    IDS_AMBIGUOUS,
    IDS_RESOLVED,
    PHONES_NORMALISED,
)
from domain.importing.problems import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    MAX_ROWS,
    MAX_UNPACKED_MB,
    ImportProblem,
    ImportRejected,
    RawTable,
)
from domain.importing.reading import ParsedTables, Row, read_rows
from domain.importing.snapshot import SchoolSnapshot, latest_enrolments
from domain.importing.tables.assignments import check_assignments
from domain.importing.tables.bells import check_bells
from domain.importing.tables.clashes import check_clashes
from domain.importing.tables.classes import check_classes
from domain.importing.tables.groups import check_groups
from domain.importing.tables.guardians import check_guardians
from domain.importing.tables.holidays import check_holidays
from domain.importing.tables.periods import check_periods
from domain.importing.tables.plan import check_plan
from domain.importing.tables.slots import Slot, slot_place, stored_slots
from domain.importing.tables.staff import check_staff
from domain.importing.tables.students import check_students
from domain.importing.tables.subjects import check_subjects
from domain.importing.validated import (
    AssignmentRow,
    BellRow,
    ClassRow,
    GroupRow,
    GuardianRow,
    HolidayRow,
    PeriodRow,
    PlanRow,
    StaffRow,
    StudentRow,
    SubjectRow,
    TimetableRow,
    ValidatedImport,
)

__all__ = [
    "ABSENT_KEPT",
    "AHEAD",
    "BOOL_NAMES",
    "CLASSES_NORMALISED",
    "EARLIEST_BIRTH",
    "EMPTY_KEPT",
    "EMPTY_REFUSED",
    "GRADING_NAMES",
    "IDS_AMBIGUOUS",
    "IDS_RESOLVED",
    "INVISIBLE",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_FILE_MB",
    "MAX_ROWS",
    "MAX_UNPACKED_MB",
    "NAME_COLUMNS",
    "PERIOD_KIND_NAMES",
    "PHONES_NORMALISED",
    "PHONE_EXAMPLE",
    "ROLE_NAMES",
    "TABLES",
    "TABLE_ALIASES",
    "TABLE_ORDER",
    "AssignmentRow",
    "BellRow",
    "CellError",
    "ClassRow",
    "Column",
    "GroupRow",
    "GuardianRow",
    "HolidayRow",
    "ImportProblem",
    "ImportRejected",
    "ParsedTables",
    "PeriodRow",
    "PlanRow",
    "RawTable",
    "Row",
    "SchoolSnapshot",
    "StaffRow",
    "StudentRow",
    "SubjectRow",
    "TimetableRow",
    "ValidatedImport",
    "class_key",
    "class_name",
    "clean_name",
    "fold",
    "id_key",
    "latest_enrolments",
    "parse_choice",
    "parse_date",
    "parse_grades",
    "parse_hours",
    "parse_int",
    "parse_phone",
    "parse_time",
    "read_rows",
    "school_key",
    "table_for_name",
]


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


def _check_timetable(v: Validation, rows: Sequence[Row]) -> None:
    stored = stored_slots(v) if rows else []
    by_place: dict[tuple[object, ...], list[Slot]] = defaultdict(list)
    by_time: dict[tuple[str, int, int], list[Slot]] = defaultdict(list)
    for slot in stored:
        by_place[slot.place].append(slot)
        by_time[(slot.class_key, slot.weekday, slot.lesson)].append(slot)
    stored_by_key = {slot.key: slot for slot in stored}
    seen: dict[object, Row] = {}
    for row in rows:
        cls = v.known_class(row, "class")
        subject = v.known_subject(row)
        group = v.known_group(row, cls, subject)
        weekday = v.check.number(row, "weekday", 1, 6, required=True)
        lesson = v.check.number(row, "lesson", 0, 12, required=True)
        teacher = v.known_teacher(row, "teacher_id")
        if lesson is not None:
            _check_bell(v, row, lesson)
        valid_from = v.check.date(row, "valid_from")
        valid_to = v.check.date(row, "valid_to")
        if not ordered(valid_from, valid_to):
            v.check.fail(row, "valid_to", "the lesson stops before it starts")
            continue
        if not (cls and subject and teacher and weekday is not None and lesson is not None):
            continue
        if not row.has("group"):
            same_time = by_time.get((class_key(cls), weekday, lesson), [])
            group = _stored_group(v, row, teacher, same_time)
        place = slot_place(class_key(cls), fold(subject), fold(group), weekday, lesson)
        if not row.has("valid_from"):
            valid_from = _stored_start(v, row, by_place.get(place, []))
        old = stored_by_key.get((*place, valid_from))
        if old is not None and not row.has("valid_to"):
            valid_to = old.ends  # kept: the clash checks must see the stored end
        if not ordered(valid_from, valid_to):
            v.check.fail(row, "valid_to", "the lesson stops before it starts")
            continue
        key = (class_key(cls), fold(group), weekday, lesson, valid_from)
        if v.check.duplicate(seen, key, row, "lesson", str(lesson)):
            continue
        v.out.timetable.append(
            TimetableRow(
                row=row,
                class_name=cls,
                group=group,
                weekday=weekday,
                lesson=lesson,
                subject=subject,
                teacher_id=teacher,
                room=v.check.text(row, "room", limit=20),
                valid_from=valid_from,
                valid_to=valid_to,
                keep=v.kept(row, old is not None, "room", "valid_to"),
            )
        )
    check_clashes(v, v.out.timetable, stored)


def _check_bell(v: Validation, row: Row, lesson: int) -> None:
    """A lesson number means a time only through the bells (stored or imported now)."""
    if lesson in v.lessons:
        return
    if v.lessons:
        v.check.fail(
            row,
            "lesson",
            "there is no bell for lesson {value}; the bells have lessons {allowed}",
            value=lesson,
            allowed=", ".join(str(n) for n in sorted(v.lessons)),
        )
    else:
        v.check.fail(
            row,
            "lesson",
            "there is no bell for lesson {value}: the school has no bells yet (import bells too)",
            value=lesson,
        )


def _stored_group(v: Validation, row: Row, teacher: str, same_time: list[Slot]) -> str:
    """Without the column group, a row is the stored lesson of its class at that time with
    its subject and teacher (say, English group 1 with T2), when there is exactly one."""
    subject = fold(row.get("subject"))
    groups = {s.group_name for s in same_time if s.subject == subject and s.teacher == teacher}
    if len(groups) != 1 or not (group := groups.pop()):
        return ""
    v.tally(row, "group", ABSENT_KEPT)
    return group


def _stored_start(v: Validation, row: Row, candidates: list[Slot]) -> dt.date | None:
    """Without the column valid_from, a row is the stored lesson at its place (the current one)."""
    if len(candidates) > 1 and v.today is not None:
        today = v.today
        candidates = [s for s in candidates if s.ends is None or s.ends >= today]
    if len(candidates) != 1:
        return None
    v.tally(row, "valid_from", ABSENT_KEPT)
    return candidates[0].starts


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
    ("timetable", _check_timetable),
    ("plan", check_plan),
)
assert tuple(t for t, _ in _TABLE_CHECKS) == TABLE_ORDER

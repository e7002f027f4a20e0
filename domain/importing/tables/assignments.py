"""The check of the assignments table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from domain.importing.cells import parse_hours
from domain.importing.checker import Validation
from domain.importing.keys import class_key, fold, school_key
from domain.importing.messages import ABSENT_KEPT
from domain.importing.reading import Row
from domain.importing.validated import AssignmentRow


def check_assignments(v: Validation, rows: Sequence[Row]) -> None:
    stored = _stored_assignment_groups(v) if rows else {}
    seen: dict[object, Row] = {}
    for row in rows:
        teacher = v.known_teacher(row, "teacher_id")
        subject = v.known_subject(row)
        cls = v.known_class(row, "class")
        group = v.known_group(row, cls, subject)
        if not row.has("group"):
            # The group is part of the key: without the column, the one stored assignment of
            # this teacher, subject and class is meant, not a new one for the whole class.
            same = stored.get((teacher, fold(subject), class_key(cls)), [])
            if len(same) == 1 and same[0]:
                group = same[0]
                v.tally(row, "group", ABSENT_KEPT)
        hours = v.check.cell(row, "hours_per_week", parse_hours, required=True)
        key = (teacher, fold(subject), class_key(cls), fold(group))
        if (
            teacher
            and subject
            and cls
            and isinstance(hours, Decimal)
            and not v.check.duplicate(seen, key, row, "teacher_id", teacher)
        ):
            v.out.assignments.append(
                AssignmentRow(
                    row=row,
                    teacher_id=teacher,
                    subject=subject,
                    class_name=cls,
                    group=group,
                    hours=hours,
                )
            )


def _stored_assignment_groups(v: Validation) -> dict[tuple[str, str, str], list[str]]:
    """(teacher, subject, class) → the group names of its stored assignments ("" for all)."""
    snap = v.snapshot
    staff = {s.id: school_key(s.external_id) for s in snap.staff}
    subjects = {s.id: fold(s.name) for s in snap.subjects}
    classes = {c.id: class_key(c.name) for c in snap.classes}
    groups = {g.id: g.name for g in snap.subgroups}
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for a in snap.assignments:
        key = (
            staff.get(a.teacher_id, ""),
            subjects.get(a.subject_id, ""),
            classes.get(a.class_id, ""),
        )
        found[key].append(groups.get(a.subgroup_id, "") if a.subgroup_id is not None else "")
    return found

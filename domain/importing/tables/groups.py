"""The check of the groups table."""

from __future__ import annotations

from collections.abc import Sequence

from domain.importing.checker import Validation
from domain.importing.keys import class_key, fold
from domain.importing.reading import Row
from domain.importing.validated import GroupRow


def check_groups(v: Validation, rows: Sequence[Row]) -> None:
    seen: dict[object, Row] = {}
    for row in rows:
        cls = v.known_class(row, "class")
        subject = v.known_subject(row)
        group = v.check.text(row, "group", required=True, limit=50)
        student = v.school_id(row, "student_id", "pupil")
        if student and student not in v.pupil_class:
            v.check.fail(row, "student_id", "there is no pupil with the id {value}", value=student)
        elif student and cls and v.pupil_class[student] != class_key(cls):
            v.check.fail(
                row, "student_id", "pupil {value} is not in class {name}", value=student, name=cls
            )
        key = (class_key(cls), fold(subject), student)
        if (
            cls
            and subject
            and group
            and student
            and not v.check.duplicate(seen, key, row, "student_id", student)
        ):
            v.out.groups.append(
                GroupRow(row=row, class_name=cls, subject=subject, group=group, student_id=student)
            )
            v.group_keys.add((class_key(cls), fold(subject), fold(group)))

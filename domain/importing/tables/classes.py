"""The check of the classes table."""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.importing.checker import Validation
from domain.importing.keys import class_key, class_name
from domain.importing.messages import CLASSES_NORMALISED
from domain.importing.reading import Row
from domain.importing.validated import ClassRow


def check_classes(v: Validation, rows: Sequence[Row]) -> None:
    stored = {class_key(c.name) for c in v.snapshot.classes}
    seen: dict[object, Row] = {}
    for row in rows:
        written = v.check.name(row, "name", required=True, limit=20)
        name = class_name(written)
        if name != written:
            v.tally(row, "name", CLASSES_NORMALISED, value=written, name=name)
        grade = v.check.number(row, "grade", 1, 11, required=True)
        teacher = v.school_id(row, "class_teacher", "staff", required=False)
        if teacher and teacher not in v.staff_roles:
            v.check.fail(row, "class_teacher", "no staff member has the id {value}", value=teacher)
        digits = re.match(r"^(\d{1,2})", class_key(name))
        if digits and grade is not None and int(digits.group(1)) != grade:
            v.check.fail(
                row, "grade", "class {name} is not in grade {grade}", name=written, grade=grade
            )
        if (
            name
            and grade is not None
            and not v.check.duplicate(seen, class_key(name), row, "name", written)
        ):
            keep = v.kept(row, class_key(name) in stored, "class_teacher")
            v.out.classes.append(
                ClassRow(row=row, name=name, grade=grade, class_teacher=teacher, keep=keep)
            )
    v.class_grades.update({class_key(c.name): c.grade for c in v.out.classes})

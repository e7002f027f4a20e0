"""The check of the plan table."""

from __future__ import annotations

from collections.abc import Sequence

from domain.importing.checker import Validation
from domain.importing.keys import class_key, fold
from domain.importing.reading import Row
from domain.importing.validated import PlanRow


def check_plan(v: Validation, rows: Sequence[Row]) -> None:
    subjects = {s.id: fold(s.name) for s in v.snapshot.subjects}
    classes = {c.id: class_key(c.name) for c in v.snapshot.classes}
    stored = {
        (
            subjects.get(p.subject_id),
            classes.get(p.class_id) if p.class_id else p.grade,
            p.number,
        ): p
        for p in v.snapshot.plan
    }
    seen: dict[object, Row] = {}
    for row in rows:
        subject = v.known_subject(row)
        grade = v.check.number(row, "grade", 1, 11)
        cls = v.known_class(row, "class") if row.get("class") else ""
        if grade is None and not cls:
            v.check.fail(row, "grade", "give the grade or the class")
        number = v.check.number(row, "number", 1, 1000, required=True)
        topic = v.check.text(row, "topic", required=True, limit=500)
        hours = v.check.number(row, "hours", 1, 20) or 1
        kind = v.check.text(row, "kind", limit=50)
        if not (subject and topic and number is not None and (grade is not None or cls)):
            continue
        key = (fold(subject), class_key(cls) if cls else grade, number)
        if key in stored:
            v.not_emptied(row, "hours", stored[key].hours, 1)
        if not v.check.duplicate(seen, key, row, "number", str(number)):
            v.out.plan.append(
                PlanRow(
                    row=row,
                    subject=subject,
                    grade=grade,
                    class_name=cls,
                    number=number,
                    topic=topic,
                    hours=hours,
                    kind=kind,
                    keep=v.kept(row, key in stored, "hours", "kind"),
                )
            )

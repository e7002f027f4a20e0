"""Who teaches what (assignments) and the plan of topics."""

from __future__ import annotations

from domain.importing import ValidatedImport, class_key, fold
from domain.model import Assignment, PlanTopic
from domain.usecases.import_apply.merge import stored_id
from domain.usecases.import_apply.state import ApplyState


async def apply_assignments(a: ApplyState, v: ValidatedImport) -> None:
    incoming = []
    for r in v.assignments:
        class_id = a.classes[class_key(r.class_name)].id
        subject_id = a.subjects[fold(r.subject)].id
        assert class_id is not None and subject_id is not None
        incoming.append(
            Assignment(
                id=None,
                school_id=a.school_id,
                teacher_id=stored_id(a.staff[r.teacher_id]),
                subject_id=subject_id,
                class_id=class_id,
                subgroup_id=a.group_id(class_id, subject_id, r.group),
                hours_per_week=r.hours,
            )
        )
    await a.store(
        "assignments",
        a.snap.assignments,
        incoming,
        lambda a: (a.teacher_id, a.subject_id, a.class_id, a.subgroup_id),
    )


async def apply_plan(a: ApplyState, v: ValidatedImport) -> None:
    incoming = []
    for r in v.plan:
        subject_id = a.subjects[fold(r.subject)].id
        class_id = a.classes[class_key(r.class_name)].id if r.class_name else None
        assert subject_id is not None
        incoming.append(
            PlanTopic(
                id=None,
                school_id=a.school_id,
                subject_id=subject_id,
                grade=None if class_id else r.grade,
                class_id=class_id,
                number=r.number,
                topic=r.topic,
                hours=r.hours,
                work_kind=r.kind,
            )
        )
    await a.store(
        "plan",
        a.snap.plan,
        incoming,
        lambda p: (p.subject_id, p.grade, p.class_id, p.number),
        keeps=[r.keep for r in v.plan],
    )

"""The timetable's slots."""

from __future__ import annotations

from domain.importing import ValidatedImport, class_key, fold
from domain.model import TimetableSlot
from domain.usecases.import_apply.merge import stored_id
from domain.usecases.import_apply.state import ApplyState


async def apply_timetable(a: ApplyState, v: ValidatedImport) -> None:
    incoming = []
    for r in v.timetable:
        class_id = a.classes[class_key(r.class_name)].id
        subject_id = a.subjects[fold(r.subject)].id
        assert class_id is not None and subject_id is not None
        incoming.append(
            TimetableSlot(
                id=None,
                school_id=a.school_id,
                class_id=class_id,
                subgroup_id=a.group_id(class_id, subject_id, r.group),
                weekday=r.weekday,
                lesson=r.lesson,
                subject_id=subject_id,
                teacher_id=stored_id(a.staff[r.teacher_id]),
                room=r.room,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
        )
    await a.store(
        "timetable",
        a.snap.timetable,
        incoming,
        lambda t: (t.class_id, t.subgroup_id, t.weekday, t.lesson, t.valid_from),
        keeps=[r.keep for r in v.timetable],
    )

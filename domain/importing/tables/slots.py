"""Weekly lessons as the timetable checks see them, from the file or stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.importing.checker import Validation
from domain.importing.keys import class_key, fold, school_key
from domain.importing.reading import Row


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly lesson as the clash checks see it: from the file (with its row) or stored."""

    row: Row | None
    class_key: str
    class_name: str
    group: str  # folded group name; "" for the whole class
    place: tuple[object, ...]  # class, subgroup, weekday, lesson: with valid_from, its key
    teacher: str
    subject: str  # folded
    group_name: str  # as written
    weekday: int
    lesson: int
    starts: dt.date | None
    ends: dt.date | None

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two rows the same stored lesson (the applier's key)."""
        return (*self.place, self.starts)


def slot_place(cls: str, subject: str, group: str, weekday: int, lesson: int) -> tuple[object, ...]:
    return (cls, (subject, group) if group else None, weekday, lesson)


def stored_slots(v: Validation) -> list[Slot]:
    snap = v.snapshot
    classes = {c.id: c.name for c in snap.classes}
    subjects = {s.id: fold(s.name) for s in snap.subjects}
    groups = {g.id: g for g in snap.subgroups}
    staff = {s.id: school_key(s.external_id) for s in snap.staff}
    slots = []
    for t in snap.timetable:
        name = classes.get(t.class_id)
        if name is None:
            continue
        sg = groups.get(t.subgroup_id) if t.subgroup_id is not None else None
        group = fold(sg.name) if sg else ""
        subject = subjects.get(sg.subject_id if sg else t.subject_id, "")
        slots.append(
            Slot(
                row=None,
                class_key=class_key(name),
                class_name=name,
                group=group,
                place=slot_place(class_key(name), subject, group, t.weekday, t.lesson),
                teacher=staff.get(t.teacher_id, ""),
                subject=subjects.get(t.subject_id, ""),
                group_name=sg.name if sg else "",
                weekday=t.weekday,
                lesson=t.lesson,
                starts=t.valid_from,
                ends=t.valid_to,
            )
        )
    return slots

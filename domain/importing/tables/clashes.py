"""A teacher or a class in two places at once."""

from __future__ import annotations

from collections import defaultdict

from domain.importing.checker import Validation
from domain.importing.keys import class_key, fold
from domain.importing.tables.slots import Slot, slot_place
from domain.importing.validated import TimetableRow


def check_clashes(v: Validation, incoming: list[TimetableRow], stored: list[Slot]) -> None:
    """A teacher or a class in two places at once: in the file, or with the stored timetable.

    Two groups of one class may have lessons at the same time (English group 1 and group 2,
    each with its teacher); the whole class and one of its groups may not, and a teacher may
    not be with two classes or two groups at once. Lessons whose dates do not overlap
    (valid_from / valid_to) never clash.
    """
    new = [
        Slot(
            row=r.row,
            class_key=class_key(r.class_name),
            class_name=r.class_name,
            group=fold(r.group),
            place=slot_place(
                class_key(r.class_name), fold(r.subject), fold(r.group), r.weekday, r.lesson
            ),
            teacher=r.teacher_id,
            subject=fold(r.subject),
            group_name=r.group,
            weekday=r.weekday,
            lesson=r.lesson,
            starts=r.valid_from,
            ends=r.valid_to,
        )
        for r in incoming
    ]
    replaced = {s.key for s in new}
    kept = [s for s in stored if s.key not in replaced]
    by_teacher: dict[tuple[str, int, int], list[Slot]] = defaultdict(list)
    by_class: dict[tuple[str, int, int], list[Slot]] = defaultdict(list)
    for slot in new + kept:
        by_teacher[(slot.teacher, slot.weekday, slot.lesson)].append(slot)
        by_class[(slot.class_key, slot.weekday, slot.lesson)].append(slot)
    for same_time in by_teacher.values():
        _tell_clashes(v, same_time, teacher=True)
    for same_time in by_class.values():
        _tell_clashes(v, same_time, teacher=False)


def _tell_clashes(v: Validation, slots: list[Slot], *, teacher: bool) -> None:
    """Each row of the file is told its first clash: with an earlier row, else a stored one."""
    if len(slots) < 2:
        return
    for i, a in enumerate(slots):
        if a.row is None:
            continue
        others = slots[:i] + [s for s in slots[i + 1 :] if s.row is None]
        clash = next((b for b in others if _clash(a, b, teacher=teacher)), None)
        if clash is None:
            continue
        if teacher and clash.row is not None:
            v.check.fail(
                a.row,
                "teacher_id",
                "teacher {value} already teaches {name} at this time on row {first}",
                value=a.teacher,
                name=clash.class_name,
                first=clash.row.number,
            )
        elif teacher:
            v.check.fail(
                a.row,
                "teacher_id",
                "teacher {value} already teaches {name} at this time in the stored timetable",
                value=a.teacher,
                name=clash.class_name,
            )
        elif clash.row is not None:
            v.check.fail(
                a.row,
                "lesson",
                "class {name} already has a lesson at this time on row {first}",
                name=a.class_name,
                first=clash.row.number,
            )
        else:
            v.check.fail(
                a.row,
                "lesson",
                "class {name} already has a lesson at this time in the stored timetable",
                name=a.class_name,
            )


def _clash(a: Slot, b: Slot, *, teacher: bool) -> bool:
    dates_meet = (a.starts is None or b.ends is None or a.starts <= b.ends) and (
        b.starts is None or a.ends is None or b.starts <= a.ends
    )
    if not dates_meet:
        return False
    return teacher or not a.group or not b.group or a.group == b.group

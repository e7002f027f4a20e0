"""The check of the timetable table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from domain.importing.checker import Validation, ordered
from domain.importing.keys import class_key, fold
from domain.importing.messages import ABSENT_KEPT
from domain.importing.reading import Row
from domain.importing.tables.clashes import check_clashes
from domain.importing.tables.slots import Slot, slot_place, stored_slots
from domain.importing.validated import TimetableRow


def check_timetable(v: Validation, rows: Sequence[Row]) -> None:
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

"""Write a validated import: one applier step per table, in the order the tables need.

A re-import updates rows with the same school key and adds new ones; it never duplicates and
never deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol, TypeVar

from domain.importing import (
    ImportProblem,
    SchoolSnapshot,
    ValidatedImport,
    class_key,
    fold,
    latest_enrolments,
    school_key,
)
from domain.model import (
    Assignment,
    Bell,
    Enrolment,
    Guardian,
    Guardianship,
    Holiday,
    Period,
    PlanTopic,
    Pupil,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
)
from domain.ports import SchoolDirectory


@dataclass(slots=True)
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(slots=True)
class ImportReport:
    """What an import did, per table, in the order a secretary reads it, and its warnings:
    what it ignored (a column, a file), normalised (a phone, a class name) or kept as stored
    (a column the files lack)."""

    tables: dict[str, TableCounts] = field(default_factory=dict)
    warnings: list[ImportProblem] = field(default_factory=list)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())


T = TypeVar("T", bound="_Entity")
K = TypeVar("K", bound=Hashable)


class _Entity(Protocol):
    """A stored record: its id is None until saved, then set in place by the directory."""

    @property
    def id(self) -> int | None: ...


def _stored_id(entity: _Entity) -> int:
    """The id of a record this import has saved or found stored (set by then)."""
    assert entity.id is not None
    return entity.id


# A validated row's `keep` names import columns; these are the entity fields they fill.
FIELD_OF_COLUMN = {"class_teacher": "class_teacher_id", "kind": "work_kind"}


def _kept_fields(entity: Any, keep: frozenset[str]) -> list[str]:
    names = {f.name for f in fields(entity)}
    return [f for f in (FIELD_OF_COLUMN.get(c, c) for c in keep) if f in names]


def _merge(
    existing: Sequence[T],
    incoming: Sequence[T],
    key: Callable[[T], K],
    keeps: Sequence[frozenset[str]] | None = None,
) -> tuple[list[T], list[T], int, dict[K, T]]:
    """Split incoming entities into inserts and real updates; an update keeps the stored id
    and, for the columns in its `keeps` entry, the stored values (the file did not give them)."""
    by_key: dict[K, T] = {key(e): e for e in existing}
    inserts: list[T] = []
    updates: list[T] = []
    unchanged = 0
    for index, item in enumerate(incoming):
        k = key(item)
        old = by_key.get(k)
        if old is None:
            inserts.append(item)
            by_key[k] = item
            continue
        keep = keeps[index] if keeps is not None else frozenset()
        stored = {f: getattr(old, f) for f in _kept_fields(old, keep)}
        # the records are dataclasses; a Protocol bound cannot say so to replace()
        merged = replace(item, id=old.id, **stored)  # type: ignore[type-var]
        if merged == old:
            unchanged += 1
        else:
            updates.append(merged)
            by_key[k] = merged
    return inserts, updates, unchanged, by_key


class Applier:
    """Writes validated rows table by table, resolving school keys to stored ids."""

    def __init__(
        self,
        directory: SchoolDirectory,
        snapshot: SchoolSnapshot,
        report: ImportReport,
        today: dt.date,
    ) -> None:
        self.directory = directory
        self.snap = snapshot
        self.report = report
        self.today = today
        self.school_id = snapshot.school_id
        self.staff = {school_key(s.external_id): s for s in snapshot.staff}
        self.subjects = {fold(s.name): s for s in snapshot.subjects}
        self.classes = {class_key(c.name): c for c in snapshot.classes}
        self.pupils = {school_key(p.external_id): p for p in snapshot.pupils}
        self.guardians = {school_key(g.external_id): g for g in snapshot.guardians}
        self.subgroups = {(s.class_id, s.subject_id, fold(s.name)): s for s in snapshot.subgroups}
        self.years = {y.name: y for y in snapshot.school_years}

    async def _store(
        self,
        table: str,
        existing: Sequence[T],
        incoming: Sequence[T],
        key: Callable[[T], K],
        count: bool = True,
        keeps: Sequence[frozenset[str]] | None = None,
    ) -> dict[K, T]:
        inserts, updates, unchanged, by_key = _merge(existing, incoming, key, keeps)
        if inserts or updates:
            await self.directory.save(inserts, updates)
        if count:
            counts = self.report.counts(table)
            counts.added += len(inserts)
            counts.updated += len(updates)
            counts.unchanged += unchanged
        return by_key

    def _group_id(self, class_id: int, subject_id: int, group: str) -> int | None:
        if not group:
            return None
        return self.subgroups[(class_id, subject_id, fold(group))].id

    async def apply(self, v: ValidatedImport) -> None:
        """Each table in the order its keys are needed (classes need staff, pupils classes)."""
        steps = (
            (v.staff, _staff),
            (v.subjects, _subjects),
            (v.classes, _classes),
            (v.students, _students),
            (v.guardians, _guardians),
            (v.groups, _groups),
            (v.assignments, _assignments),
            (v.bells, _bells),
            (v.periods or v.holidays, _years),
            (v.periods, _periods),
            (v.holidays, _holidays),
            (v.timetable, _timetable),
            (v.plan, _plan),
        )
        for rows, step in steps:
            if rows:
                await step(self, v)


async def _staff(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming = [
        StaffMember(
            id=None,
            school_id=sid,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            roles=r.roles,
            deputy_grades=r.deputy_grades,
        )
        for r in v.staff
    ]
    stored = await a._store(
        "staff",
        a.snap.staff,
        incoming,
        lambda s: school_key(s.external_id),
        keeps=[r.keep for r in v.staff],
    )
    a.staff = dict(stored)


async def _subjects(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_subjects = [
        Subject(id=None, school_id=sid, name=r.name, short_name=r.short_name, grading=r.grading)
        for r in v.subjects
    ]
    stored = await a._store(
        "subjects",
        a.snap.subjects,
        incoming_subjects,
        lambda s: fold(s.name),
        keeps=[r.keep for r in v.subjects],
    )
    a.subjects = dict(stored)


async def _classes(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_classes = [
        SchoolClass(
            id=None,
            school_id=sid,
            name=r.name,
            grade=r.grade,
            class_teacher_id=a.staff[r.class_teacher].id if r.class_teacher else None,
        )
        for r in v.classes
    ]
    stored = await a._store(
        "classes",
        a.snap.classes,
        incoming_classes,
        lambda c: class_key(c.name),
        keeps=[r.keep for r in v.classes],
    )
    a.classes = dict(stored)


async def _bells(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_bells = [
        Bell(
            id=None,
            school_id=sid,
            shift=r.shift,
            lesson=r.lesson,
            starts=r.starts,
            ends=r.ends,
        )
        for r in v.bells
    ]
    await a._store("bells", a.snap.bells, incoming_bells, lambda b: (b.shift, b.lesson))


async def _periods(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_periods = [
        Period(
            id=None,
            school_id=sid,
            school_year_id=a.years[SchoolYear.name_for(r.starts)].id,
            name=r.name,
            kind=r.kind,
            grades=r.grades,
            starts=r.starts,
            ends=r.ends,
        )
        for r in v.periods
    ]
    await a._store(
        "periods",
        a.snap.periods,
        incoming_periods,
        lambda p: (p.school_year_id, fold(p.name), str(p.grades)),
    )


async def _holidays(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming_holidays = [
        Holiday(
            id=None,
            school_id=sid,
            name=r.name,
            starts=r.starts,
            ends=r.ends,
            grades=r.grades,
        )
        for r in v.holidays
    ]
    await a._store(
        "holidays",
        a.snap.holidays,
        incoming_holidays,
        lambda h: (SchoolYear.name_for(h.starts), fold(h.name), str(h.grades)),
    )


async def _students(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming = [
        Pupil(
            id=None,
            school_id=sid,
            external_id=r.external_id,
            last_name=r.last_name,
            first_name=r.first_name,
            middle_name=r.middle_name,
            birth_date=r.birth_date,
            enrolled_on=r.enrolled_on,
            left_on=r.left_on,
            home_schooled=r.home_schooled,
        )
        for r in v.students
    ]
    stored = await a._store(
        "students",
        a.snap.pupils,
        incoming,
        lambda p: school_key(p.external_id),
        keeps=[r.keep for r in v.students],
    )
    a.pupils = dict(stored)
    latest = latest_enrolments(a.snap.enrolments)
    closes: list[Enrolment] = []
    opens: list[Enrolment] = []
    for r in v.students:
        # The pupil as stored now: dates the file did not give are the stored ones.
        pupil = a.pupils[r.external_id]
        class_id = a.classes[class_key(r.class_name)].id
        assert pupil.id is not None and class_id is not None
        left_on = pupil.left_on
        current = latest.get(pupil.id)
        if current is not None and current.class_id == class_id:
            if current.ends != left_on:
                closes.append(replace(current, ends=left_on))
            continue
        # Without an arrival date the pupil is taken to be in the class since the school
        # year began: a November import must not drop them from September's lessons.
        starts = pupil.enrolled_on or SchoolYear.bounds_for(a.today)[0]
        if left_on and left_on < starts:
            starts = left_on
        if current is not None:
            # A move: the old class ends yesterday, the new one starts today.
            move_day = max(a.today, current.starts + dt.timedelta(days=1))
            if current.ends is None or current.ends >= move_day:
                closes.append(replace(current, ends=move_day - dt.timedelta(days=1)))
            starts = move_day
        opens.append(
            Enrolment(
                id=None,
                school_id=sid,
                pupil_id=pupil.id,
                class_id=class_id,
                starts=starts,
                ends=left_on,
            )
        )
    if opens or closes:
        await a.directory.save(opens, closes)


async def _guardians(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    people: dict[str, Guardian] = {}
    keeps: dict[str, frozenset[str]] = {}
    for r in v.guardians:
        if r.external_id not in people:
            keeps[r.external_id] = r.keep
            people[r.external_id] = Guardian(
                id=None,
                school_id=sid,
                external_id=r.external_id,
                last_name=r.last_name,
                first_name=r.first_name,
                middle_name=r.middle_name,
                phone=r.phone,
            )
    stored = await a._store(
        "guardians",
        a.snap.guardians,
        list(people.values()),
        lambda g: school_key(g.external_id),
        keeps=list(keeps.values()),
    )
    a.guardians = dict(stored)
    links = [
        Guardianship(
            id=None,
            school_id=sid,
            guardian_id=_stored_id(a.guardians[r.external_id]),
            pupil_id=_stored_id(a.pupils[r.student_id]),
            relation=r.relation,
        )
        for r in v.guardians
    ]
    await a._store(
        "guardian_links",
        a.snap.guardianships,
        links,
        lambda g: (g.guardian_id, g.pupil_id),
        keeps=[r.keep for r in v.guardians],
    )


async def _groups(a: Applier, v: ValidatedImport) -> None:
    sid = a.school_id
    incoming: dict[tuple[int, int, str], Subgroup] = {}
    for r in v.groups:
        class_id = a.classes[class_key(r.class_name)].id
        subject_id = a.subjects[fold(r.subject)].id
        assert class_id is not None and subject_id is not None
        incoming.setdefault(
            (class_id, subject_id, fold(r.group)),
            Subgroup(
                id=None, school_id=sid, class_id=class_id, subject_id=subject_id, name=r.group
            ),
        )
    stored = await a._store(
        "groups",
        a.snap.subgroups,
        list(incoming.values()),
        lambda s: (s.class_id, s.subject_id, fold(s.name)),
    )
    a.subgroups = dict(stored)
    # A pupil is in one group of a subject: joining one leaves the others.
    group_of = {s.id: (s.class_id, s.subject_id) for s in a.subgroups.values()}
    current: dict[tuple[int, int, int], int] = {}
    for subgroup_id, pupil_id in a.snap.subgroup_members:
        if subgroup_id in group_of:
            current[(*group_of[subgroup_id], pupil_id)] = subgroup_id
    adds: list[tuple[int, int]] = []
    removes: list[tuple[int, int]] = []
    for r in v.groups:
        class_id = _stored_id(a.classes[class_key(r.class_name)])
        subject_id = _stored_id(a.subjects[fold(r.subject)])
        group_id = _stored_id(a.subgroups[(class_id, subject_id, fold(r.group))])
        pupil_id = _stored_id(a.pupils[r.student_id])
        key = (class_id, subject_id, pupil_id)
        was = current.get(key)
        if was == group_id:
            continue
        if was is not None:
            removes.append((was, pupil_id))
        adds.append((group_id, pupil_id))
        current[key] = group_id
    if removes:
        await a.directory.remove_subgroup_members(removes)
    if adds:
        await a.directory.add_subgroup_members(a.school_id, adds)


async def _assignments(a: Applier, v: ValidatedImport) -> None:
    incoming = []
    for r in v.assignments:
        class_id = a.classes[class_key(r.class_name)].id
        subject_id = a.subjects[fold(r.subject)].id
        assert class_id is not None and subject_id is not None
        incoming.append(
            Assignment(
                id=None,
                school_id=a.school_id,
                teacher_id=_stored_id(a.staff[r.teacher_id]),
                subject_id=subject_id,
                class_id=class_id,
                subgroup_id=a._group_id(class_id, subject_id, r.group),
                hours_per_week=r.hours,
            )
        )
    await a._store(
        "assignments",
        a.snap.assignments,
        incoming,
        lambda a: (a.teacher_id, a.subject_id, a.class_id, a.subgroup_id),
    )


async def _years(a: Applier, v: ValidatedImport) -> None:
    wanted: dict[str, SchoolYear] = {}
    for day in [r.starts for r in v.periods] + [r.starts for r in v.holidays]:
        name = SchoolYear.name_for(day)
        if name not in a.years and name not in wanted:
            starts, ends = SchoolYear.bounds_for(day)
            wanted[name] = SchoolYear(
                id=None, school_id=a.school_id, name=name, starts=starts, ends=ends
            )
    if wanted:
        await a.directory.save(list(wanted.values()), [])
        a.years.update(wanted)


async def _timetable(a: Applier, v: ValidatedImport) -> None:
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
                subgroup_id=a._group_id(class_id, subject_id, r.group),
                weekday=r.weekday,
                lesson=r.lesson,
                subject_id=subject_id,
                teacher_id=_stored_id(a.staff[r.teacher_id]),
                room=r.room,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
        )
    await a._store(
        "timetable",
        a.snap.timetable,
        incoming,
        lambda t: (t.class_id, t.subgroup_id, t.weekday, t.lesson, t.valid_from),
        keeps=[r.keep for r in v.timetable],
    )


async def _plan(a: Applier, v: ValidatedImport) -> None:
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
    await a._store(
        "plan",
        a.snap.plan,
        incoming,
        lambda p: (p.subject_id, p.grade, p.class_id, p.number),
        keeps=[r.keep for r in v.plan],
    )

"""Import a school's lists: validate everything, then write everything in one transaction.

A re-import updates rows with the same school key and adds new ones; it never duplicates and
never deletes (a pupil leaves through `left_on`). A pupil whose class changed gets their old
enrolment closed and a new one opened, so the journal keeps where they were and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from domain.importing import (
    TABLE_ORDER,
    ImportProblem,
    RawTable,
    SchoolSnapshot,
    ValidatedImport,
    _fold,
    class_key,
    latest_enrolments,
    school_key,
    validate,
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
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
)
from domain.ports import SchoolDirectory, UnitOfWork


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


T = TypeVar("T")


async def import_school(
    uow: UnitOfWork,
    school: School,
    raw_tables: Sequence[RawTable],
    today: dt.date,
    *,
    warnings: Sequence[ImportProblem] = (),
) -> ImportReport:
    """Raises ImportRejected (nothing written) or returns what was added and updated.

    `warnings` are the reader's (files and sheets it skipped); the report adds validation's.
    """
    assert school.id is not None
    async with uow:
        snapshot = await uow.directory.snapshot(school.id)
        valid = validate(raw_tables, snapshot, today)
        report = ImportReport()
        for table in TABLE_ORDER:
            report.tables[table] = TableCounts()
            if table == "guardians":
                report.tables["guardian_links"] = TableCounts()
        await _Applier(uow.directory, snapshot, report, today).apply(valid)
        await uow.commit()
    return ImportReport(
        {t: c for t, c in report.tables.items() if c.added or c.updated or c.unchanged},
        [*warnings, *valid.warnings],
    )


# A validated row's `keep` names import columns; these are the entity fields they fill.
FIELD_OF_COLUMN = {"class_teacher": "class_teacher_id", "kind": "work_kind"}


def _kept_fields(entity: object, keep: frozenset[str]) -> list[str]:
    names = {f.name for f in fields(entity)}  # type: ignore[arg-type]
    return [f for f in (FIELD_OF_COLUMN.get(c, c) for c in keep) if f in names]


def _merge(
    existing: Sequence[T],
    incoming: Sequence[T],
    key: Callable[[T], Hashable],
    keeps: Sequence[frozenset[str]] | None = None,
) -> tuple[list[T], list[T], int, dict[Hashable, T]]:
    """Split incoming entities into inserts and real updates; an update keeps the stored id
    and, for the columns in its `keeps` entry, the stored values (the file did not give them)."""
    by_key: dict[Hashable, T] = {key(e): e for e in existing}
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
        merged = replace(item, id=old.id, **stored)  # type: ignore[type-var]
        if merged == old:
            unchanged += 1
        else:
            updates.append(merged)
            by_key[k] = merged
    return inserts, updates, unchanged, by_key


class _Applier:
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
        self.subjects = {_fold(s.name): s for s in snapshot.subjects}
        self.classes = {class_key(c.name): c for c in snapshot.classes}
        self.pupils = {school_key(p.external_id): p for p in snapshot.pupils}
        self.guardians = {school_key(g.external_id): g for g in snapshot.guardians}
        self.subgroups = {(s.class_id, s.subject_id, _fold(s.name)): s for s in snapshot.subgroups}
        self.years = {y.name: y for y in snapshot.school_years}

    async def _store(
        self,
        table: str,
        existing: Sequence[Any],
        incoming: Sequence[Any],
        key: Callable[[Any], Hashable],
        count: bool = True,
        keeps: Sequence[frozenset[str]] | None = None,
    ) -> dict[Hashable, Any]:
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
        return self.subgroups[(class_id, subject_id, _fold(group))].id

    async def apply(self, v: ValidatedImport) -> None:
        sid = self.school_id
        if v.staff:
            incoming = [
                StaffMember(
                    None,
                    sid,
                    r.external_id,
                    r.last_name,
                    r.first_name,
                    r.middle_name,
                    r.roles,
                    r.deputy_grades,
                )
                for r in v.staff
            ]
            stored = await self._store(
                "staff",
                self.snap.staff,
                incoming,
                lambda s: school_key(s.external_id),
                keeps=[r.keep for r in v.staff],
            )
            self.staff = dict(stored)  # type: ignore[arg-type]
        if v.subjects:
            incoming_subjects = [
                Subject(None, sid, r.name, r.short_name, r.grading) for r in v.subjects
            ]
            stored = await self._store(
                "subjects",
                self.snap.subjects,
                incoming_subjects,
                lambda s: _fold(s.name),
                keeps=[r.keep for r in v.subjects],
            )
            self.subjects = dict(stored)  # type: ignore[arg-type]
        if v.classes:
            incoming_classes = [
                SchoolClass(
                    None,
                    sid,
                    r.name,
                    r.grade,
                    self.staff[r.class_teacher].id if r.class_teacher else None,
                )
                for r in v.classes
            ]
            stored = await self._store(
                "classes",
                self.snap.classes,
                incoming_classes,
                lambda c: class_key(c.name),
                keeps=[r.keep for r in v.classes],
            )
            self.classes = dict(stored)  # type: ignore[arg-type]
        if v.students:
            await self._students(v)
        if v.guardians:
            await self._guardians(v)
        if v.groups:
            await self._groups(v)
        if v.assignments:
            await self._assignments(v)
        if v.bells:
            incoming_bells = [Bell(None, sid, r.shift, r.lesson, r.starts, r.ends) for r in v.bells]
            await self._store(
                "bells", self.snap.bells, incoming_bells, lambda b: (b.shift, b.lesson)
            )
        if v.periods or v.holidays:
            await self._years(v)
        if v.periods:
            incoming_periods = [
                Period(
                    None,
                    sid,
                    self.years[SchoolYear.name_for(r.starts)].id,
                    r.name,
                    r.kind,
                    r.grades,
                    r.starts,
                    r.ends,
                )
                for r in v.periods
            ]
            await self._store(
                "periods",
                self.snap.periods,
                incoming_periods,
                lambda p: (p.school_year_id, _fold(p.name), str(p.grades)),
            )
        if v.holidays:
            incoming_holidays = [
                Holiday(None, sid, r.name, r.starts, r.ends, r.grades) for r in v.holidays
            ]
            await self._store(
                "holidays",
                self.snap.holidays,
                incoming_holidays,
                lambda h: (SchoolYear.name_for(h.starts), _fold(h.name), str(h.grades)),
            )
        if v.timetable:
            await self._timetable(v)
        if v.plan:
            await self._plan(v)

    async def _students(self, v: ValidatedImport) -> None:
        sid = self.school_id
        incoming = [
            Pupil(
                None,
                sid,
                r.external_id,
                r.last_name,
                r.first_name,
                r.middle_name,
                r.birth_date,
                r.enrolled_on,
                r.left_on,
                r.home_schooled,
            )
            for r in v.students
        ]
        stored = await self._store(
            "students",
            self.snap.pupils,
            incoming,
            lambda p: school_key(p.external_id),
            keeps=[r.keep for r in v.students],
        )
        self.pupils = dict(stored)  # type: ignore[arg-type]
        latest = latest_enrolments(self.snap.enrolments)
        closes: list[Enrolment] = []
        opens: list[Enrolment] = []
        for r in v.students:
            # The pupil as stored now: dates the file did not give are the stored ones.
            pupil = self.pupils[r.external_id]
            class_id = self.classes[class_key(r.class_name)].id
            assert pupil.id is not None and class_id is not None
            left_on = pupil.left_on
            current = latest.get(pupil.id)
            if current is not None and current.class_id == class_id:
                if current.ends != left_on:
                    closes.append(replace(current, ends=left_on))
                continue
            # Without an arrival date the pupil is taken to be in the class since the school
            # year began: a November import must not drop them from September's lessons.
            starts = pupil.enrolled_on or SchoolYear.bounds_for(self.today)[0]
            if left_on and left_on < starts:
                starts = left_on
            if current is not None:
                # A move: the old class ends yesterday, the new one starts today.
                move_day = max(self.today, current.starts + dt.timedelta(days=1))
                if current.ends is None or current.ends >= move_day:
                    closes.append(replace(current, ends=move_day - dt.timedelta(days=1)))
                starts = move_day
            opens.append(Enrolment(None, sid, pupil.id, class_id, starts, left_on))
        if opens or closes:
            await self.directory.save(opens, closes)

    async def _guardians(self, v: ValidatedImport) -> None:
        sid = self.school_id
        people: dict[str, Guardian] = {}
        keeps: dict[str, frozenset[str]] = {}
        for r in v.guardians:
            if r.external_id not in people:
                keeps[r.external_id] = r.keep
                people[r.external_id] = Guardian(
                    None, sid, r.external_id, r.last_name, r.first_name, r.middle_name, r.phone
                )
        stored = await self._store(
            "guardians",
            self.snap.guardians,
            list(people.values()),
            lambda g: school_key(g.external_id),
            keeps=list(keeps.values()),
        )
        self.guardians = dict(stored)  # type: ignore[arg-type]
        links = [
            Guardianship(
                None,
                sid,
                self.guardians[r.external_id].id,  # type: ignore[arg-type]
                self.pupils[r.student_id].id,
                r.relation,
            )  # type: ignore[arg-type]
            for r in v.guardians
        ]
        await self._store(
            "guardian_links",
            self.snap.guardianships,
            links,
            lambda g: (g.guardian_id, g.pupil_id),
            keeps=[r.keep for r in v.guardians],
        )

    async def _groups(self, v: ValidatedImport) -> None:
        sid = self.school_id
        incoming: dict[tuple[int, int, str], Subgroup] = {}
        for r in v.groups:
            class_id = self.classes[class_key(r.class_name)].id
            subject_id = self.subjects[_fold(r.subject)].id
            assert class_id is not None and subject_id is not None
            incoming.setdefault(
                (class_id, subject_id, _fold(r.group)),
                Subgroup(None, sid, class_id, subject_id, r.group),
            )
        stored = await self._store(
            "groups",
            self.snap.subgroups,
            list(incoming.values()),
            lambda s: (s.class_id, s.subject_id, _fold(s.name)),
        )
        self.subgroups = dict(stored)  # type: ignore[arg-type]
        # A pupil is in one group of a subject: joining one leaves the others.
        group_of = {s.id: (s.class_id, s.subject_id) for s in self.subgroups.values()}
        current: dict[tuple[int, int, int], int] = {}
        for subgroup_id, pupil_id in self.snap.subgroup_members:
            if subgroup_id in group_of:
                current[(*group_of[subgroup_id], pupil_id)] = subgroup_id
        adds: list[tuple[int, int]] = []
        removes: list[tuple[int, int]] = []
        for r in v.groups:
            class_id = self.classes[class_key(r.class_name)].id
            subject_id = self.subjects[_fold(r.subject)].id
            group = self.subgroups[(class_id, subject_id, _fold(r.group))]  # type: ignore[index]
            pupil_id = self.pupils[r.student_id].id
            key = (class_id, subject_id, pupil_id)
            was = current.get(key)  # type: ignore[arg-type]
            if was == group.id:
                continue
            if was is not None:
                removes.append((was, pupil_id))  # type: ignore[arg-type]
            adds.append((group.id, pupil_id))  # type: ignore[arg-type]
            current[key] = group.id  # type: ignore[index,assignment]
        if removes:
            await self.directory.remove_subgroup_members(removes)
        if adds:
            await self.directory.add_subgroup_members(self.school_id, adds)

    async def _assignments(self, v: ValidatedImport) -> None:
        incoming = []
        for r in v.assignments:
            class_id = self.classes[class_key(r.class_name)].id
            subject_id = self.subjects[_fold(r.subject)].id
            assert class_id is not None and subject_id is not None
            incoming.append(
                Assignment(
                    None,
                    self.school_id,
                    self.staff[r.teacher_id].id,  # type: ignore[arg-type]
                    subject_id,
                    class_id,
                    self._group_id(class_id, subject_id, r.group),
                    r.hours,
                )
            )
        await self._store(
            "assignments",
            self.snap.assignments,
            incoming,
            lambda a: (a.teacher_id, a.subject_id, a.class_id, a.subgroup_id),
        )

    async def _years(self, v: ValidatedImport) -> None:
        wanted: dict[str, SchoolYear] = {}
        for day in [r.starts for r in v.periods] + [r.starts for r in v.holidays]:
            name = SchoolYear.name_for(day)
            if name not in self.years and name not in wanted:
                starts, ends = SchoolYear.bounds_for(day)
                wanted[name] = SchoolYear(None, self.school_id, name, starts, ends)
        if wanted:
            await self.directory.save(list(wanted.values()), [])
            self.years.update(wanted)

    async def _timetable(self, v: ValidatedImport) -> None:
        incoming = []
        for r in v.timetable:
            class_id = self.classes[class_key(r.class_name)].id
            subject_id = self.subjects[_fold(r.subject)].id
            assert class_id is not None and subject_id is not None
            incoming.append(
                TimetableSlot(
                    None,
                    self.school_id,
                    class_id,
                    self._group_id(class_id, subject_id, r.group),
                    r.weekday,
                    r.lesson,
                    subject_id,
                    self.staff[r.teacher_id].id,  # type: ignore[arg-type]
                    r.room,
                    r.valid_from,
                    r.valid_to,
                )
            )
        await self._store(
            "timetable",
            self.snap.timetable,
            incoming,
            lambda t: (t.class_id, t.subgroup_id, t.weekday, t.lesson, t.valid_from),
            keeps=[r.keep for r in v.timetable],
        )

    async def _plan(self, v: ValidatedImport) -> None:
        incoming = []
        for r in v.plan:
            subject_id = self.subjects[_fold(r.subject)].id
            class_id = self.classes[class_key(r.class_name)].id if r.class_name else None
            assert subject_id is not None
            incoming.append(
                PlanTopic(
                    None,
                    self.school_id,
                    subject_id,
                    None if class_id else r.grade,
                    class_id,
                    r.number,
                    r.topic,
                    r.hours,
                    r.kind,
                )
            )
        await self._store(
            "plan",
            self.snap.plan,
            incoming,
            lambda p: (p.subject_id, p.grade, p.class_id, p.number),
            keeps=[r.keep for r in v.plan],
        )

"""Write a validated import: one applier step per table, in the order the tables need.

A re-import updates rows with the same school key and adds new ones; it never duplicates and
never deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from domain.importing import SchoolSnapshot, ValidatedImport, class_key, fold, school_key
from domain.ports import SchoolDirectory
from domain.usecases.import_apply import groups, people, school, teaching, timetable
from domain.usecases.import_apply.merge import ImportReport, K, T, merge


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

    async def store(
        self,
        table: str,
        existing: Sequence[T],
        incoming: Sequence[T],
        key: Callable[[T], K],
        keeps: Sequence[frozenset[str]] | None = None,
    ) -> dict[K, T]:
        inserts, updates, unchanged, by_key = merge(existing, incoming, key, keeps)
        if inserts or updates:
            await self.directory.save(inserts, updates)
        counts = self.report.counts(table)
        counts.added += len(inserts)
        counts.updated += len(updates)
        counts.unchanged += unchanged
        return by_key

    def group_id(self, class_id: int, subject_id: int, group: str) -> int | None:
        if not group:
            return None
        return self.subgroups[(class_id, subject_id, fold(group))].id

    async def apply(self, v: ValidatedImport) -> None:
        """Each table in the order its keys are needed (classes need staff, pupils classes)."""
        steps = (
            (v.staff, people.apply_staff),
            (v.subjects, school.apply_subjects),
            (v.classes, school.apply_classes),
            (v.students, people.apply_students),
            (v.guardians, people.apply_guardians),
            (v.groups, groups.apply_groups),
            (v.assignments, teaching.apply_assignments),
            (v.bells, school.apply_bells),
            (v.periods or v.holidays, school.apply_years),
            (v.periods, school.apply_periods),
            (v.holidays, school.apply_holidays),
            (v.timetable, timetable.apply_timetable),
            (v.plan, teaching.apply_plan),
        )
        for rows, step in steps:
            if rows:
                await step(self, v)

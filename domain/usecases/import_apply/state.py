"""What the applier's steps share: the school as stored so far, by school key, and the report.

Each step (`people`, `school`, `groups`, `teaching`, `timetable`) reads the ids the steps before
it stored and writes its own table through `ApplyState.store`; `applier.Applier` runs them in
order. The steps import this module, not the applier, so the package has no import cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence

from domain.importing import SchoolSnapshot, class_key, fold, school_key
from domain.ports import SchoolDirectory
from domain.usecases.import_apply.merge import ImportReport, StoredEntity, merge


class ApplyState:
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

    async def store[T: StoredEntity, K: Hashable](
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

"""Import a school's lists: validate everything, then write everything in one transaction.

A re-import updates rows with the same school key and adds new ones; it never duplicates and
never deletes (a pupil leaves through `left_on`). A pupil whose class changed gets their old
enrolment closed and a new one opened, so the journal keeps where they were and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from domain.importing import TABLE_ORDER, ImportProblem, RawTable, validate
from domain.model import School
from domain.ports import UnitOfWork
from domain.usecases.import_applier import Applier, ImportReport, TableCounts

__all__ = ["ImportReport", "TableCounts", "import_school"]


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
        await Applier(uow.directory, snapshot, report, today).apply(valid)
        await uow.commit()
    return ImportReport(
        {t: c for t, c in report.tables.items() if c.added or c.updated or c.unchanged},
        [*warnings, *valid.warnings],
    )

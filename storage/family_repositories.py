"""Reads and writes behind a family's diary, the digest and the absence register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.family import AbsenceReason, AbsenceReport, TermAcknowledgement
from domain.journal import AttendanceEntry, Lesson, Mark, Remark, TermMark
from storage import models as m
from storage.journal_repositories import rows_as
from storage.mapping import MAPPINGS
from storage.repositories import save_rows


class SqlFamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lessons_of_class(
        self, school_id: int, class_id: int, first: dt.date, last: dt.date
    ) -> list[Lesson]:
        rows = await self.session.scalars(
            select(m.LessonRow)
            .where(
                m.LessonRow.school_id == school_id,
                m.LessonRow.class_id == class_id,
                m.LessonRow.day >= first,
                m.LessonRow.day <= last,
            )
            .order_by(m.LessonRow.day, m.LessonRow.lesson_number)
        )
        return rows_as(Lesson, rows)

    async def _with_lessons(
        self,
        kind: type,
        school_id: int,
        pupil_ids: Sequence[int],
        first: dt.date,
        last: dt.date,
        order: Any,
    ) -> list[tuple[Any, Lesson]]:
        """Rows of a per-pupil table (marks, attendance) with their lessons, in one query."""
        if not pupil_ids:
            return []
        model: Any = MAPPINGS[kind].model
        rows = await self.session.execute(
            select(model, m.LessonRow)
            .join(m.LessonRow, m.LessonRow.id == model.lesson_id)
            .where(
                model.school_id == school_id,
                model.pupil_id.in_(list(pupil_ids)),
                m.LessonRow.day >= first,
                m.LessonRow.day <= last,
            )
            .order_by(m.LessonRow.day, order)
        )
        entity, lesson = MAPPINGS[kind].from_row, MAPPINGS[Lesson].from_row
        return [(entity(a), lesson(b)) for a, b in rows.all()]

    async def marks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[tuple[Mark, Lesson]]:
        return await self._with_lessons(Mark, school_id, pupil_ids, first, last, m.MarkRow.id)

    async def attendance_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[tuple[AttendanceEntry, Lesson]]:
        return await self._with_lessons(
            AttendanceEntry, school_id, pupil_ids, first, last, m.LessonRow.lesson_number
        )

    async def absence_reasons(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[AbsenceReason]:
        if not pupil_ids:
            return []
        rows = await self.session.scalars(
            select(m.AbsenceReasonRow).where(
                m.AbsenceReasonRow.school_id == school_id,
                m.AbsenceReasonRow.pupil_id.in_(list(pupil_ids)),
                m.AbsenceReasonRow.day >= first,
                m.AbsenceReasonRow.day <= last,
            )
        )
        return rows_as(AbsenceReason, rows)

    async def set_absence_reason(self, reason: AbsenceReason) -> None:
        existing = await self.session.scalar(
            select(m.AbsenceReasonRow.id).where(
                m.AbsenceReasonRow.pupil_id == reason.pupil_id,
                m.AbsenceReasonRow.day == reason.day,
            )
        )
        if existing is None:
            await save_rows(self.session, [reason], [])
        else:
            reason.id = existing
            await save_rows(self.session, [], [reason])

    async def remarks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], since: dt.datetime
    ) -> list[Remark]:
        if not pupil_ids:
            return []
        rows = await self.session.scalars(
            select(m.RemarkRow)
            .where(
                m.RemarkRow.school_id == school_id,
                m.RemarkRow.pupil_id.in_(list(pupil_ids)),
                m.RemarkRow.created_at >= since,
            )
            .order_by(m.RemarkRow.created_at)
        )
        return rows_as(Remark, rows)

    async def add_absence_report(self, report: AbsenceReport) -> None:
        await save_rows(self.session, [report], [])

    async def absence_reports(
        self, school_id: int, pupil_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> list[AbsenceReport]:
        if not pupil_ids:
            return []
        rows = await self.session.scalars(
            select(m.AbsenceReportRow)
            .where(
                m.AbsenceReportRow.school_id == school_id,
                m.AbsenceReportRow.pupil_id.in_(list(pupil_ids)),
                m.AbsenceReportRow.starts <= last,
                m.AbsenceReportRow.ends >= first,
            )
            .order_by(m.AbsenceReportRow.created_at)
        )
        return rows_as(AbsenceReport, rows)

    async def term_marks_of_pupils(
        self, school_id: int, pupil_ids: Sequence[int], period_id: int
    ) -> list[TermMark]:
        if not pupil_ids:
            return []
        rows = await self.session.scalars(
            select(m.TermMarkRow).where(
                m.TermMarkRow.school_id == school_id,
                m.TermMarkRow.period_id == period_id,
                m.TermMarkRow.pupil_id.in_(list(pupil_ids)),
            )
        )
        return rows_as(TermMark, rows)

    async def acknowledgement(self, school_id: int, ack_id: int) -> TermAcknowledgement | None:
        row = await self.session.scalar(
            select(m.TermAcknowledgementRow).where(
                m.TermAcknowledgementRow.school_id == school_id,
                m.TermAcknowledgementRow.id == ack_id,
            )
        )
        return MAPPINGS[TermAcknowledgement].from_row(row) if row else None

    async def acknowledgements(
        self, school_id: int, period_id: int | None = None, pupil_ids: Sequence[int] | None = None
    ) -> list[TermAcknowledgement]:
        query = select(m.TermAcknowledgementRow).where(
            m.TermAcknowledgementRow.school_id == school_id
        )
        if period_id is not None:
            query = query.where(m.TermAcknowledgementRow.period_id == period_id)
        if pupil_ids is not None:
            query = query.where(m.TermAcknowledgementRow.pupil_id.in_(list(pupil_ids)))
        return rows_as(TermAcknowledgement, await self.session.scalars(query))

    async def save_acknowledgements(self, items: Sequence[TermAcknowledgement]) -> None:
        inserts = [x for x in items if x.id is None]
        updates = [x for x in items if x.id is not None]
        await save_rows(self.session, inserts, updates)

    async def unnotified_marks(self, before: dt.datetime, limit: int) -> list[tuple[Mark, Lesson]]:
        """Marks that settled (no change for a while) and were not announced yet."""
        rows = await self.session.execute(
            select(m.MarkRow, m.LessonRow)
            .join(m.LessonRow, m.LessonRow.id == m.MarkRow.lesson_id)
            .where(
                m.MarkRow.notified_at.is_(None),
                m.MarkRow.created_at <= before,
                (m.MarkRow.changed_at.is_(None)) | (m.MarkRow.changed_at <= before),
            )
            .order_by(m.MarkRow.id)
            .limit(limit)
        )
        mark, lesson = MAPPINGS[Mark].from_row, MAPPINGS[Lesson].from_row
        return [(mark(a), lesson(b)) for a, b in rows.all()]

    async def mark_notified(self, ids: Sequence[int], at: dt.datetime) -> None:
        if ids:
            await self.session.execute(
                update(m.MarkRow).where(m.MarkRow.id.in_(list(ids))).values(notified_at=at)
            )

    async def reset_notified(self, mark_id: int) -> None:
        """A mark changed after it was announced: announce the new value (once it settles)."""
        await self.session.execute(
            update(m.MarkRow).where(m.MarkRow.id == mark_id).values(notified_at=None)
        )

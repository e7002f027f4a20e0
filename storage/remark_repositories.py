"""A deputy head's remarks to teachers (table `journal_remarks`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.remarks import JournalRemark, RemarkStatus
from storage import models as m

FIELDS = (
    "school_id",
    "deputy_id",
    "teacher_id",
    "text",
    "due",
    "created_at",
    "fixed_at",
    "accepted_at",
    "reopened",
    "last_reminded_at",
)


def _row(remark: JournalRemark) -> dict[str, Any]:
    row = {name: getattr(remark, name) for name in FIELDS}
    row["status"] = remark.status.value
    return row


def _remark(r: m.JournalRemarkRow) -> JournalRemark:
    return JournalRemark(
        id=r.id,
        school_id=r.school_id,
        deputy_id=r.deputy_id,
        teacher_id=r.teacher_id,
        text=r.text,
        due=r.due,
        status=RemarkStatus(r.status),
        created_at=r.created_at,
        fixed_at=r.fixed_at,
        accepted_at=r.accepted_at,
        reopened=r.reopened,
        last_reminded_at=r.last_reminded_at,
    )


# Open first, then fixed (waiting for the deputy), then accepted; earliest due first.
_ORDER = (
    case(
        (m.JournalRemarkRow.status == RemarkStatus.OPEN.value, 0),
        (m.JournalRemarkRow.status == RemarkStatus.FIXED.value, 1),
        else_=2,
    ),
    m.JournalRemarkRow.due,
    m.JournalRemarkRow.id,
)


class SqlJournalRemarkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, remark: JournalRemark) -> None:
        new_id = await self.session.scalar(
            insert(m.JournalRemarkRow).values(**_row(remark)).returning(m.JournalRemarkRow.id)
        )
        remark.id = new_id

    async def get(self, school_id: int, remark_id: int) -> JournalRemark | None:
        row = await self.session.scalar(
            select(m.JournalRemarkRow).where(
                m.JournalRemarkRow.school_id == school_id, m.JournalRemarkRow.id == remark_id
            )
        )
        return _remark(row) if row is not None else None

    async def save(self, remark: JournalRemark) -> None:
        assert remark.id is not None
        await self.session.execute(
            update(m.JournalRemarkRow)
            .where(
                m.JournalRemarkRow.id == remark.id,
                m.JournalRemarkRow.school_id == remark.school_id,
            )
            .values(**_row(remark))
        )

    async def for_teacher(self, school_id: int, teacher_id: int) -> list[JournalRemark]:
        rows = await self.session.scalars(
            select(m.JournalRemarkRow)
            .where(
                m.JournalRemarkRow.school_id == school_id,
                m.JournalRemarkRow.teacher_id == teacher_id,
            )
            .order_by(*_ORDER)
        )
        return [_remark(r) for r in rows]

    async def by_deputy(self, school_id: int, deputy_id: int) -> list[JournalRemark]:
        rows = await self.session.scalars(
            select(m.JournalRemarkRow)
            .where(
                m.JournalRemarkRow.school_id == school_id,
                m.JournalRemarkRow.deputy_id == deputy_id,
            )
            .order_by(*_ORDER)
        )
        return [_remark(r) for r in rows]

    async def open_due_before(self, school_id: int, day: dt.date) -> list[JournalRemark]:
        rows = await self.session.scalars(
            select(m.JournalRemarkRow)
            .where(
                m.JournalRemarkRow.school_id == school_id,
                m.JournalRemarkRow.status == RemarkStatus.OPEN.value,
                m.JournalRemarkRow.due < day,
            )
            .order_by(m.JournalRemarkRow.teacher_id, m.JournalRemarkRow.due, m.JournalRemarkRow.id)
        )
        return [_remark(r) for r in rows]

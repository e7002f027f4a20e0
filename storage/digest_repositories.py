"""Set-based reads behind the digests: a school's lists once, then each class in a constant
number of queries (pupils, accounts, lessons, marks, attendance, remarks, term marks).

Columns, not ORM entities: a district's digests read millions of marks, and a plain row is
several times cheaper to make than a mapped object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Date, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import BindParameter

from domain.model import (
    Assignment,
    Holiday,
    PlanTopic,
    Pupil,
    Subject,
    TimetableSlot,
    WorkKind,
)
from domain.people import Account, PersonKind
from domain.usecases.digest_batch import (
    AccountFact,
    ClassRows,
    SchoolRows,
)
from storage import models as m
from storage.journal_repositories import _from
from storage.mapping import MAPPINGS

_ACCOUNT_COLUMNS = (
    m.AccountRow.id,
    m.AccountRow.messenger,
    m.AccountRow.user_id,
    m.AccountRow.chat_id,
    m.AccountRow.language,
    m.AccountRow.display_name,
    m.AccountRow.created_at,
    m.AccountRow.unreachable_at,
    m.AccountRow.quiet_from,
    m.AccountRow.quiet_to,
    m.AccountRow.notify_marks,
    m.AccountRow.charts,
)


def _day(day: dt.date) -> BindParameter[dt.date]:
    """A day rendered into the statement (not a parameter of the prepared statement)."""
    return bindparam(None, day, type_=Date, literal_execute=True)


class SqlDigestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ----------------------------------------------------------------------- once a school

    async def _all(self, kind: type, school_id: int) -> list[Any]:
        model: Any = MAPPINGS[kind].model
        rows = await self.session.scalars(
            select(model).where(model.school_id == school_id).order_by(model.id)
        )
        return _from(kind, rows)

    async def school_rows(self, school_id: int) -> SchoolRows:
        used: dict[tuple[int, int], set[int]] = {}
        topics = await self.session.execute(
            select(m.LessonRow.class_id, m.LessonRow.subject_id, m.LessonRow.plan_topic_id)
            .where(m.LessonRow.school_id == school_id, m.LessonRow.plan_topic_id.is_not(None))
            .distinct()
        )
        for class_id, subject_id, topic_id in topics.all():
            used.setdefault((class_id, subject_id), set()).add(topic_id)
        return SchoolRows(
            work_kinds=await self._all(WorkKind, school_id),
            timetable=await self._all(TimetableSlot, school_id),
            holidays=await self._all(Holiday, school_id),
            assignments=await self._all(Assignment, school_id),
            subjects=await self._all(Subject, school_id),
            plan_topics=await self._all(PlanTopic, school_id),
            used_plan_topics=used,
        )

    # ----------------------------------------------------------------------- once a class

    async def pupils(
        self, school_id: int, class_id: int, day: dt.date
    ) -> list[tuple[Pupil, frozenset[int]]]:
        p = m.PupilRow
        conn = await self.session.connection()
        rows = await conn.execute(
            select(
                p.id,
                p.school_id,
                p.external_id,
                p.last_name,
                p.first_name,
                p.middle_name,
                p.birth_date,
                p.enrolled_on,
                p.left_on,
                p.home_schooled,
                m.SubgroupMemberRow.subgroup_id,
            )
            .join(m.EnrolmentRow, m.EnrolmentRow.pupil_id == p.id)
            .outerjoin(
                m.SubgroupMemberRow,
                and_(
                    m.SubgroupMemberRow.pupil_id == p.id,
                    m.SubgroupMemberRow.school_id == school_id,
                ),
            )
            .where(
                p.school_id == school_id,
                m.EnrolmentRow.class_id == class_id,
                m.EnrolmentRow.starts <= day,
                or_(m.EnrolmentRow.ends.is_(None), m.EnrolmentRow.ends >= day),
            )
            .order_by(p.last_name, p.first_name, p.id)
        )
        pupils: dict[int, Pupil] = {}
        groups: dict[int, set[int]] = {}
        for row in rows.all():
            pupil_id = row[0]
            if pupil_id not in pupils:
                pupils[pupil_id] = Pupil(*row[:10])
                groups[pupil_id] = set()
            if row[10] is not None:
                groups[pupil_id].add(row[10])
        return [(pupil, frozenset(groups[i])) for i, pupil in pupils.items()]

    async def accounts(self, school_id: int, pupil_ids: Sequence[int]) -> list[AccountFact]:
        if not pupil_ids:
            return []
        link = m.AccountLinkRow
        ids = list(pupil_ids)
        conn = await self.session.connection()
        guardians = await conn.execute(
            select(m.GuardianshipRow.pupil_id, m.GuardianRow.id, *_ACCOUNT_COLUMNS)
            .join(m.GuardianRow, m.GuardianRow.id == m.GuardianshipRow.guardian_id)
            .join(
                link,
                and_(
                    link.school_id == school_id,
                    link.kind == PersonKind.GUARDIAN.value,
                    link.person_id == m.GuardianRow.id,
                ),
            )
            .join(m.AccountRow, m.AccountRow.id == link.account_id)
            .where(m.GuardianRow.school_id == school_id, m.GuardianshipRow.pupil_id.in_(ids))
            .order_by(m.GuardianshipRow.pupil_id, m.GuardianRow.id, m.AccountRow.id)
        )
        found = [AccountFact(r[0], r[1], Account(*r[2:])) for r in guardians.all()]
        own = await conn.execute(
            select(link.person_id, *_ACCOUNT_COLUMNS)
            .join(m.AccountRow, m.AccountRow.id == link.account_id)
            .where(
                link.school_id == school_id,
                link.kind == PersonKind.PUPIL.value,
                link.person_id.in_(ids),
            )
            .order_by(link.person_id, m.AccountRow.id)
        )
        found += [AccountFact(r[0], None, Account(*r[1:])) for r in own.all()]
        return found

    async def class_rows(
        self,
        school_id: int,
        class_id: int,
        pupil_ids: Sequence[int],
        period_id: int,
        *,
        first: dt.date,
        last: dt.date,
        marks_from: dt.date,
        marks_to: dt.date,
        remarks_since: dt.datetime,
    ) -> ClassRows:
        ids = list(pupil_ids)
        driver = await self._asyncpg()
        if driver is not None:
            return await _class_rows_pg(
                driver,
                school_id,
                class_id,
                ids,
                period_id,
                first=first,
                last=last,
                marks_from=marks_from,
                marks_to=marks_to,
                remarks_since=remarks_since,
            )
        conn = await self.session.connection()
        lesson = m.LessonRow
        # The days go into the SQL text: with them as parameters PostgreSQL switches to a generic
        # plan after five executions of a prepared statement, one that guesses a day range
        # matches a few dozen lessons and probes marks lesson by lesson (20 times slower).
        first_, last_ = _day(first), _day(last)
        marks_from_, marks_to_ = _day(marks_from), _day(marks_to)
        marks = await conn.execute(
            select(
                m.MarkRow.pupil_id,
                lesson.day,
                lesson.subject_id,
                m.MarkRow.work_kind,
                m.MarkRow.value,
            )
            .join(lesson, lesson.id == m.MarkRow.lesson_id)
            .where(
                m.MarkRow.school_id == school_id,
                m.MarkRow.pupil_id.in_(ids),
                lesson.day >= marks_from_,
                lesson.day <= marks_to_,
            )
            .order_by(lesson.day, m.MarkRow.id)
        )
        lessons = await conn.execute(
            select(
                lesson.id,
                lesson.day,
                lesson.subject_id,
                lesson.subgroup_id,
                lesson.attendance_taken,
                lesson.plan_topic_id,
            )
            .where(
                lesson.school_id == school_id,
                lesson.class_id == class_id,
                lesson.day >= first_,
                lesson.day <= last_,
            )
            .order_by(lesson.day, lesson.lesson_number)
        )
        attendance = await conn.execute(
            select(m.AttendanceRow.pupil_id, lesson.id, lesson.day, m.AttendanceRow.status)
            .join(lesson, lesson.id == m.AttendanceRow.lesson_id)
            .where(
                m.AttendanceRow.school_id == school_id,
                m.AttendanceRow.pupil_id.in_(ids),
                lesson.day >= first_,
                lesson.day <= last_,
            )
            .order_by(lesson.day, lesson.lesson_number)
        )
        remarks = await conn.execute(
            select(m.RemarkRow.pupil_id, m.RemarkRow.created_at, m.RemarkRow.text)
            .where(
                m.RemarkRow.school_id == school_id,
                m.RemarkRow.pupil_id.in_(ids),
                m.RemarkRow.created_at >= remarks_since,
            )
            .order_by(m.RemarkRow.created_at)
        )
        terms = await conn.execute(
            select(m.TermMarkRow.pupil_id, m.TermMarkRow.subject_id, m.TermMarkRow.value).where(
                m.TermMarkRow.school_id == school_id,
                m.TermMarkRow.period_id == period_id,
                m.TermMarkRow.pupil_id.in_(ids),
            )
        )
        return ClassRows(lessons.all(), marks.all(), attendance.all(), remarks.all(), terms.all())

    async def _asyncpg(self) -> Any | None:
        """The asyncpg connection under this session's transaction, on PostgreSQL."""
        conn = await self.session.connection()
        if conn.dialect.driver != "asyncpg":
            return None
        raw = await conn.get_raw_connection()
        return raw.driver_connection


# On PostgreSQL a class's rows are read straight through asyncpg, in the session's transaction:
# SQLAlchemy's row handling costs about twice the database's own time for the ~4,500 marks of a
# class. Same statements as the SQLAlchemy ones above (which SQLite runs), with the pupils as
# one array parameter; the days are literals, for the reason given above.

_MARKS_PG = """
SELECT m.pupil_id, l.day, l.subject_id, m.work_kind, m.value
FROM marks m JOIN lessons l ON l.id = m.lesson_id
WHERE m.school_id = $1 AND m.pupil_id = ANY($2::int[]) AND l.day BETWEEN '{0}' AND '{1}'
ORDER BY l.day, m.id"""

_LESSONS_PG = """
SELECT l.id, l.day, l.subject_id, l.subgroup_id, l.attendance_taken, l.plan_topic_id
FROM lessons l
WHERE l.school_id = $1 AND l.class_id = $2 AND l.day BETWEEN '{0}' AND '{1}'
ORDER BY l.day, l.lesson_number"""

_ATTENDANCE_PG = """
SELECT a.pupil_id, l.id, l.day, a.status
FROM attendance a JOIN lessons l ON l.id = a.lesson_id
WHERE a.school_id = $1 AND a.pupil_id = ANY($2::int[]) AND l.day BETWEEN '{0}' AND '{1}'
ORDER BY l.day, l.lesson_number"""

_REMARKS_PG = """
SELECT r.pupil_id, r.created_at, r.text FROM remarks r
WHERE r.school_id = $1 AND r.pupil_id = ANY($2::int[]) AND r.created_at >= $3
ORDER BY r.created_at"""

_TERMS_PG = """
SELECT t.pupil_id, t.subject_id, t.value FROM term_marks t
WHERE t.school_id = $1 AND t.period_id = $2 AND t.pupil_id = ANY($3::int[])"""


async def _class_rows_pg(
    driver: Any,
    school_id: int,
    class_id: int,
    ids: list[int],
    period_id: int,
    *,
    first: dt.date,
    last: dt.date,
    marks_from: dt.date,
    marks_to: dt.date,
    remarks_since: dt.datetime,
) -> ClassRows:
    marks = await driver.fetch(
        _MARKS_PG.format(marks_from.isoformat(), marks_to.isoformat()), school_id, ids
    )
    lessons = await driver.fetch(
        _LESSONS_PG.format(first.isoformat(), last.isoformat()), school_id, class_id
    )
    attendance = await driver.fetch(
        _ATTENDANCE_PG.format(first.isoformat(), last.isoformat()), school_id, ids
    )
    remarks = await driver.fetch(_REMARKS_PG, school_id, ids, remarks_since)
    terms = await driver.fetch(_TERMS_PG, school_id, period_id, ids)
    return ClassRows(lessons, marks, attendance, remarks, terms)

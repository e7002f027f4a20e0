"""Repositories for people, accounts and the journal. Every query is bounded by a school."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journal import Attendance, AttendanceEntry, AuditEntry, Lesson, Mark, Remark, TermMark
from domain.model import (
    Assignment,
    Bell,
    Guardian,
    Holiday,
    Period,
    PlanTopic,
    Pupil,
    SchoolClass,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
)
from domain.people import Account, AccountLink, Invitation, PersonKind, WrongCodeTally
from storage import models as m
from storage.mapping import MAPPINGS
from storage.repositories import insert_ignoring, is_postgresql, save_rows

# PostgreSQL advisory locks (the two-key form: apart from scheduler.leader's one-key locks).
USER_LOCK = 7_265_013  # with a hash of (messenger, user_id)
JOURNAL_WRONG_CODES_LOCK = 7_265_014


def rows_as(kind: type, rows: Any) -> list[Any]:
    convert = MAPPINGS[kind].from_row
    return [convert(r) for r in rows]


def _row(entity: Any) -> dict[str, Any]:
    return MAPPINGS[type(entity)].to_row(entity)


class SqlPeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _by_ids(self, kind: type, school_id: int, ids: Sequence[int]) -> list[Any]:
        model: Any = MAPPINGS[kind].model
        if not ids:
            return []
        rows = await self.session.scalars(
            select(model).where(model.school_id == school_id, model.id.in_(set(ids)))
        )
        return rows_as(kind, rows)

    async def staff(self, school_id: int, ids: Sequence[int]) -> list[StaffMember]:
        return await self._by_ids(StaffMember, school_id, ids)

    async def all_staff(self, school_id: int) -> list[StaffMember]:
        rows = await self.session.scalars(
            select(m.StaffRow).where(m.StaffRow.school_id == school_id).order_by(m.StaffRow.id)
        )
        return rows_as(StaffMember, rows)

    async def guardian(self, school_id: int, guardian_id: int) -> Guardian | None:
        found = await self._by_ids(Guardian, school_id, [guardian_id])
        return found[0] if found else None

    async def guardians_of(self, school_id: int, pupil_ids: Sequence[int]) -> list[Guardian]:
        rows = await self.session.scalars(
            select(m.GuardianRow)
            .join(m.GuardianshipRow, m.GuardianshipRow.guardian_id == m.GuardianRow.id)
            .where(m.GuardianRow.school_id == school_id, m.GuardianshipRow.pupil_id.in_(pupil_ids))
            .distinct()
        )
        return rows_as(Guardian, rows)

    async def children(self, school_id: int, guardian_id: int) -> list[Pupil]:
        rows = await self.session.scalars(
            select(m.PupilRow)
            .join(m.GuardianshipRow, m.GuardianshipRow.pupil_id == m.PupilRow.id)
            .where(m.PupilRow.school_id == school_id, m.GuardianshipRow.guardian_id == guardian_id)
            .order_by(m.PupilRow.last_name, m.PupilRow.first_name)
        )
        return rows_as(Pupil, rows)

    async def pupils(self, school_id: int, ids: Sequence[int]) -> list[Pupil]:
        return await self._by_ids(Pupil, school_id, ids)

    async def classes(self, school_id: int, ids: Sequence[int] | None = None) -> list[SchoolClass]:
        if ids is not None:
            return await self._by_ids(SchoolClass, school_id, ids)
        rows = await self.session.scalars(
            select(m.ClassRow)
            .where(m.ClassRow.school_id == school_id)
            .order_by(m.ClassRow.grade, m.ClassRow.name)
        )
        return rows_as(SchoolClass, rows)

    async def class_by_name(self, school_id: int, name: str) -> SchoolClass | None:
        from domain.importing import class_key

        for c in await self.classes(school_id):
            if class_key(c.name) == class_key(name):
                return c
        return None

    async def class_of_pupil(
        self, school_id: int, pupil_id: int, day: dt.date
    ) -> SchoolClass | None:
        row = await self.session.scalar(
            select(m.ClassRow)
            .join(m.EnrolmentRow, m.EnrolmentRow.class_id == m.ClassRow.id)
            .where(
                m.ClassRow.school_id == school_id,
                m.EnrolmentRow.pupil_id == pupil_id,
                m.EnrolmentRow.starts <= day,
                or_(m.EnrolmentRow.ends.is_(None), m.EnrolmentRow.ends >= day),
            )
            .limit(1)
        )
        return MAPPINGS[SchoolClass].from_row(row) if row else None

    async def subgroups_of_pupil(self, school_id: int, pupil_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(m.SubgroupMemberRow.subgroup_id).where(
                m.SubgroupMemberRow.school_id == school_id,
                m.SubgroupMemberRow.pupil_id == pupil_id,
            )
        )
        return list(rows.all())

    async def classes_of_class_teacher(self, school_id: int, staff_id: int) -> list[SchoolClass]:
        rows = await self.session.scalars(
            select(m.ClassRow).where(
                m.ClassRow.school_id == school_id, m.ClassRow.class_teacher_id == staff_id
            )
        )
        return rows_as(SchoolClass, rows)

    async def subjects(self, school_id: int, ids: Sequence[int]) -> list[Subject]:
        return await self._by_ids(Subject, school_id, ids)

    async def subgroups(self, school_id: int, ids: Sequence[int]) -> list[Subgroup]:
        return await self._by_ids(Subgroup, school_id, ids)

    async def pupils_of_class(self, school_id: int, class_id: int, day: dt.date) -> list[Pupil]:
        return await self.roster(school_id, class_id, None, day)

    async def roster(
        self, school_id: int, class_id: int, subgroup_id: int | None, day: dt.date
    ) -> list[Pupil]:
        """One query whatever the size of the class."""
        query = (
            select(m.PupilRow)
            .join(m.EnrolmentRow, m.EnrolmentRow.pupil_id == m.PupilRow.id)
            .where(
                m.PupilRow.school_id == school_id,
                m.EnrolmentRow.class_id == class_id,
                m.EnrolmentRow.starts <= day,
                or_(m.EnrolmentRow.ends.is_(None), m.EnrolmentRow.ends >= day),
            )
        )
        if subgroup_id is not None:
            query = query.join(
                m.SubgroupMemberRow,
                and_(
                    m.SubgroupMemberRow.pupil_id == m.PupilRow.id,
                    m.SubgroupMemberRow.subgroup_id == subgroup_id,
                ),
            )
        rows = await self.session.scalars(query.distinct())
        return rows_as(Pupil, rows)


class SqlAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_user(self, messenger: str, user_id: str) -> Account | None:
        row = await self.session.scalar(
            select(m.AccountRow).where(
                m.AccountRow.messenger == messenger, m.AccountRow.user_id == user_id
            )
        )
        return MAPPINGS[Account].from_row(row) if row else None

    async def add(self, account: Account) -> Account:
        await save_rows(self.session, [account], [])
        return account

    async def update(self, account: Account) -> None:
        await save_rows(self.session, [], [account])

    async def links(self, account_id: int) -> list[AccountLink]:
        rows = await self.session.scalars(
            select(m.AccountLinkRow)
            .where(m.AccountLinkRow.account_id == account_id)
            .order_by(m.AccountLinkRow.id)
        )
        return rows_as(AccountLink, rows)

    async def add_link(self, link: AccountLink) -> None:
        await save_rows(self.session, [link], [])

    async def accounts_of(self, school_id: int, kind: PersonKind, person_id: int) -> list[Account]:
        rows = await self.session.scalars(
            select(m.AccountRow)
            .join(m.AccountLinkRow, m.AccountLinkRow.account_id == m.AccountRow.id)
            .where(
                m.AccountLinkRow.school_id == school_id,
                m.AccountLinkRow.kind == kind.value,
                m.AccountLinkRow.person_id == person_id,
            )
        )
        return rows_as(Account, rows)

    async def add_invitations(self, invitations: Sequence[Invitation]) -> None:
        await save_rows(self.session, invitations, [])

    async def invitation_by_hash(self, code_hash: str) -> Invitation | None:
        query = select(m.InvitationRow).where(m.InvitationRow.code_hash == code_hash)
        if is_postgresql(self.session):
            query = query.with_for_update()  # two taps on one link: the second waits, then fails
        row = await self.session.scalar(query)
        return MAPPINGS[Invitation].from_row(row) if row else None

    async def invitations_of(
        self, school_id: int, kind: PersonKind, person_ids: Sequence[int]
    ) -> list[Invitation]:
        rows = await self.session.scalars(
            select(m.InvitationRow).where(
                m.InvitationRow.school_id == school_id,
                m.InvitationRow.kind == kind.value,
                m.InvitationRow.person_id.in_(list(person_ids)),
            )
        )
        return rows_as(Invitation, rows)

    async def update_invitation(self, invitation: Invitation) -> None:
        await save_rows(self.session, [], [invitation])

    async def hold_user(self, messenger: str, user_id: str) -> None:
        if is_postgresql(self.session):
            key = hashlib.sha256(f"{messenger}:{user_id}".encode()).digest()[:4]
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:kind, :key)"),
                {"kind": USER_LOCK, "key": int.from_bytes(key, "big", signed=True)},
            )
            return
        # SQLite: the transaction's first statement is a write (matching a row or not), so it
        # takes the database's write lock at once and keeps it (no read before it to upgrade).
        row = m.AccountRow
        await self.session.execute(
            update(row)
            .where(row.messenger == messenger, row.user_id == user_id)
            .values(chat_id=row.chat_id)
        )

    async def add_wrong_code(self, messenger: str, user_id: str, at: dt.datetime) -> int:
        new_id = await self.session.scalar(
            insert(m.WrongCodeRow)
            .values(messenger=messenger, user_id=user_id, at=at)
            .returning(m.WrongCodeRow.id)
        )
        assert new_id is not None  # RETURNING of an insert gives the new row's id
        return int(new_id)

    async def wrong_code_tally(
        self, messenger: str, user_id: str, after: dt.datetime, besides: int
    ) -> WrongCodeTally:
        row = m.WrongCodeRow
        counted = and_(row.at > after, row.id != besides)
        own = (
            await self.session.execute(
                select(func.count(), func.max(row.at)).where(
                    row.messenger == messenger, row.user_id == user_id, counted
                )
            )
        ).one()
        journal = await self.session.scalar(select(func.count()).select_from(row).where(counted))
        return WrongCodeTally(account=int(own[0] or 0), latest=own[1], journal=int(journal or 0))

    async def hold_journal_wrong_codes(self) -> None:
        if is_postgresql(self.session):  # SQLite: hold_user's write lock holds every transaction
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:kind, 0)"), {"kind": JOURNAL_WRONG_CODES_LOCK}
            )

    async def take_back_wrong_code(self, wrong_code_id: int) -> None:
        await self.session.execute(delete(m.WrongCodeRow).where(m.WrongCodeRow.id == wrong_code_id))

    async def forget_wrong_codes(self, until: dt.datetime) -> None:
        await self.session.execute(delete(m.WrongCodeRow).where(m.WrongCodeRow.at <= until))


class SqlJournalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lesson(self, school_id: int, lesson_id: int) -> Lesson | None:
        row = await self.session.scalar(
            select(m.LessonRow).where(
                m.LessonRow.school_id == school_id, m.LessonRow.id == lesson_id
            )
        )
        return MAPPINGS[Lesson].from_row(row) if row else None

    async def lessons_on(
        self, school_id: int, day: dt.date, teacher_id: int | None = None
    ) -> list[Lesson]:
        query = select(m.LessonRow).where(
            m.LessonRow.school_id == school_id, m.LessonRow.day == day
        )
        if teacher_id is not None:
            query = query.where(
                or_(m.LessonRow.teacher_id == teacher_id, m.LessonRow.substitute_id == teacher_id)
            )
        rows = await self.session.scalars(query.order_by(m.LessonRow.lesson_number, m.LessonRow.id))
        return rows_as(Lesson, rows)

    async def lessons_of(
        self, school_id: int, class_id: int, subject_id: int, first: dt.date, last: dt.date
    ) -> list[Lesson]:
        rows = await self.session.scalars(
            select(m.LessonRow)
            .where(
                m.LessonRow.school_id == school_id,
                m.LessonRow.class_id == class_id,
                m.LessonRow.subject_id == subject_id,
                m.LessonRow.day >= first,
                m.LessonRow.day <= last,
            )
            .order_by(m.LessonRow.day, m.LessonRow.lesson_number)
        )
        return rows_as(Lesson, rows)

    async def timetable(self, school_id: int, weekday: int | None = None) -> list[TimetableSlot]:
        query = select(m.TimetableRow).where(m.TimetableRow.school_id == school_id)
        if weekday is not None:
            query = query.where(m.TimetableRow.weekday == weekday)
        return rows_as(TimetableSlot, await self.session.scalars(query.order_by(m.TimetableRow.id)))

    async def add_lessons(self, lessons: Sequence[Lesson]) -> None:
        """Insert the lessons whose (slot, day) is not there yet; concurrent callers are fine."""
        if not lessons:
            return
        days = {x.day for x in lessons}
        slot_ids = {x.slot_id for x in lessons}
        existing = set(
            (
                await self.session.execute(
                    select(m.LessonRow.slot_id, m.LessonRow.day).where(
                        m.LessonRow.slot_id.in_(slot_ids), m.LessonRow.day.in_(days)
                    )
                )
            ).all()
        )
        rows = []
        for x in lessons:
            if (x.slot_id, x.day) in existing:
                continue
            row = _row(x)
            row.pop("id")
            rows.append(row)
        if not rows:
            return
        await self.session.execute(
            insert_ignoring(self.session, m.LessonRow, ["slot_id", "day"]), rows
        )

    async def save_lesson(self, lesson: Lesson) -> None:
        if lesson.id is None:
            await save_rows(self.session, [lesson], [])
        else:
            await save_rows(self.session, [], [lesson])

    async def attendance(self, lesson_ids: Sequence[int]) -> list[AttendanceEntry]:
        if not lesson_ids:
            return []
        rows = await self.session.scalars(
            select(m.AttendanceRow).where(m.AttendanceRow.lesson_id.in_(lesson_ids))
        )
        return rows_as(AttendanceEntry, rows)

    async def replace_attendance(
        self, school_id: int, lesson_id: int, statuses: dict[int, Attendance]
    ) -> None:
        await self.session.execute(
            delete(m.AttendanceRow).where(m.AttendanceRow.lesson_id == lesson_id)
        )
        if statuses:
            await self.session.execute(
                insert(m.AttendanceRow),
                [
                    {
                        "school_id": school_id,
                        "lesson_id": lesson_id,
                        "pupil_id": pid,
                        "status": status.value,
                    }
                    for pid, status in statuses.items()
                ],
            )

    async def marks(self, lesson_ids: Sequence[int]) -> list[Mark]:
        if not lesson_ids:
            return []
        rows = await self.session.scalars(
            select(m.MarkRow).where(m.MarkRow.lesson_id.in_(lesson_ids)).order_by(m.MarkRow.id)
        )
        return rows_as(Mark, rows)

    async def save_mark(self, mark: Mark) -> None:
        if mark.id is None:
            await save_rows(self.session, [mark], [])
        else:
            await save_rows(self.session, [], [mark])

    async def delete_mark(self, mark_id: int) -> None:
        await self.session.execute(delete(m.MarkRow).where(m.MarkRow.id == mark_id))

    async def add_audit(self, entries: Sequence[AuditEntry]) -> None:
        if entries:
            await save_rows(self.session, entries, [])

    async def audit_of(self, entity: str, entity_id: int) -> list[AuditEntry]:
        rows = await self.session.scalars(
            select(m.AuditRow)
            .where(m.AuditRow.entity == entity, m.AuditRow.entity_id == entity_id)
            .order_by(m.AuditRow.id)
        )
        return rows_as(AuditEntry, rows)

    async def audits_of(self, entity: str, entity_ids: Sequence[int]) -> list[AuditEntry]:
        if not entity_ids:
            return []
        rows = await self.session.scalars(
            select(m.AuditRow)
            .where(m.AuditRow.entity == entity, m.AuditRow.entity_id.in_(list(entity_ids)))
            .order_by(m.AuditRow.id)
        )
        return rows_as(AuditEntry, rows)

    async def lessons_between(self, school_id: int, first: dt.date, last: dt.date) -> list[Lesson]:
        rows = await self.session.scalars(
            select(m.LessonRow)
            .where(
                m.LessonRow.school_id == school_id,
                m.LessonRow.day >= first,
                m.LessonRow.day <= last,
            )
            .order_by(m.LessonRow.day, m.LessonRow.lesson_number, m.LessonRow.id)
        )
        return rows_as(Lesson, rows)

    async def all_assignments(self, school_id: int) -> list[Assignment]:
        rows = await self.session.scalars(
            select(m.AssignmentRow).where(m.AssignmentRow.school_id == school_id)
        )
        return rows_as(Assignment, rows)

    async def add_remark(self, remark: Remark) -> None:
        await save_rows(self.session, [remark], [])

    async def plan(
        self, school_id: int, subject_id: int, class_id: int, grade: int
    ) -> list[PlanTopic]:
        """The class's own plan when it has one, else the grade's."""
        rows = rows_as(
            PlanTopic,
            await self.session.scalars(
                select(m.PlanTopicRow)
                .where(
                    m.PlanTopicRow.school_id == school_id,
                    m.PlanTopicRow.subject_id == subject_id,
                    or_(
                        m.PlanTopicRow.class_id == class_id,
                        and_(m.PlanTopicRow.class_id.is_(None), m.PlanTopicRow.grade == grade),
                    ),
                )
                .order_by(m.PlanTopicRow.number)
            ),
        )
        own = [t for t in rows if t.class_id == class_id]
        return own or rows

    async def used_plan_topics(
        self, school_id: int, class_id: int, subgroup_id: int | None, subject_id: int
    ) -> set[int]:
        query = select(m.LessonRow.plan_topic_id).where(
            m.LessonRow.school_id == school_id,
            m.LessonRow.class_id == class_id,
            m.LessonRow.subject_id == subject_id,
            m.LessonRow.plan_topic_id.is_not(None),
        )
        if subgroup_id is not None:
            query = query.where(m.LessonRow.subgroup_id == subgroup_id)
        return {x for x in (await self.session.scalars(query)).all() if x is not None}

    async def bells(self, school_id: int) -> list[Bell]:
        rows = await self.session.scalars(select(m.BellRow).where(m.BellRow.school_id == school_id))
        return rows_as(Bell, rows)

    async def holidays(self, school_id: int) -> list[Holiday]:
        rows = await self.session.scalars(
            select(m.HolidayRow).where(m.HolidayRow.school_id == school_id)
        )
        return rows_as(Holiday, rows)

    async def periods(self, school_id: int) -> list[Period]:
        rows = await self.session.scalars(
            select(m.PeriodRow)
            .where(m.PeriodRow.school_id == school_id)
            .order_by(m.PeriodRow.starts)
        )
        return rows_as(Period, rows)

    async def assignments_of(self, school_id: int, teacher_id: int) -> list[Assignment]:
        rows = await self.session.scalars(
            select(m.AssignmentRow).where(
                m.AssignmentRow.school_id == school_id, m.AssignmentRow.teacher_id == teacher_id
            )
        )
        return rows_as(Assignment, rows)

    async def assignments_for_class(self, school_id: int, class_id: int) -> list[Assignment]:
        rows = await self.session.scalars(
            select(m.AssignmentRow).where(
                m.AssignmentRow.school_id == school_id, m.AssignmentRow.class_id == class_id
            )
        )
        return rows_as(Assignment, rows)

    async def term_marks(
        self, school_id: int, period_id: int, subject_id: int, pupil_ids: Sequence[int]
    ) -> list[TermMark]:
        if not pupil_ids:
            return []
        rows = await self.session.scalars(
            select(m.TermMarkRow).where(
                m.TermMarkRow.school_id == school_id,
                m.TermMarkRow.period_id == period_id,
                m.TermMarkRow.subject_id == subject_id,
                m.TermMarkRow.pupil_id.in_(pupil_ids),
            )
        )
        return rows_as(TermMark, rows)

    async def save_term_mark(self, term_mark: TermMark) -> None:
        existing = await self.session.scalar(
            select(m.TermMarkRow.id).where(
                m.TermMarkRow.pupil_id == term_mark.pupil_id,
                m.TermMarkRow.subject_id == term_mark.subject_id,
                m.TermMarkRow.period_id == term_mark.period_id,
            )
        )
        if existing is None:
            await save_rows(self.session, [term_mark], [])
        else:
            term_mark.id = existing
            values = _row(term_mark)
            await self.session.execute(
                update(m.TermMarkRow)
                .where(m.TermMarkRow.id == existing)
                .values({k: v for k, v in values.items() if k != "id"})
            )

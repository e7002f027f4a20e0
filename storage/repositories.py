"""Repositories: the domain's Protocols over SQLAlchemy, always filtered by school."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.grading import GradingSettings
from domain.importing import SchoolSnapshot
from domain.journal import Mark
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
    ScheduleSettings,
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subgroup,
    Subject,
    TimetableSlot,
    WorkKind,
)
from storage import models as m
from storage.mapping import MAPPINGS, mapping_for

# Rows inserted per statement; keeps PostgreSQL under its 32767-parameter limit.
CHUNK = 1000


def _school(row: m.SchoolRow) -> School:
    return School(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        grading=GradingSettings.from_dict(row.grading),
        help_contacts=row.help_contacts,
        schedule=ScheduleSettings.from_dict(row.schedule),
        messengers=tuple(n for n in row.messengers.split(",") if n),
    )


class SqlSchoolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, school: School) -> School:
        row = m.SchoolRow(
            name=school.name,
            timezone=school.timezone,
            grading=school.grading.to_dict(),
            help_contacts=school.help_contacts,
            schedule=school.schedule.to_dict(),
            messengers=",".join(school.messengers),
        )
        self.session.add(row)
        await self.session.flush()
        return _school(row)

    async def update(self, school: School) -> None:
        await self.session.execute(
            update(m.SchoolRow)
            .where(m.SchoolRow.id == school.id)
            .values(
                name=school.name,
                timezone=school.timezone,
                grading=school.grading.to_dict(),
                help_contacts=school.help_contacts,
                schedule=school.schedule.to_dict(),
                messengers=",".join(school.messengers),
            )
        )

    async def get(self, school_id: int) -> School | None:
        row = await self.session.get(m.SchoolRow, school_id)
        return _school(row) if row else None

    async def by_name(self, name: str) -> School | None:
        rows = (await self.session.scalars(select(m.SchoolRow))).all()
        for row in rows:
            if row.name.casefold() == name.casefold():
                return _school(row)
        return None

    async def all(self) -> list[School]:
        rows = await self.session.scalars(select(m.SchoolRow).order_by(m.SchoolRow.id))
        return [_school(r) for r in rows]

    async def add_work_kinds(self, kinds: Sequence[WorkKind]) -> None:
        await save_rows(self.session, kinds, [])

    async def work_kinds(self, school_id: int) -> list[WorkKind]:
        return await _load(self.session, WorkKind, school_id)


async def _load(session: AsyncSession, kind: type, school_id: int) -> list[Any]:
    mapping = MAPPINGS[kind]
    model: Any = mapping.model
    rows = await session.scalars(
        select(model).where(model.school_id == school_id).order_by(model.id)
    )
    return [mapping.from_row(r) for r in rows]


async def _with_lesson_day_and_subject(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """New marks take their lessons' day and subject (see `MarkRow`: the database refuses
    any other)."""
    lesson = m.LessonRow
    ids = sorted({row["lesson_id"] for row in rows})
    found = await session.execute(
        select(lesson.id, lesson.day, lesson.subject_id).where(lesson.id.in_(ids))
    )
    keys = {lesson_id: (day, subject_id) for lesson_id, day, subject_id in found.all()}
    for row in rows:
        if row["lesson_id"] not in keys:
            raise LookupError(f"no lesson {row['lesson_id']} for a mark")
        row["day"], row["subject_id"] = keys[row["lesson_id"]]


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (row locks, advisory locks), not SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring(session: AsyncSession, model: Any, unique: list[str]) -> Any:
    """An INSERT that skips rows clashing on `unique`, in the session's own dialect."""
    if is_postgresql(session):
        from sqlalchemy.dialects.postgresql import insert as insert_postgresql

        return insert_postgresql(model).on_conflict_do_nothing(index_elements=unique)
    from sqlalchemy.dialects.sqlite import insert as insert_sqlite

    return insert_sqlite(model).on_conflict_do_nothing(index_elements=unique)


async def save_rows(session: AsyncSession, inserts: Sequence[Any], updates: Sequence[Any]) -> None:
    """Bulk insert (ids come back in order and are set on the entities) and bulk update."""
    by_kind: dict[type, list[Any]] = defaultdict(list)
    for entity in inserts:
        by_kind[type(entity)].append(entity)
    for kind, entities in by_kind.items():
        mapping = MAPPINGS[kind]
        model: Any = mapping.model
        for start in range(0, len(entities), CHUNK):
            chunk = entities[start : start + CHUNK]
            rows = []
            for entity in chunk:
                row = mapping.to_row(entity)
                row.pop("id")
                rows.append(row)
            if kind is Mark:
                await _with_lesson_day_and_subject(session, rows)
            ids = await session.scalars(
                insert(model).returning(model.id, sort_by_parameter_order=True), rows
            )
            for entity, new_id in zip(chunk, ids.all(), strict=True):
                entity.id = new_id
    by_kind.clear()
    for entity in updates:
        by_kind[type(entity)].append(entity)
    for kind, entities in by_kind.items():
        mapping = MAPPINGS[kind]
        for start in range(0, len(entities), CHUNK):
            rows = [mapping.to_row(e) for e in entities[start : start + CHUNK]]
            await session.execute(update(mapping.model), rows)


class SqlSchoolDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def snapshot(self, school_id: int) -> SchoolSnapshot:
        s = self.session
        members = await s.execute(
            select(m.SubgroupMemberRow.subgroup_id, m.SubgroupMemberRow.pupil_id).where(
                m.SubgroupMemberRow.school_id == school_id
            )
        )
        return SchoolSnapshot(
            school_id=school_id,
            staff=await _load(s, StaffMember, school_id),
            subjects=await _load(s, Subject, school_id),
            classes=await _load(s, SchoolClass, school_id),
            pupils=await _load(s, Pupil, school_id),
            enrolments=await _load(s, Enrolment, school_id),
            guardians=await _load(s, Guardian, school_id),
            guardianships=await _load(s, Guardianship, school_id),
            subgroups=await _load(s, Subgroup, school_id),
            subgroup_members=[(a, b) for a, b in members.all()],
            assignments=await _load(s, Assignment, school_id),
            bells=await _load(s, Bell, school_id),
            school_years=await _load(s, SchoolYear, school_id),
            periods=await _load(s, Period, school_id),
            holidays=await _load(s, Holiday, school_id),
            timetable=await _load(s, TimetableSlot, school_id),
            plan=await _load(s, PlanTopic, school_id),
        )

    async def save(self, inserts: Sequence[object], updates: Sequence[object]) -> None:
        for entity in (*inserts, *updates):
            mapping_for(entity)  # refuse anything without a table before writing a row
        await save_rows(self.session, inserts, updates)

    async def add_subgroup_members(self, school_id: int, pairs: Sequence[tuple[int, int]]) -> None:
        rows = [{"school_id": school_id, "subgroup_id": g, "pupil_id": p} for g, p in pairs]
        for start in range(0, len(rows), CHUNK):
            await self.session.execute(insert(m.SubgroupMemberRow), rows[start : start + CHUNK])

    async def remove_subgroup_members(self, pairs: Sequence[tuple[int, int]]) -> None:
        for start in range(0, len(pairs), CHUNK):
            await self.session.execute(
                delete(m.SubgroupMemberRow).where(
                    tuple_(m.SubgroupMemberRow.subgroup_id, m.SubgroupMemberRow.pupil_id).in_(
                        list(pairs[start : start + CHUNK])
                    )
                )
            )

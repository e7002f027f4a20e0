"""Builders shared by the tests: a school imported from tables, and today's lesson of a
teacher by its number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

from domain.clock import FixedClock
from domain.people import Actor
from domain.usecases import teaching
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from storage.uow import SqlUnitOfWork
from tests.school_data import raw_tables
from tests.test_family import MONDAY

UowFactory = Callable[[], SqlUnitOfWork]


async def imported_school(
    make_uow: UowFactory, tables: dict[str, str], name: str = "Школа"
) -> SimpleNamespace:
    clock = FixedClock(MONDAY)
    school = await create_school(make_uow(), name, "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(tables), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    ids = {p.external_id: p.id for p in snap.pupils}
    ids |= {s.external_id: s.id for s in snap.staff}
    ids |= {g.external_id: g.id for g in snap.guardians}
    subjects = {s.name: s.id for s in snap.subjects}
    classes = {c.name: c.id for c in snap.classes}
    return SimpleNamespace(
        make_uow=make_uow,
        clock=clock,
        school=school,
        school_id=school.id,
        ids=ids,
        subjects=subjects,
        classes=classes,
    )


async def todays_lesson(w: SimpleNamespace, actor: Actor, number: int) -> int:
    views = await teaching.todays_lessons(w.make_uow(), actor, w.clock)
    return next(v.lesson.id for v in views if v.lesson.lesson_number == number)

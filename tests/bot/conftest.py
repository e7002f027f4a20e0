"""The real dispatcher with its real HTTP session, talking to the fake Telegram on localhost."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from bot.commands import register_commands
from bot.context import Services
from bot.main import build_bot, build_dispatcher
from domain.clock import FixedClock
from domain.people import PersonKind
from domain.usecases.accounts import issue_invitations
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from fakegram import FakeTelegram, FakeUser
from storage.uow import SqlUnitOfWork
from tests.school_data import bot_school, raw_tables

TOKEN = "424242:journal-test-token"
MSK = ZoneInfo("Europe/Moscow")
MONDAY_MORNING = dt.datetime(2026, 11, 16, 8, 0, tzinfo=MSK)


@dataclass
class Harness:
    server: FakeTelegram
    clock: FixedClock
    make_uow: Callable[[], SqlUnitOfWork]
    school_id: int
    staff: dict[str, int] = field(default_factory=dict)
    pupils: dict[str, int] = field(default_factory=dict)
    guardians: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    def user(self, user_id: int, first_name: str = "Тест", language: str = "ru") -> FakeUser:
        return FakeUser(self.server, TOKEN, user_id, first_name=first_name, language_code=language)

    async def code(self, kind: PersonKind, external: str) -> str:
        ids = {
            PersonKind.STAFF: self.staff,
            PersonKind.GUARDIAN: self.guardians,
            PersonKind.PUPIL: self.pupils,
        }[kind]
        [issued] = await issue_invitations(
            self.make_uow(), self.school_id, kind, [ids[external]], self.clock
        )
        return issued.code

    async def teacher(self, external: str = "T1", user_id: int = 5001) -> FakeUser:
        """A staff member who has joined through their invitation link."""
        person = self.user(user_id, "Анна")
        await person.start(await self.code(PersonKind.STAFF, external))
        return person


@contextlib.asynccontextmanager
async def running_bot(
    make_uow: Callable[[], SqlUnitOfWork],
    storage: BaseStorage | None = None,
    prepare: Callable[[Dispatcher], None] | None = None,
) -> AsyncIterator[Harness]:
    """The example school in the database, and the bot polling the fake Telegram (with its FSM
    storage in `storage`: memory by default; `prepare` may add to the dispatcher first)."""
    clock = FixedClock(MONDAY_MORNING)
    school = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), school, raw_tables(bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(school.id)
    async with FakeTelegram() as server:
        server.add_bot(TOKEN, username="journal_test_bot")
        bot = build_bot(TOKEN, server.api_url)
        dp = build_dispatcher(Services(make_uow, clock), storage)
        if prepare is not None:
            prepare(dp)
        server.track(dp)
        # Outermost, so that an update counts as handled only when its error handling is over
        # too (aiogram's ErrorsMiddleware is otherwise outside it, and a failure in a middleware
        # before the tracker, such as the FSM's reading of a Redis that is down, went uncounted).
        tracker = dp.update.outer_middleware[-1]
        dp.update.outer_middleware.unregister(tracker)
        dp.update.outer_middleware._middlewares.insert(0, tracker)
        await register_commands(bot)
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await server.wait_polling()
        yield Harness(
            server,
            clock,
            make_uow,
            school.id,
            staff={s.external_id: s.id for s in snap.staff},
            pupils={p.external_id: p.id for p in snap.pupils},
            guardians={g.external_id: g.id for g in snap.guardians},
            classes={c.name: c.id for c in snap.classes},
        )
        await dp.stop_polling()
        await polling
        await bot.session.close()
        assert server.internal_errors == []


@pytest.fixture
async def harness(make_uow: Callable[[], SqlUnitOfWork]) -> AsyncIterator[Harness]:
    async with running_bot(make_uow) as h:
        yield h

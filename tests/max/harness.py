"""The real MAX dispatcher polling the fake MAX server on localhost through maxo's own client,
driven as a person would: press Start on a deep link, write, press buttons, read the chat."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from maxo import Dispatcher
from maxo.fsm.storages.base import BaseStorage

from bot.context import Services
from bot.max.main import build_max_bot, build_max_dispatcher
from domain.clock import FixedClock
from domain.people import PersonKind
from domain.usecases.accounts import issue_invitations
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from fakemax import FakeMax
from fakemax.state import StoredMessage
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import MONDAY_MORNING
from tests.school_data import bot_school, raw_tables

TOKEN = "max-journal-test-token"
WAIT = 10.0  # seconds an update may take before a test fails


class Handled:
    """Counts the updates the dispatcher has finished with, error handling included (the
    outermost middleware of its updates), so that a test waits for its press to be answered."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = asyncio.Event()

    async def __call__(self, update: Any, ctx: Any, next: Any) -> Any:
        try:
            return await next(ctx)
        finally:
            self.count += 1
            self.changed.set()

    async def reach(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while self.count < count:
                self.changed.clear()
                await self.changed.wait()


def awaiting() -> list[str]:
    """Where each task of the loop waits (file:line, innermost last): what a hang is on."""
    chains = []
    for task in asyncio.all_tasks():
        coro: Any = task.get_coro()
        chain = []
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
            if frame is not None:
                chain.append(f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno}")
            coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
        chains.append(" > ".join(chain))
    return chains


@dataclass
class MaxPerson:
    """A person in MAX, chatting with the journal's bot."""

    harness: MaxHarness
    user_id: int

    @property
    def server(self) -> FakeMax:
        return self.harness.server

    async def _handled(self, push: Callable[[], Any]) -> Any:
        self.harness.pushed += 1
        result = push()
        try:
            await self.harness.handled.reach(self.harness.pushed)
        except TimeoutError:
            seen = [(r.method, r.path, r.status, r.code) for r in self.server.requests[-10:]]
            raise AssertionError(
                f"the bot did not answer; its last requests: {seen}; waiting at: {awaiting()}"
            ) from None
        return result

    async def start(self, payload: str | None = None) -> None:
        await self._handled(lambda: self.server.user_starts(self.user_id, payload))

    async def send(self, text: str) -> None:
        await self._handled(lambda: self.server.user_sends_text(self.user_id, text))

    async def press(self, label_or_payload: str, *, mid: str | None = None) -> str:
        """Press a button of the bot's last message with a keyboard; the callback's id."""
        return await self._handled(
            lambda: self.server.user_presses(self.user_id, label_or_payload, mid=mid)
        )

    def screen(self) -> StoredMessage:
        """The bot's last message with buttons (the screen on the phone)."""
        return [m for m in self.server.bot_messages(self.user_id) if m.buttons][-1]

    def last(self) -> StoredMessage:
        return self.server.last_bot_message(self.user_id)

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.server.bot_messages(self.user_id)]

    def notes(self, callback_id: str) -> list[str]:
        """What the answers to a press showed over the chat."""
        answers = self.server.callback_answers(callback_id)
        return [a["notification"] for a in answers if a.get("notification")]


@dataclass
class MaxHarness:
    server: FakeMax
    clock: FixedClock
    make_uow: Callable[[], SqlUnitOfWork]
    school_id: int
    handled: Handled
    bot: Any = None  # the MAX bot answering (bot.max.client.MaxBot)
    pushed: int = 0
    staff: dict[str, int] = field(default_factory=dict)
    pupils: dict[str, int] = field(default_factory=dict)
    guardians: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    def person(self, user_id: int, first_name: str = "Тест", locale: str = "ru") -> MaxPerson:
        self.server.add_user(user_id, first_name=first_name, locale=locale)
        return MaxPerson(self, user_id)

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

    async def teacher(self, external: str = "T1", user_id: int = 7001) -> MaxPerson:
        """A staff member who has joined by the invitation's MAX deep link."""
        person = self.person(user_id, "Анна", locale="en")
        await person.start(await self.code(PersonKind.STAFF, external))
        return person


@contextlib.asynccontextmanager
async def running_max_bot(
    make_uow: Callable[[], SqlUnitOfWork],
    storage: BaseStorage | None = None,
    prepare: Callable[[Dispatcher], None] | None = None,
    school: Any = None,
) -> AsyncIterator[MaxHarness]:
    """The example school in the database, and the MAX bot polling the fake MAX server."""
    clock = FixedClock(MONDAY_MORNING)
    made = await create_school(make_uow(), "Школа №1", "Europe/Moscow")
    await import_school(make_uow(), made, raw_tables(school or bot_school()), dt.date(2026, 9, 1))
    async with make_uow() as uow:
        snap = await uow.directory.snapshot(made.id)
    async with FakeMax() as server:
        server.add_bot(TOKEN, username="journal_max_bot")
        bot = build_max_bot(TOKEN, server.api_url)
        dp = build_max_dispatcher(Services(make_uow, clock), storage)
        if prepare is not None:
            prepare(dp)
        handled = Handled()
        dp.update.middleware.outer.middlewares.insert(0, handled)
        polling = asyncio.create_task(dp.start_polling(bot, timeout=1))
        await _wait_polling(server)
        try:
            yield MaxHarness(
                server,
                clock,
                make_uow,
                made.id,
                handled,
                bot=bot,
                staff={s.external_id: s.id for s in snap.staff},
                pupils={p.external_id: p.id for p in snap.pupils},
                guardians={g.external_id: g.id for g in snap.guardians},
                classes={c.name: c.id for c in snap.classes},
            )
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await bot.close()
        assert server.internal_errors == []


async def _wait_polling(server: FakeMax) -> None:
    async with asyncio.timeout(WAIT):
        while not any(r.path == "updates" for r in server.requests):  # noqa: ASYNC110 - the fake signals no first poll
            await asyncio.sleep(0.01)

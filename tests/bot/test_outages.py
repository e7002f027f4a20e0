"""Redis (the open screens) or the database out of reach: every press and message gets a clear
answer, the log one warning per outage and no traceback, and the bot works again by itself
when the storage is back, with no restart. Private servers of the tests' own (tests/faults.py):
the shared ones are never stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from aiogram import Dispatcher
from aiogram.filters import Command
from aiogram.types import Chat, Message, Update
from aiogram.types import User as TgUser
from sqlalchemy import text

from bot.context import Ctx
from bot.main import build_bot, make_storage
from domain.people import PersonKind
from fakegram import FakeUser
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import TOKEN, Harness, running_bot
from tests.faults import PrivateCluster, PrivateRedis

DOWN = (
    "The journal cannot reach its storage right now; try again in a minute — nothing you saved "
    "is lost."
)
CRASH = "Something went wrong on our side; what you saved is kept. Try again or open /menu."
DOWN_RU = (
    "Журнал сейчас не может связаться со своим хранилищем; попробуйте через минуту — ничего из "
    "сохранённого не потеряно."
)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


def outage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "out of reach (" in r.getMessage()]


async def _teacher(h: Harness, language: str = "en") -> FakeUser:
    teacher = h.user(5001, "Анна", language=language)
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    return teacher


async def test_redis_down_every_press_and_message_is_answered_and_it_recovers(
    make_uow: Callable[[], SqlUnitOfWork],
    private_redis: PrivateRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    storage = make_storage(private_redis.url())
    try:
        async with running_bot(make_uow, storage) as h:
            teacher = await _teacher(h)
            russian = h.user(5002, "Борис", language="en")  # Telegram says English, the account
            await russian.start(await h.code(PersonKind.STAFF, "T2"))  # is Russian:
            await russian.send("/lang")
            await russian.press("Русский")
            await teacher.press("1. 7А · Математика")
            card = teacher.screen()

            private_redis.stop()
            await teacher.press("Attendance", message=card)
            assert teacher.last_alert() == DOWN
            replies = await teacher.send("/menu")
            assert [r.text for r in replies] == [DOWN]
            replies = await teacher.send("What is going on?")
            assert [r.text for r in replies] == [DOWN]
            await russian.send("/menu")
            assert russian.screen().text == DOWN_RU  # in the account's language
            assert len(outage_warnings(caplog)) == 1, outage_warnings(caplog)
            assert tracebacks(caplog) == []

            private_redis.start()  # empty: the screens open before are gone
            await teacher.press("Attendance", message=card)
            assert "out of date" in (teacher.last_alert() or "")
            await teacher.send("/menu")
            assert "Today, Mon 16.11" in teacher.screen().text
            await teacher.press("1. 7А · Математика")
            await teacher.press("Attendance")
            assert "Tap a pupil" in teacher.screen().text
            assert [m for m in caplog.messages if "reachable again" in m]
            assert len(outage_warnings(caplog)) == 1
            assert tracebacks(caplog) == []
    finally:
        await storage.close()


async def test_database_down_every_press_and_message_is_answered_and_it_recovers(
    private_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    engine = create_engine(private_cluster.url())
    await upgrade(engine)
    sessions = session_factory(engine)
    dispatchers: list[Dispatcher] = []
    try:
        async with running_bot(lambda: SqlUnitOfWork(sessions), prepare=dispatchers.append) as h:
            teacher = await _teacher(h)
            english = h.user(5002, "Борис", language="ru")  # Telegram says Russian, the account
            await english.start(await h.code(PersonKind.STAFF, "T2"))  # is English:
            await english.send("/lang")
            await english.press("English")
            await teacher.press("1. 7А · Математика")
            card = teacher.screen()

            private_cluster.stop()
            replies = await teacher.send("/menu")
            assert [r.text for r in replies] == [DOWN]
            await teacher.press("Attendance", message=card)
            assert teacher.last_alert() == DOWN
            replies = await teacher.send("Hello?")
            assert [r.text for r in replies] == [DOWN]
            replies = await english.send("/menu")  # in the account's language, not Telegram's
            assert [r.text for r in replies] == [DOWN]
            assert len(outage_warnings(caplog)) == 1, outage_warnings(caplog)
            assert tracebacks(caplog) == []

            # A message in a group goes through without the database (the journal talks one
            # to one and ignores it): no news that the database is back.
            await _group_message(dispatchers[0], h, 5001)
            assert [m for m in caplog.messages if "reachable again" in m] == []

            private_cluster.start()
            await teacher.send("/menu")
            assert "Today, Mon 16.11" in teacher.screen().text
            await teacher.press("1. 7А · Математика")
            await teacher.press("Attendance")
            assert "Tap a pupil" in teacher.screen().text
            assert [m for m in caplog.messages if "reachable again" in m]
            assert len(outage_warnings(caplog)) == 1
            assert tracebacks(caplog) == []
    finally:
        await engine.dispose()


async def test_both_down_the_answer_is_in_the_account_language_without_asking_the_database(
    private_cluster: PrivateCluster,
    private_redis: PrivateRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis and the database down at once: the language the person chose earlier is known
    without the database (which is not asked, so it does not fail a second time)."""
    caplog.set_level(logging.DEBUG, logger="bot.outages")
    engine = create_engine(private_cluster.url())
    await upgrade(engine)
    sessions = session_factory(engine)
    storage = make_storage(private_redis.url())
    try:
        async with running_bot(lambda: SqlUnitOfWork(sessions), storage) as h:
            english = h.user(5002, "Борис", language="ru")
            await english.start(await h.code(PersonKind.STAFF, "T2"))
            await english.send("/lang")
            await english.press("English")
            await english.send("/menu")
            menu = english.screen()

            private_redis.stop()
            private_cluster.stop()
            replies = await english.send("/menu")
            assert [r.text for r in replies] == [DOWN]
            await english.press("🌐 Language", message=menu)
            assert english.last_alert() == DOWN
            assert len(outage_warnings(caplog)) == 1, outage_warnings(caplog)
            assert tracebacks(caplog) == []
    finally:
        await storage.close()
        await engine.dispose()


async def _group_message(dp: Dispatcher, h: Harness, user_id: int) -> None:
    """A message from `user_id` in a group the bot is in, fed to the dispatcher (the fake
    Telegram has private chats only)."""
    group = Chat(id=-100_777, type="supergroup", title="7А parents")
    sender = TgUser(id=user_id, is_bot=False, first_name="Анна")
    message = Message(
        message_id=1, date=h.clock.now(), chat=group, from_user=sender, text="hello all"
    )
    bot = build_bot(TOKEN, h.server.api_url)
    try:
        await dp.feed_update(bot, Update(update_id=999_999_001, message=message))
    finally:
        await bot.session.close()


def test_the_russian_answer() -> None:
    from bot.outages import STORAGE_DOWN
    from locales import translator

    assert translator("en")(STORAGE_DOWN) == DOWN
    assert translator("ru")(STORAGE_DOWN) == DOWN_RU


def test_only_a_storage_out_of_reach_counts_as_an_outage() -> None:
    import sqlite3

    import asyncpg
    from aiogram.exceptions import TelegramNetworkError
    from aiogram.methods import SendMessage
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError
    from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from bot.outages import DATABASE, SCREENS, outage
    from scheduler.outage import is_unreachable

    assert outage(RedisConnectionError("Connection closed by server.")) == SCREENS
    assert outage(ResponseError("WRONGTYPE")) is None
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert outage(OperationalError("connect", {}, refused)) == DATABASE
    try:
        raise KeyError("aiogd_context") from refused  # what a failure on the way leaves
    except KeyError as err:
        assert outage(err) == DATABASE
    assert outage(OperationalError("select", {}, sqlite3.OperationalError("no such table"))) is None
    assert outage(IntegrityError("insert", {}, sqlite3.IntegrityError("UNIQUE"))) is None
    assert outage(ValueError("a bug")) is None
    # Words are no evidence: a bug whose message mentions a connection is a bug.
    missing = sqlite3.OperationalError("no such table: connection_settings")
    assert outage(OperationalError("select", {}, missing)) is None
    busy = asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
    assert outage(InterfaceError("select", {}, busy)) is None
    assert outage(busy) is None
    exhausted = "QueuePool limit of size 5 overflow 10 reached, connection timed out"
    assert outage(PoolTimeout(exhausted)) is None  # connections leaked or held: not the server
    assert not is_unreachable(OperationalError("select", {}, missing))  # the scheduler's too
    # The driver's errors for a server that is gone are, by their type.
    shutdown = asyncpg.exceptions.AdminShutdownError("terminating connection")
    assert outage(OperationalError("select", {}, shutdown)) == DATABASE
    assert outage(asyncpg.CannotConnectNowError("the database system is starting up")) == DATABASE
    try:
        raise TelegramNetworkError(SendMessage(chat_id=1, text="x"), "timeout") from TimeoutError()
    except TelegramNetworkError as err:
        assert outage(err) is None


async def _misuse_the_database(message: Message, ctx: Ctx) -> None:
    """A bug whose error mentions a connection, raised by the database itself: on PostgreSQL
    two statements at once on one connection (asyncpg's InterfaceError «cannot perform
    operation: another operation is in progress»), on SQLite a query of a table that is not
    there («no such table: connection_settings», an OperationalError)."""
    async with ctx.uow() as uow:
        session = uow.session
        if session.bind.dialect.name == "postgresql":
            raw = await (await session.connection()).get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await asyncio.gather(driver.fetch("select pg_sleep(0.2)"), driver.fetch("select 1"))
        else:
            await session.execute(text("select * from connection_settings"))


async def test_a_bug_that_mentions_a_connection_is_answered_and_logged_as_a_bug(
    make_uow: Callable[[], SqlUnitOfWork], caplog: pytest.LogCaptureFixture
) -> None:
    """Not an outage: the generic answer, the traceback in the log, no «out of reach»."""
    caplog.set_level(logging.INFO)

    def add_the_bug(dp: Dispatcher) -> None:
        dp.message.register(_misuse_the_database, Command("misuse"))

    async with running_bot(make_uow, prepare=add_the_bug) as h:
        teacher = await _teacher(h)
        replies = await teacher.send("/misuse")
        assert [r.text for r in replies] == [CRASH]
        assert outage_warnings(caplog) == []
        [crash] = [r for r in caplog.records if r.exc_info is not None]
        assert crash.levelno == logging.ERROR
        assert crash.exc_info is not None
        assert type(crash.exc_info[1]).__name__ in ("InterfaceError", "OperationalError")

"""Redis (the open screens) or the database out of reach: every press and message gets a clear
answer, the log one warning per outage and no traceback, and the bot works again by itself
when the storage is back, with no restart. Private servers of the tests' own (tests/faults.py):
the shared ones are never stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.main import make_storage
from domain.people import PersonKind
from fakegram import FakeUser
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import Harness, running_bot
from tests.faults import PrivateCluster, PrivateRedis

DOWN = (
    "The journal cannot reach its storage right now; try again in a minute — nothing you saved "
    "is lost."
)
DOWN_RU = "Журнал сейчас не может связаться со своим хранилищем"


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
            assert DOWN_RU in russian.screen().text  # in the account's language
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
    try:
        async with running_bot(lambda: SqlUnitOfWork(sessions)) as h:
            teacher = await _teacher(h)
            await teacher.press("1. 7А · Математика")
            card = teacher.screen()

            private_cluster.stop()
            replies = await teacher.send("/menu")
            assert [r.text for r in replies] == [DOWN]
            await teacher.press("Attendance", message=card)
            assert teacher.last_alert() == DOWN
            replies = await teacher.send("Hello?")
            assert [r.text for r in replies] == [DOWN]
            assert len(outage_warnings(caplog)) == 1, outage_warnings(caplog)
            assert tracebacks(caplog) == []

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


def test_only_a_storage_out_of_reach_counts_as_an_outage() -> None:
    import sqlite3

    from aiogram.exceptions import TelegramNetworkError
    from aiogram.methods import SendMessage
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError
    from sqlalchemy.exc import IntegrityError, OperationalError

    from bot.outages import DATABASE, SCREENS, outage

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
    try:
        raise TelegramNetworkError(SendMessage(chat_id=1, text="x"), "timeout") from TimeoutError()
    except TelegramNetworkError as err:
        assert outage(err) is None

"""On MAX as on Telegram: /help; the database out of reach answered with one sentence to every
message and press, and the bot working again by itself when it is back; a bug answered with a
sentence (never a traceback, never silence) and the next update served."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import pytest

from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.bot.test_outages import CRASH, DOWN, DOWN_RU, outage_warnings, tracebacks
from tests.faults import PrivateCluster
from tests.max.harness import MaxHarness, MaxPerson, running_max_bot


@pytest.fixture
async def max_harness(make_uow: Callable[[], SqlUnitOfWork]) -> AsyncIterator[MaxHarness]:
    async with running_max_bot(make_uow) as h:
        yield h


async def test_help_on_max(max_harness: MaxHarness) -> None:
    teacher = await max_harness.teacher()
    await teacher.send("/help")
    text = teacher.last().text or ""
    assert text.startswith("Help") and "/menu — the main menu" in text, text
    assert max_harness.server.last_bot_message(teacher.user_id).format == "html"


async def test_a_bug_gets_a_sentence_and_the_next_update_is_served(
    max_harness: MaxHarness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    teacher = await max_harness.teacher()

    async def broken(*_args: object) -> None:
        raise RuntimeError("a bug in the journal")

    monkeypatch.setattr("bot.conversation.actor_school", broken)
    await teacher.send("/help")
    assert teacher.last().text == CRASH
    assert any("a bug in the journal" in str(r.exc_info) for r in caplog.records if r.exc_info)
    monkeypatch.undo()
    await teacher.send("/menu")  # not held by a lock the failed update left behind
    assert "Today, Mon 16.11" in (teacher.screen().text or "")


async def test_database_down_on_max_every_update_is_answered_and_it_recovers(
    private_cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    engine = create_engine(private_cluster.url())
    await upgrade(engine)
    sessions = session_factory(engine)
    try:
        async with running_max_bot(lambda: SqlUnitOfWork(sessions)) as h:
            teacher = await h.teacher()
            await teacher.press("1. 7А · Математика")
            card = teacher.screen()

            private_cluster.stop()
            await teacher.send("/menu")
            assert teacher.last().text == DOWN
            callback = await teacher.press("Attendance", mid=card.mid)
            assert teacher.notes(callback) == [DOWN]
            await teacher.send("Hello?")
            assert teacher.last().text == DOWN
            stranger = MaxPerson(h, 7999)
            await stranger.start()
            assert stranger.last().text == DOWN_RU  # in the language MAX says they use
            assert len(outage_warnings(caplog)) == 1, outage_warnings(caplog)
            assert tracebacks(caplog) == []

            private_cluster.start()
            await teacher.send("/menu")
            assert "Today, Mon 16.11" in (teacher.screen().text or "")
            await teacher.press("1. 7А · Математика")
            await teacher.press("Attendance")
            assert "Tap a pupil" in (teacher.screen().text or "")
            assert [m for m in caplog.messages if "reachable again" in m]
            assert tracebacks(caplog) == []
    finally:
        await engine.dispose()

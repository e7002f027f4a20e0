"""Migrations run from empty to head and back on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.migrate import current, downgrade, head, upgrade
from storage.models import Base
from tests.conftest import create_pg_database, drop_pg_database, pg_url


@pytest_asyncio.fixture
async def empty_engine(
    backend: str, pg_database: str | None, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if backend == "postgresql":
        if pg_database is None:
            pytest.skip("PostgreSQL is not running")
        name = await create_pg_database("journal_migr")
        engine = create_engine(pg_url(name))
        yield engine
        await engine.dispose()
        await drop_pg_database(name)
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_up_down_up(empty_engine: AsyncEngine) -> None:
    assert await current(empty_engine) is None
    await upgrade(empty_engine)
    assert await current(empty_engine) == head()
    assert {t.name for t in Base.metadata.sorted_tables} <= await _tables(empty_engine)
    await downgrade(empty_engine, "base")
    assert await current(empty_engine) is None
    assert await _tables(empty_engine) <= {"alembic_version"}
    await upgrade(empty_engine)
    assert await current(empty_engine) == head()


async def test_models_match_migrations(empty_engine: AsyncEngine) -> None:
    """A model changed without a migration fails here, before it fails in a school."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == []


async def test_migrations_keep_the_journal_and_fill_the_marks_new_columns(
    empty_engine: AsyncEngine,
) -> None:
    """0006 fills the new columns of the marks a school already has, and no migration up or
    down deletes a mark or an attendance entry: on SQLite a table is changed by rebuilding it,
    and dropping `lessons` or `schools` with foreign keys on deletes what refers to them."""
    from sqlalchemy import text

    from domain.people import PersonKind
    from domain.usecases import teaching
    from storage.database import session_factory
    from storage.uow import SqlUnitOfWork
    from tests.builders import imported_school, todays_lesson
    from tests.school_data import bot_school
    from tests.test_family import join

    await upgrade(empty_engine)
    sessions = session_factory(empty_engine)
    w = await imported_school(lambda: SqlUnitOfWork(sessions), bot_school())
    teacher = await join(w, PersonKind.STAFF, w.ids["T1"], 1)
    for number, value in ((1, "5"), (2, "3")):
        lesson_id = await todays_lesson(w, teacher, number)
        await teaching.put_mark(
            w.make_uow(), teacher, lesson_id, w.ids["A1"], "oral", value, w.clock
        )
        absent = {w.ids["A2"]: "Н"}
        await teaching.save_attendance(w.make_uow(), teacher, lesson_id, absent, w.clock)
    joined = text(
        "SELECT m.value, m.day, m.subject_id, l.day, l.subject_id "
        "FROM marks m JOIN lessons l ON l.id = m.lesson_id ORDER BY m.id"
    )
    absences = text("SELECT count(*) FROM attendance")
    async with empty_engine.connect() as conn:
        before = (await conn.execute(joined)).all()
        assert await conn.scalar(absences) == 2
    for back_to in ("0005", "0002"):  # 0002: SQLite rebuilds `schools` on the way down
        await downgrade(empty_engine, back_to)
        async with empty_engine.connect() as conn:
            columns = await conn.run_sync(lambda c: inspect(c).get_columns("marks"))
            assert "day" not in {c["name"] for c in columns}
        await upgrade(empty_engine)
        async with empty_engine.connect() as conn:
            after = (await conn.execute(joined)).all()
            assert await conn.scalar(absences) == 2  # nothing deleted under them
        assert after == before and [row[0] for row in after] == ["5", "3"]
    assert all((row[1], row[2]) == (row[3], row[4]) for row in after)


async def test_a_message_queued_before_0011_goes_out_as_it_was_rendered(
    empty_engine: AsyncEngine,
) -> None:
    """0011 keeps the queue: a message queued rendered (no notice) is sent with its text and
    buttons as they are, while one queued since is rendered when it is sent."""
    import datetime as dt

    from sqlalchemy import insert

    from bot.render import TelegramRenderer
    from domain.clock import FixedClock
    from domain.delivery import OutboxMessage, SendOutcome, SendResult
    from domain.people import Account
    from domain.usecases.scheduling import Notice, msg, to_outbox
    from domain.usecases.schools import create_school
    from scheduler.sender import Sender
    from storage import models as m
    from storage.database import session_factory
    from storage.uow import SqlUnitOfWork

    await upgrade(empty_engine)
    make_uow = lambda: SqlUnitOfWork(session_factory(empty_engine))  # noqa: E731
    now = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    assert school.id is not None
    async with make_uow() as uow:
        account = await uow.accounts.add(
            Account(id=None, messenger="telegram", user_id="7", chat_id="7",
                    display_name="Мама", created_at=now, language="en")
        )  # fmt: skip
        await uow.commit()
    assert account.id is not None
    await downgrade(empty_engine, "0010")
    async with empty_engine.begin() as conn:
        await conn.execute(
            insert(m.OutboxRow.__table__).values(
                school_id=school.id, account_id=account.id, chat_id="7", kind="remark",
                dedup_key="old", text="<b>Отрисовано</b> заранее", not_before=now,
                created_at=now, buttons=[[{"text": "Открыть", "data": "rmk:1"}]],
            )
        )  # fmt: skip
    await upgrade(empty_engine)
    notice = Notice(
        account=account,
        school_id=school.id,
        kind="remark",
        dedup_key="new",
        lines=(msg("At risk of 2"),),
        urgent=True,
    )
    async with make_uow() as uow:
        await uow.outbox.add([to_outbox(notice, school, now)])
        await uow.commit()

    sent: list[OutboxMessage] = []

    class Recording:
        async def send(self, message: OutboxMessage) -> SendResult:
            sent.append(message)
            return SendResult(SendOutcome.SENT)

    sender = Sender(make_uow, Recording(), FixedClock(now), renderer=TelegramRenderer())
    while await sender.run_once():
        pass
    by_key = {x.dedup_key: x for x in sent}
    assert by_key["old"].text == "<b>Отрисовано</b> заранее"
    assert by_key["old"].buttons == [[{"text": "Открыть", "data": "rmk:1"}]]
    assert by_key["new"].text == "At risk of 2"  # the account's language, English


async def test_a_downgrade_below_0010_fails_what_waits_for_another_messenger(
    empty_engine: AsyncEngine,
) -> None:
    """Without 0010's column every message is Telegram's: one waiting for another messenger
    must fail, said why, not go out through Telegram; and a Telegram message kept while the
    column was gone is Telegram's again once it is back."""
    import datetime as dt

    from sqlalchemy import insert, text

    from domain.people import Account
    from domain.usecases.schools import create_school
    from storage import models as m
    from storage.database import session_factory
    from storage.uow import SqlUnitOfWork

    await upgrade(empty_engine)
    make_uow = lambda: SqlUnitOfWork(session_factory(empty_engine))  # noqa: E731
    now = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
    school = await create_school(make_uow(), "Школа", "Europe/Moscow")
    async with make_uow() as uow:
        accounts = [
            await uow.accounts.add(
                Account(id=None, messenger=name, user_id=name, chat_id=chat, created_at=now)
            )
            for name, chat in (("telegram", "7"), ("max", "70000000001"))
        ]
        await uow.commit()
    await downgrade(empty_engine, "0010")  # rendered rows, as 0010 kept them
    async with empty_engine.begin() as conn:
        for account in accounts:
            for status in ("pending", "sent"):
                await conn.execute(
                    insert(m.OutboxRow.__table__).values(
                        school_id=school.id, account_id=account.id, chat_id=account.chat_id,
                        kind="remark", dedup_key=f"{account.messenger}:{status}",
                        text="Отрисовано", not_before=now, created_at=now, status=status,
                        messenger=account.messenger,
                    )
                )  # fmt: skip
    rows = text("select dedup_key, status, last_error from outbox order by id")

    await downgrade(empty_engine, "0009")
    async with empty_engine.connect() as conn:
        below = [tuple(row) for row in (await conn.execute(rows)).all()]
    assert below == [
        ("telegram:pending", "pending", ""),
        ("telegram:sent", "sent", ""),
        ("max:pending", "failed", "other messenger: downgraded"),
        ("max:sent", "sent", ""),  # what was sent stays sent
    ]
    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        messengers = (await conn.execute(text("select messenger from outbox order by id"))).all()
    assert [row[0] for row in messengers] == ["telegram"] * 4

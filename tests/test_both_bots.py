"""`journal bot run` with a Telegram and a MAX token: both bots answer in one process, one sender
delivers each notice to every account of the person, by its messenger, under the leader locks;
`--only max` runs MAX's bot alone. Real processes against fakegram and fakemax."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path

import pytest

from domain.clock import SystemClock
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from fakegram import FakeTelegram, FakeUser
from fakemax import FakeMax
from scheduler.leader import LOCK_KEYS
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.test_cli import journal
from tests.test_leader import (
    ROOT,
    TEACHERS,
    TOKEN,
    bot_env,
    lock_holders,
    set_up_school,
    spawn,
    wait_for,
)

MAX_TOKEN = "both-bots-max-token"
T1_ON_MAX = 9301
STRANGER_ON_MAX = 9399


async def join_on_max(url: str, school_id: int) -> None:
    """T1 links a MAX account beside the Telegram one (no quiet hours on it either)."""
    engine = create_engine(url)
    try:
        make_uow = lambda: SqlUnitOfWork(session_factory(engine))  # noqa: E731
        async with make_uow() as uow:
            staff = {s.external_id: s.id for s in (await uow.directory.snapshot(school_id)).staff}
        [invitation] = await issue_invitations(
            make_uow(), school_id, PersonKind.STAFF, [staff["T1"]], SystemClock()
        )
        chat = str(FakeMax.chat_id_of(T1_ON_MAX))  # the dialog's chat, as the MAX bot notes it
        user = MessengerUser(messenger="max", user_id=str(T1_ON_MAX), chat_id=chat, language="ru")
        await redeem_invitation(make_uow(), user, invitation.code, SystemClock())
        async with make_uow() as uow:
            account = await uow.accounts.by_user("max", str(T1_ON_MAX))
            assert account is not None
            account.quiet_from = account.quiet_to = dt.time(0, 0)
            await uow.accounts.update(account)
            await uow.commit()
    finally:
        await engine.dispose()


def reminders(messages: list[str], day: dt.date) -> int:
    return sum(1 for text in messages if f"({day:%d.%m})" in text and "/menu" in text)


@pytest.mark.postgres
async def test_one_process_runs_both_bots_and_one_sender(
    pg_database: str | None, tmp_path: Path
) -> None:
    if pg_database is None:
        pytest.skip("PostgreSQL is not running; the leader locks exist only there")
    name = await create_pg_database("journal_both_bots")
    url = pg_url(name)
    process = None
    log = tmp_path / "both.log"
    try:
        school_id, day = await set_up_school(url, tmp_path)
        await join_on_max(url, school_id)
        async with FakeTelegram() as tg, FakeMax() as mx:
            tg.add_bot(TOKEN, username="journal_test_bot")
            for chat in TEACHERS.values():
                tg.add_user(chat, started=True)
            mx.add_bot(MAX_TOKEN, username="journal_max_bot")
            mx.user_starts(T1_ON_MAX)  # the dialog exists: MAX delivers to it
            env = bot_env(url, tg) | {
                "JOURNAL_MAX_TOKEN": MAX_TOKEN,
                "JOURNAL_MAX_API_URL": mx.api_url,
            }
            process = await spawn(env, log)
            text = lambda: log.read_text(errors="replace")[-6000:]  # noqa: E731
            await wait_for(
                lambda: "bots: max, telegram" in text(), f"both bots start\n{text()}", 60
            )
            await wait_for(
                lambda: _held(name), f"one process takes both leader locks\n{text()}", 60
            )

            # The evening reminder: T1 gets it in both messengers, once each; T2 on Telegram.
            on_max = lambda: [m.text or "" for m in mx.bot_messages(T1_ON_MAX)]  # noqa: E731
            on_tg = lambda chat: [m.text or "" for m in tg.messages(chat) if m.from_bot]  # noqa: E731
            await wait_for(
                lambda: (
                    reminders(on_max(), day)
                    and all(reminders(on_tg(c), day) for c in TEACHERS.values())
                ),
                f"the reminder reaches every account\n{text()}",
                60,
            )
            # Both bots answer people.
            mx.user_starts(STRANGER_ON_MAX)
            await wait_for(lambda: mx.bot_messages(STRANGER_ON_MAX), f"MAX answers\n{text()}")
            teacher = FakeUser(tg, TOKEN, TEACHERS["T2"], first_name="Борис", language_code="ru")
            await teacher.send("/menu")
            await wait_for(
                lambda: tg.messages(TEACHERS["T2"])[-1].from_bot, f"Telegram answers\n{text()}"
            )
            await asyncio.sleep(1.5)  # a sender round more: nothing is sent twice
            assert reminders(on_max(), day) == 1 and reminders(on_tg(TEACHERS["T1"]), day) == 1

            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 30) == 0, text()
            assert "Traceback" not in log.read_text(errors="replace"), text()
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await drop_pg_database(name)


async def _held(database: str) -> bool:
    return set(await lock_holders(database)) == set(LOCK_KEYS)


async def test_only_max_runs_the_max_bot_alone(tmp_path: Path) -> None:
    """`--only max`: MAX's bot answers; Telegram's is not polled (its token is set, for the
    sender of another process); a `--only telegram` without a Telegram token is refused."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite3'}"
    assert journal(url, "db", "upgrade").returncode == 0
    log = tmp_path / "max.log"
    async with FakeTelegram() as tg, FakeMax() as mx:
        tg.add_bot(TOKEN, username="journal_test_bot")
        mx.add_bot(MAX_TOKEN, username="journal_max_bot")
        env = bot_env(url, tg) | {"JOURNAL_MAX_TOKEN": MAX_TOKEN, "JOURNAL_MAX_API_URL": mx.api_url}
        process = await spawn(env, log, "--only", "max")
        try:
            mx.user_starts(STRANGER_ON_MAX)
            await wait_for(
                lambda: mx.bot_messages(STRANGER_ON_MAX),
                f"MAX answers\n{log.read_text(errors='replace')[-3000:]}",
                60,
            )
            assert "running bot (bots: max)" in log.read_text(errors="replace")
            assert not [r for r in tg.requests if "getUpdates" in r.method]
        finally:
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 30) == 0
    no_token = {**env, "JOURNAL_BOT_TOKEN": ""}
    refused = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "app.cli", "bot", "run", "--only", "telegram"),
        env=no_token,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await asyncio.wait_for(refused.communicate(), 60)
    assert refused.returncode != 0
    assert "no token for the telegram bot: set JOURNAL_BOT_TOKEN" in said.decode()

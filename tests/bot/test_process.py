"""`journal bot run` as a real process against the fake Telegram: join, see the menu, stop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from domain.clock import SystemClock
from domain.people import PersonKind
from domain.usecases.accounts import issue_invitations
from domain.usecases.schools import find_school
from fakegram import FakeTelegram, FakeUser
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.school_data import bot_school
from tests.test_cli import database_url, journal, write_school  # noqa: F401 - the fixture

TOKEN = "777000:process-test-token"
ROOT = Path(__file__).parents[2]


async def test_the_bot_process_answers_and_stops_cleanly(
    database_url: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    lists = write_school(tmp_path / "lists", bot_school())
    assert journal(database_url, "db", "upgrade").returncode == 0
    journal(database_url, "school", "create", "--name", "Школа", "--timezone", "Europe/Moscow")
    assert journal(database_url, "import", str(lists)).returncode == 0
    engine = create_engine(database_url)
    make_uow = lambda: SqlUnitOfWork(session_factory(engine))  # noqa: E731
    school = await find_school(make_uow(), None)
    async with make_uow() as uow:
        staff = {s.external_id: s.id for s in (await uow.directory.snapshot(school.id)).staff}
    [invitation] = await issue_invitations(
        make_uow(), school.id, PersonKind.STAFF, [staff["T1"]], SystemClock()
    )
    await engine.dispose()

    async with FakeTelegram() as server:
        server.add_bot(TOKEN, username="journal_test_bot")
        env = {
            **os.environ,
            "JOURNAL_DATABASE_URL": database_url,
            "JOURNAL_BOT_TOKEN": TOKEN,
            "JOURNAL_TELEGRAM_API_URL": server.api_url,
            "JOURNAL_LANGUAGE": "en",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await server.wait_polling(timeout=30)
            assert {c["command"] for c in server.commands()} == {"menu", "help", "lang", "start"}
            teacher = FakeUser(server, TOKEN, 9001, first_name="Анна", timeout=15)
            await teacher.start(invitation.code)
            # Another process: wait for its answer rather than for a quiet moment.
            for _ in range(200):
                if any("Иванова Анна Петровна" in m.text for m in teacher.bot_messages()):
                    break
                await asyncio.sleep(0.05)
            texts = [m.text for m in teacher.bot_messages()]
            assert any("Добро пожаловать" in x for x in texts), texts
            assert any("Иванова Анна Петровна" in x for x in texts), texts
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        assert b"Traceback" not in stderr
        assert b"garbage collector set for a long run" in stderr  # app.process, once wired

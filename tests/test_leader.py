"""Two `journal bot run` processes on one PostgreSQL database: one leads, the job runs once,
and when the leader is killed the other takes over.

Design. Both processes are the whole bot (`journal bot run`: bot, clock and sender), as a
second copy would be deployed for availability, against the fake Telegram in the test process.
PostgreSQL advisory locks (`scheduler.leader.LOCK_KEYS`, one for the clock and one for the
sender) decide which process runs each part; the test reads them from `pg_locks`, which names
the backend (database connection) holding each lock. (Both processes also poll getUpdates; the
fake server, like Telegram, answers the older poller with 409 Conflict, which aiogram retries:
it does not touch the clock or the sender.)

1. Process A starts alone and takes both locks; its clock ticks at once and the evening
   reminder, due, queues one message per teacher account; its sender delivers them.
2. Process B starts on the same database. For longer than its 5 s between tries it must get
   neither lock: the holders stay A's backends, B's clock never ticks, nothing runs twice.
3. A is killed with SIGKILL and a new outbox message is inserted at once. B must hold both
   locks within 30 s (holders that are not A's backends); its clock ticks at once over the same
   day, and the reminder must not run again (still one `job_runs` row, one message per teacher,
   each teacher's chat got it once); its sender delivers the new message.

A second test runs the clock and the sender as processes of their own (`--only clock`,
`--only sender`): each must lead its own part, so the reminder the one queues the other sends.

The school's day. The processes use the system clock, so the test picks a time zone where it is
now a school day (Monday to Saturday, with `six_day_week` on and lessons every day) and sets
the evening reminder a few minutes back in local time. The teachers' accounts have no quiet
hours (from = to), so that the reminder is sent at once whatever the local hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from app.config import Settings, digest_processes
from domain.clock import SystemClock
from domain.delivery import OutboxMessage
from domain.model import ScheduleSettings
from domain.people import PersonKind
from domain.usecases.accounts import MessengerUser, issue_invitations, redeem_invitation
from domain.usecases.schools import find_school
from fakegram import FakeTelegram
from scheduler.leader import LOCK_KEYS
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.conftest import PG_HOST, PG_PORT, PG_USER, create_pg_database, drop_pg_database, pg_url
from tests.school_data import bot_school
from tests.test_cli import journal, write_school
from tests.test_digest_workers import running

TOKEN = "777002:leader-test-token"
ROOT = Path(__file__).parents[1]
TEACHERS = {"T1": 9101, "T2": 9102}  # staff id in the lists → Telegram chat
GUARDIAN_CHAT = 9201  # GF: guardian of A10 in 7А and B20 in 8Б
TAKEOVER_LIMIT = 30.0  # the issue: another process takes over within 30 s


def pick_zone(now: dt.datetime) -> tuple[str, dt.datetime]:
    """A zone where it is now Monday to Saturday, not within half an hour of midnight.

    At any moment local dates span 26 hours (UTC−12 to UTC+14), so some zone is always on a
    Monday-to-Saturday day; the preferred one has the school's daytime.
    """
    candidates = []
    for offset in range(-14, 13):
        name = f"Etc/GMT{offset:+d}"  # POSIX signs: Etc/GMT-14 is UTC+14
        local = now.astimezone(ZoneInfo(name))
        if local.isoweekday() <= 6 and dt.time(0, 30) <= local.time() <= dt.time(23, 30):
            daytime = dt.time(9) <= local.time() <= dt.time(18)
            candidates.append((not daytime, local.isoweekday() == 6, name, local))
    assert candidates, f"no zone has a school day at {now}"  # cannot happen, see above
    _, _, name, local = min(candidates)
    return name, local


def school_lists() -> dict[str, str]:
    """The bot school, with lessons for both teachers every day Monday to Saturday, no holidays."""
    data = bot_school()
    rows = ["class,weekday,lesson,subject,teacher_id,room"]
    for weekday in range(1, 7):
        rows += [f"7А,{weekday},1,Математика,T1,201", f"7А,{weekday},4,Физика,T2,301"]
    data["timetable"] = "\n".join(rows) + "\n"
    data["assignments"] = (
        "teacher_id,subject,class,hours_per_week\nT1,Математика,7А,6\nT2,Физика,7А,6\n"
    )
    data["holidays"] = "name,starts,ends\n"
    return data


def bot_env(url: str, server: FakeTelegram) -> dict[str, str]:
    env = {
        **os.environ,
        "JOURNAL_DATABASE_URL": url,
        "JOURNAL_BOT_TOKEN": TOKEN,
        "JOURNAL_TELEGRAM_API_URL": server.api_url,
        "JOURNAL_LANGUAGE": "en",
    }
    env.pop("JOURNAL_DEBUG", None)
    return env


async def spawn(
    env: dict[str, str], log: Path, *only: str, own_group: bool = False
) -> asyncio.subprocess.Process:
    """`journal bot run [--only PART]`, its output in `log`; with `own_group`, in a process
    group of its own, as a terminal runs it (Ctrl-C reaches the whole group)."""
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "app.cli", "bot", "run", *only),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=own_group,
        )


async def lock_holders(database: str) -> dict[str, int]:
    """The backend pid holding each part's leader lock in this database: {"clock": pid, …}."""
    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=database, timeout=5
    )
    try:
        rows = await conn.fetch(
            "SELECT l.pid, (l.classid::bigint << 32) | l.objid::bigint AS key "
            "FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND d.datname = current_database()"
        )
    finally:
        await conn.close()
    parts = {key: part for part, key in LOCK_KEYS.items()}
    return {parts[r["key"]]: r["pid"] for r in rows if r["key"] in parts}


async def count(database: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=database, timeout=5
    )
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def wait_for(check, what: str, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    """Poll `check()` (sync or async) until true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


async def set_up_school(
    url: str, tmp_path: Path, *, digest_due: bool = False
) -> tuple[int, dt.date]:
    """The school in a zone where today is a school day, its reminder due (and its digest,
    when asked), two teachers joined."""
    zone, local = pick_zone(dt.datetime.now(dt.UTC))
    print(f"school in {zone}: local time {local:%a %Y-%m-%d %H:%M}")
    lists = write_school(tmp_path / "lists", school_lists())
    assert journal(url, "db", "upgrade").returncode == 0
    created = journal(url, "school", "create", "--name", "Школа", "--timezone", zone)
    assert created.returncode == 0, created.stderr
    imported = journal(url, "import", str(lists))
    assert imported.returncode == 0, imported.stderr
    engine = create_engine(url)
    try:
        make_uow = lambda: SqlUnitOfWork(session_factory(engine))  # noqa: E731
        school = await find_school(make_uow(), None)
        assert school.id is not None
        reminder = (local - dt.timedelta(minutes=5)).time().replace(second=0, microsecond=0)
        school.schedule = ScheduleSettings(evening_reminder=reminder, six_day_week=True)
        if digest_due:  # every week, on today's weekday, from the same minute
            school.schedule = replace(
                school.schedule,
                digest_weekday=local.isoweekday(),
                digest_time=reminder,
                digest_weeks=1,
            )
        async with make_uow() as uow:
            await uow.schools.update(school)
            staff = {s.external_id: s.id for s in (await uow.directory.snapshot(school.id)).staff}
            await uow.commit()
        people = [(PersonKind.STAFF, staff[external], chat) for external, chat in TEACHERS.items()]
        if digest_due:
            async with make_uow() as uow:
                snapshot = await uow.directory.snapshot(school.id)
            guardians = {g.external_id: g.id for g in snapshot.guardians}
            people.append((PersonKind.GUARDIAN, guardians["GF"], GUARDIAN_CHAT))
        for kind, person, chat in people:
            [invitation] = await issue_invitations(
                make_uow(), school.id, kind, [person], SystemClock()
            )
            user = MessengerUser(
                messenger="telegram",
                user_id=str(chat),
                chat_id=str(chat),
                language="ru",
                display_name=str(chat),
            )
            await redeem_invitation(make_uow(), user, invitation.code, SystemClock())
            async with make_uow() as uow:
                account = await uow.accounts.by_user("telegram", str(chat))
                assert account is not None
                account.quiet_from = account.quiet_to = dt.time(0, 0)  # no quiet hours
                await uow.accounts.update(account)
                await uow.commit()
        return school.id, local.date()
    finally:
        await engine.dispose()


async def add_message(url: str, school_id: int, chat: int, text: str) -> None:
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            account = await uow.accounts.by_user("telegram", str(chat))
            assert account is not None and account.id is not None
            now = dt.datetime.now(dt.UTC)
            await uow.outbox.add(
                [
                    OutboxMessage(
                        id=None,
                        school_id=school_id,
                        account_id=account.id,
                        chat_id=str(chat),
                        messenger="telegram",
                        kind="leader_test",
                        dedup_key=f"leader_test:{chat}:{now.timestamp()}",
                        text=text,
                        not_before=now,
                        created_at=now,
                    )
                ]
            )
            await uow.commit()
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_one_leader_runs_the_job_once_and_another_takes_over(
    pg_database: str | None, tmp_path: Path
) -> None:
    if pg_database is None:
        pytest.skip("PostgreSQL is not running; the leader lock exists only there")
    name = await create_pg_database("journal_leader")
    url = pg_url(name)
    processes: dict[str, asyncio.subprocess.Process] = {}
    logs = {p: tmp_path / f"{p}.log" for p in ("A", "B")}
    try:
        school_id, day = await set_up_school(url, tmp_path)
        today = day.isoformat()
        async with FakeTelegram() as server:
            server.add_bot(TOKEN, username="journal_test_bot")
            for chat in TEACHERS.values():
                server.add_user(chat, started=True)
            env = bot_env(url, server)

            async def start(process: str) -> None:
                processes[process] = await spawn(env, logs[process])

            def log(process: str) -> str:
                return logs[process].read_text(errors="replace")

            def reminders_received(chat: int) -> int:
                return sum(
                    1
                    for m in server.messages(chat)
                    if m.from_bot and f"({day:%d.%m})" in m.text and "/menu" in m.text
                )

            # 1. A leads, its clock queues the reminder, its sender delivers it.
            await start("A")
            await wait_for(
                lambda: _held(name, lambda h: set(h) == set(LOCK_KEYS)),
                f"A takes both locks\n{log('A')[-3000:]}",
                60,
            )
            a_backends = await lock_holders(name)
            job_runs = (
                "SELECT count(*) FROM job_runs WHERE job = 'evening_reminder' "
                "AND school_id = $1 AND period_key = $2"
            )
            reminders = "SELECT count(*) FROM outbox WHERE kind = 'evening_reminder'"
            await wait_for(
                lambda: all(reminders_received(c) for c in TEACHERS.values()),
                f"the reminder reaches both teachers\n{log('A')[-3000:]}",
            )

            # 2. B starts; it must not lead while A does.
            await start("B")
            await wait_for(lambda: "running bot, clock, sender" in log("B"), "B starts", 60)
            await asyncio.sleep(6)  # longer than B's 5 s between tries for each lock
            assert await lock_holders(name) == a_backends
            assert "executed successfully" not in log("B")  # B's clock never ticked
            assert await count(name, job_runs, school_id, today) == 1
            assert await count(name, reminders) == len(TEACHERS)

            # 3. A dies; B takes over, does not run the day's job again, and sends.
            killed = time.monotonic()
            processes["A"].send_signal(signal.SIGKILL)
            await add_message(url, school_id, TEACHERS["T1"], "После смены ведущего")
            took: dict[str, float] = {}

            async def taken_over() -> bool:
                holders = await lock_holders(name)
                for part, backend in holders.items():
                    if backend != a_backends[part]:
                        took.setdefault(part, time.monotonic() - killed)
                return set(took) == set(LOCK_KEYS)

            await wait_for(taken_over, "B takes both locks", TAKEOVER_LIMIT)
            print(
                "takeover after A's SIGKILL: "
                + ", ".join(f"{part} lock {took[part]:.2f} s" for part in sorted(took))
            )
            assert max(took.values()) <= TAKEOVER_LIMIT
            assert not set((await lock_holders(name)).values()) & set(a_backends.values())
            delivered = await wait_for(
                lambda: any(
                    m.text == "После смены ведущего" for m in server.messages(TEACHERS["T1"])
                ),
                f"B's sender delivers the new message\n{log('B')[-3000:]}",
            )
            print(f"the message inserted after the kill arrived {delivered:.2f} s after takeover")
            # B's clock ticked at once on taking over: APScheduler logs the end of each tick.
            await wait_for(lambda: "executed successfully" in log("B"), "B's clock ticks")
            assert await count(name, job_runs, school_id, today) == 1
            assert await count(name, reminders) == len(TEACHERS)
            assert await count(name, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0
            for chat in TEACHERS.values():
                assert reminders_received(chat) == 1, server.messages(chat)
            assert await processes["A"].wait() == -signal.SIGKILL

            processes["B"].send_signal(signal.SIGINT)
            assert await asyncio.wait_for(processes["B"].wait(), 30) == 0, log("B")[-3000:]
            assert "Traceback" not in log("B"), log("B")[-3000:]
    finally:
        for process in processes.values():
            if process.returncode is None:
                process.kill()
                await process.wait()
        await drop_pg_database(name)


@pytest.mark.postgres
async def test_the_clock_builds_the_digests_in_worker_processes(
    pg_database: str | None, tmp_path: Path
) -> None:
    """`journal bot run` on PostgreSQL with two digest workers: each share of the school's
    classes is built in a worker process and recorded as a run of its own; the guardian gets
    one digest per child through the sender; Ctrl-C (to the whole process group, as a
    terminal sends it) stops the process and its workers, with no traceback."""
    if pg_database is None:
        pytest.skip("PostgreSQL is not running; the digest workers run only there")
    name = await create_pg_database("journal_workers")
    url = pg_url(name)
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        school_id, day = await set_up_school(url, tmp_path, digest_due=True)
        async with FakeTelegram() as server:
            server.add_bot(TOKEN, username="journal_test_bot")
            for chat in (*TEACHERS.values(), GUARDIAN_CHAT):
                server.add_user(chat, started=True)
            env = bot_env(url, server) | {"JOURNAL_DIGEST_WORKERS": "2"}
            process = await spawn(env, log, own_group=True)
            shares = (
                "SELECT count(*) FROM job_runs WHERE job IN ('digest 1/2', 'digest 2/2') "
                "AND school_id = $1 AND period_key = $2"
            )
            await wait_for(
                lambda: _count_is(name, 2, shares, school_id, day.isoformat()),
                f"both shares run\n{log.read_text(errors='replace')[-3000:]}",
                90,
            )

            def digests() -> list[str]:
                heads = ("Лебедев Вера, 7А: ", "Харитонов Дарья, 8Б: ")
                texts = [m.text or "" for m in server.messages(GUARDIAN_CHAT) if m.from_bot]
                return [head for head in heads for text in texts if text.startswith(head)]

            await wait_for(lambda: len(digests()) == 2, "both children's digests arrive", 30)
            assert len(set(digests())) == 2  # one each
            assert await count(name, "SELECT count(*) FROM job_runs WHERE job = 'digest'") == 0
            assert await count(name, "SELECT count(*) FROM outbox WHERE kind = 'digest'") == 2
            # The workers draw the chart too (the guardian's setting is on by default); only
            # 7А has lessons in these lists, so only Вера has marks' subjects to draw.
            charts = "SELECT count(*) FROM outbox WHERE kind = 'digest_chart' AND photo IS NOT NULL"
            assert await count(name, charts) == 1
            workers = spawned_by(process.pid)
            assert len(workers) == 2, workers
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the process and its workers
            output = log.read_text(errors="replace")[-3000:]
            assert await asyncio.wait_for(process.wait(), 30) == 0, output
            assert "Traceback" not in log.read_text(errors="replace"), output
            await wait_for(lambda: not [p for p in workers if running(p)], "the workers end", 10)
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await drop_pg_database(name)


def spawned_by(parent: int) -> list[int]:
    """The pool's worker processes of `parent` (multiprocessing's spawned children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
        if ppid == parent and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


async def _count_is(database: str, expected: int, sql: str, *args: object) -> bool:
    return await count(database, sql, *args) == expected


async def _held(database: str, check: Callable[[dict[str, int]], bool]) -> bool:
    return check(await lock_holders(database))


@pytest.mark.postgres
async def test_clock_and_sender_in_processes_of_their_own(
    pg_database: str | None, tmp_path: Path
) -> None:
    """`journal bot run --only clock` and `--only sender`, one process each, both work.

    `--only` is documented as "run one part as a process of its own". On PostgreSQL each part
    waits for its leader lock before it runs; were it one lock for both parts, whichever process
    got it first would run alone and the other part would never run.
    """
    if pg_database is None:
        pytest.skip("PostgreSQL is not running; the leader lock exists only there")
    name = await create_pg_database("journal_split")
    url = pg_url(name)
    processes: list[asyncio.subprocess.Process] = []
    try:
        _, day = await set_up_school(url, tmp_path)
        async with FakeTelegram() as server:
            server.add_bot(TOKEN, username="journal_test_bot")
            for chat in TEACHERS.values():
                server.add_user(chat, started=True)
            env = bot_env(url, server)
            logs = {part: tmp_path / f"{part}.log" for part in ("clock", "sender")}
            for part, path in logs.items():
                processes.append(await spawn(env, path, "--only", part))
            await wait_for(
                lambda: _held(name, lambda h: set(h) == set(LOCK_KEYS)),
                "each part's lock is taken",
                60,
            )
            holders = await lock_holders(name)
            assert holders["clock"] != holders["sender"], "one process leads both parts"
            await wait_for(
                lambda: all(
                    any(f"({day:%d.%m})" in m.text for m in server.messages(chat))
                    for chat in TEACHERS.values()
                ),
                "the reminder, queued by the clock process, is sent by the sender process\n"
                + "\n".join(f"--- {p}:\n{path.read_text()[-2000:]}" for p, path in logs.items()),
            )
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        await drop_pg_database(name)


def test_digest_workers_are_one_a_core_up_to_four_on_postgresql_and_none_on_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("app.config.usable_cores", lambda: 3)
    postgres = "postgresql://postgres@127.0.0.1/journal"
    assert digest_processes(Settings(database_url=postgres)) == 3
    monkeypatch.setattr("app.config.usable_cores", lambda: 32)
    assert digest_processes(Settings(database_url=postgres)) == 4  # at most 4 unless set
    assert digest_processes(Settings(database_url=postgres, digest_workers=0)) == 0
    assert digest_processes(Settings(database_url=postgres, digest_workers=3)) == 3
    sqlite = "sqlite:///journal.sqlite3"
    assert digest_processes(Settings(database_url=sqlite, digest_workers=3)) == 0

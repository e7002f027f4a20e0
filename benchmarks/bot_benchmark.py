"""One update through the whole stack: fake Telegram → bot → database → reply.

Why: the issue asks how long one tap in the bot takes end to end, for the tap a teacher makes
most often — marking a pupil on the attendance screen of a 35-pupil class — and how many
database round trips that tap costs, which must not grow with the size of the class. As a yard
stick, the same run measures a bare aiogram echo handler over the same fake server.

What runs is the production code path: `bot.main.build_bot` (aiogram's real aiohttp session)
and `bot.main.build_dispatcher` (middlewares, aiogram-dialog windows, use cases, SQLAlchemy
repositories) polling `fakegram.FakeTelegram` on 127.0.0.1, with PostgreSQL on 127.0.0.1:5432
(user postgres, trust auth; a fresh database, dropped at the end) and, with `--sqlite`, SQLite
in a temporary folder too.

For every class size a school is imported with one class of that many pupils and a teacher
with a Monday lesson; the clock stands on that Monday during the lesson. A scripted user joins
as the teacher with an invitation code, opens the lesson and its attendance screen, then taps
the same pupil's button again and again (absent → late → present → absent …). Per tap:

- time: wall time from `FakeTelegram.user_presses` until the server has logged both the bot's
  `editMessageText` (the redrawn screen) and its `answerCallbackQuery`. The timer is woken by a
  server listener, not by polling, so the figure is not rounded to a sleep interval.
- SQL statements: SQLAlchemy `before_cursor_execute` events on the engine, counted from the
  press until the handler has returned, and sessions (pool check-outs). On PostgreSQL also the
  commands asyncpg sends besides the statements (BEGIN, ROLLBACK, the pool's pre-ping), through
  asyncpg's query logger: statements + those = the round trips to the server.

Run:  .venv/bin/python benchmarks/bot_benchmark.py [--sizes 35,70] [--iterations 200]
      [--warmup 20] [--sqlite] [--show-sql] [--keep-response-models] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import importlib.metadata
import itertools
import logging
import math
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pg import PG_HOST, PG_PORT, PG_USER, admin, pg_url
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Services
from bot.main import build_bot, build_dispatcher
from domain.clock import FixedClock
from domain.people import PersonKind
from domain.usecases.accounts import issue_invitations
from domain.usecases.import_school import import_school
from domain.usecases.schools import create_school
from fakegram import FakeTelegram, FakeUser
from importer.readers import read_csv_text
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

ROOT = Path(__file__).resolve().parent.parent

MSK = ZoneInfo("Europe/Moscow")
MONDAY_LESSON_1 = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)  # II четверть, during lesson 1
IMPORT_DAY = dt.date(2026, 9, 1)
JOURNAL_TOKENS = {"postgresql": "424201:journal-bench-pg", "sqlite": "424202:journal-bench-lite"}
ECHO_TOKEN = "424299:echo-bench"
UPDATE_TIMEOUT = 10.0  # seconds one tap may take before the run is declared broken
MAX_PUPILS = 98  # the attendance screen has no pages: pupils + Save + Back ≤ 100 buttons
PROJECT = frozenset({"bot", "domain", "storage"})  # where --show-sql looks for callers
DONE_METHODS = frozenset({"editMessageText", "answerCallbackQuery"})
TOGGLE_MARK = "\x1dap:"  # aiogram-dialog: <intent id> \x1d <widget id "ap">:<pupil id>

# --------------------------------------------------------------------------- the school

SURNAMES = (
    "Абрамов Белова Васильев Галкина Дмитриев Егорова Жуков Зайцева Ильин Козлова Лебедев "
    "Морозова Новиков Орлова Павлов Романова Соколов Тихонова Уткин Фёдорова Харитонов "
    "Цветкова Чернов Шилова Щукин Юдина Яковлев Агеева Богданов Власова"
).split()
FIRST_NAMES = "Анна Борис Вера Глеб Дарья Егор Жанна Захар Ирина Кирилл Лада Матвей".split()


def school_tables(pupils: int) -> dict[str, str]:
    """CSV files as a secretary brings them: one class 7А of `pupils` pupils, whose class
    teacher T1 teaches it maths on Monday, lesson 1; periods and holidays of 2026/2027."""
    students = ["id,class,last_name,first_name,birth_date"]
    for i in range(pupils):
        surname = SURNAMES[i % len(SURNAMES)]
        first = FIRST_NAMES[(i // len(SURNAMES)) % len(FIRST_NAMES)]
        students.append(f"P{i:03d},7А,{surname},{first},2013-{1 + i % 12:02d}-15")
    return {
        "staff": "id,last_name,first_name,middle_name,roles\nT1,Иванова,Анна,Петровна,teacher\n",
        "subjects": "name,grading\nМатематика,marks\n",
        "classes": "name,grade,class_teacher\n7А,7,T1\n",
        "students": "\n".join(students) + "\n",
        "assignments": "teacher_id,subject,class,hours_per_week\nT1,Математика,7А,5\n",
        "bells": "lesson,starts,ends\n1,08:30,09:15\n2,09:25,10:10\n3,10:30,11:15\n",
        "periods": (
            "name,kind,grades,starts,ends\n"
            "I четверть,quarter,1-9,2026-09-01,2026-10-24\n"
            "II четверть,quarter,1-9,2026-11-05,2026-12-28\n"
        ),
        "holidays": "name,starts,ends\nОсенние каникулы,2026-10-25,2026-11-04\n",
        "timetable": "class,weekday,lesson,subject,teacher_id,room\n7А,1,1,Математика,T1,201\n",
    }


# --------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class SqlEvent:
    kind: str  # "sql", "checkout", "commit", "rollback", "wire" (asyncpg's own commands)
    text: str = ""
    caller: str = ""


class SqlCounter:
    """Counts what an engine sends: statements, pool check-outs and, with asyncpg, the
    driver's own commands. `record=True` also keeps the statements, each with the project
    code that made it, and the session boundaries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.checkouts = 0
        self.wire = 0
        self.hooked = False  # asyncpg reports its own commands (BEGIN, ROLLBACK, pings)
        self.record = False
        self.events: list[SqlEvent] = []
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._on_sql)
        event.listen(sync, "checkout", self._on_checkout)
        event.listen(sync, "connect", self._on_connect)
        event.listen(sync, "commit", lambda _conn: self._on_end("commit"))
        event.listen(sync, "rollback", lambda _conn: self._on_end("rollback"))

    def reset(self, record: bool = False) -> None:
        self.statements = self.checkouts = self.wire = 0
        self.record = record
        self.events = []

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if hasattr(driver, "add_query_logger"):  # asyncpg
            driver.add_query_logger(self._on_wire)
            self.hooked = True

    def _on_wire(self, query: Any) -> None:
        self.wire += 1
        if self.record:
            self.events.append(SqlEvent("wire", query.query))

    def _on_sql(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        if self.record:
            self.events.append(SqlEvent("sql", " ".join(statement.split()), _caller()))

    def _on_checkout(self, *_: Any) -> None:
        self.checkouts += 1
        if self.record:
            self.events.append(SqlEvent("checkout", caller=_caller()))

    def _on_end(self, kind: str) -> None:
        if self.record:
            self.events.append(SqlEvent(kind))


def _caller() -> str:
    """The project's functions that led to a statement, outermost first.

    SQLAlchemy runs the statement in a greenlet whose own stack stops at the driver; the
    coroutines that awaited it are on the stack of the parent greenlet."""
    import greenlet

    parent = greenlet.getcurrent().parent
    frame = parent.gr_frame if parent is not None else None
    names: list[str] = []
    while frame is not None:  # innermost first: skip the library, take the project's run
        path = Path(frame.f_code.co_filename)
        ours = path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in PROJECT
        if ours:
            names.append(frame.f_code.co_qualname)
        elif names:
            break
        frame = frame.f_back
    return " → ".join(reversed(names))


class ReplyWatch:
    """Wakes a waiting timer whenever the fake server changes a chat or answers a query."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.changed = asyncio.Event()
        server.add_listener(lambda _token, _chat: self.changed.set())

    async def until_done(self, token: str, start: int) -> None:
        """Return once `token`'s bot has edited the message and answered the query; both are
        logged after request number `start`. A listener call comes just before the log entry
        in the same step of the server's task, so the scan after waking sees the entry."""
        missing = set(DONE_METHODS)
        seen = start
        deadline = time.monotonic() + UPDATE_TIMEOUT
        while True:
            log_now = self.server.requests
            for record in log_now[seen:]:
                if record.token == token and record.method in missing:
                    if not record.ok:
                        raise RuntimeError(
                            f"{record.method} failed: {record.error_code} {record.description}"
                        )
                    missing.discard(record.method)
            seen = len(log_now)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not call {sorted(missing)} in time")
            self.changed.clear()
            # Failed calls notify nobody: look at the log again at least every 50 ms.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):
                    await self.changed.wait()


@dataclass(slots=True)
class Result:
    scenario: str
    pupils: int | None
    seconds: list[float]
    statements: list[int] = field(default_factory=list)
    checkouts: list[int] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)  # PostgreSQL only
    sql: list[SqlEvent] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000


async def tap_repeatedly(
    server: FakeTelegram,
    watch: ReplyWatch,
    user: FakeUser,
    token: str,
    message_id: int,
    data: str,
    args: argparse.Namespace,
    result: Result,
    counter: SqlCounter | None = None,
) -> None:
    """Warm-up taps, then measured ones; each waits until the previous handler has returned."""
    for i in range(args.warmup + args.iterations):
        measured = i >= args.warmup
        if counter is not None:
            counter.reset(record=args.show_sql and i == args.warmup)
        start = len(server.requests)
        began = time.perf_counter()
        update_id = server.user_presses(user.id, message_id, data, bot=token)
        await watch.until_done(token, start)
        elapsed = time.perf_counter() - began
        # Untimed: the handler returns (aiogram-dialog saves its context) before the next tap.
        await server.wait_handled(update_id, timeout=UPDATE_TIMEOUT)
        if not measured:
            continue
        result.seconds.append(elapsed)
        if counter is not None:
            result.statements.append(counter.statements)
            result.checkouts.append(counter.checkouts)
            if counter.hooked:
                result.round_trips.append(counter.statements + counter.wire)
            if counter.events:
                result.sql = counter.events


# --------------------------------------------------------------------------- the echo bot


def echo_dispatcher() -> Dispatcher:
    """A bare aiogram dispatcher: /start shows a button, a tap edits the text and answers."""
    router = Router()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="tap", callback_data="tap")]]
    )
    taps = itertools.count(1)

    @router.message(CommandStart())
    async def on_start(message: Message) -> None:
        await message.answer("echo", reply_markup=keyboard)

    @router.callback_query()
    async def on_tap(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"{query.data} {next(taps)}", reply_markup=keyboard)
        await query.answer()

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@contextlib.asynccontextmanager
async def polling(server: FakeTelegram, bot: Bot, dp: Dispatcher) -> AsyncIterator[None]:
    server.track(dp)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        await server.wait_polling(bot=bot.token)
        yield
    finally:
        with contextlib.suppress(RuntimeError):  # polling never started
            await dp.stop_polling()
        await task
        await bot.session.close()


async def run_echo(server: FakeTelegram, watch: ReplyWatch, args: argparse.Namespace) -> Result:
    server.add_bot(ECHO_TOKEN, username="echo_bench_bot")
    bot = build_bot(ECHO_TOKEN, server.api_url)
    result = Result("aiogram echo handler", None, [])
    async with polling(server, bot, echo_dispatcher()):
        user = FakeUser(server, ECHO_TOKEN, 6000, "Эхо", language_code="en")
        await user.start()
        await tap_repeatedly(
            server, watch, user, ECHO_TOKEN, user.screen().message_id, "tap", args, result
        )
    return result


# --------------------------------------------------------------------------- the journal bot


@contextlib.asynccontextmanager
async def fresh_database(backend: str, workdir: Path) -> AsyncIterator[str]:
    """A URL of an empty database, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bot_bench.sqlite3'}"
        return
    name = f"journal_botbench_{os.getpid()}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def attendance_screen(
    make_uow: Callable[[], SqlUnitOfWork],
    server: FakeTelegram,
    token: str,
    clock: FixedClock,
    pupils: int,
    user_id: int,
) -> tuple[FakeUser, int, str]:
    """Import a school of `pupils`, join as its teacher, open the attendance screen.

    Returns the user, the screen's message id and the callback data of a pupil's button."""
    school = await create_school(make_uow(), f"Школа на {pupils} учеников", "Europe/Moscow")
    tables = [read_csv_text(t, f"{t}.csv", text) for t, text in school_tables(pupils).items()]
    await import_school(make_uow(), school, tables, IMPORT_DAY)
    assert school.id is not None
    async with make_uow() as uow:
        snapshot = await uow.directory.snapshot(school.id)
    [teacher] = [s.id for s in snapshot.staff if s.external_id == "T1"]
    [invitation] = await issue_invitations(
        make_uow(), school.id, PersonKind.STAFF, [teacher], clock
    )
    user = FakeUser(server, token, user_id, "Анна", language_code="en")
    await user.start(invitation.code)
    await user.press("1. 7А · Математика")
    await user.press("Attendance")
    screen = user.screen()
    toggles = [
        button["callback_data"]
        for row in screen.inline_buttons
        for button in row
        if TOGGLE_MARK in button.get("callback_data", "")
    ]
    if len(toggles) != pupils:
        raise RuntimeError(f"the attendance screen shows {len(toggles)} of {pupils} pupils")
    return user, screen.message_id, toggles[pupils // 2]


async def run_journal(
    server: FakeTelegram,
    watch: ReplyWatch,
    backend: str,
    workdir: Path,
    args: argparse.Namespace,
) -> list[Result]:
    token = JOURNAL_TOKENS[backend]
    results = []
    async with fresh_database(backend, workdir) as url:
        engine = create_engine(url)
        counter = SqlCounter(engine)  # before the first connection: it hooks every one
        try:
            await upgrade(engine)
            sessions = session_factory(engine)

            def make_uow() -> SqlUnitOfWork:
                return SqlUnitOfWork(sessions)

            clock = FixedClock(MONDAY_LESSON_1)
            server.add_bot(token, username=f"journal_bench_{backend}_bot")
            bot = build_bot(token, server.api_url)
            dp = build_dispatcher(Services(make_uow, clock))
            async with polling(server, bot, dp):
                for n, pupils in enumerate(args.sizes):
                    user, message_id, data = await attendance_screen(
                        make_uow, server, token, clock, pupils, 7000 + 100 * n
                    )
                    result = Result(f"journal, {backend}", pupils, [])
                    if args.profiler is not None:
                        args.profiler.enable()
                    try:
                        await tap_repeatedly(
                            server, watch, user, token, message_id, data, args, result, counter
                        )
                    finally:
                        if args.profiler is not None:
                            args.profiler.disable()
                    results.append(result)
        finally:
            await engine.dispose()
    return results


# --------------------------------------------------------------------------- report


def _median(values: Sequence[int]) -> str:
    return f"{statistics.median(values):g}" if values else "-"


def print_table(results: list[Result], echo: Result) -> None:
    header = (
        f"{'scenario':<22} {'pupils':>6} {'median ms':>9} {'p95 ms':>7} "
        f"{'SQL/tap min/med/max':>19} {'sessions':>8} {'PG round trips':>14} {'x echo':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        spread = (
            f"{min(r.statements)}/{_median(r.statements)}/{max(r.statements)}"
            if r.statements
            else "-"
        )
        print(
            f"{r.scenario:<22} {r.pupils or '-':>6} {r.median_ms:>9.2f} {r.p95_ms:>7.2f} "
            f"{spread:>19} {_median(r.checkouts):>8} {_median(r.round_trips):>14} "
            f"{r.median_ms / echo.median_ms:>6.2f}"
        )


def print_sql(result: Result, same_as: Result | None) -> None:
    """The statements of one measured tap, by session, with the code that sent them."""
    title = f"\nOne tap, {result.scenario}, {result.pupils} pupils"
    if same_as is not None and _shape(result) == _shape(same_as):
        print(f"{title}: the same statements, sessions and commands as with {same_as.pupils}.")
        return
    print(f"{title}:")
    number = 0
    for e in result.sql:
        if e.kind == "sql":
            number += 1
            print(f"  {number:>2}. {e.caller or '?'}")
            print(f"      {e.text[:150]}{'…' if len(e.text) > 150 else ''}")
        elif e.kind == "checkout":
            print(f"  session (pool check-out) for {e.caller or '?'}")
        elif e.kind in ("commit", "rollback"):
            print(f"      {e.kind.upper()}")
    wire = Counter(e.text.strip() for e in result.sql if e.kind == "wire")
    if wire:
        # asyncpg reports these after the fact (call_soon), so they are summed, not placed.
        listed = ", ".join(f"{text!r} x{n}" for text, n in sorted(wire.items()))
        print(f"  besides the statements, asyncpg sent: {listed}")


def _shape(result: Result) -> list[tuple[str, str, str]]:
    return sorted((e.kind, e.text, e.caller) for e in result.sql) if result.sql else []


def grows(results: list[Result]) -> list[str]:
    """Backends whose statement count per tap differs between class sizes."""
    by_backend: dict[str, set[float]] = {}
    for r in results:
        by_backend.setdefault(r.scenario, set()).add(statistics.median(r.statements))
    return [name for name, counts in by_backend.items() if len(counts) > 1]


def versions() -> str:
    packages = ("aiogram", "aiogram_dialog", "sqlalchemy", "asyncpg", "aiosqlite", "aiohttp")
    found = []
    for name in packages:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return f"Python {platform.python_version()}, " + ", ".join(found)


# aiogram checks every Bot API response with `Response[method.__returning__]`, a parametrised
# pydantic model. pydantic keeps those in a WeakValueDictionary only, so once a garbage
# collection has found one unreferenced it is built again, schema and all (~4 ms here).
# `--keep-response-models` holds them, to show what that costs per tap.
KEPT_MODELS: list[Any] = []


def keep_response_models() -> None:
    from aiogram import methods
    from aiogram.methods.base import Response

    for name in ("GetUpdates", "SendMessage", "EditMessageText", "AnswerCallbackQuery"):
        KEPT_MODELS.append(Response[getattr(methods, name).__returning__])


async def pg_version() -> str:
    import asyncpg

    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database="test", timeout=5
    )
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> int:
    if args.keep_response_models:
        keep_response_models()
    print(f"{versions()}; PostgreSQL {await pg_version()}")
    print(
        f"{os.cpu_count()} CPUs; {args.warmup} warm-up + {args.iterations} measured taps "
        f"per scenario; class sizes {', '.join(map(str, args.sizes))}"
        + ("; aiogram's Response models kept alive" if args.keep_response_models else "")
        + ("; under cProfile (times are inflated)" if args.profiler else "")
        + "\n"
    )
    backends = ["postgresql"] + (["sqlite"] if args.sqlite else [])
    async with asyncio.timeout(args.timeout):
        async with FakeTelegram(flood_control=False, quiet_period=0.002) as server:
            watch = ReplyWatch(server)
            echo = await run_echo(server, watch, args)
            results = [echo]
            with tempfile.TemporaryDirectory(prefix="bot_bench_") as tmp:
                for backend in backends:
                    results += await run_journal(server, watch, backend, Path(tmp), args)
            if server.internal_errors:
                raise RuntimeError(f"fake server errors: {server.internal_errors!r}")
    print_table(results, echo)
    print(
        "\nSQL/tap: statements (before_cursor_execute). sessions: pool check-outs. PG round "
        "trips:\nstatements + what asyncpg sends besides (BEGIN, ROLLBACK, pre-ping). "
        "x echo: median / echo median."
    )
    journal = results[1:]
    if args.show_sql:
        first: dict[str, Result] = {}
        for r in journal:
            print_sql(r, first.get(r.scenario))
            first.setdefault(r.scenario, r)
    if args.profiler is not None:
        print("\ncProfile of the journal taps (warm-up included), by own time:")
        pstats.Stats(args.profiler).sort_stats("tottime").print_stats(25)
    growing = grows(journal)
    if growing:
        print(f"\nFAIL: SQL statements per tap grow with the class size: {', '.join(growing)}")
        return 1
    print("\nSQL statements per tap are the same for every class size.")
    return 0


def parse_sizes(text: str) -> list[int]:
    sizes = list(dict.fromkeys(int(x) for x in text.split(",") if x.strip()))
    if not sizes or not all(1 <= s <= MAX_PUPILS for s in sizes):
        raise argparse.ArgumentTypeError(f"class sizes from 1 to {MAX_PUPILS}, comma-separated")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run; the exit status is 1 when SQL per tap grows with the class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[35, 70], help="default 35,70")
    parser.add_argument("--iterations", type=int, default=200, help="measured taps (200)")
    parser.add_argument("--warmup", type=int, default=20, help="taps before measuring (20)")
    parser.add_argument("--sqlite", action="store_true", help="also run the journal on SQLite")
    parser.add_argument("--show-sql", action="store_true", help="list the SQL of one tap")
    parser.add_argument(
        "--keep-response-models",
        action="store_true",
        help="hold aiogram's Response[...] models so pydantic does not rebuild them",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the journal taps")
    parser.add_argument("--timeout", type=float, default=300, help="give up after (s, 300)")
    args = parser.parse_args(argv)
    args.profiler = cProfile.Profile() if args.profile else None
    if args.iterations < 1 or args.warmup < 0:
        parser.error("--iterations must be at least 1 and --warmup at least 0")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())

"""One MAX update through the whole stack: fake MAX → maxo → the journal's screens → database →
the redrawn screen, against a bare maxo handler in the same run.

Why: issue 18 asks for the MAX adapter what `bot_benchmark.py` shows for Telegram: what one tap
costs end to end, as a ratio to what maxo itself costs. The tap is the most frequent one: a
pupil's button on the attendance screen (25 pupils), pressed again and again (absent → late →
present → …). The yard stick is a bare maxo dispatcher whose one handler does what the tap's
answer does on the wire (edits the pressed message's keyboard and answers the callback), over
the same fake server and the same client (`bot.max.client.MaxBot`).

Per tap: wall time from `FakeMax.user_presses` until the dispatcher has finished with the update
(an outermost middleware counts it), and the SQL statements the tap ran (SQLAlchemy's
`before_cursor_execute`), on SQLite in a temporary folder and, with `--pg`, on PostgreSQL at
127.0.0.1:5432 (a fresh database, dropped at the end).

Run:  .venv/bin/python benchmarks/max_benchmark.py [--iterations 200] [--warmup 20] [--pg]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pg
from maxo import Dispatcher, Router
from maxo.types import MessageCallback, MessageCreated
from sqlalchemy import event

from bot.max.client import MaxBot
from bot.max.gateway import keyboard
from fakemax import FakeMax
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.bot.conftest import MSK
from tests.max.harness import Handled, running_max_bot

TOKEN = "max-benchmark-token"
USER = 7001


def echo_dispatcher() -> Dispatcher:
    """The bare handler: «/start» gets a message with a button; a press edits the keyboard and
    answers the callback, as the journal's tap does."""
    router = Router(name="echo")

    async def start(update: MessageCreated) -> None:
        await update.bot.send_message(
            chat_id=update.message.recipient.chat_id,
            text="echo",
            attachments=[keyboard([[{"text": "Абрамов Анна", "data": "p1"}]])],
        )

    async def press(update: MessageCallback) -> None:
        message = update.message
        assert message is not None
        rows = [[{"text": f"Абрамов Анна {time.monotonic():.6f}", "data": "p1"}]]
        await update.bot.edit_message(message_id=message.body.mid, attachments=[keyboard(rows)])
        await update.bot.answer_on_callback(callback_id=update.callback_id, notification="")

    router.message_created.handler(start)
    router.message_callback.handler(press)
    dp = Dispatcher()
    dp.include(router)
    return dp


async def taps(
    server: FakeMax, handled: Handled, press: Callable[[], Any], iterations: int, warmup: int
) -> list[float]:
    times = []
    for n in range(warmup + iterations):
        before = handled.count
        started = time.perf_counter()
        press()
        await handled.reach(before + 1)
        if n >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    return times


async def run_echo(iterations: int, warmup: int) -> list[float]:
    async with FakeMax(rate_limit=None) as server:
        server.add_bot(TOKEN)
        bot = MaxBot(TOKEN, server.api_url, per_second=10_000)
        dp = echo_dispatcher()
        handled = Handled()
        dp.update.middleware.outer.middlewares.insert(0, handled)
        polling = asyncio.create_task(dp.start_polling(bot, timeout=1))
        try:
            server.user_sends_text(USER, "/start")
            await handled.reach(1)
            return await taps(
                server, handled, lambda: server.user_presses(USER, "Абрамов"), iterations, warmup
            )
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await bot.close()


@contextlib.asynccontextmanager
async def database(backend: str, folder: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        return
    name = f"journal_max_bench_{int(time.time())}"
    await pg.admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg.pg_url(name)
    finally:
        await pg.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_journal(backend: str, iterations: int, warmup: int) -> tuple[list[float], float]:
    """The tap's times, and the median of its SQL statements."""
    with tempfile.TemporaryDirectory() as folder:
        async with database(backend, Path(folder)) as url:
            engine = create_engine(url)
            await upgrade(engine)
            statements = [0]
            event.listen(
                engine.sync_engine,
                "before_cursor_execute",
                lambda *_: statements.__setitem__(0, statements[0] + 1),
            )
            sessions = session_factory(engine)
            try:
                async with running_max_bot(lambda: SqlUnitOfWork(sessions)) as h:
                    h.server.rate_limit = None  # the yard stick is not held to 30 a second
                    h.bot.throttle.per_second = 10_000  # either
                    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
                    teacher = await h.teacher()
                    await teacher.press("1. 7А · Математика")
                    await teacher.press("Attendance")
                    counts: list[int] = []

                    def press() -> None:
                        counts.append(statements[0])
                        h.server.user_presses(USER, "Абрамов Анна")

                    times = await taps(h.server, h.handled, press, iterations, warmup)
                    counts.append(statements[0])
                    per_tap = [b - a for a, b in itertools.pairwise(counts)][warmup:]
                    return times, statistics.median(per_tap)
            finally:
                await engine.dispose()


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    echo = await run_echo(args.iterations, args.warmup)
    print(f"bare maxo handler (edit + answer):          {describe(echo)}")
    for backend in ("sqlite", "postgresql") if args.pg else ("sqlite",):
        times, sql = await run_journal(backend, args.iterations, args.warmup)
        ratio = statistics.median(times) / statistics.median(echo)
        print(
            f"journal attendance tap, 25 pupils, {backend:<10} {describe(times)}   "
            f"{ratio:4.1f} × echo   {sql:g} SQL statements a tap"
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

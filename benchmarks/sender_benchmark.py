"""Messages a second the sender sustains against the fake Telegram, with the rate limit lifted.

Why: the issue asks how fast the sender can go when Telegram's limits are not what holds it
back: it must not be the bottleneck below 1,000 messages a second. So this script measures the
production sender end to end and, separately, the two things it stands between, so that the
reader can tell which side is the bottleneck:

- sender: `scheduler.sender.Sender` with its defaults (batch 200, 16 sends at a time, outcomes
  flushed every 50 ms), `RateLimiter(per_second=0, per_chat_interval=0)` (0 turns each limit
  off) and `TelegramGateway(bot.main.build_bot(...))` — aiogram's real aiohttp session — against
  `fakegram.FakeTelegram(flood_control=False)` on 127.0.0.1. N due messages to N chats; timed
  from the first claim until a claim finds nothing, every row `sent` (claim → send → flush).
- telegram only: a bare loop of `bot.send_message` over the same kind of server, with the same
  concurrency (16 workers) and N chats: the ceiling of aiogram + HTTP + the fake server here.
- sender, notices: the same, but each row holds a notice (a term-mark notice: four lines, a
  name in bold, an «I have seen them» button with its intent) that the sender renders when it
  sends it, in the account's language (half the accounts Russian, half English), with
  `bot.render.TelegramRenderer`: what rendering at send time costs.
- database only: the same Sender with a gateway that answers «sent» at once, no HTTP: the
  ceiling of claiming and recording on this backend.

Everything runs in one process and one event loop, the fake server included, as the tests run
it; so the fake server's CPU time counts against the sender. SQLite is a file in a temporary
folder; PostgreSQL is the server at 127.0.0.1:5432 as user `postgres` (override with
`JOURNAL_BENCH_PG_HOST`, `JOURNAL_BENCH_PG_PORT`, `JOURNAL_BENCH_PG_USER`), a fresh database,
dropped at the end. Each measurement runs `--repeat` times on fresh rows and a fresh server;
the table shows the median and the best.

Run:  .venv/bin/python benchmarks/sender_benchmark.py [--backend sqlite|postgresql|both]
      [--messages 5000] [--repeat 3] [--concurrency 16] [--batch 200] [--profile]

The exit status is 1 when the sender's median is under 1,000 messages a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pg import admin, pg_url

from bot.gateway import TelegramGateway
from bot.main import build_bot
from bot.render import TelegramRenderer
from domain.clock import SystemClock
from domain.delivery import OutboxMessage, RateLimiter, SendOutcome, SendResult
from domain.intents import AcknowledgeTermMarks
from domain.notices import NoticeBody, body_from_json, body_to_json
from domain.people import Account
from domain.text import msg, strong
from domain.usecases.family_jobs import ACK_BUTTON
from domain.usecases.schools import create_school
from fakegram import FakeTelegram
from scheduler.sender import Sender
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

TOKEN = "777003:sender-benchmark-token"
TARGET = 1_000.0  # messages a second
FIRST_CHAT = 80_000_001


@dataclass
class Measure:
    backend: str
    what: str
    messages: int
    seconds: list[float]  # wall time of each run
    cpu: list[float]  # this process's CPU time of each run (all its threads)

    @property
    def median(self) -> float:
        return self.messages / statistics.median(self.seconds)

    @property
    def cpu_share(self) -> float:
        """CPU time over wall time: near 1.0 means this process kept one core busy."""
        return sum(self.cpu) / sum(self.seconds)

    @property
    def best(self) -> float:
        return self.messages / min(self.seconds)


# --------------------------------------------------------------------------- databases


@contextlib.asynccontextmanager
async def fresh_database(backend: str, workdir: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'sender_bench.sqlite3'}"
        return
    name = f"journal_sender_bench_{os.getpid()}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Outbox:
    """A school with one account per chat, and a way to queue one message for each."""

    def __init__(self, make_uow: Callable[[], SqlUnitOfWork], chats: Sequence[int]) -> None:
        self.make_uow = make_uow
        self.chats = chats
        self.school_id = 0
        self.accounts: list[Account] = []
        self.round = 0

    async def set_up(self) -> None:
        school = await create_school(self.make_uow(), "Школа", "Europe/Moscow")
        assert school.id is not None
        self.school_id = school.id
        now = dt.datetime.now(dt.UTC)
        async with self.make_uow() as uow:
            for chat in self.chats:
                account = Account(
                    id=None,
                    messenger="telegram",
                    user_id=str(chat),
                    chat_id=str(chat),
                    created_at=now,
                    language="ru" if chat % 2 else "en",
                )
                self.accounts.append(await uow.accounts.add(account))
            await uow.commit()

    async def fill(self, notices: bool = False) -> None:
        """Queue one message a chat: written whole (text), or a notice rendered when sent."""
        self.round += 1
        now = dt.datetime.now(dt.UTC)
        async with self.make_uow() as uow:
            await uow.outbox.add(
                [
                    OutboxMessage(
                        id=None,
                        school_id=self.school_id,
                        account_id=a.id,
                        chat_id=a.chat_id,
                        messenger=a.messenger,
                        # a kind of its own, not a NoticeKind
                        kind="benchmark",  # type: ignore[arg-type]
                        dedup_key=f"benchmark:{self.round}:{a.id}",
                        text="" if notices else f"Незаполненные уроки: 7А, урок {self.round}",
                        not_before=now,
                        created_at=now,
                        notice=term_marks_notice(self.round, a.id or 0) if notices else None,
                    )
                    for a in self.accounts
                ]
            )
            await uow.commit()

    async def counts(self) -> dict[str, int]:
        async with self.make_uow() as uow:
            return await uow.outbox.counts()


def term_marks_notice(round_: int, ack_id: int) -> NoticeBody:
    """What the term-mark notice says (`family_jobs.TermMarkNotices`), with its button."""
    return NoticeBody(
        lines=(
            msg(
                "Term marks of {name}, {period}:", name=strong("Иванова Мария"), period="I четверть"
            ),
            msg("{subject}: {value}", subject="Математика", value=round_ % 4 + 2),
            msg("{subject}: {value}", subject="Русский язык", value=5),
            msg("Please confirm that you have seen them."),
        ),
        buttons=(((ACK_BUTTON, AcknowledgeTermMarks(ack_id=ack_id)),),),
    )


# --------------------------------------------------------------------------- measurements


class Stopwatch:
    """Wall and CPU time of a block."""

    def __enter__(self) -> Stopwatch:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


class InstantGateway:
    async def send(self, message: OutboxMessage) -> SendResult:
        return SendResult(SendOutcome.SENT)


@contextlib.asynccontextmanager
async def fake_telegram(chats: Sequence[int]) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(flood_control=False) as server:
        server.add_bot(TOKEN)
        for chat in chats:
            server.add_user(chat, started=True)
        yield server


async def drain(sender: Sender) -> None:
    while await sender.run_once():
        pass


async def time_sender(
    outbox: Outbox,
    concurrency: int,
    batch: int,
    profile: cProfile.Profile | None,
    notices: bool = False,
) -> Stopwatch:
    await outbox.fill(notices)
    async with fake_telegram(outbox.chats) as server:
        bot = build_bot(TOKEN, server.api_url)
        try:
            sender = Sender(
                outbox.make_uow,
                TelegramGateway(bot),
                SystemClock(),
                RateLimiter(per_second=0, per_chat_interval=0),
                renderer=TelegramRenderer(),
                batch=batch,
                concurrency=concurrency,
            )
            if profile:
                profile.enable()
            with Stopwatch() as elapsed:
                await drain(sender)
            if profile:
                profile.disable()
        finally:
            await bot.session.close()
        sent = [r for r in server.calls("sendMessage") if r.ok]
        assert len(sent) == len(outbox.chats), (len(sent), len(outbox.chats))
        assert {r.chat_id for r in sent} == set(outbox.chats)
        if notices:  # rendered in each account's language, with its button
            shown = [server.messages(chat)[-1] for chat in outbox.chats]
            assert {(m.text or "")[:8] for m in shown} == {"Итоговые", "Term mar"}
            assert all(m.reply_markup for m in shown)
    counts = await outbox.counts()
    assert counts == {"sent": len(outbox.chats) * outbox.round}, counts
    return elapsed


async def time_telegram(chats: Sequence[int], concurrency: int) -> Stopwatch:
    async with fake_telegram(chats) as server:
        bot = build_bot(TOKEN, server.api_url)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for chat in chats:
            queue.put_nowait(chat)

        async def worker() -> None:
            while not queue.empty():
                chat = queue.get_nowait()
                await bot.send_message(chat, "Незаполненные уроки за сегодня: 7А, урок 1")

        try:
            with Stopwatch() as elapsed:
                await asyncio.gather(*(worker() for _ in range(concurrency)))
        finally:
            await bot.session.close()
        assert len([r for r in server.calls("sendMessage") if r.ok]) == len(chats)
    return elapsed


async def time_database(outbox: Outbox, concurrency: int, batch: int) -> Stopwatch:
    await outbox.fill()
    sender = Sender(
        outbox.make_uow,
        InstantGateway(),
        SystemClock(),
        RateLimiter(per_second=0, per_chat_interval=0),
        batch=batch,
        concurrency=concurrency,
    )
    with Stopwatch() as elapsed:
        await drain(sender)
    assert sender.sent == len(outbox.chats)
    return elapsed


async def run_backend(
    backend: str, messages: int, repeat: int, concurrency: int, batch: int, profile: bool
) -> tuple[list[Measure], cProfile.Profile | None]:
    chats = [FIRST_CHAT + i for i in range(messages)]
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_database(backend, Path(folder)) as url:
            engine = create_engine(url)
            try:
                await upgrade(engine)
                sessions = session_factory(engine)
                outbox = Outbox(lambda: SqlUnitOfWork(sessions), chats)
                await outbox.set_up()
                sender: list[Stopwatch] = []
                rendered: list[Stopwatch] = []
                telegram: list[Stopwatch] = []
                database: list[Stopwatch] = []
                for _ in range(repeat):
                    sender.append(await time_sender(outbox, concurrency, batch, None))
                    rendered.append(await time_sender(outbox, concurrency, batch, None, True))
                    telegram.append(await time_telegram(chats, concurrency))
                    database.append(await time_database(outbox, concurrency, batch))
                if profiler:
                    await time_sender(outbox, concurrency, batch, profiler)
            finally:
                await engine.dispose()
    return [
        Measure(backend, what, messages, [x.wall for x in runs], [x.cpu for x in runs])
        for what, runs in (
            ("sender (end to end)", sender),
            ("sender, notices", rendered),
            ("telegram only", telegram),
            ("database only", database),
        )
    ], profiler


def time_rendering(messages: int) -> tuple[float, float]:
    """µs a notice spends being read back from its JSON and rendered (text and keyboard), half
    in Russian and half in English: the sender's own share of «sender, notices»."""
    renderer = TelegramRenderer()
    stored = [body_to_json(term_marks_notice(i, i)) for i in range(messages)]
    start = time.perf_counter()
    bodies = [body_from_json(data) for data in stored]
    decoded = time.perf_counter()
    for i, body in enumerate(bodies):
        language = "ru" if i % 2 else "en"
        renderer.render(body, language)
        renderer.render_buttons(body, language)
    rendered = time.perf_counter()
    return (decoded - start) / messages * 1e6, (rendered - decoded) / messages * 1e6


# --------------------------------------------------------------------------- reporting

GROUPS = (
    ("fakegram/", "fake Telegram server (fakegram)"),
    ("/aiohttp/web", "aiohttp server (the fake's)"),
    ("/aiohttp/", "aiohttp client (and shared parts)"),
    ("/aiogram/", "aiogram"),
    ("/pydantic", "pydantic"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/asyncpg/", "asyncpg"),
    ("/aiosqlite/", "aiosqlite"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
    ("scheduler/", "the sender (scheduler/)"),
    ("storage/", "repositories (storage/)"),
    ("domain/", "domain/"),
)


def where_time_goes(profiler: cProfile.Profile) -> list[tuple[str, float]]:
    """Own time (tottime) summed by library, biggest first."""
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = defaultdict(float)
    # pstats keeps its table untyped
    for (path, _, function), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = next((label for key, label in GROUPS if key in path), None)
        if name is None:
            name = "built-ins (sockets, select, …)" if path == "~" else "other Python"
            if path == "~" and "sqlite3" in function:
                name = "sqlite3 (C)"
        totals[name] += own
    return sorted(totals.items(), key=lambda kv: -kv[1])


def print_table(measures: Sequence[Measure], repeat: int) -> None:
    print()
    header = f"{'backend':<11} {'measurement':<20} {'messages':>8}  {'median s':>8}  "
    header += f"{'msg/s median':>12}  {'msg/s best':>10}  {'CPU/wall':>8}  target"
    print(header)
    print("-" * len(header))
    for m in measures:
        target = ""
        if m.what.startswith("sender"):
            target = "ok" if m.median >= TARGET else "SLOW"
        print(
            f"{m.backend:<11} {m.what:<20} {m.messages:>8}  {statistics.median(m.seconds):>8.2f}  "
            f"{m.median:>12.0f}  {m.best:>10.0f}  {m.cpu_share:>8.2f}  {target}"
        )
    print(f"({repeat} runs each; «sender» must reach {TARGET:.0f} msg/s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200, help="messages a claim takes")
    parser.add_argument("--profile", action="store_true", help="cProfile one more sender run")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load}; "
        f"{args.messages} messages to {args.messages} chats, concurrency {args.concurrency}, "
        f"batch {args.batch}"
    )
    measures: list[Measure] = []
    for backend in backends:
        found, profiler = asyncio.run(
            run_backend(
                backend, args.messages, args.repeat, args.concurrency, args.batch, args.profile
            )
        )
        measures += found
        if profiler:
            print(f"\n{backend}: where the sender's end-to-end run spends its time (own time)")
            total = sum(t for _, t in where_time_goes(profiler))
            for name, seconds in where_time_goes(profiler):
                if seconds >= 0.005 * total:
                    print(f"  {name:<34} {seconds:6.2f} s  {100 * seconds / total:5.1f} %")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    print_table(measures, args.repeat)
    decode, render = time_rendering(args.messages)
    print(
        f"rendering alone: {decode:.1f} µs reading a notice's JSON + {render:.1f} µs rendering it"
    )
    slow = [m for m in measures if m.what.startswith("sender") and m.median < TARGET]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

"""`journal bot run`: the bot, the clock and the sender, together or one per process.

config → storage → bot → dispatcher with middlewares → routers → (leader) clock and sender → run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Iterable

from app.config import Settings, digest_processes
from app.process import tune_garbage_collector
from bot.commands import register_commands
from bot.context import Services
from bot.main import build_bot, build_dispatcher, make_storage
from domain.clock import SystemClock
from domain.delivery import RateLimiter
from domain.ports import Clock
from scheduler.clock import JournalClock
from scheduler.leader import LOCK_KEYS, Leadership
from scheduler.render import LocalesRenderer
from scheduler.sender import Sender
from scheduler.telegram import TelegramGateway
from scheduler.workers import DigestWorkers
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

PARTS = ("bot", "clock", "sender")
LEADER_CHECK_SECONDS = 5.0


async def run_journal(
    settings: Settings,
    parts: Iterable[str] = PARTS,
    clock: Clock | None = None,
    *,
    tune_gc: bool = False,
) -> None:
    """Runs until SIGINT or SIGTERM. `tune_gc` when this is the process's whole life (the CLI):
    the garbage collector is set for it once everything is wired."""
    parts = set(parts)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(lambda: SqlUnitOfWork(sessions), clock or SystemClock())
    bot = build_bot(settings.bot_token, settings.telegram_api_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []
    try:
        me = await bot.get_me()
        log.info("journal bot @%s: running %s", me.username, ", ".join(sorted(parts)))
        if "bot" in parts:
            dp = build_dispatcher(services, make_storage(settings.redis_url))
            await register_commands(bot)
            tasks.append(asyncio.create_task(_poll(dp, bot, stop)))
        for part in sorted(parts & {"clock", "sender"}):
            tasks.append(asyncio.create_task(_lead(settings, engine, services, bot, part, stop)))
        if tune_gc:
            frozen = tune_garbage_collector()
            log.info("garbage collector set for a long run: %s objects frozen", frozen)
        await stop.wait()
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bot.session.close()
        await engine.dispose()


async def _poll(dp, bot, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    await stop.wait()
    with contextlib.suppress(RuntimeError):
        await dp.stop_polling()
    await asyncio.gather(polling, return_exceptions=True)


async def _lead(  # type: ignore[no-untyped-def]
    settings: Settings, engine, services: Services, bot, part: str, stop: asyncio.Event
) -> None:
    """Become the leader of one part (the clock or the sender), run it while leading, and try
    again if the lead is lost. Each part has its own lock, so they may run in two processes."""
    leadership = Leadership(engine, key=LOCK_KEYS[part], part=part)
    while not stop.is_set():
        if not await leadership.acquire(stop):
            return
        lost = asyncio.Event()
        journal_clock = None
        workers: list[asyncio.Task[None]] = []
        if part == "clock":
            processes = digest_processes(settings)
            digest_workers = DigestWorkers(settings.database_url, processes) if processes else None
            journal_clock = JournalClock(
                services.make_uow, services.clock, LocalesRenderer(), digest_workers=digest_workers
            )
            journal_clock.start()
        else:
            sender = Sender(
                services.make_uow,
                TelegramGateway(bot),
                services.clock,
                RateLimiter(per_second=settings.send_rate),
                lease=dt.timedelta(seconds=settings.send_lease_seconds),
            )
            workers.append(asyncio.create_task(sender.run(lost)))
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=LEADER_CHECK_SECONDS)
            if not stop.is_set() and not await leadership.still_leading():
                break
        lost.set()
        if journal_clock is not None:
            journal_clock.shutdown()
        await asyncio.gather(*workers, return_exceptions=True)
        await leadership.release()

"""`journal bot run`: the bots (Telegram's, MAX's, or both, each with its token), the clock and
the sender, together or one per process. One outbox and one sender for both messengers, routing
each message by its account's messenger; the clock and the sender each run under one leader
lock, whichever bots a process runs.

config → storage → bots → dispatchers with middlewares → routers → (leader) clock and sender →
run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from aiogram import Bot, Dispatcher
from maxo import Dispatcher as MaxDispatcher
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings, digest_processes
from app.process import digest_worker_parts, tune_garbage_collector
from bot.commands import register_commands
from bot.context import MESSENGER, Services
from bot.gateway import TelegramGateway
from bot.main import build_bot, build_dispatcher, make_storage
from bot.max import MESSENGER as MAX_MESSENGER
from bot.max.client import ANSWERING_TRIES, MaxBot, Throttle
from bot.max.gateway import MaxGateway
from bot.max.main import build_max_dispatcher, make_max_storage
from bot.max.render import MaxRenderer
from bot.render import TelegramRenderer
from domain.clock import SystemClock
from domain.delivery import RateLimiter
from domain.ports import Clock
from scheduler.clock import JournalClock
from scheduler.leader import LOCK_KEYS, Leadership
from scheduler.messenger import MessageGateway, NoticeRenderer
from scheduler.sender import Sender
from scheduler.workers import DigestWorkers
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

PARTS = ("bot", "clock", "sender")
BOTS = (MESSENGER, MAX_MESSENGER)  # the bots a process may run: `--only telegram|max`
LEADER_CHECK_SECONDS = 5.0
# How long a stopping process keeps trying to record outcomes the database did not take: less
# than the 10 s a container gets between SIGTERM and SIGKILL.
SHUTDOWN_RECORD_SECONDS = 5.0
# MAX takes two messages a second in one dialog.
MAX_PER_CHAT_INTERVAL = 0.5


@dataclass(frozen=True, slots=True)
class Messengers:
    """The messengers notices go out through, by name: each one's gateway, renderer and rate
    limiter, as the sender takes them."""

    gateways: dict[str, MessageGateway]
    renderers: dict[str, NoticeRenderer]
    limiters: dict[str, RateLimiter]


def messengers(settings: Settings, bot: Bot | None, max_bot: MaxBot | None = None) -> Messengers:
    """Each messenger whose bot is configured (its token set, and so its bot built)."""
    found = Messengers(gateways={}, renderers={}, limiters={})
    if bot is not None:
        found.gateways[MESSENGER] = TelegramGateway(bot)
        found.renderers[MESSENGER] = TelegramRenderer()
        found.limiters[MESSENGER] = RateLimiter(per_second=settings.send_rate)
    if max_bot is not None:
        found.gateways[MAX_MESSENGER] = MaxGateway(max_bot)
        found.renderers[MAX_MESSENGER] = MaxRenderer()
        found.limiters[MAX_MESSENGER] = RateLimiter(
            per_second=settings.max_send_rate, per_chat_interval=MAX_PER_CHAT_INTERVAL
        )
    return found


def build_max_bot(
    settings: Settings, throttle: Throttle | None = None, *, tries: int = 1
) -> MaxBot | None:
    """The MAX bot if a MAX token is configured; None leaves MAX out. The one that answers
    people and the sender's share `throttle`: MAX counts their requests together."""
    if not settings.max_token:
        return None
    bot = MaxBot(settings.max_token, settings.max_api_url, tries=tries)
    if throttle is not None:
        bot.throttle = throttle
    return bot


def bots_to_run(settings: Settings, only: Iterable[str] = BOTS) -> set[str]:
    """The messengers whose bot this process runs: those asked for that have a token."""
    tokens = {MESSENGER: settings.bot_token, MAX_MESSENGER: settings.max_token}
    return {name for name in only if tokens[name]}


async def run_journal(
    settings: Settings,
    parts: Iterable[str] = PARTS,
    clock: Clock | None = None,
    *,
    tune_gc: bool = False,
    only: Iterable[str] = BOTS,
) -> None:
    """Runs until SIGINT or SIGTERM. `only`: the messengers whose bots run here (the sender
    sends through every configured one). `tune_gc` when this is the process's whole life (the
    CLI): the garbage collector is set for it once everything is wired."""
    parts = set(parts)
    running = bots_to_run(settings, only) if "bot" in parts else set()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(lambda: SqlUnitOfWork(sessions), clock or SystemClock())
    bot = build_bot(settings.bot_token, settings.telegram_api_url) if settings.bot_token else None
    throttle = Throttle()
    max_bot = build_max_bot(settings, throttle)
    answering = build_max_bot(settings, throttle, tries=ANSWERING_TRIES)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []
    try:
        names = ", ".join(sorted(running)) or "none"
        log.info("journal: running %s (bots: %s)", ", ".join(sorted(parts)), names)
        if bot is not None and MESSENGER in running:
            me = await bot.get_me()
            log.info("Telegram bot @%s", me.username)
            dp = build_dispatcher(services, make_storage(settings.redis_url))
            await register_commands(bot)
            tasks.append(asyncio.create_task(_poll(dp, bot, stop)))
        if answering is not None and MAX_MESSENGER in running:
            max_dp = build_max_dispatcher(services, make_max_storage(settings.redis_url))
            tasks.append(asyncio.create_task(_poll_max(max_dp, answering, stop)))
        for part in sorted(parts & {"clock", "sender"}):
            routes = messengers(settings, bot, max_bot)
            tasks.append(asyncio.create_task(_lead(settings, engine, services, routes, part, stop)))
        if tune_gc:
            frozen = tune_garbage_collector()
            log.info("garbage collector set for a long run: %s objects frozen", frozen)
        await stop.wait()
    finally:
        stop.set()
        ended = await asyncio.gather(*tasks, return_exceptions=True)
        failures = [r for r in ended if isinstance(r, Exception)]
        if bot is not None:
            await bot.session.close()
        for one in (max_bot, answering):
            if one is not None:
                await one.close()
        await engine.dispose()
    if failures:
        raise failures[0]


async def _poll(dp: Dispatcher, bot: Bot, stop: asyncio.Event) -> None:
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    await stop.wait()
    with contextlib.suppress(RuntimeError):
        await dp.stop_polling()
    await asyncio.gather(polling, return_exceptions=True)


async def _poll_max(dp: MaxDispatcher, bot: MaxBot, stop: asyncio.Event) -> None:
    """maxo's polling has no stop of its own: it is cancelled, the updates it had taken
    finished first (they run in its task group)."""
    polling = asyncio.create_task(dp.start_polling(bot, auto_close_bot=False))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if polling.done() and not stopping.done():
        stop.set()  # MAX refused the bot (a wrong token, say): the process stops and says so
        await stopping
        polling.result()
    polling.cancel()
    await asyncio.gather(polling, stopping, return_exceptions=True)


async def _lead(
    settings: Settings,
    engine: AsyncEngine,
    services: Services,
    routes: Messengers,
    part: str,
    stop: asyncio.Event,
) -> None:
    """Become the leader of one part (the clock or the sender), run it while leading, and try
    again if the lead is lost. Each part has its own lock, so they may run in two processes.

    The sender is one for the process's life: outcomes it could not record (the database away)
    outlive a lost lead. Recording a send Telegram took is right whoever leads, so they are
    recorded as soon as the database answers, before this process tries to lead again, and
    at the end it tries for a while before it gives up on them."""
    leadership = Leadership(engine, key=LOCK_KEYS[part], part=part)
    sender = None
    if part == "sender":
        sender = Sender(
            services.make_uow,
            routes.gateways,
            services.clock,
            renderers=routes.renderers,
            limiters=routes.limiters,
            lease=dt.timedelta(seconds=settings.send_lease_seconds),
        )
    try:
        while not stop.is_set():
            if sender is not None and not await sender.record(stop):
                break
            if not await leadership.acquire(stop):
                break
            await _while_leading(settings, services, leadership, sender, stop)
    finally:
        await leadership.release()
        if sender is not None:
            await _record_before_exit(sender)


async def _while_leading(
    settings: Settings,
    services: Services,
    leadership: Leadership,
    sender: Sender | None,
    stop: asyncio.Event,
) -> None:
    """Run the part until `stop` or until the lead is lost; a sender's round stops sending
    then (what is in flight finishes, the rest goes back to the queue)."""
    lost = asyncio.Event()
    journal_clock = None
    workers: list[asyncio.Task[None]] = []
    if sender is None:
        processes = digest_processes(settings)
        digest_workers = (
            DigestWorkers(
                processes, parts=partial(digest_worker_parts, settings.database_url, True)
            )
            if processes
            else None
        )
        journal_clock = JournalClock(
            services.make_uow, services.clock, digest_workers=digest_workers
        )
        journal_clock.start()
    else:
        workers.append(asyncio.create_task(sender.run(lost)))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=LEADER_CHECK_SECONDS)
            if not stop.is_set() and not await leadership.still_leading():
                break
    finally:
        lost.set()
        if journal_clock is not None:
            journal_clock.shutdown()
        await asyncio.gather(*workers, return_exceptions=True)
        await leadership.release()


async def _record_before_exit(sender: Sender) -> None:
    """Stopping with outcomes unrecorded (the database away): try for a bounded time, then
    say what is lost. A send not recorded goes again once its lease runs out."""
    if not sender.unrecorded:
        return
    log.warning(
        "stopping with %s outcomes unrecorded (%s of them sent); trying to record them for up "
        "to %.0f s",
        sender.unrecorded,
        sender.unrecorded_sends,
        SHUTDOWN_RECORD_SECONDS,
    )
    if await sender.record(within=SHUTDOWN_RECORD_SECONDS):
        return
    log.error(
        "could not record %s outcomes (%s of them sent) before stopping: those messages stay "
        "'sending' until their lease runs out, then go again",
        sender.unrecorded,
        sender.unrecorded_sends,
    )

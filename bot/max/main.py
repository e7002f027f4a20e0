"""The MAX bot: storage → bot → dispatcher with middlewares → routers → start, as the
Telegram one (`bot/main.py`), on maxo."""

from __future__ import annotations

from maxo import Dispatcher
from maxo.dialogs import setup_dialogs
from maxo.fsm.key_builder import DefaultKeyBuilder
from maxo.fsm.storages.base import BaseStorage
from maxo.fsm.storages.memory import MemoryStorage

from bot.context import REDIS_TIMEOUT, KnownLanguages, Services
from bot.max.client import ANSWERING_TRIES, PRODUCTION_URL, MaxBot
from bot.max.kit import MAX
from bot.max.middlewares import MaxActorMiddleware, MaxOutageMiddleware, MaxStaleScreenMiddleware
from bot.max.routes import commands_router, error_handler, fallback_router, remarks_router
from bot.outages import Outages
from bot.screens import screens


def build_max_bot(token: str, api_url: str | None = None) -> MaxBot:
    """A bot talking to MAX, or to another MAX Bot API server (the tests' and sandbox's fake)."""
    url = api_url or PRODUCTION_URL
    return MaxBot(token, url, tries=ANSWERING_TRIES)


def build_max_dispatcher(services: Services, storage: BaseStorage | None = None) -> Dispatcher:
    keys = DefaultKeyBuilder(with_destiny=True)  # the dialogs keep a stack per destiny
    dp = Dispatcher(storage=storage or MemoryStorage(key_builder=keys), key_builder=keys)
    outages = Outages()
    languages = KnownLanguages()
    dp.update.middleware.outer(MaxActorMiddleware(services, languages, outages))
    dp.exception.middleware.outer(MaxOutageMiddleware(outages, languages))  # before the dialogs'
    dp.include(commands_router())
    dp.include(remarks_router(), *screens(MAX))
    dp.include(fallback_router())
    dp.exception.handler(error_handler(languages))
    setup_dialogs(dp)
    dp.message_callback.middleware.inner(MaxStaleScreenMiddleware())
    return dp


def make_max_storage(redis_url: str) -> BaseStorage:
    """Redis keeps open screens across restarts in production; memory is enough elsewhere."""
    keys = DefaultKeyBuilder(with_destiny=True)
    if not redis_url:
        return MemoryStorage(key_builder=keys)
    from maxo.fsm.storages.redis import RedisStorage

    # Bounded waits, as for Telegram's (bot.main.make_storage): a Redis that does not answer is
    # told to the person by the outage middleware instead of holding them.
    return RedisStorage.from_url(
        redis_url,
        connection_kwargs={
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
        key_builder=keys,
    )

"""The bot process: config → storage → bot → dispatcher with middlewares → routers → start."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram_dialog import setup_dialogs

from bot import payloads
from bot.context import REDIS_TIMEOUT, KnownLanguages, Services
from bot.dialogs.remarks import open_from_notice, remarks_dialog
from bot.handlers import commands_router, fallback_router, register_error_handlers
from bot.kit import Kit
from bot.middlewares import ActorMiddleware, StaleScreenMiddleware
from bot.outages import OutageMiddleware, Outages, ReachableMiddleware
from bot.screens import screens
from bot.telegram_kit import TELEGRAM

log = logging.getLogger(__name__)


def _keep_response_models() -> list[object]:
    """aiogram checks each answer with `Response[T]`; pydantic caches those classes only weakly
    and rebuilds one (3–4 ms) after a garbage collection. Holding them keeps taps fast."""
    from aiogram import methods
    from aiogram.methods.base import Response

    kept: list[object] = []
    for name in (
        "SendMessage",
        "EditMessageText",
        "EditMessageReplyMarkup",
        "AnswerCallbackQuery",
        "DeleteMessage",
        "SendDocument",
        "SendPhoto",
        "GetUpdates",
        "GetMe",
        "SetMyCommands",
        "EditMessageCaption",
    ):
        method = getattr(methods, name)
        # the model is a value found at run time, which mypy cannot take as a type parameter
        kept.append(Response[method.__returning__])  # type: ignore[name-defined]
    return kept


_RESPONSE_MODELS = _keep_response_models()


def build_bot(token: str, api_url: str | None = None) -> Bot:
    """A bot talking to Telegram, or to another Bot API server (a local one, the tests' fake)."""
    if api_url and api_url.rstrip("/") != PRODUCTION.base.split("/bot")[0]:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    else:
        session = AiohttpSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_dispatcher(services: Services, storage: BaseStorage | None = None) -> Dispatcher:
    dp = Dispatcher(storage=storage or MemoryStorage())
    outages = Outages()
    languages = KnownLanguages()
    dp.update.outer_middleware(ReachableMiddleware(outages))
    dp.update.outer_middleware(ActorMiddleware(services, languages))
    dp.errors.outer_middleware(OutageMiddleware(outages, languages))  # before any error handler
    dp.include_router(commands_router())
    dp.include_routers(remarks_router(TELEGRAM), *screens(TELEGRAM))
    dp.include_router(fallback_router())
    register_error_handlers(dp)
    setup_dialogs(dp)
    dp.callback_query.middleware(StaleScreenMiddleware())
    return dp


def remarks_router(ui: Kit) -> Router:
    """The remarks dialog, and before it the buttons under remark notices.

    Included before the other dialogs: a button without a dialog's intent would otherwise
    reach the screen that is open and be taken for a forged one.
    """
    router = Router(name="remarks")
    router.callback_query.register(open_from_notice, F.data.startswith(payloads.REMARK_PREFIX))
    router.include_router(remarks_dialog(ui))
    return router


def make_storage(redis_url: str) -> BaseStorage:
    """Redis keeps open screens across restarts in production; memory is enough elsewhere."""
    if not redis_url:
        return MemoryStorage()
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    # Bounded waits: a Redis that does not answer must not hold an update (and the user) for
    # long; its failure is then answered by `bot.outages`, and the next update connects anew.
    return RedisStorage.from_url(
        redis_url,
        connection_kwargs={
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
        key_builder=DefaultKeyBuilder(with_destiny=True),
    )

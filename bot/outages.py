"""When the journal's storage is out of reach (Redis, which keeps the open screens, or the
database): every press and message gets one clear sentence, the log gets one warning per outage
instead of a traceback per update, and the next update simply tries again, so the bot recovers by
itself when the storage is back.

The failure can come from anywhere in an update's way: aiogram's FSM middleware reads the state
from Redis before any handler, aiogram-dialog's middlewares load and save the dialog's context,
the journal's middleware and use cases read the database. Each of those ends in aiogram's
`ErrorsMiddleware`, which hands the exception to the error observers: `OutageMiddleware` sits
outside them (an outer middleware of `errors`) and answers before aiogram-dialog's own error
middleware, which cannot load a context from a Redis that is down and would fail again
(`KeyError: 'aiogd_context'`), so that no error handler ran and the user heard nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, User
from redis import exceptions as redis_errors

from bot.context import Ctx, KnownLanguages
from locales import N_, Translator, pick_language, translator
from scheduler.outage import reason, says_unreachable

log = logging.getLogger(__name__)

STORAGE_DOWN = N_(
    "The journal cannot reach its storage right now; try again in a minute — nothing you saved "
    "is lost."
)

SCREENS = "the storage of open screens (Redis)"
DATABASE = "the database"


def _redis_outage(err: BaseException) -> bool:
    return isinstance(err, redis_errors.ConnectionError | redis_errors.TimeoutError)


def outage(
    err: BaseException, messenger_errors: tuple[type[BaseException], ...] = (TelegramAPIError,)
) -> str | None:
    """Which storage `err` says is out of reach (it, or what it was raised from), or None.

    By the exception's type only (Redis's connection errors; for the database the classifier
    the scheduler uses, `scheduler.outage.says_unreachable`): an error whose message merely
    mentions a connection is a bug, answered as one and logged with its traceback."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, messenger_errors):
            return None  # the messenger out of reach is no storage's outage (nor can be told)
        if _redis_outage(current):
            return SCREENS
        if says_unreachable(current):
            return DATABASE
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


class Outages:
    """What is down now: warned about once, and noted as back with the first update that
    went through using it (one that never asked a storage says nothing about it)."""

    def __init__(self) -> None:
        self.down: set[str] = set()

    def failed(self, what: str, err: BaseException) -> None:
        if what in self.down:
            log.debug("%s still out of reach: %s", what, err)
            return
        self.down.add(what)
        log.warning(
            "%s is out of reach (%s); users are asked to try again in a minute",
            what,
            reason(err),
        )

    def went_through(self, used: set[str]) -> None:
        """An update went through having used the storages `used`: those are back."""
        back = self.down & used
        if back:
            log.warning("%s reachable again", " and ".join(sorted(back)))
            self.down -= back


class OutageMiddleware(BaseMiddleware):
    """An outer middleware of the dispatcher's error observer: an outage is answered here."""

    def __init__(self, outages: Outages, languages: KnownLanguages) -> None:
        self.outages = outages
        self.languages = languages

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, ErrorEvent):
            return await handler(event, data)
        what = outage(event.exception)
        if what is None:
            return await handler(event, data)
        self.outages.failed(what, event.exception)
        t = self._translator(data)
        await tell(event, t(STORAGE_DOWN))
        return True  # handled: the error handlers (and aiogram-dialog's) do not run

    def _translator(self, data: dict[str, Any]) -> Translator:
        """The person's language, never asked of a storage (the one that is down, or the
        other, which may be down too): known when the journal found them before the failure;
        else the one they last used here; else Telegram's."""
        ctx: Ctx | None = data.get("ctx")
        if ctx is not None:
            return ctx.t
        user: User | None = data.get("event_from_user")
        if user is None:
            return translator(None)
        known = self.languages.get(str(user.id))
        return translator(known or pick_language(user.language_code))


class ReachableMiddleware(BaseMiddleware):
    """An outer middleware of every update: one that went through means the storages it used
    are back. Redis was used when aiogram's FSM read the person's state from it (`raw_state`,
    read before this middleware runs); the database when the journal found the person in it
    (`ctx`, from `ActorMiddleware` inside this one). A message in a group, say, uses neither."""

    def __init__(self, outages: Outages) -> None:
        self.outages = outages

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)
        used = {SCREENS} if "raw_state" in data else set()
        if "ctx" in data:
            used.add(DATABASE)
        self.outages.went_through(used)
        return result


async def tell(event: ErrorEvent, text: str) -> None:
    """Answer the update an error ended: an alert on a button, a message on a message."""
    update = event.update
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except TelegramAPIError as err:
        log.info("could not tell the user %r: %s", text, err)

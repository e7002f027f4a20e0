"""Per update: find who is acting and in which language, before any handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject, User

from bot.context import MESSENGER, Ctx, KnownLanguages, Services
from bot.dialogs.common import stale_press
from bot.kit import JOURNAL
from bot.telegram_kit import TELEGRAM
from domain.usecases.accounts import MessengerUser, note_reachable, resolve_actor
from locales import pick_language, translator


def messenger_user(user: User, chat_id: int | None) -> MessengerUser:
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return MessengerUser(
        messenger=MESSENGER,
        user_id=str(user.id),
        chat_id=str(chat_id or user.id),
        language=pick_language(user.language_code),
        display_name=name,
    )


class ActorMiddleware(BaseMiddleware):
    """Puts `ctx` (actor, translator, services) and `user` into the handler data, and notes
    the person's language in `languages` (as found, and as left by the update: /lang)."""

    def __init__(self, services: Services, languages: KnownLanguages) -> None:
        self.services = services
        self.languages = languages

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return None  # the journal talks to people one to one, never in groups
        who = messenger_user(user, chat.id if chat else None)
        actor = await resolve_actor(self.services.make_uow(), who)
        if actor.account.unreachable_at is not None:
            await note_reachable(self.services.make_uow(), actor.account)
        language = actor.account.language if actor.account.id else who.language
        data["user"] = who
        data["kit"] = TELEGRAM
        data["ctx"] = data[JOURNAL] = ctx = Ctx(actor, translator(language), self.services)
        self._note(who, ctx)
        try:
            return await handler(event, data)
        finally:
            self._note(who, ctx)

    def _note(self, who: MessengerUser, ctx: Ctx) -> None:
        account = ctx.actor.account
        if account.id is not None or account.language != who.language:
            self.languages.note(who.user_id, account.language)


class StaleScreenMiddleware(BaseMiddleware):
    """A button pressed on a screen opened on an earlier day is stale: a fresh menu instead.

    Registered after aiogram-dialog's own middlewares, so the dialog context is known here.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        manager = data.get("dialog_manager")
        if (
            manager is not None
            and isinstance(event, CallbackQuery)
            and await stale_press(manager, event.data or "", data)
        ):
            return None
        return await handler(event, data)

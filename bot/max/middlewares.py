"""Per MAX update: who is acting and in which language (before any handler), a storage out of
reach answered with one sentence, and a button of a screen opened on an earlier day refused.

maxo's dispatcher keeps "ctx" for its own context, so the journal's is under `JOURNAL`; its
error observer gets a copy of the dispatcher's context, which is why the actor is found by a
middleware of the dispatcher's updates (what it puts there reaches the error handlers too)."""

from __future__ import annotations

import logging
from typing import Any

from maxo.enums import ChatType
from maxo.errors import MaxoError
from maxo.omit import is_defined
from maxo.routing.ctx import Ctx as MaxoCtx
from maxo.routing.interfaces.middleware import NextMiddleware
from maxo.types import BotStarted, MessageCallback, MessageCreated
from maxo.types.error_event import ErrorEvent

from bot.context import Ctx, KnownLanguages, Services
from bot.dialogs.common import stale_press
from bot.kit import JOURNAL
from bot.max import MESSENGER
from bot.max.kit import MAX
from bot.outages import DATABASE, SCREENS, STORAGE_DOWN, Outages, outage
from domain.usecases.accounts import MessengerUser, note_reachable, resolve_actor
from locales import Translator, pick_language, translator

log = logging.getLogger(__name__)


def locale_of(event: Any) -> str | None:
    locale = getattr(event, "user_locale", None)
    return locale if is_defined(locale) and isinstance(locale, str) else None


def messenger_user(event: Any, ctx: MaxoCtx) -> MessengerUser | None:
    """The person behind a MAX update in a dialog with the bot, or None (a bot, a group chat,
    an update without a person)."""
    context = ctx.get("update_context")
    if context is None:
        return None
    user = context.user
    if user is None or user.is_bot or context.chat_type not in (ChatType.DIALOG, None):
        return None
    name = " ".join(
        p for p in (user.first_name, user.last_name) if is_defined(p) and isinstance(p, str) and p
    )
    return MessengerUser(
        messenger=MESSENGER,
        user_id=str(user.user_id),
        chat_id=str(context.chat_id or user.user_id),
        language=pick_language(locale_of(event)),
        display_name=name,
    )


def bind_bot(event: Any, ctx: MaxoCtx) -> None:
    """The event (and its message) answer through the bot that received them."""
    bot = ctx.get("bot")
    if bot is None:
        return
    event.as_(bot)
    message = getattr(event, "message", None)
    if message is not None and is_defined(message):
        message.as_(bot)


class MaxActorMiddleware:
    """Puts the journal's context, the kit and the person into the update's context; notes
    the person's language for outages, and the storages an update went through as back."""

    def __init__(self, services: Services, languages: KnownLanguages, outages: Outages) -> None:
        self.services = services
        self.languages = languages
        self.outages = outages

    async def __call__(self, update: Any, ctx: MaxoCtx, next: NextMiddleware[Any]) -> Any:
        event = getattr(update, "update", update)
        bind_bot(event, ctx)
        if not isinstance(event, MessageCreated | MessageCallback | BotStarted):
            return await next(ctx)
        who = messenger_user(event, ctx)
        if who is None:
            return None  # the journal talks to people one to one, never in groups
        ctx["user"] = who
        ctx["kit"] = MAX
        actor = await resolve_actor(self.services.make_uow(), who)
        if actor.account.unreachable_at is not None:
            await note_reachable(self.services.make_uow(), actor.account)
        language = actor.account.language if actor.account.id else who.language
        ctx[JOURNAL] = journal = Ctx(actor, translator(language), self.services)
        self._note(who, journal)
        try:
            result = await next(ctx)
        finally:
            self._note(who, journal)
        self.outages.went_through({DATABASE, SCREENS} if "raw_state" in ctx else {DATABASE})
        return result

    def _note(self, who: MessengerUser, journal: Ctx) -> None:
        account = journal.actor.account
        if account.id is not None or account.language != who.language:
            self.languages.note(who.user_id, account.language)


def translator_for(ctx: MaxoCtx, languages: KnownLanguages) -> Translator:
    """The person's language, never asked of a storage: as the journal found them, else as
    they last used it here, else as MAX says."""
    journal = ctx.get(JOURNAL)
    if journal is not None:
        return journal.t
    context = ctx.get("update_context")
    user_id = context.user_id if context is not None else None
    known = languages.get(str(user_id)) if user_id is not None else None
    update = ctx.get("update")
    event = getattr(getattr(update, "update", None), "update", None)
    return translator(known or pick_language(locale_of(event)))


async def tell(event: Any, text: str) -> None:
    """Answer an update an error ended: a note on a button, a message on a message."""
    try:
        if isinstance(event, MessageCallback):
            await MAX.toast(event, text)
        else:
            await MAX.send(event, text)
    except (MaxoError, OSError) as err:
        log.info("could not tell the user %r: %s", text, err)


def failed_event(error: ErrorEvent[Any, Any]) -> Any:
    """The MAX update inside the error event (maxo wraps it in its own update)."""
    update = error.update
    return getattr(update, "update", update)


class MaxOutageMiddleware:
    """An outer middleware of the error observer: an outage is answered here, before the
    dialogs' error middleware, which cannot load a context from a storage that is down."""

    def __init__(self, outages: Outages, languages: KnownLanguages) -> None:
        self.outages = outages
        self.languages = languages

    async def __call__(self, update: Any, ctx: MaxoCtx, next: NextMiddleware[Any]) -> Any:
        if not isinstance(update, ErrorEvent):
            return await next(ctx)
        what = outage(update.exception, (MaxoError,))
        if what is None:
            return await next(ctx)
        self.outages.failed(what, update.exception)
        await tell(failed_event(update), translator_for(ctx, self.languages)(STORAGE_DOWN))
        return True


class MaxStaleScreenMiddleware:
    """A button of a screen opened on an earlier day gets a fresh menu (an inner middleware
    of presses, after the dialogs' own, so the dialog context is known)."""

    async def __call__(self, update: Any, ctx: MaxoCtx, next: NextMiddleware[Any]) -> Any:
        manager = ctx.get("dialog_manager")
        if (
            manager is not None
            and isinstance(update, MessageCallback)
            and await stale_press(manager, MAX.payload_of(update), ctx)
        ):
            return None
        return await next(ctx)

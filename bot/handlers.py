"""Telegram's routers for what `bot.conversation` answers outside the screens, and its error
handlers."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import ErrorEvent, Message
from aiogram_dialog import DialogManager

from bot import conversation, payloads
from bot.context import Ctx
from bot.dialogs.common import start_fresh
from bot.outages import tell
from bot.states import MenuSG
from bot.telegram_kit import TELEGRAM
from domain.usecases.accounts import MessengerUser
from locales import Translator, pick_language, translator

log = logging.getLogger(__name__)


async def start_with_code(
    message: Message,
    command: CommandObject,
    journal: Ctx,
    user: MessengerUser,
    dialog_manager: DialogManager,
) -> None:
    code = (command.args or "").strip()
    await conversation.join(message, code, journal, user, dialog_manager)


def commands_router() -> Router:
    """Commands come before the dialogs, so that /menu works from any screen."""
    router = Router(name="commands")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(conversation.menu, CommandStart())
    router.message.register(conversation.menu, Command("menu"))
    router.message.register(conversation.language, Command("lang"))
    router.message.register(conversation.help_command, Command("help"))
    buttons = router.callback_query
    buttons.register(conversation.acknowledge, F.data.startswith(payloads.ACK_PREFIX))
    buttons.register(conversation.register_button, F.data.startswith(payloads.REGISTER_PREFIX))
    buttons.register(conversation.remind_button, F.data.startswith(payloads.REMIND_PREFIX))
    buttons.register(conversation.contact_button, F.data.startswith(payloads.CONTACT_PREFIX))
    return router


def fallback_router() -> Router:
    """After the dialogs: what no screen took."""
    router = Router(name="fallback")
    router.message.register(conversation.text_outside_dialogs, F.text)
    router.message.register(conversation.anything_else)
    router.callback_query.register(conversation.unknown_button)
    return router


def _t(data: dict[str, Any]) -> Translator:
    """The person's language; before the journal found them, the one Telegram says."""
    journal = data.get("journal")
    if journal is not None:
        return journal.t
    user = data.get("event_from_user")
    return translator(pick_language(user.language_code if user is not None else None))


async def on_error(event: ErrorEvent, **data: Any) -> None:
    """No stack trace reaches a user: they get a sentence (a stale screen, a refusal, or that
    something went wrong), the log gets the details; after the first two, a fresh menu."""
    err, stale = event.exception, TELEGRAM.stale_errors
    if not conversation.ends_in_menu(err, stale):
        log.exception("update %s failed", event.update.update_id, exc_info=err)
    await tell(event, conversation.answer_to_error(err, _t(data), stale))
    manager = data.get("dialog_manager")
    if manager is not None and conversation.ends_in_menu(err, stale):
        await start_fresh(manager, MenuSG.main)


def register_error_handlers(router: Router) -> None:
    router.errors.register(on_error)

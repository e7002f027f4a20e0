"""MAX's routers for what `bot.conversation` answers outside the screens (a deep link's start
payload, commands typed as text, the buttons under notices), and its error handler."""

from __future__ import annotations

import logging
from typing import Any

from maxo import Router
from maxo.omit import is_defined
from maxo.routing.ctx import Ctx as MaxoCtx
from maxo.routing.filters import Command, CommandObject
from maxo.routing.filters.base import BaseFilter
from maxo.types import BotStarted, MessageCallback, MessageCreated
from maxo.types.error_event import ErrorEvent

from bot import conversation
from bot.context import Ctx, KnownLanguages
from bot.dialogs.common import start_fresh
from bot.dialogs.remarks import open_from_notice, remarks_dialog
from bot.max import payloads
from bot.max.kit import MAX
from bot.max.middlewares import failed_event, tell, translator_for
from bot.states import MenuSG
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    Intent,
    OpenRemark,
    RemindTeacher,
    SetAbsenceReason,
)
from domain.usecases.accounts import MessengerUser

log = logging.getLogger(__name__)


class NoticeButton(BaseFilter[MessageCallback]):
    """A press on a button under a notice of one kind (its payload's prefix in MAX's codec)."""

    def __init__(self, kind: type[Intent]) -> None:
        self.prefix = payloads.CODEC.prefixes[kind]

    async def __call__(self, update: MessageCallback, ctx: MaxoCtx) -> bool:
        return MAX.payload_of(update).startswith(self.prefix)


class AnyText(BaseFilter[MessageCreated]):
    async def __call__(self, update: MessageCreated, ctx: MaxoCtx) -> bool:
        return bool(MAX.text_of(update).strip())


async def started(
    update: BotStarted, journal: Ctx, user: MessengerUser, dialog_manager: Any
) -> None:
    """«Start» pressed in a chat opened by a deep link `max.ru/<bot>?start=<code>`, or not."""
    payload = update.payload if is_defined(update.payload) else None
    if payload:
        await conversation.join(update, payload.strip(), journal, user, dialog_manager)
    else:
        await start_fresh(dialog_manager, MenuSG.main)


async def start_command(
    update: MessageCreated,
    command: CommandObject,
    journal: Ctx,
    user: MessengerUser,
    dialog_manager: Any,
) -> None:
    code = (command.args or "").strip()
    if code:
        await conversation.join(update, code, journal, user, dialog_manager)
    else:
        await start_fresh(dialog_manager, MenuSG.main)


def commands_router() -> Router:
    """Commands come before the dialogs, so that /menu works from any screen."""
    router = Router(name="max-commands")
    router.bot_started.handler(started)
    router.message_created.handler(start_command, Command("start"))
    router.message_created.handler(conversation.menu, Command("menu"))
    router.message_created.handler(conversation.language, Command("lang"))
    router.message_created.handler(conversation.help_command, Command("help"))
    presses = router.message_callback
    presses.handler(conversation.acknowledge, NoticeButton(AcknowledgeTermMarks))
    presses.handler(conversation.register_button, NoticeButton(SetAbsenceReason))
    presses.handler(conversation.remind_button, NoticeButton(RemindTeacher))
    presses.handler(conversation.contact_button, NoticeButton(ContactClassTeacher))
    return router


def remarks_router() -> Router:
    """The remarks dialog, and before it the buttons under remark notices (see
    `bot.dialogs.remarks.open_from_notice`)."""
    router = Router(name="max-remarks")
    router.message_callback.handler(open_from_notice, NoticeButton(OpenRemark))
    router.include(remarks_dialog(MAX))
    return router


def fallback_router() -> Router:
    """After the dialogs: what no screen took."""
    router = Router(name="max-fallback")
    router.message_created.handler(conversation.text_outside_dialogs, AnyText())
    router.message_created.handler(conversation.anything_else)
    router.message_callback.handler(conversation.unknown_button)
    return router


def error_handler(languages: KnownLanguages) -> Any:
    async def on_error(update: ErrorEvent[Any, Any], ctx: MaxoCtx) -> bool:
        """No stack trace reaches a user: a sentence (a stale screen, a refusal, or that
        something went wrong), the details in the log; after the first two, a fresh menu."""
        err, stale = update.exception, MAX.stale_errors
        if not conversation.ends_in_menu(err, stale):
            log.error("MAX update failed", exc_info=err)
        text = conversation.answer_to_error(err, translator_for(ctx, languages), stale)
        await tell(failed_event(update), text)
        manager = ctx.get("dialog_manager")
        if manager is not None and conversation.ends_in_menu(err, stale):
            await start_fresh(manager, MenuSG.main)
        return True

    return on_error

"""What every screen shares: the context, refusals, stale screens, the reason prompt."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram_dialog import DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.api.exceptions import DialogsError
from aiogram_dialog.api.internal import RawKeyboard
from aiogram_dialog.api.protocols import DialogProtocol
from aiogram_dialog.utils import CB_SEP
from aiogram_dialog.widgets.kbd import Keyboard

from bot.context import Ctx
from bot.states import MenuSG
from bot.texts import Tr
from domain.clock import school_time
from domain.errors import Gone, JournalError
from domain.usecases.schools import actor_school
from domain.usecases.teaching import ReasonRequired

log = logging.getLogger(__name__)

Event = CallbackQuery | Message


def ctx_of(manager: DialogManager) -> Ctx:
    return manager.middleware_data["ctx"]


async def school_today(manager: DialogManager) -> dt.date:
    """Today in the school's time zone (UTC for people who are not in a school)."""
    ctx = ctx_of(manager)
    zone = manager.middleware_data.get("school_zone") or ctx.actor.timezone
    if zone is None and ctx.actor.school_id is not None:
        school = await actor_school(ctx.uow(), ctx.actor.school_id)
        zone = school.timezone if school else "UTC"
        manager.middleware_data["school_zone"] = zone
    return school_time(ctx.clock.now(), zone).date()


async def remember_day(start_data: Any, manager: DialogManager) -> None:
    """Dialogs note the day they were opened: a button pressed on another day is stale."""
    manager.dialog_data["day"] = (await school_today(manager)).isoformat()
    if isinstance(start_data, dict):
        manager.dialog_data.update(start_data)


async def say(event: Event, text: str, *, alert: bool = True) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=alert)
    else:
        await event.answer(text)


async def out_of_date(event: Event, manager: DialogManager) -> None:
    """Tell the user the screen is stale and put a fresh menu in front of them."""
    t = ctx_of(manager).t
    await say(event, t("This screen is out of date; here is a fresh menu."))
    await manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


# A coroutine function, as aiogram-dialog's OnClick and OnItemClick Protocols require.
Handler = Callable[..., Coroutine[Any, Any, Any]]


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
        manager: DialogManager | None = data.get("dialog_manager")
        if (
            manager is not None
            and isinstance(event, CallbackQuery)  # a dialog's button
            and CB_SEP in (event.data or "")
            and "ctx" in data
        ):
            try:
                day = manager.dialog_data.get("day")
            except (DialogsError, AttributeError, RuntimeError):
                day = None
            if day is not None and day != (await school_today(manager)).isoformat():
                await out_of_date(event, manager)
                return None
        return await handler(event, data)


def guarded(action: str | None = None) -> Callable[[Handler], Handler]:
    """Turn refusals into a message instead of an error, a vanished lesson into a fresh menu,
    and a closed entry window into a request for a reason (then the same action is repeated).

    `action` names the handler in REASON_ACTIONS so that the reason prompt can repeat it.
    """

    def decorate(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def wrapper(event: Event, widget: Any, manager: DialogManager, *args: Any) -> Any:
            try:
                return await fn(event, widget, manager, *args)
            except ReasonRequired as err:
                if action is None:
                    await say(event, ctx_of(manager).t(err.message, **err.params))
                    return None
                manager.dialog_data["pending"] = {
                    "action": action,
                    "args": [str(a) for a in args],
                    "widget": getattr(widget, "widget_id", None),
                    "back": manager.current_context().state.state,
                }
                await manager.switch_to(_reason_state(manager))
                if isinstance(event, CallbackQuery):
                    await event.answer()
            except Gone:
                await out_of_date(event, manager)
            except (ValueError, KeyError) as err:
                # Button data we did not make: forged or from an older version of the bot.
                log.warning("refused malformed button data: %r", err)
                await out_of_date(event, manager)
            except JournalError as err:
                await say(event, ctx_of(manager).t(err.message, **err.params))
            return None

        return wrapper

    return decorate


def _reason_state(manager: DialogManager) -> Any:
    from bot.states import LessonSG, TermSG

    group = manager.current_context().state.group
    return TermSG.reason if group is TermSG else LessonSG.reason


# Actions a reason can complete: name → coroutine(manager, reason, *args)
REASON_ACTIONS: dict[str, Callable[..., Awaitable[Any]]] = {}


async def on_reason(message: Message, _widget: Any, manager: DialogManager) -> None:
    """The reason for a late change arrives as text: repeat the pending action with it."""
    pending = manager.dialog_data.get("pending")
    ctx = ctx_of(manager)
    if not pending or not message.text:
        await message.answer(ctx.t("Write the reason as text."))
        return
    reason = message.text.strip()
    try:
        await REASON_ACTIONS[pending["action"]](manager, reason, *pending["args"])
    except Gone:
        await out_of_date(message, manager)
        return
    except JournalError as err:
        await message.answer(ctx.t(err.message, **err.params))
        return
    manager.dialog_data.pop("pending", None)
    await message.answer(ctx.t("Saved with the reason: {reason}", reason=reason[:200]))
    back = pending["back"]
    group = manager.current_context().state.group
    await manager.switch_to(next(s for s in group.__states__ if s.state == back))


async def cancel_reason(_event: CallbackQuery, _widget: Any, manager: DialogManager) -> None:
    pending = manager.dialog_data.pop("pending", None) or {}
    group = manager.current_context().state.group
    back = pending.get("back")
    state = next((s for s in group.__states__ if s.state == back), None)
    if state is not None:
        await manager.switch_to(state)


class UnknownButton(Keyboard):
    """The last widget of every screen: data no widget recognised is forged or too old."""

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> RawKeyboard:
        return []

    async def process_callback(
        self, callback: CallbackQuery, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        await out_of_date(callback, manager)
        return True


def Screen(*widgets: Any, **kwargs: Any) -> Window:
    """A Window that refuses buttons it does not know."""
    return Window(*widgets, UnknownButton(), **kwargs)


def reason_screen(explanation: Tr, state: Any) -> Window:
    """The prompt for the reason of a late change, which then repeats the pending action."""
    from aiogram.enums import ContentType
    from aiogram_dialog.widgets.input import MessageInput
    from aiogram_dialog.widgets.kbd import Button

    from bot.texts import Tr as Text

    return Screen(
        explanation,
        MessageInput(on_reason, content_types=[ContentType.TEXT]),
        Button(Text("✖️ Cancel the change", html=False), id="nochg", on_click=cancel_reason),
        state=state,
    )

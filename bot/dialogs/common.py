"""What every screen shares: the context, refusals, stale screens, the reason prompt."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from bot.context import Ctx
from bot.kit import JOURNAL, DialogManager, Incoming, Kit, Press, kit_of
from bot.states import MenuSG
from domain.clock import school_time
from domain.errors import Gone, JournalError
from domain.usecases.schools import actor_school
from domain.usecases.teaching import ReasonRequired

log = logging.getLogger(__name__)

DIALOG_SEP = "\x1d"
"""What separates a dialog's intent id from its widget's data in a button's payload: the
CB_SEP of aiogram-dialog and of maxo's dialogs alike (a test checks both)."""

Event = Any  # a Press or an Incoming message


def ctx_of(manager: DialogManager) -> Ctx:
    return manager.middleware_data[JOURNAL]


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


async def say(event: Event, text: str, *, alert: bool = True, manager: DialogManager) -> None:
    """A press is answered with a note over the screen, a message with a message."""
    await kit_of(manager).toast(event, text, alert=alert)


async def toast(manager: DialogManager, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the press being handled."""
    await kit_of(manager).toast(manager.event, text, alert=alert)


async def reply(manager: DialogManager, text: str) -> None:
    """A new message in the chat of the update being handled."""
    await kit_of(manager).send(manager.event, text)


def text_of(manager: DialogManager) -> str:
    """The text of the message being handled ("" for anything else)."""
    return kit_of(manager).text_of(manager.event)


async def send_file(manager: DialogManager, data: bytes, filename: str) -> None:
    await kit_of(manager).send_file(manager.event, data, filename)


async def start_fresh(manager: DialogManager, state: Any, *, send: bool = True) -> None:
    """Open `state` on an empty stack (as a new message unless `send` is False)."""
    kit = kit_of(manager)
    show = kit.ShowMode.SEND if send else None
    await manager.start(state, mode=kit.StartMode.RESET_STACK, show_mode=show)


def show_as_new(manager: DialogManager) -> None:
    """The screen comes back as a new message, under what was just sent."""
    manager.show_mode = kit_of(manager).ShowMode.SEND


async def out_of_date(event: Event, manager: DialogManager) -> None:
    """Tell the user the screen is stale and put a fresh menu in front of them."""
    t = ctx_of(manager).t
    await say(event, t("This screen is out of date; here is a fresh menu."), manager=manager)
    await start_fresh(manager, MenuSG.main)


# A coroutine function, as aiogram-dialog's OnClick and OnItemClick Protocols require.
Handler = Callable[..., Coroutine[Any, Any, Any]]


async def stale_press(manager: DialogManager, payload: str, data: Mapping[str, Any]) -> bool:
    """A button of a dialog pressed on a screen opened on an earlier day is stale: a fresh
    menu instead (True). Asked by each adapter's middleware after the dialogs' own, so the
    dialog context is known."""
    if DIALOG_SEP not in payload or JOURNAL not in data:
        return False
    no_context: tuple[type[Exception], ...] = (
        *kit_of(manager).dialog_errors,
        AttributeError,
        RuntimeError,
    )
    try:
        day = manager.dialog_data.get("day")
    except no_context:
        day = None  # no dialog context: nothing to compare
    if day is not None and day != (await school_today(manager)).isoformat():
        await out_of_date(manager.event, manager)
        return True
    return False


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
                    await say(event, ctx_of(manager).t(err.message, **err.params), manager=manager)
                    return None
                manager.dialog_data["pending"] = {
                    "action": action,
                    "args": [str(a) for a in args],
                    "widget": getattr(widget, "widget_id", None),
                    "back": manager.current_context().state.state,
                }
                await manager.switch_to(_reason_state(manager))
                if kit_of(manager).is_press(event):
                    await kit_of(manager).toast(event)
            except Gone:
                await out_of_date(event, manager)
            except (ValueError, KeyError) as err:
                # Button data we did not make: forged or from an older version of the bot.
                log.warning("refused malformed button data: %r", err)
                await out_of_date(event, manager)
            except JournalError as err:
                await say(event, ctx_of(manager).t(err.message, **err.params), manager=manager)
            return None

        return wrapper

    return decorate


def _reason_state(manager: DialogManager) -> Any:
    from bot.states import LessonSG, TermSG

    group = manager.current_context().state.group
    return TermSG.reason if group is TermSG else LessonSG.reason


# Actions a reason can complete: name → coroutine(manager, reason, *args)
REASON_ACTIONS: dict[str, Callable[..., Awaitable[Any]]] = {}


async def on_reason(message: Incoming, _widget: Any, manager: DialogManager) -> None:
    """The reason for a late change arrives as text: repeat the pending action with it."""
    pending = manager.dialog_data.get("pending")
    ctx = ctx_of(manager)
    if not pending or not text_of(manager):
        await reply(manager, ctx.t("Write the reason as text."))
        return
    reason = text_of(manager).strip()
    try:
        await REASON_ACTIONS[pending["action"]](manager, reason, *pending["args"])
    except Gone:
        await out_of_date(message, manager)
        return
    except JournalError as err:
        await reply(manager, ctx.t(err.message, **err.params))
        return
    manager.dialog_data.pop("pending", None)
    await reply(manager, ctx.t("Saved with the reason: {reason}", reason=reason[:200]))
    back = pending["back"]
    group = manager.current_context().state.group
    await manager.switch_to(next(s for s in group.__states__ if s.state == back))


async def cancel_reason(_event: Press, _widget: Any, manager: DialogManager) -> None:
    pending = manager.dialog_data.pop("pending", None) or {}
    group = manager.current_context().state.group
    back = pending.get("back")
    state = next((s for s in group.__states__ if s.state == back), None)
    if state is not None:
        await manager.switch_to(state)


def Screen(ui: Kit, *widgets: Any, **kwargs: Any) -> Any:
    """A Window that refuses buttons it does not know."""
    return ui.Window(*widgets, ui.UnknownButton(), **kwargs)


def reason_screen(ui: Kit, explanation: Any, state: Any) -> Any:
    """The prompt for the reason of a late change, which then repeats the pending action."""
    return Screen(
        ui,
        explanation,
        ui.MessageInput(on_reason, content_types=ui.TEXT),
        ui.Button(ui.Tr("✖️ Cancel the change", html=False), id="nochg", on_click=cancel_reason),
        state=state,
    )

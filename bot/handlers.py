"""Commands, joining by invitation, and what happens when something goes wrong."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from bot import payloads
from bot.context import Ctx
from bot.outages import tell
from bot.render import LABEL_LIMIT
from bot.states import MenuSG
from bot.texts import esc
from domain.clock import school_time
from domain.errors import Gone, JournalError
from domain.ids import StaleInput
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    RemindTeacher,
    SetAbsenceReason,
)
from domain.usecases.accounts import MessengerUser, redeem_invitation
from domain.usecases.schools import actor_school
from locales import N_, pick_language, translator
from scheduler.render import label_text

log = logging.getLogger(__name__)


CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def join(
    message: Message, code: str, ctx: Ctx, user: MessengerUser, dialog_manager: DialogManager
) -> None:
    try:
        actor = await redeem_invitation(ctx.uow(), user, code, ctx.clock)
    except JournalError as err:
        await message.answer(ctx.t(err.message, **err.params))
        await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)
        return
    ctx.actor = actor
    ctx.t = translator(actor.language)
    roles = []
    if actor.is_teacher:
        roles.append(ctx.t("teacher"))
    if actor.is_class_teacher:
        roles.append(ctx.t("class teacher"))
    if actor.is_deputy:
        roles.append(ctx.t("deputy head"))
    if actor.is_guardian:
        roles.append(
            ctx.t("guardian of {names}", names=", ".join(p.full_name for p in actor.children))
        )
    if actor.is_pupil:
        roles.append(ctx.t("pupil (read only)"))
    await message.answer(
        ctx.t("Welcome! You are in the journal as: {roles}.", roles=esc("; ".join(roles)))
    )
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def start_with_code(
    message: Message,
    command: CommandObject,
    ctx: Ctx,
    user: MessengerUser,
    dialog_manager: DialogManager,
) -> None:
    await join(message, (command.args or "").strip(), ctx, user, dialog_manager)


async def menu(message: Message, dialog_manager: DialogManager) -> None:
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def language(message: Message, dialog_manager: DialogManager) -> None:
    await dialog_manager.start(MenuSG.language, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def help_command(message: Message, ctx: Ctx) -> None:
    t = ctx.t
    contacts = ""
    if ctx.actor.school_id is not None:
        school = await actor_school(ctx.uow(), ctx.actor.school_id)
        if school and school.help_contacts:
            contacts = esc(school.help_contacts)
    lines = [
        t("<b>Help</b>"),
        t("/menu — the main menu; a teacher sees today's lessons there."),
        t(
            "A lesson: tap it, then «Attendance», «Marks», «Topic», «Homework». Entries after the "
            "entry window need a reason and are kept with the old value."
        ),
        t("To join, open the invitation link from the school or send its code here."),
        t("Help at the school: {contacts}", contacts=contacts or t("ask the school's secretary")),
    ]
    await message.answer("\n\n".join(lines))


async def text_outside_dialogs(
    message: Message, ctx: Ctx, user: MessengerUser, dialog_manager: DialogManager
) -> None:
    text = (message.text or "").strip()
    if not ctx.actor.known and CODE.match(text):
        await join(message, text, ctx, user, dialog_manager)
        return
    await message.answer(ctx.t("I did not understand that; here is the menu."))
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def anything_else(message: Message, ctx: Ctx) -> None:
    await message.answer(ctx.t("I understand text and buttons; open /menu."))


async def unknown_button(callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager) -> None:
    """A button no screen knows: a forged or very old one. Refuse and show the menu."""
    await callback.answer(
        ctx.t("This screen is out of date; here is a fresh menu."), show_alert=True
    )
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def refuse(
    callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager, err: JournalError
) -> None:
    """A refused button under a notice: its reason, or for data that does not parse (forged,
    from an old screen, a row that is gone) an out-of-date screen and a fresh menu."""
    if isinstance(err, Gone):
        await unknown_button(callback, ctx, dialog_manager)
        return
    await callback.answer(ctx.refusal(err), show_alert=True)


async def acknowledge(callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager) -> None:
    """The «I have seen them» button under a term-marks message (sent from the outbox)."""
    from domain.usecases.diary import acknowledge_term_marks

    try:
        ack_id = payloads.decode_as(callback.data, AcknowledgeTermMarks).ack_id
        ack = await acknowledge_term_marks(ctx.uow(), ctx.actor, ack_id, ctx.clock)
    except JournalError as err:
        await refuse(callback, ctx, dialog_manager, err)
        return
    when = ""
    if ack.acknowledged_at is not None:  # as the school's clocks showed it, not in UTC
        when = f"{school_time(ack.acknowledged_at, ctx.actor.timezone):%d.%m.%Y %H:%M}"
    await callback.answer(ctx.t("Thank you: confirmed {when}.", when=when), show_alert=True)
    if isinstance(callback.message, Message):  # not an InaccessibleMessage
        try:
            await callback.message.edit_reply_markup(reply_markup=None)
        except TelegramBadRequest:
            pass


async def register_button(callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager) -> None:
    """Б / У / Н under the class teacher's absence prompt (a message from the outbox)."""
    from domain.usecases.class_teacher import (
        absence_register,
        register_buttons,
        set_absence_reason,
    )

    try:
        intent = payloads.decode_as(callback.data, SetAbsenceReason)
        class_id, when, pupil_id, code = intent.class_id, intent.day, intent.pupil_id, intent.reason
        if code is None:
            register = await absence_register(ctx.uow(), ctx.actor, class_id, when)
            line = next((x for x in register.lines if x.pupil_id == pupil_id), None)
            if line is None:
                raise StaleInput()
            await callback.answer(f"{line.name}: {', '.join(line.missed)}"[:200], show_alert=True)
            return
        await set_absence_reason(ctx.uow(), ctx.actor, class_id, pupil_id, when, code, ctx.clock)
        register = await absence_register(ctx.uow(), ctx.actor, class_id, when)
    except JournalError as err:
        await refuse(callback, ctx, dialog_manager, err)
        return
    await callback.answer(ctx.t("Reason {code} saved", code=code.value))
    if isinstance(callback.message, Message):  # not an InaccessibleMessage
        rows = [
            [
                InlineKeyboardButton(
                    text=label_text(ctx.t, text, LABEL_LIMIT), callback_data=payloads.encode(data)
                )
                for text, data in row
            ]
            for row in register_buttons(register)
        ]
        try:
            await callback.message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
            )
        except TelegramBadRequest:
            pass


async def remind_button(callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager) -> None:
    """«Remind» under the deputy's morning summary: the teacher gets what is overdue as of the
    press; when nothing is any more, the deputy is told so and the button goes."""
    from domain.usecases.control import remind_teacher

    try:
        teacher_id = payloads.decode_as(callback.data, RemindTeacher).teacher_id
        count = await remind_teacher(ctx.uow(), ctx.actor, teacher_id, ctx.clock)
    except JournalError as err:
        await refuse(callback, ctx, dialog_manager, err)
        return
    if count:
        await callback.answer(
            ctx.t("Reminder sent ({count} overdue).", count=count), show_alert=True
        )
        return
    await callback.answer(ctx.t("Nothing is overdue now: no reminder sent."), show_alert=True)
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            [b for b in row if b.callback_data != callback.data]
            for row in message.reply_markup.inline_keyboard
        ]
        rows = [row for row in rows if row]
        try:
            await message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
            )
        except TelegramBadRequest:
            pass


async def contact_button(callback: CallbackQuery, ctx: Ctx, dialog_manager: DialogManager) -> None:
    """«Contact the class teacher» under a digest with a teacher's word."""
    from domain.usecases.diary import class_teacher_contact

    try:
        pupil_id = payloads.decode_as(callback.data, ContactClassTeacher).pupil_id
        contact = await class_teacher_contact(ctx.uow(), ctx.actor, pupil_id, ctx.clock)
    except JournalError as err:
        await refuse(callback, ctx, dialog_manager, err)
        return
    t = ctx.t
    if contact.teacher:
        who = t(
            "<b>Class teacher of {cls}</b>: {name}",
            cls=esc(contact.class_name),
            name=esc(contact.teacher),
        )
    else:
        who = t("The class has no class teacher in the journal.")
    contacts = esc(contact.school_contacts) or t("ask the school's secretary")
    soon = t(
        "Replies to teachers in the bot are coming; until then, the school's contacts: {contacts}",
        contacts=contacts,
    )
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(f"{who}\n{soon}")


def commands_router() -> Router:
    """Commands come before the dialogs, so that /menu works from any screen."""
    router = Router(name="commands")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(menu, CommandStart())
    router.message.register(menu, Command("menu"))
    router.message.register(language, Command("lang"))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(acknowledge, F.data.startswith(payloads.ACK_PREFIX))
    router.callback_query.register(register_button, F.data.startswith(payloads.REGISTER_PREFIX))
    router.callback_query.register(remind_button, F.data.startswith(payloads.REMIND_PREFIX))
    router.callback_query.register(contact_button, F.data.startswith(payloads.CONTACT_PREFIX))
    return router


def fallback_router() -> Router:
    """After the dialogs: what no screen took."""
    router = Router(name="fallback")
    router.message.register(text_outside_dialogs, F.text)
    router.message.register(anything_else)
    router.callback_query.register(unknown_button)
    return router


def _t(data: dict[str, Any]) -> Any:
    """The person's language; before the journal found them, the one Telegram says."""
    ctx = data.get("ctx")
    if ctx is not None:
        return ctx.t
    user = data.get("event_from_user")
    return translator(pick_language(user.language_code if user is not None else None))


async def on_stale(event: ErrorEvent, dialog_manager: DialogManager, **data: Any) -> None:
    """Old buttons (a restarted bot, a screen from an earlier day) get a fresh menu."""
    await tell(event, _t(data)(N_("This screen is out of date; here is a fresh menu.")))
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def on_refusal(event: ErrorEvent, dialog_manager: DialogManager, **data: Any) -> None:
    err = event.exception
    assert isinstance(err, JournalError)
    if isinstance(err, Gone):
        await on_stale(event, dialog_manager, **data)
        return
    await tell(event, _t(data)(err.message, **err.params))
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def on_crash(event: ErrorEvent, **data: Any) -> None:
    """No stack trace reaches a user: they get a sentence, the log gets the details."""
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    await tell(
        event,
        _t(data)(
            "Something went wrong on our side; what you saved is kept. Try again or open /menu."
        ),
    )


def register_error_handlers(router: Router) -> None:
    router.errors.register(
        on_stale, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState)
    )
    router.errors.register(on_refusal, ExceptionTypeFilter(JournalError))
    router.errors.register(on_crash)

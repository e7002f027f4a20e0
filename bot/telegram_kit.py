"""Telegram's kit for the screens: aiogram-dialog's widgets, and aiogram's answers."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram_dialog import Dialog, ShowMode, StartMode, Window
from aiogram_dialog.api.exceptions import DialogsError, OutdatedIntent, UnknownIntent, UnknownState
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Cancel,
    Column,
    Group,
    Keyboard,
    Row,
    Select,
    Start,
    SwitchTo,
)
from aiogram_dialog.widgets.text import Format, Text

from bot import payloads
from bot.context import MESSENGER
from bot.kit import derive
from domain.intents import Intent

TEXT_LIMIT = 4096  # characters of a message
TOAST_LIMIT = 200  # characters of a callback answer


class TelegramKit:
    messenger = MESSENGER
    text_limit = TEXT_LIMIT
    label_limit = 60
    Dialog = Dialog
    Window = Window
    Button = Button
    Select = Select
    Group = Group
    Row = Row
    Column = Column
    SwitchTo = SwitchTo
    Cancel = Cancel
    Start = Start
    MessageInput = MessageInput
    Format = Format
    ShowMode = ShowMode
    StartMode = StartMode
    TEXT = (ContentType.TEXT,)
    dialog_errors: tuple[type[Exception], ...] = (DialogsError,)
    stale_errors: tuple[type[Exception], ...] = (UnknownIntent, OutdatedIntent, UnknownState)

    def __init__(self) -> None:
        own = derive(Text, Keyboard, text_limit=TEXT_LIMIT, label_limit=self.label_limit)
        self.Tr = own["Tr"]
        self.Raw = own["Raw"]
        self.ChoiceGrid = own["ChoiceGrid"]
        self.UnknownButton = own["UnknownButton"]

    def inline_button(self, text: str, payload: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=payload)

    def is_press(self, event: Any) -> bool:
        return isinstance(event, CallbackQuery)

    def payload_of(self, event: Any) -> str:
        return (event.data or "") if isinstance(event, CallbackQuery) else ""

    def intent_of[IntentKind: Intent](self, event: Any, kind: type[IntentKind]) -> IntentKind:
        return payloads.CODEC.decode_as(self.payload_of(event), kind)

    def encode(self, intent: Intent) -> str:
        return payloads.CODEC.encode(intent)

    def buttons_of(self, event: Any) -> list[list[tuple[str, str]]]:
        message = event.message if isinstance(event, CallbackQuery) else None
        if not isinstance(message, Message) or message.reply_markup is None:
            return []
        return [
            [(b.text, b.callback_data or "") for b in row]
            for row in message.reply_markup.inline_keyboard
        ]

    async def set_buttons(self, event: Any, rows: list[list[tuple[str, str]]]) -> None:
        message = event.message if isinstance(event, CallbackQuery) else None
        if not isinstance(message, Message):  # not a message too old to be reached
            return
        keyboard = [[self.inline_button(text, data) for text, data in row] for row in rows]
        markup = InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None
        try:
            await message.edit_reply_markup(reply_markup=markup)
        except TelegramBadRequest:
            pass  # unchanged, or deleted meanwhile

    def text_of(self, event: Any) -> str:
        return (event.text or "") if isinstance(event, Message) else ""

    async def toast(self, event: Any, text: str | None = None, *, alert: bool = False) -> None:
        if isinstance(event, CallbackQuery):
            await event.answer(text[:TOAST_LIMIT] if text else None, show_alert=alert)
        elif text:
            await event.answer(text)

    async def send(self, event: Any, text: str) -> None:
        message = event.message if isinstance(event, CallbackQuery) else event
        if isinstance(message, Message):  # not a message too old to be reached
            await message.answer(text)

    async def send_file(self, event: Any, data: bytes, filename: str) -> None:
        message = event.message if isinstance(event, CallbackQuery) else event
        if isinstance(message, Message):
            await message.answer_document(BufferedInputFile(data, filename))

    async def language_changed(self, event: Any, language: str) -> None:
        from bot.commands import register_commands_for_chat

        if isinstance(event, CallbackQuery) and event.bot and event.message:
            await register_commands_for_chat(event.bot, event.message.chat.id, language)


TELEGRAM = TelegramKit()

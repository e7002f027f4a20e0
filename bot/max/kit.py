"""MAX's kit for the screens: maxo's port of aiogram-dialog, and MAX's answers (a press is
answered by its callback id, a message goes to the chat it came from, a file is uploaded first
and sent by its token), within MAX's limits."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from maxo.dialogs import Dialog, ShowMode, StartMode, Window
from maxo.dialogs.api.exceptions import DialogsError, OutdatedIntent, UnknownIntent, UnknownState
from maxo.dialogs.widgets.input import MessageInput
from maxo.dialogs.widgets.kbd import (
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
from maxo.dialogs.widgets.text import Format, Text
from maxo.enums import AttachmentType, TextFormat, UploadType
from maxo.errors import MaxoError
from maxo.omit import is_defined
from maxo.types import (
    BotStarted,
    CallbackButton,
    FileAttachmentRequest,
    InlineKeyboardAttachment,
    Message,
    MessageCallback,
    MessageCreated,
)
from unihttp.http import UploadFile

from bot.kit import derive
from bot.max import MESSENGER, payloads
from bot.max.gateway import keyboard
from bot.max.render import LABEL_LIMIT, TEXT_LIMIT, within_limits
from domain.intents import Intent

log = logging.getLogger(__name__)

TOAST_LIMIT = 200  # characters of a callback's notification worth showing on a phone


CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
) | {"ъ": "", "ь": ""}


def ascii_filename(name: str) -> str:
    """A file's name as MAX's upload carries it whatever the client: aiohttp's multipart
    percent-encodes a Cyrillic name, and a parent would see «report-7%D0%90…». Russian letters
    become Latin ones (7А → 7A), anything else not ASCII «_»."""
    out = []
    for char in name:
        lower = char.lower()
        latin = CYRILLIC.get(lower)
        if latin is not None:
            out.append(latin.capitalize() if char != lower else latin)
        else:
            out.append(char if char.isascii() and (char.isalnum() or char in "._-") else "_")
    return "".join(out)


class MaxWindow(Window):
    """A maxo Window whose text is MAX's html (the screens write <b> and escape values)."""

    def __init__(self, *widgets: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parse_mode", TextFormat.HTML)
        super().__init__(*widgets, **kwargs)


def _message(event: Any) -> Message | None:
    if isinstance(event, MessageCallback | MessageCreated):
        message = event.message
        return message if isinstance(message, Message) else None
    return None


def _chat_id(event: Any) -> int | None:
    if isinstance(event, BotStarted):
        return event.chat_id
    message = _message(event)
    return message.recipient.chat_id if message is not None else None


class MaxKit:
    messenger = MESSENGER
    text_limit = TEXT_LIMIT
    label_limit = LABEL_LIMIT
    Dialog = Dialog
    Window = MaxWindow
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
    TEXT = (AttachmentType.TEXT,)
    dialog_errors: tuple[type[Exception], ...] = (DialogsError,)
    stale_errors: tuple[type[Exception], ...] = (UnknownIntent, OutdatedIntent, UnknownState)

    def __init__(self) -> None:
        own = derive(Text, Keyboard, text_limit=TEXT_LIMIT, label_limit=LABEL_LIMIT)
        self.Tr = own["Tr"]
        self.Raw = own["Raw"]
        self.ChoiceGrid = own["ChoiceGrid"]
        self.UnknownButton = own["UnknownButton"]

    def inline_button(self, text: str, payload: str) -> CallbackButton:
        return CallbackButton(text=text, payload=payload)

    def is_press(self, event: Any) -> bool:
        return isinstance(event, MessageCallback)

    def payload_of(self, event: Any) -> str:
        if not isinstance(event, MessageCallback):
            return ""
        payload = event.payload
        return payload if is_defined(payload) and isinstance(payload, str) else ""

    def intent_of[IntentKind: Intent](self, event: Any, kind: type[IntentKind]) -> IntentKind:
        return payloads.CODEC.decode_as(self.payload_of(event), kind)

    def encode(self, intent: Intent) -> str:
        return payloads.CODEC.encode(intent)

    def text_of(self, event: Any) -> str:
        if isinstance(event, MessageCreated):
            return event.message.body.text or ""
        return ""

    def buttons_of(self, event: Any) -> list[list[tuple[str, str]]]:
        message = _message(event) if isinstance(event, MessageCallback) else None
        for attachment in (message.body.attachments or []) if message else []:
            if isinstance(attachment, InlineKeyboardAttachment):
                return [
                    [(str(b.text), str(getattr(b, "payload", "") or "")) for b in row]
                    for row in attachment.payload.buttons
                ]
        return []

    async def set_buttons(self, event: Any, rows: list[list[tuple[str, str]]]) -> None:
        message = _message(event) if isinstance(event, MessageCallback) else None
        if message is None:
            return
        kept = within_limits([[{"text": t, "data": d} for t, d in row] for row in rows])
        with contextlib.suppress(MaxoError):  # the message is gone, or was never ours
            await event.bot.edit_message(
                message_id=message.body.mid, attachments=[keyboard(kept)] if kept else []
            )

    async def toast(self, event: Any, text: str | None = None, *, alert: bool = False) -> None:
        """MAX shows a callback's notification as a note over the chat; it has no modal alert,
        so `alert` changes nothing."""
        if isinstance(event, MessageCallback):
            notification = text[:TOAST_LIMIT] if text else ""
            await event.bot.answer_on_callback(
                callback_id=event.callback_id, notification=notification
            )
        elif text:
            await self.send(event, text)

    async def send(self, event: Any, text: str) -> None:
        chat_id = _chat_id(event)
        if chat_id is not None:
            await event.bot.send_message(chat_id=chat_id, text=text, format=TextFormat.HTML)

    async def send_file(self, event: Any, data: bytes, filename: str) -> None:
        chat_id = _chat_id(event)
        if chat_id is None:
            return
        bot = event.bot
        endpoint = await bot.get_upload_url(type=UploadType.FILE)
        uploaded = await bot.upload_media(
            upload_url=endpoint.url, file=UploadFile(file=data, filename=ascii_filename(filename))
        )
        await bot.send_message(
            chat_id=chat_id, attachments=[FileAttachmentRequest.factory(uploaded.last_token)]
        )

    async def language_changed(self, event: Any, language: str) -> None:
        """MAX shows no command menu per chat: nothing besides our messages to change."""


MAX = MaxKit()

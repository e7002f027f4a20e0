"""What a screen needs from a messenger: its dialog framework's widgets, and how it answers a
press, sends a text or a file and reads a message. The screens (`bot/dialogs/`) are written once
against this; each adapter supplies one (`bot/telegram_kit.TELEGRAM` on aiogram-dialog,
`bot/max/kit.MAX` on maxo's port of it). It imports neither framework.

aiogram-dialog and maxo's dialogs have the same widgets, states and manager; what differs is the
event a handler gets (a CallbackQuery or a MessageCallback), how it is answered, the keyboard's
buttons and the message's limits. The widgets the screens add (a translated text, the grid of
pupils, the refusal of unknown buttons) are mixins here, made into each framework's classes by
`derive`."""

from __future__ import annotations

import html
from typing import Any, Protocol

from domain.intents import Intent
from domain.names import PersonName

type DialogManager = Any
"""aiogram-dialog's or maxo's DialogManager: the same API (dialog_data, start, switch_to, …)."""
type Press = Any
"""A pressed button as the messenger delivers it (aiogram's CallbackQuery, maxo's
MessageCallback); the screens answer it through the kit only."""
type Incoming = Any
"""A message a person sent (aiogram's Message, maxo's MessageCreated); read through the kit."""


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def fit(text: str, limit: int) -> str:
    """Cut a message to the messenger's limit at a line break, saying that it was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 40]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + "\n…"


def label(text: str, limit: int = 60) -> str:
    """A button label short enough for a phone screen."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Kit(Protocol):
    """One messenger's dialog framework and replies, as the screens use them."""

    messenger: str
    text_limit: int
    label_limit: int
    # the framework's classes, used as aiogram-dialog documents them
    Dialog: Any
    Window: Any
    Button: Any
    Select: Any
    Group: Any
    Row: Any
    Column: Any
    SwitchTo: Any
    Cancel: Any
    Start: Any
    MessageInput: Any
    Format: Any
    ShowMode: Any
    StartMode: Any
    TEXT: Any  # the content types of a MessageInput that takes text
    dialog_errors: tuple[type[Exception], ...]  # what the manager raises without a dialog
    stale_errors: tuple[type[Exception], ...]  # a button of a screen the dialogs no longer know
    # the screens' own widgets, made by `derive`
    Tr: Any
    Raw: Any
    ChoiceGrid: Any
    UnknownButton: Any

    def inline_button(self, text: str, payload: str) -> Any: ...

    def is_press(self, event: Any) -> bool: ...

    def payload_of(self, event: Any) -> str: ...

    def intent_of[IntentKind: Intent](self, event: Any, kind: type[IntentKind]) -> IntentKind:
        """The intent a notice's button carries, decoded by the messenger's payloads module;
        data it did not make raises `domain.ids.StaleInput` (a refusal, never data)."""
        ...

    def encode(self, intent: Intent) -> str:
        """A notice button's payload for `intent`, in the messenger's own payloads."""
        ...

    def buttons_of(self, event: Any) -> list[list[tuple[str, str]]]:
        """The (label, payload) rows under the message whose button was pressed."""
        ...

    async def set_buttons(self, event: Any, rows: list[list[tuple[str, str]]]) -> None:
        """Replace the buttons under the pressed message (none: `rows` empty); a message that
        is gone or unchanged is left as it is."""

    def text_of(self, event: Any) -> str: ...

    async def toast(self, event: Any, text: str | None = None, *, alert: bool = False) -> None:
        """Answer a press (a short note over the screen, or nothing but the answer)."""

    async def send(self, event: Any, text: str) -> None:
        """A new message in the chat the event came from."""

    async def send_file(self, event: Any, data: bytes, filename: str) -> None: ...

    async def language_changed(self, event: Any, language: str) -> None:
        """The person chose another language: what the messenger shows besides our messages
        (Telegram's command menu) follows."""


JOURNAL = "journal"
"""The key of the journal's per-update context (`bot.context.Ctx`) in the frameworks' data:
not "ctx", which maxo keeps for its own."""


def kit_of(manager: Any) -> Kit:
    return manager.middleware_data["kit"]


class TrMixin:
    """A msgid translated into the user's language, filled from the window's data.

    In message text (`html=True`) values are escaped; data keys ending in `_html` are trusted
    fragments already escaped by the getter.
    """

    text_limit = 4096
    label_limit = 60

    def __init__(self, msgid: str, *, html: bool = True, when: Any = None) -> None:
        super().__init__(when=when)  # type: ignore[call-arg]  # the framework's Text takes `when`
        self.msgid = msgid
        self.html = html

    async def _render_text(self, data: dict, manager: Any) -> str:
        t = manager.middleware_data[JOURNAL].t
        values: dict[str, object] = {}
        for key, value in data.items():
            if self.html and not key.endswith("_html") and isinstance(value, str):
                values[key] = esc(value)
            elif self.html and isinstance(value, PersonName):
                values[key] = value.map(esc)  # escaped part by part: the catalog may decline it
            else:
                values[key] = value
        text = t(self.msgid, **values)
        return fit(text, self.text_limit) if self.html else label(text, self.label_limit)


class RawMixin:
    """A value from the window's data used as it is (already translated and escaped)."""

    text_limit = 4096

    def __init__(self, key: str, when: Any = None) -> None:
        super().__init__(when=when)  # type: ignore[call-arg]  # the framework's Text takes `when`
        self.key = key

    async def _render_text(self, data: dict, manager: Any) -> str:
        return fit(str(data.get(self.key, "")), self.text_limit)


class ChoiceGridMixin:
    """A pupil's name, and under it a row of values: one tap on a value is one mark."""

    def __init__(self, widget_id: str, rows_key: str, on_value: Any, on_name: Any) -> None:
        super().__init__(id=widget_id)  # type: ignore[call-arg]  # the framework's Keyboard
        self.rows_key = rows_key
        self.on_value = on_value
        self.on_name = on_name

    async def _render_keyboard(self, data: dict, manager: Any) -> list[list[Any]]:
        # The name gets a row of its own: a messenger gives every button of a row the same
        # width, and a name squeezed beside four marks would show four letters.
        kit = kit_of(manager)
        item = self._item_callback_data  # type: ignore[attr-defined]  # the framework's Keyboard
        keyboard: list[list[Any]] = []
        for row in data[self.rows_key]:
            keyboard.append([kit.inline_button(row["name"], item(f"n{row['id']}"))])
            keyboard.append(
                [
                    kit.inline_button(text, item(f"v{row['id']}:{value}"))
                    for value, text in row["values"]
                ]
            )
        return keyboard

    async def _process_item_callback(
        self, callback: Any, data: str, dialog: Any, manager: Any
    ) -> bool:
        from bot.dialogs.common import out_of_date

        if data.startswith("n"):
            await self.on_name(callback, self, manager, data[1:])
        elif data.startswith("v"):
            pupil, _, value = data[1:].partition(":")
            await self.on_value(callback, self, manager, pupil, value)
        else:
            await out_of_date(callback, manager)  # not a button this grid makes
        return True


class UnknownButtonMixin:
    """The last widget of every screen: data no widget recognised is forged or too old."""

    async def _render_keyboard(self, data: dict, manager: Any) -> list[list[Any]]:
        return []

    async def process_callback(self, callback: Any, dialog: Any, manager: Any) -> bool:
        from bot.dialogs.common import out_of_date

        await out_of_date(callback, manager)
        return True


def derive(text: type, keyboard: type, *, text_limit: int, label_limit: int) -> dict[str, type]:
    """The screens' own widgets as classes of one framework (its Text and Keyboard)."""
    limits = {"text_limit": text_limit, "label_limit": label_limit}
    return {
        "Tr": type("Tr", (TrMixin, text), dict(limits)),
        "Raw": type("Raw", (RawMixin, text), dict(limits)),
        "ChoiceGrid": type("ChoiceGrid", (ChoiceGridMixin, keyboard), {}),
        "UnknownButton": type("UnknownButton", (UnknownButtonMixin, keyboard), {}),
    }

"""Translated texts for dialogs. Message texts are HTML, so every value put into them is escaped;
button labels are plain text and are not."""

from __future__ import annotations

import html
from typing import Any

from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.text import Text

from domain.names import PersonName
from locales import N_

TELEGRAM_TEXT_LIMIT = 4096


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def fit(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    """Cut a message to Telegram's limit at a line break, saying that it was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 40]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + "\n…"


def label(text: str, limit: int = 60) -> str:
    """A button label short enough for a phone screen."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Tr(Text):
    """A msgid translated into the user's language, filled from the window's data.

    In message text (`html=True`) values are escaped; data keys ending in `_html` are trusted
    fragments already escaped by the getter.
    """

    def __init__(self, msgid: str, *, html: bool = True, when: Any = None) -> None:
        super().__init__(when=when)
        self.msgid = msgid
        self.html = html

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        t = manager.middleware_data["ctx"].t
        values: dict[str, object] = {}
        for key, value in data.items():
            if self.html and not key.endswith("_html") and isinstance(value, str):
                values[key] = esc(value)
            elif self.html and isinstance(value, PersonName):
                values[key] = value.map(esc)  # escaped part by part: the catalog may decline it
            else:
                values[key] = value
        text = t(self.msgid, **values)
        return fit(text) if self.html else label(text)


class Raw(Text):
    """A value from the window's data used as it is (already translated and escaped)."""

    def __init__(self, key: str, when: Any = None) -> None:
        super().__init__(when=when)
        self.key = key

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        return fit(str(data.get(self.key, "")))


BACK = N_("⬅️ Back")
MENU = N_("🏠 Menu")

"""Widgets and paging shared by the dialogs: the grid of pupils with a row of values each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram_dialog import DialogManager
from aiogram_dialog.api.internal import RawKeyboard
from aiogram_dialog.api.protocols import DialogProtocol
from aiogram_dialog.widgets.kbd import Keyboard

from bot.dialogs.common import out_of_date
from domain.ids import parse_number

PAGE = 10  # pupils per page of the marks grid: 10 × (1 + up to 7) buttons stay under 100


MOST_PAGES = 1000  # of a grid of pupils: a class is never that big


def page_number(manager: DialogManager) -> int:
    """The page of the grid the screen shows (a page turned past the end shows the last)."""
    return parse_number(manager.dialog_data.get("page", 0), 0, MOST_PAGES)


def page_of(manager: DialogManager, total: int) -> tuple[int, int]:
    """(page shown, pages) of a grid of `total` rows, the page kept in range."""
    pages = max(1, (total + PAGE - 1) // PAGE)
    page = min(page_number(manager), pages - 1)
    manager.dialog_data["page"] = page
    return page, pages


async def first_page(callback: CallbackQuery, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data["page"] = 0


class ChoiceGrid(Keyboard):
    """A pupil's name, and under it a row of values: one tap on a value is one mark."""

    def __init__(
        self,
        widget_id: str,
        rows_key: str,
        on_value: Callable[..., Awaitable[Any]],
        on_name: Callable[..., Awaitable[Any]],
    ) -> None:
        super().__init__(id=widget_id)
        self.rows_key = rows_key
        self.on_value = on_value
        self.on_name = on_name

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> RawKeyboard:
        # The name gets a row of its own: Telegram gives every button of a row the same width,
        # and a name squeezed beside four marks would show four letters.
        keyboard: RawKeyboard = []
        for row in data[self.rows_key]:
            keyboard.append(
                [
                    InlineKeyboardButton(
                        text=row["name"], callback_data=self._item_callback_data(f"n{row['id']}")
                    )
                ]
            )
            keyboard.append(
                [
                    InlineKeyboardButton(
                        text=text, callback_data=self._item_callback_data(f"v{row['id']}:{value}")
                    )
                    for value, text in row["values"]
                ]
            )
        return keyboard

    async def _process_item_callback(
        self, callback: CallbackQuery, data: str, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        if data.startswith("n"):
            await self.on_name(callback, self, manager, data[1:])
        elif data.startswith("v"):
            pupil, _, value = data[1:].partition(":")
            await self.on_value(callback, self, manager, pupil, value)
        else:
            await out_of_date(callback, manager)  # not a button this grid makes
        return True


async def turn_page(callback: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    step = 1 if widget.widget_id == "next" else -1
    manager.dialog_data["page"] = min(MOST_PAGES, max(0, page_number(manager) + step))

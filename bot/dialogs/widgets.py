"""Paging shared by the dialogs (the grid of pupils with a row of values each is the kit's
`ChoiceGrid`, `bot.kit.ChoiceGridMixin`)."""

from __future__ import annotations

from typing import Any

from bot.kit import DialogManager, Press
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


async def first_page(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data["page"] = 0


async def turn_page(callback: Press, widget: Any, manager: DialogManager) -> None:
    step = 1 if widget.widget_id == "next" else -1
    manager.dialog_data["page"] = min(MOST_PAGES, max(0, page_number(manager) + step))

"""MAX's rendering of a notice: text in MAX's `html` format (the values escaped, emphasis as
<b>, as `scheduler.render` writes them), buttons whose payloads are `bot.max.payloads`'s, within
MAX's limits of a message."""

from __future__ import annotations

from bot.max import payloads
from domain.notices import NoticeBody
from scheduler.render import LocalesRenderer

TEXT_LIMIT = 4000  # characters of a message's text
LABEL_LIMIT = 24  # characters of a name on a button: more is cut off on a phone's screen
ROWS_LIMIT = 30  # rows of an inline keyboard
ROW_LIMIT = 7  # buttons of a row
BUTTONS_LIMIT = 210  # buttons of a keyboard


def within_limits(rows: list[list[dict[str, str]]]) -> list[list[dict[str, str]]]:
    """A keyboard MAX takes: a row longer than MAX's is split into rows it takes, and what is
    beyond the rows or buttons MAX allows is left off."""
    kept: list[list[dict[str, str]]] = []
    left = BUTTONS_LIMIT
    for row in rows:
        for start in range(0, len(row), ROW_LIMIT):
            if len(kept) == ROWS_LIMIT or left == 0:
                return kept
            part = row[start : start + ROW_LIMIT][:left]
            kept.append(part)
            left -= len(part)
    return kept


class MaxRenderer(LocalesRenderer):
    def __init__(self) -> None:
        super().__init__(encode=payloads.encode, label_limit=LABEL_LIMIT, text_limit=TEXT_LIMIT)

    def render_buttons(self, notice: NoticeBody, language: str) -> list[list[dict[str, str]]]:
        return within_limits(super().render_buttons(notice, language))

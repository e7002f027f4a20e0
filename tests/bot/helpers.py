"""Pressing a button in a keyboard row, as a thumb does on a marks grid."""

from __future__ import annotations

from fakegram import FakeUser
from fakegram.server import ChatMessage


def row_button(message: ChatMessage, row_label: str, cell: str) -> str:
    """The callback data of button `cell` in the row whose first button shows `row_label`."""
    rows = [r for r in message.inline_buttons if r and row_label in r[0]["text"]]
    assert len(rows) == 1, f"{len(rows)} rows match {row_label!r}: {message.buttons}"
    matches = [b for b in rows[0] if b["text"] == cell]
    assert len(matches) == 1, f"no single {cell!r} in {[b['text'] for b in rows[0]]}"
    return matches[0]["callback_data"]


async def press_in_row(user: FakeUser, row_label: str, cell: str) -> list[ChatMessage]:
    screen = user.screen()
    return await user.press_data(row_button(screen, row_label, cell), screen.message_id)


def all_callback_data(user: FakeUser) -> list[str]:
    return [
        b["callback_data"]
        for m in user.bot_messages()
        for row in m.inline_buttons
        for b in row
        if "callback_data" in b
    ]

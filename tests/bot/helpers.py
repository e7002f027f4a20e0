"""Pressing a button in a keyboard row, as a thumb does on a marks grid."""

from __future__ import annotations

from fakegram import FakeUser
from fakegram.server import ChatMessage


def row_button(message: ChatMessage, row_label: str, cell: str) -> str:
    """The callback data of button `cell` by the pupil `row_label`: in the same row, or in the
    row under the name when the name has a row of its own."""
    rows = message.inline_buttons
    found = [i for i, r in enumerate(rows) if r and row_label in r[0]["text"]]
    assert len(found) == 1, f"{len(found)} rows match {row_label!r}: {message.buttons}"
    index = found[0]
    row = rows[index] if len(rows[index]) > 1 else rows[index + 1]
    matches = [b for b in row if b["text"] == cell]
    assert len(matches) == 1, f"no single {cell!r} in {[b['text'] for b in row]}"
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
